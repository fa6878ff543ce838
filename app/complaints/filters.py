"""Row-level filters for complaint lists, detail pages and the API."""
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l

from app.core.filters import FilterConverter, Interface
from app.core.permissions import COMPLAINT_BASE_PERMISSIONS, METHOD_PERMISSIONS, RESOURCE_COMPLAINT
from app.core.security import current_actor

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


class ComplaintFilterConverter(FilterConverter):
    """The core's filters (each value read with the one parser), plus "is overdue / is not
    overdue" on the overdue column (FAB's screens take no custom filters otherwise)."""

    def convert(self, col_name):
        if col_name == "overdue_since":
            return [FilterOverdue(col_name, self.datamodel), FilterNotOverdue(col_name, self.datamodel)]
        return super().convert(col_name)


class ComplaintInterface(Interface):
    filter_converter_class = ComplaintFilterConverter


class ComplaintScope:
    """What every complaint screen and the complaint API share: the Complaint permission
    resource, its method → permission map, and the office scope on every row."""

    class_permission_name = RESOURCE_COMPLAINT
    method_permission_name = METHOD_PERMISSIONS
    base_permissions = COMPLAINT_BASE_PERMISSIONS
    base_filters = [["id", OfficeScopeFilter, None]]
