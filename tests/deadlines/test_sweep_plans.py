"""The sweep on PostgreSQL at a scale where a scan shows: the benchmarks' company of 20,000
cases (benchmarks/fill.py, statistics gathered). An idle sweep reads no row of the case tables
beyond what an index hands it — each of its statements is checked with EXPLAIN ANALYZE — and a
burst writes each case's row once. The fill itself leaves a company the sweep finds in order,
where the next registration works.

Runs on the suite's PostgreSQL (TEST_DATABASE_URL), in a schema of its own; under CI=true
without it, on the PostgreSQL that `make test` uses. Locally without PostgreSQL it skips."""
import json
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from app.complaints import workflow
from app.complaints.models import Category, Complainant, Complaint
from app.core import clock
from app.core.extensions import db
from app.core.models import Office
from app.core.security import complaint_permissions
from app.deadlines import sweep as runner
from benchmarks.fill import drop, filled_app, staff_names

CI_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"  # the Makefile's PG_URL
# Two months of cases, the newest 60 % open: some turn a month old in the burst's hour.
CASES, OPEN, SPAN = 20_000, 12_000, timedelta(days=60)
# The tables that grow with the company; the sweep may read them only through an index.
CASE_TABLES = {"complaint", "complaint_deadline", "complaint_event", "notification", "complainant"}
# Rows an idle sweep may read in one scan of a case table (none are due: it should read none).
IDLE_ROWS = 10


def _plans_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI"):
        return CI_DATABASE_URL
    pytest.skip("the sweep's plans are checked on PostgreSQL: set TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """(app, fill): a migrated schema of its own holding the company, as the fill left it."""
    url = _plans_url()
    schema = f"sweep_plans_{os.getpid()}"
    try:
        sa.create_engine(url).connect().close()
    except sa.exc.OperationalError as e:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {url}: {e}")
        pytest.skip(f"PostgreSQL not reachable at {url}")
    try:
        application, info = filled_app(url, schema, CASES, OPEN, span=SPAN, TESTING=True)
        yield application, info
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop(url, schema)


def test_the_fill_is_in_order_and_a_burst_writes_each_case_once(filled):
    """At the fill's moment nothing is due; an hour later missed deadlines, escalations,
    reminders and the one-month rule each act, and each case's row is updated once."""
    application, info = filled
    seen = {}
    updated = sa.text("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = 'complaint'::regclass")

    # (PostgreSQL 15 counts earlier transactions of the backend too: take the difference.)
    def first(session, now, report):
        seen["before"] = session.scalar(updated) or 0

    def last(session, now, report):
        seen["updated"] = session.scalar(updated) - seen["before"]
        seen["touched"] = session.scalar(sa.text(
            "SELECT count(DISTINCT complaint_id) FROM complaint_event WHERE at = :now"), {"now": now})

    with application.app_context():
        idle = runner.sweep(db.session, info.now)
        assert (idle.reminders, idle.missed, idle.escalated, idle.made_major) == (0, 0, 0, 0)
        runner._STEPS.insert(0, first)
        runner.sweep_step(last)
        try:
            report = runner.sweep(db.session, info.burst_at)
        finally:
            runner._STEPS.remove(first)
            runner._STEPS.remove(last)
    late = OPEN // 10  # the fill's share of resolution deadlines falling due in the hour
    assert report.by_kind == {"RESOLUTION": late} and report.missed == late
    assert 0 < report.escalated < late and report.made_major > 0 and report.reminders > 0
    assert seen["updated"] == seen["touched"] >= late


def test_an_idle_sweep_reads_only_through_indexes(filled):
    application, info = filled
    with application.app_context():
        runner.sweep(db.session, info.burst_at)  # whatever is due has been done
        checked = _idle_sweep_plans(info.burst_at + timedelta(seconds=1))
    assert {"complaint", "complaint_deadline"} <= set(checked)


def _idle_sweep_plans(moment) -> list[str]:
    """Run an idle sweep, then each of its statements again under EXPLAIN ANALYZE (rolled
    back); return the case tables whose scans were checked."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        idle = runner.sweep(db.session, moment)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert (idle.reminders, idle.missed, idle.escalated, idle.made_major, idle.notifications) == (0, 0, 0, 0, 0)
    checked = []
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            if not any(table in statement for table in CASE_TABLES):
                continue
            with conn.begin() as transaction:
                plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar_one()
                transaction.rollback()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for node in _nodes(plan[0]["Plan"]):
                if node.get("Relation Name") in CASE_TABLES and node["Node Type"] != "ModifyTable":
                    checked.append(node["Relation Name"])
                    assert node["Node Type"] != "Seq Scan", f"a full scan in the idle sweep:\n{statement}"
                    read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                            + node.get("Rows Removed by Index Recheck", 0)) * node["Actual Loops"]
                    assert read <= IDLE_ROWS, f"{read} rows read by {node['Node Type']} in the idle sweep:\n{statement}"
    return checked


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_a_registration_after_the_fill_gets_new_ids_and_the_next_number(filled):
    application, info = filled
    with application.app_context():
        user = current_app.appbuilder.sm.find_user(username=staff_names()["customer_service"][0])
        actor = workflow.actor_for_user(db.session, user, complaint_permissions(user))
        office = db.session.scalar(sa.select(Office).where(Office.code == "B00"))
        numbers_today = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.case_number.like(f"B00-{clock.local(info.now):%Y%m%d}-%")))
        case = workflow.open_case(db.session, actor, {
            "office_id": office.id, "category_id": db.session.scalar(
                sa.select(Category.id).where(Category.code == "SERVICE")),
            "description": "填充之后登记的投诉", "complainant_name": "新业主", "complainant_phone": "13912345678"},
            now=info.now)
        assert case.id == CASES + 1
        assert case.complainant_id == db.session.scalar(sa.select(sa.func.max(Complainant.id)))
        assert case.case_number.endswith(f"-{numbers_today + 1:04d}")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.case_number == case.case_number)) == 1
