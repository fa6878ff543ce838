"""Deadlines on the Chinese working-day calendar, and the sweep that flags, reminds and
escalates exactly once. The clock is controlled; nothing sleeps."""
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.deadlines import on_time_clause, overdue_clause
from app.complaints.enums import EventKind, Grade, Urgency
from app.complaints.models import (
    Complaint,
    ComplaintDeadline,
    ComplaintEvent,
    DeadlinePolicy,
)
from app.core import clock
from app.core.extensions import db
from app.deadlines.enums import DeadlineKind as K
from app.deadlines.enums import DeadlineUnit
from app.deadlines.models import CalendarDay, CalendarYear
from app.deadlines.sweep import sweep
from app.deadlines.workdays import WorkCalendar, unconfirmed_years
from app.notifications.enums import NotificationKind
from app.notifications.models import Notification
from app.visits.models import Visit

from ..conftest import make_app
from ..test_set_based import counting_statements

BEIJING = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=BEIJING)


def due(case, kind):
    db.session.expire_all()
    row = db.session.scalars(sa.select(ComplaintDeadline).where(ComplaintDeadline.complaint_id == case.id,
                                                                ComplaintDeadline.kind == kind)).one_or_none()
    return row.due_at.astimezone(BEIJING) if row else None


def events(case, kind):
    return db.session.scalars(sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                              ComplaintEvent.kind == kind)).all()


def fresh(case):
    db.session.expire_all()
    return db.session.get(Complaint, case.id)


def sweep_at(moment):
    clock.freeze(moment)
    return sweep(db.session, moment)


@pytest.fixture
def service_case(new_case, world, frozen_clock):
    """A general service-quality complaint registered Friday 20 Nov 2026, 10:00 in Beijing."""
    frozen_clock(local(2026, 11, 20, 10, 0))
    return lambda **kw: new_case(**{"category_id": world.categories["SERVICE"].id, **kw})


@pytest.fixture
def extra_policies():
    added = []

    def add(**fields):
        policy = DeadlinePolicy(active=True, escalates=False, **fields)
        db.session.add(policy)
        db.session.commit()
        added.append(policy.id)
        return policy

    yield add
    db.session.rollback()
    db.session.execute(sa.update(ComplaintDeadline).where(ComplaintDeadline.policy_id.in_(added))
                       .values(policy_id=None))
    db.session.execute(sa.delete(DeadlinePolicy).where(DeadlinePolicy.id.in_(added)))
    db.session.commit()


@pytest.fixture
def calendar_days():
    added = []

    def add(model):
        db.session.add(model)
        db.session.commit()
        added.append(model)

    yield add
    db.session.rollback()
    for model in added:
        db.session.delete(db.session.merge(model))
    db.session.commit()


# ---- due times -------------------------------------------------------------------------

def test_registration_stores_a_due_time_for_each_deadline_kind(service_case):
    case = service_case()
    assert due(case, K.ACKNOWLEDGE) == local(2026, 11, 21, 10, 0)  # 24 h (seed 001)
    assert due(case, K.FIRST_FEEDBACK) == local(2026, 11, 21, 10, 0)  # 24 h (seed 000)
    assert due(case, K.INVESTIGATION) == local(2026, 11, 21, 10, 0)  # 24 h (seed 002)
    # 5 working days: Mon 23 … Fri 27, due at the end of Friday.
    assert due(case, K.RESOLUTION) == local(2026, 11, 28, 0, 0)
    assert due(case, K.ON_SITE) is None  # neither an emergency nor a repair
    assert fresh(case).next_due_at == local(2026, 11, 21, 10, 0)


def test_on_site_limit_for_emergencies_and_repairs(new_case, world, frozen_clock):
    received = frozen_clock(local(2026, 11, 20, 10, 0))
    repair = new_case()  # common facilities repair
    emergency = new_case(category_id=world.categories["SAFETY"].id, urgency=Urgency.EMERGENCY)
    emergency_repair = new_case(urgency=Urgency.EMERGENCY)
    assert due(repair, K.ON_SITE) == received + timedelta(minutes=15)  # repair on site (seed 003)
    assert due(emergency, K.ON_SITE) == received + timedelta(minutes=3)  # emergency on site (seed 003)
    assert due(emergency_repair, K.ON_SITE) == received + timedelta(minutes=3)  # the stricter one


