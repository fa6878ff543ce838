"""Time one deadline sweep over 1,000,000 complaints (300,000 open) on PostgreSQL, against a
hand-written single SQL UPDATE that flags the same rows, measured in the same run.

    .venv/bin/python benchmarks/sweep.py [--complaints N] [--open N]

Uses BENCH_DATABASE_URL (default: the local test database) in a schema of its own, which it
drops at the end. Prints the fill time, both times, their ratio, the cost of an idle sweep,
and the process's peak memory (the sweep never loads cases into Python)."""
import argparse
import os
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "sweep_bench"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=300_000)
    parser.add_argument("--overdue-share", type=float, default=0.1,
                        help="share of open cases whose resolution and feedback deadlines have passed")
    args = parser.parse_args()

    admin = sa.create_engine(URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    os.environ["DATABASE_URL"] = f"{URL}?options=-csearch_path%3D{SCHEMA}"

    import flask_migrate

    from app import create_app
    from app.core import clock
    from app.core.extensions import db
    from app.deadlines.sweep import sweep
    from app.setup import initialise

    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]})
    try:
        with app.app_context():
            flask_migrate.upgrade()
            initialise()
            now = clock.now()
            started = time.perf_counter()
            breaching = fill(db, args, now)
            print(f"fill: {args.complaints:,} complaints ({args.open:,} open), "
                  f"{db.session.scalar(sa.text('SELECT count(*) FROM complaint_deadline')):,} deadlines, "
                  f"{time.perf_counter() - started:.1f} s; deadlines past due: {breaching:,}")

            baseline = time_baseline(db, now)
            rss_before = peak_mb()
            started = time.perf_counter()
            report = sweep(db.session, now)
            sweep_s = time.perf_counter() - started
            idle_started = time.perf_counter()
            idle = sweep(db.session, now + timedelta(seconds=1))
            idle_s = time.perf_counter() - idle_started

            print(f"hand-written single UPDATE (flags only): {baseline:.3f} s")
            print(f"sweep (flags, events, notifications, escalations, summaries): {sweep_s:.3f} s — {report}")
            print(f"ratio sweep / baseline: {sweep_s / baseline:.2f}")
            print(f"idle sweep right after (nothing due): {idle_s:.3f} s — {idle}")
            print(f"peak memory of this process: {rss_before:.0f} MB before the sweep, {peak_mb():.0f} MB after")
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))


def fill(db, args, now) -> int:
    """Offices, a supervisor each, and the complaints with their deadlines, all in SQL."""
    from app.core.models import Office
    from app.core.permissions import ROLE_SUPERVISOR

    from flask import current_app

    sm = current_app.appbuilder.sm
    offices = [Office(code=f"B{i}", name=f"基准管理处{i}", households=5000) for i in range(2)]
    db.session.add_all(offices)
    db.session.flush()
    for i, office in enumerate(offices):
        user = sm.add_user(f"bench_sup{i}", "主管", "基准", f"bench{i}@example.com", sm.find_role(ROLE_SUPERVISOR),
                           password="bench-pass-2026")
        office.staff.append(db.session.merge(user))
    db.session.commit()
    params = {"now": now.replace(tzinfo=None), "n": args.complaints, "open": args.open,
              "late": int(args.open * args.overdue_share), "o1": offices[0].id, "o2": offices[1].id}
    statements = [
        """INSERT INTO complainant (id, office_id, name, room, phone)
           VALUES (1, :o1, '业主', '1-1-101', '13800000000'), (2, :o2, '业主', '1-1-102', '13800000001')""",
        """INSERT INTO complaint (case_number, office_id, channel, category_id, urgency, validity, tier, status,
               complainant_id, description, on_the_spot, received_at, updated_at, version)
           SELECT 'B-' || g, CASE WHEN g % 2 = 0 THEN :o1 ELSE :o2 END, 'PHONE',
               (SELECT id FROM category WHERE code = 'SERVICE'), 'GENERAL', 'PENDING', 1,
               CASE WHEN g <= :open THEN 'INVESTIGATING' ELSE 'CLOSED' END, 1 + g % 2, '基准投诉', false,
               :now - (g % 60) * interval '1 hour', :now, 1
           FROM generate_series(1, :n) AS g""",
        # Open cases: receipt and investigation met; feedback and resolution running, some past due.
        """INSERT INTO complaint_deadline (complaint_id, kind, policy_id, starts_at, due_at, escalates, met_at)
           SELECT c.id, k.kind, (SELECT id FROM deadline_policy WHERE kind = k.kind AND office_id IS NULL
                                 AND category_id IS NULL AND urgency IS NULL LIMIT 1),
               c.received_at,
               CASE WHEN k.kind IN ('ACKNOWLEDGE', 'INVESTIGATION') THEN c.received_at + interval '1 day'
                    WHEN c.id <= :late THEN :now - interval '5 minutes'
                    ELSE :now + interval '3 days' END,
               k.kind = 'RESOLUTION',
               CASE WHEN k.kind IN ('ACKNOWLEDGE', 'INVESTIGATION') THEN c.received_at + interval '1 hour' END
           FROM complaint c CROSS JOIN (VALUES ('ACKNOWLEDGE'), ('FIRST_FEEDBACK'), ('INVESTIGATION'),
                                               ('RESOLUTION')) AS k(kind)
           WHERE c.status = 'INVESTIGATING'""",
        # Closed cases: their deadlines were met.
        """INSERT INTO complaint_deadline (complaint_id, kind, starts_at, due_at, escalates, met_at)
           SELECT c.id, k.kind, c.received_at, c.received_at + interval '5 days', false,
                  c.received_at + interval '2 days'
           FROM complaint c CROSS JOIN (VALUES ('RESOLUTION'), ('RETURN_VISIT')) AS k(kind)
           WHERE c.status = 'CLOSED'""",
        "UPDATE complaint SET next_due_at = received_at + interval '1 day' WHERE status = 'INVESTIGATING'",
    ]
    for statement in statements:
        db.session.execute(sa.text(statement), params)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return db.session.scalar(sa.text(
        "SELECT count(*) FROM complaint_deadline WHERE due_at <= :now AND met_at IS NULL "
        "AND cancelled_at IS NULL AND breached_at IS NULL"), {"now": params["now"]})


def time_baseline(db, now) -> float:
    """The same rows flagged by one hand-written UPDATE, rolled back afterwards."""
    with db.engine.connect() as conn:
        transaction = conn.begin()
        started = time.perf_counter()
        conn.execute(sa.text(
            "UPDATE complaint_deadline SET breached_at = :now WHERE due_at <= :now AND met_at IS NULL "
            "AND cancelled_at IS NULL AND paused_at IS NULL AND breached_at IS NULL"),
            {"now": now.replace(tzinfo=None)})
        elapsed = time.perf_counter() - started
        transaction.rollback()
    return elapsed


if __name__ == "__main__":
    main()
