"""Exports: the bytes of the CSV (BOM, headers in the user's language, escaping, masked phones,
neutralised formulas), the Excel file read back with openpyxl, the list's own filters and
office scope, the export permission, and the export record."""
import csv
import io
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.complaints.enums import Grade, Urgency
from app.core.extensions import db
from app.reports import export
from app.reports.models import ExportRecord

BEIJING = ZoneInfo("Asia/Shanghai")


def rows_of(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel on Chinese Windows"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def cases(new_case, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING))
    return [
        new_case(description='=HYPERLINK("http://evil.example","点我")', complainant_phone="13812345678",
                 received_at=datetime(2026, 11, 18, 9, 5, tzinfo=BEIJING)),
        new_case(description='漏水, 说"马上修"\n仍未处理', urgency=Urgency.EMERGENCY, complainant_phone="13900001111",
                 complainant_name="李四", received_at=datetime(2026, 11, 19, 14, 30, tzinfo=BEIJING)),
        new_case(by="sh_cs", office="SH01", description="上海的投诉", complainant_phone="13700002222"),
    ]


def test_csv_has_bom_chinese_headers_screen_values_escaping_masking_and_no_formulas(supervisor_client, cases):
    response = supervisor_client.get("/reports/export/complaints.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header[:3] == ["案件编号", "受理时间", "管理处"] and "联系电话" in header
    by_number = {row[0]: dict(zip(header, row)) for row in rows}
    assert set(by_number) == {cases[0].case_number, cases[1].case_number}  # Beijing only
    first, second = by_number[cases[0].case_number], by_number[cases[1].case_number]
    assert first["受理时间"] == "2026-11-18 09:05"                         # local time, as on screen
    assert first["联系电话"] == "138****5678"
    assert first["投诉内容"] == '\'=HYPERLINK("http://evil.example","点我")'
    assert second["投诉内容"] == '漏水, 说"马上修"\n仍未处理'                  # quoted and escaped by csv
    assert second["紧急程度"] == "紧急" and second["状态"] == "已登记"
    assert b'"\xe6\xbc\x8f\xe6\xb0\xb4, \xe8\xaf\xb4""' in response.get_data()  # "" inside a quoted cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert export.neutralise(text) == "'" + text
    assert export.neutralise("1-1") == "1-1" and export.neutralise(12) == 12


def test_phone_masking_keeps_three_and_four_digits():
    assert export.mask_phone("13812345678") == "138****5678"
    assert export.mask_phone("") == "" and export.mask_phone("12345") == "***45"


def test_headers_follow_the_users_language(supervisor_client, cases):
    supervisor_client.get("/lang/en")
    header = rows_of(supervisor_client.get("/reports/export/complaints.csv"))[0]
    assert header[:3] == ["Case number", "Received at", "Office"]


def test_the_export_has_exactly_the_lists_rows_with_its_filters(supervisor_client, cases):
    url = "?_flt_0_urgency=EMERGENCY"
    listed = supervisor_client.get("/complaints/list/" + url).get_data(as_text=True)
    rows = rows_of(supervisor_client.get("/reports/export/complaints.csv" + url))[1:]
    assert [r[0] for r in rows] == [cases[1].case_number]
    assert cases[1].case_number in listed and cases[0].case_number not in listed


def test_staff_export_only_their_offices_even_when_asking_for_another(supervisor_client, cases, world):
    url = f"/reports/export/complaints.csv?_flt_0_office={world.offices['SH01'].id}"
    assert rows_of(supervisor_client.get(url))[1:] == []


def test_the_queue_export_is_the_queue(supervisor_client, cases):
    rows = rows_of(supervisor_client.get("/reports/export/complaints.csv?list=queue"))[1:]
    queue = supervisor_client.get("/queue/list/").get_data(as_text=True)
    assert all(r[0] in queue for r in rows)


def test_seeing_personal_data_is_a_permission_of_its_own(admin_client, cases):
    # Administrators hold every permission, this one included; supervisors do not by default.
    rows = rows_of(admin_client.get("/reports/export/complaints.csv"))[1:]
    assert {r[15] for r in rows} == {"13812345678", "13900001111", "13700002222"}


def test_customer_service_may_not_export(cs_client, cases):
    for url in ("/reports/export/complaints.csv", "/reports/export/complaints.xlsx",
                "/reports/export/report.csv", "/reports/export/accountability.csv"):
        response = cs_client.get(url)
        assert response.status_code in (302, 403), url
        assert not response.get_data().startswith(b"\xef\xbb\xbf")


def test_xlsx_opens_in_openpyxl_with_the_same_cells(gm_client, cases, tmp_path):
    response = gm_client.get("/reports/export/complaints.xlsx")
    assert response.status_code == 200 and response.mimetype == export.XLSX_MIMETYPE
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.get_data())
    sheet = load_workbook(path, read_only=True).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[0] == "案件编号" and len(rows) == 3
    descriptions = {r[16] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","点我")' in descriptions     # text, not a formula
    assert "138****5678" in {r[15] for r in rows}


def test_a_full_sheet_continues_on_the_next(tmp_path):
    data = b"".join(export.xlsx_chunks(["n"], ([i] for i in range(5)), "投诉", sheet_max_rows=3))
    path = tmp_path / "many.xlsx"
    path.write_bytes(data)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["投诉", "投诉 2", "投诉 3"]
    values = [[r[0] for r in s.iter_rows(values_only=True)] for s in book.worksheets]
    assert values == [["n", 0, 1], ["n", 2, 3], ["n", 4]]


def test_every_export_is_recorded_with_who_what_filters_and_rows(supervisor_client, cases, world, admin_client):
    db.session.execute(sa.delete(ExportRecord))
    db.session.commit()
    supervisor_client.get("/reports/export/complaints.csv?_flt_0_urgency=EMERGENCY").get_data()
    record = db.session.scalars(sa.select(ExportRecord)).one()
    assert (record.user_id, record.kind, record.file_format, record.rows, record.completed) == \
        (world.user_id("sup"), "complaints", "csv", 1, True)
    assert record.filters == "_flt_0_urgency=EMERGENCY" and record.personal_data is False
    page = admin_client.get("/export-records/list/")
    assert page.status_code == 200 and "_flt_0_urgency=EMERGENCY" in page.get_data(as_text=True)
    assert supervisor_client.get("/export-records/list/").status_code in (302, 403)


def test_accountability_and_report_exports(gm_client, cases):
    header, *_rows = rows_of(gm_client.get("/reports/export/accountability.csv?year=2026"))
    assert header == ["年度", "员工", "有效投诉", "处理等级"]
    header, *rows = rows_of(gm_client.get("/reports/export/report.csv?start=2026-11&end=2026-11"))
    assert header[:3] == ["栏目", "项目", "目标"] and header[-1] == "全部管理处"
    received = next(r for r in rows if r[1] == "受理投诉数")
    assert received[3:] == ["2", "1", "3"]


# ---- the fast paths give the same text as the plain Python ones -------------------------

BERLIN = ZoneInfo("Europe/Berlin")
INSTANTS = [datetime(2026, 3, 29, h, m) for h in (0, 1, 2, 3) for m in (0, 59)] + \
    [datetime(2026, 10, 25, h, 30) for h in (0, 1, 2)] + [datetime(1999, 12, 31, 16, 0), datetime(2026, 11, 18, 1, 5)]


def _sql_texts(expr_for):
    export.iso_date_style(db.session)
    values = sa.union_all(*(sa.select(sa.literal(m, sa.DateTime).label("t"), sa.literal(i).label("i"))
                            for i, m in enumerate(INSTANTS))).subquery()
    return list(db.session.execute(sa.select(expr_for(values.c.t)).order_by(values.c.i)).scalars())


def test_local_times_in_sql_match_python_for_a_fixed_offset_zone():
    dialect = db.engine.dialect.name
    start, end = (m.replace(tzinfo=BEIJING) for m in (INSTANTS[-2], INSTANTS[-1]))
    offset = export.fixed_offset(BEIJING, start, end)
    assert offset == timedelta(hours=8)
    texts = _sql_texts(lambda c: export.local_time_sql(c, dialect, BEIJING, offset))
    assert texts == [export.local_time_text(m, BEIJING) for m in INSTANTS]
    assert texts[-1] == "2026-11-18 09:05"


def test_a_zone_with_daylight_saving_has_no_fixed_offset_and_keeps_correct_times():
    start, end = datetime(2026, 1, 1, tzinfo=BERLIN), datetime(2026, 12, 31, tzinfo=BERLIN)
    assert export.fixed_offset(BERLIN, start, end) is None
    assert export.fixed_offset(BERLIN, start, datetime(2026, 3, 1, tzinfo=BERLIN)) is not None
    assert [export.local_time_text(m, BERLIN) for m in INSTANTS[1:3]] == ["2026-03-29 01:59", "2026-03-29 03:00"]
    dialect = db.engine.dialect.name
    if dialect == "postgresql":   # PostgreSQL converts any zone itself
        texts = _sql_texts(lambda c: export.local_time_sql(c, dialect, BERLIN, None))
        assert texts == [export.local_time_text(m, BERLIN) for m in INSTANTS]
    else:                         # SQLite can only add a fixed offset: Python does it
        assert export.local_time_sql(sa.column("t"), dialect, BERLIN, None) is None


def test_the_export_in_a_daylight_saving_zone_shows_the_screens_local_times(web_app, supervisor_client, cases,
                                                                           new_case):
    # A summer case too: the offset changes within the rows' times (SQLite then converts in Python).
    summer = new_case(received_at=datetime(2026, 7, 1, 12, 0, tzinfo=BEIJING))
    web_app.config["TIME_ZONE"] = "Europe/Berlin"
    try:
        header, *rows = rows_of(supervisor_client.get("/reports/export/complaints.csv"))
    finally:
        web_app.config["TIME_ZONE"] = "Asia/Shanghai"
    received = {r[0]: r[1] for r in rows}
    assert received[cases[0].case_number] == "2026-11-18 02:05"   # 09:05 in Beijing is 01:05 UTC
    assert received[cases[1].case_number] == "2026-11-19 07:30"
    assert received[summer.case_number] == "2026-07-01 06:00"                # CEST, UTC+2


@pytest.mark.parametrize("phone", ["", "1", "12", "123", "12345", "1234567", "13812345678", "+8613812345678",
                                   "010-12345678"])
def test_masking_and_neutralising_in_sql_match_python(phone):
    dialect = db.engine.dialect.name
    sql = export.neutralised_sql(export.masked_phone_sql(sa.literal(phone), dialect), dialect)
    assert (db.session.scalar(sa.select(sql)) or "") == export.neutralise(export.mask_phone(phone))
    for text in ("=1+1", "-x", "\tx", "\rx", "+", "@@", "普通", "", "1-1", " =x"):
        assert (db.session.scalar(sa.select(export.neutralised_sql(sa.literal(text), dialect))) or "") == \
            export.neutralise(text)


def test_rows_fetched_in_small_batches_are_all_there(gm_client, cases):
    from app.complaints.models import Complaint
    query = db.session.query(Complaint).order_by(Complaint.id)
    batches = list(export.complaint_rows(db.session, query, False, batch_rows=1))
    assert [len(b) for b in batches] == [1, 1, 1]
    assert [b[0][0] for b in batches] == [c.case_number for c in cases]
    assert {b[0][15] for b in batches} == {"138****5678", "139****1111", "137****2222"}


def test_xlsx_keeps_chinese_text_numbers_and_neutralises_like_csv(tmp_path):
    rows = [["楼道灯不亮,请尽快维修", 3, "=1+1"], ["<&>", None, "\rx"], ["a\x01b", 2.5, "@x"]]
    data = b"".join(export.xlsx_chunks(["内容", "数", "公式"], rows, "投诉/明细"))
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    book = load_workbook(path)
    assert book.sheetnames == ["投诉明细"]
    assert [list(r) for r in book.active.iter_rows(values_only=True)] == [
        ["内容", "数", "公式"], ["楼道灯不亮,请尽快维修", 3, "'=1+1"], ["<&>", None, "'\rx"], ["ab", 2.5, "'@x"]]


# ---- a long export never holds up anyone else -------------------------------------------


def test_while_an_export_streams_others_register_cases(app, gm_client, cases, new_case, monkeypatch):
    # One row per batch: the export's query stays open between the chunks, as in a large one.
    monkeypatch.setattr(export, "BATCH_ROWS", 1)
    response = gm_client.get("/reports/export/complaints.csv", buffered=False)
    chunks = iter(response.response)
    first = next(chunks) + next(chunks)
    added = []

    def register():   # another user, on a connection of its own, in another thread
        with app.app_context():
            added.append(new_case(description="导出期间登记的投诉").case_number)

    writer = threading.Thread(target=register)
    writer.start()
    writer.join(timeout=60)
    rest = b"".join(chunks)
    response.close()
    assert added, "the registration failed while the export was streaming"
    rows = list(csv.reader(io.StringIO((first + rest).decode("utf-8-sig"))))[1:]
    assert {c.case_number for c in cases} <= {r[0] for r in rows}


def test_exports_beyond_the_limit_are_refused_and_the_screens_keep_answering(web_app, gm_client, supervisor_client,
                                                                            cases):
    web_app.config["EXPORTS_AT_ONCE"] = 1
    try:
        running = gm_client.get("/reports/export/complaints.xlsx", buffered=False)
        refused = supervisor_client.get("/reports/export/complaints.csv")
        assert refused.status_code == 429 and "导出" in refused.get_data(as_text=True)
        assert supervisor_client.get("/reports/dashboard").status_code == 200
        b"".join(running.response)
        running.close()
        assert supervisor_client.get("/reports/export/complaints.csv").status_code == 200
    finally:
        web_app.config["EXPORTS_AT_ONCE"] = 2


# ---- the database's CSV and Python's are the same bytes -------------------------------

HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-3", "@SUM(A1)", "\tTAB", "\rCR", "a,b", 'say "hi"',
           "两行\n第二行", "Windows\r\n换行", "中间\r回车", "back\\slash", "\\.", "控制\x01字符\x1b\x7f", "😀 表情",
           "  前后空格  ", "1-1", ""]
PHONES = ["13812345678", "+8613812345678", "-12345678", "1234567", "12", ""]


@pytest.fixture
def hostile_cases(new_case, world, frozen_clock):
    """Cases whose every text cell is hostile (as stored data can be, whatever the input
    guard lets in today), with times around local midnight and before 2000 (UTC)."""
    from app.complaints import workflow
    from app.complaints.models import Complainant, Complaint

    frozen_clock(datetime(2026, 12, 5, 10, 0, tzinfo=BEIJING))
    made = []
    for i, text in enumerate(HOSTILE):
        when = [datetime(2026, 11, 30, 23, 59, tzinfo=BEIJING), datetime(2026, 12, 1, 0, 0, tzinfo=BEIJING),
                datetime(2026, 12, 1, 7, 59, tzinfo=BEIJING), datetime(2026, 12, 1, 8, 0, tzinfo=BEIJING)][i % 4]
        case = new_case(received_at=when + timedelta(seconds=i), grade=[None, Grade.MINOR][i % 2],
                        respondent_id=world.user_id("cs2") if i % 3 else None)
        if i % 5 == 0:
            workflow.perform(db.session, world.actor("cs"), case.id, "resolve", result="已处理",
                             now=datetime(2026, 12, 2, 23, 59, 30, tzinfo=BEIJING))
        made.append(case)
        db.session.execute(sa.update(Complaint).where(Complaint.id == case.id).values(
            description=text, respondent_department=HOSTILE[-1 - i]))
        db.session.execute(sa.update(Complainant).where(Complainant.id == case.complainant_id).values(
            name=HOSTILE[(i + 3) % len(HOSTILE)] or "无名", room=HOSTILE[(i + 7) % len(HOSTILE)][:30],
            phone=PHONES[i % len(PHONES)]))
    # The first minutes of 2000 in Beijing are the last of 1999 in UTC.
    db.session.execute(sa.update(Complaint).where(Complaint.id == made[0].id).values(
        received_at=datetime(1999, 12, 31, 16, 30, tzinfo=UTC)))
    db.session.commit()
    return made


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
@pytest.mark.parametrize("personal", [False, True])
def test_the_databases_csv_and_pythons_are_the_same_bytes(app, hostile_cases, zone, personal, monkeypatch):
    from app.complaints.models import Complaint

    monkeypatch.setitem(app.config, "TIME_ZONE", zone)
    query = db.session.query(Complaint).order_by(Complaint.received_at.desc(), Complaint.id)
    headers = export.complaint_headers()
    if db.engine.dialect.name == "postgresql":
        # A server that writes times as text its own way: the export asks for ISO itself.
        db.session.execute(sa.text("SET LOCAL DateStyle = 'SQL, DMY'"))
    in_database = export.complaint_rows(db.session, query, personal)
    if db.engine.dialect.name == "postgresql":
        assert in_database.uses_copy    # PostgreSQL's COPY writes the file
    by_database = b"".join(export.file_chunks("csv", headers, in_database, "t"))
    by_python = b"".join(export.file_chunks("csv", headers, export.complaint_rows(db.session, query, personal,
                                                                                   in_database=False), "t"))
    assert by_database == by_python
    rows = list(csv.reader(io.StringIO(by_python.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(HOSTILE) + 1
    cells = {cell for row in rows for cell in row}
    assert {"'=HYPERLINK(\"http://evil.example\",\"点我\")", "'\rCR", "中间\r回车", "控制\x01字符\x1b\x7f",
            "Windows\r\n换行", "\\.", "😀 表情"} <= cells
    assert ("13812345678" in cells) is personal and ("138****5678" in cells) is not personal
    assert b'"\xe4\xb8\xad\xe9\x97\xb4\r\xe5\x9b\x9e\xe8\xbd\xa6"' in by_python   # a lone CR is quoted
    if zone == "Asia/Shanghai":
        received = {row[1] for row in rows[1:]}
        assert {"2000-01-01 00:30", "2026-11-30 23:59", "2026-12-01 00:00", "2026-12-01 07:59"} <= received


@pytest.mark.parametrize("personal", [False, True])
def test_the_databases_xlsx_and_pythons_hold_the_same_cells(hostile_cases, personal, tmp_path):
    from app.complaints.models import Complaint

    query = db.session.query(Complaint).order_by(Complaint.received_at.desc(), Complaint.id)
    headers = export.complaint_headers()
    sheets = []
    for in_database in (True, False):
        rows = export.complaint_rows(db.session, query, personal, in_database=in_database)
        path = tmp_path / f"{in_database}.xlsx"
        path.write_bytes(b"".join(export.file_chunks("xlsx", headers, rows, "投诉")))
        sheets.append([list(r) for r in load_workbook(path).active.iter_rows(values_only=True)])
    assert sheets[0] == sheets[1]
    cells = {cell for row in sheets[0] for cell in row}
    assert len(sheets[0]) == len(HOSTILE) + 1
    # Text as typed, minus what XML cannot hold; formulas neutralised; a carriage return kept.
    assert {"'=HYPERLINK(\"http://evil.example\",\"点我\")", "'\rCR", "中间\r回车", "控制字符\x7f", "Windows\r\n换行",
            "😀 表情", "  前后空格  ", "a,b", 'say "hi"', "back\\slash", "两行\n第二行"} <= cells
    assert ("13812345678" in cells) is personal


def test_rows_as_copy_writes_them_make_the_same_sheets_and_continue_past_a_full_one(tmp_path):
    from app.reports import xlsx

    # As COPY writes them: cells split by \x01, a cell with a line break quoted by \x02.
    copied = xlsx.CopiedRows([b"1\x01<&>\n", b"2\x01\x02two\nlines\x02\n", b"3\x01\n", "4\x01\x02中文\r\x02\n".encode(),
                              b"5\x01\x02ends with a break\n\x02\n"], columns=2)
    data = b"".join(xlsx.xlsx_chunks(["n", "text"], [copied[:2], copied[2:]], "投诉", export.neutralise,
                                     sheet_max_rows=3))
    path = tmp_path / "copied.xlsx"
    path.write_bytes(data)
    book = load_workbook(path)
    assert book.sheetnames == ["投诉", "投诉 2", "投诉 3"]
    assert [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets] == [
        [["n", "text"], ["1", "<&>"], ["2", "two\nlines"]],
        [["n", "text"], ["3", None], ["4", "中文\r"]],
        [["n", "text"], ["5", "ends with a break\n"]]]


def test_copied_rows_holding_separators_or_control_characters_are_read_as_csv(tmp_path):
    from app.reports import xlsx

    copied = xlsx.CopiedRows([b"1\x01\x02a\x01b\x02\n", b"2\x01\x02say \x02\x02hi\x02\x02\x02\n", b"3\x01c\x04d\x03e\n",
                              "4\x01x\ufffey".encode() + b"\n"], columns=2)
    path = tmp_path / "odd.xlsx"
    path.write_bytes(b"".join(xlsx.xlsx_chunks(["n", "text"], [copied], "t", export.neutralise)))
    assert [list(r) for r in load_workbook(path).active.iter_rows(values_only=True)] == [
        ["n", "text"], ["1", "ab"], ["2", "say hi"], ["3", "cde"], ["4", "xy"]]


def test_the_visit_list_exports_its_visits_as_shown_with_formulas_neutralised(supervisor_client, cs_client, cases,
                                                                              world):
    from app.complaints import workflow
    from app.visits import rules as visits
    from app.visits.models import Visit

    for case in cases:
        by = "sh_cs" if case.office.code == "SH01" else "cs"
        workflow.perform(db.session, world.actor(by), case.id, "resolve", result="已处理")
    visit = db.session.scalars(sa.select(Visit).where(Visit.complaint_id == cases[0].id)).one()
    visits.record_visit(db.session, world.visit_actor("cs"), visit.id, {
        "method": "PHONE", "person_reached": "王秀英", "resident_view": "=cmd|' /C calc'!A0",
        "satisfaction": "SATISFIED"})
    assert 'href="/reports/export/visits.csv' in supervisor_client.get("/visits/list/").get_data(as_text=True)

    response = supervisor_client.get("/reports/export/visits.csv")
    assert response.status_code == 200
    header, *rows = rows_of(response)
    by_case = {row[0]: dict(zip(header, row)) for row in rows}
    assert set(by_case) == {cases[0].case_number, cases[1].case_number}  # the supervisor's office only
    recorded = list(by_case[cases[0].case_number].values())
    assert "'=cmd|' /C calc'!A0" in recorded and "满意" in recorded and "电话回访" in recorded
    assert db.session.scalars(sa.select(ExportRecord.kind).order_by(ExportRecord.id.desc())).first() == "visits"

    workbook = load_workbook(io.BytesIO(supervisor_client.get("/reports/export/visits.xlsx").get_data()))
    assert workbook.active.max_row == 3
    assert cs_client.get("/reports/export/visits.csv").status_code in (302, 403)  # no export permission