def test_an_office_may_override_a_policy(service_case, new_case, world, extra_policies):
    extra_policies(kind=K.RESOLUTION, office_id=world.offices["BJ01"].id, amount=3, unit=DeadlineUnit.WORKING_DAYS)
    beijing = service_case()
    shanghai = service_case(by="sh_cs", office="SH01")
    assert due(beijing, K.RESOLUTION) == local(2026, 11, 26, 0, 0)
    assert due(shanghai, K.RESOLUTION) == local(2026, 11, 28, 0, 0)


def test_changing_category_or_urgency_recomputes_the_due_times(service_case, world):
    case = service_case()
    workflow.update_details(db.session, world.actor("cs"), case.id, {"category_id": world.categories["REPAIR_OWN"].id})
    assert due(case, K.ON_SITE) == local(2026, 11, 20, 10, 15)
    workflow.update_details(db.session, world.actor("cs"), case.id, {"urgency": Urgency.EMERGENCY})
    assert due(case, K.ON_SITE) == local(2026, 11, 20, 10, 3)


def test_resolution_deadline_crosses_the_national_day_week(new_case, world, frozen_clock):
    frozen_clock(local(2026, 9, 30, 10, 0))  # Wednesday before the holiday
    case = new_case(category_id=world.categories["SERVICE"].id)
    # 1–7 Oct off; Thu 8, Fri 9, Sat 10 (make-up working day), Mon 12, Tue 13.
    assert due(case, K.RESOLUTION) == local(2026, 10, 14, 0, 0)


def test_resolution_deadline_crosses_the_spring_festival(new_case, world, frozen_clock):
    frozen_clock(local(2026, 2, 13, 10, 0))  # Friday before the festival
    case = new_case(category_id=world.categories["SERVICE"].id)
    # Sat 14 Feb is a make-up working day; 15–23 Feb off; then Tue 24 … Fri 27.
    assert due(case, K.RESOLUTION) == local(2026, 2, 28, 0, 0)


def test_a_make_up_saturday_counts_as_a_working_day(new_case, world, frozen_clock):
    frozen_clock(local(2026, 10, 9, 10, 0))  # Friday; Saturday 10 Oct is worked
    case = new_case(category_id=world.categories["SERVICE"].id)
    assert due(case, K.RESOLUTION) == local(2026, 10, 16, 0, 0)  # Sat 10, Mon 12 … Thu 15


@pytest.mark.parametrize("received, expected", [
    (local(2026, 11, 19, 23, 59), local(2026, 11, 27, 0, 0)),  # Thursday, late evening
    (local(2026, 11, 20, 0, 1), local(2026, 11, 28, 0, 0)),    # Friday just after midnight (still Thursday in UTC)
])
def test_working_days_count_from_the_local_date(new_case, world, frozen_clock, received, expected):
    frozen_clock(received)
    case = new_case(category_id=world.categories["SERVICE"].id)
    assert received.astimezone(timezone.utc).date() == date(2026, 11, 19)
    assert due(case, K.RESOLUTION) == expected


def test_a_year_the_library_lacks_falls_back_to_the_stored_calendar(new_case, world, frozen_clock, calendar_days):
    frozen_clock(local(2026, 12, 28, 10, 0))  # Monday; 2027 is unknown to the library
    first = new_case(category_id=world.categories["SERVICE"].id)
    assert due(first, K.RESOLUTION) == local(2027, 1, 5, 0, 0)  # weekends only: 29, 30, 31, 1, 4
    calendar_days(CalendarDay(day=date(2027, 1, 1), is_working=False, name="元旦"))
    second = new_case(category_id=world.categories["SERVICE"].id)
    assert due(second, K.RESOLUTION) == local(2027, 1, 6, 0, 0)


def test_next_years_arrangement_is_flagged_until_confirmed(world, calendar_days):
    assert unconfirmed_years(db.session, date(2026, 11, 22)) == [2027]
    assert unconfirmed_years(db.session, date(2026, 6, 1)) == []
    calendar_days(CalendarYear(year=2027, confirmed=True))
    assert unconfirmed_years(db.session, date(2026, 11, 22)) == []


def test_the_seeded_calendar_matches_the_official_arrangement(world):
    calendar = WorkCalendar(db.session)
    assert not calendar.is_working(date(2026, 10, 1)) and not calendar.is_working(date(2026, 2, 16))
    assert calendar.is_working(date(2026, 2, 14)) and calendar.is_working(date(2026, 10, 10))
    assert calendar.is_working(date(2026, 11, 20)) and not calendar.is_working(date(2026, 11, 21))


