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
    assert response.status_code == 422
    assert {"description", "urgency", "office_id"} <= set(response.json["fields"])
    assert isinstance(response.json["message"], str)
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
    assert "/api/v1/complaints/{pk}/actions/escalate" in paths and "/api/v1/complaints/{pk}/events" in paths
    assert "post" in paths["/api/v1/complaints/"]
    responses = paths["/api/v1/complaints/{pk}/actions/escalate"]["post"]["responses"]
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


# ---- the contract's rules, each at the one place that keeps it ----------------------------

def stored():
    """How many complaints and events exist (a refused request changes neither)."""
    from app.complaints.models import ComplaintEvent

    return db.session.query(Complaint).count(), db.session.query(ComplaintEvent).count()


STAFF = ["cs", "sup", "gm", "admin"]


def test_info_describes_the_intake_body_for_every_role(api):
    from app.complaints.api import IntakeSchema

    for who in STAFF:
        info = api(who).get("/api/v1/complaints/_info")
        assert info.status_code == 200, who
        assert [c["name"] for c in info.json["add_columns"]] == list(IntakeSchema().fields)
        assert info.json["edit_columns"] == []  # the API edits nothing
        # FAB's gettext("") would put the catalogue's header where a field has no description.
        assert all("Project-Id-Version" not in c["description"] for c in info.json["add_columns"])
        assert {"status", "urgency", "grade", "channel", "validity", "tier"} <= set(info.json["filters"])


def test_the_openapi_document_and_swagger_ui_are_open_to_every_staff_role(api, client_for, web_app):
    for who in STAFF:
        assert api(who).get("/api/v1/_openapi").status_code == 200, who
        assert client_for(who).get("/swagger/v1").status_code == 200, who
    anonymous = web_app.test_client()
    assert anonymous.get("/api/v1/_openapi").status_code == 401
    assert anonymous.get("/swagger/v1").status_code != 200


def test_the_document_says_what_the_answers_are(api):
    from app.complaints import workflow

    spec = api("cs").get("/api/v1/_openapi").json
    paths, schemas = spec["paths"], spec["components"]["schemas"]

    def answer(path, method="get", code="200"):
        return paths[path][method]["responses"][code]["content"]["application/json"]["schema"]["properties"]

    assert answer("/api/v1/complaints/{pk}")["id"] == {"type": "integer"}
    assert answer("/api/v1/complaints/")["ids"]["items"] == {"type": "integer"}
    assert answer("/api/v1/complaints/_info")["add_columns"]["type"] == "array"
    shown = schemas["ComplaintApi.get"]["properties"]
    for relation in ("assignee", "respondent", "plan_owner"):  # may be empty
        assert {"type": "object", "nullable": True} in shown[relation]["anyOf"]
    assert None in shown["grade"]["enum"] and None not in shown["status"]["enum"]
    intake = schemas["ComplaintApi.post"]
    assert set(intake["required"]) == {"office_id", "category_id", "description", "complainant_name"}
    assert intake["properties"]["office_id"]["maximum"] == 2**31 - 1
    for name, action in workflow.ACTIONS.items():
        body = schemas[f"ComplaintApi.{name}"]
        assert set(body["properties"]) == {"version", *action.params}
        assert set(body.get("required", [])) == set(action.required)
        assert paths[f"/api/v1/complaints/{{pk}}/actions/{name}"]["post"]["requestBody"]["required"] == \
            bool(action.required)
    events = answer("/api/v1/complaints/{pk}/events")["result"]
    assert events["items"] == {"$ref": "#/components/schemas/EventSchema"}


def test_each_action_documents_exactly_the_parameters_it_cannot_do_without(world, new_case, frozen_clock):
    import pytest

    from app.complaints import workflow

    from .test_workflow import EXPECTED, bring_to, params_for

    for name, action in workflow.ACTIONS.items():
        if not action.required:
            continue
        state = next(iter(EXPECTED[name]))
        full = params_for(name, world)
        for missing in action.required:
            case = bring_to(new_case(), state, world)
            with pytest.raises(workflow.InvalidInput) as refused:
                workflow.perform(db.session, world.actor("gm"), case.id, name,
                                 **{k: v for k, v in full.items() if k != missing})
            assert missing in refused.value.fields, (name, missing)
        case = bring_to(new_case(), state, world)
        workflow.perform(db.session, world.actor("gm"), case.id, name,
                         **{k: v for k, v in full.items() if k in action.required})


