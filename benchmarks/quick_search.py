"""The navbar's quick search at scale on PostgreSQL: 1,000,000 complaints in 10 offices of
100,000, from 500,000 residents, each kind of search measured against a baseline of the same
run, the same text as a substring (ILIKE '%…%' on the column, what a search without these
indexes does):

- lookup: the database's part, the count and first page of complaints.finding's condition;
- screen: through the real screens (the redirect, then the list's count and first page, or the
  case; in the user's offices), against the list filtered by the substring.

    .venv/bin/python benchmarks/quick_search.py [--complaints N] [--keep] [--reuse]

Uses BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_intake) in the schema
BENCH_SCHEMA (default quick_search_bench), dropped at the end unless --keep. Prints figures and
ratios; asserts nothing."""
import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fill import drop, schema_app

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_intake")
SCHEMA = os.environ.get("BENCH_SCHEMA", "quick_search_bench")
OFFICES = 10
PASSWORD = "bench-pass-2026"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀英", "桂兰", "建华", "海燕", "志明", "春生", "丽娟", "德福", "玉梅", "文杰", "红霞", "国强"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the filled schema (BENCH_SCHEMA) afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a schema kept by --keep, skip the fill")
    args = parser.parse_args()

    app = schema_app(URL, SCHEMA, fresh=not args.reuse, WTF_CSRF_ENABLED=False, AUTH_RATE_LIMIT="1000 per minute")
    from app.core.extensions import db

    try:
        with app.app_context():
            if not args.reuse:
                started = time.perf_counter()
                fill(db, args.complaints)
                print(f"fill: {args.complaints:,} complaints of {args.complaints // 2:,} residents in {OFFICES} "
                      f"offices, {time.perf_counter() - started:.1f} s")
            samples = sample(db)
            db.session.remove()
        lookups(app, samples)
        searches(app, samples)
        with app.app_context():
            db.engine.dispose()
    finally:
        if not args.keep:
            drop(URL, SCHEMA)


def fill(db, n):
    """Offices, customer service of the first office, a general manager, residents and their
    complaints, all in SQL."""
    from flask import current_app

    from app.core.models import Office
    from app.core.permissions import ROLE_CUSTOMER_SERVICE, ROLE_GENERAL_MANAGER

    sm = current_app.appbuilder.sm
    offices = [Office(code=f"B{i:02d}", name=f"基准管理处{i:02d}", households=50000) for i in range(OFFICES)]
    db.session.add_all(offices)
    db.session.flush()
    sm.add_user("bench_gm", "总经理", "基准", "bench_gm@example.com", sm.find_role(ROLE_GENERAL_MANAGER),
                password=PASSWORD)
    cs = sm.add_user("bench_cs", "客服", "基准", "bench_cs@example.com", sm.find_role(ROLE_CUSTOMER_SERVICE),
                     password=PASSWORD)
    offices[0].staff.append(db.session.merge(cs))
    db.session.commit()
    residents = n // 2
    params = {"n": n, "r": residents, "o": offices[0].id, "surnames": list(SURNAMES), "given": GIVEN}
    statements = [
        # Names: a surname, a given name and a number (many share a surname and a given name);
        # rooms: building, unit and flat; phones: distinct mobile numbers.
        """INSERT INTO complainant (id, office_id, name, room, phone, phone_last4)
           SELECT g, :o + g % 10,
                  (CAST(:surnames AS text[]))[1 + g % 20] || (CAST(:given AS text[]))[1 + (g / 20) % 12] || (g / 240),
                  (1 + g % 40) || '栋' || (1 + (g / 40) % 4) || '单元' || (101 + (g / 160) % 3000),
                  p.phone, right(p.phone, 4)
           FROM generate_series(1, :r) AS g
           CROSS JOIN LATERAL (SELECT '13' || lpad(((g::bigint * 7919) % 1000000000)::text, 9, '0') AS phone) p""",
        "SELECT setval(pg_get_serial_sequence('complainant', 'id'), :r)",
        """INSERT INTO complaint (id, case_number, office_id, channel, category_id, urgency, validity, tier, status,
               complainant_id, description, on_the_spot, received_at, next_due_at, updated_at, version)
           SELECT g, 'B' || lpad((g % 10)::text, 2, '0') || '-' || to_char(t.received, 'YYYYMMDD') || '-'
                      || lpad((g / 10)::text, 6, '0'),
               :o + g % 10, 'PHONE', (SELECT id FROM category ORDER BY id OFFSET (g / 7) % 9 LIMIT 1),
               CASE WHEN g % 13 = 0 THEN 'EMERGENCY' ELSE 'GENERAL' END, 'PENDING', 1,
               CASE WHEN g % 10 < 7 THEN 'CLOSED' ELSE 'INVESTIGATING' END,
               -- a resident of the same office (resident c lives in office c mod 10)
               CASE WHEN g % :r = 0 THEN :r ELSE g % :r END, '楼道灯不亮,请尽快维修', false, t.received,
               t.received + interval '5 days', t.received, 1
           FROM generate_series(1, :n) AS g
           CROSS JOIN LATERAL (SELECT timestamp '2025-12-01' + (g::bigint * 31) * interval '1 second'
                               AS received) AS t""",
        "SELECT setval(pg_get_serial_sequence('complaint', 'id'), :n)",
    ]
    for statement in statements:
        db.session.execute(sa.text(statement), params)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def sample(db) -> dict:
    """A resident of the first office with a case, and what staff would type to find them."""
    row = db.session.execute(sa.text(
        """SELECT c.case_number, p.name, p.phone, p.room FROM complaint c JOIN complainant p ON p.id = c.complainant_id
           JOIN office o ON o.id = c.office_id WHERE o.code = 'B00' ORDER BY c.id DESC LIMIT 1""")).one()
    number, name, phone, room = row
    return {
        "case number": (number, "case_number"),
        "case number, first 12 characters (the office's day)": (number[:12], "case_number"),
        "name, whole": (name, "complainant_name"),
        "name, first two characters": (name[:2], "complainant_name"),
        "phone, whole": (phone, "complainant_phone"),
        "phone, last four digits": (phone[-4:], "complainant_phone"),
        "room": (room, "complainant_room"),
    }


