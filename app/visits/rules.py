"""The rules of return visits, in one place for the screens, the REST API, the CLI and the
sweep: planning a visit when a case is resolved, recording a visit and failed attempts, the
supervisor's "unreachable", the sign-off or confirmation and what satisfaction does to the case
(through the complaint workflow), corrections, rectification notices, routine visits and the
complaints raised at them.

Plain Python over a SQLAlchemy session. Each change checks permission, office and state,
changes and records one event in one transaction: on any error nothing changes."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import Session, object_session

from app.complaints import workflow
from app.complaints.enums import Channel, Status
from app.complaints.models import Complaint
from app.core import clock
from app.core.errors import (
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StaleCase,
)
from app.core.formatting import person_name
from app.core.models import Office
from app.core.params import (
    has_control_characters,
    parse_bool,
    parse_datetime,
    parse_enum,
    parse_id,
)
from app.core.permissions import RESOURCE_VISIT
from app.core.security import (
    Actor,
    actor_for_user,
    complaint_permissions,
    resource_permissions,
)
from app.deadlines.enums import DeadlineKind

from . import deadlines
from .enums import (
    SATISFIED_LEVELS,
    Confirmation,
    RectificationStatus,
    Satisfaction,
    VisitEventKind,
    VisitKind,
    VisitMethod,
    VisitStatus,
)
from .models import (
    RectificationNotice,
    Visit,
    VisitEvent,
    VisitSetting,
    visit_raised_complaint,
)
from .signature import read_signature

# A supervisor may close a visit as unreachable after this many failed attempts (issue: three).
UNREACHABLE_AFTER_ATTEMPTS = 3
# The visit permissions an Actor carries beside the complaint ones: "visit.<name>".
VISIT = "visit."
TEXT_MAX = 5000
FEE_MAX = Decimal("99999999.99")
OPEN_VISIT = (VisitStatus.PLANNED, VisitStatus.RECORDED)
# What a visit records, each a text of at most this many characters.
TEXT_FIELDS = {"person_reached": 100, "rooms": 200, "resident_view": TEXT_MAX, "work_checked": TEXT_MAX,
               "problem_found": TEXT_MAX}


# ---------------------------------------------------------------------------------------
# Who is acting, and what they see
# ---------------------------------------------------------------------------------------


def visit_actor(session: Session, user: User) -> Actor:
    """The Actor of `user` for visits: their complaint permissions (a visit may raise a
    complaint or move a case) and their visit permissions, as "visit.<name>"."""
    permissions = complaint_permissions(user) | {VISIT + p for p in resource_permissions(user, RESOURCE_VISIT)}
    return actor_for_user(session, user, permissions)


def visible_clause(actor: Actor, column=Visit.office_id):
    """SQL condition limiting visits (or notices, by `column`) to the actor's offices."""
    if actor.office_ids is None:
        return sa.true()
    return column.in_(sorted(actor.office_ids)) if actor.office_ids else sa.false()


def queue_clause():
    """SQL condition of the visit queue: visits of cases and notices still to be made or signed
    off (a routine visit is recorded when made)."""
    return sa.and_(Visit.status.in_(OPEN_VISIT), Visit.kind != VisitKind.ROUTINE)


def _load(session: Session, actor: Actor, model, row_id, missing, for_update: bool):
    row_id = parse_id(row_id)
    if row_id is None:
        raise NotFound(missing)
    stmt = sa.select(model).where(model.id == row_id, visible_clause(actor, model.office_id))
    if for_update:
        stmt = stmt.with_for_update(of=model)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(missing)
    return row


def load(session: Session, actor: Actor, visit_id, for_update: bool = False) -> Visit:
    """A visit of the actor's offices, or NotFound; optionally locked until commit."""
    return _load(session, actor, Visit, visit_id, _("Visit not found."), for_update)


def load_notice(session: Session, actor: Actor, notice_id, for_update: bool = False) -> RectificationNotice:
    """A rectification notice of the actor's offices, or NotFound; optionally locked."""
    return _load(session, actor, RectificationNotice, notice_id, _("Rectification notice not found."), for_update)


def _require(actor: Actor, permission: str, label) -> None:
    if not actor.may(VISIT + permission):
        raise Forbidden(_("Your role may not %(action)s.", action=label))


