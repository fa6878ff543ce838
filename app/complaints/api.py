"""JSON REST API for intake integrations (hotline system, WeChat bot): create, read, act,
read events. Same permissions and office isolation as the screens; every rule is the workflow's.

Bodies are read by core.api.request_object and core.schemas (400 for a body that is not a JSON
object, 422 with a message per field for bad values); refusals are answered by core.errors."""
from copy import deepcopy

from flask_appbuilder.api import expose, protect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from app.core.api import ModelApi, error_responses, json_content, request_object
from app.core.extensions import db
from app.core.params import MAX_ID
from app.core.schemas import Choice, Flag, Id, Moment, Text, WholeNumber, load
from app.core.schemas import Schema as BodySchema
from app.core.security import current_actor

from . import workflow
from .enums import Channel, EventKind, Grade, Status, Urgency, Validity
from .filters import ComplaintInterface, ComplaintScope
from .models import Complaint

# Free text an action records (a note, a reason, a result, the measures of a plan).
ACTION_TEXT_MAX = 5000


class IntakeSchema(BodySchema):
    """A new complaint as an integration sends it."""

    office_id = Id(required=True)
    category_id = Id(required=True)
    urgency = Choice(Urgency, load_default=Urgency.GENERAL)
    channel = Choice(Channel, load_default=Channel.PHONE)
    grade = Choice(Grade, allow_none=True, load_default=None)
    description = Text(5000, required=True)
    complainant_name = Text(50, required=True)
    complainant_room = Text(30, load_default="")
    complainant_phone = Text(30, load_default="", validate_also=[validate.Regexp(
        r"^[0-9+\-() ]*$", error=_l("Use digits, spaces and + - ( ) only."))])
    respondent_id = Id(allow_none=True, load_default=None)
    respondent_department = Text(100, allow_none=True, load_default=None)
    received_at = Moment(allow_none=True, load_default=None)


def _param_field(name: str, required: bool):
    """The body field of an action parameter, typed by its name (the rule of
    core.params.coerce_action_params, which reads the same parameters from a form)."""
    if name == "deadline":
        return Moment(required=required)
    if name == "satisfied":
        return Flag(required=required)
    if name.endswith("_id"):
        return Id(required=required)
    if name in workflow.COMPLAINANT_DETAILS:
        validators = [validate.Regexp(workflow.PHONE_PATTERN, error=_l("Use digits, spaces and + - ( ) only."))] \
            if name == "complainant_phone" else []
        return Text(workflow.COMPLAINANT_DETAILS[name][1], required=required, validate_also=validators)
    if name == "validity":
        choices = [Validity.VALID.name, Validity.INVALID.name]
        return Text(10, required=required,
                    validate_also=[validate.OneOf(choices, error=_l("Choose one of: {choices}."))])
    return Text(ACTION_TEXT_MAX, required=required)


def action_body_schema(name: str) -> BodySchema:
    """The body of action `name`: the case's `version` as read (optional) and its parameters."""
    spec = workflow.ACTIONS[name]
    declared = {"version": WholeNumber(0, MAX_ID, metadata={
        "description": "The case's version as you read it; the action is refused (409) if the case changed since."})}
    declared.update({param: _param_field(param, param in spec.required) for param in spec.params})
    return BodySchema.from_dict(declared, name=f"Action_{name}")()


class EventSchema(Schema):
    """One entry of a case's event log."""

    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.Function(lambda e: e.actor.username if e.actor else None,
                            metadata={"type": "string", "nullable": True, "description": "null for the system"})
    kind = fields.Enum(EventKind, by_value=True, required=True)
    from_status = fields.Enum(Status, by_value=True, allow_none=True)
    to_status = fields.Enum(Status, by_value=True, allow_none=True)
    from_tier = fields.Integer(allow_none=True)
    to_tier = fields.Integer(allow_none=True)
    note = fields.String(required=True)
    version = fields.Integer(required=True)


