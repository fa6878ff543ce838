"""In Chromium: the dashboard draws its charts from our own static files (no request leaves
127.0.0.1), and a click on a bar opens the list of exactly that bar's cases."""
from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from app.complaints.enums import Channel

from ..complaints.test_browser import browser, log_in  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser
BEIJING = ZoneInfo("Asia/Shanghai")


def test_dashboard_charts_are_drawn_locally_and_a_bar_opens_its_cases(browser, live_server, world,  # noqa: F811
                                                                     new_case):
    now = datetime.now(BEIJING)
    wechat = [new_case(channel=Channel.WECHAT, received_at=now) for _ in range(2)]
    new_case(channel=Channel.PHONE, received_at=now)
    base = live_server.url().rstrip("/")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))

    log_in(page, base, "sup")
    page.goto(base + "/reports/dashboard")
    page.wait_for_selector("#chart-channel svg")
    for chart in ("chart-pareto", "chart-channel", "chart-grade", "chart-trend", "chart-on-time"):
        assert page.locator(f"#{chart} svg, #{chart} canvas").count() >= 1, chart
    assert hosts <= {"127.0.0.1", "localhost"}, hosts

    # The WeChat bar (channel order: phone, walk-in, letter, mailbox, email, WeChat, …).
    bars = page.locator("#chart-channel svg path[fill='#337ab7']")
    page.locator("#chart-channel").scroll_into_view_if_needed()
    box = page.locator("#chart-channel").bounding_box()
    page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('chart-channel'));
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [5, 1]);
        window.__wechat = [x, y];
    }""")
    x, y = page.evaluate("window.__wechat")
    assert bars.count() >= 1
    page.mouse.click(box["x"] + x, box["y"] + y + 2)
    page.wait_for_url("**/complaints/list/**")
    listed = page.locator("table.table td", has_text="BJ01-")
    texts = {listed.nth(i).inner_text().strip() for i in range(listed.count())}
    assert texts == {c.case_number for c in wechat}
