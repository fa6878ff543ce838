"""Planning and due times of return visits per category and office (domain.md: Deadlines,
seed 004 篇4), and the sweep that reminds before, flags overdue visits and notices once, and
tells the people concerned."""
import pytest
import sqlalchemy as sa

from app.complaints.models import DeadlinePolicy
from app.core import clock
from app.core.extensions import db
from app.deadlines.enums import DeadlineKind, DeadlineUnit
from app.deadlines.sweep import sweep
from app.notifications.enums import NotificationKind
from app.notifications.models import Notification
from app.visits import rules
from app.visits.enums import VisitEventKind, VisitStatus
from app.visits.models import RectificationNotice, VisitEvent

from .conftest import PHONE_RECORD, local, visits_of


@pytest.fixture
def resolved_at_ten(frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))  # a Friday


@pytest.mark.parametrize("category, due", [
    ("REPAIR_COMMON", local(2026, 11, 28)),   # a repair: within 7 days
    ("REPAIR_SAFETY", local(2026, 11, 23)),   # a safety-facility repair: within 2 days
    ("REPAIR_LEAK", local(2026, 11, 24)),     # a leak: within 3 days
    ("SAFETY", local(2026, 11, 23)),          # safety: within 2 days
    ("SERVICE", local(2026, 12, 21)),         # any other complaint: within a month (30 days)
])
def test_resolving_a_case_plans_its_return_visit_due_per_category(resolved_case, world, resolved_at_ten, category,
                                                                   due):
    case = resolved_case(category_id=world.categories[category].id)
    [visit] = visits_of(case)
    assert visit.status == VisitStatus.PLANNED and visit.planned_at == clock.now()
    assert visit.due_at.astimezone(due.tzinfo) == due
    assert [e.kind for e in visit.events] == [VisitEventKind.PLANNED]


def test_an_office_policy_overrides_the_company_one_for_that_office_only(resolved_case, world, resolved_at_ten):
    db.session.add(DeadlinePolicy(kind=DeadlineKind.RETURN_VISIT, office_id=world.offices["BJ01"].id,
                                  category_id=world.categories["REPAIR"].id, amount=5, unit=DeadlineUnit.WORKING_DAYS,
                                  escalates=False, active=True))
    db.session.commit()
    try:
        beijing, shanghai = resolved_case(), resolved_case(by="sh_cs", office="SH01")
        assert visits_of(beijing)[0].due_at == local(2026, 11, 28)  # 5 working days: Mon 23 … Fri 27
        assert visits_of(shanghai)[0].due_at == local(2026, 11, 28)  # the company's 7 calendar days
        db.session.execute(sa.update(DeadlinePolicy).where(DeadlinePolicy.office_id.is_not(None))
                           .values(amount=1, unit=DeadlineUnit.CALENDAR_DAYS))
        db.session.commit()
        assert visits_of(resolved_case())[-1].due_at == local(2026, 11, 22)
        assert visits_of(resolved_case(by="sh_cs", office="SH01"))[-1].due_at == local(2026, 11, 28)
    finally:
        db.session.execute(sa.delete(DeadlinePolicy).where(DeadlinePolicy.office_id.is_not(None)))
        db.session.commit()


def test_the_queue_shows_visits_still_to_make_the_soonest_due_first(resolved_case, world, resolved_at_ten):
    service = resolved_case(category_id=world.categories["SERVICE"].id)
    repair = resolved_case()
    leak = resolved_case(category_id=world.categories["REPAIR_LEAK"].id)
    queue = db.session.scalars(sa.select(rules.Visit).where(rules.queue_clause(), rules.visible_clause(
        world.actor("cs"))).order_by(rules.Visit.due_at)).all()
    assert [v.complaint_id for v in queue] == [leak.id, repair.id, service.id]
    assert db.session.scalars(sa.select(rules.Visit).where(rules.visible_clause(world.actor("sh_cs")))).all() == []


