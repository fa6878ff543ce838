"""My notifications: the inbox, marking read, and the unread count in the navbar."""
from flask import redirect, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core.extensions import db
from app.core.filters import Interface
from app.core.formatting import enum_label, local_time
from app.core.permissions import RESOURCE_NOTIFICATION
from app.core.security import current_actor
from app.deadlines.enums import DeadlineKind

from . import rules
from .enums import NotificationKind
from .filters import OwnNotificationFilter
from .models import Notification


class NotificationView(ModelView):
    """My notifications: reminders, missed deadlines, escalations to my tier."""

    route_base = "/notifications"
    datamodel = Interface(Notification)
    class_permission_name = RESOURCE_NOTIFICATION
    method_permission_name = {"list": "read", "show": "read", "mark_read": "read", "mark_all_read": "read"}
    base_permissions = ["can_read"]
    base_filters = [["id", OwnNotificationFilter, None]]
    base_order = ("created_at", "desc")
    list_title = _l("Notifications")
    list_columns = ["created_at", "kind", "deadline_kind", "complaint", "visit", "read_at"]
    search_columns = ["kind", "read_at"]
    label_columns = {"created_at": _l("Time"), "kind": _l("Notification"), "deadline_kind": _l("Deadline"),
                     "complaint": _l("Complaint"), "visit": _l("Visit"), "read_at": _l("Read at")}
    formatters_columns = {
        "created_at": local_time, "read_at": local_time, "kind": enum_label(NotificationKind),
        "deadline_kind": enum_label(DeadlineKind),
        "complaint": lambda c: _link("ComplaintView.show", c),
        "visit": lambda v: _link("VisitView.show", v),
    }

    @action("mark_read", _l("Mark as read"), None, "fa-check")
    def mark_read(self, items):
        """Mark the chosen notifications read (one from its own action route, several from the list)."""
        rules.mark_read(db.session, current_actor(), [i.id for i in (items if isinstance(items, list) else [items])])
        return redirect(self.get_redirect())

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        """Mark every notification of mine read."""
        rules.mark_read(db.session, current_actor(), None)
        return redirect(url_for(".list"))


def _link(endpoint, row):
    """A link to the row a notification is about (the domains' screens, named by endpoint)."""
    return Markup('<a href="{}">{}</a>').format(url_for(endpoint, pk=row.id), row) if row is not None else ""


def init_navbar(app) -> None:
    """Give every page the current user's unread notification count (the navbar bell)."""

    @app.context_processor
    def _unread_notifications():
        def unread_notifications():
            return rules.unread_count(db.session, current_actor().user_id)

        return {"unread_notifications": unread_notifications}