def test_ids_that_name_no_case_answer_404_json_on_every_route(api, new_case):
    new_case()
    bot = api("cs")
    for pk in ("abc", "-1", "0", "2147483648", "99999999999999999999"):
        for response in (bot.get(f"/api/v1/complaints/{pk}"), bot.get(f"/api/v1/complaints/{pk}/events"),
                         bot.post(f"/api/v1/complaints/{pk}/actions/escalate", {"reason": "涉及安全"})):
            assert response.status_code == 404, (pk, response.get_data(as_text=True))
            assert response.is_json and isinstance(response.json["message"], str)


def test_an_unknown_action_answers_404_json(api, new_case):
    case = new_case()
    response = api("cs").post(f"/api/v1/complaints/{case.id}/actions/fly", {"reason": "x"})
    assert response.status_code == 404 and response.json["message"] == "没有这个操作。"


def test_bodies_that_are_not_json_objects_are_refused_with_400_and_write_nothing(api, new_case):
    case = new_case()
    bot = api("cs")
    before = stored()
    for body, kind in (("[1, 2]", "application/json"), ('"text"', "application/json"), ("3", "application/json"),
                       ("null", "application/json"), ("{not json", "application/json"), ("a=1", "text/plain")):
        for url in ("/api/v1/complaints/", f"/api/v1/complaints/{case.id}/actions/acknowledge"):
            response = bot.client.post(url, data=body, headers={**bot.headers, "Content-Type": kind})
            assert response.status_code == 400, (url, body)
            assert response.json["message"] in ("请求体必须是一个 JSON 对象。",
                                                 "请求体须为 JSON（Content-Type: application/json）。")
    assert stored() == before


def test_unknown_enum_values_and_unreadable_numbers_in_list_filters_answer_400(api, new_case):
    new_case()
    bot = api("cs")
    for column in ("status", "urgency", "grade", "channel", "validity", "tier"):
        response = bot.get(f"/api/v1/complaints/?q=(filters:!((col:{column},opr:eq,value:NOPE)))")
        assert response.status_code == 400, column
        assert response.json["message"] == "无法按“NOPE”筛选列表:该字段没有这个值。"
    for q in ("(filters:!((col:tier,opr:gt,value:99999999999999999999)))",
              "(filters:!((col:office,opr:rel_o_m,value:99999999999999999999)))",
              "(filters:!((col:received_at,opr:gt,value:'0001-01-01T00:00:00+08:00')))",
              "(filters:!((col:case_number,opr:ct,value:(a:1))))",
              "(filters:!((col:status,opr:gt,value:RECEIVED)))",  # no such operator on the column
              "(filters:!((col:status,opr:eq)))",  # no value
              "(filters:!((col:status,opr:eq,value:'')))",
              "(filters:!((col:description,opr:ct,value:x)))"):  # not a column the API filters on
        assert bot.get(f"/api/v1/complaints/?q={q}").status_code == 400, q
    found = bot.get("/api/v1/complaints/?q=(filters:!((col:status,opr:eq,value:RECEIVED),(col:tier,opr:eq,value:1)))")
    assert found.status_code == 200 and found.json["count"] == 1


def test_the_same_filter_check_refuses_a_bad_value_on_the_list_screen(cs_client, new_case):
    new_case()
    for query in ("_flt_0_status=NOPE", "_flt_0_received_at=0001-01-01", "_flt_9_status=RECEIVED"):
        response = cs_client.get(f"/complaints/list/?{query}")
        assert response.status_code == 400, query
        assert 'id="error-page"' in response.get_data(as_text=True)
    assert cs_client.get("/complaints/list/?_flt_0_status=RECEIVED").status_code == 200
    assert cs_client.get("/complaints/list/?_flt_0_received_at=").status_code == 200  # an empty box


def test_a_json_q_argument_is_read_once_as_sent(api, new_case):
    from urllib.parse import quote

    case = new_case()
    bot = api("cs")
    q = '{"filters": [{"col": "case_number", "opr": "sw", "value": "%s"}], "page_size": 5}' % case.case_number
    assert bot.get(f"/api/v1/complaints/?q={quote(q)}").json["count"] == 1
    # FAB's own reading decoded JSON twice: "+" became a space and "&" cut the argument short.
    q = '{"filters": [{"col": "case_number", "opr": "ct", "value": "a&b+c"}]}'
    response = bot.get(f"/api/v1/complaints/?q={quote(q)}")
    assert response.status_code == 200 and response.json["count"] == 0
    assert bot.get("/api/v1/complaints/?q=" + quote("{not json")).status_code == 400


