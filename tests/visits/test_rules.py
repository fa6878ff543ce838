"""The rules of return visits: recording a visit and failed attempts, the supervisor's
"unreachable", the sign-off, what satisfaction does to the case (domain.md: Return visits),
immutability after sign-off, the office setting that makes closing wait for the visit,
rectification notices to completion and their own visit, routine visits, and who may do what."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.enums import Channel, EventKind, Status
from app.complaints.models import Complaint, ComplaintEvent
from app.core.enums import Tier
from app.core.errors import (
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StaleCase,
)
from app.core.extensions import db
from app.visits import rules
from app.visits.enums import (
    Confirmation,
    RectificationStatus,
    Satisfaction,
    VisitEventKind,
    VisitKind,
    VisitStatus,
)
from app.visits.models import RectificationNotice, Visit, VisitSetting

from .conftest import PHONE_RECORD, data_url, local, signature_png, visits_of


def fresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def case_events(case):
    return [e.kind for e in db.session.scalars(sa.select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == case.id).order_by(ComplaintEvent.id))]


# ---- recording ------------------------------------------------------------------------

def test_a_repair_visit_records_the_work_checked_on_site_and_the_fee(planned_visit, visit_actor, world,
                                                                     frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    _, visit = planned_visit()
    frozen_clock(local(2026, 11, 21, 15, 0))
    rules.record_visit(db.session, visit_actor("cs"), visit.id, {
        "method": "ON_SITE", "visitor_id": str(world.user_id("cs2")), "visited_at": "2026-11-21T14:30",
        "person_reached": "王秀英", "resident_view": "修得很好", "satisfaction": "VERY_SATISFIED",
        "work_checked": "电梯运行正常,轿厢灯已换", "fee_charged": "35.50", "fee_correct": "yes",
        "problem_found": "楼道灯罩未装回"})
    visit = fresh(visit)
    assert visit.status == VisitStatus.RECORDED and visit.visitor_id == world.user_id("cs2")
    assert visit.visited_at == local(2026, 11, 21, 14, 30)
    assert (visit.fee_charged, visit.fee_correct, visit.satisfaction) == (Decimal("35.50"), True,
                                                                         Satisfaction.VERY_SATISFIED)
    assert visit.events[-1].kind == VisitEventKind.RECORDED


@pytest.mark.parametrize("change, field", [
    ({"satisfaction": ""}, "satisfaction"),
    ({"satisfaction": "HAPPY"}, "satisfaction"),
    ({"method": "PIGEON"}, "method"),
    ({"resident_view": "  "}, "resident_view"),
    ({"person_reached": ""}, "person_reached"),
    ({"fee_charged": "-3"}, "fee_charged"),
    ({"fee_charged": "12.345"}, "fee_charged"),
    ({"fee_charged": "NaN"}, "fee_charged"),
    ({"fee_correct": "maybe"}, "fee_correct"),
    ({"visited_at": "2099-01-01T00:00"}, "visited_at"),
    ({"visited_at": "yesterday"}, "visited_at"),
    ({"visitor_id": str(2**40)}, "visitor_id"),
    ({"resident_view": "x" * 5001}, "resident_view"),
])
def test_a_visit_record_with_a_bad_value_is_refused_and_nothing_changes(planned_visit, visit_actor, change, field):
    _, visit = planned_visit()
    with pytest.raises(InvalidInput) as refused:
        rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, **change))
    assert field in refused.value.fields
    visit = fresh(visit)
    assert visit.status == VisitStatus.PLANNED and visit.satisfaction is None and len(visit.events) == 1


def test_a_visitor_from_another_office_cannot_be_named(planned_visit, visit_actor, world):
    _, visit = planned_visit()
    with pytest.raises(InvalidInput):
        rules.record_visit(db.session, visit_actor("cs"), visit.id,
                           dict(PHONE_RECORD, visitor_id=world.user_id("sh_cs")))


def test_a_form_loaded_before_someone_elses_change_is_refused(planned_visit, visit_actor):
    _, visit = planned_visit()
    version = visit.version
    rules.record_attempt(db.session, visit_actor("cs2"), visit.id, "PHONE", "无人接听")
    with pytest.raises(StaleCase):
        rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD, expected_version=version)


# ---- attempts and "unreachable" ---------------------------------------------------------

def test_after_three_failed_attempts_a_supervisor_approves_unreachable_with_a_reason(planned_visit, visit_actor):
    case, visit = planned_visit()
    with pytest.raises(IllegalTransition):
        rules.approve_unreachable(db.session, visit_actor("sup"), visit.id, "联系不上")
    for _ in range(3):
        rules.record_attempt(db.session, visit_actor("cs"), visit.id, "PHONE", "无人接听")
    assert fresh(visit).attempts == 3
    with pytest.raises(Forbidden):
        rules.approve_unreachable(db.session, visit_actor("cs"), visit.id, "联系不上")
    with pytest.raises(InvalidInput):
        rules.approve_unreachable(db.session, visit_actor("sup"), visit.id, "  ")
    rules.approve_unreachable(db.session, visit_actor("sup"), visit.id, "三次电话未接,上门两次无人,业主已出国")
    visit = fresh(visit)
    assert visit.status == VisitStatus.UNREACHABLE and visit.approved_by.username == "sup"
    assert [e.kind for e in visit.events].count(VisitEventKind.ATTEMPT) == 3
    assert case_events(case)[-1] == EventKind.VISIT_UNREACHABLE
    assert fresh(case).status == Status.RESOLVED  # the case keeps its state
    with pytest.raises(IllegalTransition):
        rules.record_attempt(db.session, visit_actor("cs"), visit.id, "PHONE", "再打一次")


# ---- sign-off and satisfaction ------------------------------------------------------------

def test_a_satisfied_visit_confirms_a_resolved_case_which_may_then_close(signed_visit, world):
    case, visit = signed_visit("FAIRLY_SATISFIED")  # 基本满意 counts as satisfied
    visit = fresh(visit)
    assert visit.status == VisitStatus.COMPLETED and visit.confirmation == Confirmation.SPOKEN
    assert visit.signer_name == "王秀英" and visit.signature_png is None
    case = fresh(case)
    assert case.status == Status.CONFIRMED and case.return_visited_at == visit.completed_at
    assert case_events(case)[-1] == EventKind.VISIT_SATISFIED
    workflow.perform(db.session, world.actor("sup"), case.id, "close")
    assert fresh(case).status == Status.CLOSED


def test_a_satisfied_visit_closes_a_case_already_confirmed(planned_visit, visit_actor, world):
    case, visit = planned_visit()
    workflow.perform(db.session, world.actor("cs"), case.id, "record_confirmation", satisfied=True)
    rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
    rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英")
    case = fresh(case)
    assert case.status == Status.CLOSED and case_events(case)[-2:] == [EventKind.VISIT_SATISFIED, EventKind.CLOSED]


@pytest.mark.parametrize("close_first", [False, True], ids=["resolved case", "closed case"])
def test_a_dissatisfied_visit_reopens_the_case_at_once_in_progress_at_the_same_tier(planned_visit, visit_actor, world,
                                                                                   close_first):
    case, visit = planned_visit()
    if close_first:
        workflow.perform(db.session, world.actor("cs"), case.id, "record_confirmation", satisfied=True)
        workflow.perform(db.session, world.actor("sup"), case.id, "close")
        assert fresh(case).status == Status.CLOSED
    rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, satisfaction="DISSATISFIED",
                                                                     resident_view="电梯又停了"))
    rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英")
    case = fresh(case)
    assert (case.status, case.tier, case.dissatisfied_visits) == (Status.IN_PROGRESS, Tier.CUSTOMER_SERVICE, 1)
    assert case.resolved_at is None and case.closed_at is None and case.return_visited_at is None
    assert case_events(case)[-1] == EventKind.VISIT_NOT_SATISFIED
    assert any(d.kind.name == "RESOLUTION" and d.pending for d in case.deadlines)
    assert len(visits_of(case)) == 1  # the next visit comes with the next resolution


def test_a_second_dissatisfaction_escalates_one_tier_and_each_resolution_plans_a_new_visit(planned_visit,
                                                                                          visit_actor, world):
    case, visit = planned_visit()
    for round_, satisfaction in enumerate(["VERY_DISSATISFIED", "DISSATISFIED"], start=1):
        rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, satisfaction=satisfaction))
        rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英")
        case = fresh(case)
        assert case.status == Status.IN_PROGRESS and case.dissatisfied_visits == round_
        assert case.tier == (Tier.CUSTOMER_SERVICE if round_ == 1 else Tier.SUPERVISOR)
        workflow.perform(db.session, world.actor("sup"), case.id, "resolve", result="更换了控制板")
        visit = visits_of(case, status=VisitStatus.PLANNED)[0]
    assert len(visits_of(case)) == 3


def test_an_appeal_or_void_cancels_the_visit_still_planned(planned_visit, world):
    case, visit = planned_visit()
    workflow.perform(db.session, world.actor("cs"), case.id, "appeal", note="业主不认可处理结果")
    assert fresh(visit).status == VisitStatus.CANCELLED
    workflow.perform(db.session, world.actor("sup"), case.id, "void", reason="重复登记")
    assert [v.status for v in visits_of(case)] == [VisitStatus.CANCELLED]


def test_a_face_to_face_visit_needs_the_visited_persons_signature_and_own_name(planned_visit, visit_actor, world):
    case, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, method="DOOR_TO_DOOR"))
    for name, signature in [("王秀英", None), ("王秀英", data_url(signature_png(blank=True))),
                            ("王秀英", "data:image/png;base64,!!!"), ("王秀英", "data:image/gif;base64,R0lGOD=="),
                            ("cs", data_url(signature_png())), ("测试cs", data_url(signature_png())),
                            ("", data_url(signature_png()))]:
        with pytest.raises(InvalidInput):
            rules.sign_off(db.session, visit_actor("cs"), visit.id, name, signature)
        assert fresh(visit).status == VisitStatus.RECORDED
    rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英", data_url(signature_png()))
    visit = fresh(visit)
    assert visit.confirmation == Confirmation.SIGNATURE and visit.signature_png.startswith(b"\x89PNG\r\n\x1a\n")
    assert fresh(case).status == Status.CONFIRMED


def test_a_phone_visit_takes_no_signature(planned_visit, visit_actor):
    _, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
    with pytest.raises(InvalidInput):
        rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英", data_url(signature_png()))


def test_a_signed_visit_is_immutable_and_a_correction_is_an_event_of_its_own(signed_visit, visit_actor, world):
    _, visit = signed_visit()
    before = fresh(visit)
    record = (before.status, before.satisfaction, before.resident_view, before.signer_name, before.version)
    for change in (lambda: rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD),
                   lambda: rules.sign_off(db.session, visit_actor("cs"), visit.id, "李四"),
                   lambda: rules.record_attempt(db.session, visit_actor("cs"), visit.id, "PHONE"),
                   lambda: rules.approve_unreachable(db.session, visit_actor("sup"), visit.id, "联系不上")):
        with pytest.raises(IllegalTransition):
            change()
    # Nor past the rules: the model refuses any change to a signed visit's columns.
    row = fresh(visit)
    row.satisfaction = Satisfaction.VERY_DISSATISFIED
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()
    rules.correct(db.session, visit_actor("cs"), visit.id, "业主姓名应为王秀瑛")
    after = fresh(visit)
    assert (after.status, after.satisfaction, after.resident_view, after.signer_name, after.version) == record
    assert after.events[-1].kind == VisitEventKind.CORRECTION and after.events[-1].note == "业主姓名应为王秀瑛"


# ---- the office setting: closing waits for the visit ------------------------------------

@pytest.fixture
def closing_waits(world):
    db.session.add(VisitSetting(office_id=world.offices["BJ01"].id, closing_waits_for_visit=True,
                                office_share=5, engineering_share=10, repairer_share=20))
    db.session.commit()


def test_by_default_a_case_may_close_before_its_visit_and_still_gets_it(planned_visit, world):
    case, visit = planned_visit()
    workflow.perform(db.session, world.actor("cs"), case.id, "record_confirmation", satisfied=True)
    workflow.perform(db.session, world.actor("sup"), case.id, "close")
    assert fresh(case).status == Status.CLOSED and fresh(visit).status == VisitStatus.PLANNED


def test_where_the_office_says_so_closing_waits_for_a_signed_visit(planned_visit, visit_actor, world, closing_waits):
    case, visit = planned_visit()
    workflow.perform(db.session, world.actor("cs"), case.id, "record_confirmation", satisfied=True)
    with pytest.raises(IllegalTransition):
        workflow.perform(db.session, world.actor("sup"), case.id, "close")
    assert workflow.Action.CLOSE not in workflow.available_actions(world.actor("sup"), fresh(case))
    rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
    rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英")
    assert fresh(case).status == Status.CLOSED  # confirmed and now visited: it closes


def test_where_the_office_says_so_an_approved_unreachable_lets_the_case_close(planned_visit, visit_actor, world,
                                                                              closing_waits):
    case, visit = planned_visit()
    workflow.perform(db.session, world.actor("cs"), case.id, "record_confirmation", satisfied=True)
    for _ in range(3):
        rules.record_attempt(db.session, visit_actor("cs"), visit.id, "PHONE")
    rules.approve_unreachable(db.session, visit_actor("sup"), visit.id, "业主长期在外")
    workflow.perform(db.session, world.actor("sup"), case.id, "close")
    assert fresh(case).status == Status.CLOSED


def test_the_setting_does_not_hold_an_office_that_did_not_choose_it(planned_visit, world, closing_waits):
    case, _ = planned_visit(by="sh_cs", office="SH01")
    workflow.perform(db.session, world.actor("sh_cs"), case.id, "record_confirmation", satisfied=True)
    workflow.perform(db.session, world.actor("sh_sup"), case.id, "close")
    assert fresh(case).status == Status.CLOSED


# ---- rectification notices ---------------------------------------------------------------

def test_a_rectification_notice_is_tracked_to_completion_and_itself_visited(planned_visit, visit_actor, world,
                                                                           frozen_clock):
    frozen_clock(local(2026, 11, 21, 15, 0))
    case, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, problem_found="楼道灯罩未装回"))
    rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英")
    notice = rules.issue_rectification(db.session, visit_actor("cs"), visit.id, world.user_id("cs2"))
    assert (notice.problem, notice.complaint_id, notice.status) == ("楼道灯罩未装回", case.id, RectificationStatus.OPEN)
    assert notice.due_at == local(2026, 11, 22, 15, 0)
    with pytest.raises(Forbidden):  # neither the person responsible nor a supervisor
        rules.complete_rectification(db.session, visit_actor("cs"), notice.id, "已装回")
    with pytest.raises(InvalidInput):
        rules.complete_rectification(db.session, visit_actor("cs2"), notice.id, "")
    rules.complete_rectification(db.session, visit_actor("cs2"), notice.id, "灯罩已装回并检查线路")
    notice = fresh(notice)
    assert notice.status == RectificationStatus.DONE and notice.completed_by.username == "cs2"
    [follow_up] = db.session.scalars(sa.select(Visit).where(Visit.rectification_id == notice.id)).all()
    assert follow_up.kind == VisitKind.RECTIFICATION and follow_up.status == VisitStatus.PLANNED
    assert follow_up.due_at == local(2026, 11, 29)  # the case is a repair: within 7 days

    rules.record_visit(db.session, visit_actor("cs"), follow_up.id, dict(PHONE_RECORD, satisfaction="DISSATISFIED",
                                                                         resident_view="灯罩又掉了"))
    rules.sign_off(db.session, visit_actor("cs"), follow_up.id, "王秀英")
    notice = fresh(notice)
    assert notice.status == RectificationStatus.OPEN and notice.overdue_at is None  # handled again
    assert fresh(case).status == Status.CONFIRMED  # the case itself is not reopened by its notice's visit
    rules.complete_rectification(db.session, visit_actor("sup"), notice.id, "更换卡扣")
    second = db.session.scalars(sa.select(Visit).where(Visit.rectification_id == notice.id,
                                                       Visit.status == VisitStatus.PLANNED)).one()
    rules.record_visit(db.session, visit_actor("cs"), second.id, PHONE_RECORD)
    rules.sign_off(db.session, visit_actor("cs"), second.id, "王秀英")
    assert fresh(notice).status == RectificationStatus.VERIFIED


def test_a_notice_needs_a_visit_that_was_made_and_a_responsible_person_of_the_office(planned_visit, visit_actor,
                                                                                    world):
    _, visit = planned_visit()
    with pytest.raises(IllegalTransition):
        rules.issue_rectification(db.session, visit_actor("cs"), visit.id, world.user_id("cs2"), "灯不亮")
    rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
    with pytest.raises(InvalidInput):
        rules.issue_rectification(db.session, visit_actor("cs"), visit.id, world.user_id("sh_cs"), "灯不亮")
    with pytest.raises(InvalidInput):
        rules.issue_rectification(db.session, visit_actor("cs"), visit.id, world.user_id("cs2"), "")
    assert db.session.scalar(sa.select(sa.func.count(RectificationNotice.id))) == 0


# ---- routine visits ----------------------------------------------------------------------

ROUTINE = {"method": "MEETING", "rooms": "3栋全体楼长", "resident_view": "希望增加夜间巡逻;地库照明不足",
           "problem_found": "地库B2照明不足"}


def test_a_routine_visit_records_the_office_the_rooms_and_the_opinions(world, visit_actor):
    visit = rules.record_routine_visit(db.session, visit_actor("cs"), world.offices["BJ01"].id, ROUTINE)
    visit = fresh(visit)
    assert (visit.kind, visit.status, visit.complaint_id) == (VisitKind.ROUTINE, VisitStatus.RECORDED, None)
    assert visit.rooms == "3栋全体楼长" and visit.satisfaction is None
    with pytest.raises(InvalidInput):
        rules.record_routine_visit(db.session, visit_actor("cs"), world.offices["BJ01"].id,
                                   dict(ROUTINE, rooms="", person_reached=""))
    with pytest.raises(InvalidInput):  # not one of their offices
        rules.record_routine_visit(db.session, visit_actor("cs"), world.offices["SH01"].id, ROUTINE)


def test_a_problem_heard_at_a_routine_visit_becomes_a_complaint_in_one_step(world, visit_actor):
    visit = rules.record_routine_visit(db.session, visit_actor("cs"), world.offices["BJ01"].id, ROUTINE)
    complaint = rules.raise_complaint(db.session, visit_actor("cs"), visit.id, {
        "category_id": world.categories["REPAIR_COMMON"].id, "complainant_name": "赵楼长",
        "complainant_room": "3-101", "description": ""})
    complaint = fresh(complaint)
    assert complaint.channel == Channel.RETURN_VISIT and complaint.description == "地库B2照明不足"
    assert complaint.office_id == world.offices["BJ01"].id and complaint.status == Status.RECEIVED
    assert [c.id for c in fresh(visit).raised_complaints] == [complaint.id]
    with pytest.raises(InvalidInput):  # the intake's own rules: a complainant is needed, nothing is kept
        rules.raise_complaint(db.session, visit_actor("cs"), visit.id,
                              {"category_id": world.categories["SERVICE"].id, "complainant_name": ""})
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 1


def test_a_problem_heard_at_a_routine_visit_becomes_a_rectification_notice_told_without_a_case(world, visit_actor):
    from app.deadlines.sweep import sweep
    from app.notifications.models import Notification

    visit = rules.record_routine_visit(db.session, visit_actor("cs"), world.offices["BJ01"].id, ROUTINE)
    notice = rules.issue_rectification(db.session, visit_actor("cs"), visit.id, world.user_id("cs2"))
    assert notice.complaint_id is None and notice.problem == "地库B2照明不足"
    sweep(db.session, notice.due_at)
    told = db.session.execute(sa.select(Notification.user_id, Notification.complaint_id, Notification.visit_id)
                              .where(Notification.user_id == world.user_id("cs2"))).all()
    assert told == [(world.user_id("cs2"), None, visit.id)]


# ---- who may do what, where ----------------------------------------------------------------

def test_another_offices_staff_cannot_find_or_change_a_visit(planned_visit, visit_actor):
    _, visit = planned_visit()
    for change in (lambda: rules.load(db.session, visit_actor("sh_cs"), visit.id),
                   lambda: rules.record_visit(db.session, visit_actor("sh_cs"), visit.id, PHONE_RECORD),
                   lambda: rules.record_attempt(db.session, visit_actor("sh_sup"), visit.id, "PHONE"),
                   lambda: rules.correct(db.session, visit_actor("sh_sup"), visit.id, "x")):
        with pytest.raises(NotFound):
            change()
    assert rules.load(db.session, visit_actor("gm"), visit.id).id == visit.id  # the general manager sees all
    for bad_id in ("abc", -1, 2**40, None, "1.5"):
        with pytest.raises(NotFound):
            rules.load(db.session, visit_actor("cs"), bad_id)


def test_what_each_role_is_offered(planned_visit, visit_actor):
    _, visit = planned_visit()
    assert rules.available(visit_actor("cs"), visit) == {"record", "attempt"}
    for _ in range(3):
        rules.record_attempt(db.session, visit_actor("cs"), visit.id, "PHONE")
    visit = fresh(visit)
    assert "approve_unreachable" not in rules.available(visit_actor("cs"), visit)
    assert "approve_unreachable" in rules.available(visit_actor("sup"), visit)
    assert rules.available(visit_actor("sh_sup"), visit) == set()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
    assert rules.available(visit_actor("cs"), fresh(visit)) == {"record", "sign_off", "rectify", "raise_complaint"}
    rules.sign_off(db.session, visit_actor("cs"), visit.id, "王秀英")
    assert rules.available(visit_actor("cs"), fresh(visit)) == {"correct", "rectify", "raise_complaint"}


# ---- figures for the statistics ------------------------------------------------------------

def test_the_return_visit_and_satisfaction_figures_count_signed_visits_per_office(signed_visit, planned_visit,
                                                                                 world):
    signed_visit("VERY_SATISFIED")
    signed_visit("FAIRLY_SATISFIED")
    signed_visit("DISSATISFIED")  # reopened: visited, answered, not satisfied
    planned_visit()  # not visited yet
    signed_visit(by="sh_cs", office="SH01")
    figures = rules.figures_by_office(db.session, sa.select(Complaint.id))
    assert figures == {world.offices["BJ01"].id: rules.VisitFigures(visited=3, answered=3, satisfied=2),
                       world.offices["SH01"].id: rules.VisitFigures(visited=1, answered=1, satisfied=1)}
    only_open = rules.figures_by_office(db.session, sa.select(Complaint.id).where(Complaint.status == Status.IN_PROGRESS))
    assert only_open == {world.offices["BJ01"].id: rules.VisitFigures(visited=1, answered=1, satisfied=0)}
