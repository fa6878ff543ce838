"""The complaint workflow: states, transitions and who may do what.

Plain Python over a SQLAlchemy session. Screens, the REST API, the CLI and the scheduler all
call these functions; none of them re-implements a rule. Every change checks permission and
state, changes the complaint and appends one event, in one transaction: on any error the
transaction is rolled back and nothing changes.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from app.core import clock
from app.core.enums import Tier

# The errors and the acting user are shared by every domain; the workflow raises and reads them.
from app.core.errors import (  # noqa: F401
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StaleCase,
    WorkflowError,
)
from app.core.formatting import person_name
from app.core.models import Office, office_staff
from app.core.params import (
    MAX_YEAR,
    MIN_YEAR,
    has_control_characters,
    parse_datetime,
    parse_id,
)
from app.core.permissions import ALL_OFFICE_ROLES, ROLE_GENERAL_MANAGER, ROLE_SUPERVISOR
from app.core.security import Actor, actor_for_user, tier_of_roles  # noqa: F401
from app.deadlines.enums import DeadlineKind
from app.deadlines.rules import local_midnight_after
from app.notifications import rules as notifications
from app.notifications.enums import NotificationKind

from . import deadlines
from .enums import EventKind, Status, Urgency, Validity
from .formatting import FIELD_LABELS, event_note
from .models import CaseCounter, Category, Complainant, Complaint, ComplaintEvent

# Passed as expected_version by callers that act on the case as it is now, with no form the
# user loaded (bulk actions, the deadline sweep, the CLI, demo data). Screens always pass the
# version their form carried; a missing one is refused like a stale one.
ANY_VERSION = object()

# ---------------------------------------------------------------------------------------
# Who is acting
# ---------------------------------------------------------------------------------------


def system_actor() -> Actor:
    """The actor for changes made by the system itself (no request, no user)."""
    return Actor(None, "system", frozenset(ACTIONS) | {"read", "write"}, Tier.GENERAL_MANAGER, None)


def visible_clause(actor: Actor):
    """SQL condition limiting complaints to the actor's offices."""
    if actor.office_ids is None:
        return sa.true()
    return Complaint.office_id.in_(sorted(actor.office_ids)) if actor.office_ids else sa.false()


def unfinished_clause():
    """SQL condition: the case is neither closed nor voided. The states are written into the
    SQL (not bound), so that both databases match it to the partial indexes over open cases."""
    return Complaint.status.not_in(sa.bindparam("finished", [Status.CLOSED, Status.VOIDED], expanding=True,
                                                literal_execute=True, type_=Complaint.status.type))


def queue_clause(actor: Actor):
    """SQL condition of "my queue": unfinished, and assigned to me or waiting at my tier."""
    return sa.and_(unfinished_clause(),
                   sa.or_(Complaint.assignee_id == actor.user_id, Complaint.tier == actor.tier))


def due_today_clause(now: datetime):
    """SQL condition: nothing missed, and the next deadline falls between now and the end of
    the company's local day."""
    end_of_today = local_midnight_after(clock.local(now).date())
    due = Complaint.next_due_at.type
    return sa.and_(Complaint.overdue_since.is_(None), Complaint.next_due_at > sa.literal(now, due),
                   Complaint.next_due_at < sa.literal(end_of_today, due))


def load(session: Session, actor: Actor, complaint_id, for_update: bool = False, options=()) -> Complaint:
    """Load a visible complaint or raise NotFound; optionally lock its row until commit.
    `options` are loader options (e.g. the people a detail page shows, in the same query)."""
    complaint_id = parse_id(complaint_id)
    if complaint_id is None:
        raise NotFound(_("Complaint not found."))
    stmt = sa.select(Complaint).where(Complaint.id == complaint_id, visible_clause(actor)).options(*options)
    if for_update:
        # Lock only the complaint row (its eager-loaded relations are outer joins).
        stmt = stmt.with_for_update(of=Complaint)
    complaint = session.scalars(stmt).one_or_none()
    if complaint is None:
        raise NotFound(_("Complaint not found."))
    return complaint


# ---------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------


