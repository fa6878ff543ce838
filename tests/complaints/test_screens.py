"""The screens staff use all day: intake, queue, detail with timeline and actions, edit,
evidence, and what happens when two people work on one case."""
import io

import sqlalchemy as sa

from app.complaints.enums import EventKind, Status
from app.complaints.models import Complaint, ComplaintEvent
from app.core.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def intake(world, **overrides):
    data = {
        "category_id": str(world.categories["REPAIR_COMMON"].id), "urgency": "EMERGENCY",
        "office_id": str(world.offices["BJ01"].id), "complainant_name": "李桂兰",
        "complainant_room": "3栋2单元501", "complainant_phone": "13911112222",
        "description": "楼道漏水,地面积水很滑", "channel": "PHONE",
    }
    data.update(overrides)
    return data


def only_case():
    db.session.expire_all()
    return db.session.scalars(sa.select(Complaint)).one()


def test_customer_service_registers_a_complaint_taken_on_the_phone(cs_client, world):
    response = cs_client.post("/complaints/add", data=intake(world))
    case = only_case()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/complaints/show/{case.id}")
    assert case.case_number.startswith("BJ01-") and case.status == Status.RECEIVED
    assert (case.complainant.name, case.complainant.phone) == ("李桂兰", "13911112222")
    assert case.created_by_id == world.user_id("cs")
    page = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    assert case.case_number in page and 'data-kind="registered"' in page


def test_intake_with_missing_fields_keeps_the_input_and_saves_nothing(cs_client, world):
    response = cs_client.post("/complaints/add", data=intake(world, description="", complainant_phone="abc"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "李桂兰" in page and "3栋2单元501" in page  # what was typed is still there
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_intake_for_an_office_that_is_not_mine_is_refused(cs_client, world):
    response = cs_client.post("/complaints/add", data=intake(world, office_id=str(world.offices["SH01"].id)))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_detail_page_offers_only_the_actions_the_user_may_take_now(cs_client, supervisor_client, new_case):
    case = new_case()
    cs_page = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    sup_page = supervisor_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    assert 'data-action="escalate"' in cs_page and 'data-action="void"' not in cs_page
    assert 'data-action="void"' in sup_page and 'data-action="approve_plan"' not in sup_page


def test_escalation_from_the_detail_page_lands_in_the_supervisors_queue(cs_client, supervisor_client, new_case):
    case = new_case()
    assert case.case_number not in supervisor_client.get("/queue/list/").get_data(as_text=True)
    response = cs_client.act(case, "escalate", reason="业主情绪激动,需主管出面")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).tier == 2
    assert case.case_number in supervisor_client.get("/queue/list/").get_data(as_text=True)
    timeline = cs_client.get(f"/complaints/show/{case.id}").get_data(as_text=True)
    assert 'data-kind="escalated"' in timeline and "业主情绪激动,需主管出面" in timeline


def test_a_refused_action_keeps_what_the_user_typed(supervisor_client, new_case, world):
    case = new_case()
    for action in ("acknowledge", "start_investigation"):
        db.session.expire_all()
        assert supervisor_client.act(db.session.get(Complaint, case.id), action).status_code == 302
    db.session.expire_all()
    response = supervisor_client.act(db.session.get(Complaint, case.id), "propose_plan",
                                     measures="更换楼道排水管并做防水", owner_id=str(world.user_id("sup")))
    assert response.status_code == 422
    assert "更换楼道排水管并做防水" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == Status.INVESTIGATING


def test_illegal_action_is_refused_with_conflict(cs_client, new_case):
    case = new_case()
    response = cs_client.act(case, "approve_plan")
    assert response.status_code in (403, 409)
    response = cs_client.act(case, "record_confirmation", satisfied="yes")
    assert response.status_code == 409


def test_two_people_acting_on_one_case_never_overwrite_each_other(cs_client, client_for, new_case):
    case = new_case()
    colleague = client_for("cs2")
    seen_version = case.version  # both opened the case at this version
    assert colleague.act(case, "escalate", reason="需要主管处理", version=seen_version).status_code == 302
    response = cs_client.act(case, "resolve", result="当场处理", version=seen_version)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "cs2" in page and "需要主管处理" in page
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert (fresh.status, fresh.tier) == (Status.RECEIVED, 2)


def test_an_edit_made_on_an_old_version_is_refused_and_the_form_kept(cs_client, client_for, new_case, world):
    case = new_case()
    seen = case.version
    form = {"category_id": str(case.category_id), "urgency": "GENERAL", "channel": "PHONE", "grade": "",
            "respondent_id": "", "respondent_department": "", "version": str(seen)}
    first = client_for("cs2").post(f"/complaints/edit/{case.id}", data={**form, "description": "补充:8楼和9楼都有"})
    assert first.status_code == 302
    second = cs_client.post(f"/complaints/edit/{case.id}", data={**form, "description": "我的修改"})
    assert second.status_code == 200
    assert "我的修改" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).description == "补充:8楼和9楼都有"
    kinds = db.session.scalars(sa.select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == case.id)).all()
    assert kinds.count(EventKind.EDITED) == 1


def test_list_filters_by_status_and_urgency(cs_client, new_case):
    from app.complaints.enums import Urgency

    emergency, general = new_case(urgency=Urgency.EMERGENCY), new_case()
    page = cs_client.get("/complaints/list/?_flt_0_urgency=EMERGENCY").get_data(as_text=True)
    assert emergency.case_number in page and general.case_number not in page
    page = cs_client.get("/complaints/list/?_flt_0_status=ACKNOWLEDGED").get_data(as_text=True)
    assert emergency.case_number not in page


def test_evidence_of_the_wrong_type_or_size_is_refused(cs_client, new_case):
    case = new_case()
    fake = cs_client.post(f"/complaints/upload/{case.id}", data={"file": (io.BytesIO(b"MZ not an image"), "x.jpg")},
                          content_type="multipart/form-data")
    huge = cs_client.post(f"/complaints/upload/{case.id}",
                          data={"file": (io.BytesIO(PNG + b"\x00" * 300 * 1024), "big.png")},
                          content_type="multipart/form-data")
    assert fake.status_code == huge.status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).attachments == []


def test_evidence_upload_is_logged(cs_client, new_case):
    case = new_case()
    cs_client.post(f"/complaints/upload/{case.id}", data={"file": (io.BytesIO(PNG), "现场.png")},
                   content_type="multipart/form-data")
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert [a.original_name for a in fresh.attachments] == ["现场.png"]
    assert fresh.events[-1].kind == EventKind.ATTACHMENT
