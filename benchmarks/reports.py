"""Reports at scale on PostgreSQL with 1,000,000 complaints (10 offices of 100,000), each
measured against a baseline of the same run:

- export: rows/s and peak memory of the CSV and the Excel export of a complaint list, through
  the real endpoint (FAB's filter parsing, office scope, labels, masking), against PostgreSQL's
  own `COPY (…) TO STDOUT WITH CSV` of the same rows; one office (100 k rows), then all (1 M),
  to show that memory does not grow with the row count;
- the dashboard: every figure for 12 months, all offices and one office, against the raw
  GROUP BY queries that compute the same numbers.

    .venv/bin/python benchmarks/reports.py [--complaints N] [--skip-xlsx-1m] [--keep] [--reuse] [--skip-dashboard]
                                          [--repeat N]

Uses BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_h6) in the schema BENCH_SCHEMA
(default reports_bench), dropped at the end unless --keep. Prints figures and ratios; asserts nothing."""
import argparse
import os
import sys
import threading
import time
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fill import drop, schema_app

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_h6")
SCHEMA = os.environ.get("BENCH_SCHEMA", "reports_bench")
OFFICES = 10
PASSWORD = "bench-pass-2026"


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakRss:
    """The process's largest resident size while the block runs, sampled every 20 ms."""

    def __enter__(self):
        self.start, self.peak, self._run = rss_mb(), rss_mb(), True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._run:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._run = False
        self._thread.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--skip-xlsx-1m", action="store_true", help="export Excel for one office only")
    parser.add_argument("--keep", action="store_true", help="keep the filled schema (BENCH_SCHEMA) afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a schema kept by --keep, skip the fill")
    parser.add_argument("--skip-dashboard", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each export and of COPY (the best counts)")
    args = parser.parse_args()

    app = schema_app(URL, SCHEMA, fresh=not args.reuse, WTF_CSRF_ENABLED=False, AUTH_RATE_LIMIT="1000 per minute")
    from app.core import clock
    from app.core.extensions import db

    try:
        with app.app_context():
            now = clock.now()
            if args.reuse:
                office_ids = list(db.session.scalars(sa.text("SELECT id FROM office WHERE code LIKE 'B%' ORDER BY code")))
            else:
                started = time.perf_counter()
                office_ids = fill(db, args.complaints, now)
                print(f"fill: {args.complaints:,} complaints in {OFFICES} offices, "
                      f"{db.session.scalar(sa.text('SELECT count(*) FROM complaint_deadline')):,} deadlines, "
                      f"{time.perf_counter() - started:.1f} s")
            if not args.skip_dashboard:
                dashboard(db, office_ids, now)
            db.session.remove()
        exports(app, office_ids, args)
        with app.app_context():
            db.engine.dispose()
    finally:
        if not args.keep:
            drop(URL, SCHEMA)


def fill(db, n, now) -> list[int]:
    """Offices, a general manager, complainants and complaints with deadlines, all in SQL."""
    from flask import current_app

    from app.core.models import Office
    from app.core.permissions import ROLE_GENERAL_MANAGER

    sm = current_app.appbuilder.sm
    offices = [Office(code=f"B{i:02d}", name=f"基准管理处{i:02d}", households=20000) for i in range(OFFICES)]
    db.session.add_all(offices)
    db.session.flush()
    sm.add_user("bench_gm", "总经理", "基准", "bench_gm@example.com", sm.find_role(ROLE_GENERAL_MANAGER),
                password=PASSWORD)
    db.session.commit()
    first_office = offices[0].id
    # Received times spread over the 12 months before now, each distinct (a permutation of
    # 31-second steps); the office is the case number modulo 10, so each office has n/10.
    params = {"now": now.replace(tzinfo=None), "n": n, "o": first_office, "step": 31.0 * 1_000_000 / n,
              "start": datetime(now.year - 1, now.month, 1)}
    statements = [
        """INSERT INTO complainant (id, office_id, name, room, phone)
           SELECT g, :o + g % 10, '业主' || g, (g % 30) || '栋' || (g % 400) || '室', '138' || lpad(g::text, 8, '0')
           FROM generate_series(1, 20000) AS g""",
        "SELECT setval(pg_get_serial_sequence('complainant', 'id'), 20000)",
        """INSERT INTO complaint (id, case_number, office_id, channel, category_id, urgency, grade, validity, tier,
               status, complainant_id, respondent_id, description, on_the_spot, received_at, resolved_at,
               return_visited_at, overdue_since, updated_at, version)
           SELECT g, 'B-' || g, :o + g % 10,
               (ARRAY['PHONE','WALK_IN','LETTER','MAILBOX','EMAIL','WECHAT','WEBSITE','RETURN_VISIT','SURVEY',
                      'REFERRAL'])[1 + (g / 10) % 10],
               (SELECT id FROM category ORDER BY id OFFSET (g / 7) % 9 LIMIT 1),
               CASE WHEN g % 13 = 0 THEN 'EMERGENCY' ELSE 'GENERAL' END,
               (ARRAY['MINOR','MINOR','IMPORTANT','MAJOR',NULL])[1 + g % 5],
               (ARRAY['VALID','INVALID','PENDING'])[1 + (g / 3) % 3], 1,
               CASE WHEN g % 10 < 6 THEN 'CLOSED' WHEN g % 10 < 8 THEN 'RESOLVED' ELSE 'INVESTIGATING' END,
               1 + g % 20000, NULL,
               CASE WHEN g % 17 = 0 THEN '=HYPERLINK("http://x","点击")' ELSE '楼道灯不亮,请尽快维修,谢谢' END,
               false, r.received, CASE WHEN g % 10 < 8 THEN r.received + (g % 96) * interval '1 hour' END,
               CASE WHEN g % 10 < 7 THEN r.received + interval '5 days' END,
               CASE WHEN g % 10 = 9 THEN r.received + interval '2 days' END, :now, 1
           FROM generate_series(1, :n) AS g
           CROSS JOIN LATERAL (SELECT :start + ((g::bigint * 7919) % :n) * :step * interval '1 second'
                               AS received) AS r""",
        "SELECT setval(pg_get_serial_sequence('complaint', 'id'), :n)",
        "UPDATE complaint SET respondent_id = (SELECT min(id) FROM ab_user) WHERE validity = 'VALID' AND id % 50 = 0",
        """INSERT INTO complaint_deadline (complaint_id, kind, starts_at, due_at, escalates, met_at)
           SELECT c.id, k.kind, c.received_at, c.received_at + k.limit_, false,
                  CASE WHEN c.id % 10 < 8 THEN c.received_at + (c.id % 30) * interval '1 hour' END
           FROM complaint c CROSS JOIN (VALUES ('ACKNOWLEDGE', interval '24 hours'),
                                               ('RESOLUTION', interval '5 days')) AS k(kind, limit_)""",
    ]
    for statement in statements:
        db.session.execute(sa.text(statement), params)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return [o.id for o in offices]


def timed(fn, repeat=3):
    """Best of `repeat` runs after one warm-up, in seconds."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def dashboard(db, office_ids, now):
    from app.core import clock
    from app.core.security import Actor
    from app.reports import rules

    gm = Actor(1, "bench", frozenset({"read"}), 3, None)
    local_now = clock.local(now).date()
    first = date(local_now.year - 1, local_now.month, 1)
    period = rules.Period.months(first, date(local_now.year, local_now.month, 1))
    period = rules.Period(rules._add_months(period.start, 1), period.end)  # the 12 months up to now
    start, end = (b.astimezone(timezone.utc).replace(tzinfo=None) for b in period.bounds())

    def raw(office_id=None):
        where = "received_at >= :s AND received_at < :e" + (" AND office_id = :o" if office_id else "")
        p = {"s": start, "e": end, "o": office_id, "now": now.replace(tzinfo=None)}
        queries = [
            f"""SELECT office_id, count(*), count(*) FILTER (WHERE status IN ('RESOLVED','CONFIRMED','CLOSED')),
                       count(*) FILTER (WHERE status NOT IN ('RESOLVED','CONFIRMED','CLOSED','VOIDED')),
                       count(overdue_since), count(*) FILTER (WHERE validity = 'VALID'),
                       count(return_visited_at) FILTER (WHERE status IN ('RESOLVED','CONFIRMED','CLOSED')),
                       sum(extract(epoch FROM resolved_at - received_at))
                FROM complaint WHERE {where} GROUP BY office_id""",
            f"""SELECT office_id, percentile_disc(0.9) WITHIN GROUP (ORDER BY resolved_at - received_at)
                FROM complaint WHERE {where} AND resolved_at IS NOT NULL GROUP BY office_id""",
            f"""SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY resolved_at - received_at)
                FROM complaint WHERE {where} AND resolved_at IS NOT NULL""",
            f"""SELECT c.office_id, d.kind, count(*) FILTER (WHERE d.met_at <= d.due_at),
                       count(*) FILTER (WHERE d.met_at IS NOT NULL OR d.due_at <= :now)
                FROM complaint_deadline d JOIN complaint c ON c.id = d.complaint_id
                WHERE {where.replace('received_at', 'c.received_at').replace('office_id', 'c.office_id')}
                  AND d.cancelled_at IS NULL GROUP BY c.office_id, d.kind""",
            f"SELECT office_id, category_id, count(*) FROM complaint WHERE {where} GROUP BY 1, 2",
            f"SELECT office_id, channel, count(*) FROM complaint WHERE {where} GROUP BY 1, 2",
            f"SELECT office_id, grade, count(*) FROM complaint WHERE {where} GROUP BY 1, 2",
            f"""SELECT c.office_id, count(*) FROM complaint c JOIN complainant p ON p.id = c.complainant_id
                WHERE {where.replace('received_at', 'c.received_at').replace('office_id', 'c.office_id')}
                  AND p.room <> '' AND EXISTS (
                    SELECT 1 FROM complaint e JOIN complainant q ON q.id = e.complainant_id
                    WHERE q.office_id = p.office_id AND q.room = p.room AND e.category_id = c.category_id
                      AND e.received_at < c.received_at AND e.received_at >= c.received_at - interval '90 days')
                GROUP BY 1""",
            f"""SELECT c.office_id, count(*) FROM complaint c WHERE
                {where.replace('received_at', 'c.received_at').replace('office_id', 'c.office_id')}
                AND EXISTS (SELECT 1 FROM complaint_event e WHERE e.complaint_id = c.id
                            AND e.kind IN ('APPEALED', 'NOT_SATISFIED', 'REPEAT_CALL')) GROUP BY 1""",
            f"""SELECT office_id, date_trunc('month', (received_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Shanghai'),
                       count(*), count(*) FILTER (WHERE status IN ('RESOLVED','CONFIRMED','CLOSED')),
                       count(*) FILTER (WHERE validity = 'VALID')
                FROM complaint WHERE {where} GROUP BY 1, 2""",
        ]
        with db.engine.connect() as conn:
            for q in queries:
                conn.execute(sa.text(q), p).all()

    for label, office in (("all offices", None), ("one office", office_ids[0])):
        report = rules.build_report(db.session, gm, period, office)
        db.session.rollback()
        ours = timed(lambda: (rules.build_report(db.session, gm, period, office), db.session.rollback()))
        base = timed(lambda: raw(office))
        print(f"dashboard, 12 months, {label} ({report.total.received:,} cases): build_report {ours:.3f} s, "
              f"raw GROUP BY queries {base:.3f} s, ratio {ours / base:.2f}")


def exports(app, office_ids, args):
    """COPY, then each export through the endpoint, `args.repeat` times in turn; the best time
    of each (the machine is shared: the best run is the one least disturbed) and the largest
    peak memory of any run."""
    from app.core.extensions import db

    client = app.test_client()
    response = client.post("/login/", data={"username": "bench_gm", "password": PASSWORD})
    assert response.status_code == 302, "benchmark login failed"
    copy_sql = """COPY (SELECT c.case_number, c.received_at, o.name, cat.name, c.channel, c.urgency, c.grade,
                          c.validity, c.tier, c.status, c.assignee_id, c.respondent_id, c.respondent_department,
                          p.name, p.room, p.phone, c.description, c.resolved_at, c.closed_at, c.overdue_since
                   FROM complaint c JOIN complainant p ON p.id = c.complainant_id
                   JOIN office o ON o.id = c.office_id JOIN category cat ON cat.id = c.category_id
                   {where} ORDER BY c.received_at DESC) TO STDOUT WITH CSV HEADER"""

    def copy(where):
        with app.app_context():
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                started, size, rows = time.perf_counter(), 0, 0
                with cursor.copy(copy_sql.format(where=where)) as stream:
                    for block in stream:
                        size += len(block)
                        rows += bytes(block).count(b"\n")
                elapsed = time.perf_counter() - started
                raw.rollback()
            finally:
                raw.close()
        return elapsed, rows - 1, size

    def export(file_format, query):
        with PeakRss() as memory:
            started, size = time.perf_counter(), 0
            response = client.get(f"/reports/export/complaints.{file_format}?{query}", buffered=False)
            first_byte = None
            for chunk in response.response:
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
            response.close()
            elapsed = time.perf_counter() - started
        return elapsed, first_byte, size, memory

    for label, query, where in (("one office", f"_flt_0_office={office_ids[0]}", f"WHERE c.office_id = {office_ids[0]}"),
                                ("all offices", "", "")):
        formats = [f for f in ("csv", "xlsx") if not (f == "xlsx" and label == "all offices" and args.skip_xlsx_1m)]
        copies, runs = [], {f: [] for f in formats}
        for _ in range(args.repeat):
            copies.append(copy(where))
            for file_format in formats:
                runs[file_format].append(export(file_format, query))
        copy_s, rows, size = min(copies)
        print(f"COPY TO STDOUT WITH CSV, {label}: {rows:,} rows in {copy_s:.2f} s = {rows / copy_s:,.0f} rows/s "
              f"({size / 2**20:.0f} MB; best of {args.repeat})")
        for file_format in formats:
            elapsed, first_byte, size, _memory = min(runs[file_format], key=lambda run: run[0])
            peak = max(runs[file_format], key=lambda run: run[3].peak - run[3].start)[3]
            print(f"export {file_format}, {label}: {rows:,} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s, "
                  f"ratio to COPY {copy_s / elapsed:.2f} (throughput), first bytes after {first_byte:.2f} s, "
                  f"{size / 2**20:.0f} MB, peak RSS {peak.peak:.0f} MB (+{peak.peak - peak.start:.0f} MB "
                  f"over {peak.start:.0f} MB before; the largest of {args.repeat} runs)")


if __name__ == "__main__":
    main()