def notifications(kind=None, deadline=DeadlineKind.RETURN_VISIT):
    stmt = sa.select(Notification.user_id, Notification.kind, Notification.deadline_kind, Notification.visit_id)
    stmt = stmt.where(Notification.deadline_kind == deadline)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return sorted((tuple(row) for row in db.session.execute(stmt)), key=str)


def test_the_sweep_reminds_the_desk_then_flags_an_overdue_visit_once_and_tells_the_supervisor(
        resolved_case, world, resolved_at_ten):
    case = resolved_case()  # due 2026-11-28 00:00
    [visit] = visits_of(case)
    report = sweep(db.session, local(2026, 11, 27, 23, 0))  # within the two hours before
    assert "RETURN_VISIT" not in report.by_kind  # (the case's own confirmation is overdue by now)
    cs, cs2, sup = world.user_id("cs"), world.user_id("cs2"), world.user_id("sup")
    assert notifications(NotificationKind.REMINDER) == sorted(
        ((u, NotificationKind.REMINDER, DeadlineKind.RETURN_VISIT, visit.id) for u in (cs, cs2)), key=str)

    report = sweep(db.session, local(2026, 11, 28, 9, 0))
    assert report.by_kind == {"RETURN_VISIT": 1}
    visit = visits_of(case)[0]
    assert visit.overdue_at == local(2026, 11, 28, 9, 0) and visit.due_state == (visit.due_at, None)
    assert notifications(NotificationKind.OVERDUE) == sorted(
        ((u, NotificationKind.OVERDUE, DeadlineKind.RETURN_VISIT, visit.id) for u in (cs, cs2, sup)), key=str)
    assert sweep(db.session, local(2026, 11, 29, 9, 0)).by_kind == {}  # flagged once
    overdue_events = db.session.scalars(sa.select(VisitEvent).where(VisitEvent.kind == VisitEventKind.OVERDUE)).all()
    assert len(overdue_events) == 1


def test_a_visit_assigned_to_someone_reminds_them_and_a_made_visit_is_not_flagged(planned_visit, world,
                                                                                  visit_actor, resolved_at_ten):
    _, assigned = planned_visit()
    assigned.assignee_id = world.user_id("cs2")
    db.session.commit()
    _, made = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), made.id, PHONE_RECORD)
    sweep(db.session, local(2026, 11, 27, 23, 0))
    assert notifications(NotificationKind.REMINDER) == [
        (world.user_id("cs2"), NotificationKind.REMINDER, DeadlineKind.RETURN_VISIT, assigned.id)]
    assert sweep(db.session, local(2026, 12, 1, 0, 0)).by_kind["RETURN_VISIT"] == 1  # only the one not made


def test_an_overdue_rectification_notice_is_flagged_once_and_its_people_told(planned_visit, world, visit_actor,
                                                                             resolved_at_ten):
    _, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, dict(PHONE_RECORD, problem_found="楼道灯罩未装回"))
    notice = rules.issue_rectification(db.session, visit_actor("cs"), visit.id, world.user_id("cs2"))
    assert notice.due_at == local(2026, 11, 21, 10, 0)  # within 24 h (seed 004 篇4)
    report = sweep(db.session, local(2026, 11, 21, 9, 0))
    assert report.reminders == 1
    report = sweep(db.session, local(2026, 11, 21, 10, 30))
    assert report.missed == 1 and report.by_kind == {"RECTIFICATION": 1}
    assert db.session.get(RectificationNotice, notice.id).overdue_at == local(2026, 11, 21, 10, 30)
    told = {(u, k) for u, k, _, _ in notifications(deadline=DeadlineKind.RECTIFICATION)}
    cs, cs2, sup = world.user_id("cs"), world.user_id("cs2"), world.user_id("sup")
    assert told == {(cs2, NotificationKind.REMINDER), (cs2, NotificationKind.OVERDUE), (cs, NotificationKind.OVERDUE),
                    (sup, NotificationKind.OVERDUE)}
    assert "RECTIFICATION" not in sweep(db.session, local(2026, 11, 22, 10, 30)).by_kind
