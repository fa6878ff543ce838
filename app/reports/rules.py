"""The figures of the statistics dashboard, the monthly report (统计分析) and staff
accountability, each computed by SQL aggregation over indexed columns — never by a Python loop
over complaints (domain.md: Statistics). Plain Python over a session: screens, exports and
tests call these functions with an Actor and a period.

Periods are whole local months ([first day 00:00, first day of the next month 00:00) in
TIME_ZONE); the cases of a period are those *received* in it, and every figure describes them
as they stand now. The lists a figure links to use the same half-open period (the complaint
list's "on or after" and "smaller than" filters on the time received)."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import Session

from app.complaints.deadlines import overdue_clause
from app.complaints.enums import Status, Validity
from app.complaints.filters import (
    came_back_clause,
    deadline_decided,
    deadline_met_in_time,
    repeat_clause,
)
from app.complaints.models import Category, Complainant, Complaint, ComplaintDeadline
from app.complaints.workflow import visible_clause
from app.core import clock
from app.core.formatting import person_name
from app.core.models import Office
from app.core.security import Actor
from app.visits.rules import figures_by_office as visit_figures_by_office

RESOLVED_STATES = (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED)
OPEN_STATES = tuple(Status.open_states())
TREND_MONTHS = 12

# Targets and where they come from: (comparison, threshold as a fraction).
TARGETS = {
    "return_visit_rate": (">=", 1.0),   # 回访处理率达100% (domain.md: Return visits [000][004])
    "satisfaction_rate": (">=", 0.95),  # satisfaction ≥ 95 % (domain.md: Return visits [003])
    "valid_rate": ("<", 0.01),          # valid complaints < 1 % of households (domain.md: Intake [000][004])
    "on_time_rate": (">=", 1.0),        # every deadline is a rule of the procedures (domain.md: Deadlines)
    "overdue": ("<=", 0),               # no case past a deadline
}

# Staff accountability levels (domain.md: Staff accountability [003 篇2]): 1 → talk,
# 2 → public criticism and written self-review, 3 → fails the annual assessment, ≥ 4 → suspended.
ACCOUNTABILITY_LEVELS = {1: "talk", 2: "criticism", 3: "fails_assessment", 4: "suspended"}


# ---------------------------------------------------------------------------------------
# Periods and rates
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local months from `start` (a first day) up to `end` (the first day after)."""

    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(date(year, month, 1), _add_months(date(year, month, 1), 1))

    @classmethod
    def months(cls, first: date, last: date) -> "Period":
        """From the month of `first` to the month of `last`, both included."""
        return cls(first.replace(day=1), _add_months(last.replace(day=1), 1))

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def bounds(self) -> tuple[datetime, datetime]:
        """The period's instants [from, to) in UTC-aware datetimes (local midnights)."""
        return _local_midnight(self.start), _local_midnight(self.end)

    def month_starts(self) -> list[date]:
        starts, day = [], self.start
        while day < self.end:
            starts.append(day)
            day = _add_months(day, 1)
        return starts

    def list_filters(self) -> list[tuple[str, str]]:
        """The complaint list's filters for cases received in this period, in local time."""
        return [("_flt_4_received_at", f"{self.start.isoformat()} 00:00:00"),
                ("_flt_2_received_at", f"{self.end.isoformat()} 00:00:00")]


def _add_months(day: date, n: int) -> date:
    months = day.year * 12 + day.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.zone())


@dataclass(frozen=True)
class Rate:
    """A share; None (shown as "—") when nothing was counted, never a division by zero."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def meets(target_key: str, value) -> bool | None:
    """Whether a figure meets its target; None when there is no figure or no target."""
    if value is None or target_key not in TARGETS:
        return None
    op, threshold = TARGETS[target_key]
    return {">=": value >= threshold, "<": value < threshold, "<=": value <= threshold}[op]


# ---------------------------------------------------------------------------------------
# The figures of one period
# ---------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one office (or the company: office_id None) for one period."""

    office_id: int | None
    name: str
    households: int = 0
    received: int = 0
    resolved: int = 0
    open: int = 0
    overdue: int = 0
    valid: int = 0
    visited: int = 0
    answered: int = 0
    satisfied: int = 0
    repeats: int = 0
    returns: int = 0
    resolve_seconds_sum: float = 0.0
    resolve_count: int = 0
    resolve_p90_seconds: float | None = None
    on_time: dict = field(default_factory=dict)        # DeadlineKind → Rate
    by_category: dict = field(default_factory=dict)    # category id → count
    by_channel: dict = field(default_factory=dict)     # Channel → count
    by_grade: dict = field(default_factory=dict)       # Grade or None → count

    @property
    def resolve_avg_seconds(self) -> float | None:
        return self.resolve_seconds_sum / self.resolve_count if self.resolve_count else None

    @property
    def return_visit_rate(self) -> Rate:
        """Resolved cases whose return visit is done (signed off or confirmed: app/visits)."""
        return Rate(self.visited, self.resolved)

    @property
    def satisfaction_rate(self) -> Rate:
        """Satisfied visits (the top three of five levels, domain.md: Return visits) of the
        visits to the period's cases that gave a satisfaction level."""
        return Rate(self.satisfied, self.answered)

    @property
    def valid_rate(self) -> Rate:
        """Valid complaints against the office's households (domain.md: Intake)."""
        return Rate(self.valid, self.households)


