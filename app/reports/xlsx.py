"""A streamed .xlsx: the workbook's zip is sent as it is written, so the download starts at
once and memory stays bounded whatever the row count.

The zip is made by zipstream-ng; the worksheets' XML is generated here a batch of rows at a
time, text as inline strings (no shared-strings table, which would have to be held whole until
the end). A sheet that is full (1,048,576 rows, the header included) continues on the next
("title 2", "title 3", …); the workbook's index of sheets is written last, once their number is
known — the order of the parts inside a zip does not matter to readers."""
from __future__ import annotations

import csv
import io
import re
from typing import Callable, Iterable, Iterator
from xml.sax.saxutils import quoteattr

from zipstream import ZIP_DEFLATED, ZipStream

SHEET_MAX_ROWS = 1_048_576
# Fast deflate: the sheets' XML compresses well even so, and the stream keeps its pace.
COMPRESS_LEVEL = 1
# Characters XML 1.0 does not allow (control characters other than tab, LF, CR): dropped.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '{sheets}</Types>')
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets>{sheets}</sheets></workbook>')
_WORKBOOK_SHEET = '<sheet name={name} sheetId="{n}" r:id="rId{n}"/>'
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
    '<Relationship Id="rIdStyles" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '</Relationships>')
_SHEET_REL = ('<Relationship Id="rId{n}" '
              'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
              'Target="worksheets/sheet{n}.xml"/>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_END = '</sheetData></worksheet>'


def sheet_title(title: str, number: int) -> str:
    """Excel limits sheet names to 31 characters and forbids []:*?/\\."""
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:26] or "Sheet"
    return clean if number == 1 else f"{clean} {number}"


def xml_safe(text: str) -> str:
    """`text` without the characters XML cannot hold."""
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def _text(value: str) -> str:
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return _escaped(value)


def _escaped(text: str) -> str:
    # A carriage return kept as a reference: XML readers turn a literal one into a line feed.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _cell(value) -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"<c><v>{value!r}</v></c>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{_text(str(value))}</t></is></c>'


