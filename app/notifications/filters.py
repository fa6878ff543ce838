"""Row-level filter of the inbox: a user sees only their own notifications."""
from flask_appbuilder.models.filters import BaseFilter

from app.core.security import current_actor

from .models import Notification


class OwnNotificationFilter(BaseFilter):
    """Only the current user's own notifications."""

    name = "Own notifications"
    arg_name = None

    def apply(self, query, value):
        return query.filter(Notification.user_id == current_actor().user_id)