@dataclass
class Report:
    """The figures of a period for each office in scope and for all of them together."""

    period: Period
    offices: list           # [Figures], by office code
    total: Figures
    categories: dict        # category id → name (as on screen)
    trend: list             # [(month start, {office id or None: (received, resolved, valid)})]
    now: datetime

    def pareto(self, figures: Figures | None = None) -> list[tuple[int, str, int, float]]:
        """Categories by count, largest first, with the cumulative share (排列图)."""
        figures = figures or self.total
        rows = sorted(((cid, n) for cid, n in figures.by_category.items() if n),
                      key=lambda item: (-item[1], self.categories.get(item[0], "")))
        total, running, out = sum(n for _, n in rows), 0, []
        for cid, n in rows:
            running += n
            out.append((cid, self.categories.get(cid, ""), n, running / total))
        return out


def scope_offices(session: Session, actor: Actor, office_id: int | None = None) -> list[Office]:
    """The offices a report covers: the actor's offices (all for the general manager), or the
    one asked for if the actor sees it; [] when the actor sees none of them."""
    stmt = sa.select(Office).order_by(Office.code)
    if actor.office_ids is not None:
        stmt = stmt.where(Office.id.in_(sorted(actor.office_ids) or [-1]))
    if office_id is not None:
        stmt = stmt.where(Office.id == office_id)
    return list(session.scalars(stmt))


def build_report(session: Session, actor: Actor, period: Period, office_id: int | None = None,
                 trend_end: date | None = None, now: datetime | None = None) -> Report:
    """Every figure of the dashboard and the monthly report for `period`, per office in scope
    and in total, with the 12-month trend ending with the period's last month."""
    now = now or clock.now()
    offices = scope_offices(session, actor, office_id)
    ids = [o.id for o in offices]
    per_office = {o.id: Figures(o.id, o.name, o.households or 0) for o in offices}
    total = Figures(None, "", sum(o.households or 0 for o in offices))
    start, end = period.bounds()
    cohort = sa.and_(Complaint.office_id.in_(ids or [-1]), visible_clause(actor),
                     Complaint.received_at >= start, Complaint.received_at < end)

    _main_counts(session, cohort, per_office, total)
    _visit_counts(session, cohort, per_office, total)
    _resolve_p90(session, cohort, per_office, total)
    _on_time(session, cohort, per_office, total, now)
    _breakdowns(session, cohort, per_office, total)
    _repeats(session, cohort, per_office, total)

    categories = {c.id: str(c) for c in session.scalars(sa.select(Category))}
    last_month = (trend_end or (period.end - timedelta(days=1))).replace(day=1)
    trend_period = Period(_add_months(last_month, 1 - TREND_MONTHS), _add_months(last_month, 1))
    trend = monthly_trend(session, actor, trend_period, ids)
    return Report(period, [per_office[i] for i in ids], total, categories, trend, now)


