"""The deadline sweep at scale on PostgreSQL, each figure against a baseline of the same run:

- idle: a sweep with nothing due, at 10,000 and at 1,000,000 complaints (median of --idle
  runs each), and their ratio — the cost must not grow with the number of cases;
- burst: the sweep after an hour's downtime at 1,000,000 complaints (300,000 open; one in ten
  open cases misses its resolution deadline in that hour and escalates), against a
  hand-written transaction that makes the same writes, and the single flags-only UPDATE for
  reference. Each run is one transaction rolled back (VACUUM between runs), the order rotated,
  the median of --repeat runs reported; the rows each wrote are printed side by side.

    .venv/bin/python benchmarks/sweep.py [--complaints N] [--small N] [--open-share F] [--repeat R]
                                         [--idle K] [--keep] [--reuse]

Uses BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_sweep), one schema
per size (fill_<N>), dropped at the end unless --keep; --reuse takes a kept fill of the same
size (benchmarks/load.py reuses it too). Prints figures and ratios."""
import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fill import drop, filled_app, major_cutoff, staff_names

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_sweep")
TABLES = ("complaint", "complaint_deadline", "complaint_event", "notification")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="the small company of the idle comparison")
    parser.add_argument("--open-share", type=float, default=0.3, help="share of the cases still open")
    parser.add_argument("--repeat", type=int, default=3, help="burst runs of each kind")
    parser.add_argument("--idle", type=int, default=25, help="idle sweeps timed at each size")
    parser.add_argument("--keep", action="store_true", help="keep the filled schemas afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse kept fills of the same sizes")
    args = parser.parse_args()

    sizes = (args.small, args.complaints)
    schemas = [f"fill_{n}" for n in sizes]
    try:
        companies = {}
        for n, schema in zip(sizes, schemas):
            app, info = filled_app(URL, schema, n, int(n * args.open_share), reuse=args.reuse)
            companies[n] = (app, info)
            with app.app_context():
                print(describe(info))
                if n == args.small and info.seconds:
                    print(register_after_fill())
        checkpoint()
        idle = time_idle(companies, args.idle)
        small, large = idle[args.small], idle[args.complaints]
        print(f"idle sweep (nothing due), median of {args.idle}, sizes alternating: {args.small:,} complaints "
              f"{small * 1000:.1f} ms, {args.complaints:,} complaints {large * 1000:.1f} ms; ratio {large / small:.2f}")
        app, info = companies[args.complaints]
        with app.app_context():
            burst(info, args.repeat)
        for app, _ in companies.values():
            with app.app_context():
                dispose()
        print(f"peak memory of this process: {peak_mb():.0f} MB")
    finally:
        if not args.keep:
            for schema in schemas:
                drop(URL, schema)


def describe(info) -> str:
    from app.core.extensions import db

    counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in TABLES}
    filled = f"{info.seconds:.1f} s" if info.seconds else "reused"
    return (f"fill: {info.complaints:,} complaints ({info.open_cases:,} open), {counts['complaint_deadline']:,} "
            f"deadlines, {counts['complaint_event']:,} events, {counts['notification']:,} notifications ({filled})")


def dispose():
    from app.core.extensions import db

    db.session.remove()
    db.engine.dispose()


def checkpoint():
    """Write the fills out first, so that no run pays for writing another's pages."""
    with sa.create_engine(URL, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text("CHECKPOINT"))


def time_idle(companies, runs) -> dict:
    """Median time of an idle sweep (at the fill's moment: nothing due) per size, the sizes
    taking turns so that both see the same machine."""
    from app.core.extensions import db
    from app.deadlines.sweep import sweep

    times = {n: [] for n in companies}
    for i in range(runs + 3):  # the first three warm up: connection, plans, cache
        for n, (app, info) in companies.items():
            with app.app_context():
                started = time.perf_counter()
                report = sweep(db.session, info.now)
                if i >= 3:
                    times[n].append(time.perf_counter() - started)
                if report.missed or report.reminders or report.made_major:
                    raise SystemExit(f"not idle at the fill's moment: {report}")
    return {n: statistics.median(t) for n, t in times.items()}


