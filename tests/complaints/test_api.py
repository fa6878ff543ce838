"""The JSON API an intake integration (hotline system, WeChat bot) uses."""

from app.complaints.enums import Status
from app.complaints.models import Complaint
from app.core.extensions import db


def intake(world, **overrides):
    body = {"office_id": world.offices["BJ01"].id, "category_id": world.categories["SAFETY"].id,
            "urgency": "EMERGENCY", "channel": "WECHAT", "description": "单元门门禁损坏",
            "complainant_name": "赵德福", "complainant_room": "2栋1单元302", "complainant_phone": "13700001111"}
    body.update(overrides)
    return body


def test_an_integration_registers_reads_and_works_a_complaint(api, world):
    bot = api("cs")
    created = bot.post("/api/v1/complaints/", intake(world))
    assert created.status_code == 201
    pk, version = created.json["id"], created.json["version"]
    assert created.json["case_number"].startswith("BJ01-")
    shown = bot.get(f"/api/v1/complaints/{pk}")
    assert shown.status_code == 200
    assert shown.json["result"]["status"] == "received" and shown.json["result"]["complainant"]["name"] == "赵德福"
    done = bot.post(f"/api/v1/complaints/{pk}/actions/acknowledge", {"version": version, "note": "已回复业主"})
    assert done.status_code == 200 and done.json["status"] == "acknowledged"
    escalated = bot.post(f"/api/v1/complaints/{pk}/actions/escalate", {"reason": "涉及安全"})
    assert escalated.json["tier"] == 2
    events = bot.get(f"/api/v1/complaints/{pk}/events").json["result"]
    assert [e["kind"] for e in events] == ["registered", "acknowledged", "escalated"]
    assert events[-1]["note"] == "涉及安全" and events[-1]["actor"] == "cs"


def test_bad_input_gets_field_messages(api, world):
    bot = api("cs")
    response = bot.post("/api/v1/complaints/", intake(world, description="", urgency="SOON", office_id=None))
    assert response.status_code == 400
    assert {"description", "urgency", "office_id"} <= set(response.json["message"])
    assert db.session.query(Complaint).count() == 0


def test_forbidden_illegal_and_invalid_actions_have_their_own_status(api, world, new_case):
    case = new_case()
    bot = api("cs")
    assert bot.post(f"/api/v1/complaints/{case.id}/actions/void", {"reason": "x"}).status_code == 403
    assert bot.post(f"/api/v1/complaints/{case.id}/actions/start_investigation", {}).status_code == 409
    invalid = bot.post(f"/api/v1/complaints/{case.id}/actions/escalate", {"reason": ""})
    assert invalid.status_code == 422 and "reason" in invalid.json["fields"]
    stale = bot.post(f"/api/v1/complaints/{case.id}/actions/acknowledge", {"version": 0})
    assert stale.status_code == 409
    assert bot.post(f"/api/v1/complaints/{case.id}/actions/fly", {}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == Status.RECEIVED


def test_intake_for_another_office_is_refused(api, world):
    response = api("cs").post("/api/v1/complaints/", intake(world, office_id=world.offices["SH01"].id))
    assert response.status_code == 422 and "office_id" in response.json["fields"]


def test_list_is_limited_to_my_offices_and_page_size_is_capped(api, world, new_case):
    mine, theirs = new_case(), new_case(by="sh_cs", office="SH01")
    listed = api("cs").get("/api/v1/complaints/?q=(page_size:100000)")
    assert listed.status_code == 200
    numbers = {row["case_number"] for row in listed.json["result"]}
    assert mine.case_number in numbers and theirs.case_number not in numbers
    assert api("gm").get("/api/v1/complaints/").json["count"] == 2


def test_the_api_is_documented_by_openapi(api, web_app):
    spec = api("admin").get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert "/api/v1/complaints/{pk}/actions/{name}" in paths and "/api/v1/complaints/{pk}/events" in paths
    assert "post" in paths["/api/v1/complaints/"]
    responses = paths["/api/v1/complaints/{pk}/actions/{name}"]["post"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= {str(code) for code in responses}


def test_anonymous_callers_are_turned_away(web_app, new_case):
    case = new_case()
    assert web_app.test_client().get(f"/api/v1/complaints/{case.id}").status_code == 401


def test_integrations_can_ask_for_overdue_cases(api, world, new_case, frozen_clock):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.core import clock
    from app.deadlines.sweep import sweep

    frozen_clock(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    late = new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(datetime(2026, 11, 21, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    on_time = new_case(category_id=world.categories["SERVICE"].id)
    sweep(db.session)
    listed = api("cs").get("/api/v1/complaints/?q=(filters:!((col:overdue_since,opr:overdue,value:1)))")
    assert listed.status_code == 200
    assert [row["case_number"] for row in listed.json["result"]] == [late.case_number]
    assert on_time.case_number not in listed.get_data(as_text=True)
