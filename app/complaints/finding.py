"""Finding cases: the navbar's quick search, a case by its number, and a caller's open cases at
intake. Plain Python over a session; screens and filters call it.

Offices hold hundreds of thousands of cases, so every lookup here is an exact or prefix match
on an indexed column, each on its own (combined with UNION), within the user's offices — never
a LIKE '%…%' over the table: case numbers (unique index, and a pattern index for prefixes),
complainants' names (office, name prefix), rooms (office, room), and phones by their last four
digits (office, phone_last4), whole ones compared digit by digit among those."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import search
from app.core.models import Office
from app.core.security import Actor

from .enums import Status
from .models import Complainant, Complaint
from .workflow import visible_clause

# Longer text is no case number, name, phone or room (the columns hold 40, 50, 30 and 30).
MAX_QUERY_LENGTH = 50
# How many open cases the intake form lists for a caller.
CALLER_HISTORY_LIMIT = 10
# Separators people type inside phone numbers.
_PHONE_SEPARATORS = re.compile(r"[\s\-()+.]")


def normalise(text) -> str:
    """What the user typed, as it is stored: full-width digits and letters from a Chinese input
    method made plain (NFKC), spaces trimmed and runs of spaces made one; "" for non-text."""
    if not isinstance(text, str):
        return ""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    return text[:MAX_QUERY_LENGTH]


def _escape_like(text: str) -> str:
    """`text` with LIKE's own characters (% _ and the escape \\) taken literally."""
    return re.sub(r"([\\%_])", r"\\\1", text)


def _prefix_pattern(text: str) -> str:
    """A LIKE pattern for values starting with `text`."""
    return _escape_like(text) + "%"


def office_ids(session: Session, actor: Actor) -> list[int]:
    """The offices the actor sees, as a list: the (office, …) indexes are searched per office,
    for the general manager too."""
    if actor.office_ids is not None:
        return sorted(actor.office_ids)
    return list(session.scalars(sa.select(Office.id).order_by(Office.id)))


def _complainants(offices: list[int], *conditions):
    """One indexed lookup of complainants per condition, as a UNION of their ids."""
    selects = [sa.select(Complainant.id).where(Complainant.office_id.in_(offices), condition)
               for condition in conditions]
    return sa.union(*selects) if len(selects) > 1 else selects[0]


def phone_digits(text: str) -> str | None:
    """The digits of `text` if it reads as (part of) a phone number, else None."""
    digits = _PHONE_SEPARATORS.sub("", text)
    return digits if digits.isascii() and digits.isdigit() else None


def _phone_is(digits: str):
    """SQL condition: the phone, however its digits were spaced when taken, is `digits`. The
    index on the last four digits finds the few candidates; their digits are compared then."""
    stored = Complainant.phone
    for separator in " -()+.":
        stored = sa.func.replace(stored, separator, "")
    return sa.and_(Complainant.phone_last4 == digits[-4:], stored == digits)


def quick_search_clause(session: Session, actor: Actor, text) -> sa.ColumnElement:
    """SQL condition: the case's number starts with `text`, or its complainant's name starts
    with it, their room is it, their phone is it (whole), or the phone's last four digits are
    it — within the actor's offices. False for empty text."""
    text = normalise(text)
    if not text:
        return sa.false()
    offices = office_ids(session, actor)
    if not offices:
        return sa.false()
    conditions = [Complainant.name.like(_prefix_pattern(text), escape="\\"), Complainant.room == text]
    digits = phone_digits(text)
    if digits and len(digits) == 4:
        conditions.append(Complainant.phone_last4 == digits)
    elif digits and len(digits) > 4:
        conditions.append(_phone_is(digits))
    by_number = sa.select(Complaint.id).where(
        Complaint.case_number.like(_prefix_pattern(text.upper()), escape="\\"),
        Complaint.office_id.in_(offices))
    by_complainant = sa.select(Complaint.id).where(
        Complaint.complainant_id.in_(_complainants(offices, *conditions)))
    return sa.and_(Complaint.id.in_(sa.union(by_number, by_complainant)), visible_clause(actor))


def find_by_number(session: Session, actor: Actor, number) -> Complaint | None:
    """The case with this number (any letter case) in the actor's offices, or None."""
    number = normalise(number).upper()
    if not number:
        return None
    return session.scalars(sa.select(Complaint).where(Complaint.case_number == number,
                                                      visible_clause(actor))).one_or_none()


def caller_history(session: Session, actor: Actor, phone=None, room=None, office_id=None) -> list[Complaint]:
    """The open cases, newest first, of the resident with this phone (in the actor's offices)
    or this room (in the chosen office, else in the actor's offices): the intake form shows them
    so that a repeat call is recorded on its case instead of opening a duplicate."""
    offices = office_ids(session, actor)
    phone, room = normalise(phone), normalise(room)
    conditions = []
    digits = phone_digits(phone) if phone else None
    # A few digits name no one yet: wait for a whole number.
    if digits and len(digits) >= 7:
        conditions.append(_phone_is(digits))
    room_offices = [office_id] if office_id in offices else offices
    selects = []
    if conditions and offices:
        selects.append(_complainants(offices, *conditions))
    if room and room_offices:
        selects.append(_complainants(room_offices, Complainant.room == room))
    if not selects:
        return []
    residents = sa.union(*selects) if len(selects) > 1 else selects[0]
    return list(session.scalars(
        sa.select(Complaint)
        .where(Complaint.complainant_id.in_(residents), Complaint.status.in_(Status.open_states()),
               visible_clause(actor))
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(CALLER_HISTORY_LIMIT)))


def complainant_ids_matching(session: Session, actor: Actor, attribute: str, text, exact: bool):
    """Ids of complainants in the actor's offices whose `attribute` (name, phone or room) is
    `text` (exact) or contains it (list filters; text search indexes serve the "contains")."""
    column = getattr(Complainant, attribute)
    if exact:
        return _complainants(office_ids(session, actor), column == text)
    # The substring search index alone (the list that uses these ids is scoped to the actor's
    # offices already): with an office condition beside it, a planner may prefer the office's
    # index and filter every complainant of the office.
    return sa.select(Complainant.id).where(
        search.contains(session.get_bind().dialect.name, Complainant.__table__, [column], text))
