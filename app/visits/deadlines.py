"""The visits' deadlines: when a visit or a rectification notice is due (the deadline policies
administrators set, per category and office, through the shared arithmetic), and the sweep step
that reminds before and flags what is overdue, notifying the people concerned — a few set-based
statements, never a loop over visits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy.orm import Session

from app.complaints import deadlines as case_deadlines
from app.complaints.models import Category, DeadlinePolicy
from app.core.models import office_staff
from app.core.permissions import ROLE_CUSTOMER_SERVICE, ROLE_SUPERVISOR
from app.deadlines.enums import DeadlineKind, DeadlineUnit
from app.deadlines.rules import due_after, remind_at
from app.deadlines.sweep import SweepReport, sweep_step
from app.deadlines.workdays import WorkCalendar
from app.notifications import rules as notifications
from app.notifications.enums import NotificationKind

from .enums import RectificationStatus, VisitEventKind, VisitStatus
from .models import RectificationNotice, Visit, VisitEvent

K, U = DeadlineKind, DeadlineUnit

# The visits' own defaults, beside the cases' (return visit within a month, 7 days after a
# repair, 2 days for safety): (kind, category code or None, urgency, amount, unit, escalates).
DEFAULT_POLICIES = [
    (K.RETURN_VISIT, "REPAIR_SAFETY", None, 2, U.CALENDAR_DAYS, False),  # safety-facility repairs [004 篇4]
    (K.RETURN_VISIT, "REPAIR_LEAK", None, 3, U.CALENDAR_DAYS, False),    # leaks [004 篇4]
    (K.RECTIFICATION, None, None, 24, U.HOURS, False),                   # written notice within 24 h [004 篇4]
]


def ensure_default_policies(session: Session) -> int:
    """Add the visits' default company-wide policies that are missing; returns how many."""
    return case_deadlines.ensure_default_policies(session, DEFAULT_POLICIES)


@dataclass(frozen=True)
class Subject:
    """What a policy is matched on when no case is at hand (a routine visit's notice)."""

    office_id: int
    category_id: int | None = None
    urgency: object = None
    grade: object = None


class DueTimes:
    """When limits of one kind run out, by the most specific active policy for each subject (a
    case, or a Subject), with the policies and the calendar read once (no query per visit)."""

    def __init__(self, session: Session, kind: DeadlineKind):
        self.kind = kind
        self.policies = session.scalars(sa.select(DeadlinePolicy).where(DeadlinePolicy.active.is_(True),
                                                                        DeadlinePolicy.kind == kind)).all()
        self.parents = dict(session.execute(sa.select(Category.id, Category.parent_id)).all())
        self.calendar = WorkCalendar(session)

    def of(self, subject, start: datetime):
        """(due, remind at) of a limit starting at `start`; (None, None) when no policy applies."""
        policy = case_deadlines.policy_for(self.policies, subject, self.kind, self.parents.get(subject.category_id))
        if policy is None:
            return None, None
        due = due_after(start, policy.amount, policy.unit, self.calendar)
        return due, remind_at(start, due)


def due_times(session: Session, subject, kind: DeadlineKind, start: datetime):
    """(due, remind at) of one `kind` limit starting at `start` for `subject`."""
    return DueTimes(session, kind).of(subject, start)


# ---------------------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------------------

V, R = Visit, RectificationNotice


def _at(now):
    return sa.bindparam("now", now, type_=Visit.due_at.type)


