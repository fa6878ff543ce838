"""JSON REST API for intake integrations (hotline system, WeChat bot): create, read, act,
read events. Same permissions and office isolation as the screens."""
from flask import request
from flask_babel import gettext as _
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from marshmallow import Schema, ValidationError, fields, validate

from app.core.extensions import db
from app.core.params import MAX_ID, coerce_action_params, parse_id
from app.core.security import current_actor

from . import workflow
from .enums import Channel, Grade, Urgency
from .filters import ComplaintInterface, ComplaintScope
from .models import Complaint


class RowId(fields.Integer):
    """A row id, read by core.params.parse_id: 1..MAX_ID (the integer column), else a field
    message and a 400. Whether the row exists and may be chosen is the workflow's to say."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        row_id = parse_id(value)
        if row_id is None:
            raise ValidationError(_("Not a valid id."))
        return row_id


class IntakeSchema(Schema):
    """A new complaint as an integration sends it."""

    office_id = RowId(required=True)
    category_id = RowId(required=True)
    urgency = fields.Enum(Urgency, load_default=Urgency.GENERAL)
    channel = fields.Enum(Channel, load_default=Channel.PHONE)
    grade = fields.Enum(Grade, allow_none=True, load_default=None)
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    complainant_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    complainant_room = fields.String(load_default="", validate=validate.Length(max=30))
    complainant_phone = fields.String(load_default="", validate=validate.Regexp(r"^[0-9+\-() ]{0,30}$"))
    respondent_id = RowId(allow_none=True, load_default=None)
    respondent_department = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    received_at = fields.AwareDateTime(allow_none=True, load_default=None)


class EventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.Function(lambda e: e.actor.username if e.actor else None)
    kind = fields.Function(lambda e: e.kind.value)
    from_status = fields.Function(lambda e: e.from_status.value if e.from_status else None)
    to_status = fields.Function(lambda e: e.to_status.value if e.to_status else None)
    from_tier = fields.Integer()
    to_tier = fields.Integer()
    note = fields.String()
    version = fields.Integer()


class ComplaintApi(ComplaintScope, ModelRestApi):
    """Complaints over JSON: JWT (`/api/v1/security/login`) or a browser session."""

    resource_name = "complaints"
    datamodel = ComplaintInterface(Complaint)
    allow_browser_login = True
    openapi_spec_tag = "Complaints"
    include_route_methods = {"get", "get_list", "info", "post", "act", "events"}
    base_order = ("received_at", "desc")
    max_page_size = 100
    list_columns = ["id", "case_number", "office.id", "office.code", "category.id", "category.name", "channel",
                    "urgency", "grade", "validity", "tier", "status", "assignee.id", "assignee.username",
                    "received_at", "next_due_at", "overdue_since", "version"]
    show_columns = list_columns + ["description", "respondent.id", "respondent_department", "complainant.name",
                                   "complainant.room", "complainant.phone", "plan_measures", "plan_deadline",
                                   "plan_owner.id", "resolution", "void_reason", "acknowledged_at",
                                   "first_feedback_at", "resolved_at", "confirmed_at", "closed_at", "voided_at"]
    search_columns = ["case_number", "status", "tier", "office", "category", "urgency", "received_at",
                      "overdue_since"]
    order_columns = ["received_at", "case_number", "tier", "status"]
    add_model_schema = edit_model_schema = IntakeSchema()

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """Register a complaint.
        ---
        post:
          summary: Register a complaint
          requestBody:
            content:
              application/json:
                schema: {type: object}
          responses:
            201: {description: "Registered; returns id, case_number and version"}
            400: {description: "Bad input, with field messages"}
            403: {description: "Forbidden"}
        """
        try:
            intake = IntakeSchema().load(request.get_json(silent=True) or {})
        except ValidationError as e:
            return self.response(400, message=e.messages)
        try:
            complaint = workflow.open_case(db.session, current_actor(), intake)
        except workflow.WorkflowError as e:
            return _error(self, e)
        return self.response(201, id=complaint.id, case_number=complaint.case_number, version=complaint.version)

    @expose("/<int:pk>/actions/<name>", methods=["POST"])
    @protect()
    @safe
    def act(self, pk, name):
        """Run a workflow action.
        ---
        post:
          summary: Run a workflow action on a complaint
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: name, required: true, schema: {type: string}}
          requestBody:
            content:
              application/json:
                schema: {type: object}
          responses:
            200: {description: "Done; returns the new status, tier and version"}
            403: {description: "The role may not take this action"}
            404: {description: "No such complaint in the user's offices"}
            409: {description: "Illegal in the current state, or changed meanwhile"}
            422: {description: "Bad input, with field messages"}
        """
        body = request.get_json(silent=True) or {}
        spec = workflow.ACTIONS.get(name)
        if spec is None:
            return self.response_404()
        try:
            # An integration that sends no version acts on the case as it is now.
            complaint = workflow.perform(db.session, current_actor(), pk, name,
                                         expected_version=body.get("version", workflow.ANY_VERSION),
                                         **coerce_action_params(spec.params, body))
        except workflow.WorkflowError as e:
            return _error(self, e)
        return self.response(200, id=complaint.id, status=complaint.status.value, tier=complaint.tier,
                             version=complaint.version)

    @expose("/<int:pk>/events", methods=["GET"])
    @protect()
    @safe
    def events(self, pk):
        """The complaint's event log.
        ---
        get:
          summary: A complaint's events, oldest first
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200: {description: "The events"}
            404: {description: "No such complaint in the user's offices"}
        """
        try:
            complaint = workflow.load(db.session, current_actor(), pk)
        except workflow.WorkflowError as e:
            return _error(self, e)
        return self.response(200, result=EventSchema(many=True).dump(workflow.timeline(db.session, complaint)))


def _error(api, error: workflow.WorkflowError):
    body = {"message": error.message}
    if error.fields:
        body["fields"] = error.fields
    return api.response(error.http_status, **body)
