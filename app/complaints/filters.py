"""Row-level filters for complaint lists, detail pages and the API."""
import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l

from app.core import search
from app.core.datamodel import ModelInterface
from app.core.filters import FilterConverter, _refuse
from app.core.params import parse_datetime
from app.core.permissions import (
    COMPLAINT_BASE_PERMISSIONS,
    METHOD_PERMISSIONS,
    RESOURCE_COMPLAINT,
)
from app.core.security import current_actor

from .models import Complainant, Complaint
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


def _searched_text(value) -> str:
    if not isinstance(value, str):
        _refuse(value)
    return value.strip()


class FilterDescriptionContains(BaseFilter):
    """The description contains the text (case ignored), answered from the search index
    (core.search): FAB's "contains" on the description, in the same place of its list."""

    name = _l("Contains")
    arg_name = "ct"

    def apply(self, query, value):
        text = _searched_text(value)
        if not text:
            return query
        return query.filter(search.contains(search.dialect_of(query), Complaint.__table__,
                                            [Complaint.description], text))


class FilterComplainantContains(BaseFilter):
    """The complainant's name, phone or room contains the text (case ignored), answered from
    the search index (core.search)."""

    name = _l("Name, phone or room contains")
    arg_name = "ct"

    def apply(self, query, value):
        text = _searched_text(value)
        if not text:
            return query
        matching = search.contains(search.dialect_of(query), Complainant.__table__,
                                   [Complainant.name, Complainant.phone, Complainant.room], text)
        return query.filter(Complaint.complainant_id.in_(sa.select(Complainant.id).where(matching)))


class ComplaintFilterConverter(FilterConverter):
    """The core's filters (each value read with the one parser), plus "is overdue / is not overdue" on the overdue column (FAB's screens
    take no custom filters otherwise), "on or after" on the time received (index 4, after
    FAB's four), and the indexed "contains" on the description (FAB's place, index 2) and on
    the complainant (name, phone or room)."""

    def convert(self, col_name):
        if col_name == "overdue_since":
            return [FilterOverdue(col_name, self.datamodel), FilterNotOverdue(col_name, self.datamodel)]
        if col_name == "received_at":
            return super().convert(col_name) + [FilterOnOrAfter(col_name, self.datamodel)]
        if col_name == "description":
            filters = super().convert(col_name)
            filters[2] = FilterDescriptionContains(col_name, self.datamodel)
            return filters
        if col_name == "complainant":
            return [FilterComplainantContains(col_name, self.datamodel)]
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
