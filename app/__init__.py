"""The complaint desk application: create_app() wires one concern per init_* function."""
import re
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, redirect, request
from flask_appbuilder import AppBuilder
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user
from flask_talisman import Talisman

from .core import search
from .core.errors import InvalidInput, init_error_handlers
from .core.extensions import (
    csrf,
    db,
    enforce_foreign_keys,
    migrate,
    readers_never_block_writers,
)
from .core.params import has_control_characters

BASE_DIR = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app from config.py, the environment and `overrides` (tests)."""
    app = Flask(__name__, instance_path=str(BASE_DIR / "instance"))
    app.config.from_object("config")
    app.config.update(overrides or {})
    from .core.security import password_policy

    app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"] = password_policy
    init_database(app)
    init_security(app)
    init_appbuilder(app)
    init_error_handlers(app)
    init_input_guard(app)
    init_page_limits(app)
    init_action_routes(app)
    from .notifications.views import init_navbar

    init_template_helpers(app)
    init_navbar(app)
    init_favicon(app)
    from .cli import complaints

    app.cli.add_command(complaints)
    if app.config["SCHEDULER_IN_PROCESS"]:
        from .deadlines.scheduler import start_in_process

        app.extensions["deadline_scheduler"] = start_in_process(app)
    return app


def init_database(app: Flask) -> None:
    # Every domain's tables, before FAB configures the mappers: notifications name the cases
    # and visits they are about by string.
    from .complaints import models as _complaints  # noqa: F401
    from .visits import models as _visits  # noqa: F401

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            enforce_foreign_keys(engine)
            readers_never_block_writers(engine)
            search.register_functions(engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), compare_type=True, render_as_batch=True)


# Same origin only: nothing is loaded from elsewhere (FAB ships jQuery, Bootstrap, Select2, the
# date picker, Font Awesome and Swagger UI). What the screens need beyond 'self', checked in
# Chromium on every screen:
# - script-src: FAB's inline <script> blocks carry the per-request nonce (baselib.get_nonce()
#   reads Talisman's csp_nonce), so scripts need neither 'unsafe-inline' nor 'unsafe-eval'.
# - style-src 'unsafe-inline': FAB's templates set style="…" attributes (required-field
#   asterisks, hidden action forms, pagination, show widgets); without it the login page, the
#   intake form and every list report violations. A nonce cannot cover attributes.
# - img-src data:: Swagger UI's stylesheet draws its icons as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_security(app: Flask) -> None:
    # First, so that every later hook's answer (CSRF refusal, rate limit, 404) gets the headers
    # and any page it renders gets the request's script nonce.
    Talisman(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        # Evidence files are served as sent; browsers must not reinterpret their type.
        x_content_type_options=True,
        # The embedded default serves plain HTTP on 127.0.0.1; behind HTTPS, production sets
        # SESSION_COOKIE_SECURE (HSTS is only ever sent on HTTPS requests). Talisman would
        # otherwise overwrite the session-cookie settings of config.py: hand them back.
        force_https=False,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    csrf.init_app(app)

    @app.before_request
    def _api_cookie_requests_need_csrf():
        # The API skips CSRF only for requests a valid token authenticates: a request the
        # browser session authenticates must send the CSRF token, whatever Authorization header
        # it carries. A token that is present but does not verify is refused (401) right here;
        # a request with neither gets FAB's 401. (The token login carries its credentials in
        # the body.)
        if (request.path.startswith("/api/") and not request.path.startswith("/api/v1/security/")
                and request.method not in ("GET", "HEAD", "OPTIONS")
                and app.config.get("WTF_CSRF_ENABLED", True)
                and verify_jwt_in_request(optional=True) is None
                and current_user.is_authenticated):
            csrf.protect()


def init_input_guard(app: Flask) -> None:
    """Refuse text with NUL or other control characters in any query, form or JSON value,
    on every surface, before any view reads it (PostgreSQL refuses NUL; neither has a use)."""

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from strings(key)
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    @app.before_request
    def _no_control_characters():
        from flask_babel import gettext as _

        values = [request.path, *request.args.keys(), *request.args.values()]
        if request.method in ("POST", "PUT", "PATCH"):
            values += [*request.form.keys(), *request.form.values()]
            if request.is_json:
                values += list(strings(request.get_json(silent=True)))
        if any(has_control_characters(v) for v in values):
            raise InvalidInput(_("The input contains control characters (such as NUL); please remove them."))


def init_appbuilder(app: Flask) -> None:
    with app.app_context():
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        from flask_appbuilder.api.manager import SwaggerView

        from .complaints.api import ComplaintApi
        from .core.api import OpenApi
        from .menu import register_views
        from .visits.api import VisitApi

        register_views(appbuilder)
        appbuilder.add_api(ComplaintApi)
        appbuilder.add_api(VisitApi)
        # The REST API's description: /api/v1/_openapi and its Swagger UI at /swagger/v1.
        appbuilder.add_api(OpenApi)
        appbuilder.add_view_no_menu(SwaggerView)


def init_template_helpers(app: Flask) -> None:
    """The display filters templates use, from the shared core and each domain."""
    from .complaints.formatting import dissatisfaction, event_note, field_labels
    from .core.formatting import (
        local_time,
        person_name,
        shown,
        tier_label,
        tier_short,
        ui_language,
    )
    from .deadlines.formatting import deadline_badge, deadline_kind_label

    app.jinja_env.filters.update(local_time=local_time, tier_label=tier_label, tier_short=tier_short,
                                 field_labels=field_labels, event_note=event_note, person_name=person_name,
                                 deadline_badge=deadline_badge, deadline_kind_label=deadline_kind_label,
                                 shown=shown, dissatisfaction=dissatisfaction)
    app.jinja_env.globals.update(ui_language=ui_language)


def init_favicon(app: Flask) -> None:
    """The site's icon at /favicon.ico, where browsers look for it (app/static/favicon.ico)."""
    from flask import send_from_directory

    @app.route("/favicon.ico")
    def favicon():
        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=7 * 24 * 3600)


