"""Notifications: sending them (any domain, set-based), the unread count (the navbar bell),
marking read."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import clock
from app.core.security import Actor

from .enums import NotificationKind
from .models import Notification


def send(session: Session, recipients: sa.Select, kind: NotificationKind, now: datetime) -> int:
    """Send `kind` to every row of `recipients` — (user_id, complaint_id or NULL, deadline kind
    or NULL[, visit_id or NULL]) — in one INSERT … SELECT; returns how many were sent."""
    at = sa.bindparam("sent_at", now, type_=Notification.created_at.type)
    rows = recipients.subquery()
    sent = sa.select(sa.func.count(Notification.id)).where(Notification.created_at == at, Notification.kind == kind)
    # (INSERT … SELECT reports no row count on every driver: count before and after.)
    before = session.scalar(sent)
    columns = ["user_id", "complaint_id", "deadline_kind", "kind", "created_at"]
    values = [rows.c[0], rows.c[1], rows.c[2], sa.literal(kind.name), at]
    if len(rows.c) > 3:
        columns.append("visit_id")
        values.append(rows.c[3])
    session.execute(sa.insert(Notification).from_select(columns, sa.select(*values)))
    return session.scalar(sent) - before


def unread_count(session: Session, user_id) -> int:
    if user_id is None:
        return 0
    return session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def mark_read(session: Session, actor: Actor, ids) -> None:
    """Mark the user's notifications read (all of them when ids is None)."""
    stmt = sa.update(Notification).where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    session.execute(stmt.values(read_at=clock.now()))
    session.commit()
