"""Row-level filters for complaint lists, detail pages and the API, the lists' own filters and
orders, and the clauses that say
which cases a statistic counts, shared by the reports' counts and the list filters a count links
to (so the list holds exactly the cases counted)."""
import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from app.core import clock, search
from app.core.datamodel import ModelInterface
from app.core.filters import FilterConverter, _refuse
from app.core.params import parse_datetime, parse_enum
from app.core.permissions import (
    COMPLAINT_BASE_PERMISSIONS,
    METHOD_PERMISSIONS,
    RESOURCE_COMPLAINT,
)
from app.core.security import current_actor
from app.deadlines.enums import DeadlineKind

from . import finding
from .deadlines import on_time_clause, overdue_clause
from .enums import EventKind
from .models import Complainant, Complaint, ComplaintDeadline, ComplaintEvent, queue_due
from .workflow import due_today_clause, queue_clause, visible_clause

# Repeat complaint: the same room and category again within 90 days (domain.md: Statistics).
REPEAT_WINDOW_DAYS = 90
# The complainant came back on the same case: an appeal, "not satisfied" with the result, or a
# repeat call recorded on the case at intake.
RETURN_EVENTS = (EventKind.APPEALED, EventKind.NOT_SATISFIED, EventKind.REPEAT_CALL)


def _days_before(column, days: int, dialect: str):
    if dialect == "postgresql":
        return column - sa.text(f"interval '{int(days)} days'")
    return sa.func.datetime(column, f"-{int(days)} days")


def repeat_clause(dialect: str, complainant):
    """The case's room had a case of the same category in the 90 days before it (rooms left
    empty are not compared). `complainant` is the case's complainant, joined in the query (an
    alias of Complainant): with the room at hand the database looks up earlier cases by room
    and category in one hash."""
    earlier, earlier_by = aliased(Complaint), aliased(Complainant)
    return sa.and_(complainant.room != "", (
        sa.select(earlier.id)
        .join(earlier_by, earlier_by.id == earlier.complainant_id)
        .where(earlier_by.office_id == complainant.office_id, earlier_by.room == complainant.room,
               earlier.category_id == Complaint.category_id, earlier.received_at < Complaint.received_at,
               earlier.received_at >= _days_before(Complaint.received_at, REPEAT_WINDOW_DAYS, dialect))
        .exists()))


def came_back_clause():
    """The complainant came back on the case: an appeal, "not satisfied" or a repeat call is in
    its log."""
    return (sa.select(ComplaintEvent.id)
            .where(ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.kind.in_(RETURN_EVENTS))
            .exists())


def deadline_met_in_time(deadline=ComplaintDeadline):
    return sa.and_(deadline.met_at.is_not(None), deadline.met_at <= deadline.due_at)


def deadline_decided(now, deadline=ComplaintDeadline):
    """Met, or due and not met (a paused deadline is not decided)."""
    return sa.or_(deadline.met_at.is_not(None), sa.and_(deadline.due_at <= now, deadline.paused_at.is_(None)))


def deadline_clause(kind: DeadlineKind, condition):
    """The case has a deadline of `kind` in force (not cancelled) meeting `condition` (one case
    has at most one deadline of a kind)."""
    d = ComplaintDeadline
    return (sa.select(d.id)
            .where(d.complaint_id == Complaint.id, d.kind == kind, d.cancelled_at.is_(None), condition)
            .exists())


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
        return query.filter(overdue_clause())


class FilterNotOverdue(BaseFilter):
    name = _l("Is not overdue")
    arg_name = "not_overdue"

    def apply(self, query, value):
        return query.filter(on_time_clause())


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


class FilterIsEmpty(BaseFilter):
    """No value set (a case not graded yet)."""

    name = _l("Is empty")
    arg_name = "empty"

    def apply(self, query, value):
        return query.filter(getattr(self.model, self.column_name).is_(None))


class FilterRepeat(BaseFilter):
    name = _l("Repeat complaint (same room and category within 90 days)")
    arg_name = "repeat"

    def apply(self, query, value):
        by = aliased(Complainant)  # one case, one complainant: the join adds no rows
        return query.join(by, by.id == Complaint.complainant_id).filter(repeat_clause(search.dialect_of(query), by))


class FilterCameBack(BaseFilter):
    name = _l("Came back on the same case (appeal, not satisfied or repeat call)")
    arg_name = "came_back"

    def apply(self, query, value):
        return query.filter(came_back_clause())


class _DeadlineFilter(BaseFilter):
    """The value names a deadline kind."""

    def apply(self, query, value):
        kind = parse_enum(DeadlineKind, value)
        if kind is None:
            _refuse(value)
        return query.filter(deadline_clause(kind, self.condition()))


