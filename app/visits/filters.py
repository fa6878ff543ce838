"""Row-level filters of the visit screens and API (the office scope, the queue), the acting
user's visit permissions, and what every visit screen and the API share."""
from flask import current_app, g
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l

from app.core.datamodel import ModelInterface
from app.core.extensions import db
from app.core.filters import FilterConverter
from app.core.permissions import (
    RESOURCE_VISIT,
    VISIT_BASE_PERMISSIONS,
    VISIT_METHOD_PERMISSIONS,
)
from app.core.security import Actor, current_actor

from . import rules
from .enums import VisitStatus
from .models import RectificationNotice, Visit


def current_visit_actor() -> Actor:
    """The logged-in user of this request with their visit permissions (session or JWT)."""
    actor = getattr(g, "_visit_actor", None)
    if actor is None:
        user = current_app.appbuilder.sm.current_user
        if not user:
            return Actor(None, "anonymous")
        actor = g._visit_actor = rules.visit_actor(db.session, db.session.get(User, user.id))
    return actor


class VisitOfficeFilter(BaseFilter):
    """Only visits of the current user's offices (all offices for all-office roles)."""

    name = "Office scope"
    arg_name = None

    def apply(self, query, value):
        return query.filter(rules.visible_clause(current_actor()))


class NoticeOfficeFilter(BaseFilter):
    """Only rectification notices of the current user's offices."""

    name = "Office scope"
    arg_name = None

    def apply(self, query, value):
        return query.filter(rules.visible_clause(current_actor(), RectificationNotice.office_id))


class VisitQueueFilter(BaseFilter):
    """Visits still to be made or signed off."""

    name = "Visit queue"
    arg_name = None

    def apply(self, query, value):
        return query.filter(rules.queue_clause())


class FilterOverdueVisit(BaseFilter):
    """Planned visits past their due time."""

    name = _l("Is overdue")
    arg_name = "overdue"

    def apply(self, query, value):
        return query.filter(Visit.status == VisitStatus.PLANNED, Visit.overdue_at.is_not(None))


class VisitFilterConverter(FilterConverter):
    """The core's filters (each value read with the one parser), plus "is overdue" on the
    overdue column."""

    def convert(self, col_name):
        if col_name == "overdue_at":
            return [FilterOverdueVisit(col_name, self.datamodel)]
        return super().convert(col_name)


class VisitInterface(ModelInterface):
    """Visits with checked filter values (core.datamodel) and the overdue filter."""

    filter_converter_class = VisitFilterConverter


class VisitScope:
    """What every visit screen and the visit API share: the Visit permission resource, its
    method → permission map, and the office scope on every row."""

    class_permission_name = RESOURCE_VISIT
    method_permission_name = VISIT_METHOD_PERMISSIONS
    base_permissions = VISIT_BASE_PERMISSIONS
    base_filters = [["id", VisitOfficeFilter, None]]
