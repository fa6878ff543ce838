"""Time the visits' sweep step over many planned visits on PostgreSQL (reminders, overdue flags,
their events and notifications), against a hand-written single SQL UPDATE that flags the same
visits, measured in the same run.

    .venv/bin/python benchmarks/visits_sweep.py [--visits N] [--overdue-share F]

Uses BENCH_DATABASE_URL (default: the local test database) in a schema of its own, which it
drops at the end. Prints the fill time, both times, their ratio, an idle step, and the
process's peak memory (the step never loads visits into Python)."""
import argparse
import os
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fill import drop, schema_app

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "visits_sweep_bench"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(db, visits: int, overdue_share: float, now):
    """One office with two customer service staff and a supervisor; `visits` resolved cases,
    each with its planned visit: `overdue_share` of them past due, as many within the reminder
    window, the rest due later."""
    from app.core.permissions import ROLE_CUSTOMER_SERVICE, ROLE_SUPERVISOR

    sm = current_app.appbuilder.sm
    db.session.execute(sa.text("INSERT INTO office (id, code, name, households, active) VALUES (1, 'B1', 'B', 1, true)"))
    for name, role in (("cs1", ROLE_CUSTOMER_SERVICE), ("cs2", ROLE_CUSTOMER_SERVICE), ("sup", ROLE_SUPERVISOR)):
        user = sm.add_user(name, name, "x", f"{name}@example.com", sm.find_role(role), password="Bench-2026-pass")
        db.session.execute(sa.text("INSERT INTO office_staff (office_id, user_id) VALUES (1, :u)"), {"u": user.id})
    db.session.execute(sa.text("INSERT INTO complainant (id, office_id, name, room, phone) VALUES (1, 1, '王', '', '')"))
    at = now.replace(tzinfo=None)
    db.session.execute(sa.text(
        "INSERT INTO complaint (case_number, office_id, channel, category_id, urgency, validity, tier, status,"
        " complainant_id, description, on_the_spot, received_at, resolved_at, updated_at, version)"
        " SELECT 'B1-' || g, 1, 'PHONE', (SELECT id FROM category WHERE code = 'REPAIR_COMMON'), 'GENERAL',"
        " 'PENDING', 1, 'RESOLVED', 1, 'x', false, :at, :at, :at, 1 FROM generate_series(1, :n) g"),
        {"n": visits, "at": at - timedelta(days=8)})
    overdue, soon = int(visits * overdue_share), int(visits * overdue_share)
    db.session.execute(sa.text(
        "INSERT INTO visit (office_id, kind, complaint_id, status, planned_at, due_at, remind_at, attempts, version)"
        " SELECT 1, 'CASE', id, 'PLANNED', :planned,"
        " CASE WHEN rn <= :overdue THEN :past WHEN rn <= :both THEN :soon_due ELSE :later END,"
        " CASE WHEN rn <= :overdue THEN :past_remind WHEN rn <= :both THEN :soon_remind ELSE :later_remind END, 0, 1"
        " FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM complaint) c"),
        {"planned": at - timedelta(days=8), "past": at - timedelta(hours=1), "past_remind": at - timedelta(hours=3),
         "soon_due": at + timedelta(hours=1), "soon_remind": at - timedelta(hours=1),
         "later": at + timedelta(days=5), "later_remind": at + timedelta(days=5, hours=-2),
         "overdue": overdue, "both": overdue + soon})
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    return overdue, soon


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--overdue-share", type=float, default=0.1)
    args = parser.parse_args()

    app = schema_app(URL, SCHEMA)
    from app.core import clock
    from app.core.extensions import db
    from app.deadlines.sweep import SweepReport
    from app.visits.deadlines import sweep_visits

    try:
        with app.app_context():
            now = clock.now()
            started = time.perf_counter()
            overdue, soon = fill(db, args.visits, args.overdue_share, now)
            print(f"fill: {args.visits:,} planned visits ({overdue:,} past due, {soon:,} due within the reminder "
                  f"window), {time.perf_counter() - started:.1f} s")

            started = time.perf_counter()
            db.session.execute(sa.text("UPDATE visit SET overdue_at = :now WHERE status = 'PLANNED'"
                                       " AND overdue_at IS NULL AND due_at <= :now"),
                               {"now": now.replace(tzinfo=None)})
            baseline = time.perf_counter() - started
            db.session.rollback()

            report = SweepReport()
            started = time.perf_counter()
            sweep_visits(db.session, now, report)
            db.session.commit()
            step = time.perf_counter() - started
            print(f"single UPDATE flagging the overdue visits: {baseline:.3f} s")
            print(f"visits sweep step: {step:.3f} s (flagged {report.missed:,}, reminded {report.reminders:,}, "
                  f"{report.notifications:,} notifications, events included), ratio {step / baseline:.1f}")
            started = time.perf_counter()
            idle = SweepReport()
            sweep_visits(db.session, now + timedelta(seconds=1), idle)
            db.session.commit()
            print(f"idle step (nothing new): {time.perf_counter() - started:.3f} s, flagged {idle.missed}")
            print(f"peak memory: {peak_mb():.0f} MB")
            db.session.remove()
            db.engine.dispose()
    finally:
        drop(URL, SCHEMA)


if __name__ == "__main__":
    main()
