"""Row-level filters for complaint lists, detail pages and the API, and the lists' own filters
and orders."""
import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l

from app.core.datamodel import ModelInterface
from app.core.filters import FilterConverter
from app.core.params import parse_datetime
from app.core.permissions import (
    COMPLAINT_BASE_PERMISSIONS,
    METHOD_PERMISSIONS,
    RESOURCE_COMPLAINT,
)
from app.core.security import current_actor

from . import search
from .enums import Urgency
from .models import Complaint
from .workflow import queue_clause, visible_clause


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
    """Cases with a missed deadline still open."""

    name = _l("Is overdue")
    arg_name = "overdue"

    def apply(self, query, value):
        return query.filter(Complaint.overdue_since.is_not(None))


class FilterNotOverdue(BaseFilter):
    name = _l("Is not overdue")
    arg_name = "not_overdue"

    def apply(self, query, value):
        return query.filter(Complaint.overdue_since.is_(None))


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


def _text(value) -> str:
    return search.normalise(value) if isinstance(value, str) else ""


class FilterComplainantContains(BaseFilter):
    """Cases whose complainant's name, phone or room (the filter's column, e.g.
    complainant_phone) contains the text."""

    name = _l("Contains")
    arg_name = "ct"
    exact = False

    def apply(self, query, value):
        text = _text(value)
        if not text:
            return query
        attribute = COMPLAINANT_FILTER_COLUMNS[self.column_name]
        ids = search.complainant_ids_matching(self.datamodel.session, current_actor(), attribute, text, self.exact)
        return query.filter(Complaint.complainant_id.in_(ids))


class FilterComplainantEqual(FilterComplainantContains):
    name = _l("Equal to")
    arg_name = "eq"
    exact = True


class FilterQuickSearch(BaseFilter):
    """The navbar's quick search: case number, complainant name, phone (whole or its last four
    digits) or room, answered from indexes (complaints.search)."""

    name = _l("Number, name, phone or room")
    arg_name = "quick"

    def apply(self, query, value):
        return query.filter(search.quick_search_clause(self.datamodel.session, current_actor(), _text(value)))


# The complainant's details a complaint list filters on: pseudo-column → Complainant attribute.
COMPLAINANT_FILTER_COLUMNS = {"complainant_name": "name", "complainant_phone": "phone",
                              "complainant_room": "room"}
QUICK_SEARCH_COLUMN = "quick_search"


class ComplaintFilterConverter(FilterConverter):
    """The core's filters (each value read with the one parser), plus "is overdue / is not
    overdue" on the overdue column (FAB's screens take no custom filters otherwise), "on or
    after" on the time received (index 4, after FAB's four), the complainant's name, phone and
    room (pseudo-columns: they live on the complainant), and the quick search."""

    def convert(self, col_name):
        if col_name == "overdue_since":
            return [FilterOverdue(col_name, self.datamodel), FilterNotOverdue(col_name, self.datamodel)]
        if col_name == "received_at":
            return super().convert(col_name) + [FilterOnOrAfter(col_name, self.datamodel)]
        if col_name in COMPLAINANT_FILTER_COLUMNS:
            return [FilterComplainantContains(col_name, self.datamodel),
                    FilterComplainantEqual(col_name, self.datamodel)]
        if col_name == QUICK_SEARCH_COLUMN:
            return [FilterQuickSearch(col_name, self.datamodel)]
        return super().convert(col_name)


# Orders the complaint lists offer beyond their columns: the deadline column sorts by the
# deadline its badge shows (the oldest missed one, else the next), cases without one last;
# "my queue" puts emergencies first, then that deadline.
DEADLINE_ORDER = "deadline_state"
QUEUE_ORDER = "queue"


def _deadline(direction):
    due = sa.func.coalesce(Complaint.overdue_since, Complaint.next_due_at)
    return (due.asc() if direction == "asc" else due.desc()).nulls_last()


class ComplaintInterface(ModelInterface):
    """Complaints with checked filter values (core.datamodel), the overdue, complainant and
    quick-search filters, and the deadline and queue orders."""

    filter_converter_class = ComplaintFilterConverter

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        if order_column == DEADLINE_ORDER:
            return query.order_by(_deadline(order_direction), Complaint.id)
        if order_column == QUEUE_ORDER:
            emergency_first = sa.case((Complaint.urgency == Urgency.EMERGENCY, 0), else_=1)
            return query.order_by(emergency_first, _deadline("asc"), Complaint.id)
        return super().apply_order_by(query, order_column, order_direction, aliases_mapping=aliases_mapping,
                                      bypass_many_to_many=bypass_many_to_many, add_pk=add_pk)


class ComplaintScope:
    """What every complaint screen and the complaint API share: the Complaint permission
    resource, its method → permission map, and the office scope on every row."""

    class_permission_name = RESOURCE_COMPLAINT
    method_permission_name = METHOD_PERMISSIONS
    base_permissions = COMPLAINT_BASE_PERMISSIONS
    base_filters = [["id", OfficeScopeFilter, None]]
