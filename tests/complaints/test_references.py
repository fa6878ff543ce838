"""What a case names must exist and may be chosen, whatever surface sends it: a category that
exists and is active, one of the actor's active offices, staff of the case's office (respondent,
assignee, plan owner). Ids that name no row or overflow the column are refused with a field
message and nothing is written; so is a screen form that does not say which version it edits."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.enums import EventKind, Status
from app.complaints.models import Category, Complaint, ComplaintEvent
from app.core import clock
from app.core.extensions import db
from app.core.models import Office

from .test_api import intake as api_intake
from .test_screens import intake as screen_intake

NO_ROW = [999999, 2**31, 2**64, "99999999999999999999", -1, 0, "abc"]
CATEGORY_MESSAGE = "请选择一个启用中的投诉类别。"
NOT_OF_OFFICE = "不属于该案件的管理处。"


def complaints() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Complaint.id)))


def edits(case) -> int:
    return db.session.scalar(sa.select(sa.func.count(ComplaintEvent.id)).where(
        ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == EventKind.EDITED))


@pytest.fixture
def inactive_category(world):
    """A category that exists but is switched off (restored afterwards)."""
    category = db.session.get(Category, world.categories["REPAIR_OWN"].id)
    category.active = False
    db.session.commit()
    yield category
    category = db.session.get(Category, world.categories["REPAIR_OWN"].id)
    category.active = True
    db.session.commit()


# ---- the workflow: intake, edit and actions -----------------------------------------------


@pytest.mark.parametrize("category_id", NO_ROW + [None])
def test_intake_naming_no_category_is_refused_and_nothing_is_written(new_case, category_id):
    with pytest.raises(workflow.InvalidInput) as refused:
        new_case(category_id=category_id)
    assert set(refused.value.fields) == {"category_id"}
    assert complaints() == 0


def test_intake_into_an_inactive_category_is_refused(new_case, inactive_category):
    with pytest.raises(workflow.InvalidInput) as refused:
        new_case(category_id=inactive_category.id)
    assert refused.value.fields["category_id"] == CATEGORY_MESSAGE
    assert complaints() == 0


@pytest.mark.parametrize("office_id", NO_ROW)
def test_intake_naming_no_office_is_refused_even_for_all_office_roles(new_case, world, office_id):
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.open_case(db.session, world.actor("gm"), {
            "office_id": office_id, "category_id": world.categories["SERVICE"].id,
            "description": "服务态度差", "complainant_name": "王秀英"})
    assert set(refused.value.fields) == {"office_id"}
    assert complaints() == 0


def test_intake_into_an_inactive_office_is_refused(new_case, world):
    office = db.session.get(Office, world.offices["SH01"].id)
    office.active = False
    db.session.commit()
    try:
        with pytest.raises(workflow.InvalidInput) as refused:
            new_case(by="gm", office="SH01")
        assert set(refused.value.fields) == {"office_id"}
    finally:
        office.active = True
        db.session.commit()
    assert complaints() == 0


@pytest.mark.parametrize("respondent_id", NO_ROW)
def test_intake_naming_no_respondent_is_refused(new_case, respondent_id):
    with pytest.raises(workflow.InvalidInput) as refused:
        new_case(respondent_id=respondent_id)
    assert set(refused.value.fields) == {"respondent_id"}
    assert complaints() == 0


def test_the_respondent_must_work_at_the_cases_office(new_case, world):
    with pytest.raises(workflow.InvalidInput) as refused:
        new_case(by="gm", respondent_id=world.user_id("sh_cs"))
    assert refused.value.fields == {"respondent_id": NOT_OF_OFFICE}
    assert complaints() == 0
    case = new_case(respondent_id=str(world.user_id("cs2")))
    assert case.respondent_id == world.user_id("cs2")


@pytest.mark.parametrize("changes, field", [
    *[({"category_id": bad}, "category_id") for bad in NO_ROW],
    *[({"respondent_id": bad}, "respondent_id") for bad in NO_ROW],
    ({"respondent_id": "sh_cs"}, "respondent_id"),  # replaced by that user's id below
])
def test_an_edit_naming_no_category_or_respondent_is_refused_and_nothing_changes(new_case, world, changes, field):
    case = new_case()
    if changes.get("respondent_id") == "sh_cs":
        changes = {"respondent_id": world.user_id("sh_cs")}
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.update_details(db.session, world.actor("cs"), case.id, {**changes, "description": "改了"},
                                expected_version=case.version)
    assert set(refused.value.fields) == {field}
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert (fresh.description, fresh.respondent_id, fresh.version) == (case.description, None, case.version)


def test_an_edit_may_keep_a_category_deactivated_since_but_not_choose_one(new_case, world, inactive_category):
    registered_before = new_case()
    db.session.execute(sa.update(Complaint).where(Complaint.id == registered_before.id)
                       .values(category_id=inactive_category.id))
    db.session.commit()
    workflow.update_details(db.session, world.actor("cs"), registered_before.id,
                            {"category_id": str(inactive_category.id), "description": "补充说明"},
                            expected_version=registered_before.version)
    db.session.expire_all()
    fresh = db.session.get(Complaint, registered_before.id)
    assert (fresh.category_id, fresh.description) == (inactive_category.id, "补充说明")
    other = new_case()
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.update_details(db.session, world.actor("cs"), other.id, {"category_id": inactive_category.id},
                                expected_version=other.version)
    assert refused.value.fields == {"category_id": CATEGORY_MESSAGE}


@pytest.mark.parametrize("bad", NO_ROW)
def test_assigning_or_planning_with_no_such_staff_member_is_refused(new_case, world, bad):
    case = new_case()
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=bad)
    assert set(refused.value.fields) == {"assignee_id"}
    for action in ("acknowledge", "start_investigation"):
        workflow.perform(db.session, world.actor("sup"), case.id, action)
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform(db.session, world.actor("sup"), case.id, "propose_plan", measures="更换水泵",
                         deadline=clock.now() + timedelta(days=3), owner_id=bad)
    assert set(refused.value.fields) == {"owner_id"}
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert (fresh.assignee_id, fresh.plan_owner_id, fresh.status) == (None, None, Status.INVESTIGATING)


# ---- the screens ------------------------------------------------------------------------------


@pytest.mark.parametrize("category_id", [str(v) for v in NO_ROW] + ["inactive"])
def test_the_intake_screen_shows_the_category_message_and_registers_nothing(cs_client, world, category_id,
                                                                           inactive_category):
    if category_id == "inactive":
        category_id = str(inactive_category.id)
    response = cs_client.post("/complaints/add", data=screen_intake(world, category_id=category_id))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and CATEGORY_MESSAGE in page
    assert "李桂兰" in page  # the form is shown again with what was typed
    assert complaints() == 0


@pytest.mark.parametrize("office_id", [str(v) for v in NO_ROW])
def test_the_intake_screen_refuses_an_office_that_is_no_row(gm_client, world, office_id):
    response = gm_client.post("/complaints/add", data=screen_intake(world, office_id=office_id))
    assert response.status_code == 200 and "请选择您所属的管理处。" in response.get_data(as_text=True)
    assert complaints() == 0


@pytest.mark.parametrize("respondent", ["sh_cs", "99999999999999999999", "abc", "-1"])
def test_the_edit_screen_refuses_a_respondent_outside_the_cases_office(cs_client, new_case, world, respondent):
    case = new_case()
    respondent_id = str(world.user_id(respondent)) if respondent == "sh_cs" else respondent
    response = cs_client.post(f"/complaints/edit/{case.id}", data={
        "category_id": str(case.category_id), "urgency": "GENERAL", "channel": "PHONE", "grade": "",
        "description": "改了被投诉人", "respondent_id": respondent_id, "respondent_department": "",
        "version": str(case.version)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "改了被投诉人" in page
    assert (NOT_OF_OFFICE if respondent == "sh_cs" else "请选择一名在职员工。") in page
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).respondent_id is None and edits(case) == 0


@pytest.mark.parametrize("assignee_id", ["99999999999999999999", str(2**64), "-1", "abc", "999999"])
def test_the_detail_screen_refuses_assigning_no_such_staff_member(cs_client, new_case, assignee_id):
    case = new_case()
    response = cs_client.act(case, "assign", assignee_id=assignee_id)
    assert response.status_code == 422 and "请选择一名在职员工。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).assignee_id is None


# ---- the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["office_id", "category_id", "respondent_id"])
@pytest.mark.parametrize("bad", [2**64, 99999999999999999999, 2**31, -1, 0, "abc", 1.5])
def test_the_api_refuses_ids_that_overflow_the_column_with_a_field_message(api, world, field, bad):  # noqa: F811
    response = api("cs").post("/api/v1/complaints/", api_intake(world, **{field: bad}))
    assert response.status_code == 422
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(response.json["fields"][field]))
    assert complaints() == 0


@pytest.mark.parametrize("field, value, message", [
    ("category_id", 999999, CATEGORY_MESSAGE),
    ("category_id", "inactive", CATEGORY_MESSAGE),
    ("office_id", 999999, "请选择您所属的管理处。"),
    ("respondent_id", 999999, "请选择一名在职员工。"),
    ("respondent_id", "sh_cs", NOT_OF_OFFICE),
])
def test_the_api_refuses_references_to_nothing_or_to_another_office(api, world, inactive_category,  # noqa: F811
                                                                    field, value, message):
    value = {"inactive": inactive_category.id, "sh_cs": world.user_id("sh_cs")}.get(value, value)
    response = api("gm").post("/api/v1/complaints/", api_intake(world, **{field: value}))
    assert response.status_code == 422
    assert response.json["fields"] == {field: message}
    assert complaints() == 0


# ---- a form that does not say which version it edits ----------------------------------------


@pytest.mark.parametrize("version", [None, ""])
def test_an_edit_that_does_not_say_its_version_is_refused_like_a_stale_one(new_case, world, version):
    case = new_case()
    with pytest.raises(workflow.StaleCase):
        workflow.update_details(db.session, world.actor("cs"), case.id, {"description": "覆盖"},
                                expected_version=version)
    with pytest.raises(workflow.StaleCase):
        workflow.perform(db.session, world.actor("cs"), case.id, "acknowledge", expected_version=version)
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).version == case.version


@pytest.mark.parametrize("version", ["", None])
def test_the_edit_screen_refuses_a_form_without_its_version(cs_client, client_for, new_case, version):
    case = new_case()
    form = {"category_id": str(case.category_id), "urgency": "GENERAL", "channel": "PHONE", "grade": "",
            "respondent_id": "", "respondent_department": "", "version": str(case.version)}
    assert client_for("cs2").post(f"/complaints/edit/{case.id}",
                                  data={**form, "description": "补充:8楼和9楼都有"}).status_code == 302
    form = {k: v for k, v in form.items() if k != "version"} if version is None else {**form, "version": ""}
    response = cs_client.post(f"/complaints/edit/{case.id}", data={**form, "description": "我的修改"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "我的修改" in page and "没有保存" in page
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).description == "补充:8楼和9楼都有"
    assert edits(case) == 1


@pytest.mark.parametrize("version", ["", None])
def test_an_action_posted_without_its_version_is_refused(cs_client, new_case, version):
    case = new_case()
    fields = {"action": "escalate", "reason": "需要主管处理"}
    if version is not None:
        fields["version"] = version
    response = cs_client.post(f"/complaints/act/{case.id}", data=fields)
    assert response.status_code == 409 and "没有保存" in response.get_data(as_text=True)
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert (fresh.tier, fresh.version) == (1, case.version)
