"""Next year's holiday arrangement, entered at once: the State Council's notice (or one day or
range a line) is read by one parser, checked as a whole, and saved whole or not at all; the
deadlines then count working days by it."""
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import sqlalchemy as sa

from app.complaints.models import ComplaintDeadline
from app.core.extensions import db
from app.deadlines.enums import DeadlineKind
from app.deadlines.models import CalendarDay, CalendarYear
from app.deadlines.workdays import ArrangementError, parse_arrangement

BEIJING = ZoneInfo("Asia/Shanghai")

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
国办发明电〔2025〕7号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
"""

NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（周六）至12日（周五）放假调休，共7天。2月14日（周日）、2月20日（周六）上班。
三、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def local(*args):
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def year_2027():
    """Leaves 2027's calendar as the test world had it (empty, unconfirmed)."""
    yield 2027
    db.session.rollback()
    db.session.execute(sa.delete(CalendarDay).where(CalendarDay.day >= date(2027, 1, 1),
                                                    CalendarDay.day <= date(2027, 12, 31)))
    db.session.execute(sa.delete(CalendarYear).where(CalendarYear.year == 2027))
    db.session.commit()


def days_of(year):
    return {d.day: (d.is_working, d.name) for d in db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))}


def test_the_official_notice_reads_as_the_published_calendar(app):
    with app.test_request_context():
        arrangement = parse_arrangement(NOTICE_2026, 2026)
    published = {**{d: False for d in chinese_calendar.constants.holidays if d.year == 2026 and d.weekday() < 5},
                 **{d: True for d in chinese_calendar.constants.workdays if d.year == 2026 and d.weekday() >= 5}}
    assert {d: working for d, (working, _name) in arrangement.days.items()} == published
    assert arrangement.days[date(2026, 2, 16)] == (False, "春节")
    assert arrangement.days[date(2026, 2, 14)] == (True, "春节调休上班")
    assert (arrangement.holidays, arrangement.working_days) == (19, 6)


def test_one_day_or_range_a_line_reads_too(app):
    text = "2027-02-06 至 2027-02-12 春节\n2027-02-14 上班 春节\n2027/10/1~2027/10/7 国庆节\n# 备注行\n2027年9月26日 班 国庆节"
    with app.test_request_context():
        days = parse_arrangement(text, 2027).days
    assert days[date(2027, 2, 8)] == (False, "春节") and date(2027, 2, 6) not in days  # a Saturday is off anyway
    assert days[date(2027, 2, 14)] == (True, "春节调休上班")
    assert days[date(2027, 9, 26)] == (True, "国庆节调休上班")
    assert [d for d, (working, _n) in days.items() if not working and d.month == 10] == [
        date(2027, 10, 1), date(2027, 10, 4), date(2027, 10, 5), date(2027, 10, 6), date(2027, 10, 7)]


@pytest.mark.parametrize("text, problem", [
    ("2027-02-30 春节", "第 1 行:“2027-02-30”不是有效日期"),
    ("一、春节：2月16日（周二）上班。", "第 1 行:2027-02-16 是工作日,不能作为调休上班日"),
    ("2026-10-01 国庆节", "第 1 行:2026-10-01 不在 2027 年内"),
    ("2027-02-12 至 2027-02-06 春节", "结束日期(2027-02-06)早于开始日期(2027-02-12)"),
    ("2027-02-06 至 2027-06-06 春节", "比任何假期都长"),
    ("春节 2/6 放假", "第 1 行:无法识别日期"),
    ("2027-02-08 春节\n2027-02-08 上班 春节", "第 2 行:2027-02-08 既是放假日又是上班日(见第 1 行)"),
    ("国务院办公厅关于2027年部分节假日安排的通知", "没有找到任何假期"),
])
def test_every_problem_is_named_with_its_line(app, text, problem):
    with app.test_request_context(headers={"Accept-Language": "zh"}), pytest.raises(ArrangementError) as refused:
        parse_arrangement(text, 2027)
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_the_administrator_enters_next_year_at_once_and_deadlines_follow(admin_client, new_case, world,
                                                                          frozen_clock, year_2027):
    form = admin_client.get("/calendar-import/form").get_data(as_text=True)
    assert 'value="2027"' in form and 'id="confirm"' in form  # next year, still unconfirmed, offered
    db.session.add(CalendarDay(day=date(2027, 3, 1), is_working=False, name="旧的错误记录"))
    db.session.commit()
    response = admin_client.post("/calendar-import/form", data={"year": "2027", "text": NOTICE_2027, "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendar-days/list/")
    days = days_of(2027)
    assert date(2027, 3, 1) not in days  # the year is replaced by the list, not merged with it
    assert sum(1 for working, _n in days.values() if not working) == 11
    assert sorted(d for d, (working, _n) in days.items() if working) == [
        date(2027, 2, 14), date(2027, 2, 20), date(2027, 9, 26), date(2027, 10, 9)]
    year = db.session.get(CalendarYear, 2027)
    assert year.confirmed and "2026" in year.note  # who entered it and when
    listed = admin_client.get("/calendar-days/list/").get_data(as_text=True)
    assert "已录入 2027 年安排:工作日放假 11 天,调休上班 4 天" in listed
    # A case registered before the Spring Festival: its five working days skip the holiday and
    # count the make-up Sunday.
    frozen_clock(local(2027, 2, 5, 10, 0))
    case = new_case(category_id=world.categories["SERVICE"].id)
    due = db.session.scalars(sa.select(ComplaintDeadline.due_at).where(
        ComplaintDeadline.complaint_id == case.id, ComplaintDeadline.kind == DeadlineKind.RESOLUTION)).one()
    assert due.astimezone(BEIJING) == local(2027, 2, 19, 0, 0)
    assert "2027 年的节假日安排尚未确认" not in admin_client.get("/").get_data(as_text=True)


def test_a_list_with_any_problem_saves_nothing_and_keeps_the_text(admin_client, year_2027):
    db.session.add(CalendarDay(day=date(2027, 1, 1), is_working=False, name="元旦"))
    db.session.commit()
    text = NOTICE_2027 + "四、劳动节：5月3日（周一）至5日（周三）放假。5月6日（周四）上班。\n"
    response = admin_client.post("/calendar-import/form", data={"year": "2027", "text": text, "confirm": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "未保存任何内容" in page and "第 4 行:2027-05-06 是工作日,不能作为调休上班日" in page
    assert "三、国庆节：10月1日" in page  # what was pasted is still there
    assert days_of(2027) == {date(2027, 1, 1): (False, "元旦")}
    assert db.session.get(CalendarYear, 2027) is None


def test_the_list_may_come_as_a_file(admin_client, year_2027):
    data = {"year": "2027", "text": "", "confirm": "y",
            "file": (io.BytesIO(NOTICE_2027.encode("gb18030")), "2027年节假日.txt")}
    response = admin_client.post("/calendar-import/form", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert days_of(2027)[date(2027, 2, 8)] == (False, "春节")


def test_a_year_off_the_calendar_is_refused_on_the_form(admin_client, year_2027):
    response = admin_client.post("/calendar-import/form", data={"year": "1999", "text": NOTICE_2027})
    assert response.status_code == 200 and days_of(2027) == {}


def test_only_administrators_enter_the_arrangement(cs_client, supervisor_client, gm_client):
    for client in (cs_client, supervisor_client, gm_client):
        assert client.get("/calendar-import/form").status_code in (302, 403)
        assert client.post("/calendar-import/form", data={"year": "2027", "text": NOTICE_2027}).status_code in (
            302, 403)
    assert db.session.get(CalendarYear, 2027) is None
