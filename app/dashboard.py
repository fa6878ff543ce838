"""What the dashboard and the navbar show: queue and deadline counts, unread notifications,
and warnings about the working-day calendar. Each figure is one indexed SQL count."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import clock, workflow
from .models import Complaint, Notification
from .workdays import unconfirmed_years

def counts(session: Session, actor: workflow.Actor) -> dict:
    """The dashboard's figures for this user."""
    visible = sa.and_(workflow.visible_clause(actor), workflow.unfinished_clause())
    local_now = clock.local(clock.now())
    end_of_today = datetime.combine(local_now.date() + timedelta(days=1), time(0), tzinfo=local_now.tzinfo)

    def count(*conditions):
        return session.scalar(sa.select(sa.func.count(Complaint.id)).where(visible, *conditions))

    return {
        "queue": count(workflow.queue_clause(actor)),
        "overdue": count(Complaint.overdue_since.is_not(None)),
        "due_today": count(Complaint.next_due_at < end_of_today, Complaint.overdue_since.is_(None)),
        "unread": unread_count(session, actor.user_id),
        "unconfirmed_years": unconfirmed_years(session, local_now.date()),
    }


def unread_count(session: Session, user_id) -> int:
    if user_id is None:
        return 0
    return session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def owns_notifications(session: Session, actor: workflow.Actor, ids) -> bool:
    """Whether every id is a notification of this user."""
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        return False
    mine = session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.id.in_(sorted(wanted)), Notification.user_id == actor.user_id))
    return mine == len(wanted)


def mark_read(session: Session, actor: workflow.Actor, ids) -> None:
    """Mark the user's notifications read (all of them when ids is None)."""
    stmt = sa.update(Notification).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    session.execute(stmt.values(read_at=clock.now()))
    session.commit()


def init_navbar(app) -> None:
    """Give every page the current user's unread notification count (the navbar bell)."""

    @app.context_processor
    def _unread_notifications():
        def unread_notifications():
            from .extensions import db
            from .security import current_actor

            return unread_count(db.session, current_actor().user_id)

        return {"unread_notifications": unread_notifications}