class Action(str, enum.Enum):
    """A workflow action; its value is also its permission name (can_<value>)."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    START_INVESTIGATION = "start_investigation"
    PROPOSE_PLAN = "propose_plan"
    APPROVE_PLAN = "approve_plan"
    SEND_BACK_PLAN = "send_back_plan"
    RECORD_PROGRESS = "record_progress"
    RECORD_FEEDBACK = "record_feedback"
    RESOLVE = "resolve"
    RECORD_CONFIRMATION = "record_confirmation"
    ESCALATE = "escalate"
    APPEAL = "appeal"
    MARK_VALIDITY = "mark_validity"
    CLOSE = "close"
    VOID = "void"
    RECORD_ON_SITE = "record_on_site"
    PAUSE_CLOCK = "pause_clock"
    RESUME_CLOCK = "resume_clock"
    RECORD_REPEAT_CALL = "record_repeat_call"
    CORRECT_COMPLAINANT = "correct_complainant"

    @property
    def label(self):
        return ACTIONS[self.value].label


@dataclass
class _Context:
    session: Session
    actor: Actor
    complaint: Complaint
    params: dict
    now: datetime

    @property
    def deadlines(self) -> deadlines.DeadlineTracker:
        if not hasattr(self, "_deadlines"):
            self._deadlines = deadlines.DeadlineTracker(self.session)
        return self._deadlines


@dataclass(frozen=True)
class ActionSpec:
    label: object
    allowed_from: frozenset
    handler: Callable[[_Context], tuple]
    params: tuple = ()
    # Those of `params` the action cannot do without (its handler refuses it without them).
    required: tuple = ()
    # Whether the actor's tier must reach the case's tier. Customer service stays on the
    # case at every tier ("客服以第三方身份出现", domain.md: Who works in it).
    needs_tier: bool = True
    applies: Callable[[Complaint], bool] = lambda c: True


OPEN = frozenset(Status.open_states())
FINAL = frozenset({Status.CLOSED, Status.VOIDED})


def _text(ctx: _Context, name: str, label) -> str:
    # Checked before stripping: str.strip() also removes the separators \x1c-\x1f.
    raw = ctx.params.get(name)
    value = _plain(name, raw).strip() if isinstance(raw, str) else ""
    if not value:
        raise InvalidInput(_("%(field)s is required.", field=label), {name: _("This field is required.")})
    return value


def _note(ctx: _Context) -> str:
    """The optional note of an action."""
    note = ctx.params.get("note")
    return _plain("note", note).strip() if isinstance(note, str) else ""


def _plain(name: str, value):
    """Refuse text holding NUL or another control character (tab and line breaks are fine):
    PostgreSQL cannot store NUL, so it would fail at commit instead of being refused."""
    if isinstance(value, str) and has_control_characters(value):
        raise InvalidInput(_("Text cannot contain control characters."), {name: _("Remove the control characters.")})
    return value


def _staff_of_office(session: Session, office_id: int, user_id, name: str) -> User:
    """The active staff member `user_id` names who may be named on a case of the office (as
    assignee, plan owner or respondent): a member of the office, or an all-office role."""
    user_id = parse_id(user_id)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active:
        raise InvalidInput(_("Choose an active staff member."), {name: _("Choose an active staff member.")})
    roles = {r.name for r in user.roles}
    in_office = session.scalar(
        sa.select(sa.func.count()).select_from(office_staff).where(
            office_staff.c.user_id == user.id, office_staff.c.office_id == office_id)
    )
    if not in_office and not roles & ALL_OFFICE_ROLES:
        raise InvalidInput(_("%(user)s does not work at this office.", user=person_name(user)),
                           {name: _("Not a member of the case's office.")})
    return user


# Other domains name staff on a case's office the same way (a rectification notice's person).
staff_of_office = _staff_of_office


def _user_of_office(ctx: _Context, user_id, name: str) -> User:
    """A staff user who may hold the case: a member of its office, or an all-office role."""
    return _staff_of_office(ctx.session, ctx.complaint.office_id, user_id, name)


def _acknowledge(ctx):
    ctx.complaint.status = Status.ACKNOWLEDGED
    ctx.complaint.acknowledged_at = ctx.now
    ctx.deadlines.meet(ctx.complaint, [DeadlineKind.ACKNOWLEDGE], ctx.now)
    return EventKind.ACKNOWLEDGED, _note(ctx)


def _assign(ctx):
    user = _user_of_office(ctx, ctx.params.get("assignee_id"), "assignee_id")
    if tier_of_roles(r.name for r in user.roles) != ctx.complaint.tier:
        raise InvalidInput(
            _("The assignee must work at the case's tier (%(tier)s).", tier=Tier(ctx.complaint.tier).label),
            {"assignee_id": _("Not a handler of this tier.")})
    ctx.complaint.assignee_id = user.id
    return EventKind.ASSIGNED, person_name(user)


def _start_investigation(ctx):
    ctx.complaint.status = Status.INVESTIGATING
    ctx.complaint.investigation_started_at = ctx.now
    ctx.deadlines.meet(ctx.complaint, [DeadlineKind.INVESTIGATION], ctx.now)
    return EventKind.INVESTIGATION_STARTED, _note(ctx)


def _propose_plan(ctx):
    measures = _text(ctx, "measures", _("Measures"))
    deadline = ctx.params.get("deadline")
    if not isinstance(deadline, datetime) or deadline.tzinfo is None:
        raise InvalidInput(_("Give the plan's deadline."), {"deadline": _("This field is required.")})
    if deadline <= ctx.now:
        raise InvalidInput(_("The plan's deadline must be in the future."),
                           {"deadline": _("Must be in the future.")})
    # As parse_datetime: a later year is a typing mistake, and the calendar's end overflows
    # when the deadline is shown in local time.
    if deadline.year > MAX_YEAR:
        raise InvalidInput(_("The plan's deadline must be no later than %(year)d.", year=MAX_YEAR),
                           {"deadline": _("Too far in the future.")})
    owner = _user_of_office(ctx, ctx.params.get("owner_id"), "owner_id")
    c = ctx.complaint
    c.plan_measures, c.plan_deadline, c.plan_owner_id = measures, deadline, owner.id
    c.status, c.plan_proposed_at = Status.PLAN_PROPOSED, ctx.now
    return EventKind.PLAN_PROPOSED, _("%(measures)s (owner %(owner)s, by %(deadline)s)",
                                      measures=measures, owner=person_name(owner),
                                      deadline=format_datetime(deadline, "yyyy-MM-dd HH:mm"))


def _approve_plan(ctx):
    ctx.complaint.status, ctx.complaint.plan_approved_at = Status.PLAN_APPROVED, ctx.now
    return EventKind.PLAN_APPROVED, _note(ctx)


def _send_back_plan(ctx):
    note = _text(ctx, "note", _("Note"))
    ctx.complaint.status = Status.INVESTIGATING
    return EventKind.PLAN_SENT_BACK, note


def _record_progress(ctx):
    note = _text(ctx, "note", _("Note"))
    ctx.complaint.status = Status.IN_PROGRESS
    return EventKind.PROGRESS, note


def _record_feedback(ctx):
    note = _text(ctx, "note", _("Note"))
    if ctx.complaint.first_feedback_at is None:
        ctx.complaint.first_feedback_at = ctx.now
    ctx.deadlines.meet(ctx.complaint, [DeadlineKind.FIRST_FEEDBACK], ctx.now)
    return EventKind.FEEDBACK, note


def _resolve(ctx):
    result = _text(ctx, "result", _("Result"))
    c = ctx.complaint
    # A simple complaint solved on the spot goes straight to resolved (domain.md: Handling).
    c.on_the_spot = c.status == Status.RECEIVED
    c.resolution, c.status, c.resolved_at = result, Status.RESOLVED, ctx.now
    # The result reaches the complainant; steps not taken before it no longer apply.
    ctx.deadlines.meet(c, [DeadlineKind.RESOLUTION, DeadlineKind.FIRST_FEEDBACK], ctx.now)
    ctx.deadlines.cancel(c, [DeadlineKind.ACKNOWLEDGE, DeadlineKind.INVESTIGATION, DeadlineKind.ON_SITE], ctx.now)
    ctx.deadlines.start(c, deadlines.FROM_RESOLUTION, ctx.now)
    return EventKind.RESOLVED, result


def _record_confirmation(ctx):
    satisfied = ctx.params.get("satisfied")
    if satisfied not in (True, False):
        raise InvalidInput(_("Say whether the complainant is satisfied."),
                           {"satisfied": _("This field is required.")})
    note = _note(ctx)
    c = ctx.complaint
    ctx.deadlines.meet(c, [DeadlineKind.CONFIRMATION], ctx.now)
    if satisfied:
        c.status, c.confirmed_at = Status.CONFIRMED, ctx.now
        return EventKind.CONFIRMED, note
    # Not satisfied: handle again until satisfied (domain.md: Handling, seed 000).
    if not note:
        raise InvalidInput(_("Record why the complainant is not satisfied."),
                           {"note": _("This field is required.")})
    c.status, c.resolved_at = Status.IN_PROGRESS, None
    ctx.deadlines.cancel(c, [DeadlineKind.RETURN_VISIT], ctx.now)
    ctx.deadlines.start(c, [DeadlineKind.RESOLUTION], ctx.now)
    return EventKind.NOT_SATISFIED, note


def _escalate(ctx):
    reason = _text(ctx, "reason", _("Reason"))
    _raise_tier(ctx.deadlines, ctx.complaint, ctx.complaint.tier + 1, ctx.now)
    return EventKind.ESCALATED, reason


def _appeal(ctx):
    note = _text(ctx, "note", _("Note"))
    c = ctx.complaint
    # An appeal reopens the case a tier up (domain.md: Handling).
    if c.tier < Tier.GENERAL_MANAGER:
        _raise_tier(ctx.deadlines, c, c.tier + 1, ctx.now)
    c.status = Status.INVESTIGATING
    c.resolved_at = c.confirmed_at = c.closed_at = None
    ctx.deadlines.cancel(c, deadlines.FROM_RESOLUTION, ctx.now)
    ctx.deadlines.start(c, [DeadlineKind.RESOLUTION], ctx.now)
    return EventKind.APPEALED, note


def _mark_validity(ctx):
    raw = ctx.params.get("validity")
    try:
        validity = raw if isinstance(raw, Validity) else Validity[str(raw).upper()]
    except KeyError:
        validity = None
    if validity not in (Validity.VALID, Validity.INVALID):
        raise InvalidInput(_("Choose valid or invalid."), {"validity": _("Choose valid or invalid.")})
    if validity == ctx.complaint.validity:
        raise IllegalTransition(_("The complaint is already marked %(validity)s.", validity=validity.label))
    ctx.complaint.validity = validity
    note = _note(ctx)
    return EventKind.VALIDITY, f"{validity.label}{': ' + note if note else ''}"


def _close(ctx):
    _close_case(ctx.deadlines, ctx.complaint, ctx.now)
    return EventKind.CLOSED, _note(ctx)


def _close_case(tracker: deadlines.DeadlineTracker, complaint: Complaint, now: datetime) -> None:
    complaint.status, complaint.closed_at = Status.CLOSED, now
    # A closed case still gets its return visit (domain.md: Handling).
    tracker.cancel(complaint, [k for k in DeadlineKind if k != DeadlineKind.RETURN_VISIT], now)


def _void(ctx):
    reason = _text(ctx, "reason", _("Reason"))
    c = ctx.complaint
    c.status, c.voided_at, c.void_reason = Status.VOIDED, ctx.now, reason
    ctx.deadlines.cancel(c, list(DeadlineKind), ctx.now)
    return EventKind.VOIDED, reason


def _record_on_site(ctx):
    ctx.complaint.on_site_at = ctx.now
    ctx.deadlines.meet(ctx.complaint, [DeadlineKind.ON_SITE], ctx.now)
    return EventKind.ON_SITE, _note(ctx)


def _pause_clock(ctx):
    # While the case waits on the resident (domain: deadlines pause with a reason).
    reason = _text(ctx, "reason", _("Reason"))
    ctx.deadlines.pause(ctx.complaint, ctx.now)
    return EventKind.CLOCK_PAUSED, reason


def _resume_clock(ctx):
    moved = ctx.deadlines.resume(ctx.complaint, ctx.now)
    note = _note(ctx)
    return EventKind.CLOCK_RESUMED, _("Resolution deadline moved by %(time)s.", time=format_timedelta(moved)) + \
        (f" {note}" if note else "")


def _record_repeat_call(ctx):
    # The resident called again about this case: one more event on it, not a second case, so
    # reports count the call (reports.rules.RETURN_EVENTS) and the repeat-complaint figure
    # does not count a duplicate.
    return EventKind.REPEAT_CALL, _text(ctx, "note", _("Note"))


# The complainant's details an action may correct: parameter → (attribute, longest length).
COMPLAINANT_DETAILS = {"complainant_name": ("name", 50), "complainant_room": ("room", 30),
                       "complainant_phone": ("phone", 30)}
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]*$")


def _correct_complainant(ctx):
    """Correct the name, room or phone taken at intake. The case is linked to the resident with
    the corrected details (found or added, as at intake); other cases of the old record keep it,
    and the event keeps the old values."""
    c = ctx.complaint
    current = c.complainant
    values = {}
    for param, (attribute, longest) in COMPLAINANT_DETAILS.items():
        raw = ctx.params.get(param)
        value = _plain(param, raw.strip()) if isinstance(raw, str) else getattr(current, attribute)
        if len(value) > longest:
            raise InvalidInput(_("%(field)s is too long.", field=FIELD_LABELS[param]),
                               {param: _("At most %(n)d characters.", n=longest)})
        values[param] = value
    if not values["complainant_name"]:
        raise InvalidInput(_("%(field)s is required.", field=FIELD_LABELS["complainant_name"]),
                           {"complainant_name": _("This field is required.")})
    if not PHONE_PATTERN.match(values["complainant_phone"]):
        raise InvalidInput(_("Digits, spaces and + - ( ) only."),
                           {"complainant_phone": _("Digits, spaces and + - ( ) only.")})
    changes = [(param, getattr(current, attribute), values[param])
               for param, (attribute, _longest) in COMPLAINANT_DETAILS.items()
               if getattr(current, attribute) != values[param]]
    if not changes:
        raise InvalidInput(_("The complainant's details are unchanged: nothing to correct."),
                           {"complainant_name": _("Change a detail to correct it.")})
    c.complainant = find_or_add_complainant(ctx.session, c.office_id, values["complainant_name"],
                                            values["complainant_room"], values["complainant_phone"])
    note = "; ".join(f"{FIELD_LABELS[param]}: {old or '—'} → {new or '—'}" for param, old, new in changes)
    return EventKind.COMPLAINANT_CORRECTED, note


def _raise_tier(scheduler: deadlines.DeadlineTracker, complaint: Complaint, tier: int, now: datetime) -> None:
    complaint.tier = int(tier)
    complaint.escalated_at = now
    # The new tier assigns its own handler and gets a full resolution limit of its own.
    complaint.assignee_id = None
    if scheduler.resolution_running(complaint) or scheduler.resolution_paused(complaint):
        scheduler.start(complaint, [DeadlineKind.RESOLUTION], now)


ACTIONS: dict[str, ActionSpec] = {
    "acknowledge": ActionSpec(_l("Confirm receipt"), frozenset({Status.RECEIVED}), _acknowledge, ("note",),
                             needs_tier=False),
    "assign": ActionSpec(_l("Assign"), OPEN, _assign, ("assignee_id",), ("assignee_id",)),
    "start_investigation": ActionSpec(_l("Start investigation"), frozenset({Status.ACKNOWLEDGED}),
                                      _start_investigation, ("note",)),
    "propose_plan": ActionSpec(_l("Propose plan"), frozenset({Status.INVESTIGATING}), _propose_plan,
                               ("measures", "deadline", "owner_id"), ("measures", "deadline", "owner_id")),
    "approve_plan": ActionSpec(_l("Approve plan"), frozenset({Status.PLAN_PROPOSED}), _approve_plan, ("note",)),
    "send_back_plan": ActionSpec(_l("Send plan back"), frozenset({Status.PLAN_PROPOSED}), _send_back_plan,
                                 ("note",), ("note",)),
    "record_progress": ActionSpec(_l("Record progress"), frozenset({Status.PLAN_APPROVED, Status.IN_PROGRESS}),
                                  _record_progress, ("note",), ("note",)),
    "record_feedback": ActionSpec(_l("Record feedback to complainant"), OPEN | {Status.RESOLVED},
                                  _record_feedback, ("note",), ("note",), needs_tier=False),
    "resolve": ActionSpec(_l("Resolve"), frozenset({Status.RECEIVED, Status.PLAN_APPROVED, Status.IN_PROGRESS}),
                          _resolve, ("result",), ("result",)),
    "record_confirmation": ActionSpec(_l("Record complainant's confirmation"), frozenset({Status.RESOLVED}),
                                      _record_confirmation, ("satisfied", "note"), ("satisfied",),
                                      needs_tier=False),
    "escalate": ActionSpec(_l("Escalate"), OPEN, _escalate, ("reason",), ("reason",),
                           applies=lambda c: c.tier < Tier.GENERAL_MANAGER),
    "appeal": ActionSpec(_l("Record appeal"), frozenset({Status.RESOLVED, Status.CONFIRMED, Status.CLOSED}),
                         _appeal, ("note",), ("note",), needs_tier=False),
    "mark_validity": ActionSpec(_l("Mark validity"), frozenset(Status) - FINAL, _mark_validity,
                                ("validity", "note"), ("validity",)),
    # An invalid complaint may be closed from any open state once explained to the resident.
    "close": ActionSpec(_l("Close"), frozenset(Status) - FINAL, _close, ("note",),
                        applies=lambda c: c.status == Status.CONFIRMED or c.validity == Validity.INVALID),
    "void": ActionSpec(_l("Void"), frozenset(Status) - FINAL, _void, ("reason",), ("reason",)),
    # Offered where an on-site limit runs (emergencies, repairs).
    "record_on_site": ActionSpec(_l("Record arrival on site"), OPEN, _record_on_site, ("note",), needs_tier=False,
                                 applies=lambda c: c.on_site_at is None and _running(c, DeadlineKind.ON_SITE)),
    "pause_clock": ActionSpec(_l("Pause the clock"), OPEN, _pause_clock, ("reason",), ("reason",),
                              applies=lambda c: _resolution_state(c) == "running"),
    "resume_clock": ActionSpec(_l("Resume the clock"), OPEN, _resume_clock, ("note",),
                               applies=lambda c: _resolution_state(c) == "paused"),
    # The resident calls again about an open case (intake's caller history).
    "record_repeat_call": ActionSpec(_l("Record repeat call"), OPEN, _record_repeat_call, ("note",), ("note",),
                                     needs_tier=False),
    "correct_complainant": ActionSpec(_l("Correct complainant details"), frozenset(Status) - FINAL,
                                      _correct_complainant, tuple(COMPLAINANT_DETAILS), needs_tier=False),
}


def _running(complaint: Complaint, kind: DeadlineKind) -> bool:
    return any(d.kind == kind and d.pending for d in complaint.deadlines)


def _resolution_state(complaint: Complaint) -> str | None:
    row = next((d for d in complaint.deadlines if d.kind == DeadlineKind.RESOLUTION and d.pending), None)
    return None if row is None else "paused" if row.paused_at is not None else "running"


def _refusal(actor: Actor, complaint: Complaint, name: str) -> WorkflowError | None:
    """Why `actor` may not run action `name` on `complaint` now, or None if they may."""
    spec = ACTIONS.get(name)
    if spec is None:
        return IllegalTransition(_("Unknown action."))
    if not actor.sees_office(complaint.office_id):
        return NotFound(_("Complaint not found."))
    if not actor.may(name):
        return Forbidden(_("Your role may not %(action)s.", action=spec.label))
    if spec.needs_tier and actor.tier < complaint.tier:
        return Forbidden(_("This case is handled at %(tier)s; your role handles lower tiers.",
                           tier=Tier(complaint.tier).label))
    if complaint.status not in spec.allowed_from or not spec.applies(complaint):
        return IllegalTransition(_("Cannot %(action)s a case that is %(status)s.",
                                   action=spec.label, status=complaint.status.label))
    if name == Action.CLOSE.value:
        waiting = closing_waits_for(complaint)
        if waiting:
            return IllegalTransition(waiting)
    return None


def available_actions(actor: Actor, complaint: Complaint) -> list[Action]:
    """The actions `actor` may take on `complaint` right now, in workflow order."""
    return [Action(n) for n in ACTIONS if _refusal(actor, complaint, n) is None]


# The step that usually comes next in each state (domain.md: Handling), most pressing first:
# staff on site before anything else while an emergency's arrival clock runs.
USUAL_NEXT = {
    Status.RECEIVED: (Action.RECORD_ON_SITE, Action.ACKNOWLEDGE),
    Status.ACKNOWLEDGED: (Action.RECORD_ON_SITE, Action.START_INVESTIGATION),
    Status.INVESTIGATING: (Action.RECORD_ON_SITE, Action.PROPOSE_PLAN),
    Status.PLAN_PROPOSED: (Action.RECORD_ON_SITE, Action.APPROVE_PLAN),
    Status.PLAN_APPROVED: (Action.RECORD_ON_SITE, Action.RECORD_PROGRESS),
    Status.IN_PROGRESS: (Action.RECORD_ON_SITE, Action.RESOLVE),
    Status.RESOLVED: (Action.RECORD_CONFIRMATION,),
    Status.CONFIRMED: (Action.MARK_VALIDITY, Action.CLOSE),
}


def usual_next_action(complaint: Complaint, available: list[Action]) -> Action | None:
    """Of the actions available now, the one that usually comes next, or None. Validity is
    marked once, before closing."""
    for action in USUAL_NEXT.get(complaint.status, ()):
        if action == Action.MARK_VALIDITY and complaint.validity != Validity.PENDING:
            continue
        if action in available:
            return action
    return None


def perform(session: Session, actor: Actor, complaint_id, action: str, *, expected_version=ANY_VERSION,
            now: datetime | None = None, **params) -> Complaint:
    """Run one workflow action on a case in one transaction, or raise and change nothing."""
    name = action.value if isinstance(action, Action) else str(action)
    try:
        complaint = load(session, actor, complaint_id, for_update=True)
        _check_version(session, complaint, expected_version)
        refusal = _refusal(actor, complaint, name)
        if refusal:
            raise refusal
        ctx = _Context(session, actor, complaint, params, now or clock.now())
        from_status, from_tier = complaint.status, complaint.tier
        kind, note = ACTIONS[name].handler(ctx)
        _record(session, actor, complaint, kind, note, from_status, from_tier, ctx.now)
        for listener in _AFTER_ACTION:
            listener(session, actor, complaint, name, ctx.now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return complaint


# ---------------------------------------------------------------------------------------
# Return visits: what a visit does to its case (the visits domain, above this package, calls
# these in its own transaction and registers what it adds to the actions)
# ---------------------------------------------------------------------------------------

# Run after every action, before its commit: (session, actor, complaint, action name, now).
_AFTER_ACTION: list[Callable] = []
# Each says why a case may not close yet (a message), or None: (complaint).
_CLOSING_CONDITIONS: list[Callable[[Complaint], str | None]] = []


def after_action(listener: Callable) -> Callable:
    """Register a listener run after every workflow action, in its transaction (e.g. plan the
    return visit when a case is resolved)."""
    if listener not in _AFTER_ACTION:
        _AFTER_ACTION.append(listener)
    return listener


def closing_condition(check: Callable) -> Callable:
    """Register a condition a case must meet before it may close (e.g. a signed return visit,
    where the office requires one)."""
    if check not in _CLOSING_CONDITIONS:
        _CLOSING_CONDITIONS.append(check)
    return check


def closing_waits_for(complaint: Complaint) -> str | None:
    """Why the case may not close yet, or None."""
    return next((reason for reason in (check(complaint) for check in _CLOSING_CONDITIONS) if reason), None)


def apply_visit_outcome(session: Session, actor: Actor, complaint: Complaint, satisfied: bool, note: str,
                        now: datetime) -> None:
    """What a signed-off return visit does to its (locked) case, in the caller's transaction.

    Satisfied: the visit is the resident's confirmation — a resolved case becomes confirmed
    and may close, a confirmed one closes. Not satisfied: handle again until satisfied
    (domain.md: Return visits, seed 001) — the case reopens at once, in progress at its tier,
    even if it was closed; from the second dissatisfaction on it also goes one tier up."""
    from_status, from_tier = complaint.status, complaint.tier
    tracker = deadlines.DeadlineTracker(session)
    if satisfied:
        complaint.return_visited_at = now
        if complaint.status == Status.RESOLVED:
            complaint.status, complaint.confirmed_at = Status.CONFIRMED, now
            tracker.meet(complaint, [DeadlineKind.CONFIRMATION], now)
            _record(session, actor, complaint, EventKind.VISIT_SATISFIED, note, from_status, from_tier, now)
        elif complaint.status == Status.CONFIRMED and closing_waits_for(complaint) is None:
            _record(session, actor, complaint, EventKind.VISIT_SATISFIED, note, from_status, from_tier, now)
            _close_case(tracker, complaint, now)
            _record(session, actor, complaint, EventKind.CLOSED, _("Closed after a satisfied return visit."),
                    from_status, from_tier, now)
        else:
            _record(session, actor, complaint, EventKind.VISIT_SATISFIED, note, from_status, from_tier, now)
        return
    complaint.dissatisfied_visits = (complaint.dissatisfied_visits or 0) + 1
    if complaint.status in (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED):
        complaint.status = Status.IN_PROGRESS
        complaint.resolved_at = complaint.confirmed_at = complaint.closed_at = complaint.return_visited_at = None
        tracker.cancel(complaint, deadlines.FROM_RESOLUTION, now)
        tracker.start(complaint, [DeadlineKind.RESOLUTION], now)
    if complaint.dissatisfied_visits >= 2 and complaint.tier < Tier.GENERAL_MANAGER:
        _raise_tier(tracker, complaint, complaint.tier + 1, now)
    _record(session, actor, complaint, EventKind.VISIT_NOT_SATISFIED, note, from_status, from_tier, now)


def note_visit_unreachable(session: Session, actor: Actor, complaint: Complaint, reason: str,
                           now: datetime) -> None:
    """Log on the case that its return visit was closed as unreachable (state unchanged)."""
    log_event(session, actor, complaint, EventKind.VISIT_UNREACHABLE, reason, now)


# ---------------------------------------------------------------------------------------
# Intake and edits
# ---------------------------------------------------------------------------------------

EDITABLE_FIELDS = ("channel", "category_id", "urgency", "grade", "respondent_id", "respondent_department",
                   "description")


INTAKE_FIELDS = EDITABLE_FIELDS + ("office_id", "received_at")


def open_case(session: Session, actor: Actor, intake: dict, now: datetime | None = None,
              commit: bool = True) -> Complaint:
    """Register a complaint from intake values (form or API) and commit it (or only flush it,
    for a caller that commits it with work of its own).

    `intake` holds the editable fields, office_id, received_at and the complainant's
    complainant_name / complainant_room / complainant_phone."""
    now = now or clock.now()
    try:
        for key, value in intake.items():
            _plain(key, value)
        name = (intake.get("complainant_name") or "").strip()
        if not name:
            raise InvalidInput(_("%(field)s is required.", field=_("Complainant")),
                               {"complainant_name": _("This field is required.")})
        complaint = Complaint(**{k: intake.get(k) for k in INTAKE_FIELDS if intake.get(k) is not None})
        _check_intake(session, actor, complaint, now)
        complaint.complainant = find_or_add_complainant(
            session, complaint.office_id, name, intake.get("complainant_room") or "",
            intake.get("complainant_phone") or "")
        register(session, actor, complaint, now=now)
        session.commit() if commit else session.flush()
    except Exception:
        session.rollback()
        raise
    return complaint


def _check_intake(session: Session, actor: Actor, complaint: Complaint, now: datetime) -> None:
    """Refuse a new complaint the actor may not register or whose values name nothing valid;
    give its references as ids."""
    if not actor.may("write"):
        raise Forbidden(_("Your role may not register complaints."))
    office_id = parse_id(complaint.office_id)
    office = session.get(Office, office_id) if office_id is not None and actor.sees_office(office_id) else None
    if office is None or not office.active:
        raise InvalidInput(_("Choose one of your offices."), {"office_id": _("Choose one of your offices.")})
    complaint.office_id = office.id
    if not (complaint.description or "").strip():
        raise InvalidInput(_("%(field)s is required.", field=_("Description")),
                           {"description": _("This field is required.")})
    if complaint.received_at is not None and parse_datetime(complaint.received_at) is None:
        # The ends of the calendar overflow on their way to UTC; no complaint is that old.
        raise InvalidInput(_("The time received is not a date this system can take."),
                           {"received_at": _("Enter a date between %(first)d and %(last)d.", first=MIN_YEAR,
                                             last=MAX_YEAR)})
    if complaint.received_at is not None and complaint.received_at > now:
        raise InvalidInput(_("The time received cannot be in the future."),
                           {"received_at": _("Cannot be in the future.")})
    references = {"category_id": complaint.category_id, "respondent_id": complaint.respondent_id}
    for name, value in _checked_references(session, office.id, references).items():
        setattr(complaint, name, value)


def _checked_references(session: Session, office_id: int, values: dict) -> dict:
    """`values` with the category and respondent they name checked and given as ids: the
    category must exist and be active, the respondent must be active staff of the office.
    Only the names present are checked (an edit checks what it changes)."""
    checked = dict(values)
    if "category_id" in values:
        category_id = parse_id(values["category_id"])
        category = session.get(Category, category_id) if category_id is not None else None
        if category is None or not category.active:
            raise InvalidInput(_("Choose an active category."), {"category_id": _("Choose an active category.")})
        checked["category_id"] = category.id
    if values.get("respondent_id") not in (None, ""):
        checked["respondent_id"] = _staff_of_office(session, office_id, values["respondent_id"], "respondent_id").id
    elif "respondent_id" in values:
        checked["respondent_id"] = None
    return checked


def find_or_add_complainant(session: Session, office_id: int, name: str, room: str, phone: str) -> Complainant:
    """The office's resident with this name and phone (or room), or a new one."""
    stmt = sa.select(Complainant).where(Complainant.office_id == office_id, Complainant.name == name)
    stmt = stmt.where(Complainant.phone == phone) if phone else stmt.where(Complainant.room == room)
    found = session.scalars(stmt.limit(1)).first()
    if found:
        if room and found.room != room:
            found.room = room
        return found
    complainant = Complainant(office_id=office_id, name=name, room=room, phone=phone)
    session.add(complainant)
    return complainant


