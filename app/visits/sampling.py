"""Repair sampling (维修回访抽样, seed 004 篇4): each period the office, the engineering head and
each repairer responsible visit a share of the resolved repairs (office ≥ 5 %, engineering head
≥ 10 %, the repairer ≥ 20 % of their own), drawn fairly and reproducibly — the same office,
period and role always draw the same cases — never the same case twice for one role, and each
person's progress shown against their share."""
from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.complaints.enums import Status
from app.complaints.models import Category, Complaint
from app.core import clock
from app.core.errors import InvalidInput
from app.core.models import Office
from app.core.params import parse_id
from app.core.security import Actor
from app.deadlines.enums import DeadlineKind
from app.deadlines.rules import local_midnight_after

from . import deadlines, rules
from .enums import SamplingRole, VisitStatus
from .models import Visit, VisitingStaff, VisitSetting

# The repairs a period samples from: resolved in it and not handled again since.
DONE_STATES = (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED)
SHARE_OF = {SamplingRole.OFFICE: "office_share", SamplingRole.ENGINEERING_HEAD: "engineering_share",
            SamplingRole.REPAIRER: "repairer_share"}


@dataclass(frozen=True)
class Period:
    """A calendar month, as 'YYYY-MM'."""

    year: int
    month: int

    @classmethod
    def parse(cls, text) -> Period:
        try:
            year, month = (int(part) for part in str(text).split("-"))
            date(year, month, 1)
        except (TypeError, ValueError):
            raise InvalidInput(_("Give the period as a month, e.g. 2026-11."),
                               {"period": _("A month, e.g. 2026-11.")}) from None
        if not 2000 <= year <= 2099:
            raise InvalidInput(_("Give the period as a month, e.g. 2026-11."), {"period": _("A month, e.g. 2026-11.")})
        return cls(year, month)

    @classmethod
    def of(cls, moment: datetime) -> Period:
        local = clock.local(moment)
        return cls(local.year, local.month)

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the month in the company's time zone, as aware times."""
        first = date(self.year, self.month, 1)
        following = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return (local_midnight_after(date.fromordinal(first.toordinal() - 1)),
                local_midnight_after(date.fromordinal(following.toordinal() - 1)))


def shares(session: Session, office_id: int) -> dict[SamplingRole, int]:
    """The office's share per role, in percent (at least seed 004's when none was set)."""
    setting = session.get(VisitSetting, office_id)
    return {role: getattr(setting, SHARE_OF[role]) if setting else role.minimum_share for role in SamplingRole}


def choose(candidates, k: int, seed: str) -> list[int]:
    """`k` of the `candidates` ids, each equally likely, the same for the same seed."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return random.Random(number).sample(sorted(candidates), min(k, len(candidates)))


def _repairs(office_id: int, period: Period):
    """SQL condition: the office's repair cases resolved in the period and not reopened since."""
    start, end = period.bounds()
    repair = sa.select(Category.id).where(sa.or_(Category.code == "REPAIR",
                                                 Category.parent_id.in_(sa.select(Category.id)
                                                                        .where(Category.code == "REPAIR"))))
    return sa.and_(Complaint.office_id == office_id, Complaint.category_id.in_(repair),
                   Complaint.status.in_(DONE_STATES), Complaint.resolved_at >= start, Complaint.resolved_at < end)


def _repairer():
    """The repairer responsible for a case: its plan's owner, or else whoever holds it."""
    return sa.func.coalesce(Complaint.plan_owner_id, Complaint.assignee_id)


def _members(session: Session, office_id: int, role: SamplingRole) -> list[int]:
    return list(session.scalars(sa.select(VisitingStaff.user_id).join(User, User.id == VisitingStaff.user_id).where(
        VisitingStaff.office_id == office_id, VisitingStaff.role == role, User.active.is_(True))
        .order_by(VisitingStaff.user_id)))


def _sampled(role: SamplingRole):
    return sa.select(Visit.complaint_id).where(Visit.sampling_role == role)


def required(share: int, pool: int) -> int:
    """How many of `pool` repairs a share of `share` percent asks for (at least one of any)."""
    return math.ceil(pool * share / 100)


@dataclass
class Draw:
    role: SamplingRole
    drawn: int
    missing_staff: bool = False


