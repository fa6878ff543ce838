"""Exports as CSV and Excel: the bytes, streamed with bounded memory, the complaint list's rows
as shown on screen, phone masking, formula neutralising, and the export record.

CSV is UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it without mojibake.
Excel files are streamed as they are written (`xlsx`); beyond one sheet's 1,048,576 rows the
rows continue on further sheets. Rows go through in batches (a server-side cursor's fetch,
one csv writerows, one encode), never one Python call per cell."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import Session

from app.complaints.enums import Channel, Grade, Status, Urgency, Validity
from app.complaints.formatting import FIELD_LABELS
from app.complaints.models import Category, Complainant, Complaint
from app.core import clock
from app.core.enums import Tier
from app.core.formatting import person_name
from app.core.models import Office

from . import xlsx
from .models import ExportRecord

# Rows travel in batches: one fetch from the database, one csv.writer.writerows, one encode.
BATCH_ROWS = 10_000
# One worksheet holds 1,048,576 rows (Excel's limit), the header row included.
SHEET_MAX_ROWS = 1_048_576
# A cell starting with one of these is read as a formula (or its start) by spreadsheet
# programs: a resident's text must never run on a manager's PC (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def neutralise(value):
    """A text cell that would start a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits stay (domain.md: Intake, contact
    details are confidential); short numbers keep only their last two."""
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


class Batches:
    """Rows in lists of up to BATCH_ROWS, every cell already as it goes into the file (text
    neutralised). Plain row iterables given to the writers are turned into this by `batched`."""

    def __init__(self, batches: Iterable[list]):
        self._batches = batches

    def __iter__(self):
        return iter(self._batches)


def batched(rows: Iterable[Iterable], size: int = BATCH_ROWS) -> Batches:
    """Plain rows (a report's table, a test's rows) as neutralised batches."""
    def gen():
        batch = []
        for row in rows:
            batch.append([neutralise(v) for v in row])
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
    return Batches(gen())


def _as_batches(rows) -> Batches:
    return rows if isinstance(rows, Batches) else batched(rows)


# ---------------------------------------------------------------------------------------
# File formats
# ---------------------------------------------------------------------------------------


def csv_chunks(headers: list[str], rows) -> Iterator[bytes]:
    """UTF-8 CSV with BOM: the header at once, then one chunk per batch of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in headers])
    yield buffer.getvalue().encode("utf-8")
    for batch in _as_batches(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")


def file_chunks(file_format: str, headers, rows, title: str) -> Iterator[bytes]:
    if file_format == "csv":
        return csv_chunks(headers, rows)
    return xlsx.xlsx_chunks(headers, _as_batches(rows), title, neutralise)


def xlsx_chunks(headers: list[str], rows, title: str, sheet_max_rows: int = SHEET_MAX_ROWS) -> Iterator[bytes]:
    """The .xlsx of `rows`, streamed as it is written (see `xlsx`)."""
    return xlsx.xlsx_chunks(headers, _as_batches(rows), title, neutralise, sheet_max_rows)


# ---------------------------------------------------------------------------------------
# Complaint rows as on screen
# ---------------------------------------------------------------------------------------

COMPLAINT_COLUMNS = ["case_number", "received_at", "office", "category", "channel", "urgency", "grade",
                     "validity", "tier", "status", "assignee", "respondent", "respondent_department",
                     "complainant", "complainant_room", "complainant.phone", "description", "resolved_at",
                     "closed_at", "overdue_since"]
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M"   # as local_time() shows it on screen


def complaint_headers() -> list[str]:
    return [str(FIELD_LABELS[c]) for c in COMPLAINT_COLUMNS]


def _cat(*parts):
    """SQL string concatenation (|| on both PostgreSQL and SQLite)."""
    out = parts[0]
    for part in parts[1:]:
        out = out.op("||")(part)
    return out


def neutralised_sql(column):
    """`neutralise` in SQL: NULL becomes '', formula starts get the apostrophe."""
    return sa.case((sa.func.substr(column, 1, 1).in_(_FORMULA_STARTS), _cat(sa.literal("'"), column)),
                   else_=sa.func.coalesce(column, ""))


def masked_phone_sql(phone):
    """`mask_phone` in SQL (substr and length mean the same on PostgreSQL and SQLite)."""
    n = sa.func.length(phone)
    stars = sa.literal("*" * 64)
    return sa.case(
        (n >= 8, _cat(sa.func.substr(phone, 1, 3), sa.func.substr(stars, 1, n - 7), sa.func.substr(phone, n - 3))),
        (n > 2, _cat(sa.func.substr(stars, 1, n - 2), sa.func.substr(phone, n - 1))),
        else_=sa.func.coalesce(phone, ""))


def fixed_offset(zone: tzinfo, start: datetime, end: datetime) -> timedelta | None:
    """The zone's one UTC offset from `start` to `end` (aware), or None if it changes in
    between (daylight saving, a change of law). Checked every 12 hours: zones keep an offset
    for months at a time."""
    offset = start.astimezone(zone).utcoffset()
    moment = start
    while moment < end:
        moment = min(moment + timedelta(hours=12), end)
        if moment.astimezone(zone).utcoffset() != offset:
            return None
    return offset


def local_time_sql(column, dialect: str, zone: ZoneInfo, offset: timedelta | None):
    """The stored UTC time as on screen ("YYYY-MM-DD HH:MM" local, '' for none), computed by
    the database: PostgreSQL converts with its own zone rules; SQLite adds `offset` when the
    zone keeps one over the rows' times. None when only Python can (see `local_time_text`)."""
    if dialect == "postgresql":
        local = sa.func.timezone(zone.key, sa.func.timezone("UTC", column))
        return sa.func.coalesce(sa.func.to_char(local, "YYYY-MM-DD HH24:MI"), "")
    if dialect == "sqlite" and offset is not None and not offset.total_seconds() % 60:
        minutes = int(offset.total_seconds() // 60)
        return sa.func.coalesce(sa.func.strftime("%Y-%m-%d %H:%M", column, f"{minutes:+d} minutes"), "")
    return None


def local_time_text(moment: datetime | None, zone: tzinfo) -> str:
    """Python's side of `local_time_sql`, for a naive UTC time from the database."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).strftime(LOCAL_TIME_FORMAT)


def _time_span(session: Session) -> tuple[datetime, datetime]:
    """From the earliest stored time to the latest (or now), aware UTC: where the zone's
    offset must be fixed for SQLite to add it."""
    c = Complaint
    raw = [sa.type_coerce(col, sa.DateTime) for col in (c.received_at, c.resolved_at, c.closed_at, c.overdue_since)]
    first, *lasts = session.execute(sa.select(sa.func.min(raw[0]), *(sa.func.max(r) for r in raw))).one()
    now = clock.now()
    aware = [m.replace(tzinfo=timezone.utc) for m in lasts if m is not None]
    start = first.replace(tzinfo=timezone.utc) if first is not None else now
    return min(start, now) - timedelta(days=1), max(aware + [now]) + timedelta(days=1)


def complaint_rows(session: Session, query, personal_data: bool, batch_rows: int = BATCH_ROWS) -> Batches:
    """The rows of a complaint list query (FAB's filters, the office scope and the order
    already applied), as the screens show them, in batches from a server-side cursor.

    The database does the per-cell work it does fastest: local times, masking, neutralising
    the free text; Python maps ids and enum names to labels with dictionaries built once."""
    def label(text):
        return neutralise(str(text))

    labels = {cls: {m.name: label(m.label) for m in cls} for cls in (Channel, Urgency, Grade, Validity, Status)}
    tiers = {t.value: label(t.label) for t in Tier}
    offices = {i: label(n) for i, n in session.execute(sa.select(Office.id, Office.name))}
    categories = {c.id: label(c) for c in session.scalars(sa.select(Category))}
    people = {u.id: label(person_name(u)) for u in session.scalars(sa.select(User))}
    dialect = session.get_bind().dialect.name
    zone = clock.zone()
    offset = None if dialect == "postgresql" else fixed_offset(zone, *_time_span(session))

    c = Complaint
    times = []
    for column in (c.received_at, c.resolved_at, c.closed_at, c.overdue_since):
        sql = local_time_sql(column, dialect, zone, offset)
        times.append(sql if sql is not None else sa.type_coerce(column, sa.DateTime))
    in_python = local_time_sql(c.received_at, dialect, zone, offset) is None

    def raw(column):
        return sa.type_coerce(column, sa.String)

    phone = Complainant.phone if personal_data else masked_phone_sql(Complainant.phone)
    stmt = (query.with_entities(
        neutralised_sql(c.case_number), times[0], c.office_id, c.category_id, raw(c.channel), raw(c.urgency),
        raw(c.grade), raw(c.validity), c.tier, raw(c.status), c.assignee_id, c.respondent_id,
        neutralised_sql(c.respondent_department), neutralised_sql(Complainant.name),
        neutralised_sql(Complainant.room), neutralised_sql(phone), neutralised_sql(c.description), times[1],
        times[2], sa.case((c.overdue_since.is_not(None), "✓"), else_=""))
        .join(Complainant, Complainant.id == c.complainant_id)).statement
    channel, urgency, grade, validity, status = (labels[cls] for cls in (Channel, Urgency, Grade, Validity, Status))
    office, category, person, tier = offices.get, categories.get, people.get, tiers.get

    def gen():
        # Core, not the ORM: plain rows, fetched BATCH_ROWS at a time from a server-side cursor.
        result = session.connection().execution_options(stream_results=True, max_row_buffer=batch_rows) \
            .execute(stmt)
        # The first batch through SQLAlchemy (which holds the rows it read ahead); then, when no
        # value needs converting in Python, the driver's own tuples straight from its cursor —
        # a third of the time of making Row objects.
        part = result.fetchmany(batch_rows)
        cursor = result.cursor  # None once SQLAlchemy has read every row
        fetch = result.fetchmany if in_python or cursor is None else cursor.fetchmany
        while part:
            if in_python:
                part = [(r[0], local_time_text(r[1], zone), *r[2:17], local_time_text(r[17], zone),
                         local_time_text(r[18], zone), r[19]) for r in part]
            yield [(n, received, office(o, ""), category(cat, ""), channel.get(ch, ""), urgency.get(u, ""),
                    grade.get(gr, ""), validity.get(v, ""), tier(t, ""), status.get(st, ""), person(a, ""),
                    person(rs, ""), dept, name, room, ph, desc, resolved, closed, overdue)
                   for (n, received, o, cat, ch, u, gr, v, t, st, a, rs, dept, name, room, ph, desc, resolved,
                        closed, overdue) in part]
            part = fetch(batch_rows)
        result.close()

    return Batches(gen())


# ---------------------------------------------------------------------------------------
# The export record
# ---------------------------------------------------------------------------------------


def start_record(session: Session, user_id: int, kind: str, file_format: str, filters: str,
                 personal_data: bool) -> int:
    """Record an export as it starts (committed at once, so a broken-off one is recorded too)."""
    record = ExportRecord(user_id=user_id, started_at=clock.now(), kind=kind, file_format=file_format,
                          filters=filters, personal_data=personal_data, rows=0, completed=False)
    session.add(record)
    session.commit()
    return record.id


def recorded_stream(engine, record_id: int, file_format: str, headers, rows: Iterable, title: str) -> Iterator[bytes]:
    """The file's bytes; when the download ends, or the browser breaks it off, store how many
    rows were written and whether it completed — on a connection of its own, since the rows'
    server-side cursor may still hold the session's transaction."""
    count, completed = 0, False

    def counted():
        nonlocal count
        for batch in _as_batches(rows):
            count += len(batch)
            yield batch

    try:
        yield from file_chunks(file_format, headers, Batches(counted()), title)
        completed = True
    finally:
        with engine.begin() as conn:
            conn.execute(sa.update(ExportRecord).where(ExportRecord.id == record_id)
                         .values(rows=count, completed=completed))
