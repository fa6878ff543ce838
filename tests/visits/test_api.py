"""The visits' REST API for a call centre: the visits due (soonest first, office scope), a
visit recorded, an attempt, a phone confirmation — with the screens' rules and refusals."""
from app.complaints.enums import Status
from app.core.extensions import db
from app.visits.enums import VisitStatus
from app.visits.models import Visit

from .conftest import PHONE_RECORD, local


def fresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def test_the_call_centre_lists_the_visits_due_soonest_first_in_its_offices_only(resolved_case, world, api,
                                                                              frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    service = resolved_case(category_id=world.categories["SERVICE"].id)
    leak = resolved_case(category_id=world.categories["REPAIR_LEAK"].id)
    resolved_case(by="sh_cs", office="SH01")
    listing = api("cs").get("/api/v1/visits/?q=(filters:!((col:status,opr:eq,value:PLANNED)))")
    assert listing.status_code == 200
    assert [v["complaint"]["case_number"] for v in listing.json["result"]] == [leak.case_number, service.case_number]
    assert listing.json["count"] == 2
    assert api("gm").get("/api/v1/visits/").json["count"] == 3


def test_a_phone_visit_is_recorded_and_confirmed_through_the_api(planned_visit, api):
    case, visit = planned_visit()
    client = api("cs")
    attempt = client.post(f"/api/v1/visits/{visit.id}/attempt", {"method": "PHONE", "note": "无人接听"})
    assert attempt.status_code == 200 and attempt.json["attempts"] == 1
    recorded = client.post(f"/api/v1/visits/{visit.id}/record", dict(PHONE_RECORD, fee_charged=35.5,
                                                                     version=attempt.json["version"]))
    assert recorded.status_code == 200 and recorded.json["status"] == "recorded"
    confirmed = client.post(f"/api/v1/visits/{visit.id}/confirm", {"signer_name": "王秀英", "note": "电话确认满意"})
    assert confirmed.status_code == 200 and confirmed.json["status"] == "completed"
    assert fresh(case).status == Status.CONFIRMED
    shown = client.get(f"/api/v1/visits/{visit.id}").json["result"]
    assert shown["signer_name"] == "王秀英" and shown["confirmation"] == "spoken"


def test_a_signed_visit_changes_through_no_call(signed_visit, api):
    _, visit = signed_visit()
    before = fresh(visit)
    client = api("cs")
    for path, body in ((f"/api/v1/visits/{visit.id}/record", dict(PHONE_RECORD, satisfaction="DISSATISFIED")),
                       (f"/api/v1/visits/{visit.id}/attempt", {"method": "PHONE"}),
                       (f"/api/v1/visits/{visit.id}/confirm", {"signer_name": "李四"})):
        response = client.post(path, body)
        assert response.status_code == 409 and response.json["message"]
    for method in ("put", "delete"):
        assert getattr(client.client, method)(f"/api/v1/visits/{visit.id}", json={},
                                              headers=client.headers).status_code in (404, 405)
    after = fresh(visit)
    assert (after.satisfaction, after.version, after.attempts) == (before.satisfaction, before.version,
                                                                  before.attempts)


def test_refusals_answer_like_the_rest_of_the_api(planned_visit, api, visit_actor):
    _, visit = planned_visit()
    cs = api("cs")
    assert cs.post(f"/api/v1/visits/{visit.id}/record", ["not", "an", "object"]).status_code == 400
    bad = cs.post(f"/api/v1/visits/{visit.id}/record", dict(PHONE_RECORD, satisfaction="HAPPY", fee_charged="35"))
    assert bad.status_code == 422 and {"satisfaction", "fee_charged"} <= set(bad.json["fields"])
    assert cs.post(f"/api/v1/visits/{visit.id}/record", dict(PHONE_RECORD, person_reached="")).status_code == 422
    assert api("sh_cs").post(f"/api/v1/visits/{visit.id}/attempt", {"method": "PHONE"}).status_code == 404
    assert cs.post("/api/v1/visits/2147483647/attempt", {"method": "PHONE"}).status_code == 404
    stale = cs.post(f"/api/v1/visits/{visit.id}/attempt", {"method": "PHONE", "version": visit.version + 5})
    assert stale.status_code == 409
    # A face-to-face visit needs the visited person's signature on the screen, not a phone call.
    cs.post(f"/api/v1/visits/{visit.id}/record", dict(PHONE_RECORD, method="DOOR_TO_DOOR"))
    refused = cs.post(f"/api/v1/visits/{visit.id}/confirm", {"signer_name": "王秀英"})
    assert refused.status_code == 422 and "signature" in refused.json["fields"]
    assert fresh(visit).status == VisitStatus.RECORDED
    assert db.session.get(Visit, visit.id).signer_name is None