@sweep_step
def sweep_visits(session: Session, now: datetime, report: SweepReport) -> None:
    """The visits' part of the sweep: reminders before a visit or a notice is due, and each
    overdue one flagged once, with its notifications."""
    reminded, overdue = _mark_due(session, V, sa.and_(V.status == VisitStatus.PLANNED, V.due_at.is_not(None)), now)
    if reminded:
        report.reminders += reminded
        report.notifications += _notify_visits(session, V.reminded_at == _at(now), NotificationKind.REMINDER, now)
    if overdue:
        report.missed += overdue
        report.by_kind[K.RETURN_VISIT.name] = report.by_kind.get(K.RETURN_VISIT.name, 0) + overdue
        session.execute(sa.insert(VisitEvent).from_select(
            ["visit_id", "at", "actor_id", "kind", "note"],
            sa.select(V.id, _at(now), sa.null(), sa.literal(VisitEventKind.OVERDUE.name), sa.literal(""))
            .where(V.overdue_at == _at(now))))
        report.notifications += _notify_visits(session, V.overdue_at == _at(now), NotificationKind.OVERDUE, now)

    reminded, overdue = _mark_due(session, R, sa.and_(R.status == RectificationStatus.OPEN, R.due_at.is_not(None)),
                                  now)
    if reminded:
        report.reminders += reminded
        report.notifications += _notify_notices(session, R.reminded_at == _at(now), NotificationKind.REMINDER, now)
    if overdue:
        report.missed += overdue
        report.by_kind[K.RECTIFICATION.name] = report.by_kind.get(K.RECTIFICATION.name, 0) + overdue
        report.notifications += _notify_notices(session, R.overdue_at == _at(now), NotificationKind.OVERDUE, now)


def _mark_due(session: Session, model, pending, now: datetime) -> tuple[int, int]:
    """Mark the `pending` rows of `model` (visits or notices, which share their due-time
    columns) whose reminder time has come, and those now overdue, each once: two UPDATEs.
    Returns (reminded, overdue); the marks are `now`, by which their notifications find them."""
    at = _at(now)
    reminded = session.execute(sa.update(model).where(
        pending, model.reminded_at.is_(None), model.overdue_at.is_(None), model.remind_at <= at, model.due_at > at)
        .values(reminded_at=at).execution_options(synchronize_session=False)).rowcount
    overdue = session.execute(sa.update(model).where(pending, model.overdue_at.is_(None), model.due_at <= at)
                              .values(overdue_at=at).execution_options(synchronize_session=False)).rowcount
    return reminded, overdue


def _staff_with_role(role_name, office_column, columns, where):
    """(user, *columns) for every staff member of the row's office holding `role_name`."""
    return (sa.select(office_staff.c.user_id, *columns)
            .join(assoc_user_role, assoc_user_role.c.user_id == office_staff.c.user_id)
            .join(Role, Role.id == assoc_user_role.c.role_id)
            .where(where, office_staff.c.office_id == office_column, Role.name == role_name))


def _notify_visits(session, marked, kind: NotificationKind, now) -> int:
    """Tell who is to make each marked visit — its assignee, else the office's customer
    service — and, when it is overdue, the office's supervisors: one INSERT … SELECT."""
    columns = (V.complaint_id, sa.literal(K.RETURN_VISIT.name), V.id)
    parts = [sa.select(V.assignee_id, *columns).where(marked, V.assignee_id.is_not(None)),
             _staff_with_role(ROLE_CUSTOMER_SERVICE, V.office_id, columns, sa.and_(marked, V.assignee_id.is_(None)))]
    if kind == NotificationKind.OVERDUE:
        parts.append(_staff_with_role(ROLE_SUPERVISOR, V.office_id, columns, marked))
    return notifications.send(session, sa.union(*parts), kind, now)


def _notify_notices(session, marked, kind: NotificationKind, now) -> int:
    """Tell the person responsible for each marked notice and, when it is overdue, whoever
    issued it and the office's supervisors."""
    columns = (R.complaint_id, sa.literal(K.RECTIFICATION.name), R.visit_id)
    parts = [sa.select(R.responsible_id, *columns).where(marked)]
    if kind == NotificationKind.OVERDUE:
        parts += [sa.select(R.issued_by_id, *columns).where(marked),
                  _staff_with_role(ROLE_SUPERVISOR, R.office_id, columns, marked)]
    return notifications.send(session, sa.union(*parts), kind, now)
