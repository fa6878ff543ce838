"""Notifications: sending them (any domain, set-based), the unread count (the navbar bell),
marking read."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import clock
from app.core.lists import ListCount, bounded_count
from app.core.security import Actor

from .enums import NotificationKind
from .models import Notification


def send(session: Session, recipients: sa.Select, kind: NotificationKind, now: datetime) -> int:
    """Send `kind` to every row of `recipients` — (user_id, complaint_id or NULL, deadline kind
    or NULL[, visit_id or NULL]) — in one INSERT … SELECT; returns how many were sent."""
    at = sa.bindparam("sent_at", now, type_=Notification.created_at.type)
    rows = recipients.subquery()
    # The driver's row count of the INSERT: never a count over the notification table.
    columns = ["user_id", "complaint_id", "deadline_kind", "kind", "created_at"]
    values = [rows.c[0], rows.c[1], rows.c[2], sa.literal(kind.name), at]
    if len(rows.c) > 3:
        columns.append("visit_id")
        values.append(rows.c[3])
    sent = session.execute(sa.insert(Notification).from_select(columns, sa.select(*values))
                           .execution_options(preserve_rowcount=True)).rowcount
    if sent < 0:
        # SQLite counts only a statement that begins with INSERT: a CTE of `recipients` must
        # be nested (cte(nesting=True)), not put in front of the INSERT.
        raise RuntimeError("the database did not report how many notifications were sent")
    return sent


# The navbar bell counts up to this many unread notifications, then shows "99+".
UNREAD_LIMIT = 99


def unread_count(session: Session, user_id) -> ListCount:
    """The user's unread notifications, counted up to UNREAD_LIMIT (a partial index over
    unread rows serves it, however many notifications the table holds)."""
    if user_id is None:
        return ListCount(0, UNREAD_LIMIT)
    return bounded_count(session, sa.select(Notification.id).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)), UNREAD_LIMIT)


def mark_read_about(session: Session, user_id, complaint_id: int) -> int:
    """Mark the user's notifications about one case read (they have opened the case); returns
    how many."""
    if user_id is None or complaint_id is None:
        return 0
    read = session.execute(sa.update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None), Notification.complaint_id == complaint_id,
    ).values(read_at=clock.now())).rowcount
    if read:
        session.commit()
    return read


def mark_read(session: Session, actor: Actor, ids) -> None:
    """Mark the user's notifications read (all of them when ids is None)."""
    stmt = sa.update(Notification).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    session.execute(stmt.values(read_at=clock.now()))
    session.commit()
