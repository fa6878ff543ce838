"""The visit screens, as staff use them: the queue (due first, overdue flagged), a visit's page
and its forms, the sign-off action with a drawn signature, a signed visit that no screen can
change, routine visits, rectification notices, and each role's and office's reach."""
import sqlalchemy as sa

from app.complaints.enums import Status
from app.core.extensions import db
from app.deadlines.sweep import sweep
from app.visits import rules
from app.visits.enums import VisitStatus
from app.visits.models import RectificationNotice, Visit

from .conftest import PHONE_RECORD, data_url, local, signature_png


def fresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def page(response):
    return response.get_data(as_text=True)


def test_the_queue_lists_visits_to_make_soonest_first_and_flags_the_overdue(resolved_case, world, cs_client,
                                                                            frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    service = resolved_case(category_id=world.categories["SERVICE"].id)
    leak = resolved_case(category_id=world.categories["REPAIR_LEAK"].id)
    sweep(db.session, local(2026, 11, 25, 9, 0))  # the leak's 3 days are past
    html = page(cs_client.get("/visit-queue/list/"))
    assert "回访队列" in html
    assert html.index(leak.case_number) < html.index(service.case_number)
    assert html.count("deadline-overdue") == 1
    overdue_only = page(cs_client.get("/visit-queue/list/?_flt_0_overdue_at=1"))
    assert leak.case_number in overdue_only and service.case_number not in overdue_only


def test_recording_a_visit_on_its_page_then_signing_it_off_with_a_drawn_signature(planned_visit, cs_client):
    case, visit = planned_visit()
    html = page(cs_client.get(f"/visits/show/{visit.id}"))
    assert "登记回访" in html and case.case_number in html
    response = cs_client.post(f"/visits/record/{visit.id}", data=dict(
        PHONE_RECORD, method="DOOR_TO_DOOR", version=visit.version, work_checked="运行正常", fee_charged="0"))
    assert response.status_code == 302
    visit = fresh(visit)
    assert visit.status == VisitStatus.RECORDED and visit.visitor.username == "cs"

    action = f"/visits/action/sign_off/{visit.id}"
    pad = page(cs_client.post(action))  # the action opens the signature pad
    assert 'id="signature-pad"' in pad and "signature_pad.umd.min.js" in pad
    refused = cs_client.post(action, data={"signer_name": "王秀英", "signature": "", "version": visit.version})
    assert refused.status_code == 422 and "签名" in page(refused)
    assert fresh(visit).status == VisitStatus.RECORDED
    done = cs_client.post(action, data={"signer_name": "王秀英", "signature": data_url(signature_png()),
                                        "version": visit.version})
    assert done.status_code == 302
    visit = fresh(visit)
    assert visit.status == VisitStatus.COMPLETED and fresh(case).status == Status.CONFIRMED
    image = cs_client.get(f"/visits/signature/{visit.id}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    assert f"/visits/signature/{visit.id}" in page(cs_client.get(f"/visits/show/{visit.id}"))


def test_a_signed_visit_cannot_be_changed_from_any_screen(signed_visit, cs_client, supervisor_client):
    _, visit = signed_visit()
    before = fresh(visit)
    html = page(cs_client.get(f"/visits/show/{visit.id}"))
    assert "添加更正" in html and 'data-form="record"' not in html
    attempts = [
        cs_client.post(f"/visits/record/{visit.id}", data=dict(PHONE_RECORD, satisfaction="DISSATISFIED",
                                                              version=before.version)),
        cs_client.post(f"/visits/attempt/{visit.id}", data={"method": "PHONE", "version": before.version}),
        supervisor_client.post(f"/visits/unreachable/{visit.id}", data={"reason": "x", "version": before.version}),
        cs_client.post(f"/visits/action/sign_off/{visit.id}", data={"signer_name": "李四", "version": before.version}),
    ]
    assert [r.status_code for r in attempts] == [409, 409, 409, 409]
    for response in (cs_client.post(f"/visits/action/sign_off/{visit.id}"),
                     cs_client.post("/visits/action_post", data={"action": "sign_off", "rowid": [visit.id]})):
        assert response.status_code == 302  # back to the visit, saying why
    for path in (f"/visits/edit/{visit.id}", f"/visits/delete/{visit.id}", "/visits/add"):
        assert cs_client.get(path).status_code in (403, 404)  # no screen edits or deletes a visit
    after = fresh(visit)
    assert (after.satisfaction, after.signer_name, after.version, after.attempts) == (
        before.satisfaction, before.signer_name, before.version, before.attempts)
    assert cs_client.post(f"/visits/correct/{visit.id}", data={"note": "满意度应为很满意"}).status_code == 302
    assert fresh(visit).events[-1].note == "满意度应为很满意"


def test_the_list_signs_off_one_visit_at_a_time(planned_visit, visit_actor, cs_client):
    visits = []
    for _ in range(2):
        _, visit = planned_visit()
        rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
        visits.append(visit)
    two = cs_client.post("/visit-queue/action_post", data={"action": "sign_off", "rowid": [v.id for v in visits]})
    assert two.status_code == 302
    one = cs_client.post("/visit-queue/action_post", data={"action": "sign_off", "rowid": [visits[0].id]})
    assert one.status_code == 200 and "被回访人姓名" in page(one) and 'id="signature-pad"' not in page(one)


def test_attempts_and_the_supervisors_unreachable_on_screen(planned_visit, cs_client, supervisor_client):
    _, visit = planned_visit()
    for _ in range(3):
        assert cs_client.post(f"/visits/attempt/{visit.id}", data={"method": "PHONE", "note": "无人接听"}
                              ).status_code == 302
    assert cs_client.post(f"/visits/unreachable/{visit.id}", data={"reason": "联系不上"}).status_code == 403
    assert 'data-form="approve_unreachable"' in page(supervisor_client.get(f"/visits/show/{visit.id}"))
    assert supervisor_client.post(f"/visits/unreachable/{visit.id}", data={"reason": "联系不上"}).status_code == 302
    assert fresh(visit).status == VisitStatus.UNREACHABLE


def test_bad_input_on_a_visit_form_keeps_what_was_typed_and_changes_nothing(planned_visit, cs_client):
    _, visit = planned_visit()
    response = cs_client.post(f"/visits/record/{visit.id}", data=dict(PHONE_RECORD, fee_charged="-5",
                                                                      resident_view="师傅态度很好"))
    assert response.status_code == 422 and "师傅态度很好" in page(response)
    assert fresh(visit).status == VisitStatus.PLANNED


def test_another_office_gets_not_found_everywhere(planned_visit, other_office_client, visit_actor):
    case, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
    for path in (f"/visits/show/{visit.id}", f"/visit-queue/show/{visit.id}", f"/visits/signature/{visit.id}"):
        assert other_office_client.get(path).status_code == 404
    for path, data in ((f"/visits/record/{visit.id}", PHONE_RECORD), (f"/visits/action/sign_off/{visit.id}", {}),
                       (f"/visits/correct/{visit.id}", {"note": "x"})):
        assert other_office_client.post(path, data=data).status_code == 404
    assert case.case_number not in page(other_office_client.get("/visits/list/"))
    for bad in ("abc", "-1", "99999999999999999999"):
        assert other_office_client.get(f"/visits/show/{bad}").status_code == 404


def test_a_routine_visit_is_recorded_and_a_problem_heard_becomes_a_complaint_and_a_notice(cs_client, world):
    form = page(cs_client.get("/visits/routine"))
    assert "登记日常走访" in form and "上海" not in form  # only the user's offices
    response = cs_client.post("/visits/routine", data={
        "office_id": world.offices["BJ01"].id, "method": "DOOR_TO_DOOR", "rooms": "5栋1单元",
        "resident_view": "电梯维保不及时", "problem_found": "5栋电梯异响"})
    assert response.status_code == 302
    visit = db.session.scalars(sa.select(Visit)).one()
    refused = cs_client.post("/visits/routine", data={"office_id": world.offices["SH01"].id, "method": "PHONE",
                                                      "rooms": "1栋", "resident_view": "无"})
    assert refused.status_code == 422
    assert cs_client.post(f"/visits/raise-complaint/{visit.id}", data={
        "category_id": world.categories["REPAIR_COMMON"].id, "complainant_name": "李先生", "description": "",
    }).status_code == 302
    assert cs_client.post(f"/visits/rectify/{visit.id}", data={
        "responsible_id": world.user_id("cs2"), "problem": ""}).status_code == 302
    html = page(cs_client.get(f"/visits/show/{visit.id}"))
    [complaint] = fresh(visit).raised_complaints
    notice = db.session.scalars(sa.select(RectificationNotice)).one()
    assert complaint.case_number in html and f"/rectifications/show/{notice.id}" in html


def test_the_person_responsible_completes_a_notice_on_its_page(planned_visit, visit_actor, world, client_for):
    _, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, problem_found="灯罩未装回"))
    notice = rules.issue_rectification(db.session, visit_actor("cs"), visit.id, world.user_id("cs2"))
    cs, cs2 = client_for("cs"), client_for("cs2")
    assert 'id="notice-complete"' not in page(cs.get(f"/rectifications/show/{notice.id}"))
    assert cs.post(f"/rectifications/complete/{notice.id}", data={"work_done": "已装回"}).status_code == 403
    assert 'id="notice-complete"' in page(cs2.get(f"/rectifications/show/{notice.id}"))
    assert cs2.post(f"/rectifications/complete/{notice.id}", data={"work_done": "已装回",
                                                                   "version": notice.version}).status_code == 302
    assert visits_of_notice(notice) == [VisitStatus.PLANNED]
    assert "整改通知" in page(cs.get("/rectifications/list/"))