def register(session: Session, actor: Actor, complaint: Complaint, now: datetime | None = None) -> Complaint:
    """Register a new complaint (not yet flushed, checked by _check_intake): number it, start
    it at tier 1 and log it.

    The caller commits, so intake through a form or the API is one transaction."""
    now = now or clock.now()
    if complaint.received_at is None:
        complaint.received_at = now
    office = session.get(Office, complaint.office_id)
    complaint.case_number = next_case_number(session, office, complaint.received_at)
    complaint.status = Status.RECEIVED
    complaint.tier = Tier.CUSTOMER_SERVICE
    complaint.validity = complaint.validity or Validity.PENDING
    complaint.created_by_id = actor.user_id
    complaint.updated_at = now
    complaint.version = 0
    session.add(complaint)
    _record(session, actor, complaint, EventKind.REGISTERED, "", None, None, now, to_status=Status.RECEIVED)
    scheduler = deadlines.DeadlineTracker(session)
    scheduler.start(complaint, deadlines.FROM_REGISTRATION, complaint.received_at)
    _apply_grade_rule(scheduler, session, actor, complaint, now)
    _alert_emergency(session, complaint, now)
    return complaint


def _alert_emergency(session: Session, complaint: Complaint, now: datetime) -> None:
    """An emergency reaches the office's supervisors the moment it is registered (or
    reclassified as one): the emergency procedure starts at once (domain.md: Classification)."""
    if complaint.urgency != Urgency.EMERGENCY:
        return
    session.flush()  # the case's id
    supervisors = (
        sa.select(office_staff.c.user_id, sa.literal(complaint.id), sa.null())
        .join(User, User.id == office_staff.c.user_id)
        .join(assoc_user_role, assoc_user_role.c.user_id == User.id)
        .join(Role, Role.id == assoc_user_role.c.role_id)
        .where(office_staff.c.office_id == complaint.office_id, User.active.is_(True), Role.name == ROLE_SUPERVISOR)
        .distinct())
    notifications.send(session, supervisors, NotificationKind.EMERGENCY, now)