# ---- the sweep -------------------------------------------------------------------------

def test_each_missed_deadline_is_flagged_once_with_one_event(service_case):
    case = service_case()
    report = sweep_at(local(2026, 11, 21, 10, 1))
    assert report.missed == 3
    assert set(report.by_kind) == {"ACKNOWLEDGE", "FIRST_FEEDBACK", "INVESTIGATION"}
    assert sorted(e.note for e in events(case, EventKind.DEADLINE_MISSED)) == [
        "ACKNOWLEDGE", "FIRST_FEEDBACK", "INVESTIGATION"]
    assert all(e.actor_id is None for e in events(case, EventKind.DEADLINE_MISSED))
    assert fresh(case).overdue_since == local(2026, 11, 21, 10, 0)  # overdue since the due time
    again = sweep_at(local(2026, 11, 21, 10, 2))
    assert (again.missed, again.notifications) == (0, 0)
    assert len(events(case, EventKind.DEADLINE_MISSED)) == 3


def test_a_deadline_met_in_time_is_not_flagged(service_case, world):
    case = service_case()
    clock.freeze(local(2026, 11, 20, 15, 0))
    workflow.perform(db.session, world.actor("cs"), case.id, "acknowledge")
    report = sweep_at(local(2026, 11, 21, 10, 1))
    assert "ACKNOWLEDGE" not in report.by_kind and report.missed == 2


def test_missed_deadline_notifies_the_assignee_and_the_leads_of_the_tier(service_case, world):
    case = service_case()
    workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    sweep_at(local(2026, 11, 21, 10, 1))
    rows = db.session.execute(sa.select(Notification.user_id, Notification.kind, Notification.deadline_kind)
                              .where(Notification.complaint_id == case.id)).all()
    recipients = {user for user, kind, _ in rows if kind == NotificationKind.OVERDUE}
    # The Beijing supervisor leads tiers 1 and 2; Shanghai's supervisor hears nothing.
    assert recipients == {world.user_id("cs2"), world.user_id("sup")}
    assert len(rows) == 3 * 2


def test_reminder_goes_out_before_the_deadline_once(service_case, world):
    case = service_case()
    sweep_at(local(2026, 11, 21, 7, 59))
    assert db.session.query(Notification).count() == 0
    report = sweep_at(local(2026, 11, 21, 8, 1))  # two hours before the 24 h deadlines
    assert report.reminders == 3 and report.missed == 0
    assert sweep_at(local(2026, 11, 21, 8, 30)).reminders == 0
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.complaint_id == case.id)).all()
    assert set(kinds) == {NotificationKind.REMINDER}


def test_overdue_resolution_escalates_tier_by_tier_once_each(service_case, world):
    case = service_case()
    first = sweep_at(local(2026, 11, 28, 0, 1))
    assert first.escalated == 1 and fresh(case).tier == 2
    [escalation] = events(case, EventKind.AUTO_ESCALATED)
    assert (escalation.from_tier, escalation.to_tier, escalation.actor_id) == (1, 2, None)
    # Tier 2 gets a full limit of its own: Mon 30 Nov … Fri 4 Dec.
    assert due(case, K.RESOLUTION) == local(2026, 12, 5, 0, 0)
    assert sweep_at(local(2026, 12, 1, 9, 0)).escalated == 0
    assert sweep_at(local(2026, 12, 5, 0, 1)).escalated == 1 and fresh(case).tier == 3
    at_top = sweep_at(local(2026, 12, 12, 0, 1))
    assert at_top.missed == 1 and at_top.escalated == 0 and fresh(case).tier == 3
    assert len(events(case, EventKind.AUTO_ESCALATED)) == 2


def test_missed_emergency_arrival_alerts_supervisors_and_gm_without_escalating(new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    case = new_case(category_id=world.categories["SAFETY"].id, urgency=Urgency.EMERGENCY)
    report = sweep_at(local(2026, 11, 20, 10, 4))
    assert report.by_kind == {"ON_SITE": 1} and report.escalated == 0
    assert fresh(case).tier == 1  # the office's supervisor acts; the case stays where it is
    told = set(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.complaint_id == case.id, Notification.kind == NotificationKind.OVERDUE)))
    # At once, at tier 1: the office's supervisor and the general manager; not Shanghai's.
    assert told == {world.user_id("sup"), world.user_id("gm")}