def _check_version(row, expected) -> None:
    """Refuse a change made against an older version of the visit or notice (a form loaded
    before someone else's change); None is "as it is now" (the API's choice)."""
    if expected is None or expected is workflow.ANY_VERSION:
        return
    if str(expected).strip() != str(row.version):
        raise StaleCase(_("Someone changed this record after you opened it, so your change was not saved. "
                          "Reload the page and try again."))


def _transaction(work):
    """Run `work` and commit, or roll back and re-raise: nothing half done."""
    @functools.wraps(work)
    def run(session, *args, **kwargs):
        try:
            result = work(session, *args, **kwargs)
            session.commit()
        except Exception:
            session.rollback()
            raise
        return result
    return run


def _log(session, visit, actor, kind, now, note="", method=None) -> None:
    session.add(VisitEvent(visit=visit, at=now, actor_id=actor.user_id, kind=kind, note=note or "", method=method))


# ---------------------------------------------------------------------------------------
# Input, read once
# ---------------------------------------------------------------------------------------


def _text(values: dict, name: str, label, required=False, limit=TEXT_MAX) -> str | None:
    value = values.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_("%(field)s is not text.", field=label), {name: _("Give text.")})
    # Checked before stripping: str.strip() also removes the separators \x1c-\x1f.
    if value and has_control_characters(value):
        raise InvalidInput(_("Text cannot contain control characters."), {name: _("Remove the control characters.")})
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(_("%(field)s is too long.", field=label),
                           {name: _("Give at most %(n)d characters.", n=limit)})
    if required and not value:
        raise InvalidInput(_("%(field)s is required.", field=label), {name: _("This field is required.")})
    return value or None


def _choice(values: dict, name: str, enum_cls, label, required=True):
    raw = values.get(name)
    if raw in (None, "") and not required:
        return None
    member = parse_enum(enum_cls, raw)
    if member is None:
        raise InvalidInput(_("Choose the %(field)s.", field=label), {name: _("Choose one of the options.")})
    return member


def _fee(values: dict):
    raw = values.get("fee_charged")
    if raw in (None, ""):
        return None
    try:
        fee = Decimal(str(raw).strip())
    except InvalidOperation:
        fee = None
    if isinstance(raw, bool) or fee is None or not fee.is_finite() or fee < 0 or fee > FEE_MAX \
            or fee != fee.quantize(Decimal("0.01")):
        raise InvalidInput(_("Give the fee charged in yuan, e.g. 35.50."),
                           {"fee_charged": _("A sum from 0 to 99999999.99, at most two decimals.")})
    return fee


def _flag(values: dict, name: str):
    raw = values.get(name)
    if raw in (None, ""):
        return None
    flag = parse_bool(raw)
    if flag is None:
        raise InvalidInput(_("Answer yes or no."), {name: _("Answer yes or no.")})
    return flag


def _moment(values: dict, name: str, now: datetime, label) -> datetime:
    raw = values.get(name)
    if raw in (None, ""):
        return now
    moment = parse_datetime(raw)
    if moment is None:
        raise InvalidInput(_("%(field)s is not a date and time this system can take.", field=label),
                           {name: _("Give a date and time.")})
    if moment > now:
        raise InvalidInput(_("%(field)s cannot be in the future.", field=label), {name: _("Cannot be in the future.")})
    return moment


# ---------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------


def plan_case_visit(session: Session, complaint: Complaint, now: datetime, *, times=None, sampling_role=None,
                    sample_period=None, assignee_id=None, actor_id=None, note="") -> Visit:
    """Plan a return visit of a case from `now`, due per the return-visit policies of its
    category and office (within a month; 7 days after a repair, 2 for safety facilities, 3 for
    leaks — domain.md: Deadlines), or a repair sample's visit. The caller commits."""
    times = times or deadlines.DueTimes(session, DeadlineKind.RETURN_VISIT)
    due, remind = times.of(complaint, now)
    visit = Visit(office_id=complaint.office_id, kind=VisitKind.CASE, complaint=complaint,
                  status=VisitStatus.PLANNED, planned_at=now, due_at=due, remind_at=remind, attempts=0,
                  sampling_role=sampling_role, sample_period=sample_period, assignee_id=assignee_id)
    session.add(visit)
    session.add(VisitEvent(visit=visit, at=now, actor_id=actor_id, kind=VisitEventKind.PLANNED, note=note))
    return visit


