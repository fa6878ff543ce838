"""Row-level filters for complaint lists, detail pages and the API."""
import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter

from .enums import Status
from .models import Complaint
from .security import current_actor
from .workflow import visible_clause


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
        actor = current_actor()
        return query.filter(
            Complaint.status.notin_([Status.CLOSED, Status.VOIDED]),
            sa.or_(Complaint.assignee_id == actor.user_id, Complaint.tier == actor.tier),
        )