def test_a_missed_arrival_escalates_when_an_administrator_makes_the_policy_escalate(
        new_case, world, frozen_clock):
    policy = db.session.scalars(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.kind == K.ON_SITE, DeadlinePolicy.urgency == Urgency.EMERGENCY)).one()
    assert policy.escalates is False  # the default
    policy.escalates = True
    db.session.commit()
    try:
        frozen_clock(local(2026, 11, 20, 10, 0))
        case = new_case(category_id=world.categories["SAFETY"].id, urgency=Urgency.EMERGENCY)
        assert sweep_at(local(2026, 11, 20, 10, 4)).escalated == 1 and fresh(case).tier == 2
    finally:
        policy = db.session.get(DeadlinePolicy, policy.id)
        policy.escalates = False
        db.session.commit()


def test_other_missed_deadlines_do_not_reach_the_general_manager_below_tier_3(service_case, world):
    case = service_case()
    sweep_at(local(2026, 11, 21, 10, 1))
    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.complaint_id == case.id)))
    assert world.user_id("gm") not in told


def test_registering_an_emergency_tells_the_offices_supervisors_at_once(new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    emergency = new_case(urgency=Urgency.EMERGENCY, description="电梯困人,老人被困")
    general = new_case()
    rows = db.session.execute(sa.select(Notification.user_id, Notification.complaint_id, Notification.created_at)
                              .where(Notification.kind == NotificationKind.EMERGENCY)).all()
    assert [(user, complaint) for user, complaint, _ in rows] == [(world.user_id("sup"), emergency.id)]
    assert rows[0].created_at == local(2026, 11, 20, 10, 0)
    assert general.id not in {complaint for _, complaint, _ in rows}


def test_reclassifying_a_case_as_an_emergency_tells_the_supervisors(new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    case = new_case()
    workflow.update_details(db.session, world.actor("cs"), case.id, {"urgency": Urgency.EMERGENCY})
    told = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.complaint_id == case.id, Notification.kind == NotificationKind.EMERGENCY)).all()
    assert told == [world.user_id("sup")]


