"""Who sees which report: supervisors their offices, the general manager all, customer service
none; every count links to the complaint list filtered to exactly its cases."""
import re
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from app.complaints.enums import Channel
from app.reports import rules

BEIJING = ZoneInfo("Asia/Shanghai")
SCREENS = ["/reports/dashboard", "/reports/monthly/2026/11", "/reports/accountability?year=2026"]


@pytest.fixture
def cases(new_case, frozen_clock, world):
    frozen_clock(datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING))
    made = [new_case(received_at=datetime(2026, 11, d, 9, 0, tzinfo=BEIJING), channel=ch)
            for d, ch in ((2, Channel.WECHAT), (3, Channel.WECHAT), (4, Channel.PHONE))]
    made.append(new_case(received_at=datetime(2026, 10, 31, 23, 59, tzinfo=BEIJING), channel=Channel.WECHAT))
    made.append(new_case(by="sh_cs", office="SH01", channel=Channel.WECHAT))
    return made


def case_numbers(page: str) -> set[str]:
    return set(re.findall(r"(?:BJ|SH)01-\d{8}-\d{4}", page))


@pytest.mark.parametrize("url", SCREENS)
def test_customer_service_may_not_open_reports(cs_client, url):
    assert cs_client.get(url).status_code in (302, 403)


@pytest.mark.parametrize("url", SCREENS)
def test_anonymous_visitors_are_sent_to_log_in(anonymous_client, url):
    response = anonymous_client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", SCREENS)
def test_supervisor_and_general_manager_open_every_report(supervisor_client, gm_client, cases, url):
    assert supervisor_client.get(url).status_code == 200
    assert gm_client.get(url).status_code == 200


def test_a_supervisor_sees_only_their_office_and_never_another(supervisor_client, cases, world):
    page = supervisor_client.get("/reports/dashboard?start=2026-11").get_data(as_text=True)
    assert "北京朝阳花园管理处" in page and "上海浦东锦绣苑管理处" not in page
    for url in ("/reports/dashboard", "/reports/monthly/2026/11", "/reports/export/report.csv"):
        assert supervisor_client.get(f"{url}?office={world.offices['SH01'].id}").status_code == 404


def test_the_general_manager_sees_offices_side_by_side(gm_client, cases):
    page = gm_client.get("/reports/dashboard?start=2026-11").get_data(as_text=True)
    assert "北京朝阳花园管理处" in page and "上海浦东锦绣苑管理处" in page and "全部管理处" in page


def test_a_bad_month_is_refused_with_a_message(gm_client):
    assert gm_client.get("/reports/dashboard?start=2026-13").status_code == 422
    assert gm_client.get("/reports/monthly/2026/13").status_code == 404


def test_past_months_reopen_by_url(gm_client, cases):
    page = gm_client.get("/reports/monthly/2026/10").get_data(as_text=True)
    assert "2026-10" in page and 'id="figures"' in page
    assert gm_client.get("/reports/monthly/").headers["Location"].endswith("/reports/monthly/2026/10")


def test_past_months_reopen_from_the_month_chooser(gm_client, cases, world):
    page = gm_client.get("/reports/monthly/2026/10").get_data(as_text=True)
    assert 'name="month"' in page and 'action="/reports/monthly/"' in page
    bj = world.offices["BJ01"].id
    chosen = gm_client.get(f"/reports/monthly/?month=2025-03&office={bj}")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith(f"/reports/monthly/2025/3?office={bj}")
    assert gm_client.get("/reports/monthly/?month=2026-13").status_code == 422
    # Anything else in the address is left behind, never a failure.
    assert gm_client.get("/reports/monthly/?year=2026&month=2026-10").headers["Location"].endswith("/2026/10")


def test_the_first_and_last_months_have_no_way_out_of_the_calendar(gm_client):
    first = gm_client.get("/reports/monthly/2000/1").get_data(as_text=True)
    assert "/reports/monthly/1999/12" not in first and "/reports/monthly/2000/2" in first
    assert "/reports/monthly/2100/1" not in gm_client.get("/reports/monthly/2099/12").get_data(as_text=True)


def test_each_figure_links_to_exactly_its_cases(supervisor_client, cases, world):
    november = rules.Period.month(2026, 11)
    bj = world.offices["BJ01"].id
    wechat = "/complaints/list/?" + urlencode(rules.case_filters(november, bj, channel=Channel.WECHAT))
    assert case_numbers(supervisor_client.get(wechat).get_data(as_text=True)) == \
        {cases[0].case_number, cases[1].case_number}
    received = "/complaints/list/?" + urlencode(rules.case_filters(november, None))
    assert case_numbers(supervisor_client.get(received).get_data(as_text=True)) == \
        {c.case_number for c in cases[:3]}
    page = supervisor_client.get(f"/reports/dashboard?start=2026-11&office={bj}").get_data(as_text=True)
    assert wechat.replace("&", "&amp;") in page or wechat in page


def test_the_open_and_resolved_links_partition_the_cases(supervisor_client, cases, world):
    november = rules.Period.month(2026, 11)
    opened = "/complaints/list/?" + urlencode(rules.case_filters(november, None, figure="open"))
    resolved = "/complaints/list/?" + urlencode(rules.case_filters(november, None, figure="resolved"))
    assert case_numbers(supervisor_client.get(opened).get_data(as_text=True)) == {c.case_number for c in cases[:3]}
    assert case_numbers(supervisor_client.get(resolved).get_data(as_text=True)) == set()


def test_accountability_counts_link_to_their_cases(supervisor_client, gm_client, cases, world, new_case):
    from app.complaints import workflow
    from app.core.extensions import db

    c = new_case(respondent_id=world.user_id("cs2"), received_at=datetime(2026, 11, 5, 9, 0, tzinfo=BEIJING))
    workflow.perform(db.session, world.actor("sup"), c.id, "mark_validity", validity="VALID")
    page = supervisor_client.get("/reports/accountability?year=2026").get_data(as_text=True)
    link = "/complaints/list/?" + urlencode(rules.accountability_filters(world.user_id("cs2"), 2026))
    assert link.replace("&", "&amp;") in page and "谈心教育" in page
    assert case_numbers(supervisor_client.get(link).get_data(as_text=True)) == {c.case_number}
    sh_page = gm_client.get("/reports/accountability?year=2026").get_data(as_text=True)
    assert link.replace("&", "&amp;") in sh_page  # the general manager sees every office's staff


def test_complaint_lists_offer_export_only_to_those_allowed(supervisor_client, cs_client, cases):
    assert "/reports/export/complaints.csv" in supervisor_client.get("/complaints/list/").get_data(as_text=True)
    assert "/reports/export/complaints.csv" not in cs_client.get("/complaints/list/").get_data(as_text=True)


def test_no_inline_event_handlers_in_report_pages(gm_client, cases):
    for url in SCREENS:
        page = gm_client.get(url).get_data(as_text=True)
        report_part = page[page.find('class="col-md-12 report'):]
        assert not re.search(r"\son(click|load|change)=", report_part), url
