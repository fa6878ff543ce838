"""The errors every domain raises for a refused request. Each carries a message in the user's
language and the HTTP status it maps to; the screens and the API each answer them in one place."""
from werkzeug.exceptions import BadRequest


class WorkflowError(Exception):
    """A refused request; nothing was changed."""

    http_status = 400

    def __init__(self, message, fields: dict | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.fields = fields or {}


class NotFound(WorkflowError):
    """The case does not exist or is not visible to this user (same answer for both)."""

    http_status = 404


class Forbidden(WorkflowError):
    """The user's role does not allow this action on this case."""

    http_status = 403


class IllegalTransition(WorkflowError):
    """The action does not apply to the case in its current state."""

    http_status = 409


class StaleCase(WorkflowError):
    """Someone changed the case since the user loaded it."""

    http_status = 409


class InvalidInput(WorkflowError):
    """Bad or missing input; `fields` maps each field to its message."""

    http_status = 422


class InUse(WorkflowError):
    """The row is still referred to (by cases, their history or settings) and cannot be deleted."""

    http_status = 409


class UnreadableInput(BadRequest):
    """A request that cannot be read at all (a JSON body that is not an object, a list filter's
    value of the wrong kind): 400, nothing done. An HTTP error rather than a WorkflowError, so
    that FAB's own views answer it with 400 too (their @safe turns any other exception into a
    500), and the handlers below answer it on each surface."""

    def __init__(self, message):
        super().__init__(description=str(message))

    def __str__(self):
        return self.description


class InvalidFilter(InvalidInput, BadRequest):
    """A list filter whose value cannot be read (a name no enum has, a number past the column's
    range, a date off the calendar) or that the list does not have. Also a BadRequest, so that
    FAB's API methods, which turn any other exception into a 500 (`@safe`), answer it with 400."""

    http_status = 400

    def __str__(self):
        return self.message


# ---------------------------------------------------------------------------------------
# One error handler per surface: JSON under /api/, a page of ours on the screens.
# ---------------------------------------------------------------------------------------

def _titles():
    from flask_babel import lazy_gettext as _l

    return {
        400: _l("The request could not be read"), 401: _l("Please sign in"), 403: _l("Access denied"),
        404: _l("Not found"), 405: _l("This address does not take that request"),
        409: _l("The case has changed or cannot take this action now"), 413: _l("The upload is too large"),
        422: _l("Some input is not valid"), 429: _l("Too many attempts, please wait a moment"),
        500: _l("Something went wrong on our side"),
    }


def is_api_request() -> bool:
    """Whether this request belongs to the JSON API (which never answers with an HTML page)."""
    from flask import request

    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, fields: dict | None = None):
    """The answer to a refused request: JSON under /api/, our translated page elsewhere."""
    from flask import current_app, g, jsonify, make_response, render_template, request
    from flask_login import current_user

    titles = _titles()
    title = str(titles.get(status, titles[500 if status >= 500 else 400]))
    if is_api_request():
        body = {"message": message or title}
        if fields:
            body["fields"] = {name: str(text) for name, text in fields.items()}
        return make_response(jsonify(body), status)
    appbuilder = current_app.appbuilder
    if not hasattr(g, "user"):
        # Refused before FAB's own before_request ran (CSRF, input guard): its navbar reads g.user.
        g.user = current_user
    # A page refused for what its address asks (a filter, a query value) can be opened without it.
    refused_by_query = request.method == "GET" and request.args and status in (400, 422)
    plain_url = request.script_root + request.path if refused_by_query else None
    page = render_template("errors/error.html", appbuilder=appbuilder, base_template=appbuilder.base_template,
                           status=status, title=title, message=message if message != title else None,
                           fields=fields or {}, plain_url=plain_url)
    return make_response(page, status)


def init_error_handlers(app) -> None:
    """Answer every refused request on each surface in one place (WorkflowError anywhere, any
    HTTP error), and never leave a failed transaction open."""
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    from .extensions import db

    @app.errorhandler(WorkflowError)
    def _refused(error: WorkflowError):
        db.session.rollback()
        return error_response(error.http_status, error.message, error.fields)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400 or error.response is not None:
            return error  # a redirect, or an answer its raiser already made (e.g. the token login's 429)
        if error.code >= 500:
            db.session.rollback()
        # Werkzeug's own descriptions are English: show our title instead, but keep a message
        # a view gave on purpose (abort(404, description=_("…"))).
        own = error.description if error.description != type(error).description else None
        response = error_response(error.code, own)
        if getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return error_response(400, _("The form's security token is missing or has expired. Please reload the page "
                                     "and try again."))

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        return error_response(500, _("The error has been logged. Please try again, or tell the administrator."))