def register_after_fill() -> str:
    """A case registered after the fill: the sequences and case-number counters were moved on."""
    from flask import current_app

    from app.complaints import workflow
    from app.complaints.models import Category
    from app.core.extensions import db
    from app.core.models import Office
    from app.core.security import complaint_permissions

    user = current_app.appbuilder.sm.find_user(username=staff_names()["customer_service"][0])
    actor = workflow.actor_for_user(db.session, user, complaint_permissions(user))
    office = db.session.scalar(sa.select(Office).where(Office.code == "B00"))
    category = db.session.scalar(sa.select(Category).where(Category.code == "SERVICE"))
    case = workflow.open_case(db.session, actor, {
        "office_id": office.id, "category_id": category.id, "description": "基准后登记:楼道灯不亮",
        "complainant_name": "基准后业主", "complainant_phone": "13912345678", "complainant_room": "99栋1单元101"})
    return f"a registration after the fill: {case.case_number} (complaint {case.id}, complainant {case.complainant_id})"


# ---- the burst ----------------------------------------------------------------------------

def burst(info, repeat):
    from app.complaints.models import ComplaintDeadline, DeadlinePolicy
    from app.core.extensions import db
    from app.deadlines.enums import DeadlineKind
    from app.deadlines.rules import due_after, remind_at
    from app.deadlines.workdays import WorkCalendar

    now = info.burst_at
    policy = db.session.scalar(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.kind == DeadlineKind.RESOLUTION, DeadlinePolicy.office_id.is_(None),
        DeadlinePolicy.category_id.is_(None), DeadlinePolicy.urgency.is_(None), DeadlinePolicy.grade.is_(None)))
    due = due_after(now, policy.amount, policy.unit, WorkCalendar(db.session))
    naive = ComplaintDeadline.due_at.type.process_bind_param
    params = {"now": naive(now, None), "res_due": naive(due, None), "res_remind": naive(remind_at(now, due), None),
              "cutoff": major_cutoff(now), "policy": policy.id}
    runners = {"flags-only UPDATE": lambda: hand_written(params, FLAGS_ONLY),
               "hand-written transaction": lambda: hand_written(params, HAND_WRITTEN),
               "sweep": lambda: sweep_rolled_back(now)}
    names = list(runners)
    vacuum()
    hand_written(params, FLAGS_ONLY)  # warm-up
    vacuum()
    runs, writes, report = {name: [] for name in names}, {}, None
    for r in range(repeat):
        for name in names[r % len(names):] + names[:r % len(names)]:
            measured, result = runners[name]()
            runs[name].append(measured)
            writes[name] = measured.writes
            report = result or report
            vacuum()
    wall = {name: statistics.median(m.wall for m in ms) for name, ms in runs.items()}
    cpu = {name: statistics.median(m.cpu for m in ms) for name, ms in runs.items()}
    print(f"burst at now + {int(info.window.total_seconds() // 60)} min (one transaction each, rolled back; median of "
          f"{repeat}, order rotated): {report}")
    for name in names:
        walls = ", ".join(f"{m.wall:.2f}" for m in runs[name])
        cpus = ", ".join(f"{m.server:.2f}+{m.client:.2f}" for m in runs[name])
        print(f"  {name}: {wall[name]:.3f} s (runs {walls}); CPU {cpu[name]:.3f} s (database + this process: {cpus})")
        print(f"    wrote {format_writes(writes[name])}")
    hand, flags = "hand-written transaction", "flags-only UPDATE"
    print(f"  ratio sweep / hand-written transaction: {wall['sweep'] / wall[hand]:.2f} elapsed, "
          f"{cpu['sweep'] / cpu[hand]:.2f} CPU; sweep / flags-only UPDATE: {wall['sweep'] / wall[flags]:.2f} elapsed, "
          f"{cpu['sweep'] / cpu[flags]:.2f} CPU")
    print("  (CPU: the database backend's from /proc plus this process's; unlike elapsed time it hardly depends "
          "on what else the machine runs)")