def draw(session: Session, actor: Actor, office_id, period_text, now: datetime | None = None) -> list[Draw]:
    """Draw the period's samples of every role for the office and plan their visits (each to its
    person). Drawing again adds only what the share still asks for: the same cases, in the same
    order, for the same office, period and role."""
    now = now or clock.now()
    rules._require(actor, "draw_sample", _("draw the repair samples"))
    office_id = parse_id(office_id)
    office = session.get(Office, office_id) if office_id and actor.sees_office(office_id) else None
    if office is None:
        raise InvalidInput(_("Choose one of your offices."), {"office_id": _("Choose one of your offices.")})
    period = Period.parse(period_text)
    try:
        planned = _draw(session, actor, office, period, now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return planned


def _draw(session, actor, office, period, now) -> list[Draw]:
    repairs = _repairs(office.id, period)
    pool = session.execute(sa.select(Complaint.id, _repairer()).where(repairs)).all()
    percent = shares(session, office.id)
    times = deadlines.DueTimes(session, DeadlineKind.RETURN_VISIT)
    result = []
    for role in SamplingRole:
        members = _members(session, office.id, role)
        if not members:
            result.append(Draw(role, 0, missing_staff=True))
            continue
        groups = ({person: [cid for cid, owner in pool if owner == person] for person in members}
                  if role == SamplingRole.REPAIRER else {None: [cid for cid, _owner in pool]})
        already = set(session.scalars(_sampled(role)))
        drawn = 0
        for person, cases in groups.items():
            taken = session.scalar(sa.select(sa.func.count(Visit.id)).where(
                Visit.office_id == office.id, Visit.sampling_role == role, Visit.sample_period == str(period),
                *([Visit.assignee_id == person] if person else [])))
            wanted = required(percent[role], len(cases)) - taken
            seed = f"{office.code}/{period}/{role.name}" + (f"/{person}" if person else "")
            chosen = choose([c for c in cases if c not in already], wanted, seed) if wanted > 0 else []
            for index, complaint_id in enumerate(chosen):
                # The office's and the engineering head's samples go round their people in turn.
                who = person or members[(taken + index) % len(members)]
                rules.plan_case_visit(session, session.get(Complaint, complaint_id), now, times=times,
                                      sampling_role=role, sample_period=str(period), assignee_id=who,
                                      actor_id=actor.user_id,
                                      note=_("Repair sample %(period)s: %(role)s", period=period, role=role.label))
            drawn += len(chosen)
        result.append(Draw(role, drawn))
    return result


@dataclass
class Progress:
    """One person's sample of a period against their share."""

    role: SamplingRole
    user: User
    share: int
    pool: int
    required: int
    assigned: int
    done: int

    @property
    def rate(self) -> float | None:
        return self.done / self.required if self.required else None


def progress(session: Session, office_id: int, period: Period) -> list[Progress]:
    """Each visiting person's progress for the period: the repairs their share applies to, how
    many it asks for, how many were drawn for them and how many they have visited."""
    repairs = _repairs(office_id, period)
    total = session.scalar(sa.select(sa.func.count(Complaint.id)).where(repairs))
    own = dict(session.execute(sa.select(_repairer(), sa.func.count(Complaint.id)).where(repairs)
                               .group_by(_repairer())).all())
    counts = {(role, user_id): (assigned, done) for role, user_id, assigned, done in session.execute(
        sa.select(Visit.sampling_role, Visit.assignee_id, sa.func.count(Visit.id),
                  sa.func.sum(sa.case((Visit.status.in_([VisitStatus.COMPLETED, VisitStatus.UNREACHABLE]), 1),
                                      else_=0)))
        .where(Visit.office_id == office_id, Visit.sample_period == str(period), Visit.sampling_role.is_not(None))
        .group_by(Visit.sampling_role, Visit.assignee_id))}
    percent = shares(session, office_id)
    rows = []
    staff = session.execute(sa.select(VisitingStaff.role, User).join(User, User.id == VisitingStaff.user_id)
                            .where(VisitingStaff.office_id == office_id)
                            .order_by(VisitingStaff.role, VisitingStaff.user_id)).all()
    members = {}
    for role, user in staff:
        members.setdefault(role, []).append(user)
    for role in SamplingRole:
        people = members.get(role, [])
        for position, user in enumerate(people):
            if role == SamplingRole.REPAIRER:
                pool = own.get(user.id, 0)
                wanted = required(percent[role], pool)
            else:
                # The role's share is split among its people in turn (as the draw assigns it).
                pool = total
                whole = required(percent[role], total)
                wanted = whole // len(people) + (1 if position < whole % len(people) else 0)
            assigned, done = counts.get((role, user.id), (0, 0))
            rows.append(Progress(role, user, percent[role], pool, wanted, assigned, int(done or 0)))
    return rows
