"""Security customisation: password policy, translated role names, the acting user."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Iterable

import sqlalchemy as sa
from flask import abort, current_app, g, has_request_context, jsonify, request
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.forms import ResetPasswordForm
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Group,
    Permission,
    PermissionView,
    Role,
    User,
    ViewMenu,
    assoc_permissionview_role,
)
from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from flask_appbuilder.utils.limit import Limit
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from sqlalchemy.orm import Session, joinedload
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from . import models  # noqa: F401  (User.offices, loaded with every user)
from .extensions import db
from .filters import Interface
from .lists import ScaledList
from .params import parse_id
from .permissions import (
    ALL_OFFICE_ROLES,
    RESOURCE_COMPLAINT,
    RESOURCE_USER,
    ROLE_LABELS,
    ROLE_TIERS,
)
from .views import RefuseDeleteInUse

PASSWORD_MIN_LENGTH = 10


def password_policy(password: str) -> None:
    """At least 10 characters with letters and digits, and not all one character."""
    password = password or ""
    if (len(password) < PASSWORD_MIN_LENGTH or not re.search(r"[A-Za-z]", password)
            or not re.search(r"\d", password) or len(set(password)) < 4):
        raise PasswordComplexityValidationError(
            _("The password needs at least %(n)d characters, with both letters and digits.",
              n=PASSWORD_MIN_LENGTH))


class PolicyPasswordForm(ResetPasswordForm):
    """FAB's password form, saying the password policy it checks (FAB's says it checks none)."""

    password = PasswordField(
        _l("Password"), description=_l("The password needs at least %(n)d characters, with both letters and digits.",
                                       n=PASSWORD_MIN_LENGTH),
        validators=[DataRequired(), PasswordComplexityValidator()], widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(
        _l("Confirm Password"), description=_l("Please rewrite the password to confirm"),
        validators=[EqualTo("password", message=_l("Passwords must match"))], widget=BS3PasswordFieldWidget())


class ResetMyPasswordView(fab_views.ResetMyPasswordView):
    """One's own password (every staff member, from the user menu)."""

    form = PolicyPasswordForm
    form_title = _l("Change my password")


class ResetPasswordView(fab_views.ResetPasswordView):
    """A staff member's password, set by an administrator."""

    form = PolicyPasswordForm


def role_label(name: str) -> str:
    """A role's name in the user's language (roles an admin adds keep their own name)."""
    return str(ROLE_LABELS.get(name, name))


# Every screen prints a role as str(role): its lists, detail pages, the role choices of the user
# form and the user list's filter. FAB prints the stored (English) name; print it translated.
Role.__str__ = lambda role: role_label(role.name)


class TranslatedRoleModelView(ScaledList, RoleModelView):
    """FAB's role screen, listing roles by their translated names (FAB's own role list
    widget prints raw names, so the plain list widget, which applies formatters, is used)."""

    list_widget = ListWidget
    list_columns = ["name"]
    formatters_columns = {"name": role_label}


class OfficeUserModelView(ScaledList, RefuseDeleteInUse, UserDBModelView):
    """FAB's user screen, where administrators also set each staff member's offices, and every
    staff member's own profile (userinfo) with the change of their own password. A user that
    cases or their history name is deactivated, not deleted. (Groups are not used here.)"""

    class_permission_name = RESOURCE_USER
    list_columns = ["first_name", "last_name", "username", "email", "active", "roles", "offices"]
    add_columns = UserDBModelView.add_columns[:-2] + ["offices"] + UserDBModelView.add_columns[-2:]
    edit_columns = UserDBModelView.edit_columns + ["offices"]
    label_columns = {**UserDBModelView.label_columns, "offices": _l("Offices")}
    show_fieldsets = [(title, {**spec, "fields": spec["fields"] + (["offices"] if i == 0 else [])})
                      for i, (title, spec) in enumerate(UserDBModelView.show_fieldsets)]
    user_show_fieldsets = [(title, {**spec, "fields": spec["fields"] + (["offices"] if i == 0 else [])})
                           for i, (title, spec) in enumerate(UserDBModelView.user_show_fieldsets)]


def _json_answer(status: int, message: str):
    return jsonify(message=message), status


# The token login (POST /api/v1/security/login) counts failed attempts only (answers 401), per
# user name and per client address, each against AUTH_RATE_LIMIT. Past either limit every attempt
# is refused, even with the right password, until the window has passed.
def _login_user_name() -> str:
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    # FAB matches user names case-insensitively (AUTH_USERNAME_CI), so the count does too.
    return "user:" + (name.lower() if isinstance(name, str) else "")