class FilterDeadlineMetInTime(_DeadlineFilter):
    name = _l("Met in time")
    arg_name = "met_in_time"

    def condition(self):
        return deadline_met_in_time()


class FilterDeadlineDecided(_DeadlineFilter):
    name = _l("Met or due")
    arg_name = "decided"

    def condition(self):
        return deadline_decided(clock.now())


def _text(value) -> str:
    return finding.normalise(value) if isinstance(value, str) else ""


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
        ids = finding.complainant_ids_matching(self.datamodel.session, current_actor(), attribute, text, self.exact)
        return query.filter(Complaint.complainant_id.in_(ids))


class FilterComplainantEqual(FilterComplainantContains):
    name = _l("Equal to")
    arg_name = "eq"
    exact = True


class FilterQuickSearch(BaseFilter):
    """The navbar's quick search: case number, complainant name, phone (whole or its last four
    digits) or room, answered from indexes (complaints.finding)."""

    name = _l("Number, name, phone or room")
    arg_name = "quick"

    def apply(self, query, value):
        return query.filter(finding.quick_search_clause(self.datamodel.session, current_actor(), _text(value)))


# The complainant's details a complaint list filters on: pseudo-column → Complainant attribute.
COMPLAINANT_FILTER_COLUMNS = {"complainant_name": "name", "complainant_phone": "phone",
                              "complainant_room": "room"}
QUICK_SEARCH_COLUMN = "quick_search"


class ComplaintFilterConverter(FilterConverter):
    """The core's filters (each value read with the one parser), plus "is overdue / is not
    overdue" on the overdue column (FAB's screens take no custom filters otherwise), "on or
    after" on the time received (index 4, after FAB's four), "is empty" on the grade (index 2),
    the indexed "contains" on the description (FAB's place, index 2), the complainant's name,
    phone and room (pseudo-columns: they live on the complainant), the quick search, and the
    reports' figures: repeat complaints and returns on the events, met in time and decided on
    the deadlines."""

    def convert(self, col_name):
        if col_name == "overdue_since":
            return [f(col_name, self.datamodel) for f in DEADLINE_FILTERS]
        if col_name == "received_at":
            return super().convert(col_name) + [FilterOnOrAfter(col_name, self.datamodel)]
        if col_name == "grade":
            return super().convert(col_name) + [FilterIsEmpty(col_name, self.datamodel)]
        if col_name == "description":
            filters = super().convert(col_name)
            filters[2] = FilterDescriptionContains(col_name, self.datamodel)
            return filters
        if col_name in COMPLAINANT_FILTER_COLUMNS:
            return [FilterComplainantContains(col_name, self.datamodel),
                    FilterComplainantEqual(col_name, self.datamodel)]
        if col_name == QUICK_SEARCH_COLUMN:
            return [FilterQuickSearch(col_name, self.datamodel)]
        if col_name == "events":
            return [FilterRepeat(col_name, self.datamodel), FilterCameBack(col_name, self.datamodel)]
        if col_name == "deadlines":
            return [FilterDeadlineMetInTime(col_name, self.datamodel), FilterDeadlineDecided(col_name, self.datamodel)]
        return super().convert(col_name)


# Orders the complaint lists offer beyond their columns: the deadline column sorts by the
# deadline its badge shows (the oldest missed one, else the next), cases without one last;
# "my queue" puts emergencies first, then that deadline.
DEADLINE_ORDER = "deadline_state"
QUEUE_ORDER = "queue"


def _deadline(direction):
    if direction == "asc":
        return queue_due().asc()  # a case without a deadline sorts last
    return sa.func.coalesce(Complaint.overdue_since, Complaint.next_due_at).desc().nulls_last()


class ComplaintInterface(ModelInterface):
    """Complaints with checked filter values (core.datamodel), the overdue, complainant and
    quick-search filters, and the deadline and queue orders."""

    filter_converter_class = ComplaintFilterConverter

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        if order_column == DEADLINE_ORDER:
            return query.order_by(_deadline(order_direction), Complaint.id)
        if order_column == QUEUE_ORDER:
            # Emergencies first: EMERGENCY sorts before GENERAL, so the queue's indexes
            # (ix_complaint_open_*queue) give this order without a sort.
            return query.order_by(Complaint.urgency.asc(), _deadline("asc"), Complaint.id)
        return super().apply_order_by(query, order_column, order_direction, aliases_mapping=aliases_mapping,
                                      bypass_many_to_many=bypass_many_to_many, add_pk=add_pk)


class ComplaintScope:
    """What every complaint screen and the complaint API share: the Complaint permission
    resource, its method → permission map, and the office scope on every row."""

    class_permission_name = RESOURCE_COMPLAINT
    method_permission_name = METHOD_PERMISSIONS
    base_permissions = COMPLAINT_BASE_PERMISSIONS
    base_filters = [["id", OfficeScopeFilter, None]]
