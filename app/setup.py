"""Idempotent set-up: roles, permissions and the default categories."""
import sqlalchemy as sa
from flask import current_app

from .complaints.deadlines import ensure_default_policies
from .complaints.models import Category
from .core.extensions import db
from .core.permissions import DEFAULT_ROLE_PERMISSIONS
from .deadlines.workdays import seed_from_library
from .visits.deadlines import ensure_default_policies as ensure_visit_policies

# Categories and repair sub-types of domain.md: Classification.
DEFAULT_CATEGORIES = [
    ("SERVICE", "服务质量", None),
    ("REPAIR", "设施设备/报修", None),
    ("REPAIR_OWN", "自用部位(有偿服务)", "REPAIR"),
    ("REPAIR_COMMON", "共用设施(免费)", "REPAIR"),
    ("REPAIR_QUALITY", "房屋质量(开发商保修)", "REPAIR"),
    # Their return visits are due sooner (domain.md: Deadlines, seed 004 篇4).
    ("REPAIR_SAFETY", "安全设施维修", "REPAIR"),
    ("REPAIR_LEAK", "漏水维修", "REPAIR"),
    ("SANITATION", "环境卫生", None),
    ("SAFETY", "安全", None),
    ("NEIGHBOUR", "邻里纠纷", None),
    ("ORDER", "公共秩序(停车、垃圾)", None),
]


def sync_roles_and_permissions() -> list[str]:
    """Create every permission of the registered views, the Admin and Public roles, and the
    tier roles with at least their default grants. Grants an admin added are kept."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    report = []
    for name in (sm.auth_role_admin, sm.auth_role_public):
        if sm.find_role(name) is None:
            sm.add_role(name)
            report.append(f"role {name}")
    appbuilder.add_permissions(update_perms=True)
    for role_name, grants in DEFAULT_ROLE_PERMISSIONS.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        have = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        for permission, view in grants:
            if (permission, view) not in have:
                sm.add_permission_role(role, sm.add_permission_view_menu(permission, view))
                report.append(f"{role_name}: {permission} on {view}")
    db.session.commit()
    return report


def ensure_categories() -> int:
    """Add the default categories that are missing; returns how many were added."""
    added = 0
    for code, name, parent_code in DEFAULT_CATEGORIES:
        if db.session.scalar(sa.select(Category.id).where(Category.code == code)) is None:
            parent = db.session.scalars(sa.select(Category).where(Category.code == parent_code)).first() \
                if parent_code else None
            db.session.add(Category(code=code, name=name, parent=parent, active=True))
            db.session.flush()
            added += 1
    db.session.commit()
    return added


def initialise() -> dict:
    """Everything `complaints init` does: roles and permissions, default categories, default
    deadline policies (the cases' and the visits') and the working-day calendar the library knows."""
    return {
        "permissions": len(sync_roles_and_permissions()),
        "categories": ensure_categories(),
        "deadline policies": ensure_default_policies(db.session) + ensure_visit_policies(db.session),
        "calendar days": seed_from_library(db.session),
    }