def _cancel_open_visits(session: Session, actor: Actor, complaint: Complaint, now: datetime, note: str) -> None:
    for visit in session.scalars(sa.select(Visit).where(Visit.complaint_id == complaint.id,
                                                        Visit.status.in_(OPEN_VISIT))):
        visit.status, visit.completed_at = VisitStatus.CANCELLED, now
        _log(session, visit, actor, VisitEventKind.CANCELLED, now, note)


# What a case's action means for its visits (registered with the workflow, which runs it in
# the action's transaction).
@workflow.after_action
def follow_the_case(session: Session, actor: Actor, complaint: Complaint, action: str, now: datetime) -> None:
    """Resolving a case plans its return visit; a case handled again (appeal, not satisfied
    with the result) or voided no longer waits for the visits planned for it."""
    if action == workflow.Action.RESOLVE.value:
        _cancel_open_visits(session, actor, complaint, now, _("A new resolution plans a new visit."))
        plan_case_visit(session, complaint, now)
    elif action in (workflow.Action.APPEAL.value, workflow.Action.RECORD_CONFIRMATION.value,
                    workflow.Action.VOID.value) and complaint.status not in (Status.RESOLVED, Status.CONFIRMED):
        _cancel_open_visits(session, actor, complaint, now, _("The case is handled again."))


@workflow.closing_condition
def closing_waits_for_the_visit(complaint: Complaint) -> str | None:
    """Where the office requires it, a resolved case closes only once its return visit is
    signed off or approved as unreachable (by default it may close first and still gets its
    visit, domain.md: Handling)."""
    session = object_session(complaint)
    setting = session.get(VisitSetting, complaint.office_id) if session is not None else None
    if setting is None or not setting.closing_waits_for_visit or complaint.resolved_at is None:
        return None
    done = session.scalar(sa.select(sa.func.count(Visit.id)).where(
        Visit.complaint_id == complaint.id, Visit.status.in_([VisitStatus.COMPLETED, VisitStatus.UNREACHABLE]),
        Visit.completed_at >= complaint.resolved_at))
    if done:
        return None
    return _("This office closes a case only once its return visit is signed off or approved as unreachable.")


# ---------------------------------------------------------------------------------------
# Recording a visit
# ---------------------------------------------------------------------------------------


@_transaction
def record_attempt(session: Session, actor: Actor, visit_id, method, note=None, *, expected_version=None,
                   now: datetime | None = None) -> Visit:
    """Record an attempt that reached nobody (after three, a supervisor may approve
    "unreachable")."""
    now = now or clock.now()
    visit = load(session, actor, visit_id, for_update=True)
    _require(actor, "record", _("record visits"))
    _check_version(visit, expected_version)
    if visit.status != VisitStatus.PLANNED:
        raise IllegalTransition(_("Only a visit still to be made takes attempts."))
    values = {"method": method, "note": note}
    method = _choice(values, "method", VisitMethod, _("method"))
    note = _text(values, "note", _("Note"))
    visit.attempts += 1
    _log(session, visit, actor, VisitEventKind.ATTEMPT, now, note, method)
    return visit


def _visitor(session: Session, visit: Visit, actor: Actor, raw) -> int:
    if raw in (None, ""):
        if actor.user_id is None:
            raise InvalidInput(_("Name the visitor."), {"visitor_id": _("This field is required.")})
        return actor.user_id
    return workflow.staff_of_office(session, visit.office_id, raw, "visitor_id").id


def _read_record(session: Session, visit: Visit, actor: Actor, values: dict, now: datetime) -> dict:
    """The record of a visit, read and checked: method, visitor, time, whom they reached,
    what was said, satisfaction, and for repairs the work checked on site and the fee."""
    record = {"method": _choice(values, "method", VisitMethod, _("method")),
              "visitor_id": _visitor(session, visit, actor, values.get("visitor_id")),
              "visited_at": _moment(values, "visited_at", now, _("Time of the visit"))}
    routine = visit.kind == VisitKind.ROUTINE
    labels = {"person_reached": _("Person reached"), "rooms": _("Rooms visited"),
              "resident_view": _("What the resident said"), "work_checked": _("Work checked on site"),
              "problem_found": _("Problem found")}
    for name, limit in TEXT_FIELDS.items():
        required = name == "resident_view" or (name == "person_reached" and not routine)
        record[name] = _text(values, name, labels[name], required=required, limit=limit)
    if routine and not (record["person_reached"] or record["rooms"]):
        raise InvalidInput(_("Give the rooms or the people visited."),
                           {"rooms": _("This field is required.")})
    record["satisfaction"] = _choice(values, "satisfaction", Satisfaction, _("satisfaction"), required=not routine)
    record["fee_charged"] = _fee(values)
    record["fee_correct"] = _flag(values, "fee_correct")
    if record["visited_at"] < visit.planned_at and not routine:
        raise InvalidInput(_("The visit cannot be before it was planned."),
                           {"visited_at": _("Before the visit was planned.")})
    return record