# Flask-AppBuilder reads list arguments by searching their names (urltools: re.findall(
# "psize_(.*)", name) and the like), so "xpsize_<View>" is a page size too: match the same way.
_PAGE_SIZE_ARG, _PAGE_ARG, _ORDER_ARG = re.compile("psize_(.*)"), re.compile("page_(.*)"), re.compile("_oc_(.*)")


def init_page_limits(app: Flask) -> None:
    """Clamp list paging arguments and drop unknown sort columns, for every argument name FAB
    honours: FAB fails on non-numbers, serves any page size, and sorts by any text it is given."""
    limit = app.config["LIST_MAX_PAGE_SIZE"]

    def sortable(view_name: str, column: str) -> bool:
        views = (v for v in app.appbuilder.baseviews if type(v).__name__ == view_name)
        return any(column in (getattr(v, "order_columns", None) or ()) for v in views)

    @app.before_request
    def _clamp_paging():
        bad = False
        args = []
        for key, value in request.args.items(multi=True):
            is_size, is_page = bool(_PAGE_SIZE_ARG.search(key)), bool(_PAGE_ARG.search(key))
            order = _ORDER_ARG.search(key)
            if is_size or is_page:
                try:
                    number = int(value)
                except ValueError:
                    bad = True  # dropped: the list falls back to its default
                    continue
                low, high = (1, limit) if is_size else (0, 10**6)
                clamped = min(max(number, low), high)
                if str(clamped) != value:
                    bad, value = True, str(clamped)
            elif order and not sortable(order.group(1), value):
                bad = True  # dropped: the list keeps its default order
                continue
            args.append((key, value))
        if bad:
            return redirect(f"{request.script_root}{request.path}?{urlencode(args)}")


def init_action_routes(app: Flask) -> None:
    """FAB's action endpoints (/<view>/action/<name>/<pk>, /<view>/action_post) of every screen:
    answer an unknown action or row with 404 and a missing permission like @has_access (403 for
    a signed-in user), and look rows up through the view's base filters (the office scope, one's
    own notifications), which FAB itself skips."""
    from flask import abort, flash, url_for
    from flask_appbuilder.baseviews import BaseCRUDView
    from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED
    from flask_login import current_user

    @app.before_request
    def _guard_actions():
        view_name, _, endpoint = (request.endpoint or "").rpartition(".")
        if endpoint not in ("action", "action_post"):
            return None
        view = next((v for v in app.appbuilder.baseviews if type(v).__name__ == view_name), None)
        if not isinstance(view, BaseCRUDView):
            return None
        if endpoint == "action":
            if request.method != "POST":
                abort(405, valid_methods=["POST"])
            name, pks = request.view_args["name"], [request.view_args["pk"]]
        else:
            name, pks = request.form.get("action", ""), request.form.getlist("rowid")
        item = view.actions.get(name)
        if item is None or not (item.single if endpoint == "action" else item.multiple):
            abort(404)
        if not app.appbuilder.sm.has_access(view.get_action_permission_name(name), view.class_permission_name):
            if current_user.is_authenticated and current_user.is_active:
                abort(403)
            flash(str(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            return redirect(url_for(f"{type(app.appbuilder.sm.auth_view).__name__}.login", next=request.url))
        for pk in pks:
            if view.datamodel.get(view._deserialize_pk_if_composite(pk), view._base_filters) is None:
                abort(404)
        return None