def timed(fn, *args, repeat=3):
    """Best of `repeat` runs of fn(*args) after one warm-up, in seconds."""
    fn(*args)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - started)
    return best


def lookups(app, samples):
    """The database's part alone: the count and first page of the quick search's condition
    against the same with ILIKE '%…%' on the column."""
    from app.complaints import finding as search
    from app.complaints.models import Complainant, Complaint
    from app.core.extensions import db
    from app.core.security import Actor

    columns = {"case_number": Complaint.case_number, "complainant_name": Complainant.name,
               "complainant_phone": Complainant.phone, "complainant_room": Complainant.room}
    def run(condition):
        db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(condition))
        db.session.scalars(sa.select(Complaint.id).where(condition)
                           .order_by(Complaint.received_at.desc()).limit(25)).all()

    with app.app_context():
        first = db.session.scalar(sa.text("SELECT id FROM office WHERE code = 'B00'"))
        for label, offices in (("one office", frozenset({first})), ("all offices", None)):
            actor = Actor(None, "bench", frozenset({"read"}), 1, offices)
            scope = Complaint.office_id.in_(sorted(offices)) if offices else sa.true()
            for kind, (text, column) in samples.items():
                quick = search.quick_search_clause(db.session, actor, text)
                found = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(quick))
                substring = Complaint.complainant_id.in_(sa.select(Complainant.id).where(
                    columns[column].ilike(f"%{text}%"))) if column != "case_number" \
                    else columns[column].ilike(f"%{text}%")
                ours = timed(run, quick)
                base = timed(run, sa.and_(scope, substring))
                print(f"lookup by {kind}, {label} ({found:,} cases): {ours * 1000:.1f} ms, "
                      f"ILIKE '%…%' {base * 1000:.1f} ms, ratio {ours / base:.3f}")
            db.session.rollback()


def searches(app, samples):
    import re

    def quick(client, text):
        answer = client.get(f"/complaints/search?q={quote(text)}")
        return client.get(answer.headers["Location"]).get_data(as_text=True)

    def substring(client, text, column):
        return client.get(f"/complaints/list/?_flt_0_{column}={quote(text)}").get_data(as_text=True)

    for user, label in (("bench_cs", "one office"), ("bench_gm", "all offices")):
        client = app.test_client()
        response = client.post("/login/", data={"username": user, "password": PASSWORD})
        assert response.status_code == 302, "benchmark login failed"
        for kind, (text, column) in samples.items():
            found = re.search(r"记录数目:</strong>\s*(\d+)", quick(client, text))
            found = f"{int(found.group(1)):,} cases" if found else "opens the case"
            ours = timed(quick, client, text)
            base = timed(substring, client, text, column)
            print(f"screen, quick search by {kind}, {label} ({found}): {ours:.3f} s, "
                  f"substring filter {base:.3f} s, ratio {ours / base:.2f}")


if __name__ == "__main__":
    main()
