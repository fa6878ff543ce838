"""The dashboard: its tiles, each counting exactly the cases of the list it opens, the user's
most urgent cases, and the working-day calendar's warning (the unread notifications are the
navbar's count). Each figure is one indexed count, exact up to LIST_COUNT_LIMIT like the lists
it opens."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.core import clock
from app.core.lists import ListCount, bounded_count
from app.deadlines.workdays import unconfirmed_years

from . import workflow
from .deadlines import overdue_clause
from .filters import FilterDueToday, FilterOverdue, deadline_filter_arg
from .models import Complaint, queue_due

# How many of the user's most urgent cases the dashboard lists.
URGENT_CASES = 8


@dataclass(frozen=True)
class Tile:
    """A dashboard figure and the list it opens. `condition` is the SQL of the list's own
    filters (the list view's base filters and the filter named in `args`), so the figure and
    the list are one definition."""

    key: str
    label: object
    endpoint: str
    args: dict
    condition: Callable[[workflow.Actor, datetime], object]
    style: str
    icon: str


TILES = (
    # My queue: its view's base filter is the queue.
    Tile("queue", _l("My queue"), "MyQueueView.list", {},
         lambda actor, now: workflow.queue_clause(actor), "primary", "fa-inbox"),
    # All complaints of my offices, filtered to the overdue ones.
    Tile("overdue", _l("Overdue cases"), "ComplaintView.list", {deadline_filter_arg(FilterOverdue): "1"},
         lambda actor, now: overdue_clause(), "danger", "fa-exclamation-triangle"),
    # My queue, filtered to what falls due later today.
    Tile("due_today", _l("Due today"), "MyQueueView.list", {deadline_filter_arg(FilterDueToday): "1"},
         lambda actor, now: sa.and_(workflow.queue_clause(actor), workflow.due_today_clause(now)),
         "warning", "fa-clock-o"),
)


def tile_count(session: Session, actor: workflow.Actor, tile: Tile, now: datetime | None = None) -> ListCount:
    """How many cases the tile's list shows this user: every list is scoped to their offices."""
    now = now or clock.now()
    return bounded_count(session, sa.select(Complaint.id).where(
        workflow.visible_clause(actor), tile.condition(actor, now)))


def counts(session: Session, actor: workflow.Actor) -> dict:
    """Every tile's figure for this user."""
    now = clock.now()
    return {tile.key: tile_count(session, actor, tile, now) for tile in TILES}


def urgent_cases(session: Session, actor: workflow.Actor, limit: int = URGENT_CASES) -> list[Complaint]:
    """The user's most urgent cases: the head of their queue in the queue's own order
    (emergencies first, then the missed or next deadline), read in the order of the queue's
    index over open cases and cut at `limit`, whatever the size of the queue."""
    return session.scalars(
        sa.select(Complaint).where(workflow.visible_clause(actor), workflow.queue_clause(actor))
        .order_by(Complaint.urgency.asc(), queue_due().asc(), Complaint.id)
        .limit(limit)).unique().all()


def calendar_warnings(session: Session) -> list[int]:
    """Years whose holiday arrangement is not confirmed (for those who may enter it)."""
    return unconfirmed_years(session, clock.local(clock.now()).date())