@_transaction
def record_visit(session: Session, actor: Actor, visit_id, values: dict, *, expected_version=None,
                 now: datetime | None = None) -> Visit:
    """Record what the visit found; the visited person then signs it off (or confirms it).
    Until then the record may be recorded again."""
    now = now or clock.now()
    visit = load(session, actor, visit_id, for_update=True)
    _require(actor, "record", _("record visits"))
    _check_version(visit, expected_version)
    if visit.status not in OPEN_VISIT:
        raise IllegalTransition(_("A %(status)s visit can no longer be recorded; add a correction instead.",
                                  status=visit.status.label))
    for name, value in _read_record(session, visit, actor, values, now).items():
        setattr(visit, name, value)
    visit.status = VisitStatus.RECORDED
    _log(session, visit, actor, VisitEventKind.RECORDED, now, _summary(visit), visit.method)
    return visit


def _summary(visit: Visit) -> str:
    parts = [str(visit.method.label)] if visit.method else []
    if visit.satisfaction:
        parts.append(str(visit.satisfaction.label))
    if visit.resident_view:
        parts.append(visit.resident_view)
    return " · ".join(parts)


@_transaction
def record_routine_visit(session: Session, actor: Actor, office_id, values: dict,
                         now: datetime | None = None) -> Visit:
    """A visit without a complaint (the office head's door-to-door visit, a monthly area visit,
    a building representatives' meeting, domain.md: Return visits): office, rooms or people
    visited and the opinions heard."""
    now = now or clock.now()
    _require(actor, "record", _("record visits"))
    office_id = parse_id(office_id)
    office = session.get(Office, office_id) if office_id and actor.sees_office(office_id) else None
    if office is None or not office.active:
        raise InvalidInput(_("Choose one of your offices."), {"office_id": _("Choose one of your offices.")})
    visit = Visit(office_id=office.id, kind=VisitKind.ROUTINE, status=VisitStatus.RECORDED, planned_at=now,
                  attempts=0)
    visit.office = office
    for name, value in _read_record(session, visit, actor, values, now).items():
        setattr(visit, name, value)
    visit.planned_at = visit.visited_at
    session.add(visit)
    _log(session, visit, actor, VisitEventKind.RECORDED, now, _summary(visit), visit.method)
    return visit


# ---------------------------------------------------------------------------------------
# Sign-off, and what it does to the case
# ---------------------------------------------------------------------------------------


def _names_of(user: User | None) -> set[str]:
    if user is None:
        return set()
    names = {person_name(user), user.username, f"{user.first_name or ''}{user.last_name or ''}",
             f"{user.last_name or ''}{user.first_name or ''}"}
    return {"".join(n.split()).casefold() for n in names if n and n.strip()}


