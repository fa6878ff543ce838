"""Security customisation: password policy, translated role names, the acting user."""
import re

from flask import current_app, g
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import workflow
from .extensions import db
from .permissions import RESOURCE_COMPLAINT, ROLE_LABELS

PASSWORD_MIN_LENGTH = 10


def password_policy(password: str) -> None:
    """At least 10 characters with letters and digits, and not all one character."""
    password = password or ""
    if (len(password) < PASSWORD_MIN_LENGTH or not re.search(r"[A-Za-z]", password)
            or not re.search(r"\d", password) or len(set(password)) < 4):
        raise PasswordComplexityValidationError(
            _("The password needs at least %(n)d characters, with both letters and digits.",
              n=PASSWORD_MIN_LENGTH))


def role_label(name: str) -> str:
    """A role's name in the user's language (roles an admin adds keep their own name)."""
    return str(ROLE_LABELS.get(name, name))


class TranslatedRoleModelView(RoleModelView):
    """FAB's role screen, listing roles by their translated names (FAB's own role list
    widget prints raw names, so the plain list widget, which applies formatters, is used)."""

    list_widget = ListWidget
    list_columns = ["name"]
    formatters_columns = {"name": role_label}


class OfficeUserModelView(UserDBModelView):
    """FAB's user screen, where administrators also set each staff member's offices."""

    list_columns = UserDBModelView.list_columns + ["offices"]
    add_columns = UserDBModelView.add_columns[:-2] + ["offices"] + UserDBModelView.add_columns[-2:]
    edit_columns = UserDBModelView.edit_columns + ["offices"]
    label_columns = {**UserDBModelView.label_columns, "offices": _l("Offices")}
    show_fieldsets = [(title, {**spec, "fields": spec["fields"] + (["offices"] if i == 0 else [])})
                      for i, (title, spec) in enumerate(UserDBModelView.show_fieldsets)]


class ComplaintSecurityManager(SecurityManager):
    """FAB's security manager with this project's role and user screens."""

    rolemodelview = TranslatedRoleModelView
    userdbmodelview = OfficeUserModelView


def complaint_permissions(user) -> set[str]:
    """The user's permission names on the Complaint resource, without the can_ prefix."""
    sm = current_app.appbuilder.sm
    return {p[len("can_"):] for p, view in sm.get_user_permissions(user)
            if view == RESOURCE_COMPLAINT and p.startswith("can_")}


def current_actor() -> workflow.Actor:
    """The Actor for the logged-in user of this request (session or JWT)."""
    actor = getattr(g, "_actor", None)
    if actor is None:
        user = current_app.appbuilder.sm.current_user
        if not user:
            return workflow.Actor(None, "anonymous")
        user = db.session.get(User, user.id)
        actor = workflow.actor_for_user(db.session, user, complaint_permissions(user))
        g._actor = actor
    return actor
