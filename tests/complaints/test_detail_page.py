"""The detail page of a case, made for people who open cases all day: only the fields that hold
something, the plan beside its approval, the usual next step standing out, a timeline that names
tiers and people, messages that name fields by their labels, and action forms that choose
sensibly."""
import re
from datetime import timedelta

import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.enums import Status, Urgency
from app.complaints.models import Complaint
from app.core import clock
from app.core.extensions import db
from app.notifications.models import Notification


def page_of(client, case):
    response = client.get(f"/complaints/show/{case.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def fields_table(page):
    start = page.index('class="col-md-7 complaint-main"')
    return page[start:page.index('id="deadlines"', start) if 'id="deadlines"' in page[start:] else None]


def advance(world, case, *steps, by="sup", **params):
    for step in steps:
        workflow.perform(db.session, world.actor(by), case.id, step, **params.get(step, {}))
    db.session.expire_all()
    return db.session.get(Complaint, case.id)


def test_empty_fields_are_not_shown(cs_client, new_case):
    case = new_case()
    table = fields_table(page_of(cs_client, case))
    assert "投诉内容" in table and "5栋电梯停在8楼不动" in table and "王秀英" in table
    # Nothing is planned, resolved or voided yet: those fields are left out, not shown empty.
    for label in ("处理措施", "方案负责人", "处理结果", "作废原因", "被投诉部门", "处理完毕时间", "None"):
        assert label not in table, label


def test_the_plan_is_shown_beside_its_approval(supervisor_client, new_case, world):
    case = advance(world, new_case(category_id=world.categories["SERVICE"].id), "acknowledge", "start_investigation")
    case = advance(world, case, "propose_plan", by="cs", propose_plan={
        "measures": "更换5栋电梯控制板,每日回报进度", "deadline": clock.now() + timedelta(days=3),
        "owner_id": world.user_id("sup")})
    page = page_of(supervisor_client, case)
    plan = page[page.index('id="plan"'):page.index('id="workflow-actions"')]
    assert "更换5栋电梯控制板" in plan and "测试sup" in plan
    actions = page[page.index('id="workflow-actions"'):]
    # The approval comes first and stands out; sending back is beside it.
    first = re.search(r'<details class="workflow-action([^"]*)" data-action="([a-z_]+)"', actions)
    assert first.group(2) == "approve_plan" and "workflow-action-next" in first.group(1)
    assert 'summary class="btn btn-primary' in actions[:actions.index('data-action="send_back_plan"')]
    # The plan is not repeated among the fields.
    assert "更换5栋电梯控制板" not in fields_table(page)


def test_the_usual_next_action_stands_out(cs_client, supervisor_client, new_case, world):
    case = new_case(category_id=world.categories["SERVICE"].id)
    assert _next_action(page_of(cs_client, case)) == "acknowledge"
    case = advance(world, case, "acknowledge")
    assert _next_action(page_of(cs_client, case)) == "start_investigation"
    # Someone on site before anything else while an emergency's or a repair's arrival clock runs.
    emergency = new_case(category_id=world.categories["SERVICE"].id, urgency=Urgency.EMERGENCY)
    assert _next_action(page_of(cs_client, emergency)) == "record_on_site"
    assert _next_action(page_of(cs_client, new_case())) == "record_on_site"
    # Exactly one action stands out.
    assert page_of(supervisor_client, case).count("workflow-action-next") == 1


def _next_action(page):
    found = re.search(r'<details class="workflow-action workflow-action-next" data-action="([a-z_]+)"', page)
    return found and found.group(1)


def test_the_timeline_is_one_tap_away_and_names_tiers_and_people(cs_client, new_case, world):
    case = new_case()
    workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    workflow.perform(db.session, world.actor("cs"), case.id, "escalate", reason="涉及工程部,需主管协调")
    page = page_of(cs_client, case)
    assert re.search(r'href="#timeline"[^>]*id="jump-timeline"', page) and 'id="timeline"' in page
    timeline = page[page.index('id="timeline"'):]
    escalated = timeline[timeline.index('data-kind="escalated"'):][:800]
    assert "第一层 → 第二层" in escalated and "测试cs" in escalated
    assigned = timeline[timeline.index('data-kind="assigned"'):][:800]
    assert "测试cs2" in assigned  # the person's name, not their login
    # Names and times never break one character per line on a phone.
    assert 'class="timeline-actor"' in timeline and 'class="timeline-time' in timeline


def test_messages_name_fields_by_their_labels(cs_client, client_for, new_case, world):
    case = new_case()
    seen = case.version
    workflow.update_details(db.session, world.actor("cs2"), case.id, {
        "category_id": world.categories["SAFETY"].id, "urgency": Urgency.EMERGENCY})
    response = cs_client.act(case, "acknowledge", version=seen)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "类别、紧急程度" in page and "category_id" not in page and "urgency" not in page
    timeline = page_of(cs_client, case)
    edited = timeline[timeline.index('data-kind="edited"'):][:800]
    assert "类别、紧急程度" in edited


def test_a_plans_owner_defaults_to_me_and_never_to_the_administrator(supervisor_client, new_case, world):
    case = advance(world, new_case(), "acknowledge", "start_investigation")
    form = page_of(supervisor_client, case)
    form = form[form.index('data-action="propose_plan"'):]
    owners = form[form.index('name="owner_id"'):form.index("</select>")]
    selected = re.findall(r'<option value="(\d+)"\s*selected', owners)
    assert selected == [str(world.user_id("sup"))]
    assert f'value="{world.user_id("admin")}"' not in owners  # administrators run the system, not cases


def test_assignment_offers_the_people_of_the_cases_office_and_tier(cs_client, supervisor_client, new_case, world):
    case = new_case()

    def offered(client):
        page = page_of(client, case)
        form = page[page.index('data-action="assign"'):]
        options = form[form.index('name="assignee_id"'):form.index("</select>")]
        return set(re.findall(r'<option value="(\d+)"', options)), re.findall(r'<option value="(\d+)"\s*selected',
                                                                                 options)

    people, selected = offered(cs_client)
    # Tier 1 of Beijing: its customer service, not Shanghai's, not the supervisor or the GM.
    assert people == {str(world.user_id("cs")), str(world.user_id("cs2"))}
    assert selected == [str(world.user_id("cs"))]  # taking the case oneself is the usual choice
    workflow.perform(db.session, world.actor("cs"), case.id, "escalate", reason="需主管协调")
    people, selected = offered(supervisor_client)
    assert people == {str(world.user_id("sup"))}


def test_assignment_offers_no_default_to_someone_outside_the_tier(gm_client, new_case, world):
    case = new_case()
    page = page_of(gm_client, case)
    form = page[page.index('data-action="assign"'):]
    options = form[form.index('name="assignee_id"'):form.index("</select>")]
    assert re.search(r'<option value="" selected disabled>', options)  # choose explicitly


def test_opening_a_case_marks_its_notifications_read(supervisor_client, new_case, world, frozen_clock):
    emergency, other = new_case(urgency=Urgency.EMERGENCY), new_case(urgency=Urgency.EMERGENCY)

    def unread(case):
        db.session.expire_all()
        return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == world.user_id("sup"), Notification.complaint_id == case.id,
            Notification.read_at.is_(None)))

    assert unread(emergency) == unread(other) == 1
    page = page_of(supervisor_client, emergency)
    assert unread(emergency) == 0 and unread(other) == 1
    # The navbar's count already says so on the page that read them.
    assert re.search(r'id="unread-count">1<', page)


def test_a_closed_case_shows_its_result_and_hides_what_it_no_longer_needs(cs_client, new_case, world):
    case = advance(world, new_case(), "resolve", by="cs", resolve={"result": "已当场更换灯管"})
    assert case.status == Status.RESOLVED
    table = fields_table(page_of(cs_client, case))
    assert "处理结果" in table and "已当场更换灯管" in table and "作废原因" not in table