def _login_address() -> str:
    return "address:" + (get_remote_address() or "")


def _not_the_login() -> bool:
    # FAB applies an API's limits to its whole blueprint; only the login is limited here.
    return not (request.endpoint or "").endswith(".login")


def _failed_login(response) -> bool:
    return response.status_code == 401


def _too_many_logins(request_limit):
    answer = jsonify(message=_("Too many failed sign-in attempts. Wait a while and try again."))
    answer.status_code = 429
    answer.headers["Retry-After"] = str(max(1, request_limit.reset_at - int(time.time())))
    return answer


def _login_limit(key_func) -> Limit:
    return Limit(lambda: current_app.config["AUTH_RATE_LIMIT"], key_func=key_func, methods=("POST",),
                 exempt_when=_not_the_login, deduct_when=_failed_login, on_breach=_too_many_logins)


class LoginLimitedSecurityApi(SecurityApi):
    """FAB's token login and refresh, with failed logins limited like the form login."""

    def __init__(self):
        self.limits = [_login_limit(_login_user_name), _login_limit(_login_address)]
        super().__init__()


def init_token_answers(jwt_manager) -> None:
    """Every missing, malformed, expired or otherwise unusable token answers 401 with a
    translated JSON message (Flask-JWT-Extended answers some of them 422 or 400)."""
    def invalid(_reason):
        return _json_answer(401, _("The sign-in token is not valid. Sign in again."))

    jwt_manager.unauthorized_loader(
        lambda _reason: _json_answer(401, _("Sign in first: send the token from /api/v1/security/login "
                                            "as \"Authorization: Bearer <token>\".")))
    jwt_manager.invalid_token_loader(invalid)
    jwt_manager.token_verification_failed_loader(lambda _header, _data: invalid(None))
    jwt_manager.expired_token_loader(
        lambda _header, _data: _json_answer(401, _("The sign-in token has expired. Sign in again.")))
    jwt_manager.needs_fresh_token_loader(
        lambda _header, _data: _json_answer(401, _("This needs a fresh sign-in. Sign in again.")))
    jwt_manager.revoked_token_loader(
        lambda _header, _data: _json_answer(401, _("The sign-in token has been revoked. Sign in again.")))
    jwt_manager.user_lookup_error_loader(
        lambda _header, _data: _json_answer(401, _("The account of this sign-in token is not active.")))