class Measured:
    """Elapsed time, CPU time (the database backend's and this process's) and rows written
    between start() and stop() on one connection."""

    def start(self, conn):
        self.pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        self._writes = transaction_writes(conn)
        self._server, self._client, self._wall = self.backend_cpu(), time.process_time(), time.perf_counter()

    def stop(self, conn):
        self.wall = time.perf_counter() - self._wall
        self.server, self.client = self.backend_cpu() - self._server, time.process_time() - self._client
        self.writes = difference(transaction_writes(conn), self._writes)

    @property
    def cpu(self):
        return self.server + self.client

    def backend_cpu(self) -> float:
        """User and system time of the backend (a database on this machine), in seconds."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def format_writes(w) -> str:
    return (f"complaint rows updated {w['complaint'][1]:,}, deadline rows updated {w['complaint_deadline'][1]:,}, "
            f"events {w['complaint_event'][0]:,}, notifications {w['notification'][0]:,}")


def transaction_writes(conn) -> dict:
    """(rows inserted, rows updated) per case table counted by this connection's backend and
    not yet reported (PostgreSQL 15 includes earlier transactions: take differences)."""
    rows = conn.execute(sa.text(
        "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables "
        "WHERE relid IN (SELECT to_regclass(t) FROM unnest(CAST(:tables AS text[])) AS t)"), {"tables": list(TABLES)})
    found = {name: (ins, upd) for name, ins, upd in rows}
    return {t: found.get(t, (0, 0)) for t in TABLES}


def vacuum():
    from app.core.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"VACUUM {', '.join(TABLES)}"))


def sweep_rolled_back(now):
    """The real sweep, with its commit replaced by a no-op and rolled back afterwards; two
    steps around the registered ones measure inside the sweep's own transaction."""
    from app.core.extensions import db
    from app.deadlines import sweep as runner

    measured = Measured()

    def first(session, now, report):
        measured.start(session.connection())

    def last(session, now, report):
        measured.stop(session.connection())

    db.session.commit = lambda: None
    runner._STEPS.insert(0, first)
    runner._STEPS.append(last)
    try:
        report = runner.sweep(db.session, now)
    finally:
        runner._STEPS.remove(first)
        runner._STEPS.remove(last)
        del db.session.commit
        db.session.rollback()
    return measured, report


def difference(after, before) -> dict:
    return {t: (after[t][0] - before[t][0], after[t][1] - before[t][1]) for t in TABLES}


def hand_written(params, statements):
    from app.core.extensions import db

    names, measured = staff_roles(), Measured()
    with db.engine.connect() as conn:
        transaction = conn.begin()
        measured.start(conn)
        for statement in statements:
            conn.execute(sa.text(statement), {**params, **names})
        measured.stop(conn)
        transaction.rollback()
    return measured, None


def staff_roles() -> dict:
    from app.core.permissions import ROLE_GENERAL_MANAGER, ROLE_SUPERVISOR

    return {"lead": ROLE_SUPERVISOR, "gm": ROLE_GENERAL_MANAGER}


OPEN = "('RECEIVED', 'ACKNOWLEDGED', 'INVESTIGATING', 'PLAN_PROPOSED', 'PLAN_APPROVED', 'IN_PROGRESS')"
CANDIDATE = f"c.validity = 'VALID' AND c.status IN {OPEN} AND (c.grade IS NULL OR c.grade <> 'MAJOR')"
FLAG = """UPDATE complaint_deadline SET breached_at = :now
          WHERE met_at IS NULL AND cancelled_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= :now"""
FLAGS_ONLY = [FLAG]
# One row per person to tell about each (case, deadline kind) of `source`: the assignee, the
# supervisors of the office below the top tier, the general managers at it.
RECIPIENTS = """leads AS (SELECT os.office_id, ur.user_id FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id
                          JOIN office_staff os ON os.user_id = ur.user_id WHERE r.name = :lead),
    gms AS (SELECT ur.user_id FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id WHERE r.name = :gm)
    INSERT INTO notification (user_id, complaint_id, deadline_kind, kind, created_at)
    SELECT c.assignee_id, s.complaint_id, s.kind, '{kind}', :now FROM {source} s JOIN complaint c ON c.id = s.complaint_id
    WHERE c.assignee_id IS NOT NULL
    UNION SELECT l.user_id, s.complaint_id, s.kind, '{kind}', :now FROM {source} s JOIN complaint c ON c.id = s.complaint_id
          JOIN leads l ON l.office_id = c.office_id WHERE c.tier < 3
    UNION SELECT g.user_id, s.complaint_id, s.kind, '{kind}', :now FROM {source} s JOIN complaint c ON c.id = s.complaint_id
          CROSS JOIN gms g WHERE c.tier = 3"""
