"""In a real browser, as staff would: customer service registers a complaint in the Chinese UI
and escalates it; the supervisor finds it in their queue."""
import os

import pytest

from ..conftest import password_of

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI and is missing at {CHROMIUM} (make browser installs it)")
        pytest.skip(f"Chromium not installed at {CHROMIUM}; `make browser` installs Debian's package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def log_in(page, base, username):
    page.goto(base + "/login/")
    page.fill("#username", username)
    page.fill("#password", password_of(username))
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def open_menu(page, label):
    page.locator("li.dropdown > a.dropdown-toggle", has_text=label).click()


def test_customer_service_escalates_and_supervisor_finds_it_in_the_queue(browser, live_server, world):
    base = live_server.url().rstrip("/")
    page = browser.new_page()

    log_in(page, base, "cs")
    assert "我的待办" in page.content()  # Chinese UI by default
    open_menu(page, "投诉处理")
    page.click("a:has-text('登记投诉')")
    page.select_option("#category_id", label="设施设备/报修 / 共用设施(免费)", force=True)
    page.check("input[name=urgency][value=EMERGENCY]")
    page.fill("#complainant_name", "周春生")
    page.fill("#complainant_room", "7栋2单元1203")
    page.fill("#complainant_phone", "13612345678")
    page.fill("#description", "地下车库B2区照明灯坏了一排,晚上很暗")
    page.click("#model_form button[type=submit]")
    page.wait_for_url("**/complaints/show/**")
    assert "投诉 " in page.content() and "已登记" in page.content()
    case_number = page.inner_text(".complaint-summary strong")
    assert case_number.startswith("BJ01-")

    page.click("details[data-action=escalate] summary")
    page.fill("details[data-action=escalate] textarea[name=reason]", "涉及工程部,需主管协调")
    page.click("details[data-action=escalate] button[type=submit]")
    page.wait_for_load_state()
    assert "第二层 · 主管" in page.inner_text("#complaint-tier")
    page.goto(base + "/logout/")

    log_in(page, base, "sup")
    open_menu(page, "投诉处理")
    page.click("a:has-text('我的待办')")
    page.wait_for_url("**/queue/list/**")
    assert page.locator("table.table td", has_text=case_number).count() == 1


def test_the_intake_form_works_under_the_content_security_policy(browser, live_server, world):
    """Select2 dropdowns and the date picker run, and nothing on the way is blocked."""
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    log_in(page, base, "cs")
    response = page.goto(base + "/complaints/add")
    assert "'self'" in response.headers["content-security-policy"]

    page.locator("#category_id + .select2-container").click()
    page.locator(".select2-results__option", has_text="设施设备/报修 / 共用设施(免费)").click()
    assert page.locator("#category_id option:checked").inner_text() == "设施设备/报修 / 共用设施(免费)"
    page.locator("label.radio-inline", has_text="紧急").click()
    assert page.locator("input[name=urgency]:checked").input_value() == "EMERGENCY"

    page.click("#received_at")
    page.locator(".flatpickr-calendar.open").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.fill("#received_at", "")

    page.fill("#complainant_name", "孙丽华")
    page.fill("#complainant_phone", "13912345678")
    page.fill("#description", "楼道感应灯不亮")
    page.click("#model_form button[type=submit]")
    page.wait_for_url("**/complaints/show/**")
    assert "已登记" in page.content()
    assert problems == []
