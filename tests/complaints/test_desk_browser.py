"""In a real browser, at desk and phone size: the detail page's timeline reads on a phone and is
one tap away, the inbox is cleared in one click, and the administrators' delete confirmation
speaks the user's language."""
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.models import Category
from app.core import clock
from app.core.extensions import db
from app.deadlines.sweep import sweep

from .test_browser import browser, log_in  # noqa: F401  (the Chromium fixture)

BEIJING = ZoneInfo("Asia/Shanghai")
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}


def test_the_timeline_reads_on_a_phone_and_is_one_tap_away(browser, live_server, new_case, world):  # noqa: F811
    case = new_case()
    workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    workflow.perform(db.session, world.actor("cs"), case.id, "escalate", reason="涉及工程部,需主管协调")
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport=PHONE)
    log_in(page, base, "cs")
    page.goto(f"{base}/complaints/show/{case.id}")
    line = page.locator(".timeline-time").first.bounding_box()["height"]
    for selector in (".timeline-actor", ".timeline-kind", ".timeline-tiers"):
        for box in (element.bounding_box() for element in page.locator(selector).all()):
            assert box["height"] <= line * 1.5, selector  # one line, never a character per line
    assert "第一层 → 第二层" in page.inner_text(".timeline-tiers")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#jump-timeline")
    page.wait_for_function("window.scrollY > 0")
    top = page.locator("#timeline").bounding_box()["y"]
    assert 0 <= top < PHONE["height"] - 100  # in view (the page ends below it)


def test_the_timeline_is_beside_the_fields_on_a_desk(browser, live_server, new_case, world):  # noqa: F811
    case = new_case()
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport=DESK)
    log_in(page, base, "cs")
    page.goto(f"{base}/complaints/show/{case.id}")
    fields = page.locator(".complaint-main").bounding_box()
    timeline = page.locator("#timeline").bounding_box()
    assert timeline["x"] > fields["x"] + fields["width"] - 1 and timeline["y"] < DESK["height"]


def test_the_inbox_is_cleared_in_one_click(browser, live_server, new_case, world, frozen_clock):  # noqa: F811
    frozen_clock(datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING))
    new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(datetime(2026, 11, 21, 10, 1, tzinfo=BEIJING))
    sweep(db.session)
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport=PHONE)
    log_in(page, base, "sup")
    page.goto(f"{base}/notifications/list/")
    assert page.locator("#unread-count").inner_text() == "3"
    assert page.locator("tr.notification-unread").count() == 3
    page.click("#mark-all-read button")
    page.wait_for_load_state()
    assert page.locator("#unread-count").count() == 0 and page.locator("tr.notification-unread").count() == 0


def test_the_delete_confirmation_speaks_chinese_and_cancel_deletes_nothing(browser, live_server, world):  # noqa: F811
    category = Category(code="TEMP", name="临时类别", active=True)
    db.session.add(category)
    db.session.commit()
    try:
        base = live_server.url().rstrip("/")
        page = browser.new_page(viewport=DESK)
        log_in(page, base, "admin")
        page.goto(f"{base}/categories/list/?_flt_0_code=TEMP")
        page.locator("a.confirm").first.click()
        dialog = page.locator("#modal-confirm")
        dialog.wait_for(state="visible")
        assert "确定要删除这一条吗" in dialog.inner_text()
        assert "取消" in dialog.inner_text() and "确定" in dialog.inner_text()
        dialog.locator("button", has_text="取消").click()
        db.session.expire_all()
        assert db.session.scalars(sa.select(Category).where(Category.code == "TEMP")).one_or_none() is not None
    finally:
        db.session.delete(db.session.scalars(sa.select(Category).where(Category.code == "TEMP")).one())
        db.session.commit()