EVENT = "INSERT INTO complaint_event (complaint_id, at, actor_id, kind, from_status, to_status, from_tier, to_tier, note, version)"
HAND_WRITTEN = [
    "CREATE TEMP TABLE hw_missed (complaint_id int, kind varchar(24), escalates bool) ON COMMIT DROP",
    f"WITH f AS ({FLAG} RETURNING complaint_id, kind, escalates) INSERT INTO hw_missed SELECT * FROM f",
    "ANALYZE hw_missed",
    f"""{EVENT} SELECT m.complaint_id, :now, NULL, 'DEADLINE_MISSED', c.status, c.status, c.tier, c.tier, m.kind, c.version
        FROM hw_missed m JOIN complaint c ON c.id = m.complaint_id""",
    "WITH " + RECIPIENTS.format(kind="OVERDUE", source="hw_missed"),
    """WITH r AS (UPDATE complaint_deadline SET reminded_at = :now
                  WHERE met_at IS NULL AND cancelled_at IS NULL AND paused_at IS NULL AND reminded_at IS NULL
                  AND breached_at IS NULL AND remind_at <= :now RETURNING complaint_id, kind), """
    + RECIPIENTS.format(kind="REMINDER", source="r"),
    "CREATE TEMP TABLE hw_case (complaint_id int PRIMARY KEY, escalates bool, made_major bool) ON COMMIT DROP",
    f"""INSERT INTO hw_case
        SELECT c.id, t.escalating AND c.tier < 3 AND c.status IN {OPEN}, {CANDIDATE} AND c.received_at <= :cutoff
        FROM (SELECT complaint_id, bool_or(escalates) AS escalating
              FROM (SELECT complaint_id, escalates FROM hw_missed
                    UNION ALL SELECT c.id, false FROM complaint c WHERE {CANDIDATE} AND c.received_at <= :cutoff) u
              GROUP BY complaint_id) t
        JOIN complaint c ON c.id = t.complaint_id""",
    "ANALYZE hw_case",
    f"""{EVENT} SELECT c.id, :now, NULL, 'AUTO_ESCALATED', c.status, c.status, c.tier, c.tier + 1, '', c.version + 1
        FROM hw_case h JOIN complaint c ON c.id = h.complaint_id WHERE h.escalates""",
    f"""{EVENT} SELECT c.id, :now, NULL, 'MADE_MAJOR', c.status, c.status, c.tier + h.escalates::int, 3, '',
               c.version + h.escalates::int + 1
        FROM hw_case h JOIN complaint c ON c.id = h.complaint_id WHERE h.made_major""",
    """UPDATE complaint_deadline d SET starts_at = :now, breached_at = NULL, reminded_at = NULL, paused_at = NULL,
              due_at = :res_due, remind_at = :res_remind
       FROM hw_case h WHERE h.escalates AND d.complaint_id = h.complaint_id AND d.kind = 'RESOLUTION'
       AND d.met_at IS NULL AND d.cancelled_at IS NULL AND d.policy_id IS NOT NULL""",
    """UPDATE complaint c SET
           tier = CASE WHEN s.made_major THEN 3 WHEN s.escalates THEN c.tier + 1 ELSE c.tier END,
           grade = CASE WHEN s.made_major THEN 'MAJOR' ELSE c.grade END,
           escalated_at = CASE WHEN s.escalates OR (s.made_major AND c.tier < 3) THEN :now ELSE c.escalated_at END,
           assignee_id = CASE WHEN s.escalates OR (s.made_major AND c.tier < 3) THEN NULL ELSE c.assignee_id END,
           version = c.version + s.escalates::int + s.made_major::int,
           updated_at = CASE WHEN s.escalates OR s.made_major THEN :now ELSE c.updated_at END,
           next_due_at = s.next_due, overdue_since = s.overdue
       FROM (SELECT h.complaint_id, h.escalates, h.made_major,
                    min(d.due_at) FILTER (WHERE d.met_at IS NULL AND d.cancelled_at IS NULL AND d.breached_at IS NULL
                                          AND d.paused_at IS NULL) AS next_due,
                    min(d.due_at) FILTER (WHERE d.met_at IS NULL AND d.cancelled_at IS NULL
                                          AND d.breached_at IS NOT NULL) AS overdue
             FROM hw_case h LEFT JOIN complaint_deadline d ON d.complaint_id = h.complaint_id
             GROUP BY h.complaint_id, h.escalates, h.made_major) s
       WHERE c.id = s.complaint_id""",
    "WITH e AS (SELECT complaint_id, NULL::varchar AS kind FROM hw_case WHERE escalates OR made_major), "
    + RECIPIENTS.format(kind="ESCALATED", source="e"),
]


if __name__ == "__main__":
    main()