def update_details(session: Session, actor: Actor, complaint_id, changes: dict, *, expected_version=ANY_VERSION,
                   now: datetime | None = None) -> Complaint:
    """Change a case's descriptive fields; a grade change may raise its tier."""
    now = now or clock.now()
    try:
        complaint = load(session, actor, complaint_id, for_update=True)
        _check_version(session, complaint, expected_version)
        if not actor.may("write"):
            raise Forbidden(_("Your role may not edit complaints."))
        if complaint.status in FINAL:
            raise IllegalTransition(_("A %(status)s case can no longer be edited.", status=complaint.status.label))
        if "description" in changes and not (changes["description"] or "").strip():
            raise InvalidInput(_("%(field)s is required.", field=_("Description")),
                               {"description": _("This field is required.")})
        for name, value in changes.items():
            _plain(name, value)
        requested = {name: changes[name] for name in EDITABLE_FIELDS
                     if name in changes and not _same(getattr(complaint, name), changes[name])}
        changed = []
        for name, value in _checked_references(session, complaint.office_id, requested).items():
            if getattr(complaint, name) != value:
                setattr(complaint, name, value)
                changed.append(name)
        if changed:
            from_status, from_tier = complaint.status, complaint.tier
            _record(session, actor, complaint, EventKind.EDITED, ", ".join(changed), from_status, from_tier, now)
            scheduler = deadlines.DeadlineTracker(session)
            if {"category_id", "urgency", "grade"} & set(changed):
                scheduler.recompute(complaint)
            if "grade" in changed:
                _apply_grade_rule(scheduler, session, actor, complaint, now)
            if "urgency" in changed:
                _alert_emergency(session, complaint, now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return complaint


def _same(current, value) -> bool:
    """Whether an edit leaves a field as it is (an id may come as text): only changes are
    checked, so a case keeps a category deactivated since it was registered."""
    return current == value or (isinstance(current, int) and current == parse_id(value))


def _apply_grade_rule(scheduler, session, actor, complaint, now):
    # Major → general manager, important → supervisor (domain.md: Classification).
    if complaint.grade is not None and complaint.tier < complaint.grade.minimum_tier:
        from_tier = complaint.tier
        _raise_tier(scheduler, complaint, complaint.grade.minimum_tier, now)
        _record(session, actor, complaint, EventKind.ESCALATED,
                _("Grade %(grade)s is handled at %(tier)s.", grade=complaint.grade.label,
                  tier=Tier(complaint.tier).label),
                complaint.status, from_tier, now, bump=False)


def next_case_number(session: Session, office: Office, received_at: datetime) -> str:
    """Next case number of the office for the local day, e.g. BJ01-20261122-0007.

    One atomic upsert on a counter row: concurrent intakes never get the same number."""
    day = clock.local(received_at).date()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(CaseCounter).values(office_id=office.id, day=day, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CaseCounter.office_id, CaseCounter.day], set_={"last": CaseCounter.last + 1}
    ).returning(CaseCounter.last)
    number = session.execute(stmt).scalar_one()
    return f"{office.code}-{day:%Y%m%d}-{number:04d}"


