"""The dashboard, as each role opens it: every tile counts exactly the cases of the list it opens,
the home page offers registering a complaint and the user's most urgent cases, a deadline that
has passed reads as overdue before the sweep has flagged it, and the calendar warning goes to
those who keep the calendar."""
import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.complaints import workflow
from app.complaints.dashboard import TILES
from app.complaints.enums import Urgency
from app.core import clock
from app.core.extensions import db
from app.deadlines.sweep import sweep

BEIJING = ZoneInfo("Asia/Shanghai")
ROLES = ["cs", "cs2", "sup", "gm", "admin", "sh_cs", "sh_sup"]


def local(*args):
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def busy_day(new_case, world, frozen_clock):
    """Two offices' cases at 10:20 on Saturday 21 Nov 2026: some overdue and flagged, one whose
    deadline passed minutes ago without a sweep, some due later today, one escalated to the
    supervisor, one assigned, one emergency."""
    service, repair = world.categories["SERVICE"].id, world.categories["REPAIR_COMMON"].id
    frozen_clock(local(2026, 11, 20, 10, 0))
    cases = {"late": new_case(category_id=service), "escalated": new_case(category_id=service),
             "sh_late": new_case(by="sh_cs", office="SH01", category_id=service)}
    clock.freeze(local(2026, 11, 21, 10, 1))
    sweep(db.session)
    # Repairs need someone on site within 15 minutes (seed 003): due later today.
    cases["unswept"] = new_case(category_id=repair)
    workflow.perform(db.session, world.actor("cs"), cases["escalated"].id, "escalate", reason="需主管协调")
    clock.freeze(local(2026, 11, 21, 10, 20))  # the first repair's on-site limit passed at 10:16
    cases["due_today"] = new_case(category_id=repair)
    cases["assigned"] = new_case(category_id=service)
    workflow.perform(db.session, world.actor("cs"), cases["assigned"].id, "assign", assignee_id=world.user_id("cs"))
    cases["emergency"] = new_case(category_id=service, urgency=Urgency.EMERGENCY, description="电梯困人,老人被困")
    cases["sh_due_today"] = new_case(by="sh_cs", office="SH01", category_id=repair)
    return cases


def tile(page, key):
    link = re.search(rf'id="tile-{key}" href="([^"]+)"', page)
    figure = re.search(rf'id="count-{key.replace("_", "-")}">(\d+)<', page)
    assert link and figure, key
    return html.unescape(link.group(1)), int(figure.group(1))


def list_count(page):
    found = re.search(r"</strong>\s*(\d+)\s*</div>", page)
    if found:
        return int(found.group(1))
    assert "没有找到记录" in page or "No records found" in page
    return 0


@pytest.mark.parametrize("who", ROLES)
def test_every_tile_counts_exactly_what_its_list_shows(who, client_for, busy_day):
    client = client_for(who)
    home = client.get("/").get_data(as_text=True)
    for t in TILES:
        url, figure = tile(home, t.key)
        listed = client.get(url)
        assert listed.status_code == 200, url
        assert list_count(listed.get_data(as_text=True)) == figure, (who, t.key, url)


def test_the_tiles_count_what_the_user_expects(client_for, busy_day):
    def figures(who):
        page = client_for(who).get("/").get_data(as_text=True)
        return {t.key: tile(page, t.key)[1] for t in TILES}

    # Beijing's overdue cases, as the sweep flagged them; Shanghai's are not Beijing's. (The
    # repair whose arrival time passed minutes ago reads overdue on its badge at once, and is
    # counted from the next sweep on, within the minute.)
    assert figures("cs")["overdue"] == figures("sup")["overdue"] == 2
    assert figures("sh_cs")["overdue"] == 1
    assert figures("gm")["overdue"] == 3
    sweep(db.session)
    assert figures("cs")["overdue"] == 3
    # Due later today, in my queue: the second repair and the emergency (someone on site in
    # 15 and 3 minutes), both at customer service's tier.
    assert figures("cs")["due_today"] == 2 and figures("sup")["due_today"] == 0
    assert figures("sh_cs")["due_today"] == 1
    # The escalated case waits at the supervisor's tier.
    assert figures("sup")["queue"] == 1


def test_due_today_opens_a_list_of_exactly_those_cases(cs_client, busy_day):
    url, _ = tile(cs_client.get("/").get_data(as_text=True), "due_today")
    page = cs_client.get(url).get_data(as_text=True)
    assert busy_day["due_today"].case_number in page
    assert busy_day["late"].case_number not in page and busy_day["unswept"].case_number not in page
    assert url.startswith("/queue/list/")


def test_a_passed_deadline_reads_as_overdue_before_the_sweep(cs_client, busy_day):
    case = busy_day["unswept"]
    db.session.refresh(case)
    assert case.overdue_since is None  # not swept yet
    rows = cs_client.get("/complaints/list/").get_data(as_text=True)
    row = rows[rows.index(case.case_number):][:1500]
    assert "deadline-overdue" in row and "逾期 4分钟" in row and "后到期" not in row
    detail = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    summary = detail[detail.index('class="complaint-summary"'):][:1500]
    assert "逾期 4分钟" in summary and "后到期" not in summary
    deadline_row = detail[detail.index('data-kind="on_site"'):][:600]
    assert "逾期 4分钟" in deadline_row


def test_home_offers_registering_and_my_most_urgent_cases(cs_client, busy_day):
    page = cs_client.get("/").get_data(as_text=True)
    assert re.search(r'href="/complaints/add" id="register-complaint"', page) and "登记投诉" in page
    urgent = page[page.index('id="urgent-cases"'):]
    numbers = re.findall(r'class="case-number">([^<]+)<', urgent)
    # The emergency first, then the missed or nearest deadline; Shanghai's cases are not mine,
    # nor the case escalated to the supervisor.
    assert numbers[0] == busy_day["emergency"].case_number
    assert busy_day["unswept"].case_number in numbers and busy_day["late"].case_number in numbers
    assert numbers.index(busy_day["late"].case_number) < numbers.index(busy_day["due_today"].case_number)
    assert busy_day["sh_late"].case_number not in numbers and busy_day["escalated"].case_number not in numbers


def test_nothing_waiting_says_so(client_for, world, frozen_clock):
    page = client_for("sh_sup").get("/").get_data(as_text=True)
    assert "目前没有待您处理的案件" in page


def test_the_calendar_warning_goes_to_administrators_only(client_for, frozen_clock):
    frozen_clock(local(2026, 11, 22, 10, 0))  # 2027 not confirmed in the test world
    for who in ("cs", "sup", "gm"):
        assert "节假日安排尚未确认" not in client_for(who).get("/").get_data(as_text=True), who
    admin = client_for("admin").get("/").get_data(as_text=True)
    assert "2027 年的节假日安排尚未确认" in admin and 'href="/calendar-import/form"' in admin
