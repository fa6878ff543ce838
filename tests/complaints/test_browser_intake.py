"""In Chromium, as the call-taker and the supervisor work: the intake by keyboard alone, a repeat
call recorded from the caller's history, the quick search, and the queue's order."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.complaints.enums import EventKind, Urgency
from app.complaints.models import Complaint, ComplaintEvent
from app.core import clock
from app.core.extensions import db

from .test_browser import browser, log_in  # noqa: F401 (the browser fixture)

pytestmark = pytest.mark.browser


def test_the_call_taker_registers_a_call_by_keyboard(browser, live_server, world):  # noqa: F811
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "cs")
    page.goto(base + "/complaints/add")

    # Category: open the Select2 from the keyboard, type, choose with Enter.
    page.locator("#category_id + .select2-container .select2-selection").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("共用")
    assert page.locator(".select2-search__field").input_value() == "共用"
    assert page.locator(".select2-results__option").all_inner_texts() == ["设施设备/报修 / 共用设施(免费)"]
    page.keyboard.press("Enter")
    assert page.locator("#category_id option:checked").inner_text() == "设施设备/报修 / 共用设施(免费)"

    # Select2's own words are Chinese.
    page.locator("#channel + .select2-container .select2-selection").click()
    page.keyboard.type("没有这种渠道")
    assert page.locator(".select2-results__option").all_inner_texts() == ["未找到结果"]
    page.keyboard.press("Escape")

    # Urgency: an explicit choice, by keyboard too.
    page.focus("input[name=urgency][value=GENERAL]")
    page.keyboard.press("ArrowRight")
    assert page.locator("input[name=urgency]:checked").input_value() == "EMERGENCY"

    page.fill("#complainant_phone", "13612345678")
    page.fill("#complainant_name", "周春生")
    page.fill("#description", "电梯困人,老人被困")
    # Back-dated by hand, to the minute.
    earlier = clock.local(clock.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    page.fill("#received_at", earlier.strftime("%Y-%m-%d %H:%M"))
    page.press("#description", "Tab")
    page.press("#complainant_name", "Enter")  # Enter in a field saves the new complaint
    page.wait_for_url("**/complaints/show/**")
    assert "已登记" in page.content()
    case = db.session.scalars(sa.select(Complaint)).one()
    assert (case.urgency, case.category.code) == (Urgency.EMERGENCY, "REPAIR_COMMON")
    assert clock.local(case.received_at) == earlier
    assert errors == []


def test_the_picker_chooses_a_day_and_a_minute_in_chinese_from_monday(browser, live_server, world):  # noqa: F811
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, base, "cs")
    page.goto(base + "/complaints/add")
    page.click(".minute-picker .input-group-addon")
    calendar = page.locator(".flatpickr-calendar.open")
    calendar.wait_for(state="visible")
    weekdays = calendar.locator(".flatpickr-weekday").all_inner_texts()
    assert [w.strip() for w in weekdays][:2] == ["周一", "周二"]
    month = calendar.locator(".flatpickr-monthDropdown-months option:checked").inner_text()
    assert month.endswith("月")
    assert calendar.locator(".flatpickr-time input.flatpickr-minute").count() == 1
    # Nothing after now can be picked (the grid always shows some of the next month).
    assert calendar.locator(".flatpickr-day.flatpickr-disabled").count() > 0
    assert calendar.locator(".flatpickr-day.today").count() == 1
    # The 10th of last month, then the hour and the minute.
    calendar.locator(".flatpickr-prev-month").click()
    month = int(calendar.locator(".flatpickr-monthDropdown-months").input_value()) + 1
    year = int(calendar.locator("input.cur-year").input_value())
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="10").first.click()
    calendar.locator("input.flatpickr-hour").fill("8")
    calendar.locator("input.flatpickr-minute").fill("07")
    calendar.locator("input.flatpickr-minute").press("Tab")
    assert page.input_value("#received_at") == f"{year}-{month:02d}-10 08:07"
    page.keyboard.press("Escape")
    # Typed text the picker cannot read stays as typed, for the server to explain.
    page.fill("#received_at", "昨天下午")
    page.click("#complainant_name")
    assert page.input_value("#received_at") == "昨天下午"


def test_a_repeat_call_is_recorded_from_the_callers_history(browser, live_server, world, new_case):  # noqa: F811
    case = new_case(complainant_phone="13800001234")
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    log_in(page, base, "cs")
    page.goto(base + "/complaints/add")
    page.fill("#complainant_phone", "13800001234")
    entry = page.locator("#caller-history .caller-history-case")
    entry.wait_for()
    assert entry.locator(".case-link").inner_text() == case.case_number
    page.fill("#description", "业主再次来电催修电梯")
    entry.locator("button.repeat-call").click()
    page.wait_for_url(f"**/complaints/show/{case.id}")
    assert page.locator(".timeline-event[data-kind=repeat_call]").count() == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 1
    assert db.session.scalars(sa.select(ComplaintEvent.note).where(
        ComplaintEvent.kind == EventKind.REPEAT_CALL)).all() == ["业主再次来电催修电梯"]


def test_the_quick_search_finds_a_resident_by_the_last_four_digits(browser, live_server, world, new_case):  # noqa: F811
    wang = new_case(complainant_name="王秀英", complainant_phone="13800001234")
    new_case(complainant_name="李建华", complainant_phone="13900005678")
    base = live_server.url().rstrip("/")
    for width, height in ((1366, 768), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        log_in(page, base, "sup")
        if width < 768:
            page.click(".navbar-toggle")
        page.fill("#quick-search", "1234")
        page.press("#quick-search", "Enter")
        page.wait_for_url("**/complaints/list/**")
        assert page.locator("a.case-link").all_inner_texts() == [wang.case_number]
        assert "全部投诉(已筛选)" in page.inner_text(".panel-title")
        page.click(f"a.case-link:has-text('{wang.case_number}')")
        page.wait_for_url(f"**/complaints/show/{wang.id}")
        page.close()


def test_the_queue_shows_emergencies_first_then_the_nearest_deadline(browser, live_server, world, new_case):  # noqa: F811
    general_soon = new_case()
    general_later = new_case()
    emergency = new_case(urgency=Urgency.EMERGENCY)
    for case, minutes in ((general_soon, 30), (general_later, 300), (emergency, 600)):
        db.session.execute(sa.update(Complaint).where(Complaint.id == case.id)
                           .values(next_due_at=clock.now() + timedelta(minutes=minutes)))
    db.session.commit()
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    log_in(page, base, "cs")
    page.goto(base + "/queue/list/")
    expected = [emergency.case_number, general_soon.case_number, general_later.case_number]
    assert page.locator("a.case-link").all_inner_texts() == expected
    page.click("th a:has-text('期限')")
    page.wait_for_url("**_oc_MyQueueView=deadline_state**")
    assert page.locator("a.case-link").all_inner_texts() == \
        [general_soon.case_number, general_later.case_number, emergency.case_number]


def test_a_list_takes_a_date_filter_with_a_chinese_picker_from_monday(browser, live_server, world, new_case):  # noqa: F811
    new_case()
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "cs")
    page.goto(base + "/complaints/list/")
    page.click("a.accordion-toggle")
    page.click("#filter_form button.dropdown-toggle")
    page.click("a.filter[name=received_at]")
    page.locator("#filter_form input.filter_val").last.click()
    picker = page.locator(".datepicker-dropdown")
    picker.wait_for(state="visible")
    assert picker.locator("th.dow").all_inner_texts()[:2] == ["一", "二"]
    assert "月" in picker.locator(".datepicker-switch").first.inner_text()
    assert errors == []
