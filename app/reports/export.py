"""Exports as CSV and Excel: the bytes, streamed with bounded memory, the complaint list's rows
as shown on screen, phone masking, formula neutralising, and the export record.

CSV is UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it without mojibake.
Excel files are written by openpyxl in write-only mode (rows go to a temporary file on disk,
never into memory) and sent in chunks once written; beyond one sheet's 1,048,576 rows the
rows continue on further sheets."""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime, timezone
from typing import Iterable, Iterator

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session

from app.complaints.enums import Channel, Grade, Status, Urgency, Validity
from app.complaints.formatting import FIELD_LABELS
from app.complaints.models import Category, Complainant, Complaint
from app.core import clock
from app.core.enums import Tier
from app.core.formatting import person_name
from app.core.models import Office

from .models import ExportRecord

CSV_BATCH_ROWS = 2000
FETCH_ROWS = 5000
XLSX_CHUNK_BYTES = 256 * 1024
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


# ---------------------------------------------------------------------------------------
# File formats
# ---------------------------------------------------------------------------------------


def csv_chunks(headers: list[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """UTF-8 CSV with BOM: the header at once, then the rows a batch at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in headers])
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
        pending += 1
        if pending == CSV_BATCH_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(headers: list[str], rows: Iterable[Iterable], title: str,
                sheet_max_rows: int = SHEET_MAX_ROWS) -> Iterator[bytes]:
    """An .xlsx written by openpyxl's write-only mode into a temporary file, then sent in
    chunks; a sheet that is full continues on the next ("title 2", "title 3", …)."""
    workbook = Workbook(write_only=True)
    sheet_number, sheet, used = 1, workbook.create_sheet(_sheet_title(title, 1)), 1
    sheet.append(headers)
    for row in rows:
        if used == sheet_max_rows:
            sheet_number += 1
            sheet, used = workbook.create_sheet(_sheet_title(title, sheet_number)), 1
            sheet.append(headers)
        sheet.append([_xlsx_value(v) for v in row])
        used += 1
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(XLSX_CHUNK_BYTES):
            yield chunk


def _sheet_title(title: str, number: int) -> str:
    # Excel limits sheet names to 31 characters and forbids []:*?/\
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:26] or "Sheet"
    return clean if number == 1 else f"{clean} {number}"


def _xlsx_value(value):
    value = neutralise(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def file_chunks(file_format: str, headers, rows, title: str) -> Iterator[bytes]:
    return csv_chunks(headers, rows) if file_format == "csv" else xlsx_chunks(headers, rows, title)


# ---------------------------------------------------------------------------------------
# Complaint rows as on screen
# ---------------------------------------------------------------------------------------

COMPLAINT_COLUMNS = ["case_number", "received_at", "office", "category", "channel", "urgency", "grade",
                     "validity", "tier", "status", "assignee", "respondent", "respondent_department",
                     "complainant", "complainant_room", "complainant.phone", "description", "resolved_at",
                     "closed_at", "overdue_since"]


def complaint_headers() -> list[str]:
    return [str(FIELD_LABELS[c]) for c in COMPLAINT_COLUMNS]


def complaint_rows(session: Session, query, personal_data: bool) -> Iterator[list]:
    """The rows of a complaint list query (FAB's filters, the office scope and the order
    already applied), as the screens show them, fetched through a server-side cursor."""
    # Enum names and naive UTC times straight from the driver (type_coerce skips the columns'
    # per-value conversions); labels and local times from dictionaries built once.
    labels = {cls: {m.name: str(m.label) for m in cls} for cls in (Channel, Urgency, Grade, Validity, Status)}
    tiers = {t.value: str(t.label) for t in Tier}
    offices = dict(session.execute(sa.select(Office.id, Office.name)).all())
    categories = {c.id: str(c) for c in session.scalars(sa.select(Category))}
    people = {u.id: person_name(u) for u in session.scalars(sa.select(User))}
    zone = clock.zone()
    yes = "✓"

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.replace(tzinfo=timezone.utc).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def raw(column, type_):
        return sa.type_coerce(column, type_)

    c = Complaint
    rows = (query.with_entities(
        c.case_number, raw(c.received_at, sa.DateTime), c.office_id, c.category_id, raw(c.channel, sa.String),
        raw(c.urgency, sa.String), raw(c.grade, sa.String), raw(c.validity, sa.String), c.tier,
        raw(c.status, sa.String), c.assignee_id, c.respondent_id, c.respondent_department, Complainant.name,
        Complainant.room, Complainant.phone, c.description, raw(c.resolved_at, sa.DateTime),
        raw(c.closed_at, sa.DateTime), raw(c.overdue_since, sa.DateTime))
        .join(Complainant, Complainant.id == c.complainant_id)
        .yield_per(FETCH_ROWS))
    channel, urgency, grade, validity, status = (labels[cls] for cls in (Channel, Urgency, Grade, Validity, Status))
    for (number, received, office_id, category_id, channel_name, urgency_name, grade_name, validity_name, tier,
         status_name, assignee_id, respondent_id, department, name, room, phone, description, resolved, closed,
         overdue) in rows:
        yield [number, when(received), offices.get(office_id, ""), categories.get(category_id, ""),
               channel.get(channel_name, ""), urgency.get(urgency_name, ""), grade.get(grade_name, ""),
               validity.get(validity_name, ""), tiers.get(tier, ""), status.get(status_name, ""),
               people.get(assignee_id, ""), people.get(respondent_id, ""), department or "", name, room,
               phone if personal_data else mask_phone(phone), description, when(resolved), when(closed),
               yes if overdue else ""]


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
        for row in rows:
            count += 1
            yield row

    try:
        yield from file_chunks(file_format, headers, counted(), title)
        completed = True
    finally:
        with engine.begin() as conn:
            conn.execute(sa.update(ExportRecord).where(ExportRecord.id == record_id)
                         .values(rows=count, completed=completed))
