"""List filters read their values with the one parser: a name no enum has, a number past the
column's range, a date that cannot be read or lies at the ends of the calendar, or a filter the
list does not have is refused with our translated page (400) and a way back to the list —
never a 500. Values that can be read still filter."""
import pytest

from app.complaints.enums import Status


def assert_refused(response, list_path):
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-page"' in page and "无法识别该请求" in page
    assert f'href="{list_path}" id="plain-url"' in page and "返回首页" in page


@pytest.mark.parametrize("query", [
    "_flt_0_status=NOPE", "_flt_1_status=NOPE", "_flt_0_urgency=NOPE", "_flt_1_urgency=emergency",
    "_flt_0_grade=NOPE", "_flt_0_channel=NOPE", "_flt_0_validity=NOPE", "_flt_1_validity=1",
    "_flt_0_tier=NOPE", "_flt_0_tier=99999999999999999999", "_flt_1_tier=-99999999999", "_flt_3_tier=1.5",
    "_flt_0_status=RECEIVED&_flt_0_status=NOPE",
])
def test_an_enum_or_tier_value_that_does_not_exist_is_refused_on_the_complaint_lists(gm_client, new_case, query):
    new_case()
    for path in ("/complaints/list/", "/queue/list/"):
        response = gm_client.get(f"{path}?{query}")
        assert_refused(response, path)
        assert "筛选" in response.get_data(as_text=True)


@pytest.mark.parametrize("path, query", [
    ("/notifications/list/", "_flt_0_kind=NOPE"), ("/notifications/list/", "_flt_1_kind=NOPE"),
    ("/deadline-policies/list/", "_flt_0_kind=NOPE"), ("/deadline-policies/list/", "_flt_0_active=maybe"),
    ("/categories/list/", "_flt_0_active=NOPE"), ("/calendar-days/list/", "_flt_0_is_working=NOPE"),
    ("/offices/list/", "_flt_0_households=99999999999999999999"), ("/users/list/", "_flt_0_login_count=abc"),
    ("/deadline-policies/list/", "_flt_0_office=abc"), ("/deadline-policies/list/", "_flt_1_category=99999999999"),
    ("/users/list/", "_flt_0_roles=abc"),
])
def test_a_value_the_column_cannot_hold_is_refused_on_every_list(admin_client, path, query):
    assert_refused(admin_client.get(f"{path}?{query}"), path)


@pytest.mark.parametrize("query", [
    "_flt_0_received_at=0001-01-01", "_flt_1_received_at=9999-12-31T23:59:59", "_flt_2_received_at=abc",
    "_flt_3_received_at=2026-13-45", "_flt_0_received_at=0001-01-01T00:00:00%2B08:00",
])
def test_a_date_that_cannot_be_read_or_lies_at_the_ends_of_the_calendar_is_refused(cs_client, query):
    response = cs_client.get(f"/complaints/list/?{query}")
    assert_refused(response, "/complaints/list/")
    assert "2000" in response.get_data(as_text=True)  # the message says which years are taken


def test_a_filter_number_the_column_does_not_have_is_refused(cs_client):
    response = cs_client.get("/complaints/list/?_flt_7_status=RECEIVED")
    assert_refused(response, "/complaints/list/")
    assert "没有这个筛选条件" in response.get_data(as_text=True)


def test_the_refusal_is_in_the_users_language(cs_client):
    cs_client.get("/lang/en")
    page = cs_client.get("/complaints/list/?_flt_0_status=NOPE").get_data(as_text=True)
    assert "cannot be filtered by “NOPE”" in page and "Open this page without its filters" in page


def test_values_that_can_be_read_still_filter(gm_client, admin_client, new_case, world):
    received, escalated = new_case(), new_case()
    from app.complaints import workflow
    from app.core.extensions import db
    workflow.perform(db.session, world.actor("cs"), escalated.id, "acknowledge")

    def listed(query):
        page = gm_client.get(f"/complaints/list/?{query}").get_data(as_text=True)
        return {c.case_number for c in (received, escalated) if c.case_number in page}

    assert listed(f"_flt_0_status={Status.RECEIVED.name}") == {received.case_number}
    assert listed(f"_flt_1_status={Status.RECEIVED.name}") == {escalated.case_number}
    assert listed("_flt_0_tier=1") == {received.case_number, escalated.case_number}
    assert listed("_flt_1_received_at=2001-01-01") == {received.case_number, escalated.case_number}
    assert listed("_flt_2_received_at=2001-01-01 00:00") == set()
    assert listed(f"_flt_0_office={world.offices['BJ01'].id}") == {received.case_number, escalated.case_number}
    assert listed(f"_flt_0_office={world.offices['SH01'].id}") == set()
    # A real date far from today is a harmless filter on a date column (no time zone to cross).
    assert admin_client.get("/calendar-days/list/?_flt_1_day=0001-01-01").status_code == 200
    assert "国庆节" in admin_client.get("/calendar-days/list/?_flt_0_day=2026-10-01").get_data(as_text=True)
    assert "国庆节" in admin_client.get("/calendar-days/list/?_flt_0_is_working=n&_flt_0_day=2026-10-01").get_data(
        as_text=True)


def test_the_same_refusal_answers_the_api_as_json(api, new_case):
    new_case()
    response = api("cs").get("/api/v1/complaints/?q=(filters:!((col:status,opr:eq,value:NOPE)))")
    assert response.status_code == 400 and response.is_json
    assert response.json["message"] == "无法按“NOPE”筛选列表:该字段没有这个值。"


def test_an_empty_filter_box_is_no_filter(gm_client, new_case):
    case = new_case()
    page = gm_client.get("/complaints/list/?_flt_1_grade=").get_data(as_text=True)
    assert case.case_number in page