class ComplaintSecurityManager(SecurityManager):
    """FAB's security manager with this project's role and user screens, a rate-limited token
    login and 401 JSON answers for unusable tokens; its screens look rows
    up through the app's datamodel (ids read with parse_id), and without FAB's user-statistics
    chart, which loads Google's chart library from the internet."""

    rolemodelview = TranslatedRoleModelView
    userdbmodelview = OfficeUserModelView
    resetmypasswordview = ResetMyPasswordView
    resetpasswordview = ResetPasswordView
    userstatschartview = None
    security_api = LoginLimitedSecurityApi

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        for name in ("userdbmodelview", "rolemodelview", "groupmodelview", "permissionmodelview",
                     "viewmenumodelview", "permissionviewmodelview"):
            view = getattr(self, name)
            view.datamodel = Interface(view.datamodel.obj)

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        init_token_answers(jwt_manager)
        return jwt_manager

    def get_user_by_id(self, pk):
        """The user with their roles, groups and offices, in one statement (every request
        loads its user this way; the roles are not read again)."""
        pk = parse_id(pk)
        if pk is None:
            return None
        return self.session.scalars(
            sa.select(User).where(User.id == pk).options(
                joinedload(User.roles), joinedload(User.groups).joinedload(Group.roles), joinedload(User.offices))
        ).unique().one_or_none()

    # Permission checks. FAB asks the database once per menu entry, button and action (a dozen
    # and more per page); here every check of a request reads one set: the (permission,
    # resource) pairs of the user's roles, loaded in one statement the first time the request
    # needs it. Each request reads them afresh, so a change to roles or grants applies to the
    # next request, in every worker.

    def role_permissions(self, roles) -> frozenset:
        """The (permission, resource) names granted to `roles` (database roles)."""
        role_ids = tuple(sorted({role.id for role in roles}))
        cache = g.setdefault("_role_permissions", {}) if has_request_context() else {}
        if role_ids not in cache:
            cache[role_ids] = frozenset() if not role_ids else frozenset(self.session.execute(
                sa.select(Permission.name, ViewMenu.name)
                .select_from(assoc_permissionview_role)
                .join(PermissionView, PermissionView.id == assoc_permissionview_role.c.permission_view_id)
                .join(Permission, Permission.id == PermissionView.permission_id)
                .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
                .where(assoc_permissionview_role.c.role_id.in_(role_ids))
            ).tuples())
        return cache[role_ids]

    def _db_roles(self, roles):
        return [role for role in roles if role.name not in self.builtin_roles]

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles and self._has_access_builtin_roles(role, permission_name, view_name)
               for role in roles):
            return True
        return (permission_name, view_name) in self.role_permissions(self._db_roles(roles))

    def _get_user_permission_view_menus(self, user, permission_name: str, view_menus_name) -> set[str]:
        roles = [self.get_public_role()] if user is None else self.get_user_roles(user)
        roles = [role for role in roles if role is not None]
        granted = self.role_permissions(self._db_roles(roles))
        names = view_menus_name if view_menus_name is not None else {view for _perm, view in granted}
        return {name for name in names
                if (permission_name, name) in granted
                or any(role.name in self.builtin_roles and self._has_access_builtin_roles(role, permission_name, name)
                       for role in roles)}

    def get_user_permissions(self, user) -> set[tuple[str, str]]:
        roles = self.get_user_roles(user)
        result = set(self.role_permissions(self._db_roles(roles)))
        for role in roles:
            if role.name in self.builtin_roles:
                result.update(self.get_role_permissions(role))
        return result

    def is_item_public(self, permission_name, view_name):
        role = self._public_role()
        return role is not None and (permission_name, view_name) in self.role_permissions([role])

    def _public_role(self):
        # Anonymous pages (the login) check each menu entry too: read the public role once.
        if not has_request_context():
            return self.get_public_role()
        if "_public_role" not in g:
            g._public_role = self.get_public_role()
        return g._public_role

    def reset_password(self, userid, password):
        # FAB's reset-password form takes the user's id from its address (?pk=…).
        if self.get_user_by_id(userid) is None:
            abort(404)
        super().reset_password(userid, password)


@dataclass(frozen=True)
class Actor:
    """The person (or the system) performing an action, with what their roles allow."""

    user_id: int | None
    name: str
    permissions: frozenset = field(default_factory=frozenset)
    tier: int = 0
    office_ids: frozenset | None = frozenset()  # None: every office

    def may(self, permission: str) -> bool:
        return permission in self.permissions

    def sees_office(self, office_id: int) -> bool:
        return self.office_ids is None or office_id in self.office_ids


def tier_of_roles(role_names: Iterable[str]) -> int:
    return max((ROLE_TIERS.get(r, 0) for r in role_names), default=0)


def actor_for_user(session: Session, user: User, permissions: Iterable[str]) -> Actor:
    """Build an Actor from a FAB user and their permission names on the Complaint resource."""
    role_names = {r.name for r in user.roles}
    # (The user's offices come with the user: get_user_by_id loads them in the same statement.)
    office_ids = None if role_names & ALL_OFFICE_ROLES else frozenset(office.id for office in user.offices)
    return Actor(
        user_id=user.id,
        name=user.get_full_name() if hasattr(user, "get_full_name") else user.username,
        permissions=frozenset(permissions),
        tier=tier_of_roles(role_names),
        office_ids=office_ids,
    )


def complaint_permissions(user) -> set[str]:
    """The user's permission names on the Complaint resource, without the can_ prefix."""
    sm = current_app.appbuilder.sm
    return {p[len("can_"):] for p, view in sm.get_user_permissions(user)
            if view == RESOURCE_COMPLAINT and p.startswith("can_")}


def resource_permissions(user, resource: str) -> set[str]:
    """The user's permission names on one resource, without the can_ prefix."""
    sm = current_app.appbuilder.sm
    return {p[len("can_"):] for p, view in sm.get_user_permissions(user)
            if view == resource and p.startswith("can_")}


def current_actor() -> Actor:
    """The Actor for the logged-in user of this request (session or JWT)."""
    actor = getattr(g, "_actor", None)
    if actor is None:
        user = current_app.appbuilder.sm.current_user
        if not user:
            return Actor(None, "anonymous")
        user = db.session.get(User, user.id)
        actor = actor_for_user(db.session, user, complaint_permissions(user))
        g._actor = actor
    return actor
