"""The dashboard's figures: my queue, overdue and due-today counts, and warnings about the
working-day calendar (the unread notifications are the navbar's count). Each figure is one
indexed SQL count, exact up to LIST_COUNT_LIMIT like the lists it opens."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import clock
from app.core.lists import bounded_count
from app.deadlines.workdays import unconfirmed_years

from . import workflow
from .models import Complaint


def counts(session: Session, actor: workflow.Actor) -> dict:
    """The dashboard's figures for this user."""
    visible = sa.and_(workflow.visible_clause(actor), workflow.unfinished_clause())
    local_now = clock.local(clock.now())
    end_of_today = datetime.combine(local_now.date() + timedelta(days=1), time(0), tzinfo=local_now.tzinfo)

    def count(*conditions):
        return bounded_count(session, sa.select(Complaint.id).where(visible, *conditions))

    return {
        "queue": count(workflow.queue_clause(actor)),
        "overdue": count(Complaint.overdue_since.is_not(None)),
        "due_today": count(Complaint.next_due_at < end_of_today, Complaint.overdue_since.is_(None)),
        "unconfirmed_years": unconfirmed_years(session, local_now.date()),
    }