def _duration_seconds(session: Session):
    """Seconds from receipt to resolution, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", Complaint.resolved_at - Complaint.received_at)
    return (sa.func.julianday(Complaint.resolved_at) - sa.func.julianday(Complaint.received_at)) * 86400.0


def _count_if(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _main_counts(session, cohort, per_office, total):
    resolved = Complaint.status.in_(RESOLVED_STATES)
    timed = sa.and_(resolved, Complaint.resolved_at.is_not(None))
    duration = _duration_seconds(session)
    stmt = (sa.select(
        Complaint.office_id,
        sa.func.count(Complaint.id),
        _count_if(resolved),
        _count_if(Complaint.status.in_(OPEN_STATES)),
        _count_if(overdue_clause()),  # as the list the figure opens
        _count_if(Complaint.validity == Validity.VALID),
        sa.func.coalesce(sa.func.sum(sa.case((timed, duration), else_=0.0)), 0.0),
        _count_if(timed),
    ).where(cohort).group_by(Complaint.office_id))
    for office_id, *values in session.execute(stmt):
        figures = per_office[office_id]
        (figures.received, figures.resolved, figures.open, figures.overdue, figures.valid,
         seconds, figures.resolve_count) = values
        figures.resolve_seconds_sum = float(seconds)
        for name in ("received", "resolved", "open", "overdue", "valid", "resolve_count"):
            setattr(total, name, getattr(total, name) + getattr(figures, name))
        total.resolve_seconds_sum += figures.resolve_seconds_sum


def _visit_counts(session, cohort, per_office, total):
    """Return visits per office (the visits domain's figures): the resolved cases visited, and
    the satisfaction given at the visits of all the period's cases (a dissatisfied visit
    reopens its case, which must still count against the rate)."""
    resolved = sa.select(Complaint.id).where(cohort, Complaint.status.in_(RESOLVED_STATES))
    every = sa.select(Complaint.id).where(cohort)
    for names, ids in ((("visited",), resolved), (("answered", "satisfied"), every)):
        for office_id, counts in visit_figures_by_office(session, ids).items():
            figures = per_office.get(office_id)
            if figures is None:
                continue
            for name in names:
                setattr(figures, name, getattr(counts, name))
                setattr(total, name, getattr(total, name) + getattr(counts, name))


def _resolve_p90(session, cohort, per_office, total):
    """The 90th percentile of the time to resolve, nearest rank: the ⌈0.9·n⌉-th shortest.
    PostgreSQL's percentile_disc computes exactly that; elsewhere one ordered LIMIT/OFFSET per
    office (a handful of offices, never a loop over cases)."""
    duration = _duration_seconds(session)
    timed = sa.and_(cohort, Complaint.status.in_(RESOLVED_STATES), Complaint.resolved_at.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        p90 = sa.func.percentile_disc(0.9).within_group(duration)
        for office_id, value in session.execute(
                sa.select(Complaint.office_id, p90).where(timed).group_by(Complaint.office_id)):
            per_office[office_id].resolve_p90_seconds = float(value)
        value = session.scalar(sa.select(p90).where(timed))
        total.resolve_p90_seconds = float(value) if value is not None else None
        return

    def nth(condition, n):
        if not n:
            return None
        offset = math.ceil(0.9 * n) - 1
        return float(session.scalar(sa.select(duration).where(condition).order_by(duration)
                                    .limit(1).offset(offset)))

    for figures in per_office.values():
        figures.resolve_p90_seconds = nth(sa.and_(timed, Complaint.office_id == figures.office_id),
                                          figures.resolve_count)
    total.resolve_p90_seconds = nth(timed, total.resolve_count)


def _on_time(session, cohort, per_office, total, now):
    """Per deadline kind: deadlines met in time / deadlines decided (met, or due and not met,
    and not paused). Cancelled deadlines no longer apply and are not counted. A case has at
    most one deadline of a kind, so these count cases too (the lists they link to)."""
    d = ComplaintDeadline
    stmt = (sa.select(Complaint.office_id, d.kind, _count_if(deadline_met_in_time(d)), _count_if(deadline_decided(now, d)))
            .join(Complaint, Complaint.id == d.complaint_id)
            .where(cohort, d.cancelled_at.is_(None))
            .group_by(Complaint.office_id, d.kind))
    sums = defaultdict(lambda: [0, 0])
    for office_id, kind, on_time, decided_n in session.execute(stmt):
        per_office[office_id].on_time[kind] = Rate(on_time, decided_n)
        sums[kind][0] += on_time
        sums[kind][1] += decided_n
    total.on_time = {kind: Rate(*pair) for kind, pair in sums.items()}


def _breakdowns(session, cohort, per_office, total):
    for column, attribute in ((Complaint.category_id, "by_category"), (Complaint.channel, "by_channel"),
                              (Complaint.grade, "by_grade")):
        stmt = (sa.select(Complaint.office_id, column, sa.func.count(Complaint.id))
                .where(cohort).group_by(Complaint.office_id, column))
        for office_id, key, n in session.execute(stmt):
            getattr(per_office[office_id], attribute)[key] = n
            bucket = getattr(total, attribute)
            bucket[key] = bucket.get(key, 0) + n


def _repeats(session, cohort, per_office, total):
    """Repeat complaints: a case whose room had a case of the same category in the 90 days
    before it (rooms left empty are not compared); and cases the complainant came back on.
    The clauses are the complaint list's filters of the same name."""
    repeats = (sa.select(Complaint.office_id, sa.func.count(Complaint.id))
               .join(Complainant, Complainant.id == Complaint.complainant_id)
               .where(cohort, repeat_clause(session.get_bind().dialect.name, Complainant)))
    returns = sa.select(Complaint.office_id, sa.func.count(Complaint.id)).where(cohort, came_back_clause())
    for attribute, stmt in (("repeats", repeats), ("returns", returns)):
        for office_id, n in session.execute(stmt.group_by(Complaint.office_id)):
            setattr(per_office[office_id], attribute, n)
            setattr(total, attribute, getattr(total, attribute) + n)


