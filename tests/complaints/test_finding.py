"""Finding work: the quick search in the navbar, the lists' filters in the user's language, a
filtered list that says so, case numbers that open their case, and my queue's order."""
import json
import re
from contextlib import contextmanager
from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.enums import Urgency
from app.complaints.models import Complaint, ComplaintDeadline
from app.core import clock
from app.core.extensions import db
from app.deadlines.enums import DeadlineKind


def listed(client, url) -> list[str]:
    """The case numbers a list shows, in its order."""
    page = client.get(url).get_data(as_text=True)
    return re.findall(r'class="case-link" href="/complaints/number/[^"]+">([^<]+)</a>', page)


def search_widget(page) -> tuple[dict, dict]:
    """The labels and the filters per column FAB's search widget is given."""
    call = re.search(r"new AdminFilters\(\s*'#filter_form',\s*(\{.*?\}),\s*(\{.*?\}),\s*(\{.*?\}),", page, re.DOTALL)
    return json.loads(call.group(1)), json.loads(call.group(3))


@contextmanager
def statements():
    """The SQL statements and parameters run meanwhile (the test client's requests included)."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    # Every engine: the test clients' app has its own.
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


# ---- quick search -----------------------------------------------------------------------------

def test_every_staff_role_has_the_quick_search_in_the_navbar(cs_client, supervisor_client, gm_client, admin_client,
                                                             anonymous_client):
    for client in (cs_client, supervisor_client, gm_client, admin_client):
        page = client.get("/").get_data(as_text=True)
        assert 'id="quick-search"' in page and 'action="/complaints/search"' in page
        assert 'placeholder="编号、姓名、电话、房号"' in page
    assert 'id="quick-search"' not in anonymous_client.get("/login/").get_data(as_text=True)


def test_a_case_number_opens_its_case(cs_client, new_case):
    case = new_case()
    for typed in (case.case_number, case.case_number.lower(), f"  {case.case_number} "):
        response = cs_client.get("/complaints/search", query_string={"q": typed})
        assert response.status_code == 302 and response.headers["Location"] == f"/complaints/show/{case.id}"


def test_quick_search_finds_by_name_phone_last_four_digits_room_and_number_prefix(cs_client, new_case):
    wang = new_case(complainant_name="王秀英", complainant_phone="13800001234", complainant_room="5栋1单元801")
    li = new_case(complainant_name="李建华", complainant_phone="139 0000 5678", complainant_room="7栋2单元1203")

    def found(text):
        response = cs_client.get("/complaints/search", query_string={"q": text})
        assert response.status_code == 302
        return set(listed(cs_client, response.headers["Location"]))

    assert found("王秀英") == found("王秀") == {wang.case_number}
    assert found("13800001234") == found("1234") == {wang.case_number}
    assert found("13900005678") == found("139 0000 5678") == found("5678") == {li.case_number}
    assert found("７栋２单元１２０３") == {li.case_number}  # full-width, as a Chinese input method types it
    assert found(wang.case_number[:13]) == {wang.case_number, li.case_number}  # today's cases of BJ01
    assert found("秀英") == set()  # no substring scan: names are found by their beginning
    assert found("8888") == set()


def test_quick_search_stays_within_the_users_offices(other_office_client, cs_client, new_case):
    beijing = new_case(complainant_phone="13800001234")
    shanghai = new_case(by="sh_cs", office="SH01", complainant_phone="13800001234")
    response = other_office_client.get("/complaints/search?q=1234")
    assert listed(other_office_client, response.headers["Location"]) == [shanghai.case_number]
    # Another office's case number is no case at all.
    response = other_office_client.get("/complaints/search", query_string={"q": beijing.case_number})
    assert listed(other_office_client, response.headers["Location"]) == []


def test_the_general_manager_searches_every_office(gm_client, new_case):
    beijing = new_case(complainant_phone="13800001234")
    shanghai = new_case(by="sh_cs", office="SH01", complainant_phone="13800001234")
    response = gm_client.get("/complaints/search?q=1234")
    assert set(listed(gm_client, response.headers["Location"])) == {beijing.case_number, shanghai.case_number}


def test_quick_search_looks_up_beginnings_and_whole_values_never_a_substring(cs_client, new_case):
    new_case()
    with statements() as seen:
        cs_client.get("/complaints/list/?_flt_0_quick_search=王秀")
    patterns = [value for _statement, parameters in seen
                for value in (parameters.values() if isinstance(parameters, dict) else parameters or ())
                if isinstance(value, str) and "%" in value]
    assert patterns and all(p.endswith("%") and not p.startswith("%") for p in patterns), patterns
    assert not any(re.search(r"lower\(|LIKE '%", statement) for statement, _ in seen)


def test_an_empty_search_shows_the_whole_list(cs_client):
    response = cs_client.get("/complaints/search?q=%20")
    assert response.status_code == 302 and response.headers["Location"] == "/complaints/list/"


def test_the_phone_last_four_digits_of_existing_residents_are_filled_by_the_migration(empty_app):
    db.session.execute(sa.text("INSERT INTO office (id, code, name, households, active) "
                               "VALUES (1, 'BJ01', '北京', 10, true)"))
    db.session.commit()
    db.session.remove()
    flask_migrate.downgrade(revision="ed2113d3aee0")
    for name, phone in (("甲", "13800001234"), ("乙", "(010) 8888-0123"), ("丙", "12"), ("丁", "")):
        db.session.execute(sa.text("INSERT INTO complainant (office_id, name, room, phone) VALUES (1, :n, '', :p)"),
                           {"n": name, "p": phone})
    db.session.commit()
    db.session.remove()
    flask_migrate.upgrade()
    rows = dict(db.session.execute(sa.text("SELECT name, phone_last4 FROM complainant")).all())
    assert rows == {"甲": "1234", "乙": "0123", "丙": "", "丁": ""}


# ---- list filters -----------------------------------------------------------------------------

def test_every_list_filter_has_a_label_in_the_users_language(cs_client):
    labels, filters = search_widget(cs_client.get("/complaints/list/").get_data(as_text=True))
    for names in filters.values():
        assert not any(re.search(r"[A-Za-z]", name) for name in names), names
    assert labels["status"] == "状态" and labels["tier"] == "处理层级" and labels["urgency"] == "紧急程度"
    assert labels["grade"] == "投诉级别" and labels["validity"] == "有效性" and labels["channel"] == "受理渠道"
    assert labels["overdue_since"] == "逾期"
    assert labels["complainant_name"] == "投诉人" and labels["complainant_phone"] == "联系电话"
    assert labels["complainant_room"] == "房号"
    for label in labels.values():
        assert not re.search(r"[A-Za-z]", label), label


def test_text_filters_start_with_contains(cs_client, admin_client):
    _labels, filters = search_widget(cs_client.get("/complaints/list/").get_data(as_text=True))
    for column in ("case_number", "description", "complainant_name", "complainant_phone", "complainant_room"):
        assert filters[column][0] == "包含", column
    _labels, filters = search_widget(admin_client.get("/categories/list/").get_data(as_text=True))
    assert filters["name"][0] == "包含"


def test_lists_filter_by_part_of_the_description_and_the_complainants_details(cs_client, new_case):
    wang = new_case(complainant_name="王秀英", complainant_phone="13800001234", complainant_room="5栋1单元801",
                    description="楼道漏水,地面积水很滑")
    li = new_case(complainant_name="李建华", complainant_phone="13900005678", complainant_room="7栋2单元1203")
    assert listed(cs_client, "/complaints/list/?_flt_0_description=漏水") == [wang.case_number]
    assert listed(cs_client, "/complaints/list/?_flt_0_complainant_name=秀") == [wang.case_number]
    assert listed(cs_client, "/complaints/list/?_flt_0_complainant_phone=5678") == [li.case_number]
    assert listed(cs_client, "/complaints/list/?_flt_0_complainant_room=2单元") == [li.case_number]
    assert listed(cs_client, "/complaints/list/?_flt_1_complainant_room=7栋2单元") == []  # equal to
    assert listed(cs_client, "/complaints/list/?_flt_1_complainant_phone=13800001234") == [wang.case_number]
    assert set(listed(cs_client, "/complaints/list/?_flt_0_complainant_name=")) == {wang.case_number, li.case_number}
    assert listed(cs_client, "/complaints/list/?_flt_0_complainant_name=100%25") == []  # % is no wildcard


def test_a_filtered_list_says_so_in_its_title_and_shows_its_filters_in_words(cs_client, new_case, world):
    emergency = new_case(urgency=Urgency.EMERGENCY)
    new_case()
    url = f"/complaints/list/?_flt_0_urgency=EMERGENCY&_flt_0_category={world.categories['REPAIR_COMMON'].id}"
    page = cs_client.get(url).get_data(as_text=True)
    assert "全部投诉(已筛选)" in page
    filters = re.search(r'<div class="alert alert-info active-filters".*?</div>', page, re.DOTALL).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", filters).split())
    assert "紧急程度 等于 紧急" in text and "类别 关联 设施设备/报修 / 共用设施(免费)" in text
    assert 'href="/complaints/list/"' in filters  # back to the whole list
    assert listed(cs_client, url) == [emergency.case_number]
    whole = cs_client.get("/complaints/list/").get_data(as_text=True)
    assert "已筛选" not in whole and "active-filters" not in whole
    # An empty box is no filter.
    assert "已筛选" not in cs_client.get("/complaints/list/?_flt_0_complainant_name=").get_data(as_text=True)


def test_a_time_filter_reads_in_local_time(cs_client):
    page = cs_client.get("/complaints/list/?_flt_1_received_at=2026-11-01").get_data(as_text=True)
    filters = re.search(r'<div class="alert alert-info active-filters".*?</div>', page, re.DOTALL).group(0)
    assert "受理时间 大于 2026-11-01 00:00 " in " ".join(re.sub(r"<[^>]+>", " ", filters).split())


def test_the_overdue_link_arrives_filtered(cs_client):
    page = cs_client.get("/complaints/list/?_flt_0_overdue_since=1").get_data(as_text=True)
    filters = re.search(r'<div class="alert alert-info active-filters".*?</div>', page, re.DOTALL).group(0)
    assert "全部投诉(已筛选)" in page
    assert " ".join(re.sub(r"<[^>]+>", " ", filters).split()).startswith("筛选条件: 逾期 已逾期 显示全部")


# ---- case numbers are links -------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/complaints/list/", "/queue/list/"])
def test_the_case_number_opens_the_case_in_every_list(cs_client, new_case, url):
    case = new_case()
    assert listed(cs_client, url) == [case.case_number]
    response = cs_client.get(f"/complaints/number/{case.case_number}")
    assert response.status_code == 302 and response.headers["Location"] == f"/complaints/show/{case.id}"


def test_a_case_number_of_another_office_or_none_is_not_found(other_office_client, new_case):
    case = new_case()
    assert other_office_client.get(f"/complaints/number/{case.case_number}").status_code == 404
    assert other_office_client.get("/complaints/number/NOPE-1").status_code == 404


# ---- my queue ---------------------------------------------------------------------------------

def _due(case, minutes):
    """Move the case's next deadline to `minutes` from now."""
    due = clock.now() + timedelta(minutes=minutes)
    db.session.execute(sa.update(ComplaintDeadline).where(ComplaintDeadline.complaint_id == case.id,
                                                          ComplaintDeadline.kind == DeadlineKind.ACKNOWLEDGE)
                       .values(due_at=due))
    db.session.execute(sa.update(Complaint).where(Complaint.id == case.id).values(next_due_at=due))
    db.session.commit()


