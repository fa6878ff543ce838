"""The dashboard's figures: my queue, overdue and due-today counts, unread notifications, and
warnings about the working-day calendar. Each figure is one indexed SQL count."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import clock
from app.deadlines.workdays import unconfirmed_years
from app.notifications.rules import unread_count

from . import workflow
from .models import Complaint


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
