"""Row-level filters for complaint lists, detail pages and the API."""
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.datamodel import ModelInterface
from app.core.filters import FilterConverter
from app.core.params import parse_datetime
from app.core.permissions import (
    COMPLAINT_BASE_PERMISSIONS,
    METHOD_PERMISSIONS,
    RESOURCE_COMPLAINT,
)
from app.core.security import current_actor

from .deadlines import on_time_clause, overdue_clause
from .workflow import due_today_clause, queue_clause, visible_clause


class OfficeScopeFilter(BaseFilter):
    """Only complaints of the current user's offices (all offices for all-office roles)."""

    name = "Office scope"
    arg_name = None

    def apply(self, query, value):
        return query.filter(visible_clause(current_actor()))


class MyQueueFilter(BaseFilter):
    """Unfinished cases assigned to the current user or waiting at their tier."""

    name = "My queue"
    arg_name = None

    def apply(self, query, value):
        return query.filter(queue_clause(current_actor()))


class FilterOverdue(BaseFilter):
    """Cases with a missed deadline still open (deadlines.overdue_clause: the dashboard's and
    the reports' overdue counts are the same condition)."""

    name = _l("Is overdue")
    arg_name = "overdue"

    def apply(self, query, value):
        return query.filter(overdue_clause(clock.now()))


class FilterNotOverdue(BaseFilter):
    name = _l("Is not overdue")
    arg_name = "not_overdue"

    def apply(self, query, value):
        return query.filter(on_time_clause(clock.now()))


class FilterDueToday(BaseFilter):
    """Cases whose next deadline falls later today and none missed (workflow.due_today_clause,
    which the dashboard's count uses too)."""

    name = _l("Due today")
    arg_name = "due_today"

    def apply(self, query, value):
        return query.filter(due_today_clause(clock.now()))


# The filters of the overdue column, in the order FAB numbers them (_flt_<index>_overdue_since).
DEADLINE_FILTERS = (FilterOverdue, FilterNotOverdue, FilterDueToday)


def deadline_filter_arg(filter_class) -> str:
    """The list argument that applies one of the deadline filters, e.g. _flt_0_overdue_since."""
    return f"_flt_{DEADLINE_FILTERS.index(filter_class)}_overdue_since"


class FilterOnOrAfter(BaseFilter):
    """A time on or after the value: with FAB's "smaller than" it makes a half-open period
    [from, to), so the reports' counts and the list they open hold exactly the same cases."""

    name = _l("On or after")
    arg_name = "ge"

    def apply(self, query, value):
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None:
            return query
        return query.filter(getattr(self.model, self.column_name) >= moment)


class ComplaintFilterConverter(FilterConverter):
    """The core's filters (each value read with the one parser), plus "is overdue / is not overdue" on the overdue column (FAB's screens
    take no custom filters otherwise), and "on or after" on the time received (index 4, after
    FAB's four)."""

    def convert(self, col_name):
        if col_name == "overdue_since":
            return [f(col_name, self.datamodel) for f in DEADLINE_FILTERS]
        if col_name == "received_at":
            return super().convert(col_name) + [FilterOnOrAfter(col_name, self.datamodel)]
        return super().convert(col_name)


class ComplaintInterface(ModelInterface):
    """Complaints with checked filter values (core.datamodel) and the overdue filters."""

    filter_converter_class = ComplaintFilterConverter


class ComplaintScope:
    """What every complaint screen and the complaint API share: the Complaint permission
    resource, its method → permission map, and the office scope on every row."""

    class_permission_name = RESOURCE_COMPLAINT
    method_permission_name = METHOD_PERMISSIONS
    base_permissions = COMPLAINT_BASE_PERMISSIONS
    base_filters = [["id", OfficeScopeFilter, None]]