def visits_of_notice(notice):
    return [v.status for v in db.session.scalars(sa.select(Visit).where(Visit.rectification_id == notice.id))]


def test_the_case_shows_how_often_its_visits_found_the_resident_not_satisfied(signed_visit, cs_client):
    case, _ = signed_visit("DISSATISFIED")
    assert "不满意 ×1" in page(cs_client.get(f"/complaints/show/{case.id}"))
    assert "不满意 ×1" in page(cs_client.get("/complaints/list/"))


def test_visit_settings_and_visiting_staff_are_for_administrators(admin_client, supervisor_client, world):
    assert supervisor_client.get("/visit-settings/list/").status_code == 403
    assert admin_client.get("/visit-settings/add").status_code == 200
    refused = admin_client.post("/visit-settings/add", data={"office": world.offices["BJ01"].id,
                                                             "office_share": "3", "engineering_share": "10",
                                                             "repairer_share": "20"})
    assert refused.status_code == 200 and db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.table("visit_setting"))) == 0
    assert admin_client.post("/visit-settings/add", data={
        "office": world.offices["BJ01"].id, "closing_waits_for_visit": "y", "office_share": "5",
        "engineering_share": "12", "repairer_share": "20"}).status_code == 302
    assert rules.VisitSetting and db.session.get(rules.VisitSetting, world.offices["BJ01"].id).closing_waits_for_visit
