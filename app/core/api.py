"""What every JSON API of the app shares, on top of Flask-AppBuilder's REST API:

- `request_object()`, the one reader of request bodies (a JSON object, or 400);
- `ModelApi`, FAB's ModelRestApi answering refusals through core.errors (one translated JSON
  shape), clamping list paging, describing in `_info` the bodies it really takes, and
  documenting what it really returns (integer ids, relations and enums that may be null);
- `OpenApi`, FAB's OpenAPI document view, which also documents on every operation what the
  app's door answers before any view runs.

An API's own endpoints need no @safe: a WorkflowError or an HTTP error raised in them reaches
the app's error handlers (core.errors), which answer JSON under /api/."""
import json
from copy import deepcopy

import prison
from apispec import BasePlugin
from flask import current_app, request
from flask_appbuilder.api import BaseApi, ModelRestApi
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.api.manager import OpenApi as FabOpenApi
from flask_appbuilder.api.schemas import get_list_schema
from flask_appbuilder.const import API_URI_RIS_KEY
from flask_appbuilder.hooks import before_request
from flask_babel import gettext as _
from marshmallow import Schema
from werkzeug.datastructures import ImmutableMultiDict

from .datamodel import filter_value_schema
from .errors import UnreadableInput, error_response
from .extensions import db
from .lists import count_limit, past_limit_message
from .schemas import field_messages

# The answers FAB documents as components (`#/components/responses/<code>`).
_REF = "#/components/responses/{}"


