"""The data interface every domain's screens and APIs use: FAB's SQLAInterface, with list
filter values read by core.params before any query, and ids out of range finding no row.

FAB passes a filter's value on as it came (a screen's `_flt_0_status=NOPE`, an API's
`(col:status,opr:eq,value:NOPE)`) and the database fails on it: an unknown enum name, a number
or date beyond what the column holds, a list where text belongs. Here each value of FAB's own
filters is read by the column's type once, when the filter is added; a value that cannot be read
refuses the request with 400 (UnreadableInput), on the screens and in the API alike."""
from flask_appbuilder.models.sqla import filters as fab_filters
from flask_babel import gettext as _

from .errors import InvalidFilter, UnreadableInput
from .filters import Filters, Interface, _refuse, filter_value
from .lists import bounded_count
from .params import (
    MAX_ID,
    MAX_INT,
    MIN_INT,
    MOMENT_PATTERN,
    parse_id,
)

# FAB's own filter classes, whose values are read here (custom filters read their own).
_FAB_FILTERS = tuple({cls for _test, classes in fab_filters.SQLAFilterConverter.conversion_table
                      for cls in classes})
_LIST_OPERATORS = {"in", "not_in"}
_SKIP = object()


class CheckedFilters(Filters):
    """FAB's filter set, reading each value a screen or an API client sends for one of FAB's own
    filters by its column's type. (Filters set in code, a view's base filters, are left as given.)"""

    def add_filter_index(self, column_name, filter_instance_index, value):
        # A screen names the filter by its position among the column's filters, and sends each
        # filter's box as a list of text: an empty box is no filter.
        # A list's search columns may be pseudo-columns with filters of their own (FAB knows
        # only the model's columns).
        filters = self._all_filters.get(column_name) or self._search_filters.get(column_name)
        if filters is None:
            return
        if not 0 <= filter_instance_index < len(filters):
            raise InvalidFilter(_("This list has no such filter."))
        self._add_read(filters[filter_instance_index], value, blank_is_no_filter=True)

    def rest_add_filters(self, data):
        # FAB skips a filter whose operator the column lacks, and every filter after one that
        # misses a key; it also looks operators up in a table shared by every view. Each filter
        # here is the column's own, and one that cannot be read refuses the request.
        for item in data:
            if not isinstance(item, dict) or not {"col", "opr", "value"} <= item.keys():
                raise UnreadableInput(_("Each filter needs col, opr and value."))
            column, operator = item["col"], item["opr"]
            flt = next((f for f in self._search_filters.get(column, []) if f.arg_name == operator), None)
            if column not in self.search_columns or flt is None:
                raise InvalidFilter(_("This list has no such filter."))
            self._add_read(flt, item["value"])

    def _add_read(self, flt, value, blank_is_no_filter=False):
        if isinstance(flt, _FAB_FILTERS):
            value = read_filter_value(flt, value, blank_is_no_filter)
            if value is _SKIP:
                return
        elif blank_is_no_filter and isinstance(value, list):
            # A custom filter reads its own values, but an empty box is no filter either.
            value = [item for item in value if not (isinstance(item, str) and not item.strip())]
            if not value:
                return
        self._add_filter(flt, value)


def read_filter_value(flt, value, blank_is_no_filter=False):
    """The typed value (or list of values) of one of FAB's filters, or UnreadableInput; _SKIP
    for a screen's empty box."""
    if isinstance(value, list):
        if blank_is_no_filter:
            value = [item for item in value if not (isinstance(item, str) and not item.strip())]
            if not value:
                return _SKIP
        # FAB applies each item of a list in turn (or all at once for in / not in).
        return [_read_one(flt, item) for item in value]
    item = _read_one(flt, value)
    return [item] if flt.arg_name in _LIST_OPERATORS else item


def _read_one(flt, value):
    # The one reading of a filter's value by column type, shared with the screens' filters.
    if flt.datamodel.is_relation(flt.column_name):
        typed = parse_id(value)
        return typed if typed is not None else _refuse(value)
    return filter_value(flt.datamodel, flt.column_name, value)


def filter_value_schema(flt) -> dict:
    """The OpenAPI schema of the values `read_filter_value` reads for `flt` (any value for a
    custom filter, which reads its own)."""
    if not isinstance(flt, _FAB_FILTERS):
        return {}
    datamodel, column = flt.datamodel, flt.column_name
    if datamodel.is_relation(column):
        one = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    elif datamodel.is_enum(column):
        one = {"type": "string", "enum": list(datamodel.list_columns[column].type.enum_class.__members__)}
    elif datamodel.is_integer(column):
        one = {"type": "integer", "minimum": MIN_INT, "maximum": MAX_INT}
    elif datamodel.is_datetime(column) or datamodel.is_date(column):
        one = {"type": "string", "pattern": MOMENT_PATTERN}
    else:
        one = {"type": "string"}
    return {"type": "array", "items": one} if flt.arg_name in _LIST_OPERATORS else one


class ModelInterface(Interface):
    """The core's Interface (ids and filter values read by core.params), with every filter a
    request adds checked before any query, and the API's filters documented by type."""

    def query_count(self, query, filters=None, select_columns=None):
        # Every FAB count (the API's lists, validators, related choices) stops at the lists'
        # limit, like the screens: an index answers it whatever the size of the table.
        return bounded_count(self.session, self._apply_inner_all(query, filters, select_columns=select_columns,
                                                                 aliases_mapping={}))

    def get_filters(self, search_columns=None, search_filters=None):
        return CheckedFilters(self.filter_converter_class, self, search_columns=search_columns or [],
                              search_filters=search_filters)
