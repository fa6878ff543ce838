"""The errors every domain raises for a refused request. Each carries a message in the user's
language and the HTTP status it maps to; the screens and the API each answer them in one place."""


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