def test_arrival_in_time_stops_the_on_site_clock(new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    case = new_case(urgency=Urgency.EMERGENCY)
    clock.freeze(local(2026, 11, 20, 10, 2))
    workflow.perform(db.session, world.actor("cs"), case.id, "record_on_site", note="维修工已到现场")
    assert sweep_at(local(2026, 11, 20, 10, 4)).missed == 0


def test_automatic_escalation_refuses_a_stale_edit_with_the_reason(service_case, world):
    case = service_case()
    seen = case.version
    sweep_at(local(2026, 11, 28, 0, 1))
    with pytest.raises(workflow.StaleCase) as refused:
        workflow.perform(db.session, world.actor("cs"), case.id, "acknowledge", expected_version=seen)
    assert "系统" in refused.value.message or "System" in refused.value.message


def test_unresolved_valid_complaint_becomes_major_after_one_month(service_case, world):
    valid, pending = service_case(), service_case()
    workflow.perform(db.session, world.actor("sup"), valid.id, "mark_validity", validity="VALID")
    sweep_at(local(2026, 12, 20, 9, 59))
    assert fresh(valid).grade is None
    report = sweep_at(local(2026, 12, 20, 10, 1))
    assert report.made_major == 1
    made = fresh(valid)
    assert (made.grade, made.tier) == (Grade.MAJOR, 3)
    assert len(events(valid, EventKind.MADE_MAJOR)) == 1
    assert fresh(pending).grade is None  # validity not established: the rule does not apply
    assert sweep_at(local(2026, 12, 21, 10, 0)).made_major == 0


def test_pausing_stops_the_resolution_clock_and_resuming_moves_it(service_case, world):
    case = service_case()
    clock.freeze(local(2026, 11, 23, 9, 0))  # Monday
    workflow.perform(db.session, world.actor("sup"), case.id, "pause_clock", reason="业主出差,要求下周上门")
    # Past the original due time (end of Fri 27 Nov), but paused: not missed.
    assert "RESOLUTION" not in sweep_at(local(2026, 11, 30, 9, 0)).by_kind
    clock.freeze(local(2026, 12, 1, 9, 0))  # Tuesday: Mon 23 … Mon 30 were paused, 6 working days
    workflow.perform(db.session, world.actor("sup"), case.id, "resume_clock")
    assert due(case, K.RESOLUTION) == local(2026, 12, 8, 0, 0)  # Fri 27 Nov + 6 working days
    kinds = [e.kind for e in fresh(case).events if e.kind in (EventKind.CLOCK_PAUSED, EventKind.CLOCK_RESUMED)]
    assert kinds == [EventKind.CLOCK_PAUSED, EventKind.CLOCK_RESUMED]
    assert "RESOLUTION" not in sweep_at(local(2026, 12, 7, 23, 0)).by_kind
    assert sweep_at(local(2026, 12, 8, 0, 1)).by_kind == {"RESOLUTION": 1}


def test_pausing_needs_a_reason_and_a_supervisor(service_case, world):
    case = service_case()
    with pytest.raises(workflow.Forbidden):
        workflow.perform(db.session, world.actor("cs"), case.id, "pause_clock", reason="业主外出")
    with pytest.raises(workflow.InvalidInput):
        workflow.perform(db.session, world.actor("sup"), case.id, "pause_clock", reason="")
    with pytest.raises(workflow.IllegalTransition):
        workflow.perform(db.session, world.actor("sup"), case.id, "resume_clock")


def test_resolution_starts_the_confirmation_and_return_visit_clocks(new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    case = new_case()  # a repair
    clock.freeze(local(2026, 11, 20, 11, 0))
    workflow.perform(db.session, world.actor("cs"), case.id, "resolve", result="已更换灯管")
    assert due(case, K.CONFIRMATION) == local(2026, 11, 22, 11, 0)  # 48 h (seed 002 §6.1)
    # The return visit's clock runs on the visit planned at resolution (app/visits).
    assert due(case, K.RETURN_VISIT) is None
    visit = db.session.scalars(sa.select(Visit).where(Visit.complaint_id == case.id)).one()
    assert visit.due_at.astimezone(BEIJING) == local(2026, 11, 28, 0, 0)  # 7 days after a repair (seed 004)
    report = sweep_at(local(2026, 12, 1, 0, 0))
    assert report.by_kind == {"CONFIRMATION": 1, "RETURN_VISIT": 1}  # the others were met or moot


def test_the_sweep_catches_up_after_downtime(service_case):
    cases = [service_case() for _ in range(3)]
    report = sweep_at(local(2027, 1, 20, 10, 0))  # nothing ran for two months
    assert report.missed == 3 * 4 and report.escalated == 3
    assert {fresh(c).tier for c in cases} == {2}  # one escalation per breach, not one per missed sweep
    assert sweep_at(local(2027, 1, 20, 10, 1)).missed == 0


def test_voided_and_closed_cases_have_no_running_deadlines(service_case, world):
    voided = service_case()
    workflow.perform(db.session, world.actor("sup"), voided.id, "void", reason="重复登记")
    assert sweep_at(local(2027, 1, 1, 0, 0)).missed == 0
    assert fresh(voided).next_due_at is None


def test_overdue_cases_are_one_query(service_case):
    late, _ = service_case(), None
    sweep_at(local(2026, 11, 21, 10, 1))
    overdue = db.session.scalars(sa.select(Complaint.id).where(overdue_clause())).all()
    assert overdue == [late.id]


def test_every_case_is_either_overdue_or_on_time(service_case, world):
    late, voided = service_case(), service_case()
    workflow.perform(db.session, world.actor("sup"), voided.id, "void", reason="重复登记")
    clock.freeze(local(2026, 11, 21, 9, 0))
    running = service_case()
    sweep_at(local(2026, 11, 21, 10, 1))

    def which(clause):
        return set(db.session.scalars(sa.select(Complaint.id).where(clause())))

    assert which(overdue_clause) == {late.id}
    assert which(on_time_clause) == {voided.id, running.id}  # no running deadline is on time too


def test_two_sweeps_at_once_record_each_breach_once(database_url, tmp_path, service_case):
    cases = [service_case() for _ in range(5)]
    moment = local(2026, 11, 28, 0, 1)
    clock.freeze(moment)
    apps = [make_app(database_url, tmp_path) for _ in range(2)]
    start, reports, errors = threading.Barrier(2), [], []

    def run(application):
        with application.app_context():
            start.wait()
            try:
                reports.append(sweep(db.session, moment))
            except Exception as e:  # SQLite: the loser may find the database locked
                errors.append(e)

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reports) + len(errors) == 2 and reports
    assert all("locked" in str(e) for e in errors)
    assert sum(r.missed for r in reports) == 5 * 4
    for case in cases:
        assert len(events(case, EventKind.DEADLINE_MISSED)) == 4
        assert len(events(case, EventKind.AUTO_ESCALATED)) == 1
        assert fresh(case).tier == 2


# ---- one write per case, counts without reading back -------------------------------------

def statements_of(kind_prefix, statements):
    return [s for s in statements if s.lstrip().upper().startswith(kind_prefix)]


def test_a_case_escalated_and_made_major_in_one_sweep_is_written_once(service_case, world):
    case = service_case()
    workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    workflow.perform(db.session, world.actor("sup"), case.id, "mark_validity", validity="VALID")
    seen = fresh(case).version
    # Nothing ran for a month: the resolution deadline was missed (escalate) and the month is up.
    with counting_statements(db.engine) as statements:
        report = sweep_at(local(2026, 12, 20, 10, 1))
    assert (report.escalated, report.made_major) == (1, 1)
    assert len(statements_of("UPDATE COMPLAINT ", statements)) == 1
    made = fresh(case)
    assert (made.tier, made.grade, made.assignee_id, made.version) == (3, Grade.MAJOR, None, seen + 2)
    assert made.escalated_at == local(2026, 12, 20, 10, 1)
    [escalation] = events(case, EventKind.AUTO_ESCALATED)
    [major] = events(case, EventKind.MADE_MAJOR)
    assert (escalation.from_tier, escalation.to_tier, escalation.version) == (1, 2, seen + 1)
    assert (major.from_tier, major.to_tier, major.version) == (2, 3, seen + 2)
    assert escalation.id < major.id
    # The summaries: the fresh resolution limit runs; the oldest missed deadline still shows.
    assert made.next_due_at == due(case, K.RESOLUTION) == local(2026, 12, 26, 0, 0)
    assert made.overdue_since == local(2026, 11, 21, 10, 0)
    # One escalation notice per person: the general manager (the assignee left with the tier).
    told = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.complaint_id == case.id, Notification.kind == NotificationKind.ESCALATED)).all()
    assert told == [world.user_id("gm")]