@_transaction
def sign_off(session: Session, actor: Actor, visit_id, signer_name, signature=None, note=None, *,
             expected_version=None, now: datetime | None = None) -> Visit:
    """The visited person confirms the recorded visit: face to face by signing on the visitor's
    device with their name (请被回访人签名, seed 004), on the phone by saying so, in writing by
    their reply. The visitor cannot sign in their place. The visit is then final, and its
    satisfaction drives its case or notice."""
    now = now or clock.now()
    visit = load(session, actor, visit_id, for_update=True)
    _require(actor, "sign_off", _("take the sign-off"))
    _check_version(visit, expected_version)
    if visit.status != VisitStatus.RECORDED:
        raise IllegalTransition(_("Only a recorded visit awaiting sign-off can be signed off.")
                                if visit.status == VisitStatus.PLANNED else
                                _("A %(status)s visit cannot be signed again; add a correction instead.",
                                  status=visit.status.label))
    values = {"signer_name": signer_name, "note": note}
    name = _text(values, "signer_name", _("Name of the person visited"), required=True, limit=50)
    note = _text(values, "note", _("Note"))
    if "".join(name.split()).casefold() in _names_of(visit.visitor) | _names_of(session.get(User, actor.user_id)
                                                                                 if actor.user_id else None):
        raise InvalidInput(_("The visited person confirms in their own name; the visitor cannot sign for them."),
                           {"signer_name": _("Not the visitor's name.")})
    confirmation = visit.method.confirmation
    if confirmation == Confirmation.SIGNATURE:
        visit.signature_png = read_signature(signature)
    elif signature not in (None, "", b""):
        raise InvalidInput(_("A visit made by %(method)s is confirmed without a signature.",
                             method=visit.method.label), {"signature": _("Not taken for this method.")})
    visit.confirmation, visit.signer_name = confirmation, name
    visit.status, visit.completed_at = VisitStatus.COMPLETED, now
    _log(session, visit, actor, VisitEventKind.SIGNED_OFF, now,
         f"{confirmation.label}:{name}" + (f" · {note}" if note else ""))
    _apply_outcome(session, actor, visit, now)
    return visit


def _apply_outcome(session: Session, actor: Actor, visit: Visit, now: datetime) -> None:
    satisfied = visit.satisfaction is None or visit.satisfaction.is_satisfied
    if visit.kind == VisitKind.CASE:
        complaint = session.scalars(sa.select(Complaint).where(Complaint.id == visit.complaint_id)
                                    .with_for_update(of=Complaint)).one()
        note = " · ".join(str(p) for p in (visit.satisfaction.label if visit.satisfaction else None,
                                           visit.resident_view) if p)
        workflow.apply_visit_outcome(session, actor, complaint, satisfied, note, now)
    elif visit.kind == VisitKind.RECTIFICATION:
        notice = session.scalars(sa.select(RectificationNotice).where(RectificationNotice.id == visit.rectification_id)
                                 .with_for_update(of=RectificationNotice)).one()
        if satisfied:
            notice.status = RectificationStatus.VERIFIED
        else:
            # Not satisfied: the notice is open again, with a fresh limit.
            _open_notice(session, notice, now)
            _log(session, visit, actor, VisitEventKind.RECTIFICATION_ISSUED, now,
                 _("Not satisfied: the rectification notice is open again."))


@_transaction
def approve_unreachable(session: Session, actor: Actor, visit_id, reason, *, expected_version=None,
                        now: datetime | None = None) -> Visit:
    """A supervisor closes a visit nobody could be reached for, after three failed attempts,
    with the reason (the case may then close where the office waits for its visit)."""
    now = now or clock.now()
    visit = load(session, actor, visit_id, for_update=True)
    _require(actor, "approve_unreachable", _("approve an unreachable visit"))
    _check_version(visit, expected_version)
    if visit.status != VisitStatus.PLANNED:
        raise IllegalTransition(_("Only a visit still to be made can be closed as unreachable."))
    if visit.attempts < UNREACHABLE_AFTER_ATTEMPTS:
        raise IllegalTransition(_("A visit is closed as unreachable only after %(n)d failed attempts "
                                  "(so far %(done)d).", n=UNREACHABLE_AFTER_ATTEMPTS, done=visit.attempts))
    reason = _text({"reason": reason}, "reason", _("Reason"), required=True)
    visit.status, visit.completed_at = VisitStatus.UNREACHABLE, now
    visit.unreachable_reason, visit.approved_by_id = reason, actor.user_id
    _log(session, visit, actor, VisitEventKind.UNREACHABLE, now, reason)
    if visit.kind == VisitKind.CASE:
        complaint = session.scalars(sa.select(Complaint).where(Complaint.id == visit.complaint_id)
                                    .with_for_update(of=Complaint)).one()
        workflow.note_visit_unreachable(session, actor, complaint, reason, now)
    return visit