class ComplaintApi(ComplaintScope, ModelApi):
    """Complaints over JSON: JWT (`/api/v1/security/login`) or a browser session."""

    resource_name = "complaints"
    datamodel = ComplaintInterface(Complaint)
    allow_browser_login = True
    openapi_spec_tag = "Complaints"
    openapi_spec_component_schemas = (EventSchema,)
    include_route_methods = {"get", "get_list", "info", "post", "act", "events"}
    base_order = ("received_at", "desc")
    list_columns = ["id", "case_number", "office.id", "office.code", "category.id", "category.name", "channel",
                    "urgency", "grade", "validity", "tier", "status", "assignee.id", "assignee.username",
                    "received_at", "next_due_at", "overdue_since", "version"]
    show_columns = list_columns + ["description", "respondent.id", "respondent_department", "complainant.name",
                                   "complainant.room", "complainant.phone", "plan_measures", "plan_deadline",
                                   "plan_owner.id", "resolution", "void_reason", "acknowledged_at",
                                   "first_feedback_at", "resolved_at", "confirmed_at", "closed_at", "voided_at"]
    search_columns = ["case_number", "status", "tier", "office", "category", "urgency", "grade", "channel",
                      "validity", "received_at", "overdue_since"]
    order_columns = ["received_at", "case_number", "tier", "status"]
    add_model_schema = IntakeSchema()

    @expose("/", methods=["POST"])
    @protect()
    def post(self):
        """Register a complaint.
        ---
        post:
          summary: Register a complaint
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.post'
          responses:
            201:
              description: Registered
              content:
                application/json:
                  schema:
                    type: object
                    required: [id, case_number, version]
                    properties:
                      id: {type: integer}
                      case_number: {type: string}
                      version: {type: integer}
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            422:
              $ref: '#/components/responses/422'
        """
        intake = load(IntakeSchema(), request_object())
        complaint = workflow.open_case(db.session, current_actor(), intake)
        return self.response(201, id=complaint.id, case_number=complaint.case_number, version=complaint.version)

    @expose("/<int:pk>/actions/<name>", methods=["POST"])
    @protect()
    def act(self, pk, name):
        """Run a workflow action (documented per action by add_api_spec).
        ---
        post:
          summary: Run a workflow action on a complaint
          responses:
            200:
              description: Done
              content:
                application/json:
                  schema:
                    type: object
                    required: [id, status, tier, version]
                    properties:
                      id: {type: integer}
                      status: {type: string}
                      tier: {type: integer}
                      version: {type: integer}
        """
        if name not in workflow.ACTIONS:
            raise workflow.NotFound(_("There is no such action."))
        body = load(action_body_schema(name), request_object())
        # An integration that sends no version acts on the case as it is now.
        version = body.pop("version", None)
        version = workflow.ANY_VERSION if version is None else version
        complaint = workflow.perform(db.session, current_actor(), pk, name, expected_version=version, **body)
        return self.response(200, id=complaint.id, status=complaint.status.value, tier=complaint.tier,
                             version=complaint.version)

    @expose("/<int:pk>/events", methods=["GET"])
    @protect()
    def events(self, pk):
        """The complaint's event log.
        ---
        get:
          summary: A complaint's events, oldest first
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          responses:
            200:
              description: The events
              content:
                application/json:
                  schema:
                    type: object
                    required: [result]
                    properties:
                      result:
                        type: array
                        items: {$ref: '#/components/schemas/EventSchema'}
            404:
              $ref: '#/components/responses/404'
        """
        complaint = workflow.load(db.session, current_actor(), pk)
        return self.response(200, result=EventSchema(many=True).dump(workflow.timeline(db.session, complaint)))

    def add_api_spec(self, api_spec):
        """Document each workflow action as an operation of its own, with its own body."""
        super().add_api_spec(api_spec)
        generic = api_spec._paths.pop(f"{self.route_base}/{{pk}}/actions/{{name}}")["post"]
        pk = {"in": "path", "name": "pk", "required": True,
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
        for name, spec in workflow.ACTIONS.items():
            schema_name = f"{self.__class__.__name__}.{name}"
            api_spec.components.schema(schema_name, schema=action_body_schema(name))
            operation = deepcopy(generic)
            operation.update(
                summary=str(spec.label), operationId=f"act_{name}", parameters=[pk],
                # Without parameters it needs, an action may be sent with no body at all.
                requestBody={"required": bool(spec.required),
                             "content": json_content({"$ref": f"#/components/schemas/{schema_name}"})},
            )
            operation["responses"].update(error_responses(400, 403, 404, 409, 422))
            api_spec.path(path=f"{self.route_base}/{{pk}}/actions/{name}", operations={"post": operation})
