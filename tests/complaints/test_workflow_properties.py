"""The workflow's invariants under random sequences of actions (Hypothesis stateful testing).

Every role of both offices runs any action on any case, with good and bad parameters and with
current, stale and nonsense versions, straight against the workflow and through the same
parameter parsing as the screens and the API. After every step:

- a refused action (a WorkflowError) changed nothing: the case row, its events and its
  deadlines are exactly as before;
- a successful change appended one event (who, from, to, at the new version) and raised the
  version by exactly one; an edit that raises the grade also logs the tier it moves to, at the
  same version (test_raising_the_grade_later_raises_the_tier);
- what it stored holds no control characters, and an assignee or plan owner is the one asked for;
- the tier stays within 1..3;
- a voided case changes no more; a closed one only takes an appeal (README: "An appeal reopens a
  resolved or closed case"; its return visit, which a closed case still gets, is the visits
  domain's and reaches the case through apply_visit_outcome, tests/visits);
- a case is visible (load, visible_clause) only to staff of its office and the all-office roles;
  anyone else gets NotFound for every action, as does everyone for an id that names no case.
"""
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from app.complaints import workflow
from app.complaints.enums import Channel, EventKind, Grade, Status, Urgency
from app.complaints.models import Complaint, ComplaintDeadline, ComplaintEvent
from app.core import clock
from app.core.extensions import db
from app.core.params import coerce_action_params, has_control_characters, parse_id

from ..conftest import CASE_TABLES, STAFF

# The same examples on every run (derandomized, no example database), few enough for `make test`
# on both databases; WORKFLOW_EXAMPLES=500 searches deeper by hand.
SETTINGS = settings(max_examples=int(os.environ.get("WORKFLOW_EXAMPLES", 15)), stateful_step_count=25,
                    deadline=None, derandomize=True, database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow])

START = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # a Friday, 10:00 in Beijing
OFFICES = ["BJ01", "SH01"]
NAMES = list(STAFF)
# The workflow from intake to closing (README: Workflow).
MAIN_PATH = ["acknowledge", "start_investigation", "propose_plan", "approve_plan", "record_progress", "resolve",
             "record_confirmation", "close"]
# What may still happen to a closed case (see the module's docstring).
AFTER_CLOSE = {"appeal"}
TABLE, EVENTS, DEADLINES = Complaint.__table__, ComplaintEvent.__table__, ComplaintDeadline.__table__

# ---- parameters -------------------------------------------------------------------------
# Staff are drawn by name and turned into ids at run time ("user" as int, "text" as a form
# string); "fit" is one who may hold the case (of its office, and of its tier for "assign");
# "raw" values go to the workflow as they are.
STAFF_REF = st.tuples(st.sampled_from(["user", "text"]), st.sampled_from(NAMES))
FIT_STAFF = st.tuples(st.just("fit"), st.integers(0, len(NAMES) - 1))
BAD_ID = st.tuples(st.just("raw"), st.sampled_from(
    [None, "", 0, -1, 2**31 - 1, 2**31, 2**63, 2**64, -2**64, "abc", "12abc", "-3", "\x00", "１２", 1.5, True, []]))
GOOD_TEXT = st.sampled_from(["业主反映电梯异响", "已电话告知业主进度", "  需主管协调  ", "第一行\n第二行\t完"])
# What a form can send (text or nothing), then what only a direct caller can.
BAD_FORM_TEXT = st.one_of(st.sampled_from([None, "", "   ", "\n\t", "\x00", "漏水\x00严重", "\x1b[31m", "\u200b"]),
                          st.text(max_size=8))
BAD_TEXT = st.one_of(BAD_FORM_TEXT, st.sampled_from([42, ["列表"], b"bytes"]))
# A deadline is ("in", minutes from now) or ("at", a fixed value).
GOOD_DEADLINE = st.tuples(st.just("in"), st.integers(1, 60 * 24 * 60))
BAD_DEADLINE = st.one_of(
    st.tuples(st.just("in"), st.integers(-3 * 24 * 60, 0)),
    st.tuples(st.just("at"), st.sampled_from([
        None, "", "明天", datetime(2026, 12, 1, 10, 0), "2026-12-01 10:00", "9999-12-31T23:59:59",
        datetime.max.replace(tzinfo=timezone.utc), datetime.min.replace(tzinfo=timezone.utc),
        datetime(9999, 12, 31, 20, 0, tzinfo=timezone.utc), datetime(2099, 12, 31, 23, 59, tzinfo=timezone.utc),
        datetime(1, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))])))
