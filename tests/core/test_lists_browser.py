"""In Chromium: a list's related-row filter loads its choices when the user adds it, an applied
one shows its chosen row, and nothing is blocked by the content security policy."""
import pytest

from ..complaints.test_browser import browser, log_in  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser


def test_adding_a_category_filter_loads_its_choices(browser, live_server, world):  # noqa: F811
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    log_in(page, base, "sup")

    page.goto(base + "/complaints/list/")
    page.click("a[data-toggle=collapse]:has-text('搜索'), .panel-heading a:has-text('搜索')")
    page.click("#filter_form button.dropdown-toggle")
    with page.expect_response(lambda r: "/complaints/filter-choices/category" in r.url):
        page.click("#filter_form a.filter[name=category]")
    select = page.locator("#filter_form .filters select.lazy-choices")
    select.locator("option", has_text="安全").wait_for(state="attached")
    assert select.locator("option").count() == 1 + len(world.categories)

    chosen = world.categories["SAFETY"]
    page.goto(f"{base}/complaints/list/?_flt_0_category={chosen.id}")
    select = page.locator("#filter_form .filters select.lazy-choices")
    assert select.input_value() == str(chosen.id)
    select.locator("option", has_text="邻里纠纷").wait_for(state="attached")
    assert select.input_value() == str(chosen.id)  # still the applied one, with all the others to pick from
    assert problems == []
