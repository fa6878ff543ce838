"""My notifications: the inbox, marking read, and the unread count in the navbar."""
from flask import redirect, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core.extensions import db
from app.core.filters import Interface
from app.core.formatting import enum_label, local_time
from app.core.lists import ModelView
from app.core.permissions import RESOURCE_NOTIFICATION
from app.core.security import current_actor

from . import rules
from .enums import NotificationKind
from .filters import OwnNotificationFilter
from .models import Notification
from .reading import unread_notifications


class InboxWidget(ListWidget):
    """FAB's list, with unread rows marked so that they stand out."""

    template = "notifications/list_widget.html"


def _read_at(moment):
    if moment:
        return local_time(moment)
    return Markup('<span class="label label-primary notification-unread-label">{}</span>').format(_("Unread"))


class NotificationView(ModelView):
    """My notifications: emergencies, reminders, missed deadlines, escalations to my tier."""

    route_base = "/notifications"
    datamodel = Interface(Notification)
    class_permission_name = RESOURCE_NOTIFICATION
    # No detail page: the sentence says it all and links to the case.
    include_route_methods = {"list", "action", "action_post", "mark_all_read"}
    method_permission_name = {"list": "read", "mark_read": "read", "mark_all_read": "read"}
    base_permissions = ["can_read"]
    base_filters = [["id", OwnNotificationFilter, None]]
    base_order = ("created_at", "desc")
    list_title = _l("Notifications")
    list_template = "notifications/list.html"
    list_widget = InboxWidget
    list_columns = ["created_at", "summary", "read_at"]
    search_columns = ["kind", "read_at"]
    label_columns = {"created_at": _l("Time"), "kind": _l("Notification"), "summary": _l("What happened"),
                     "deadline_kind": _l("Deadline"), "complaint": _l("Complaint"), "visit": _l("Visit"), "read_at": _l("Read at")}
    formatters_columns = {"created_at": local_time, "read_at": _read_at, "kind": enum_label(NotificationKind)}

    @action("mark_read", _l("Mark as read"), None, "fa-check")
    def mark_read(self, items):
        """Mark the chosen notifications read (one from its own action route, several from the list)."""
        rules.mark_read(db.session, current_actor(), [i.id for i in (items if isinstance(items, list) else [items])])
        return redirect(self.get_redirect())

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        """Mark every notification of mine read (one UPDATE)."""
        rules.mark_read(db.session, current_actor(), None)
        return redirect(url_for(".list"))


def init_navbar(app) -> None:
    """Give every page the current user's unread notification count (the navbar bell)."""

    @app.context_processor
    def _unread_notifications():
        return {"unread_notifications": unread_notifications}