def test_escalation_leaves_the_case_on_its_fresh_resolution_limit(service_case):
    case = service_case()
    sweep_at(local(2026, 11, 28, 0, 1))
    escalated = fresh(case)
    assert escalated.tier == 2
    assert escalated.next_due_at == local(2026, 12, 5, 0, 0)  # tier 2's own five working days
    assert escalated.overdue_since == local(2026, 11, 21, 10, 0)  # the 24 h limits stay missed


def test_a_valid_case_without_deadlines_still_becomes_major(service_case, world):
    case = service_case()
    workflow.perform(db.session, world.actor("sup"), case.id, "mark_validity", validity="VALID")
    db.session.execute(sa.delete(ComplaintDeadline).where(ComplaintDeadline.complaint_id == case.id))
    db.session.commit()
    report = sweep_at(local(2026, 12, 20, 10, 1))
    assert (report.made_major, report.missed) == (1, 0)
    made = fresh(case)
    assert (made.tier, made.grade, made.next_due_at, made.overdue_since) == (3, Grade.MAJOR, None, None)


def test_the_sweep_counts_what_it_sends_without_reading_the_notifications(service_case, world):
    for _ in range(3):
        case = service_case()
        workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    reports = []
    with counting_statements(db.engine) as statements:
        reports.append(sweep_at(local(2026, 11, 21, 8, 1)))  # reminders
        reports.append(sweep_at(local(2026, 11, 28, 0, 1)))  # missed, escalated
    assert reports[0].reminders == 9 and reports[1].escalated == 3
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    assert sum(r.notifications for r in reports) == stored > 0
    reads = [s for s in statements if "FROM notification" in s]
    assert reads == []


def test_an_idle_sweep_only_looks(service_case):
    service_case()
    sweep_at(local(2026, 11, 28, 0, 1))
    with counting_statements(db.engine) as statements:
        idle = sweep_at(local(2026, 11, 28, 0, 2))
    assert (idle.reminders, idle.missed, idle.escalated, idle.made_major, idle.notifications) == (0, 0, 0, 0, 0)
    assert statements_of("INSERT", statements) == statements_of("CREATE", statements) == []
