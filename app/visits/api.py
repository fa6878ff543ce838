"""JSON REST API for integrations (a call centre making phone visits): list the visits due,
record a visit, an attempt that reached nobody, and the visited person's phone confirmation.
Same permissions, office scope and rules as the screens: every rule is the visits rules
module's; a signed-off visit changes through no call.

Bodies are read by core.api.request_object and core.schemas (400 for a body that is not a JSON
object, 422 with a message per field for bad values); refusals are answered by core.errors."""
from flask_appbuilder.api import expose, protect
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from app.core.api import ModelApi, request_object
from app.core.extensions import db
from app.core.params import MAX_ID
from app.core.schemas import Choice, Flag, Id, Moment, Money, Text, WholeNumber, load
from app.core.schemas import Schema as BodySchema

from . import rules
from .enums import Satisfaction, VisitMethod, VisitStatus
from .filters import VisitInterface, VisitScope, current_visit_actor
from .models import Visit

VERSION = {"description": "The visit's version as you read it; the call is refused (409) if the visit changed since."}


def _version():
    return WholeNumber(0, MAX_ID, metadata=VERSION)


class VisitRecordSchema(BodySchema):
    """What a visit found: method, visitor (default: you), time (default: now), whom it reached,
    what was said, satisfaction; for repairs the work checked on site and the fee charged."""

    method = Choice(VisitMethod, required=True)
    visitor_id = Id(allow_none=True, load_default=None)
    visited_at = Moment(allow_none=True, load_default=None)
    person_reached = Text(100, allow_none=True, load_default=None)
    resident_view = Text(rules.TEXT_MAX, required=True)
    satisfaction = Choice(Satisfaction, allow_none=True, load_default=None)
    work_checked = Text(rules.TEXT_MAX, allow_none=True, load_default=None)
    fee_charged = Money(allow_none=True, load_default=None)
    fee_correct = Flag(allow_none=True, load_default=None)
    problem_found = Text(rules.TEXT_MAX, allow_none=True, load_default=None)
    version = _version()


class VisitAttemptSchema(BodySchema):
    """An attempt that reached nobody: how, and a note."""

    method = Choice(VisitMethod, required=True)
    note = Text(rules.TEXT_MAX, allow_none=True, load_default=None)
    version = _version()


class VisitConfirmationSchema(BodySchema):
    """The visited person's confirmation on the phone (or in writing), with their name."""

    signer_name = Text(50, required=True)
    note = Text(rules.TEXT_MAX, allow_none=True, load_default=None)
    version = _version()


class VisitStateSchema(Schema):
    """Where a visit stands after a call."""

    id = fields.Integer(required=True)
    # As the lists show it (the enum's value); list filters take the name.
    status = fields.Function(lambda visit: visit.status.value, required=True,
                             metadata={"type": "string", "enum": [s.value for s in VisitStatus]})
    attempts = fields.Integer(required=True)
    version = fields.Integer(required=True)


class VisitApi(VisitScope, ModelApi):
    """Visits over JSON: JWT (`/api/v1/security/login`) or a browser session. The list answers
    the soonest due first; `q=(filters:!((col:status,opr:eq,value:PLANNED)))` lists the visits
    still to make, `(col:overdue_at,opr:overdue,value:1)` the overdue ones."""

    resource_name = "visits"
    datamodel = VisitInterface(Visit)
    allow_browser_login = True
    openapi_spec_tag = "Visits"
    openapi_spec_component_schemas = (VisitRecordSchema, VisitAttemptSchema, VisitConfirmationSchema,
                                      VisitStateSchema)
    include_route_methods = {"get", "get_list", "info", "record", "attempt", "confirm"}
    base_order = ("due_at", "asc")
    list_columns = ["id", "kind", "office.id", "office.code", "complaint.id", "complaint.case_number",
                    "rectification.id", "status", "assignee.id", "planned_at", "due_at", "overdue_at", "attempts",
                    "method", "satisfaction", "visitor.id", "visited_at", "completed_at", "version"]
    show_columns = list_columns + ["person_reached", "rooms", "resident_view", "work_checked", "fee_charged",
                                   "fee_correct", "problem_found", "confirmation", "signer_name",
                                   "unreachable_reason", "sampling_role", "sample_period"]
    search_columns = ["status", "kind", "office", "satisfaction", "due_at", "overdue_at", "visited_at"]
    order_columns = ["due_at", "planned_at", "visited_at", "status"]
    description_columns = {"satisfaction": _l("Satisfaction")}

    def _answer(self, visit):
        return self.response(200, **VisitStateSchema().dump(visit))

    @expose("/<int:pk>/record", methods=["POST"])
    @protect()
    def record(self, pk):
        """Record what a visit found.
        ---
        post:
          summary: Record what a visit found (it then awaits the visited person's confirmation)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VisitRecordSchema'}
          responses:
            200:
              description: Recorded
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/VisitStateSchema'}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {$ref: '#/components/responses/409'}
            422: {$ref: '#/components/responses/422'}
        """
        body = load(VisitRecordSchema(), request_object())
        version = body.pop("version", None)
        return self._answer(rules.record_visit(db.session, current_visit_actor(), pk, body,
                                               expected_version=version))

    @expose("/<int:pk>/attempt", methods=["POST"])
    @protect()
    def attempt(self, pk):
        """Record an attempt that reached nobody.
        ---
        post:
          summary: Record an attempt that reached nobody (after three, a supervisor may approve "unreachable")
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VisitAttemptSchema'}
          responses:
            200:
              description: Recorded
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/VisitStateSchema'}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {$ref: '#/components/responses/409'}
            422: {$ref: '#/components/responses/422'}
        """
        body = load(VisitAttemptSchema(), request_object())
        return self._answer(rules.record_attempt(db.session, current_visit_actor(), pk, body["method"],
                                                 body.get("note"), expected_version=body.get("version")))

    @expose("/<int:pk>/confirm", methods=["POST"])
    @protect()
    def confirm(self, pk):
        """Record the visited person's confirmation.
        ---
        post:
          summary: Record the visited person's phone (or written) confirmation with their name; the visit is then final
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/VisitConfirmationSchema'}
          responses:
            200:
              description: Confirmed
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/VisitStateSchema'}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {$ref: '#/components/responses/409'}
            422: {$ref: '#/components/responses/422'}
        """
        body = load(VisitConfirmationSchema(), request_object())
        return self._answer(rules.sign_off(db.session, current_visit_actor(), pk, body["signer_name"],
                                           None, body.get("note"), expected_version=body.get("version")))