@_transaction
def correct(session: Session, actor: Actor, visit_id, note, *, now: datetime | None = None) -> Visit:
    """A correction of a final visit: a new event referring to it; the visit stays as signed."""
    now = now or clock.now()
    visit = load(session, actor, visit_id, for_update=True)
    _require(actor, "correct", _("correct a visit"))
    if visit.status not in VisitStatus.final():
        raise IllegalTransition(_("A visit not yet signed off is recorded again, not corrected."))
    note = _text({"note": note}, "note", _("Correction"), required=True)
    _log(session, visit, actor, VisitEventKind.CORRECTION, now, note)
    return visit


# ---------------------------------------------------------------------------------------
# Rectification notices
# ---------------------------------------------------------------------------------------


def _subject_of(session: Session, office_id: int, complaint_id) -> object:
    complaint = session.get(Complaint, complaint_id) if complaint_id else None
    return complaint or deadlines.Subject(office_id)


def _open_notice(session: Session, notice: RectificationNotice, now: datetime) -> None:
    notice.status = RectificationStatus.OPEN
    notice.due_at, notice.remind_at = deadlines.due_times(
        session, _subject_of(session, notice.office_id, notice.complaint_id), DeadlineKind.RECTIFICATION, now)
    notice.reminded_at = notice.overdue_at = notice.completed_at = notice.completed_by_id = None


@_transaction
def issue_rectification(session: Session, actor: Actor, visit_id, responsible_id, problem=None, *,
                        now: datetime | None = None) -> RectificationNotice:
    """A problem found at a visit becomes a written notice to the person responsible, due
    within 24 h (domain.md: Deadlines, seed 004 篇4)."""
    now = now or clock.now()
    visit = load(session, actor, visit_id, for_update=True)
    _require(actor, "rectify", _("issue rectification notices"))
    if visit.status not in (VisitStatus.RECORDED, VisitStatus.COMPLETED):
        raise IllegalTransition(_("A rectification notice comes from a visit that was made."))
    problem = _text({"problem": problem if problem not in (None, "") else visit.problem_found}, "problem",
                    _("Problem found"), required=True)
    responsible = workflow.staff_of_office(session, visit.office_id, responsible_id, "responsible_id")
    complaint_id = visit.complaint_id or (visit.rectification.complaint_id if visit.rectification else None)
    notice = RectificationNotice(office_id=visit.office_id, visit=visit, complaint_id=complaint_id,
                                 responsible_id=responsible.id, problem=problem, issued_by_id=actor.user_id,
                                 issued_at=now)
    _open_notice(session, notice, now)
    session.add(notice)
    _log(session, visit, actor, VisitEventKind.RECTIFICATION_ISSUED, now,
         f"{person_name(responsible)}:{problem}")
    return notice


@_transaction
def complete_rectification(session: Session, actor: Actor, notice_id, work_done, *, expected_version=None,
                           now: datetime | None = None) -> RectificationNotice:
    """The person responsible (or a supervisor) records what was done; the rectification is
    then itself visited."""
    now = now or clock.now()
    notice = load_notice(session, actor, notice_id, for_update=True)
    _require(actor, "rectify", _("complete rectification notices"))
    _check_version(notice, expected_version)
    if notice.responsible_id != actor.user_id and not actor.may(VISIT + "approve_unreachable"):
        raise Forbidden(_("Only the person responsible or a supervisor completes a rectification notice."))
    if notice.status != RectificationStatus.OPEN:
        raise IllegalTransition(_("Only an open rectification notice can be completed."))
    notice.work_done = _text({"work_done": work_done}, "work_done", _("What was done"), required=True)
    notice.status, notice.completed_at, notice.completed_by_id = RectificationStatus.DONE, now, actor.user_id
    due, remind = deadlines.due_times(session, _subject_of(session, notice.office_id, notice.complaint_id),
                                      DeadlineKind.RETURN_VISIT, now)
    visit = Visit(office_id=notice.office_id, kind=VisitKind.RECTIFICATION, rectification=notice,
                  status=VisitStatus.PLANNED, planned_at=now, due_at=due, remind_at=remind, attempts=0)
    session.add(visit)
    _log(session, visit, actor, VisitEventKind.PLANNED, now, notice.work_done)
    return notice


# ---------------------------------------------------------------------------------------
# A complaint heard at a visit
# ---------------------------------------------------------------------------------------


