"""The sweep: every domain's deadline steps, run together in one locked transaction.

A domain registers a step with `@sweep_step`; each step is a few set-based statements that
remind, flag what is missed and act on it, and adds what it did to the report. The sweep works
from due times, not from when it last ran, so after downtime it catches up by itself."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import clock

# One key for the PostgreSQL advisory lock that lets one sweep run at a time.
SWEEP_LOCK_KEY = 0x636F6D70


@dataclass
class SweepReport:
    """What one sweep did."""

    skipped: bool = False
    reminders: int = 0
    missed: int = 0
    escalated: int = 0
    made_major: int = 0
    notifications: int = 0
    by_kind: dict = field(default_factory=dict)

    def __str__(self):
        if self.skipped:
            return "sweep skipped: another sweep holds the lock"
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.by_kind.items())) or "none"
        return (f"reminders {self.reminders}, missed deadlines {self.missed} ({kinds}), escalated {self.escalated}, "
                f"made major {self.made_major}, notifications {self.notifications}")


Step = Callable[[Session, datetime, SweepReport], None]
_STEPS: list[Step] = []


def sweep_step(step: Step) -> Step:
    """Register a domain's deadline step; steps run in the order they were registered."""
    if step not in _STEPS:
        _STEPS.append(step)
    return step


def sweep(session: Session, now: datetime | None = None) -> SweepReport:
    """Run every registered step in one transaction: remind before deadlines, flag every
    missed one, escalate per policy — each exactly once. On any error nothing is written."""
    now = now or clock.now()
    report = SweepReport()
    session.rollback()  # start on a fresh transaction (PostgreSQL: with its own isolation level)
    try:
        if not _lock(session):
            session.rollback()
            return SweepReport(skipped=True)
        for step in _STEPS:
            step(session, now, report)
        session.commit()
    except sa.exc.OperationalError as e:
        session.rollback()
        # Another sweep committed the same work after this one's snapshot: nothing is lost.
        if getattr(getattr(e, "orig", None), "sqlstate", None) == "40001":
            return SweepReport(skipped=True)
        raise
    except Exception:
        session.rollback()
        raise
    return report


def _lock(session: Session) -> bool:
    """Only one sweep at a time across processes and hosts. PostgreSQL: a transaction advisory
    lock, with a stable snapshot so every statement sees the same cases. SQLite serialises
    writers itself (run one scheduler process there)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return bool(session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(SWEEP_LOCK_KEY))))