def request_object() -> dict:
    """The request's JSON object; no body at all reads as {}. Anything else — an array, a
    string, a number, null, or no JSON — is refused with 400 (UnreadableInput)."""
    if not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise UnreadableInput(_("Send the request body as JSON (Content-Type: application/json)."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise UnreadableInput(_("The request body must be a JSON object."))
    return body


def json_content(schema: dict) -> dict:
    """An OpenAPI `content` of JSON with `schema`."""
    return {"application/json": {"schema": schema}}


def error_responses(*codes) -> dict:
    """OpenAPI responses for refusals, each answered as {"message", "fields"?} (core.errors)."""
    return {str(code): {"$ref": _REF.format(code)} for code in codes}


class SchemaConverter(Model2SchemaConverter):
    """FAB's model → marshmallow conversion, marking relations and enums whose column may be
    empty as nullable, so the document says they can be null."""

    def _column2relation(self, datamodel, column, nested=False, parent_schema_name=None):
        field = super()._column2relation(datamodel, column, nested=nested, parent_schema_name=parent_schema_name)
        if datamodel.is_relation_many_to_one(column.name) and datamodel.is_nullable(column.name):
            field.allow_none = True
        return field

    def _column2enum(self, datamodel, column):
        field = super()._column2enum(datamodel, column)
        field.allow_none = datamodel.is_nullable(column.name)
        return field


class ModelApi(ModelRestApi):
    """FAB's ModelRestApi, answering and documenting as the app does."""

    model2schemaconverter = SchemaConverter
    # FAB documents 400, 401, 403, 404, 422 and 500 as components; a workflow also answers 409.
    responses = {**ModelRestApi.responses, "409": {
        "description": "Refused in the current state, or changed by someone else meanwhile",
        "content": json_content({"type": "object", "properties": {"message": {"type": "string"}}}),
    }}

    # ---- refusals: one shape, in the user's language (core.errors) --------------------

    def response_400(self, message=None):
        return _refusal(400, message)

    def response_401(self):
        return error_response(401)

    def response_403(self):
        return error_response(403)

    def response_404(self):
        return error_response(404)

    def response_422(self, message=None):
        return _refusal(422, message)

    def response_500(self, message=None):
        # FAB's @safe has logged the exception; the transaction it broke must not stay open.
        db.session.rollback()
        return error_response(500)

    # ---- the `q` argument: rison or JSON, read once --------------------------------------

    @before_request
    def _q_as_rison(self):
        """FAB reads `q` as rison, or else as JSON after URL-decoding it a second time, which
        turns "+" into a space and cuts at "&". Hand FAB a JSON `q` as the same value in rison."""
        value = request.args.get(API_URI_RIS_KEY)
        if not value:
            return None
        try:
            prison.loads(value)
            return None
        except Exception:  # prison raises more than its ParserException on some text
            pass
        try:
            data = json.loads(value)
            rison = _rison(data)
            if prison.loads(rison) != data:
                raise ValueError(rison)
        except Exception:
            return self.response_400(_("The q argument is neither rison nor JSON."))
        args = request.args.copy()
        args[API_URI_RIS_KEY] = rison
        request.args = ImmutableMultiDict(args)
        return None

    # ---- list paging: clamped, never more than the page size limit ----------------------

    def _sanitize_page_args(self, page, page_size):
        limit = current_app.config["FAB_API_MAX_PAGE_SIZE"]
        if self.max_page_size and self.max_page_size > 0:
            limit = min(limit, self.max_page_size)
        page = _whole(page, 0)
        page_size = _whole(page_size, self.page_size)
        if page_size < 1:
            page_size = self.page_size
        return max(page, 0), min(page_size, limit)

    def get_list_headless(self, **kwargs):
        # Like the screens, a list is paged through up to its count's limit: a deeper page would
        # read every row before it. A readable request this list will not serve: 422.
        page, page_size = self._handle_page_args(kwargs.get("rison", {}))
        if page * page_size >= count_limit():
            return self.response_422(past_limit_message(count_limit()))
        return super().get_list_headless(**kwargs)

    def pre_get_list(self, data):
        # The count is exact below the lists' limit; at it, it means "at least this many".
        data["count_capped"] = bool(getattr(data.get("count"), "capped", False))

    # ---- _info: the bodies this API takes ----------------------------------------------

    def _init_properties(self):
        super()._init_properties()
        # FAB lists the model's columns, then looks each up in the body schema: with a schema
        # of our own that fails. Describe the schema's fields, and none for a route not served.
        for route, schema, attr in (("post", "add_model_schema", "add_columns"),
                                    ("put", "edit_model_schema", "edit_columns")):
            if not self._serves(route):
                setattr(self, attr, [])
                setattr(self, schema, Schema())  # nothing for FAB to derive from the model
            elif getattr(self, schema) is not None:
                setattr(self, attr, list(getattr(self, schema).fields))
        self._gen_labels_columns(self.add_columns + self.edit_columns)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        # FAB translates an empty description with gettext(""), which is the catalogue's header.
        description = self.description_columns.get(field.name)
        info["description"] = _(description) if description else ""
        return info

    # ---- the document: what FAB's own endpoints really return --------------------------

    def add_apispec_components(self, api_spec):
        # FAB documents the list, show, add and edit bodies whether or not the routes exist.
        BaseApi.add_apispec_components(self, api_spec)
        for route, name, schema in (("get_list", self.list_model_schema_name, self.list_model_schema),
                                    ("get", self.show_model_schema_name, self.show_model_schema),
                                    ("post", self.add_model_schema_name, self.add_model_schema),
                                    ("put", self.edit_model_schema_name, self.edit_model_schema)):
            if self._serves(route):
                api_spec.components.schema(name, schema=schema)

    def _serves(self, route) -> bool:
        routes = self.include_route_methods
        return (routes is None or route in routes) and route not in self.exclude_route_methods

    def add_api_spec(self, api_spec):
        super().add_api_spec(api_spec)
        paths = api_spec._paths  # FAB itself writes tags there
        integer = {"type": "integer"}
        for path, method, amend in (
            ("/{pk}", "get", {"id": integer}),
            ("/", "get", {"ids": {"type": "array", "items": integer},
                          "count": {"type": "integer", "description": "Exact below the lists' limit "
                                    "(LIST_COUNT_LIMIT); at it, the limit (see count_capped)"},
                          "count_capped": {"type": "boolean", "description": "Whether more rows match "
                                           "than count says; pages start below the limit"}}),
            ("/_info", "get", {name: {"type": "array", "items": {"type": "object"}}
                               for name in ("add_columns", "edit_columns")}),
        ):
            operation = paths.get(f"{self.route_base}{path}", {}).get(method)
            if operation:
                properties = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
                properties.update(amend)
        listing = paths.get(f"{self.route_base}/", {}).get("get")
        if listing:
            for parameter in listing.get("parameters", []):
                if parameter.get("name") == API_URI_RIS_KEY:
                    parameter["content"] = json_content(self._list_query_schema())

    def _list_query_schema(self) -> dict:
        """FAB's list `q` schema, naming the columns, operators and values this API takes."""
        schema = deepcopy(get_list_schema)
        properties = schema["properties"]
        properties["order_column"] = {"type": "string", "enum": list(self.order_columns)}
        # What FAB's own check of `q` lets through as a value: a custom filter reads any of it.
        any_value = schema["properties"]["filters"]["items"]["properties"]["value"]
        variants = []
        search_filters = self._filters.get_search_filters()
        for column in self.search_columns:
            # One variant per column and kind of value, naming the operators that take it.
            operators = {}
            for flt in search_filters.get(column, []):
                value = filter_value_schema(flt) or any_value
                operators.setdefault(json.dumps(value, sort_keys=True), (value, []))[1].append(flt.arg_name)
            for value, names in operators.values():
                variants.append({
                    "type": "object", "required": ["col", "opr", "value"],
                    "properties": {"col": {"type": "string", "enum": [column]},
                                   "opr": {"type": "string", "enum": names}, "value": value},
                })
        properties["filters"] = {"type": "array", "items": {"anyOf": variants}}
        # FAB takes the columns to answer (`columns`) or to select (`select_columns`), not both.
        schema["not"] = {"required": ["columns", "select_columns"],
                         "properties": {"columns": {"minItems": 1}, "select_columns": {"minItems": 1}}}
        return schema


def _rison(value) -> str:
    """`value` (read from JSON) as rison, every string quoted (prison leaves text with spaces or
    line breaks bare, which it cannot read back)."""
    if isinstance(value, dict):
        return "(" + ",".join(f"{_rison(str(key))}:{_rison(item)}" for key, item in value.items()) + ")"
    if isinstance(value, list):
        return "!(" + ",".join(_rison(item) for item in value) + ")"
    if isinstance(value, str):
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    return prison.dumps(value)


def _refusal(status, message):
    # FAB passes marshmallow's messages as a dict: they become the field messages.
    if isinstance(message, dict):
        return error_response(status, None, field_messages(message))
    return error_response(status, message)


def _whole(value, default) -> int:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


class _DoorAnswers(BasePlugin):
    """Documents on every operation the answers given before any view runs: 422 for text with
    control characters (init_input_guard), 401 without valid credentials where the operation
    is secured."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            codes = {str(code) for code in responses}
            wanted = ["422"] + (["401"] if operation.get("security") else [])
            responses.update(error_responses(*(code for code in wanted if code not in codes)))


class OpenApi(FabOpenApi):
    """FAB's OpenAPI document (same name, so the same `can_get on OpenApi` permission), with
    the door's answers on every operation."""

    @staticmethod
    def _create_api_spec(version):
        spec = FabOpenApi._create_api_spec(version)
        plugin = _DoorAnswers()
        plugin.init_spec(spec)
        spec.plugins = (*spec.plugins, plugin)
        return spec