# ---------------------------------------------------------------------------------------
# Event log and concurrent edits
# ---------------------------------------------------------------------------------------


def log_event(session, actor, complaint, kind, note, now):
    """Append an event that leaves state and tier as they are (e.g. evidence attached)."""
    _record(session, actor, complaint, kind, note, complaint.status, complaint.tier, now)


def _record(session, actor, complaint, kind, note, from_status, from_tier, now, to_status=None, bump=True):
    """Append one event and move the complaint to its next version."""
    if bump:
        complaint.version = (complaint.version or 0) + 1
        complaint.updated_at = now
    session.add(ComplaintEvent(
        complaint=complaint, at=now, actor_id=actor.user_id, kind=kind, note=note or "",
        from_status=from_status, to_status=to_status or complaint.status,
        from_tier=from_tier, to_tier=complaint.tier, version=complaint.version,
    ))


def _check_version(session: Session, complaint: Complaint, expected_version) -> None:
    """Refuse a change made against an older version, saying what changed since. A change
    that does not say which version it was made against (a form whose version was emptied or
    left out) is refused the same way; only callers passing ANY_VERSION skip the check."""
    if expected_version is ANY_VERSION:
        return
    if expected_version is None or (isinstance(expected_version, str) and not expected_version.strip()):
        raise StaleCase(_("Case %(case)s: your change did not say which version of the case it was made "
                          "against, so it was not saved. Reload the case and try again.",
                          case=complaint.case_number))
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise InvalidInput(_("The form is damaged; reload the page."), {"version": _("Not a number.")}) from None
    if expected == complaint.version:
        return
    # A version outside 0..the case's own (e.g. 2**64, which no database integer holds, so the
    # query would crash) is stale too: clamp it into that range before asking what changed.
    since = min(max(expected, 0), complaint.version)
    events = session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id,
                                        ComplaintEvent.version > since).order_by(ComplaintEvent.id)
    ).all()
    system = _("System")
    changes = "; ".join(
        f"{format_datetime(e.at, 'HH:mm')} {person_name(e.actor) if e.actor else system}: {e.kind.label}"
        + (f" ({event_note(e.kind, e.note)})" if e.note else "")
        for e in events
    )
    raise StaleCase(_("Case %(case)s was changed by someone else after you opened it, so your change was not "
                      "saved: %(changes)s. Review the case and try again.",
                      case=complaint.case_number, changes=changes or _("unknown change")))


def timeline(session: Session, complaint: Complaint) -> list[ComplaintEvent]:
    """The case's events, oldest first."""
    return session.scalars(
        sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.id)
    ).all()


def staff_choices(session: Session, complaint: Complaint, tier: int | None = None) -> list[User]:
    """The people offered to hold the case (assignee, plan owner): the active staff of its
    office and the general managers (those of `tier` only, when given). Administrators may be
    named (the workflow accepts all-office roles) but are not offered: they run the system, not
    cases."""
    members = sa.select(office_staff.c.user_id).where(office_staff.c.office_id == complaint.office_id)
    all_office = sa.select(User.id).join(User.roles).where(Role.name == ROLE_GENERAL_MANAGER)
    users = session.scalars(
        sa.select(User).where(User.active.is_(True), sa.or_(User.id.in_(members), User.id.in_(all_office)))
        .options(joinedload(User.roles)).order_by(User.username)
    ).unique().all()
    return users if tier is None else at_tier(users, tier)


def at_tier(users: list[User], tier: int) -> list[User]:
    """The users whose roles handle `tier` (e.g. who may be assigned a case at that tier)."""
    return [u for u in users if tier_of_roles(r.name for r in u.roles) == tier]
