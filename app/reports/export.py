"""Exports as CSV and Excel: the bytes, streamed with bounded memory, the complaint list's rows
as shown on screen, phone masking, formula neutralising, and the export record.

CSV is UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it without mojibake.
Excel files are streamed as they are written (`xlsx`); beyond one sheet's 1,048,576 rows the
rows continue on further sheets. Rows go through in batches (a server-side cursor's fetch,
one csv writerows, one encode), never one Python call per cell.

A complaint list on PostgreSQL is the database's own `COPY (…) TO STDOUT` of a query that
already renders every cell as the screen shows it (labels, local times, masked phones,
neutralised text): for CSV, Python only prepends the byte-order mark and the translated header
and passes the bytes on; for Excel, it turns each batch of COPY's rows into the sheet's XML.
Elsewhere Python writes the same bytes from batches of tuples; both follow PostgreSQL's CSV
rules (rows end with a line feed, a cell is quoted only when it holds a comma, a quote or a
line break)."""
from __future__ import annotations

import contextlib
import csv
import functools
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.complaints.enums import Channel, Grade, Status, Urgency, Validity
from app.complaints.formatting import FIELD_LABELS
from app.complaints.models import Category, Complainant, Complaint
from app.core import clock
from app.core.enums import Tier
from app.core.errors import WorkflowError
from app.core.formatting import person_name
from app.core.models import Office
from app.core.params import MAX_YEAR, MIN_YEAR

from . import xlsx
from .models import ExportRecord

# Rows travel in batches: one fetch from the database, one csv.writer.writerows, one encode.
BATCH_ROWS = 10_000
# The bytes of a COPY go on to the browser in pieces of about this size.
COPY_CHUNK_BYTES = 256 * 1024
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


class Counter:
    """How many rows have gone into the file so far (for the export record)."""

    def __init__(self):
        self.rows = 0

    def counted(self, batches: Iterable[list]) -> Batches:
        def gen():
            for batch in batches:
                self.rows += len(batch)
                yield batch
        return Batches(gen())


# ---------------------------------------------------------------------------------------
# File formats
# ---------------------------------------------------------------------------------------


def _csv_writer(buffer):
    # PostgreSQL's CSV: a line feed ends each row (COPY writes no other), minimal quoting.
    return csv.writer(buffer, lineterminator="\n")


def _pg_csv_cell(value) -> str:
    """A cell as PostgreSQL's COPY writes it: quoted when it holds a comma, a quote, a carriage
    return or a line feed. (Python's csv quotes a carriage return only when the line ending
    holds one.)"""
    if value is None:
        return ""
    text = str(value)
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_header(headers: list[str]) -> bytes:
    """The byte-order mark and the header row."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    _csv_writer(buffer).writerow([neutralise(h) for h in headers])
    return buffer.getvalue().encode("utf-8")


def csv_chunks(headers: list[str], rows) -> Iterator[bytes]:
    """UTF-8 CSV with BOM: the header at once, then one chunk per batch of rows."""
    yield csv_header(headers)
    buffer = io.StringIO()
    writer = _csv_writer(buffer)
    for batch in _as_batches(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        text = buffer.getvalue()
        if "\r" in text:  # rare: a cell with a carriage return, which csv leaves unquoted
            text = "".join(",".join(map(_pg_csv_cell, row)) + "\n" for row in batch)
        yield text.encode("utf-8")


def file_chunks(file_format: str, headers, rows, title: str, counter: Counter | None = None) -> Iterator[bytes]:
    """The file's bytes; `rows` are batches, plain rows, or ComplaintRows (which can have the
    database write the CSV)."""
    counter = counter or Counter()
    if file_format == "csv":
        if isinstance(rows, ComplaintRows) and rows.uses_copy:
            return rows.csv_copy(headers, counter)
        return csv_chunks(headers, counter.counted(_as_batches(rows)))
    if isinstance(rows, ComplaintRows) and rows.uses_copy:
        return xlsx.xlsx_chunks(headers, counter.counted(rows.copied_batches()), title, neutralise)
    return xlsx.xlsx_chunks(headers, counter.counted(_as_batches(rows)), title, neutralise)


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
OVERDUE_MARK = "✓"


def complaint_headers() -> list[str]:
    return [str(FIELD_LABELS[c]) for c in COMPLAINT_COLUMNS]


def _cat(*parts):
    """SQL string concatenation (|| on both PostgreSQL and SQLite)."""
    out = parts[0]
    for part in parts[1:]:
        out = out.op("||")(part)
    return out


def neutralised_sql(column, dialect: str = "sqlite"):
    """`neutralise` in SQL; an empty or missing text is NULL. PostgreSQL compares the first
    character's code (ascii()), which costs less than cutting it out."""
    if dialect == "postgresql":
        starts = sa.func.ascii(column).in_([ord(ch) for ch in _FORMULA_STARTS])
    else:
        starts = sa.func.substr(column, 1, 1).in_(_FORMULA_STARTS)
    return sa.case((starts, _cat(sa.literal("'"), column)), else_=sa.func.nullif(column, ""))