def monthly_trend(session: Session, actor: Actor, period: Period, office_ids: list[int]) -> list:
    """Received, resolved and valid per local month and office, in one scan of the period:
    one conditional sum per month over the indexed time received."""
    months = period.month_starts()
    edges = [_local_midnight(m) for m in months] + [period.bounds()[1]]
    columns = []
    for i in range(len(months)):
        in_month = sa.and_(Complaint.received_at >= edges[i], Complaint.received_at < edges[i + 1])
        columns += [_count_if(in_month),
                    _count_if(sa.and_(in_month, Complaint.status.in_(RESOLVED_STATES))),
                    _count_if(sa.and_(in_month, Complaint.validity == Validity.VALID))]
    stmt = (sa.select(Complaint.office_id, *columns)
            .where(Complaint.office_id.in_(office_ids or [-1]), visible_clause(actor),
                   Complaint.received_at >= edges[0], Complaint.received_at < edges[-1])
            .group_by(Complaint.office_id))
    rows = {office_id: values for office_id, *values in session.execute(stmt)}
    trend = []
    for i, month in enumerate(months):
        cells = {oid: tuple(rows[oid][3 * i:3 * i + 3]) if oid in rows else (0, 0, 0) for oid in office_ids}
        cells[None] = tuple(sum(c[k] for c in cells.values()) for k in range(3))
        trend.append((month, cells))
    return trend


# ---------------------------------------------------------------------------------------
# Staff accountability
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountabilityRow:
    user_id: int
    name: str
    valid_complaints: int

    @property
    def level(self) -> str:
        """The level the company's rule assigns (≥ 4 all count as suspended)."""
        return ACCOUNTABILITY_LEVELS[min(self.valid_complaints, 4)]


def accountability(session: Session, actor: Actor, year: int) -> list[AccountabilityRow]:
    """Valid complaints per respondent received in the calendar year, in the actor's offices;
    invalid and pending ones do not count, and the count restarts each year
    (domain.md: Staff accountability). Most complaints first."""
    start, end = Period.year(year).bounds()
    n = sa.func.count(Complaint.id)
    stmt = (sa.select(User.id, User.first_name, User.last_name, User.username, n)
            .join(User, User.id == Complaint.respondent_id)
            .where(Complaint.validity == Validity.VALID, visible_clause(actor),
                   Complaint.received_at >= start, Complaint.received_at < end)
            .group_by(User.id, User.first_name, User.last_name, User.username)
            .order_by(n.desc(), User.username))
    return [AccountabilityRow(uid, person_name(_NameOnly(first, last, username)), count)
            for uid, first, last, username, count in session.execute(stmt)]


@dataclass(frozen=True)
class _NameOnly:
    first_name: str
    last_name: str
    username: str


def accountability_filters(user_id: int, year: int) -> list[tuple[str, str]]:
    """The complaint list's filters for the cases behind one accountability count."""
    return [("_flt_0_respondent", str(user_id)), ("_flt_0_validity", Validity.VALID.name),
            *Period.year(year).list_filters()]


# ---------------------------------------------------------------------------------------
# The complaint list's filters for each figure (clicking a bar or a cell)
# ---------------------------------------------------------------------------------------


def case_filters(period: Period, office_id: int | None = None, **what) -> list[tuple[str, str]]:
    """The complaint list's URL filters selecting exactly the cases behind one figure:
    received in `period`, in `office_id` (or every office in scope), and one of
    figure="received|resolved|open|overdue|valid|repeats|returns", category=id,
    channel=Channel, grade=Grade or "none" (not graded), and met_in_time= or decided=DeadlineKind
    (the cases whose deadline of that kind was met in time, or met or due)."""
    args = list(period.list_filters())
    if office_id is not None:
        args.append(("_flt_0_office", str(office_id)))
    figure = what.get("figure", "received")
    if figure == "resolved":
        args += [("_flt_1_status", s.name) for s in Status if s not in RESOLVED_STATES]
    elif figure == "open":
        args += [("_flt_1_status", s.name) for s in Status if s not in OPEN_STATES]
    elif figure == "overdue":
        args.append(("_flt_0_overdue_since", "1"))
    elif figure == "valid":
        args.append(("_flt_0_validity", Validity.VALID.name))
    elif figure == "repeats":
        args.append(("_flt_0_events", "1"))
    elif figure == "returns":
        args.append(("_flt_1_events", "1"))
    if what.get("category") is not None:
        args.append(("_flt_0_category", str(what["category"])))
    if what.get("channel") is not None:
        args.append(("_flt_0_channel", what["channel"].name))
    if what.get("grade") == "none":
        args.append(("_flt_2_grade", "1"))
    elif what.get("grade") is not None:
        args.append(("_flt_0_grade", what["grade"].name))
    if what.get("met_in_time") is not None:
        args.append(("_flt_0_deadlines", what["met_in_time"].name))
    if what.get("decided") is not None:
        args.append(("_flt_1_deadlines", what["decided"].name))
    return args
