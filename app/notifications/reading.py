"""Notifications as a screen reads them: the current user's unread count, once per request (the
navbar bell and the pages that show it), and what a user has read by opening a case. (Apart from
the inbox's screen module, which reads the models when it is imported, so that any domain's
screens may use it.)"""
from flask import g

from app.core.extensions import db
from app.core.security import current_actor

from . import rules


def unread_notifications():
    """The current user's unread count, counted once per request however many places of the
    page show it."""
    if "_unread_notifications" not in g:
        g._unread_notifications = rules.unread_count(db.session, current_actor().user_id)
    return g._unread_notifications


def read_about(complaint_id) -> None:
    """The current user opens a case: mark what was sent to them about it read. Nothing to do,
    and no statement, when they have nothing unread (the count the page shows anyway)."""
    if unread_notifications() and rules.mark_read_about(db.session, current_actor().user_id, complaint_id):
        g.pop("_unread_notifications", None)
