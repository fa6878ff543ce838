"""The statistics (domain.md: Statistics) against small worlds computed by hand: counts per
office and company, rates and their targets, times to resolve, repeat complaints, the trend,
and staff accountability (domain.md: Staff accountability). Empty periods show "—"."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.enums import Channel, Grade, Validity
from app.core.extensions import db
from app.deadlines.enums import DeadlineKind
from app.reports import presentation, rules
from app.visits import rules as visits
from app.visits.models import Visit

BEIJING = ZoneInfo("Asia/Shanghai")
NOVEMBER = rules.Period.month(2026, 11)


def at(day, hour=10, minute=0, month=11, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def now(frozen_clock):
    return frozen_clock(at(28, 12))


@pytest.fixture
def case(new_case, world, now):
    """Register a case received at `when` (Beijing time), as customer service of its office."""
    def make(when, office="BJ01", **overrides):
        by = "cs" if office == "BJ01" else "sh_cs"
        return new_case(by=by, office=office, received_at=when, **overrides)
    return make


def act(world, complaint, action, when, by="cs", **params):
    return workflow.perform(db.session, world.actor(by), complaint.id, action, now=when, **params)


def report(world, period=NOVEMBER, by="gm", office=None):
    return rules.build_report(db.session, world.actor(by), period, office)


def test_an_empty_period_shows_dashes_and_zero_counts_never_a_division_by_zero(world, now):
    r = report(world, rules.Period.month(2025, 3))
    # No case resolved in the period: the report's time-to-resolve figures are absent ("—").
    assert (r.total.received, r.total.resolved, r.total.open, r.total.overdue) == (0, 0, 0, 0)
    assert r.total.return_visit_rate.value is None and r.total.resolve_avg_seconds is None
    assert r.total.resolve_p90_seconds is None and r.pareto() == []
    rows = {row.key: row for row in presentation.figure_rows(r)}
    assert [c.text for c in rows["return_visit_rate"].cells] == ["—", "—", "—"]
    assert [c.text for c in rows["resolve_avg"].cells] == ["—", "—", "—"]
    assert all(c.text == "—" for row in presentation.figure_rows(r) if row.key == "on_time_rate" for c in row.cells)
    # Nothing valid out of 2,000 households is a real 0 %, met.
    assert [c.text for c in rows["valid_rate"].cells] == ["0.0 %"] * 3
    assert all(cell.met for cell in rows["valid_rate"].cells)


def test_satisfaction_is_a_dash_without_return_visits(world, case):
    case(at(3))
    rows = {row.key: row for row in presentation.figure_rows(report(world))}
    assert [c.text for c in rows["satisfaction_rate"].cells] == ["—", "—", "—"]
    assert rows["satisfaction_rate"].target == "≥ 95 %"


def test_counts_cover_cases_received_in_the_local_month_per_office_and_in_total(world, case, frozen_clock):
    frozen_clock(at(2, 12, month=12))
    first_minute = case(at(1, 0, 0))                  # 00:00 on 1 November, Beijing: counted
    case(at(30, 23, 59))                              # counted
    case(at(1, 0, 0, month=12))                       # 00:00 on 1 December: the next month
    case(at(31, 23, 59, month=10))                    # October: not counted
    resolved = case(at(10))
    act(world, resolved, "resolve", at(10, 12), result="已修复")
    voided = case(at(11))
    act(world, voided, "void", at(11, 11), by="sup", reason="重复登记")
    case(at(12), office="SH01")
    r = report(world)
    bj, sh = r.offices
    assert (bj.received, bj.resolved, bj.open) == (4, 1, 2)
    assert (sh.received, sh.resolved, sh.open) == (1, 0, 1)
    assert (r.total.received, r.total.resolved, r.total.open) == (5, 1, 3)
    assert first_minute.office_id == bj.office_id


def test_time_to_resolve_is_averaged_and_its_90th_percentile_is_the_nearest_rank(world, case):
    # "Time to resolve" is a figure of the report, computed from the times stored on the cases
    # (set here): no clock is read or measured.
    for hours in range(1, 11):                        # resolved after 1 h, 2 h, … 10 h
        c = case(at(hours))
        act(world, c, "resolve", at(hours) + timedelta(hours=hours), result="处理完毕")
    r = report(world)
    assert r.total.resolve_avg_seconds == pytest.approx(5.5 * 3600)
    assert r.total.resolve_p90_seconds == pytest.approx(9 * 3600)  # ⌈0.9 × 10⌉ = 9th shortest
    assert r.offices[1].resolve_p90_seconds is None                # Shanghai resolved nothing


def test_valid_complaint_rate_is_against_the_office_households_with_its_target(world, case):
    for day in (3, 4, 5):
        c = case(at(day))
        act(world, c, "mark_validity", at(day, 11), by="sup", validity="VALID" if day < 5 else "INVALID")
    r = report(world)
    bj = r.offices[0]
    assert bj.valid == 2 and bj.valid_rate.value == pytest.approx(2 / 1200)
    assert rules.meets("valid_rate", bj.valid_rate.value) is True
    assert rules.meets("valid_rate", 13 / 1200) is False         # ≥ 1 % misses the target
    assert r.total.valid_rate == rules.Rate(2, 2000)


def test_return_visit_rate_counts_resolved_cases_with_a_return_visit(world, case):
    visited, not_visited = case(at(3)), case(at(4))
    for c in (visited, not_visited):
        act(world, c, "resolve", at(5), result="已处理")
    visit = db.session.scalars(sa.select(Visit).where(Visit.complaint_id == visited.id)).one()
    visits.record_visit(db.session, world.visit_actor("cs"), visit.id, {
        "method": "PHONE", "person_reached": "王秀英", "resident_view": "修好了", "satisfaction": "SATISFIED"},
        now=at(6))
    visits.sign_off(db.session, world.visit_actor("cs"), visit.id, "王秀英", note="电话中确认满意", now=at(6, 11))
    r = report(world)
    assert r.offices[0].return_visit_rate == rules.Rate(1, 2)
    assert rules.meets("return_visit_rate", 0.5) is False and rules.meets("return_visit_rate", 1.0) is True
    assert r.offices[0].satisfaction_rate == rules.Rate(1, 1)


def test_satisfaction_counts_the_dissatisfied_visit_that_reopened_its_case(world, case):
    pleased, displeased = case(at(3)), case(at(4))
    for c, level in ((pleased, "VERY_SATISFIED"), (displeased, "DISSATISFIED")):
        act(world, c, "resolve", at(5), result="已处理")
        visit = db.session.scalars(sa.select(Visit).where(Visit.complaint_id == c.id)).one()
        visits.record_visit(db.session, world.visit_actor("cs"), visit.id, {
            "method": "PHONE", "person_reached": "王秀英", "resident_view": "回访意见", "satisfaction": level},
            now=at(6))
        visits.sign_off(db.session, world.visit_actor("cs"), visit.id, "王秀英", note="电话中确认", now=at(6, 11))
    r = report(world)
    bj = r.offices[0]
    assert bj.satisfaction_rate == rules.Rate(1, 2) and r.total.satisfaction_rate == rules.Rate(1, 2)
    assert bj.return_visit_rate == rules.Rate(1, 1)  # the reopened case is no longer resolved
    rows = {row.key: row for row in presentation.figure_rows(r)}
    assert rows["satisfaction_rate"].cells[0].text == "50.0 %" and not rows["satisfaction_rate"].cells[0].met


def test_on_time_rate_per_deadline_counts_met_in_time_against_decided(world, case, frozen_clock):
    quick, slow, pending = case(at(2)), case(at(3)), case(at(27, 20))
    act(world, quick, "acknowledge", at(2, 11))            # within 24 h
    act(world, slow, "acknowledge", at(4, 20))             # 34 h later: late
    r = report(world)
    # The third case's 24 h have not run out at noon on the 28th: not decided yet.
    assert r.offices[0].on_time[DeadlineKind.ACKNOWLEDGE] == rules.Rate(1, 2)
    frozen_clock(at(29, 12))
    r = report(world)
    assert r.offices[0].on_time[DeadlineKind.ACKNOWLEDGE] == rules.Rate(1, 3)
    assert pending.id


def test_repeat_complaints_are_the_same_room_and_category_within_90_days(world, case):
    def from_room(when, room, phone, **more):
        return case(when, complainant_room=room, complainant_phone=phone, **more)

    from_room(at(5, month=9), "3栋201", "13900000001")          # the first: no repeat
    from_room(at(1), "3栋201", "13900000002")                   # 57 days later, same room and category
    from_room(at(2), "3栋201", "13900000003", category_id=world.categories["SANITATION"].id)  # other category
    from_room(at(3), "9栋101", "13900000004")                   # other room
    from_room(at(1, month=8), "5栋1201", "13900000005")         # 95 days before the next: too long ago
    from_room(at(4), "5栋1201", "13900000006")
    r = report(world)
    assert r.offices[0].repeats == 1


def test_a_complainant_coming_back_on_a_case_counts_once(world, case):
    c = case(at(3))
    act(world, c, "resolve", at(4), result="已处理")
    act(world, c, "record_confirmation", at(5), satisfied=False, note="问题仍在")
    act(world, c, "resolve", at(6), result="再次处理")
    act(world, c, "appeal", at(7), note="业主申诉")
    assert report(world).offices[0].returns == 1


def test_a_repeat_call_recorded_on_its_case_counts_as_coming_back_not_as_a_new_case(world, case):
    c = case(at(3))
    act(world, c, "record_repeat_call", at(4), note="业主再次来电催促")
    act(world, c, "record_repeat_call", at(5), note="第三次来电")
    r = report(world)
    assert (r.offices[0].returns, r.offices[0].received, r.offices[0].repeats) == (1, 1, 0)


def test_breakdowns_and_the_pareto_order(world, case):
    for _ in range(3):
        case(at(3), category_id=world.categories["SANITATION"].id, channel=Channel.WECHAT)
    case(at(4), grade=Grade.MINOR)
    r = report(world)
    assert r.total.by_channel == {Channel.WECHAT: 3, Channel.PHONE: 1}
    assert r.total.by_grade == {None: 3, Grade.MINOR: 1}
    pareto = r.pareto()
    assert [(n, round(share, 2)) for _cid, _name, n, share in pareto] == [(3, 0.75), (1, 1.0)]


def test_the_trend_has_twelve_months_ending_with_the_period_empty_months_zero(world, case):
    case(at(15, month=1))
    case(at(15, month=11))
    case(at(16, month=11))
    r = report(world)
    months = [m for m, _cells in r.trend]
    assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 11, 1) and len(months) == 12
    totals = {m: cells[None][0] for m, cells in r.trend}
    assert totals[date(2026, 1, 1)] == 1 and totals[date(2026, 11, 1)] == 2 and totals[date(2026, 6, 1)] == 0


def test_a_supervisor_sees_only_the_figures_of_their_offices(world, case):
    case(at(3))
    case(at(3), office="SH01")
    r = report(world, by="sup")
    assert [f.name for f in r.offices] == ["北京朝阳花园管理处"] and r.total.received == 1
    assert presentation.columns(r) == [(world.offices["BJ01"].id, "北京朝阳花园管理处")]
    assert report(world, by="sup", office=world.offices["SH01"].id).offices == []


# ---- staff accountability -----------------------------------------------------------


def test_valid_complaints_per_staff_member_per_year_with_the_rule_level(world, case):
    respondent = world.user_id("cs2")

    def against(when, validity, office="BJ01"):
        c = case(when, office=office, respondent_id=respondent if office == "BJ01" else world.user_id("sh_cs"))
        act(world, c, "mark_validity", when + timedelta(hours=1), by="sup" if office == "BJ01" else "sh_sup",
            validity=validity)

    against(at(3), "VALID")
    against(at(4), "VALID")
    against(at(5), "INVALID")                      # invalid complaints do not count
    against(at(20, month=12, year=2025), "VALID")  # last year: the count restarts
    against(at(6), "VALID", office="SH01")
    rows = rules.accountability(db.session, world.actor("sup"), 2026)
    assert [(r.user_id, r.valid_complaints, r.level) for r in rows] == [(respondent, 2, "criticism")]
    everyone = rules.accountability(db.session, world.actor("gm"), 2026)
    assert {r.user_id: r.valid_complaints for r in everyone} == {respondent: 2, world.user_id("sh_cs"): 1}
    assert rules.accountability(db.session, world.actor("gm"), 2025)[0].level == "talk"


@pytest.mark.parametrize("count, level", [(1, "talk"), (2, "criticism"), (3, "fails_assessment"),
                                          (4, "suspended"), (7, "suspended")])
def test_accountability_levels_follow_the_company_rule(count, level):
    assert rules.AccountabilityRow(1, "张三", count).level == level


def test_validity_enum_name_is_what_the_list_filter_takes():
    assert ("_flt_0_validity", Validity.VALID.name) in rules.accountability_filters(5, 2026)
