"""A complaint's deadlines: which policy applies to a case, when each of its deadlines is due,
and the sweep step that flags missed deadlines, reminds before them and escalates — each
exactly once.

Due times live on indexed rows (complaint_deadline), so every question about "overdue" is one
SQL query, and the sweep step is a handful of set-based statements, never a loop over cases.
The arithmetic, the calendar and the sweep's transaction are the deadlines package's."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy.orm import Session

from app.core import clock
from app.core.enums import Tier
from app.core.models import office_staff
from app.core.permissions import ROLE_GENERAL_MANAGER, ROLE_SUPERVISOR
from app.deadlines.enums import DeadlineKind, DeadlineUnit
from app.deadlines.rules import due_after, local_midnight_after, remind_at, setting
from app.deadlines.sweep import SweepReport, sweep_step
from app.deadlines.workdays import WorkCalendar
from app.notifications import rules as notifications
from app.notifications.enums import NotificationKind

from .enums import EventKind, Grade, Status, Urgency, Validity
from .models import (
    Category,
    Complaint,
    ComplaintDeadline,
    ComplaintEvent,
    DeadlinePolicy,
)

K, U = DeadlineKind, DeadlineUnit

# The seeds' numbers (domain.md: Deadlines); "X working days" to resolve defaults to 5.
# (kind, category code or None, urgency or None, amount, unit, escalates)
DEFAULT_POLICIES = [
    (K.ACKNOWLEDGE, None, None, 24, U.HOURS, False),          # accept & confirm receipt [001]
    (K.FIRST_FEEDBACK, None, None, 24, U.HOURS, False),       # first feedback [000]
    (K.INVESTIGATION, None, None, 24, U.HOURS, False),        # start investigation [002]
    (K.ON_SITE, None, Urgency.EMERGENCY, 3, U.MINUTES, True),  # emergency on site [003]
    (K.ON_SITE, "REPAIR", None, 15, U.MINUTES, False),        # repair on site [003]
    (K.RESOLUTION, None, None, 5, U.WORKING_DAYS, True),      # resolve a general complaint [000]
    (K.CONFIRMATION, None, None, 48, U.HOURS, False),         # resolved → confirm satisfaction [002 §6.1]
    (K.RETURN_VISIT, None, None, 30, U.CALENDAR_DAYS, False),  # return visit after resolution [002 §7.1]
    (K.RETURN_VISIT, "REPAIR", None, 7, U.CALENDAR_DAYS, False),  # after repair [004]
    (K.RETURN_VISIT, "SAFETY", None, 2, U.CALENDAR_DAYS, False),  # safety facilities [004]
]
# Deadlines counted from registration; the others from resolution. The return visit's due time
# (its RETURN_VISIT policies) lives on the visit itself (app/visits), planned at resolution.
FROM_REGISTRATION = (K.ACKNOWLEDGE, K.FIRST_FEEDBACK, K.INVESTIGATION, K.ON_SITE, K.RESOLUTION)
FROM_RESOLUTION = (K.CONFIRMATION,)
# Who is told about a case's deadlines besides its assignee: the leads of its tier.
LEAD_ROLE = {Tier.CUSTOMER_SERVICE: ROLE_SUPERVISOR, Tier.SUPERVISOR: ROLE_SUPERVISOR,
             Tier.GENERAL_MANAGER: ROLE_GENERAL_MANAGER}
OPEN = [s.name for s in Status.open_states()]
_APPROX_MINUTES = {U.MINUTES: 1, U.HOURS: 60, U.CALENDAR_DAYS: 1440, U.WORKING_DAYS: 2016}


# ---------------------------------------------------------------------------------------
# Policies and due times
# ---------------------------------------------------------------------------------------


def ensure_default_policies(session: Session, defaults=DEFAULT_POLICIES) -> int:
    """Add the default company-wide policies that are missing (the cases' own, or another
    domain's `defaults` in the same shape); returns how many."""
    codes = {c.code: c.id for c in session.scalars(sa.select(Category))}
    existing = {(p.kind, p.category_id, p.urgency, p.grade) for p in session.scalars(
        sa.select(DeadlinePolicy).where(DeadlinePolicy.office_id.is_(None)))}
    added = 0
    for kind, code, urgency, amount, unit, escalates in defaults:
        category_id = codes.get(code) if code else None
        if code and category_id is None:
            continue
        if (kind, category_id, urgency, None) not in existing:
            session.add(DeadlinePolicy(kind=kind, category_id=category_id, urgency=urgency, amount=amount,
                                       unit=unit, escalates=escalates, active=True))
            added += 1
    session.commit()
    return added


def _score(policy: DeadlinePolicy, complaint: Complaint, parent_id) -> int | None:
    """How specifically a policy fits the case, or None if it does not apply.
    Office override > urgency or grade > exact category > parent category > all."""
    if policy.office_id is not None and policy.office_id != complaint.office_id:
        return None
    if policy.urgency is not None and policy.urgency != complaint.urgency:
        return None
    if policy.grade is not None and policy.grade != complaint.grade:
        return None
    score = 8 if policy.office_id else 0
    score += 4 if policy.urgency is not None or policy.grade is not None else 0
    if policy.category_id is not None:
        if policy.category_id == complaint.category_id:
            score += 2
        elif policy.category_id == parent_id:
            score += 1
        else:
            return None
    return score


def policy_for(policies, complaint: Complaint, kind: DeadlineKind, parent_id) -> DeadlinePolicy | None:
    """The most specific active policy of `kind` for the case; ties go to the stricter limit
    (domain.md: where seeds disagree, the stricter value)."""
    best, best_key = None, None
    for policy in policies:
        if policy.kind != kind or not policy.active:
            continue
        score = _score(policy, complaint, parent_id)
        if score is None:
            continue
        key = (score, -policy.amount * _APPROX_MINUTES[policy.unit])
        if best_key is None or key > best_key:
            best, best_key = policy, key
    return best


class DeadlineTracker:
    """Computes and stores a case's deadlines; one per workflow change."""

    def __init__(self, session: Session):
        self.session = session
        self.calendar = WorkCalendar(session)
        self._policies = None

    @property
    def policies(self):
        if self._policies is None:
            self._policies = self.session.scalars(sa.select(DeadlinePolicy).where(DeadlinePolicy.active)).all()
        return self._policies

    def _row(self, complaint: Complaint, kind: DeadlineKind) -> ComplaintDeadline | None:
        return next((d for d in complaint.deadlines if d.kind == kind), None)

    def _parent_category(self, complaint: Complaint):
        category = self.session.get(Category, complaint.category_id) if complaint.category_id else None
        return category.parent_id if category else None

    def start(self, complaint: Complaint, kinds, start: datetime) -> None:
        """(Re)start the given deadlines at `start`, as fresh ones; kinds without a policy are skipped."""
        parent_id = self._parent_category(complaint)
        for kind in kinds:
            policy = policy_for(self.policies, complaint, kind, parent_id)
            row = self._row(complaint, kind)
            if policy is None:
                if row is not None and row.pending:
                    row.cancelled_at = start
                continue
            due = due_after(start, policy.amount, policy.unit, self.calendar)
            if row is None:
                row = ComplaintDeadline(kind=kind)
                complaint.deadlines.append(row)
            row.policy_id, row.escalates, row.starts_at, row.due_at = policy.id, policy.escalates, start, due
            row.remind_at = remind_at(start, due)
            row.met_at = row.cancelled_at = row.reminded_at = row.breached_at = row.paused_at = None
        refresh_summary(complaint)

    def recompute(self, complaint: Complaint) -> None:
        """After a change of category, urgency or grade: new due times for deadlines still
        running (a deadline already missed stays missed)."""
        parent_id = self._parent_category(complaint)
        for row in complaint.deadlines:
            if not row.pending or row.breached_at is not None or row.paused_at is not None:
                continue
            policy = policy_for(self.policies, complaint, row.kind, parent_id)
            if policy is None:
                row.cancelled_at = clock.now()
                continue
            row.policy_id, row.escalates = policy.id, policy.escalates
            row.due_at = due_after(row.starts_at, policy.amount, policy.unit, self.calendar)
            row.remind_at = remind_at(row.starts_at, row.due_at)
        registered = {d.kind for d in complaint.deadlines}
        missing = [k for k in FROM_REGISTRATION if k not in registered]
        if missing and complaint.status in Status.open_states():
            # A limit the new category or urgency brings counts from registration too.
            self.start(complaint, missing, complaint.received_at)
        refresh_summary(complaint)

    def meet(self, complaint: Complaint, kinds, now: datetime) -> None:
        for row in complaint.deadlines:
            if row.kind in kinds and row.pending:
                row.met_at = now
        refresh_summary(complaint)

    def cancel(self, complaint: Complaint, kinds, now: datetime) -> None:
        for row in complaint.deadlines:
            if row.kind in kinds and row.pending:
                row.cancelled_at = now
        refresh_summary(complaint)

    def pause(self, complaint: Complaint, now: datetime) -> None:
        row = self._row(complaint, K.RESOLUTION)
        row.paused_at = now
        refresh_summary(complaint)

    def resume(self, complaint: Complaint, now: datetime) -> timedelta:
        """Move the resolution deadline by the working time the clock was paused."""
        row = self._row(complaint, K.RESOLUTION)
        policy = self.session.get(DeadlinePolicy, row.policy_id) if row.policy_id else None
        old_due = row.due_at
        if policy is not None and policy.unit == U.WORKING_DAYS:
            # Day limits end at midnight after their last day: move that last day.
            paused_days = self.calendar.working_days_between(clock.local(row.paused_at).date(),
                                                             clock.local(now).date())
            last_day = (clock.local(old_due) - timedelta(microseconds=1)).date()
            row.due_at = local_midnight_after(self.calendar.add_working_days(last_day, paused_days))
        else:
            row.due_at = old_due + (now - row.paused_at)
        row.remind_at = remind_at(row.starts_at, row.due_at) if row.reminded_at is None else row.remind_at
        row.paused_at = None
        refresh_summary(complaint)
        return row.due_at - old_due

    def resolution_paused(self, complaint: Complaint) -> bool:
        row = self._row(complaint, K.RESOLUTION)
        return bool(row and row.pending and row.paused_at is not None)

    def resolution_running(self, complaint: Complaint) -> bool:
        row = self._row(complaint, K.RESOLUTION)
        return bool(row and row.pending and row.paused_at is None)


def refresh_summary(complaint: Complaint) -> None:
    """Copy the earliest running due time, and the due time of the oldest missed deadline
    still open, onto the case."""
    pending = [d for d in complaint.deadlines if d.pending]
    running = [d.due_at for d in pending if d.breached_at is None and d.paused_at is None]
    missed = [d.due_at for d in pending if d.breached_at is not None]
    complaint.next_due_at = min(running) if running else None
    complaint.overdue_since = min(missed) if missed else None


# ---------------------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------------------

@sweep_step
def sweep_complaints(session: Session, now: datetime, report: SweepReport) -> None:
    """The complaints' part of the sweep: reminders, missed deadlines, escalation per policy,
    the one-month rule, then the touched cases' deadline summaries."""
    report.reminders += _remind(session, now, report)
    report.missed += _flag_missed(session, now, report)
    report.escalated += _escalate(session, now, report)
    report.made_major += _one_month_rule(session, now, report)
    _refresh_summaries(session, now)


def _at(now):
    return sa.bindparam("now", now, type_=ComplaintDeadline.due_at.type)


D, C = ComplaintDeadline, Complaint
_PENDING = sa.and_(D.met_at.is_(None), D.cancelled_at.is_(None), D.paused_at.is_(None))


def _remind(session, now, report) -> int:
    # Before a breach only: a deadline already due gets its overdue flag instead.
    reminded = session.execute(
        sa.update(D).where(_PENDING, D.reminded_at.is_(None), D.breached_at.is_(None), D.remind_at <= _at(now),
                           D.due_at > _at(now)).values(reminded_at=_at(now))
    ).rowcount
    if reminded:
        marked = sa.select(D.complaint_id, D.kind).where(D.reminded_at == _at(now))
        report.notifications += _notify(session, marked, NotificationKind.REMINDER, now)
    return reminded


def _flag_missed(session, now, report) -> int:
    missed = session.execute(
        sa.update(D).where(_PENDING, D.breached_at.is_(None), D.due_at <= _at(now)).values(breached_at=_at(now))
    ).rowcount
    if not missed:
        return 0
    marked = sa.select(D.complaint_id, D.kind).where(D.breached_at == _at(now))
    session.execute(sa.insert(ComplaintEvent).from_select(
        ["complaint_id", "at", "actor_id", "kind", "from_status", "to_status", "from_tier", "to_tier", "note",
         "version"],
        sa.select(D.complaint_id, _at(now), sa.null(), sa.literal(EventKind.DEADLINE_MISSED.name), C.status,
                  C.status, C.tier, C.tier, sa.cast(D.kind, sa.String), C.version)
        .join(C, C.id == D.complaint_id).where(D.breached_at == _at(now))))
    report.notifications += _notify(session, marked, NotificationKind.OVERDUE, now)
    report.by_kind.update(session.execute(
        sa.select(sa.cast(D.kind, sa.String), sa.func.count()).where(D.breached_at == _at(now)).group_by(D.kind)).all())
    return missed


def _escalate(session, now, report) -> int:
    """Move each case with a missed escalating deadline up one tier, once, with a fresh
    resolution deadline at the new tier."""
    escalating = sa.select(D.complaint_id).where(D.breached_at == _at(now), D.escalates.is_(True))
    target = sa.and_(C.id.in_(escalating), C.tier < int(Tier.GENERAL_MANAGER), C.status.in_(OPEN))
    escalated = session.execute(
        sa.update(C).where(target).values(tier=C.tier + 1, escalated_at=_at(now), assignee_id=None,
                                          version=C.version + 1, updated_at=_at(now))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not escalated:
        return 0
    just = sa.and_(C.escalated_at == _at(now), C.updated_at == _at(now))
    session.execute(sa.insert(ComplaintEvent).from_select(
        ["complaint_id", "at", "actor_id", "kind", "from_status", "to_status", "from_tier", "to_tier", "note",
         "version"],
        sa.select(C.id, _at(now), sa.null(), sa.literal(EventKind.AUTO_ESCALATED.name), C.status, C.status,
                  C.tier - 1, C.tier, sa.literal(""), C.version).where(just)))
    _restart_resolution(session, now, sa.select(C.id).where(just))
    report.notifications += _notify(
        session, sa.select(C.id.label("complaint_id"), sa.null().label("kind")).where(just),
        NotificationKind.ESCALATED, now)
    return escalated


def _restart_resolution(session, now, complaint_ids) -> None:
    """A fresh resolution limit at the new tier, per policy (one due time per policy)."""
    rows = sa.and_(D.kind == K.RESOLUTION, D.met_at.is_(None), D.cancelled_at.is_(None),
                   D.complaint_id.in_(complaint_ids))
    policy_ids = session.scalars(sa.select(D.policy_id).where(rows).distinct()).all()
    if not policy_ids:
        return
    calendar = WorkCalendar(session)
    policies = {p.id: p for p in session.scalars(sa.select(DeadlinePolicy).where(DeadlinePolicy.id.in_(policy_ids)))}
    due = {pid: due_after(now, p.amount, p.unit, calendar) for pid, p in policies.items()}
    remind = {pid: remind_at(now, d) for pid, d in due.items()}
    typed = ComplaintDeadline.due_at.type
    session.execute(sa.update(D).where(rows, D.policy_id.in_(list(due))).values(
        starts_at=_at(now), breached_at=None, reminded_at=None, paused_at=None,
        due_at=sa.case({pid: sa.literal(d, typed) for pid, d in due.items()}, value=D.policy_id),
        remind_at=sa.case({pid: sa.literal(r, typed) for pid, r in remind.items()}, value=D.policy_id),
    ).execution_options(synchronize_session=False))


def _one_month_rule(session, now, report) -> int:
    """A valid complaint not resolved a month after registration becomes major and goes to
    the general manager (domain.md: Classification, seed 001)."""
    months = setting("MAJOR_AFTER_MONTHS", 1)
    cutoff = clock.local(now) - relativedelta(months=months)
    target = sa.and_(C.validity == Validity.VALID, C.status.in_(OPEN),
                     C.received_at <= sa.literal(cutoff, C.received_at.type),
                     sa.or_(C.grade.is_(None), C.grade != Grade.MAJOR))
    # (INSERT … SELECT reports no row count on every driver: count first.)
    count = session.scalar(sa.select(sa.func.count()).select_from(C).where(target))
    if not count:
        return 0
    # The event first, with the same condition: both statements see one snapshot.
    session.execute(sa.insert(ComplaintEvent).from_select(
        ["complaint_id", "at", "actor_id", "kind", "from_status", "to_status", "from_tier", "to_tier", "note",
         "version"],
        sa.select(C.id, _at(now), sa.null(), sa.literal(EventKind.MADE_MAJOR.name), C.status, C.status, C.tier,
                  sa.literal(int(Tier.GENERAL_MANAGER)), sa.literal(""), C.version + 1).where(target)))
    made = sa.select(ComplaintEvent.complaint_id.label("complaint_id"), sa.null().label("kind")).where(
        ComplaintEvent.kind == EventKind.MADE_MAJOR, ComplaintEvent.at == _at(now))
    below_gm = C.tier < int(Tier.GENERAL_MANAGER)
    session.execute(sa.update(C).where(C.id.in_(made.with_only_columns(ComplaintEvent.complaint_id))).values(
        grade=Grade.MAJOR, version=C.version + 1, updated_at=_at(now),
        assignee_id=sa.case((below_gm, None), else_=C.assignee_id),
        escalated_at=sa.case((below_gm, _at(now)), else_=C.escalated_at),
        tier=int(Tier.GENERAL_MANAGER)).execution_options(synchronize_session=False))
    report.notifications += _notify(session, made, NotificationKind.ESCALATED, now)
    return count


def _notify(session, marked, kind: NotificationKind, now) -> int:
    """Tell the assignee and the leads of the case's tier about each (case, deadline kind) in
    `marked`: one INSERT … SELECT, one row per person and case."""
    m = marked.subquery()
    assignees = sa.select(C.assignee_id.label("user_id"), m.c.complaint_id, m.c.kind).join(
        C, C.id == m.c.complaint_id).where(C.assignee_id.is_not(None))
    role_user = assoc_user_role
    office_leads = sa.select(role_user.c.user_id, m.c.complaint_id, m.c.kind).select_from(m).join(
        C, C.id == m.c.complaint_id).join(role_user, sa.true()).join(Role, Role.id == role_user.c.role_id).join(
        office_staff, sa.and_(office_staff.c.user_id == role_user.c.user_id, office_staff.c.office_id == C.office_id)
    ).where(C.tier < int(Tier.GENERAL_MANAGER), Role.name == LEAD_ROLE[Tier.SUPERVISOR])
    managers = sa.select(role_user.c.user_id, m.c.complaint_id, m.c.kind).select_from(m).join(
        C, C.id == m.c.complaint_id).join(role_user, sa.true()).join(Role, Role.id == role_user.c.role_id).where(
        C.tier == int(Tier.GENERAL_MANAGER), Role.name == LEAD_ROLE[Tier.GENERAL_MANAGER])
    return notifications.send(session, sa.union(assignees, office_leads, managers), kind, now)


def _refresh_summaries(session, now) -> None:
    """refresh_summary() for every case this sweep touched, as one aggregate and one UPDATE."""
    touched = sa.union(sa.select(D.complaint_id).where(D.breached_at == _at(now)),
                       sa.select(C.id).where(C.escalated_at == _at(now))).subquery()
    pending = sa.and_(D.met_at.is_(None), D.cancelled_at.is_(None))
    running = sa.and_(pending, D.breached_at.is_(None), D.paused_at.is_(None))
    summary = (sa.select(D.complaint_id,
                         sa.func.min(sa.case((running, D.due_at))).label("next_due_at"),
                         sa.func.min(sa.case((sa.and_(pending, D.breached_at.is_not(None)), D.due_at)))
                         .label("overdue_since"))
               .where(D.complaint_id.in_(sa.select(touched.c.complaint_id)))
               .group_by(D.complaint_id).subquery())
    session.execute(sa.update(C).where(C.id == summary.c.complaint_id).values(
        next_due_at=summary.c.next_due_at, overdue_since=summary.c.overdue_since,
    ).execution_options(synchronize_session=False))


def overdue_clause():
    """SQL condition: the case has a missed deadline still open."""
    return Complaint.overdue_since.is_not(None)
