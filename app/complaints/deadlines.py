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

from .enums import EventKind, Grade, Status, Urgency
from .models import (
    Category,
    Complaint,
    ComplaintDeadline,
    ComplaintEvent,
    DeadlinePolicy,
    major_candidate,
)

K, U = DeadlineKind, DeadlineUnit

# The seeds' numbers (domain.md: Deadlines); "X working days" to resolve defaults to 5.
# (kind, category code or None, urgency or None, amount, unit, escalates)
DEFAULT_POLICIES = [
    (K.ACKNOWLEDGE, None, None, 24, U.HOURS, False),          # accept & confirm receipt [001]
    (K.FIRST_FEEDBACK, None, None, 24, U.HOURS, False),       # first feedback [000]
    (K.INVESTIGATION, None, None, 24, U.HOURS, False),        # start investigation [002]
    # Emergency on site [003]. Missing it alerts the office's supervisors and the general
    # manager at once (_notify) rather than moving the case away from the supervisor who acts.
    (K.ON_SITE, None, Urgency.EMERGENCY, 3, U.MINUTES, False),
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
    """The complaints' part of the sweep: reminders, missed deadlines, then escalation per
    policy, the one-month rule and the deadline summaries of the cases touched.

    Each statement finds its rows through an index (due times, this sweep's marks, the one-month
    rule's candidates), so an idle sweep costs the same whatever the number of cases."""
    missed = _flag_missed(session, now, report)
    report.missed += missed
    report.reminders += _remind(session, now, report)
    _act_on_cases(session, now, report, missed)


def _at(now):
    return sa.bindparam("now", now, type_=ComplaintDeadline.due_at.type)


D, C = ComplaintDeadline, Complaint
_PENDING = sa.and_(D.met_at.is_(None), D.cancelled_at.is_(None), D.paused_at.is_(None))
_EVENT_COLUMNS = ["complaint_id", "at", "actor_id", "kind", "from_status", "to_status", "from_tier", "to_tier",
                  "note", "version"]


def _remind(session, now, report) -> int:
    # Before a breach only: every deadline already due has just been flagged instead. (No test
    # of the due time here: the planner would read every running deadline through its index.)
    reminded = session.execute(
        sa.update(D).where(_PENDING, D.reminded_at.is_(None), D.breached_at.is_(None), D.remind_at <= _at(now))
        .values(reminded_at=_at(now))
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
    session.execute(sa.insert(ComplaintEvent).from_select(_EVENT_COLUMNS, sa.select(
        D.complaint_id, _at(now), sa.null(), sa.literal(EventKind.DEADLINE_MISSED.name), C.status, C.status, C.tier,
        C.tier, sa.cast(D.kind, sa.String), C.version).join(C, C.id == D.complaint_id).where(D.breached_at == _at(now))))
    report.notifications += _notify(session, marked, NotificationKind.OVERDUE, now)
    report.by_kind.update(session.execute(
        sa.select(sa.cast(D.kind, sa.String), sa.func.count()).where(D.breached_at == _at(now)).group_by(D.kind)).all())
    return missed


# The cases one sweep acts on, for the length of its transaction: every case with a deadline
# missed now or due for the one-month rule, and what happens to it.
_cases = sa.Table("sweep_case", sa.MetaData(),
                  sa.Column("complaint_id", sa.Integer, primary_key=True, autoincrement=False),
                  sa.Column("escalates", sa.Boolean, nullable=False),
                  sa.Column("made_major", sa.Boolean, nullable=False),
                  prefixes=["TEMPORARY"])


def _act_on_cases(session, now, report, missed: int) -> None:
    """Escalate each case with a missed escalating deadline up one tier, once, with a fresh
    resolution deadline at the new tier; make a valid complaint unresolved after a month major
    and send it to the general manager (domain.md: Classification, seed 001); refresh the
    deadline summaries of every case touched — one UPDATE, so each case's row is written once."""
    months = setting("MAJOR_AFTER_MONTHS", 1)
    cutoff = sa.literal(clock.local(now) - relativedelta(months=months), C.received_at.type)
    due_major = sa.and_(major_candidate(), C.received_at <= cutoff)
    if not missed and not session.scalar(sa.select(sa.func.count()).select_from(C).where(due_major)):
        return
    connection = session.connection()
    _cases.drop(connection, checkfirst=True)
    _cases.create(connection)
    breached = sa.select(D.complaint_id.label("id"), sa.func.max(sa.case((D.escalates, 1), else_=0)).label("escalating")
                         ).where(D.breached_at == _at(now)).group_by(D.complaint_id)
    touched = sa.union_all(breached, sa.select(C.id, sa.literal(0)).where(due_major)).subquery()
    touched = sa.select(touched.c.id, sa.func.max(touched.c.escalating).label("escalating")).group_by(touched.c.id
                                                                                                       ).subquery()
    escalates = sa.and_(touched.c.escalating == 1, C.tier < int(Tier.GENERAL_MANAGER), C.status.in_(OPEN))
    session.execute(sa.insert(_cases).from_select(
        ["complaint_id", "escalates", "made_major"],
        sa.select(C.id, escalates, due_major).join(touched, touched.c.id == C.id)))

    s = _cases.c
    raised = sa.case((s.escalates, 1), else_=0)  # the escalation comes first: 1 tier, 1 version
    escalated, made_major = session.execute(sa.select(sa.func.coalesce(sa.func.sum(raised), 0), sa.func.coalesce(
        sa.func.sum(sa.case((s.made_major, 1), else_=0)), 0))).one()
    # The events first, read from the case as it was: both kinds with their tiers and versions.
    session.execute(sa.insert(ComplaintEvent).from_select(_EVENT_COLUMNS, sa.select(
        C.id, _at(now), sa.null(), sa.literal(EventKind.AUTO_ESCALATED.name), C.status, C.status, C.tier, C.tier + 1,
        sa.literal(""), C.version + 1).join(_cases, s.complaint_id == C.id).where(s.escalates)))
    session.execute(sa.insert(ComplaintEvent).from_select(_EVENT_COLUMNS, sa.select(
        C.id, _at(now), sa.null(), sa.literal(EventKind.MADE_MAJOR.name), C.status, C.status, C.tier + raised,
        sa.literal(int(Tier.GENERAL_MANAGER)), sa.literal(""), C.version + raised + 1
    ).join(_cases, s.complaint_id == C.id).where(s.made_major)))
    _restart_resolution(session, now, sa.select(s.complaint_id).where(s.escalates))

    pending = sa.and_(D.met_at.is_(None), D.cancelled_at.is_(None))
    running = sa.and_(pending, D.breached_at.is_(None), D.paused_at.is_(None))
    summary = (sa.select(s.complaint_id, s.escalates, s.made_major,
                         sa.func.min(sa.case((running, D.due_at))).label("next_due_at"),
                         sa.func.min(sa.case((sa.and_(pending, D.breached_at.is_not(None)), D.due_at)))
                         .label("overdue_since"))
               .select_from(_cases).outerjoin(D, D.complaint_id == s.complaint_id)
               .group_by(s.complaint_id, s.escalates, s.made_major).subquery())
    t = summary.c
    # Leaving the tier clears the assignee (as a manual escalation does).
    moved = sa.or_(t.escalates, sa.and_(t.made_major, C.tier < int(Tier.GENERAL_MANAGER)))
    session.execute(sa.update(C).where(C.id == t.complaint_id).values(
        tier=sa.case((t.made_major, int(Tier.GENERAL_MANAGER)), (t.escalates, C.tier + 1), else_=C.tier),
        grade=sa.case((t.made_major, sa.literal(Grade.MAJOR, C.grade.type)), else_=C.grade),
        escalated_at=sa.case((moved, _at(now)), else_=C.escalated_at),
        assignee_id=sa.case((moved, None), else_=C.assignee_id),
        version=C.version + sa.case((t.escalates, 1), else_=0) + sa.case((t.made_major, 1), else_=0),
        updated_at=sa.case((sa.or_(t.escalates, t.made_major), _at(now)), else_=C.updated_at),
        next_due_at=t.next_due_at, overdue_since=t.overdue_since,
    ).execution_options(synchronize_session=False))
    report.notifications += _notify(session, sa.select(s.complaint_id, sa.null().label("kind")).where(
        sa.or_(s.escalates, s.made_major)), NotificationKind.ESCALATED, now)
    _cases.drop(connection)
    report.escalated += escalated
    report.made_major += made_major


def _restart_resolution(session, now, complaint_ids) -> None:
    """A fresh resolution limit at the new tier, per policy (one due time per policy; there
    are few resolution policies, so each gets one without reading the cases' rows first)."""
    calendar = WorkCalendar(session)
    policies = session.scalars(sa.select(DeadlinePolicy).where(DeadlinePolicy.kind == K.RESOLUTION)).all()
    if not policies:
        return
    due = {p.id: due_after(now, p.amount, p.unit, calendar) for p in policies}
    remind = {pid: remind_at(now, d) for pid, d in due.items()}
    typed = ComplaintDeadline.due_at.type
    session.execute(sa.update(D).where(
        D.complaint_id.in_(complaint_ids), D.kind == K.RESOLUTION, D.met_at.is_(None), D.cancelled_at.is_(None),
        D.policy_id.is_not(None)  # (a resolution row names a resolution policy)
    ).values(
        starts_at=_at(now), breached_at=None, reminded_at=None, paused_at=None,
        due_at=sa.case({pid: sa.literal(d, typed) for pid, d in due.items()}, value=D.policy_id),
        remind_at=sa.case({pid: sa.literal(r, typed) for pid, r in remind.items()}, value=D.policy_id),
    ).execution_options(synchronize_session=False))


def _notify(session, marked, kind: NotificationKind, now) -> int:
    """Tell the assignee and the leads of the case's tier about each (case, deadline kind) in
    `marked`: one INSERT … SELECT, one row per person and case. A missed arrival on site tells
    the office's supervisors and the general manager whatever the tier."""
    m = marked.cte("marked", nesting=True)  # read once, whichever recipients it is joined to
    on_site = m.c.kind == K.ON_SITE if kind == NotificationKind.OVERDUE else sa.false()
    assignees = sa.select(C.assignee_id.label("user_id"), m.c.complaint_id, m.c.kind).join(
        C, C.id == m.c.complaint_id).where(C.assignee_id.is_not(None))
    role_user = assoc_user_role
    office_leads = sa.select(role_user.c.user_id, m.c.complaint_id, m.c.kind).select_from(m).join(
        C, C.id == m.c.complaint_id).join(role_user, sa.true()).join(Role, Role.id == role_user.c.role_id).join(
        office_staff, sa.and_(office_staff.c.user_id == role_user.c.user_id, office_staff.c.office_id == C.office_id)
    ).where(sa.or_(C.tier < int(Tier.GENERAL_MANAGER), on_site), Role.name == LEAD_ROLE[Tier.SUPERVISOR])
    managers = sa.select(role_user.c.user_id, m.c.complaint_id, m.c.kind).select_from(m).join(
        C, C.id == m.c.complaint_id).join(role_user, sa.true()).join(Role, Role.id == role_user.c.role_id).where(
        sa.or_(C.tier == int(Tier.GENERAL_MANAGER), on_site), Role.name == LEAD_ROLE[Tier.GENERAL_MANAGER])
    return notifications.send(session, sa.union(assignees, office_leads, managers), kind, now)


def overdue_clause():
    """SQL condition: the case has a missed deadline still open (as the sweep flags it, within
    a minute of its due time; the partial indexes over overdue cases serve it). Every "overdue"
    count and list means this; a badge shows a deadline overdue from its due time on."""
    return Complaint.overdue_since.is_not(None)


def on_time_clause():
    """SQL condition: the opposite of overdue_clause."""
    return Complaint.overdue_since.is_(None)