GOOD = {
    "text": GOOD_TEXT, "id": FIT_STAFF, "deadline": GOOD_DEADLINE,
    "satisfied": st.sampled_from([True, False, "yes", "no", "satisfied", "not_satisfied", "1", "0"]),
    "validity": st.sampled_from(["VALID", "INVALID", "valid", "invalid"]),
}
BAD = {
    "text": BAD_TEXT, "id": st.one_of(STAFF_REF, BAD_ID), "deadline": BAD_DEADLINE,
    "satisfied": st.sampled_from([None, "", "maybe", 2, -1, "\x00", [], "True "]),
    "validity": st.sampled_from([None, "", "PENDING", "UNKNOWN", "\x00", 5, "VALID\x00"]),
}


def kind_of(param: str) -> str:
    if param.endswith("_id"):
        return "id"
    return param if param in ("deadline", "satisfied", "validity") else "text"


# "edit" stands for update_details; the last two name no action.
ACTION_NAMES = list(workflow.ACTIONS) + ["edit", "no_such_action", ""]
# The edit screen's fields, as its form hands them over (the form checks every choice).
EDIT_CHOICES = {
    "description": GOOD_TEXT,
    "grade": st.sampled_from([None, *Grade]),
    "urgency": st.sampled_from(list(Urgency)),
    "channel": st.sampled_from(list(Channel)),
    "category_id": st.sampled_from(["REPAIR_COMMON", "REPAIR_OWN", "SAFETY"]),
    "respondent_id": st.one_of(st.none(), STAFF_REF.map(lambda ref: ("user", ref[1]))),
}
# Mostly the case drawn, else an id that names no case.
CASE_ID = st.one_of(st.just("the case"), st.just("the case"), st.just("the case"), st.sampled_from(
    ["missing", 0, -1, 2**31, 2**63, 2**64, -2**64, "abc", "", None, "1.0", "\x00", 1.5, True]))
# Minutes the clock moves before a step.
WAIT = st.sampled_from([0, 0, 0, 10, 25 * 60, 8 * 24 * 60])
# Versions: mostly the current one, else none given, one behind, not a number, or any integer.
VERSION = st.sampled_from(["current", "current", "current", "none", "stale", "text", "any"])
ANY_VERSION = st.one_of(st.integers(-2, 40), st.integers(-2**70, 2**70))


@dataclass(frozen=True)
class Snapshot:
    row: dict
    events: int
    deadlines: tuple

    @property
    def version(self):
        return self.row["version"]


def snapshot(case_id: int) -> Snapshot:
    """The case as stored: its row, how many events it has, its deadline rows."""
    row = db.session.execute(sa.select(TABLE).where(TABLE.c.id == case_id)).one()._asdict()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(EVENTS)
                               .where(EVENTS.c.complaint_id == case_id))
    deadlines = db.session.execute(sa.select(DEADLINES).where(DEADLINES.c.complaint_id == case_id)
                                   .order_by(DEADLINES.c.id)).all()
    return Snapshot(row, events, tuple(tuple(d) for d in deadlines))


def new_events(case_id: int, before: Snapshot) -> list[ComplaintEvent]:
    return db.session.scalars(sa.select(ComplaintEvent).where(ComplaintEvent.complaint_id == case_id)
                              .order_by(ComplaintEvent.id)).all()[before.events:]


def plain_text(text) -> bool:
    """Text the workflow stores: something besides blanks, and no NUL or other control character."""
    return isinstance(text, str) and bool(text.strip()) and not has_control_characters(text)


def sees(name: str, office: str) -> bool:
    codes = STAFF[name][1]
    return not codes or office in codes  # no office listed: an all-office role


