"""Every transition of the complaint workflow, allowed and refused, per role and state."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.enums import EventKind, Grade, Status, Validity
from app.complaints.models import Complaint, ComplaintEvent
from app.core import clock
from app.core.extensions import db

S = Status

# How the tests bring a case to each state (run by the general manager, who may do all).
PATH = {
    S.RECEIVED: [],
    S.ACKNOWLEDGED: ["acknowledge"],
    S.INVESTIGATING: ["acknowledge", "start_investigation"],
    S.PLAN_PROPOSED: ["acknowledge", "start_investigation", "propose_plan"],
    S.PLAN_APPROVED: ["acknowledge", "start_investigation", "propose_plan", "approve_plan"],
    S.IN_PROGRESS: ["acknowledge", "start_investigation", "propose_plan", "approve_plan", "record_progress"],
    S.RESOLVED: ["acknowledge", "start_investigation", "propose_plan", "approve_plan", "record_progress",
                 "resolve"],
    S.CONFIRMED: ["acknowledge", "start_investigation", "propose_plan", "approve_plan", "record_progress",
                  "resolve", "record_confirmation"],
    S.CLOSED: ["acknowledge", "start_investigation", "propose_plan", "approve_plan", "record_progress",
               "resolve", "record_confirmation", "close"],
    S.VOIDED: ["void"],
}

# The transition table of domain.md "Handling": action → {from state: to state}.
OPEN = [S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING, S.PLAN_PROPOSED, S.PLAN_APPROVED, S.IN_PROGRESS]
NOT_FINAL = OPEN + [S.RESOLVED, S.CONFIRMED]
EXPECTED = {
    "acknowledge": {S.RECEIVED: S.ACKNOWLEDGED},
    "assign": {s: s for s in OPEN},
    "start_investigation": {S.ACKNOWLEDGED: S.INVESTIGATING},
    "propose_plan": {S.INVESTIGATING: S.PLAN_PROPOSED},
    "approve_plan": {S.PLAN_PROPOSED: S.PLAN_APPROVED},
    "send_back_plan": {S.PLAN_PROPOSED: S.INVESTIGATING},
    "record_progress": {S.PLAN_APPROVED: S.IN_PROGRESS, S.IN_PROGRESS: S.IN_PROGRESS},
    "record_feedback": {s: s for s in OPEN + [S.RESOLVED]},
    "resolve": {S.RECEIVED: S.RESOLVED, S.PLAN_APPROVED: S.RESOLVED, S.IN_PROGRESS: S.RESOLVED},
    "record_confirmation": {S.RESOLVED: S.CONFIRMED},
    "escalate": {s: s for s in OPEN},
    "appeal": {S.RESOLVED: S.INVESTIGATING, S.CONFIRMED: S.INVESTIGATING, S.CLOSED: S.INVESTIGATING},
    "mark_validity": {s: s for s in NOT_FINAL},
    "close": {S.CONFIRMED: S.CLOSED},
    "void": {s: S.VOIDED for s in NOT_FINAL},
    "record_on_site": {s: s for s in OPEN},
    "pause_clock": {s: s for s in OPEN},
    "resume_clock": {},  # only a paused clock resumes (see test_deadlines)
    "record_return_visit": {S.RESOLVED: S.RESOLVED, S.CONFIRMED: S.CONFIRMED, S.CLOSED: S.CLOSED},
    "record_repeat_call": {s: s for s in OPEN},
    "correct_complainant": {s: s for s in NOT_FINAL},
}


def params_for(action, world):
    return {
        "acknowledge": {}, "start_investigation": {}, "approve_plan": {}, "close": {},
        "assign": {"assignee_id": world.user_id("cs2")},
        "propose_plan": {"measures": "更换电梯控制板", "deadline": clock.now() + timedelta(days=3),
                         "owner_id": world.user_id("sup")},
        "send_back_plan": {"note": "方案缺少费用说明"},
        "record_progress": {"note": "配件已到"},
        "record_feedback": {"note": "已电话告知业主进度"},
        "resolve": {"result": "已修复"},
        "record_confirmation": {"satisfied": True, "note": "满意"},
        "escalate": {"reason": "客服无法协调"},
        "appeal": {"note": "业主对处理结果有异议"},
        "mark_validity": {"validity": "VALID"},
        "void": {"reason": "重复登记"},
        "record_on_site": {}, "resume_clock": {},
        "pause_clock": {"reason": "业主要求下周再上门"},
        "record_return_visit": {"note": "电话回访,业主满意"},
        "record_repeat_call": {"note": "业主再次来电催促"},
        "correct_complainant": {"complainant_phone": "13800000009"},
    }[action]


def bring_to(case, state, world):
    for action in PATH[state]:
        workflow.perform(db.session, world.actor("gm"), case.id, action, **params_for(action, world))
    assert case.status == state
    return case


def events_of(case):
    return db.session.scalars(sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)
                              .order_by(ComplaintEvent.id)).all()


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.name)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_transition_table(action, state, world, new_case, frozen_clock):
    case = bring_to(new_case(), state, world)
    before_events, before_version = len(events_of(case)), case.version
    if state in EXPECTED[action]:
        workflow.perform(db.session, world.actor("gm"), case.id, action, **params_for(action, world))
        assert case.status == EXPECTED[action][state]
        new_events = events_of(case)[before_events:]
        assert len(new_events) == 1
        assert new_events[0].from_status == state and new_events[0].to_status == case.status
        assert new_events[0].actor_id == world.user_id("gm")
        assert case.version == before_version + 1
    else:
        with pytest.raises(workflow.IllegalTransition):
            workflow.perform(db.session, world.actor("gm"), case.id, action, **params_for(action, world))
        db.session.expire_all()
        assert case.status == state
        assert len(events_of(case)) == before_events


def test_registration_numbers_the_case_per_office_and_local_day(world, new_case, frozen_clock):
    # 23:30 in Beijing on 20 Nov is 15:30 UTC: the local day decides the number.
    frozen_clock(clock.now().replace(hour=15, minute=30))
    first, second = new_case(), new_case()
    other_office = new_case(by="sh_cs", office="SH01")
    assert first.case_number == "BJ01-20261120-0001"
    assert second.case_number == "BJ01-20261120-0002"
    assert other_office.case_number == "SH01-20261120-0001"
    frozen_clock(clock.now().replace(hour=16, minute=30))  # 00:30 on 21 Nov in Beijing
    assert new_case().case_number == "BJ01-20261121-0001"


def test_registration_starts_at_tier_one_with_one_event(world, new_case):
    case = new_case()
    assert (case.status, case.tier, case.validity, case.version) == (S.RECEIVED, 1, Validity.PENDING, 1)
    [event] = events_of(case)
    assert event.kind == EventKind.REGISTERED and event.actor_id == world.user_id("cs")


def test_major_complaint_goes_to_the_general_manager_at_intake(world, new_case):
    case = new_case(grade=Grade.MAJOR)
    assert case.tier == 3
    assert [e.kind for e in events_of(case)] == [EventKind.REGISTERED, EventKind.ESCALATED]


def test_important_complaint_goes_to_the_supervisor_at_intake(world, new_case):
    assert new_case(grade=Grade.IMPORTANT).tier == 2


def test_raising_the_grade_later_raises_the_tier(world, new_case):
    case = new_case()
    workflow.update_details(db.session, world.actor("cs"), case.id, {"grade": Grade.MAJOR}, expected_version=1)
    assert case.tier == 3
    assert [e.kind for e in events_of(case)][-2:] == [EventKind.EDITED, EventKind.ESCALATED]


def test_escalation_needs_a_reason_and_moves_one_tier_up(world, new_case):
    case = new_case()
    workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform(db.session, world.actor("cs"), case.id, "escalate", reason="  ")
    assert "reason" in refused.value.fields
    workflow.perform(db.session, world.actor("cs"), case.id, "escalate", reason="涉及多个部门")
    assert case.tier == 2 and case.assignee_id is None
    assert events_of(case)[-1].note == "涉及多个部门"
    assert (events_of(case)[-1].from_tier, events_of(case)[-1].to_tier) == (1, 2)


def test_no_escalation_above_the_general_manager(world, new_case):
    case = new_case(grade=Grade.MAJOR)
    with pytest.raises(workflow.IllegalTransition):
        workflow.perform(db.session, world.actor("gm"), case.id, "escalate", reason="再升级")


def test_customer_service_cannot_approve_close_void_or_mark_validity(world, new_case):
    case = bring_to(new_case(), S.PLAN_PROPOSED, world)
    for action, params in [("approve_plan", {}), ("void", {"reason": "x"}),
                           ("mark_validity", {"validity": "VALID"})]:
        with pytest.raises(workflow.Forbidden):
            workflow.perform(db.session, world.actor("cs"), case.id, action, **params)
    confirmed = bring_to(new_case(), S.CONFIRMED, world)
    with pytest.raises(workflow.Forbidden):
        workflow.perform(db.session, world.actor("cs"), confirmed.id, "close")
    workflow.perform(db.session, world.actor("sup"), confirmed.id, "close")
    assert confirmed.status == S.CLOSED


def test_customer_service_cannot_handle_a_tier_two_case_but_keeps_the_complainant_informed(world, new_case):
    case = new_case(grade=Grade.IMPORTANT)
    workflow.perform(db.session, world.actor("cs"), case.id, "acknowledge")  # CS confirms receipt at any tier
    with pytest.raises(workflow.Forbidden):
        workflow.perform(db.session, world.actor("cs"), case.id, "start_investigation")
    workflow.perform(db.session, world.actor("cs"), case.id, "record_feedback", note="已告知业主由主管处理")
    workflow.perform(db.session, world.actor("sup"), case.id, "start_investigation")
    assert case.status == S.INVESTIGATING and case.first_feedback_at is not None


def test_supervisor_cannot_handle_a_tier_three_case(world, new_case):
    case = new_case(grade=Grade.MAJOR)
    with pytest.raises(workflow.Forbidden):
        workflow.perform(db.session, world.actor("sup"), case.id, "void", reason="x")
    workflow.perform(db.session, world.actor("gm"), case.id, "void", reason="重复")
    assert case.status == S.VOIDED


def test_staff_of_another_office_cannot_see_or_touch_the_case(world, new_case):
    case = new_case()
    with pytest.raises(workflow.NotFound):
        workflow.perform(db.session, world.actor("sh_sup"), case.id, "acknowledge")
    with pytest.raises(workflow.NotFound):
        workflow.load(db.session, world.actor("sh_cs"), case.id)
    assert workflow.load(db.session, world.actor("gm"), case.id).id == case.id


def test_assignee_must_work_at_the_cases_office_and_tier(world, new_case):
    case = new_case()
    for who in ("sh_cs", "sup"):  # other office; wrong tier
        with pytest.raises(workflow.InvalidInput):
            workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id(who))
    workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    assert case.assignee_id == world.user_id("cs2")


def test_on_the_spot_resolution_goes_straight_to_resolved(world, new_case):
    case = new_case()
    workflow.perform(db.session, world.actor("cs"), case.id, "resolve", result="现场复位电梯")
    assert case.status == S.RESOLVED and case.on_the_spot and case.resolved_at is not None


def test_not_satisfied_complainant_sends_the_case_back_to_handling(world, new_case):
    case = bring_to(new_case(), S.RESOLVED, world)
    with pytest.raises(workflow.InvalidInput):
        workflow.perform(db.session, world.actor("cs"), case.id, "record_confirmation", satisfied=False)
    workflow.perform(db.session, world.actor("cs"), case.id, "record_confirmation", satisfied=False,
                     note="电梯仍有异响")
    assert case.status == S.IN_PROGRESS and case.resolved_at is None
    assert events_of(case)[-1].kind == EventKind.NOT_SATISFIED


def test_appeal_reopens_the_case_one_tier_up(world, new_case):
    case = bring_to(new_case(), S.CLOSED, world)
    workflow.perform(db.session, world.actor("cs"), case.id, "appeal", note="业主申诉")
    assert (case.status, case.tier, case.closed_at) == (S.INVESTIGATING, 2, None)


def test_an_invalid_complaint_may_be_closed_before_resolution(world, new_case):
    case = bring_to(new_case(), S.INVESTIGATING, world)
    with pytest.raises(workflow.IllegalTransition):
        workflow.perform(db.session, world.actor("sup"), case.id, "close")
    workflow.perform(db.session, world.actor("sup"), case.id, "mark_validity", validity="INVALID", note="非物业责任")
    workflow.perform(db.session, world.actor("sup"), case.id, "close")
    assert case.status == S.CLOSED and case.validity == Validity.INVALID


def test_voided_case_keeps_its_record_and_history(world, new_case):
    case = new_case()
    workflow.perform(db.session, world.actor("sup"), case.id, "void", reason="重复登记")
    db.session.expire_all()
    kept = db.session.get(Complaint, case.id)
    assert kept.status == S.VOIDED and kept.void_reason == "重复登记"
    assert [e.kind for e in events_of(kept)] == [EventKind.REGISTERED, EventKind.VOIDED]
    with pytest.raises(workflow.IllegalTransition):
        workflow.update_details(db.session, world.actor("sup"), case.id, {"description": "改"})


def test_a_failed_action_changes_nothing(world, new_case):
    case = bring_to(new_case(), S.INVESTIGATING, world)
    with pytest.raises(workflow.InvalidInput):
        workflow.perform(db.session, world.actor("sup"), case.id, "propose_plan", measures="换零件",
                         deadline=clock.now() + timedelta(days=2), owner_id=world.user_id("sh_sup"))
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert (fresh.status, fresh.plan_measures, fresh.version) == (S.INVESTIGATING, None, case.version)


def test_a_change_against_an_old_version_is_refused_and_says_what_changed(world, new_case):
    case = new_case()
    loaded_version = case.version
    workflow.perform(db.session, world.actor("cs2"), case.id, "escalate", reason="需要主管处理",
                     expected_version=loaded_version)
    with pytest.raises(workflow.StaleCase) as refused:
        workflow.perform(db.session, world.actor("cs"), case.id, "acknowledge", expected_version=loaded_version)
    assert "cs2" in refused.value.message and "需要主管处理" in refused.value.message
    with pytest.raises(workflow.StaleCase):
        workflow.update_details(db.session, world.actor("cs"), case.id, {"description": "覆盖"},
                                expected_version=loaded_version)
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert fresh.status == S.RECEIVED and fresh.description == "5栋电梯停在8楼不动" and fresh.tier == 2


def stored(case):
    """The case as stored and its number of events: what a refused request must leave alone."""
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    return (fresh.status, fresh.tier, fresh.version, fresh.assignee_id, fresh.plan_deadline, fresh.description,
            len(events_of(fresh)))


# Found by test_workflow_properties: each of these crashed with a database or overflow error
# (a 500) instead of being refused.

@pytest.mark.parametrize("version", [2**64, -2**64])
def test_a_version_no_database_integer_holds_is_stale(world, new_case, version):
    case = new_case()
    before = stored(case)
    with pytest.raises(workflow.StaleCase):
        workflow.perform(db.session, world.actor("cs"), case.id, "acknowledge", expected_version=version)
    with pytest.raises(workflow.StaleCase):
        workflow.update_details(db.session, world.actor("cs"), case.id, {"description": "改"},
                                expected_version=version)
    assert stored(case) == before


@pytest.mark.parametrize("assignee", [2**64, 2**31, -1, "12abc", "half"])
def test_an_assignee_id_naming_no_user_is_refused(world, new_case, assignee):
    case = new_case()
    before = stored(case)
    # "half": a float next to a real id, which int() used to round down to that user.
    assignee = world.user_id("cs2") + 0.5 if assignee == "half" else assignee
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=assignee)
    assert set(refused.value.fields) == {"assignee_id"}
    assert stored(case) == before


@pytest.mark.parametrize("text", ["\x00", "漏水\x00严重", "\x1b[31m"])
def test_text_with_control_characters_is_refused(world, new_case, text):
    case = new_case()
    before = stored(case)
    for action, field in [("escalate", "reason"), ("record_feedback", "note"), ("acknowledge", "note")]:
        with pytest.raises(workflow.InvalidInput) as refused:
            workflow.perform(db.session, world.actor("cs"), case.id, action, **{field: text})
        assert set(refused.value.fields) == {field}
    with pytest.raises(workflow.InvalidInput):
        workflow.update_details(db.session, world.actor("cs"), case.id, {"description": "电梯" + text})
    assert stored(case) == before
    with pytest.raises(workflow.InvalidInput):
        new_case(description="电梯" + text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
    # Tabs and line breaks are ordinary text.
    workflow.perform(db.session, world.actor("cs"), case.id, "record_feedback", note="第一行\r\n第二行\t完")
    assert events_of(case)[-1].note == "第一行\r\n第二行\t完"


@pytest.mark.parametrize("deadline", [datetime.max.replace(tzinfo=timezone.utc),
                                      datetime(9999, 12, 31, 20, 0, tzinfo=timezone.utc),
                                      datetime(2100, 1, 1, tzinfo=timezone.utc)])
def test_a_plan_deadline_beyond_the_years_in_use_is_refused(world, new_case, frozen_clock, deadline):
    case = bring_to(new_case(), S.INVESTIGATING, world)
    before = stored(case)
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform(db.session, world.actor("sup"), case.id, "propose_plan", measures="更换电梯控制板",
                         deadline=deadline, owner_id=world.user_id("sup"))
    assert set(refused.value.fields) == {"deadline"}
    assert stored(case) == before


def test_event_log_is_append_only(world, new_case):
    case = new_case()
    event = events_of(case)[0]
    event.note = "篡改"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(RuntimeError):
        db.session.delete(events_of(case)[0])
        db.session.flush()
    db.session.rollback()


def test_available_actions_follow_role_and_state(world, new_case):
    case = new_case()
    cs_actions = {a.value for a in workflow.available_actions(world.actor("cs"), case)}
    sup_actions = {a.value for a in workflow.available_actions(world.actor("sup"), case)}
    assert cs_actions == {"acknowledge", "assign", "record_feedback", "resolve", "escalate", "record_on_site",
                          "record_repeat_call", "correct_complainant"}
    assert sup_actions == cs_actions | {"mark_validity", "void", "pause_clock"}
    assert workflow.available_actions(world.actor("sh_cs"), case) == []


def test_system_actor_records_events_without_a_user(world, new_case):
    case = new_case()
    workflow.perform(db.session, workflow.system_actor(), case.id, "escalate", reason="超时自动升级")
    assert events_of(case)[-1].actor_id is None and case.tier == 2


@pytest.mark.parametrize("received", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-10:00"])
def test_a_time_received_at_the_ends_of_the_calendar_is_refused_and_nothing_is_written(new_case, received):
    with pytest.raises(workflow.InvalidInput) as refused:
        new_case(received_at=datetime.fromisoformat(received))
    assert "received_at" in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_the_intake_screen_refuses_a_time_received_at_the_end_of_the_calendar(cs_client, world):
    response = cs_client.post("/complaints/add", data={
        "office_id": world.offices["BJ01"].id, "category_id": world.categories["SAFETY"].id, "urgency": "GENERAL",
        "channel": "PHONE", "description": "单元门门禁损坏", "complainant_name": "赵德福",
        "received_at": "0001-01-01 00:00:00"})
    # The form's own check: the format to type and the years it takes.
    assert response.status_code == 200 and "请按 2026-11-20 14:30 的格式填写 2000 至 2099 年间的日期和时间" \
        in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0