def test_my_queue_puts_emergencies_first_then_the_nearest_deadline(cs_client, new_case, world, frozen_clock):
    later = new_case()
    sooner = new_case()
    emergency = new_case(urgency=Urgency.EMERGENCY)
    overdue = new_case()
    no_deadline = new_case()
    _due(later, 600)
    _due(sooner, 60)
    _due(emergency, 900)
    db.session.execute(sa.update(Complaint).where(Complaint.id == overdue.id)
                       .values(overdue_since=clock.now() - timedelta(hours=2), next_due_at=None))
    db.session.execute(sa.update(Complaint).where(Complaint.id == no_deadline.id).values(next_due_at=None))
    db.session.commit()
    assert listed(cs_client, "/queue/list/") == [emergency.case_number, overdue.case_number, sooner.case_number,
                                                  later.case_number, no_deadline.case_number]


def test_the_deadline_column_sorts_both_ways(cs_client, new_case, frozen_clock):
    later, sooner, emergency = new_case(), new_case(), new_case(urgency=Urgency.EMERGENCY)
    _due(later, 600)
    _due(sooner, 60)
    _due(emergency, 900)
    page = cs_client.get("/queue/list/").get_data(as_text=True)
    assert "_oc_MyQueueView=deadline_state" in page  # the header is a sort link
    assert listed(cs_client, "/queue/list/?_oc_MyQueueView=deadline_state&_od_MyQueueView=asc") == \
        [sooner.case_number, later.case_number, emergency.case_number]
    assert listed(cs_client, "/queue/list/?_oc_MyQueueView=deadline_state&_od_MyQueueView=desc") == \
        [emergency.case_number, later.case_number, sooner.case_number]
    assert listed(cs_client, "/complaints/list/?_oc_ComplaintView=deadline_state&_od_ComplaintView=asc") == \
        [sooner.case_number, later.case_number, emergency.case_number]


def test_the_queue_export_keeps_the_queues_order(supervisor_client, new_case, world, frozen_clock):
    general, emergency = new_case(), new_case(urgency=Urgency.EMERGENCY)
    _due(general, 60)
    _due(emergency, 900)
    for case in (general, emergency):
        workflow.perform(db.session, world.actor("cs"), case.id, "escalate", reason="需主管处理")
    response = supervisor_client.get("/reports/export/complaints.csv?list=queue")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.index(emergency.case_number) < text.index(general.case_number)


def test_a_quick_search_list_says_what_was_searched(cs_client, new_case):
    new_case()
    page = cs_client.get("/complaints/search?q=王秀", follow_redirects=True).get_data(as_text=True)
    filters = re.search(r'<div class="alert alert-info active-filters".*?</div>', page, re.DOTALL).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", filters).split())
    assert text.startswith("筛选条件: 快速查找 编号、姓名、电话或房号 王秀 显示全部")
