"""Deadlines as staff see them: the overdue badge and filter, the dashboard's calendar warning,
and the administrators' policy screen."""
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.complaints.models import DeadlinePolicy
from app.core import clock
from app.core.extensions import db
from app.deadlines.enums import DeadlineKind, DeadlineUnit
from app.deadlines.models import CalendarYear
from app.deadlines.sweep import sweep

BEIJING = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=BEIJING)


def test_overdue_cases_stand_out_in_lists_and_can_be_filtered(cs_client, new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    late = new_case(category_id=world.categories["SERVICE"].id)
    frozen_clock(local(2026, 11, 21, 9, 0))
    on_time = new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(local(2026, 11, 21, 13, 0))
    sweep(db.session)
    page = cs_client.get("/complaints/list/").get_data(as_text=True)
    late_row = page[page.index(late.case_number):][:1500]
    assert "deadline-overdue" in late_row and "fa-exclamation-triangle" in late_row
    assert "逾期 3小时" in late_row  # the words alone say it, in the user's language
    on_time_row = page[page.index(on_time.case_number):][:1500]
    assert "后到期" in on_time_row and "deadline-overdue" not in on_time_row
    filtered = cs_client.get("/complaints/list/?_flt_0_overdue_since=1").get_data(as_text=True)
    assert late.case_number in filtered and on_time.case_number not in filtered
    english = cs_client.get("/complaints/list/?_l_=en").get_data(as_text=True)
    assert "Overdue by 3 hours" in english


def test_detail_page_lists_each_deadline(cs_client, new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    case = new_case(category_id=world.categories["SERVICE"].id)
    page = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    assert 'data-kind="resolution"' in page and "2026-11-28 00:00" in page


def test_dashboard_warns_until_next_years_calendar_is_confirmed(admin_client, frozen_clock):
    frozen_clock(local(2026, 11, 22, 10, 0))
    assert "2027 年的节假日安排尚未确认" in admin_client.get("/").get_data(as_text=True)
    db.session.add(CalendarYear(year=2027, confirmed=True, note="国务院办公厅通知"))
    db.session.commit()
    try:
        assert "节假日安排尚未确认" not in admin_client.get("/").get_data(as_text=True)
    finally:
        db.session.delete(db.session.get(CalendarYear, 2027))
        db.session.commit()


def test_administrator_adds_an_office_override_on_the_policy_screen(admin_client, world):
    response = admin_client.post("/deadline-policies/add", data={
        "kind": "RESOLUTION", "office": str(world.offices["SH01"].id), "category": "", "urgency": "", "grade": "",
        "amount": "3", "unit": "WORKING_DAYS", "active": "y"})
    assert response.status_code == 302
    policy = db.session.scalars(sa.select(DeadlinePolicy).where(DeadlinePolicy.office_id.is_not(None))).one()
    try:
        assert (policy.kind, policy.amount, policy.unit) == (DeadlineKind.RESOLUTION, 3, DeadlineUnit.WORKING_DAYS)
        assert "工作日" in admin_client.get("/deadline-policies/list/").get_data(as_text=True)
    finally:
        db.session.delete(policy)
        db.session.commit()


def test_staff_cannot_change_deadline_policies_or_the_calendar(cs_client, supervisor_client):
    for client in (cs_client, supervisor_client):
        for url in ("/deadline-policies/list/", "/calendar-days/list/", "/calendar-years/list/"):
            assert client.get(url).status_code in (302, 403)


def test_sweep_command_prints_what_it_did(app, new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(local(2026, 11, 21, 10, 1))
    output = app.test_cli_runner().invoke(args=["complaints", "sweep"]).output
    assert "missed deadlines 3" in output and "FIRST_FEEDBACK: 1" in output
    assert "missed deadlines 0" in app.test_cli_runner().invoke(args=["complaints", "sweep"]).output


def test_administrator_enters_next_years_holiday_and_deadlines_follow(admin_client, new_case, world, frozen_clock):
    from app.complaints.models import ComplaintDeadline
    from app.deadlines.enums import DeadlineKind
    from app.deadlines.models import CalendarDay

    response = admin_client.post("/calendar-days/add", data={"day": "2027-01-01", "name": "元旦"})
    assert response.status_code == 302
    day = db.session.get(CalendarDay, datetime(2027, 1, 1).date())
    try:
        assert day is not None and day.is_working is False  # an unticked box saves as "not working"
        frozen_clock(local(2026, 12, 28, 10, 0))
        case = new_case(category_id=world.categories["SERVICE"].id)
        due = db.session.scalars(sa.select(ComplaintDeadline.due_at).where(
            ComplaintDeadline.complaint_id == case.id, ComplaintDeadline.kind == DeadlineKind.RESOLUTION)).one()
        assert due.astimezone(BEIJING) == local(2027, 1, 6, 0, 0)
    finally:
        db.session.delete(db.session.get(CalendarDay, datetime(2027, 1, 1).date()))
        db.session.commit()
