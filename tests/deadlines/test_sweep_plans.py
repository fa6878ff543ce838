"""The sweep on PostgreSQL at a scale where a scan shows (20,000 cases, statistics gathered):
an idle sweep reads no row of the case tables beyond what an index hands it — each of its
statements is checked with EXPLAIN ANALYZE — and a burst writes each case's row once.

Runs on the suite's PostgreSQL (TEST_DATABASE_URL), in a schema of its own; under CI=true
without it, on the PostgreSQL that `make test` uses. Locally without PostgreSQL it skips."""
import json
import os
from datetime import datetime, timedelta, timezone

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import current_app

from app.core.extensions import db
from app.core.models import Office
from app.core.permissions import ROLE_CUSTOMER_SERVICE, ROLE_GENERAL_MANAGER, ROLE_SUPERVISOR
from app.deadlines import sweep as runner
from app.setup import initialise

from ..conftest import make_app

CI_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"  # the Makefile's PG_URL
CASES = 20_000
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # Friday 10:00 in Beijing
BURST = T0 + timedelta(minutes=31)
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
    """A migrated schema of its own with CASES cases in a steady state at T0: every deadline
    due before T0 met or flagged, valid cases open for a month already major; 2 % of the open
    cases' resolution deadlines fall due in the next 30 minutes, 2 % have their reminders due then."""
    url = _plans_url()
    schema = f"sweep_plans_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as e:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {url}: {e}")
        pytest.skip(f"PostgreSQL not reachable at {url}")
    application = make_app(f"{url}?options=-csearch_path%3D{schema}", tmp_path_factory.mktemp("plans"))
    try:
        with application.app_context():
            flask_migrate.upgrade()
            initialise()
            _fill()
            db.session.remove()
        yield application
        with application.app_context():
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def _fill():
    sm = current_app.appbuilder.sm
    offices = [Office(code=f"P{i}", name=f"计划管理处{i}", households=5000) for i in range(2)]
    db.session.add_all(offices)
    db.session.flush()
    gm = sm.add_user("plans_gm", "总经理", "计划", "plans_gm@example.com", sm.find_role(ROLE_GENERAL_MANAGER),
                     password="plans-Pass2026")
    assignees = []
    for i, office in enumerate(offices):
        for role, name in ((ROLE_SUPERVISOR, "sup"), (ROLE_CUSTOMER_SERVICE, "cs")):
            user = sm.add_user(f"plans_{name}{i}", name, "计划", f"plans_{name}{i}@example.com", sm.find_role(role),
                               password="plans-Pass2026")
            office.staff.append(db.session.merge(user))
            if name == "cs":
                assignees.append(user.id)
    db.session.commit()
    params = {"t0": T0.replace(tzinfo=None), "n": CASES, "o0": offices[0].id, "o1": offices[1].id,
              "cs0": assignees[0], "cs1": assignees[1], "gm": gm.id, "month": T0.replace(tzinfo=None, month=10)}
    for statement in [
        """INSERT INTO complainant (office_id, name, room, phone)
           SELECT CASE WHEN g % 2 = 0 THEN :o0 ELSE :o1 END, '业主' || g, g || '室', '139' || lpad(g::text, 8, '0')
           FROM generate_series(1, :n / 4) AS g""",
        # Received every 10 minutes (distinct); the newest 30 % are open.
        """INSERT INTO complaint (case_number, office_id, channel, category_id, urgency, validity, grade, tier,
               status, assignee_id, complainant_id, description, on_the_spot, received_at, updated_at, version)
           SELECT 'P-' || g, CASE WHEN g % 2 = 0 THEN :o0 ELSE :o1 END, 'PHONE',
               (SELECT id FROM category WHERE code = 'SERVICE'), 'GENERAL', v.validity,
               CASE WHEN v.major THEN 'MAJOR' END, CASE WHEN v.major THEN 3 ELSE 1 END,
               CASE WHEN v.open THEN (ARRAY['RECEIVED','ACKNOWLEDGED','INVESTIGATING','PLAN_PROPOSED',
                                            'PLAN_APPROVED','IN_PROGRESS'])[1 + g % 6] ELSE 'CLOSED' END,
               CASE WHEN v.open AND NOT v.major THEN CASE WHEN g % 2 = 0 THEN :cs0 ELSE :cs1 END END,
               (SELECT min(id) FROM complainant) + g % (:n / 4), '楼道灯不亮', false, v.received, :t0, 1
           FROM generate_series(1, :n) AS g
           CROSS JOIN LATERAL (SELECT :t0 - (:n - g) * interval '10 minutes' AS received,
                                      g > :n * 0.7 AS open,
                                      (ARRAY['VALID','PENDING','INVALID'])[1 + g % 3] AS validity) AS b
           CROSS JOIN LATERAL (SELECT b.*, b.open AND b.validity = 'VALID' AND b.received <= :month AS major) AS v""",
        """INSERT INTO complaint_deadline (complaint_id, kind, policy_id, starts_at, due_at, remind_at, escalates,
               met_at, breached_at)
           SELECT c.id, 'RESOLUTION', (SELECT id FROM deadline_policy WHERE kind = 'RESOLUTION'
                                      AND office_id IS NULL AND category_id IS NULL AND urgency IS NULL),
               c.received_at, d.due, d.due - interval '2 hours', true,
               CASE WHEN c.status = 'CLOSED' THEN c.received_at + interval '2 days' END, NULL
           FROM complaint c
           CROSS JOIN LATERAL (SELECT CASE WHEN c.status = 'CLOSED' THEN c.received_at + interval '5 days'
                                           WHEN c.id % 50 = 0 THEN :t0 + (1 + c.id % 29) * interval '1 minute'
                                           WHEN c.id % 50 = 25 THEN :t0 + (121 + c.id % 29) * interval '1 minute'
                                           ELSE :t0 + interval '1 hour' + (c.id % 7) * interval '1 day' END AS due) d
           UNION ALL
           SELECT c.id, 'FIRST_FEEDBACK', NULL, c.received_at, c.received_at + interval '24 hours',
               c.received_at + interval '22 hours', false,
               CASE WHEN c.id % 11 <> 0 AND c.received_at + interval '5 hours' <= :t0
                    THEN c.received_at + interval '5 hours' END,
               CASE WHEN c.id % 11 = 0 AND c.received_at + interval '24 hours' <= :t0
                    THEN c.received_at + interval '24 hours 1 minute' END
           FROM complaint c""",
        "UPDATE complaint_deadline SET reminded_at = remind_at WHERE met_at IS NULL AND remind_at <= :t0",
        """UPDATE complaint c SET next_due_at = s.next_due, overdue_since = s.overdue
           FROM (SELECT complaint_id,
                        min(due_at) FILTER (WHERE met_at IS NULL AND breached_at IS NULL) AS next_due,
                        min(due_at) FILTER (WHERE met_at IS NULL AND breached_at IS NOT NULL) AS overdue
                 FROM complaint_deadline GROUP BY complaint_id) s
           WHERE c.id = s.complaint_id""",
        """INSERT INTO complaint_event (complaint_id, at, actor_id, kind, to_status, to_tier, note, version)
           SELECT id, received_at, :cs0, 'REGISTERED', 'RECEIVED', 1, '', 1 FROM complaint""",
        """INSERT INTO notification (user_id, complaint_id, kind, deadline_kind, created_at, read_at)
           SELECT :gm, id, 'OVERDUE', 'FIRST_FEEDBACK', received_at + interval '1 day', :t0 FROM complaint""",
    ]:
        db.session.execute(sa.text(statement), params)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def test_a_burst_writes_each_case_once(filled):
    """Missed deadlines, escalations and the one-month rule: each case's row is updated once."""
    seen = {}

    def probe(session, now, report):
        # The rows of `complaint` this transaction has updated, and the cases it touched.
        seen["updated"] = session.scalar(sa.text(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = 'complaint'::regclass"))
        seen["touched"] = session.scalar(sa.text(
            "SELECT count(DISTINCT complaint_id) FROM complaint_event WHERE at = :now"), {"now": now})

    runner.sweep_step(probe)
    try:
        with filled.app_context():
            report = runner.sweep(db.session, BURST)
    finally:
        runner._STEPS.remove(probe)
    assert report.missed > 100 and report.escalated > 100 and report.made_major > 0 and report.reminders > 0
    assert seen["updated"] == seen["touched"]


def test_an_idle_sweep_reads_only_through_indexes(filled):
    with filled.app_context():
        checked = _idle_sweep_plans()
    assert {"complaint", "complaint_deadline"} <= set(checked)


def _idle_sweep_plans() -> list[str]:
    """Run an idle sweep, then each of its statements again under EXPLAIN ANALYZE (rolled
    back); return the case tables whose scans were checked."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    runner.sweep(db.session, BURST)  # whatever is due has been done
    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        idle = runner.sweep(db.session, BURST + timedelta(seconds=1))
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