_INLINE = '<c t="inlineStr"><is><t xml:space="preserve">'
_INLINE_END = "</t></is></c>"
# Within a batch of text rows, cells are joined by NUL and rows by \x01 to escape the whole
# batch with a few passes over one string; both are characters no cell may hold in XML.
_CELL, _ROW = "\x00", "\x01"
_ILLEGAL_BUT_SEPARATORS = re.compile(r"[\x02-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text_rows_xml(rows: list, first: int) -> str | None:
    """Rows of text only, numbered from `first`, escaped a whole batch at a time (a few C-level
    passes over one string instead of one Python call per cell); None when a cell is not text
    or holds a separator (then `_rows_xml` goes cell by cell)."""
    try:
        joined = _ROW.join([_CELL.join(row) for row in rows])
    except TypeError:  # a number or None among the cells
        return None
    cells = sum(map(len, rows))
    if joined.count(_CELL) != cells - len(rows) or joined.count(_ROW) != len(rows) - 1:
        return None
    if _ILLEGAL_BUT_SEPARATORS.search(joined):
        joined = _ILLEGAL_BUT_SEPARATORS.sub("", joined)
    joined = _escaped(joined).replace(_CELL, _INLINE_END + _INLINE)
    xml = "".join([f'<row r="{n}">{_INLINE}{row}{_INLINE_END}</row>'
                   for n, row in enumerate(joined.split(_ROW), first)])
    return xml.replace(_INLINE + _INLINE_END, "<c/>")


# Rows as PostgreSQL's COPY writes them for a sheet (export.ComplaintRows.copied_batches): CSV
# in UTF-8 with \x01 between cells and \x02 as the quote (a cell is quoted when it holds a line
# break, or one of these two), a line feed after each row.
COPY_DELIMITER_SQL, COPY_QUOTE_SQL = "\\x01", "\\x02"
_INLINE_BYTES, _INLINE_END_BYTES = _INLINE.encode(), _INLINE_END.encode()
_BYTE_ESCAPES = ((b"&", b"&amp;"), (b"<", b"&lt;"), (b">", b"&gt;"), (b"\r", b"&#13;"))
# Control bytes XML cannot hold, the quote among them (\x01 and \x03 separate cells and rows).
_DROPPED_BYTES = bytes([2, *range(4, 9), 11, 12, *range(14, 32)])


class CopiedRows(list):
    """A batch of rows of `columns` cells as COPY wrote them (see above); a slice is one too."""

    def __init__(self, rows=(), columns: int = 0):
        super().__init__(rows)
        self.columns = columns

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return CopiedRows(item, self.columns) if isinstance(index, slice) else item

    def parsed(self) -> list[list[str]]:
        text = b"".join(self).decode("utf-8")
        return list(csv.reader(io.StringIO(text, newline=""), delimiter="\x01", quotechar="\x02"))


def _copied_rows_xml(rows: CopiedRows, first: int) -> bytes | None:
    """The XML of rows as COPY wrote them, numbered from `first`, made with a few passes over
    the batch's bytes (the markup characters are ASCII, never inside a UTF-8 sequence): rows
    are joined by \\x03 after their line feed (a line break inside a cell stays one), the
    quotes and other control bytes dropped. None when a cell held a separator or a character
    XML cannot hold that is not a control byte (then the rows are read as CSV)."""
    joined = b"\x03".join(rows).translate(None, _DROPPED_BYTES)
    if joined.count(b"\x01") != len(rows) * (rows.columns - 1) or joined.count(b"\x03") != len(rows) - 1 \
            or b"\xef\xbf\xbe" in joined or b"\xef\xbf\xbf" in joined:  # U+FFFE, U+FFFF
        return None
    for character, escaped in _BYTE_ESCAPES:
        if character in joined:
            joined = joined.replace(character, escaped)
    joined = joined.replace(b"\x01", _INLINE_END_BYTES + _INLINE_BYTES)
    xml = b"".join([b'<row r="%d">%s%s%s</row>' % (n, _INLINE_BYTES, row, _INLINE_END_BYTES)
                    for n, row in enumerate(joined[:-1].split(b"\n\x03"), first)])
    return xml.replace(_INLINE_BYTES + _INLINE_END_BYTES, b"<c/>")


def _rows_xml(rows: list, first: int) -> str | bytes:
    """Rows numbered from `first`: rows as COPY wrote them and text rows a batch at a time,
    others cell by cell."""
    if isinstance(rows, CopiedRows):
        xml = _copied_rows_xml(rows, first)
        if xml is not None:
            return xml
        rows = rows.parsed()
    fast = _text_rows_xml(rows, first)
    if fast is not None:
        return fast
    out = []
    number = first
    for row in rows:
        out.append(f'<row r="{number}">{"".join(map(_cell, row))}</row>')
        number += 1
    return "".join(out)


def xlsx_chunks(headers: list[str], batches: Iterable[list], title: str, neutralise: Callable,
                sheet_max_rows: int = SHEET_MAX_ROWS) -> Iterator[bytes]:
    """The workbook's bytes as they are made: `batches` are lists of rows whose text is
    already neutralised; the header row heads every sheet."""
    stream = ZipStream(compress_type=ZIP_DEFLATED, compress_level=COMPRESS_LEVEL)
    header_xml = _rows_xml([[neutralise(h) for h in headers]], 1)
    pending = iter(batches)
    leftover: list = []
    titles: list[str] = []

    def next_batch():
        nonlocal leftover
        if leftover:
            batch, leftover = leftover, []
            return batch
        for batch in pending:
            if batch:
                return batch
        return None

    def sheet(number: int):
        titles.append(sheet_title(title, number))
        nonlocal leftover
        yield (_SHEET_START + header_xml).encode("utf-8")
        used = 1
        while True:
            batch = next_batch()
            if batch is None:
                yield _SHEET_END.encode("utf-8")
                finish()
                return
            room = sheet_max_rows - used
            if room <= 0:
                leftover = batch
                yield _SHEET_END.encode("utf-8")
                stream.add(sheet(number + 1), f"xl/worksheets/sheet{number + 1}.xml")
                return
            if len(batch) > room:
                batch, leftover = batch[:room], batch[room:]
            xml = _rows_xml(batch, used + 1)
            yield xml if isinstance(xml, bytes) else xml.encode("utf-8")
            used += len(batch)

    def finish():
        numbers = range(1, len(titles) + 1)
        stream.add(_CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)).encode(),
                   "[Content_Types].xml")
        stream.add(_ROOT_RELS.encode(), "_rels/.rels")
        stream.add(_WORKBOOK.format(sheets="".join(
            _WORKBOOK_SHEET.format(name=quoteattr(_text(t)), n=n) for n, t in zip(numbers, titles))).encode("utf-8"),
            "xl/workbook.xml")
        stream.add(_WORKBOOK_RELS.format(rels="".join(_SHEET_REL.format(n=n) for n in numbers)).encode(),
                   "xl/_rels/workbook.xml.rels")
        stream.add(_STYLES.encode(), "xl/styles.xml")

    stream.add(sheet(1), "xl/worksheets/sheet1.xml")
    yield from stream