@_transaction
def raise_complaint(session: Session, actor: Actor, visit_id, intake: dict, *,
                    now: datetime | None = None) -> Complaint:
    """Register what a resident raised at a visit as a complaint of the visit's office, linked
    to the visit, in one step (channel: return visit)."""
    now = now or clock.now()
    visit = load(session, actor, visit_id, for_update=True)
    _require(actor, "record", _("record visits"))
    if visit.status not in (VisitStatus.RECORDED, VisitStatus.COMPLETED):
        raise IllegalTransition(_("A complaint is raised from a visit that was made."))
    intake = dict(intake, office_id=visit.office_id, channel=Channel.RETURN_VISIT, received_at=None)
    if not (intake.get("description") or "").strip() and visit.problem_found:
        intake["description"] = visit.problem_found
    complaint = workflow.open_case(session, actor, intake, now=now, commit=False)
    session.execute(sa.insert(visit_raised_complaint).values(visit_id=visit.id, complaint_id=complaint.id))
    _log(session, visit, actor, VisitEventKind.COMPLAINT_RAISED, now, complaint.case_number)
    return complaint


# ---------------------------------------------------------------------------------------
# What may be done now
# ---------------------------------------------------------------------------------------


def available(actor: Actor, visit: Visit) -> set[str]:
    """What `actor` may do with `visit` right now (the screens offer these, the functions
    above decide): record, attempt, sign_off, approve_unreachable, correct, rectify,
    raise_complaint."""
    if not actor.sees_office(visit.office_id):
        return set()
    status, may = visit.status, (lambda p: actor.may(VISIT + p))
    made = status in (VisitStatus.RECORDED, VisitStatus.COMPLETED)
    offers = {
        "record": may("record") and status in OPEN_VISIT and visit.kind != VisitKind.ROUTINE,
        "attempt": may("record") and status == VisitStatus.PLANNED,
        "sign_off": may("sign_off") and status == VisitStatus.RECORDED,
        "approve_unreachable": may("approve_unreachable") and status == VisitStatus.PLANNED
        and visit.attempts >= UNREACHABLE_AFTER_ATTEMPTS,
        "correct": may("correct") and status in VisitStatus.final(),
        "rectify": may("rectify") and made,
        "raise_complaint": may("record") and actor.may("write") and made,
    }
    return {name for name, offered in offers.items() if offered}


def notices_of(session: Session, visit: Visit) -> list[RectificationNotice]:
    """The rectification notices issued from the visit, oldest first."""
    return session.scalars(sa.select(RectificationNotice).where(RectificationNotice.visit_id == visit.id)
                           .order_by(RectificationNotice.id)).all()


def is_repair(visit: Visit) -> bool:
    """Whether the visit checks a repair (its case is a repair): the work and the fee are checked
    on site (核对收费, seed 004 篇4)."""
    complaint = visit.complaint or (visit.rectification.complaint if visit.rectification else None)
    category = complaint.category if complaint is not None else None
    return category is not None and "REPAIR" in (category.code, category.parent.code if category.parent else None)


# ---------------------------------------------------------------------------------------
# Figures for the statistics (domain.md: Statistics — return-visit rate, satisfaction rate)
# ---------------------------------------------------------------------------------------


@dataclass
class VisitFigures:
    """An office's return visits of some cases: how many of the cases were visited (signed off
    or confirmed), and of the visits that gave a satisfaction level, how many were satisfied."""

    visited: int = 0
    answered: int = 0
    satisfied: int = 0


def figures_by_office(session: Session, complaint_ids: sa.Select) -> dict[int, VisitFigures]:
    """VisitFigures per office for the cases whose ids `complaint_ids` selects (e.g. the resolved
    cases of a report's period): one aggregate query. The return-visit rate is `visited` over
    those cases (target 100 %); the satisfaction rate `satisfied` / `answered` (≥ 95 %)."""
    done = sa.and_(Visit.kind == VisitKind.CASE, Visit.status == VisitStatus.COMPLETED,
                   Visit.complaint_id.in_(complaint_ids))
    rows = session.execute(sa.select(
        Visit.office_id, sa.func.count(sa.distinct(Visit.complaint_id)), sa.func.count(Visit.satisfaction),
        sa.func.coalesce(sa.func.sum(sa.case((Visit.satisfaction.in_(SATISFIED_LEVELS), 1), else_=0)), 0))
        .where(done).group_by(Visit.office_id))
    return {office_id: VisitFigures(int(visited), int(answered), int(satisfied))
            for office_id, visited, answered, satisfied in rows}