def test_paging_is_clamped_and_never_serves_more_than_the_page_size_limit(api, new_case, web_app):
    limit = web_app.config["FAB_API_MAX_PAGE_SIZE"]
    for _ in range(limit + 1):
        new_case()
    bot = api("cs")
    served = {}
    for q in ("(page:-1)", "(page_size:-5)", "(page_size:100000000)", "(page:1,page_size:100)",
              "(page:-1,page_size:100000000)", "(page_size:0)"):
        response = bot.get(f"/api/v1/complaints/?q={q}")
        assert response.status_code == 200, q
        assert response.json["count"] == limit + 1
        served[q] = len(response.json["result"])
    assert served["(page_size:100000000)"] == served["(page:-1,page_size:100000000)"] == limit
    assert served["(page:-1)"] == served["(page_size:-5)"] == served["(page_size:0)"] == 20  # the default page
    assert served["(page:1,page_size:100)"] == 1  # the last page
    for q in ("(page:abc)", "(page_size:'7')", "(page:!t)"):
        assert bot.get(f"/api/v1/complaints/?q={q}").status_code == 400, q
    # A page starting past the lists' limit would read every row before it: refused, with why.
    refused = bot.get("/api/v1/complaints/?q=(page:99999999999999999999)")
    assert refused.status_code == 422 and "缩小" in refused.json["message"]


def test_list_counts_stop_at_the_limit_and_say_so(api, new_case, web_app, monkeypatch):
    monkeypatch.setitem(web_app.config, "LIST_COUNT_LIMIT", 4)
    cases = [new_case() for _ in range(4)]
    bot = api("cs")
    listed = bot.get("/api/v1/complaints/?q=(page_size:2)").json
    assert (listed["count"], listed["count_capped"]) == (4, False)
    cases.append(new_case())
    listed = bot.get("/api/v1/complaints/?q=(page_size:2,order_column:case_number,order_direction:desc)").json
    assert (listed["count"], listed["count_capped"]) == (4, True)
    assert listed["ids"] == [cases[4].id, cases[3].id]
    # The last page within the limit is served; the next one is refused with a message.
    assert bot.get("/api/v1/complaints/?q=(page:1,page_size:2,order_column:case_number,order_direction:desc)").json["ids"] == [
        cases[2].id, cases[1].id]
    refused = bot.get("/api/v1/complaints/?q=(page:2,page_size:2)")
    assert refused.status_code == 422 and "4" in refused.json["message"] and "缩小" in refused.json["message"]


def test_times_outside_2000_to_2099_get_a_field_message_and_write_nothing(api, world, new_case):
    bot = api("cs")
    case = new_case()
    supervisor = api("sup")
    supervisor.post(f"/api/v1/complaints/{case.id}/actions/acknowledge", {})
    supervisor.post(f"/api/v1/complaints/{case.id}/actions/start_investigation", {})
    before = stored()
    for moment in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-10:00", "1999-12-31T23:59:59+08:00"):
        response = bot.post("/api/v1/complaints/", intake(world, received_at=moment))
        assert response.status_code == 422 and "2000" in response.json["fields"]["received_at"]
        response = supervisor.post(f"/api/v1/complaints/{case.id}/actions/propose_plan", {
            "measures": "更换电梯控制板", "deadline": moment, "owner_id": world.user_id("sup")})
        assert response.status_code == 422 and "2000" in response.json["fields"]["deadline"]
    assert stored() == before


def test_ids_that_overflow_in_a_body_get_a_field_message(api, world, new_case):
    bot = api("cs")
    case = new_case()
    before = stored()
    for name in ("office_id", "category_id", "respondent_id"):
        response = bot.post("/api/v1/complaints/", intake(world, **{name: 2**64}))
        assert response.status_code == 422 and name in response.json["fields"]
    response = bot.post(f"/api/v1/complaints/{case.id}/actions/acknowledge", {"version": 2**64})
    assert response.status_code == 422 and "version" in response.json["fields"]
    response = api("sup").post(f"/api/v1/complaints/{case.id}/actions/assign", {"assignee_id": 2**64})
    assert response.status_code == 422 and "assignee_id" in response.json["fields"]
    assert stored() == before
