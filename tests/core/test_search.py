"""Substring search on the description and on the complainant's name, phone and room: the
indexed search returns exactly the rows of the scan it replaces, on either database, and the
index follows every intake, edit and removal."""
import re

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.models import Complainant, Complaint
from app.core import search
from app.core.extensions import db

from ..test_set_based import counting_statements

CASES = [
    # (description, complainant name, phone, room)
    ("5栋电梯停在8楼不动，里面有人", "王秀英", "13800000001", "5栋1单元801"),
    ("电梯门关不上", "王建国", "13800000002", "5栋2单元1202"),
    ("楼道 WiFi 信号差，物业费却涨了", "Li Ming", "13912345678", "3栋2单元1201"),
    ("小区门口 wifi 收费 50%_off 的广告", "李明", "13912345679", "A座_101"),
    ("夜间施工噪音扰民", "张\"三\"", "021-5555 1234", "12栋3单元302"),
    ("下水道堵塞反味 100% 无法使用", "赵六", "13700000000", "1栋1单元101"),
    ("绿化带无人修剪", "O'Brien", "13600000000", "B栋/8"),
]

TERMS = ["电梯", "电梯停", "停在8楼", "WIFI", "wifi", "Wi", "50%", "50%_", "_off", "%", "_", "100%", "物业费",
         "不存在的说法", "梯", "王", "王秀", "王秀英", "1380000", "13912345678", "5555 1", "单元1", "A座_1", "B栋/8",
         '"', '张"三', "o'brien", "LI MING", "1201", "  电梯停  ", "wI", "座_", "/8", "'B", "反味", "8楼", "噪"]


@pytest.fixture
def searchable(new_case):
    return [new_case(description=d, complainant_name=n, complainant_phone=p, complainant_room=r)
            for d, n, p, r in CASES]


def found(condition):
    return set(db.session.scalars(sa.select(Complaint.id).where(condition)))


def description_search(term):
    return search.contains(db.engine.dialect.name, Complaint.__table__, [Complaint.description], term)


def complainant_search(term):
    columns = [Complainant.name, Complainant.phone, Complainant.room]
    matching = search.contains(db.engine.dialect.name, Complainant.__table__, columns, term)
    return Complaint.complainant_id.in_(sa.select(Complainant.id).where(matching))


def complainant_scan(term):
    matching = search.scan_clause([Complainant.name, Complainant.phone, Complainant.room], term.strip())
    return Complaint.complainant_id.in_(sa.select(Complainant.id).where(matching))


@pytest.mark.parametrize("term", TERMS)
def test_the_indexed_search_finds_exactly_the_rows_of_the_scan(searchable, term):
    assert found(description_search(term)) == found(search.scan_clause([Complaint.description], term.strip()))
    assert found(complainant_search(term)) == found(complainant_scan(term))


def test_the_search_is_a_literal_case_insensitive_substring(searchable):
    ids = [c.id for c in searchable]
    assert found(description_search("wifi")) == {ids[2], ids[3]}
    assert found(description_search("50%_")) == {ids[3]}
    assert found(description_search("%")) == {ids[3], ids[5]}  # a percent sign, not "anything"
    assert found(complainant_search("王秀")) == {ids[0]}
    assert found(complainant_search("li ming")) == {ids[2]}
    assert found(complainant_search("13912345")) == {ids[2], ids[3]}


def test_every_length_is_looked_up_in_an_index(searchable):
    sqlite = db.engine.dialect.name == "sqlite"
    with counting_statements(db.engine) as statements:
        found(description_search("电梯停"))
        found(complainant_search("1391234"))
    # SQLite asks its trigram full-text tables; PostgreSQL's trigram indexes serve the ILIKE
    # itself (tests/test_plans.py checks that its plans use them).
    assert all(("_fts MATCH" in s) == sqlite for s in statements)
    # One or two characters: the grams' index (FTS5 table on SQLite, app_grams on PostgreSQL).
    with counting_statements(db.engine) as statements:
        found(description_search("电梯"))
        found(complainant_search("王"))
    assert all(("_grams MATCH" if sqlite else "app_grams(") in s for s in statements)


def test_the_search_index_follows_edits_and_removals(searchable, world):
    case = searchable[6]
    assert found(description_search("无人修剪")) == found(description_search("修剪")) == {case.id}
    workflow.update_details(db.session, world.actor("sup"), case.id, {"description": "草坪积水严重"})
    assert found(description_search("无人修剪")) == found(description_search("修剪")) == set()
    assert found(description_search("草坪积水")) == found(description_search("积水")) == {case.id}
    db.session.execute(sa.update(Complainant).where(Complainant.id == case.complainant_id).values(phone="18611112222"))
    assert found(complainant_search("1861111")) == found(complainant_search("86")) == {case.id}
    assert found(complainant_search("13600000")) == set()
    db.session.rollback()


def test_the_list_screen_filters_by_description_and_by_complainant(searchable, supervisor_client):
    def listed(query):
        page = supervisor_client.get(f"/complaints/list/?{query}").get_data(as_text=True)
        return {c.case_number for c in searchable if c.case_number in page}

    numbers = [c.case_number for c in searchable]
    assert listed("_flt_2_description=电梯停") == {numbers[0]}
    assert listed("_flt_2_description=WIFI") == {numbers[2], numbers[3]}
    assert listed("_flt_0_complainant_room=3栋2单元") == {numbers[2]}
    assert listed("_flt_0_complainant_name=王") == {numbers[0], numbers[1]}
    # The complainant filter is a text box; the page lists no complainant to choose from.
    page = supervisor_client.get("/complaints/list/").get_data(as_text=True)
    assert not re.search(r"<option[^>]*>王秀英", page)