class WorkflowMachine(RuleBasedStateMachine):
    """One example: a few cases in both offices and a random sequence of steps on them."""

    # Set by the test from the conftest World (plain ids: each example's teardown clears the session).
    office_ids = category_ids = user_ids = actors = None

    cases = Bundle("cases")

    def __init__(self):
        super().__init__()
        db.session.rollback()
        clock.freeze(START)
        self.office_of = {}   # case id → office code
        self.voided = {}      # case id → its snapshot when voided

    def teardown(self):
        db.session.rollback()
        for table in CASE_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.expunge_all()

    # ---- intake ------------------------------------------------------------------------

    def _open(self, by, office, grade=None, urgency=Urgency.GENERAL, category=0, description="5栋电梯停在8楼不动"):
        categories = sorted(self.category_ids.values())
        intake = {
            "office_id": self.office_ids[office], "category_id": categories[category % len(categories)],
            "urgency": urgency, "channel": Channel.PHONE, "grade": grade, "description": description,
            "complainant_name": "王秀英", "complainant_room": "5栋1单元801", "complainant_phone": "13800000001",
        }
        count = db.session.scalar(sa.select(sa.func.count()).select_from(TABLE))
        try:
            case = workflow.open_case(db.session, self.actors[by], intake)
        except workflow.WorkflowError:
            assert db.session.scalar(sa.select(sa.func.count()).select_from(TABLE)) == count
            assert not self.actors[by].may("write") or not sees(by, office) or not plain_text(description)
            return multiple()
        assert sees(by, office), f"{by} registered a case at {office}"
        assert plain_text(description), f"registered with the description {description!r}"
        after = snapshot(case.id)
        events = [e.kind for e in new_events(case.id, Snapshot({}, 0, ()))]
        minimum = grade.minimum_tier if grade else 1
        assert (after.row["status"], after.row["tier"], after.version) == (Status.RECEIVED, minimum, 1)
        assert events == [EventKind.REGISTERED] + ([EventKind.ESCALATED] if minimum > 1 else [])
        self.office_of[case.id] = office
        return case.id

    @initialize(target=cases, grades=st.lists(st.sampled_from([None, *Grade]), min_size=3, max_size=3),
                urgency=st.sampled_from(list(Urgency)), category=st.integers(0, 30),
                head_start=st.integers(0, len(MAIN_PATH)), void=st.booleans())
    def two_cases_in_beijing_one_in_shanghai(self, grades, urgency, category, head_start, void):
        """The first case starts anywhere along the workflow, so every state is reached early."""
        first = self._open("cs", "BJ01", grades[0], urgency, category)
        good = {"measures": "更换电梯控制板", "owner_id": self.user_ids["sup"], "note": "已处理", "result": "已修复",
                "satisfied": True, "reason": "重复登记"}
        for action in MAIN_PATH[:head_start] + (["void"] if void and head_start < len(MAIN_PATH) else []):
            self._step(first, "gm", action, {**good, "deadline": clock.now() + timedelta(days=3)}, "current", False)
        return multiple(first, self._open("cs2", "BJ01", grades[1]),
                        self._open("sh_cs", "SH01", grades[2], urgency, category))

    @initialize(target=cases, by=st.sampled_from(NAMES), office=st.sampled_from(OFFICES),
                description=st.one_of(GOOD_TEXT, BAD_FORM_TEXT))
    def a_case_registered_by_anyone(self, by, office, description):
        return self._open(by, office, description=description)

    # ---- the steps -----------------------------------------------------------------------

    @rule(case=cases, wait=WAIT, version=st.sampled_from(["current", "none"]), parse=st.booleans(),
          data=st.data())
    def advance(self, case, wait, version, parse, data):
        """An action offered to one of the case's staff, with good parameters: moves cases along."""
        self._wait(wait)
        who = data.draw(st.sampled_from([n for n in NAMES if sees(n, self.office_of[case])]), label="who")
        offered = self._offered(who, case)
        action = data.draw(st.sampled_from(offered + ["edit"]), label="action")
        self._step(case, who, action, self._params(case, action, data, good=True), version, parse, offered)

    @rule(case=cases, who=st.sampled_from(NAMES), wait=WAIT, version=VERSION, parse=st.booleans(),
          data=st.data())
    def act(self, case, who, wait, version, parse, data):
        """Any action by anyone, or one the actor is offered, with good or bad parameters and
        any version."""
        self._wait(wait)
        offered = self._offered(who, case)
        action = data.draw(st.sampled_from(offered) if offered and data.draw(st.booleans(), label="offered")
                           else st.sampled_from(ACTION_NAMES), label="action")
        case_id = data.draw(CASE_ID, label="case id")
        if case_id != "the case":
            return self._act_on_no_case(who, action, case_id)
        good = data.draw(st.booleans(), label="all parameters good")
        if version == "any":
            version = data.draw(ANY_VERSION, label="version")
        self._step(case, who, action, self._params(case, action, data, good), version, parse, offered)

    def _act_on_no_case(self, who, action, case_id):
        """An id that names no case is not found, for anyone, and changes nothing."""
        if case_id == "missing":
            case_id = max(self.office_of, default=0) + 1000
        events = db.session.scalar(sa.select(sa.func.count()).select_from(EVENTS))
        with pytest.raises(workflow.NotFound):
            if action == "edit":
                workflow.update_details(db.session, self.actors[who], case_id, {"description": "改"})
            else:
                workflow.perform(db.session, self.actors[who], case_id, action, note="备注", reason="原因")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EVENTS)) == events

    def _wait(self, minutes):
        clock.freeze(clock.now() + timedelta(minutes=minutes))

    def _offered(self, who, case) -> list[str]:
        return [a.value for a in workflow.available_actions(self.actors[who], db.session.get(Complaint, case))]

    def _params(self, case, action, data, good) -> dict:
        if action == "edit":
            fields = data.draw(st.sets(st.sampled_from(sorted(EDIT_CHOICES)), min_size=1, max_size=3), label="fields")
            changes = {}
            for name in sorted(fields):
                strategy = EDIT_CHOICES[name] if good or name != "description" else st.one_of(GOOD_TEXT, BAD_FORM_TEXT)
                changes[name] = self._value(case, name, data.draw(strategy, label=name), name)
            return changes
        spec = workflow.ACTIONS.get(action)
        params = {}
        for name in spec.params if spec else ("note",):
            kind = kind_of(name)
            strategy = GOOD[kind] if good else st.one_of(GOOD[kind], BAD[kind])
            params[name] = self._value(case, name, data.draw(strategy, label=name), kind)
        return params

    def _value(self, case, name, drawn, kind):
        """Staff names and relative deadlines become ids and times."""
        if kind in ("id", "respondent_id") and isinstance(drawn, tuple):
            how, value = drawn
            if how == "raw":
                return value
            if how == "fit":
                office, tier = self.office_of[case], db.session.get(Complaint, case).tier
                fit = [n for n in NAMES if sees(n, office) and (name != "assignee_id" or self.actors[n].tier == tier)]
                return self.user_ids[fit[value % len(fit)]]
            user_id = self.user_ids[value]
            return user_id if how == "user" else str(user_id)
        if kind == "category_id":
            return self.category_ids[drawn]
        if kind == "deadline":
            how, value = drawn
            return clock.now() + timedelta(minutes=value) if how == "in" else value
        return drawn

    def _step(self, case, who, action, params, version, parse, offered=None):
        """Run one action or edit and check what it did, or that it did nothing."""
        actor = self.actors[who]
        before = snapshot(case)
        offered = self._offered(who, case) if offered is None else offered
        self._look(case, who, str(case) if parse else case)
        expected_version = {"none": None, "current": before.version, "stale": before.version - 1,
                            "text": "v1"}.get(version, version) if isinstance(version, str) else version
        try:
            if action == "edit":
                workflow.update_details(db.session, actor, case, params, expected_version=expected_version)
            else:
                if parse:  # what the screens and the API hand over
                    params = coerce_action_params(list(params), params)
                workflow.perform(db.session, actor, case, action, expected_version=expected_version, **params)
        except workflow.WorkflowError as refused:
            assert snapshot(case) == before, f"refused ({type(refused).__name__}: {refused}) but the case changed"
            if not sees(who, self.office_of[case]):
                assert isinstance(refused, workflow.NotFound), f"{who} learnt of a case of another office"
            return
        after = snapshot(case)
        status = before.row["status"]
        assert sees(who, self.office_of[case]), f"{who} changed a case of another office"
        assert status != Status.VOIDED, f"{action} changed a voided case"
        assert status != Status.CLOSED or action in AFTER_CLOSE, f"{action} changed a closed case"
        assert action == "edit" or action in offered, f"{action} succeeded but was not offered to {who}"
        assert expected_version in (None, "") or int(expected_version) == before.version, \
            f"{action} saved against version {expected_version!r} of a case at version {before.version}"
        texts = [v for v in params.values() if isinstance(v, str)]
        assert not any(has_control_characters(t) for t in texts), f"{action} stored control characters: {params}"
        for field, column in (("assignee_id", "assignee_id"), ("owner_id", "plan_owner_id")):
            if action != "edit" and field in workflow.ACTIONS[action].params:  # whom was asked for, no other
                asked = parse_id(params[field])
                assert asked is not None and after.row[column] == asked, \
                    f"{field}={params[field]!r} stored {after.row[column]}"
        if action == "edit" and after == before:
            return  # nothing differed: nothing to record
        events = self._one_change(case, before, after, grade_rule=action == "edit")
        assert events[0].actor_id == actor.user_id
        assert action != "edit" or events[0].kind == EventKind.EDITED
        if after.row["status"] == Status.VOIDED:
            self.voided[case] = after

    def _one_change(self, case, before, after, grade_rule=False):
        """The events of one successful change: exactly one, at the next version. An edit that
        raises the grade also logs the tier it moves to (test_raising_the_grade_later_raises_the_tier):
        that ESCALATED event shares the edit's version."""
        events = new_events(case, before)
        assert after.version == before.version + 1
        assert after.events == before.events + len(events)
        raised = grade_rule and after.row["tier"] > before.row["tier"]
        assert len(events) == (2 if raised else 1), [e.kind for e in events]
        if raised:
            assert events[1].kind == EventKind.ESCALATED and events[1].to_tier == after.row["tier"]
        first = events[0]
        assert first.version == after.version and all(e.version == after.version for e in events)
        assert (first.from_status, first.from_tier) == (before.row["status"], before.row["tier"])
        assert (events[-1].to_status, events[-1].to_tier) == (after.row["status"], after.row["tier"])
        return events

    def _look(self, case, who, case_id):
        """workflow.load finds a case for staff of its office and the all-office roles only."""
        try:
            loaded = workflow.load(db.session, self.actors[who], case_id)
        except workflow.NotFound:
            assert not sees(who, self.office_of[case]), f"{who} cannot see a case of their office"
        else:
            assert sees(who, self.office_of[case]), f"{who} sees a case of another office"
            assert loaded.id == case

    # ---- after every step ----------------------------------------------------------------

    @invariant()
    def tiers_stay_within_one_to_three(self):
        tiers = db.session.scalars(sa.select(TABLE.c.tier)).all()
        assert all(1 <= t <= 3 for t in tiers), tiers

    @invariant()
    def voided_cases_change_no_more(self):
        for case, then in self.voided.items():
            assert snapshot(case) == then

    @invariant()
    def each_actor_sees_exactly_the_cases_of_their_offices(self):
        seen = {}  # one query per set of offices
        for name in NAMES:
            offices = self.actors[name].office_ids
            if offices not in seen:
                clause = workflow.visible_clause(self.actors[name])
                seen[offices] = set(db.session.scalars(sa.select(Complaint.id).where(clause)))
            assert seen[offices] == {c for c, office in self.office_of.items() if sees(name, office)}, name


def test_workflow_invariants_hold_for_random_sequences_of_actions(app, world):
    machine = type("Machine", (WorkflowMachine,), {
        "office_ids": {code: office.id for code, office in world.offices.items()},
        "category_ids": {code: category.id for code, category in world.categories.items()},
        "user_ids": {name: world.user_id(name) for name in NAMES},
        "actors": {name: world.actor(name) for name in NAMES},
    })
    db.session.commit()
    run_state_machine_as_test(machine, settings=SETTINGS)