def masked_phone_sql(phone):
    """`mask_phone` in SQL (substr and length mean the same on PostgreSQL and SQLite)."""
    n = sa.func.length(phone)
    stars = sa.literal("*" * 64)
    return sa.case(
        (n >= 8, _cat(sa.func.substr(phone, 1, 3), sa.func.substr(stars, 1, n - 7), sa.func.substr(phone, n - 3))),
        (n > 2, _cat(sa.func.substr(stars, 1, n - 2), sa.func.substr(phone, n - 1))),
        else_=phone)


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


# The years the application stores (core.params): a zone that keeps one offset through them
# (Asia/Shanghai since 1991) lets PostgreSQL add it instead of looking up its rules per value.
_STORED_YEARS = (datetime(MIN_YEAR, 1, 1, tzinfo=UTC), datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC))


@functools.lru_cache(maxsize=8)
def _offset_through_stored_years(zone: ZoneInfo) -> timedelta | None:
    return fixed_offset(zone, *_STORED_YEARS)


def local_time_sql(column, dialect: str, zone: ZoneInfo, offset: timedelta | None):
    """The stored UTC time as on screen ("YYYY-MM-DD HH:MM" local, NULL for none), computed
    by the database: PostgreSQL adds the zone's offset to times within the stored years when
    it is fixed through them, and converts with its own zone rules otherwise; SQLite adds
    `offset` when the zone keeps one over the rows' times. None when only Python can (see
    `local_time_text`)."""
    if dialect == "postgresql":
        text = "YYYY-MM-DD HH24:MI"
        by_rules = sa.func.to_char(sa.func.timezone(zone.key, sa.func.timezone("UTC", column)), text)
        fixed = _offset_through_stored_years(zone)
        if fixed is None:
            return by_rules
        start, end = (m.replace(tzinfo=None) for m in _STORED_YEARS)
        raw = sa.type_coerce(column, sa.DateTime)
        return sa.case((sa.and_(raw >= start, raw < end), sa.func.to_char(raw + sa.literal(fixed, sa.Interval()), text)),
                       else_=by_rules)
    if dialect == "sqlite" and offset is not None and not offset.total_seconds() % 60:
        minutes = int(offset.total_seconds() // 60)
        return sa.func.strftime("%Y-%m-%d %H:%M", column, f"{minutes:+d} minutes")
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


class _Labels:
    """What the screens show for ids and enum names, in the user's language, neutralised:
    dictionaries built once per export."""

    def __init__(self, session: Session):
        def label(text):
            # Names typed on the admin screens, which refuse control characters; stored ones
            # that hold some lose them (a spreadsheet cell cannot hold them).
            return neutralise(xlsx.xml_safe(str(text)))

        self.enums = {cls: {m.name: label(m.label) for m in cls} for cls in (Channel, Urgency, Grade, Validity, Status)}
        self.tiers = {t.value: label(t.label) for t in Tier}
        self.offices = {i: label(n) for i, n in session.execute(sa.select(Office.id, Office.name))}
        self.categories = {c.id: label(c) for c in session.scalars(sa.select(Category))}
        self.people = {u.id: label(person_name(u)) for u in session.scalars(sa.select(User))}


def _raw(column):
    """A column's stored value: enum names as text, times as naive UTC."""
    if isinstance(column.type, sa.Enum):
        return sa.type_coerce(column, sa.String)
    if isinstance(column.type, sa.types.TypeDecorator):
        return sa.type_coerce(column, column.type.impl)
    return column


class ComplaintRows(Batches):
    """The rows of a complaint list query (FAB's filters, the office scope and the order
    already applied), every cell as the screens show it, in batches from a server-side cursor.

    Where the cells are made:
    - PostgreSQL: all in SQL (labels from CASE and joined VALUES lists built from the same
      dictionaries as the screens, local times with the database's zone rules, masking,
      neutralising); the files are made from the database's own COPY of that query.
    - SQLite: local times (when the zone keeps one offset), masking and neutralising in SQL;
      Python maps ids and enum names to labels with dictionaries.
    - `in_database=False`: every cell in Python from the stored values (SQLite in a zone with
      daylight saving; and the reference the tests hold the database's work against)."""

    def __init__(self, session: Session, query, personal_data: bool, batch_rows: int | None = None,
                 in_database: bool = True):
        self.session, self.personal_data, self.batch_rows = session, personal_data, batch_rows or BATCH_ROWS
        self.dialect = session.get_bind().dialect.name
        self.zone = clock.zone()
        self.labels = _Labels(session)
        offset = fixed_offset(self.zone, *_time_span(session)) if in_database and self.dialect == "sqlite" else None
        if not in_database or local_time_sql(Complaint.received_at, self.dialect, self.zone, offset) is None:
            self.mode = "python"
        else:
            self.mode = "postgresql" if self.dialect == "postgresql" else "sqlite"
        self.uses_copy = self.mode == "postgresql"
        self.statement = self._statement(query, offset)

    # ---- the query -------------------------------------------------------------------

    def _statement(self, query, offset):
        """The query of the batches; on PostgreSQL also `copy_statement`, the query of COPY."""
        c, p = Complaint, Complainant
        join = (p, p.id == c.complainant_id)
        if self.mode == "python":
            columns = [_raw(col) for col in (
                c.case_number, c.received_at, c.office_id, c.category_id, c.channel, c.urgency, c.grade,
                c.validity, c.tier, c.status, c.assignee_id, c.respondent_id, c.respondent_department, p.name,
                p.room, p.phone, c.description, c.resolved_at, c.closed_at, c.overdue_since)]
            return query.with_entities(*columns).join(*join).statement

        # Cells the database renders are NULL when empty: COPY writes NULL as an empty cell
        # (and would quote an empty text); the batches get '' instead.
        dialect = self.dialect
        received, resolved, closed = (local_time_sql(t, dialect, self.zone, offset)
                                      for t in (c.received_at, c.resolved_at, c.closed_at))
        phone = p.phone if self.personal_data else masked_phone_sql(p.phone)
        text = [neutralised_sql(col, dialect) for col in (c.case_number, c.respondent_department, p.name, p.room,
                                                         phone, c.description)]
        overdue = sa.case((c.overdue_since.is_not(None), OVERDUE_MARK))

        def blank(cells):
            return [sa.func.coalesce(cell, "") for cell in cells]

        if self.mode == "sqlite":
            return query.with_entities(
                *blank([text[0], received]), c.office_id, c.category_id, _raw(c.channel), _raw(c.urgency),
                _raw(c.grade), _raw(c.validity), c.tier, _raw(c.status), c.assignee_id, c.respondent_id,
                *blank([*text[1:6], resolved, closed, overdue])).join(*join).statement

        # PostgreSQL: the labels in SQL too, from the same dictionaries (a CASE for enum names,
        # a joined VALUES list for ids).
        labels = self.labels

        def enum(column, cls):
            return sa.case(_non_empty(labels.enums[cls]), value=_raw(column))

        lookups = [(_lookup(name, mapping), key) for name, mapping, key in (
            ("office_label", labels.offices, c.office_id), ("category_label", labels.categories, c.category_id),
            ("assignee_label", labels.people, c.assignee_id), ("respondent_label", labels.people, c.respondent_id))]
        office, category, assignee, respondent = (values.c.label for values, _key in lookups)
        cells = [text[0], received, office, category, enum(c.channel, Channel), enum(c.urgency, Urgency),
                 enum(c.grade, Grade), enum(c.validity, Validity), sa.case(_non_empty(labels.tiers), value=c.tier),
                 enum(c.status, Status), assignee, respondent, *text[1:6], resolved, closed, overdue]

        def select(cells):
            stmt = query.with_entities(*cells).join(*join)
            for values, key in lookups:
                stmt = stmt.outerjoin(values, values.c.id == key)
            return stmt.statement

        self.copy_statement = select(cells)
        return select(blank(cells))

    # ---- batches of tuples (xlsx; CSV where the database cannot COPY) -----------------

    def __iter__(self):
        # Core, not the ORM: plain rows, fetched batch_rows at a time from a server-side cursor.
        size = self.batch_rows
        result = self.session.connection().execution_options(stream_results=True, max_row_buffer=size) \
            .execute(self.statement)
        # The first batch through SQLAlchemy (which holds the rows it read ahead); then the
        # driver's own tuples straight from its cursor — a third of the time of making Rows.
        part = result.fetchmany(size)
        cursor = result.cursor  # None once SQLAlchemy has read every row
        fetch = result.fetchmany if cursor is None else cursor.fetchmany
        render = {"python": self._in_python, "sqlite": self._labelled}.get(self.mode)
        try:
            while part:
                yield render(part) if render else part
                part = fetch(size)
        finally:
            result.close()

    def _labelled(self, part):
        """SQLite's rows: ids and enum names to labels."""
        enums = self.labels.enums
        channel, urgency, grade, validity, status = (enums[cls] for cls in (Channel, Urgency, Grade, Validity, Status))
        office, category, person, tier = (self.labels.offices.get, self.labels.categories.get,
                                          self.labels.people.get, self.labels.tiers.get)
        return [(n, received, office(o, ""), category(cat, ""), channel.get(ch, ""), urgency.get(u, ""),
                 grade.get(gr, ""), validity.get(v, ""), tier(t, ""), status.get(st, ""), person(a, ""),
                 person(rs, ""), dept, name, room, ph, desc, resolved, closed, overdue)
                for (n, received, o, cat, ch, u, gr, v, t, st, a, rs, dept, name, room, ph, desc, resolved,
                     closed, overdue) in part]

    def _in_python(self, part):
        """Every cell from the stored values, as `local_time`, `mask_phone` and the labels
        show them."""
        enums, zone, personal = self.labels.enums, self.zone, self.personal_data
        channel, urgency, grade, validity, status = (enums[cls] for cls in (Channel, Urgency, Grade, Validity, Status))
        office, category, person, tier = (self.labels.offices.get, self.labels.categories.get,
                                          self.labels.people.get, self.labels.tiers.get)

        def text(value):
            return neutralise(value or "")

        def when(moment):
            return local_time_text(moment, zone)

        return [(text(n), when(received), office(o, ""), category(cat, ""), channel.get(ch, ""),
                 urgency.get(u, ""), grade.get(gr, ""), validity.get(v, ""), tier(t, ""), status.get(st, ""),
                 person(a, ""), person(rs, ""), text(dept), text(name), text(room),
                 text(ph if personal else mask_phone(ph)), text(desc), when(resolved), when(closed),
                 OVERDUE_MARK if overdue is not None else "")
                for (n, received, o, cat, ch, u, gr, v, t, st, a, rs, dept, name, room, ph, desc, resolved,
                     closed, overdue) in part]

    # ---- PostgreSQL's COPY -------------------------------------------------------------

    @contextlib.contextmanager
    def _copy(self, statement, options: str):
        """PostgreSQL's COPY of `statement` (its rows one message each), on the session's own
        connection and transaction. The values are bound by psycopg on the client: COPY takes
        no server-side parameters."""
        compiled = statement.compile(dialect=self.session.get_bind().dialect)
        state = compiled.construct_expanded_state()
        params = {key: state.processors[key](value) if key in state.processors else value
                  for key, value in state.parameters.items()}
        driver_connection = self.session.connection().connection.dbapi_connection
        with driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY ({state.statement}) TO STDOUT WITH ({options})", params) as copy:
            yield copy

    def csv_copy(self, headers: list[str], counter: Counter) -> Iterator[bytes]:
        """The CSV file: the byte-order mark and header, then COPY's own bytes of the query,
        passed on in pieces of about COPY_CHUNK_BYTES. Each row comes as one COPY message,
        so counting them counts the rows sent."""
        yield csv_header(headers)
        with self._copy(self.copy_statement, "FORMAT csv") as copy:
            buffer = bytearray()
            for row in copy:
                buffer += row
                counter.rows += 1
                if len(buffer) >= COPY_CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
            if buffer:
                yield bytes(buffer)

    def copied_batches(self) -> Iterator[xlsx.CopiedRows]:
        """The rows for a spreadsheet as COPY writes them, batch_rows at a time, with \\x01
        between cells and \\x02 as the quote: `xlsx` makes the XML of a whole batch at once."""
        size, columns = self.batch_rows, len(COMPLAINT_COLUMNS)
        options = f"FORMAT csv, DELIMITER E'{xlsx.COPY_DELIMITER_SQL}', QUOTE E'{xlsx.COPY_QUOTE_SQL}'"
        with self._copy(self.copy_statement, options) as copy:
            batch = xlsx.CopiedRows(columns=columns)
            for row in copy:
                batch.append(row)
                if len(batch) == size:
                    yield batch
                    batch = xlsx.CopiedRows(columns=columns)
            if batch:
                yield batch


def _non_empty(mapping: dict) -> dict:
    """A label dictionary without empty labels: what it does not name is NULL in SQL."""
    return {key: label for key, label in mapping.items() if label}


def _lookup(name: str, mapping: dict):
    """An id → label dictionary as a VALUES list to join (one that names nothing matches
    nothing)."""
    rows = list(_non_empty(mapping).items()) or [(None, None)]
    return sa.values(sa.column("id", sa.Integer), sa.column("label", sa.Text), name=name).data(rows)


def complaint_rows(session: Session, query, personal_data: bool, batch_rows: int | None = None,
                   in_database: bool = True) -> ComplaintRows:
    """The rows of a complaint list query as on screen (see ComplaintRows)."""
    return ComplaintRows(session, query, personal_data, batch_rows, in_database)


# ---------------------------------------------------------------------------------------
# Room for everyone else
# ---------------------------------------------------------------------------------------


class ExportsBusy(WorkflowError):
    """This server process is already streaming as many exports as it lets run at once."""

    http_status = 429


_slots_lock = threading.Lock()


def take_slot(app) -> Callable[[], None]:
    """One of the EXPORTS_AT_ONCE exports a server process streams at a time (each holds a
    worker thread and a database connection until its download ends), so that a few long
    exports never leave the other users waiting; ExportsBusy when all are taken. Returns the
    function that gives the slot back (it may be called more than once)."""
    size = int(app.config.get("EXPORTS_AT_ONCE", 2))
    with _slots_lock:
        held = app.extensions.get("export_slots")
        if held is None or held[0] != size:
            held = app.extensions["export_slots"] = (size, threading.BoundedSemaphore(size))
    semaphore = held[1]
    if not semaphore.acquire(blocking=False):
        raise ExportsBusy(_("Other exports are running on the server right now. Please try again in a minute."))
    given_back = threading.Event()

    def give_back():
        if not given_back.is_set():
            given_back.set()
            semaphore.release()
    return give_back


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


def recorded_stream(engine, record_id: int, file_format: str, headers, rows: Iterable, title: str,
                    give_back: Callable[[], None] = lambda: None) -> Iterator[bytes]:
    """The file's bytes; when the download ends, or the browser breaks it off, store how many
    rows were written and whether it completed — on a connection of its own, since the rows'
    server-side cursor may still hold the session's transaction — and give the export's slot
    back."""
    counter, completed = Counter(), False
    try:
        yield from file_chunks(file_format, headers, rows, title, counter)
        completed = True
    finally:
        try:
            with engine.begin() as conn:
                conn.execute(sa.update(ExportRecord).where(ExportRecord.id == record_id)
                             .values(rows=counter.rows, completed=completed))
        finally:
            give_back()
