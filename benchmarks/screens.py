"""What each screen costs at 10,000 and at 1,000,000 complaints, on PostgreSQL and on SQLite,
measured in one run: the median time of each page kind (list, filtered list, deep page, my
queue, dashboard, detail, search) through the app (login, permissions, the page's queries,
rendering), its statements per request, and the ratio of the 1 M time to the 10 k time. Also the
detail page next to the raw SQL it issues, and each search next to the scan it replaces.

    .venv/bin/python benchmarks/screens.py [--sizes 10000,1000000] [--databases pg,sqlite]
                                           [--repeat 15] [--keep] [--reuse]

PostgreSQL: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench_screens), one
schema per size (screens_10000, screens_1000000); SQLite: files under BENCH_SQLITE_DIR (default
/tmp/screens_bench). Both are dropped at the end unless --keep; --reuse measures a kept fill
(brought to the migration head first).

The fill is set-based SQL (INSERT … SELECT over generate_series, or a recursive CTE on SQLite),
loaded with the secondary indexes and triggers set aside and rebuilt afterwards, then analysed:
10 offices with three customer-service staff and a supervisor each and a general manager;
complaints received at distinct times over three years, the newest 5 % still open (80 % at tier
1, 15 % at 2, 5 % at 3; a fifth of them overdue), 5 % emergencies, one complainant for every
three cases, two events per case, the open cases' deadlines and notifications. Sequences end
past every explicit id. Prints figures; asserts nothing."""
import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fill import ensure_database

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_screens")
SQLITE_DIR = Path(os.environ.get("BENCH_SQLITE_DIR", "/tmp/screens_bench"))
PASSWORD = "bench-pass-2026"
OFFICES = 10
CS_PER_OFFICE = 3
OPEN_SHARE = 0.05
SPAN = timedelta(days=3 * 365)
# Tables the fill writes; their secondary indexes and triggers are rebuilt after it.
FILLED = ["complainant", "complaint", "complaint_event", "complaint_deadline", "notification"]

DESCRIPTION_PLACES = ["电梯", "楼道", "地下车库", "大堂", "屋顶", "单元门"]
DESCRIPTION_PROBLEMS = ["漏水严重", "灯不亮", "夜间噪音扰民", "门禁失灵", "卫生太差", "停车位被占用", "物业费收费有疑问",
                        "墙面开裂", "电梯困人", "垃圾未及时清运", "绿化无人修剪", "管道堵塞反味"]
DESCRIPTION_REQUESTS = ["请尽快处理", "多次反映仍未解决", "要求派人上门查看", "希望给个说法", "请回电联系"]
# One case in 5,000 mentions this: a rare term for the search.
RARE_TERM = "燃气泄漏"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--databases", default="pg,sqlite")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page and size (after two warm-ups)")
    parser.add_argument("--keep", action="store_true", help="keep the filled databases")
    parser.add_argument("--reuse", action="store_true", help="measure databases kept by --keep, without a fill")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for kind in args.databases.split(","):
        apps = {}
        try:
            for n in sizes:
                apps[n] = prepare(kind, n, args.reuse)
            report(kind, sizes, measure(apps, args.repeat))
            searches(kind, apps[sizes[-1]], sizes[-1], args.repeat)
        finally:
            for n, (app, _world) in apps.items():
                dispose(app)
            if not args.keep:
                for n in sizes:
                    drop(kind, n)


# ---------------------------------------------------------------------------------------
# One database of one size
# ---------------------------------------------------------------------------------------

def database(kind: str, n: int, fresh: bool) -> str:
    if kind == "pg":
        schema = f"screens_{n}"
        if fresh:
            ensure_database(URL)
            with sa.create_engine(URL, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
                # pg_trgm once for the database, outside the schemas the benchmark drops.
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        return f"{URL}?options=-csearch_path%3D{schema}"
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    path = SQLITE_DIR / f"screens_{n}.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def drop(kind: str, n: int) -> None:
    if kind == "pg":
        with sa.create_engine(URL, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS screens_{n} CASCADE"))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_DIR / f'screens_{n}.db'}{suffix}").unlink(missing_ok=True)


def prepare(kind: str, n: int, reuse: bool):
    """The app on a database of n complaints (filled now unless reused), and what pages need."""
    import flask_migrate

    from app import create_app
    from app.core.extensions import db
    from app.setup import initialise

    url = database(kind, n, fresh=not reuse)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "AUTH_RATE_LIMIT": "10000 per minute",
                      "SCHEDULER_IN_PROCESS": False})
    with app.app_context():
        flask_migrate.upgrade()  # a kept fill is brought to the migration head too
        if not reuse:
            initialise()
            started = time.perf_counter()
            fill(db, n)
            print(f"[{kind}] fill: {n:,} complaints, {count(db, 'complaint_event'):,} events, "
                  f"{count(db, 'complainant'):,} complainants, {count(db, 'notification'):,} notifications, "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        world = bench_world(db)
        db.session.remove()
    return app, world


def dispose(app) -> None:
    from app.core.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def count(db, table: str) -> int:
    return db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))


# ---------------------------------------------------------------------------------------
# The fill
# ---------------------------------------------------------------------------------------

class Dialect:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, name: str, now: datetime):
        self.pg = name == "postgresql"
        self.now = now.replace(tzinfo=None, microsecond=0)
        self.start = self.now - SPAN

    def numbers(self, upper: str) -> str:
        """A CTE s(g) of the numbers 1..upper."""
        if self.pg:
            return f"s(g) AS (SELECT generate_series(1, {upper}))"
        return f"s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {upper})"

    def moment(self, seconds: str, base: str = "start") -> str:
        """The time `seconds` after the fill's start (or after now), as the app stores it."""
        origin = self.start if base == "start" else self.now
        if self.pg:
            return f"(TIMESTAMP '{origin:%Y-%m-%d %H:%M:%S}' + ({seconds}) * INTERVAL '1 second')"
        return f"(datetime('{origin:%Y-%m-%d %H:%M:%S}', ({seconds}) || ' seconds') || '.000000')"

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(CAST({expr} AS text), {width}, '0')"
        return f"substr('{'0' * width}' || ({expr}), -{width})"


def pick(expr: str, values) -> str:
    """CASE expr WHEN 0 THEN values[0] …: a value chosen by a number (SQL literals)."""
    branches = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {branches} END)"


def quoted(values) -> list[str]:
    return ["'" + v.replace("'", "''") + "'" for v in values]


def values_cte(name: str, columns: str, rows) -> str:
    return f"{name}({columns}) AS (VALUES {', '.join('(' + ', '.join(map(str, r)) + ')' for r in rows)})"


def fill(db, n: int) -> None:
    """Offices and staff through the app; complainants, complaints, events, deadlines and
    notifications in a few INSERT … SELECT statements. (CROSS JOIN … WHERE keeps SQLite's loop
    over the numbers outermost; PostgreSQL plans it as a join.)"""
    from flask import current_app
    from werkzeug.security import generate_password_hash

    from app.core import clock
    from app.core.models import Office
    from app.core.permissions import (
        ROLE_CUSTOMER_SERVICE,
        ROLE_GENERAL_MANAGER,
        ROLE_SUPERVISOR,
    )

    sm = current_app.appbuilder.sm
    hashed = generate_password_hash(PASSWORD)  # one hash for every bench user: hashing is slow by design
    offices = [Office(code=f"B{i:02d}", name=f"基准管理处{i:02d}", households=20000) for i in range(OFFICES)]
    db.session.add_all(offices)
    db.session.flush()
    staff, supervisors = [], []
    for i, office in enumerate(offices):
        for slot in range(CS_PER_OFFICE):
            user = db.session.merge(sm.add_user(f"bench_cs{i}_{slot}", f"客服{slot}", f"基准{i}",
                                                f"cs{i}_{slot}@bench.example", sm.find_role(ROLE_CUSTOMER_SERVICE),
                                                hashed_password=hashed))
            office.staff.append(user)
            staff.append((i, slot, user.id))
        user = db.session.merge(sm.add_user(f"bench_sup{i}", "主管", f"基准{i}", f"sup{i}@bench.example",
                                            sm.find_role(ROLE_SUPERVISOR), hashed_password=hashed))
        office.staff.append(user)
        supervisors.append((i, user.id))
    sm.add_user("bench_gm", "总经理", "基准", "gm@bench.example", sm.find_role(ROLE_GENERAL_MANAGER),
                hashed_password=hashed)
    db.session.commit()

    d = Dialect(db.engine.dialect.name, clock.now())
    categories = list(db.session.scalars(sa.text("SELECT id FROM category WHERE code <> 'NEIGHBOUR' ORDER BY id")))
    m = max(10, n // 3 // 10 * 10)  # complainants: a multiple of 10, so that case g's is in its office
    step = int(SPAN.total_seconds()) // n
    opened = n - int(n * OPEN_SHARE)  # a case whose rank r (0 = oldest) reaches this is still open
    ctes = {
        "offices": values_cte("offices", "o, id", [(i, o.id) for i, o in enumerate(offices)]),
        "staff": values_cte("staff", "o, slot, id", staff),
        "supervisors": values_cte("supervisors", "o, id", supervisors),
        "categories": values_cte("categories", "k, id", list(enumerate(categories))),
    }
    is_open = f"c.r >= {opened}"
    received = d.moment(f"c.r * {step}")
    statements = [
        f"""WITH RECURSIVE {d.numbers(str(m))}, {ctes['offices']}
            INSERT INTO complainant (id, office_id, name, room, phone)
            SELECT s.g, offices.id,
                   {pick('s.g', quoted(SURNAMES))} || {pick('s.g / 20', quoted(GIVEN))}
                       || CASE WHEN s.g % 3 = 0 THEN {pick('s.g / 7', quoted(GIVEN))} ELSE '' END,
                   (s.g % 30 + 1) || '栋' || (s.g / 30 % 6 + 1) || '单元' || (s.g / 180 % 30 + 1) || '0' || (s.g % 4 + 1),
                   '1' || {pick('s.g', ["'3'", "'5'", "'8'"])} || {pick('s.g / 3', ["'8'", "'9'", "'6'", "'0'"])}
                       || {d.pad('s.g * 37 % 100000000', 8)}
            FROM s CROSS JOIN offices WHERE offices.o = s.g % 10""",
        f"""WITH RECURSIVE {d.numbers(str(n))},
            c AS (SELECT g, (CAST(g AS BIGINT) * 7919) % {n} AS r, g % 10 AS o FROM s),
            {ctes['offices']}, {ctes['staff']}, {ctes['categories']}
            INSERT INTO complaint (case_number, office_id, channel, category_id, urgency, grade, validity, tier, status,
                assignee_id, respondent_id, complainant_id, description, on_the_spot, received_at, acknowledged_at,
                resolved_at, closed_at, voided_at, next_due_at, overdue_since, updated_at, version)
            SELECT 'B' || {d.pad('c.o', 2)} || '-' || {d.pad('c.g', 8)}, offices.id,
                {pick('c.g / 10', quoted(['PHONE', 'WALK_IN', 'LETTER', 'MAILBOX', 'EMAIL', 'WECHAT', 'WEBSITE',
                                          'RETURN_VISIT', 'SURVEY', 'REFERRAL']))},
                categories.id,
                CASE WHEN c.g % 20 = 7 THEN 'EMERGENCY' ELSE 'GENERAL' END,
                {pick('c.g', ["'MINOR'", "'MINOR'", "'IMPORTANT'", "'MAJOR'", 'NULL'])},
                {pick('c.g / 3', ["'VALID'", "'INVALID'", "'PENDING'"])},
                CASE WHEN c.g % 20 = 0 THEN 3 WHEN c.g % 20 < 4 THEN 2 ELSE 1 END,
                CASE WHEN {is_open} THEN {pick('c.g / 10', quoted(['RECEIVED', 'ACKNOWLEDGED', 'INVESTIGATING',
                                                                   'PLAN_PROPOSED', 'PLAN_APPROVED', 'IN_PROGRESS',
                                                                   'RESOLVED', 'CONFIRMED']))}
                     WHEN c.g % 37 = 0 THEN 'VOIDED' ELSE 'CLOSED' END,
                CASE WHEN c.g % 5 < 3 THEN staff.id END,
                CASE WHEN c.g % 50 = 0 THEN staff.id END,
                CASE WHEN c.g % {m} = 0 THEN {m} ELSE c.g % {m} END,
                (c.g % 30 + 1) || '栋' || {pick('c.g / 30', quoted(DESCRIPTION_PLACES))}
                    || {pick('c.g / 7', quoted(DESCRIPTION_PROBLEMS))} || '，'
                    || {pick('c.g / 11', quoted(DESCRIPTION_REQUESTS))}
                    || CASE WHEN c.g % 5000 = 77 THEN '，闻到{RARE_TERM}的气味' ELSE '' END,
                false, {received}, {d.moment(f'c.r * {step} + 3600')},
                CASE WHEN NOT ({is_open}) THEN {d.moment(f'c.r * {step} + 172800')} END,
                CASE WHEN NOT ({is_open}) AND c.g % 37 <> 0 THEN {d.moment(f'c.r * {step} + 432000')} END,
                CASE WHEN NOT ({is_open}) AND c.g % 37 = 0 THEN {d.moment(f'c.r * {step} + 7200')} END,
                CASE WHEN {is_open} THEN {d.moment('(c.g % 120 - 2) * 3600', base='now')} END,
                CASE WHEN {is_open} AND c.g % 5 = 0 THEN {d.moment(f'c.r * {step} + 86400')} END,
                {received}, 1
            FROM c CROSS JOIN offices CROSS JOIN staff CROSS JOIN categories
            WHERE offices.o = c.o AND staff.o = c.o AND staff.slot = c.g % {CS_PER_OFFICE}
              AND categories.k = (c.g / 7) % {len(categories)}""",
        """INSERT INTO complaint_event (complaint_id, at, actor_id, kind, from_status, to_status, from_tier, to_tier,
               note, version)
           SELECT id, received_at, assignee_id, 'REGISTERED', NULL, 'RECEIVED', NULL, 1, '', 1 FROM complaint""",
        """INSERT INTO complaint_event (complaint_id, at, actor_id, kind, from_status, to_status, from_tier, to_tier,
               note, version)
           SELECT id, COALESCE(closed_at, voided_at, acknowledged_at), assignee_id,
                  CASE status WHEN 'CLOSED' THEN 'CLOSED' WHEN 'VOIDED' THEN 'VOIDED' ELSE 'ACKNOWLEDGED' END,
                  'RECEIVED', status, 1, tier, '', 2
           FROM complaint""",
        """INSERT INTO complaint_deadline (complaint_id, kind, starts_at, due_at, escalates, met_at)
           SELECT id, 'ACKNOWLEDGE', received_at, received_at, false, acknowledged_at
           FROM complaint WHERE next_due_at IS NOT NULL""",
        """INSERT INTO complaint_deadline (complaint_id, kind, starts_at, due_at, escalates, met_at)
           SELECT id, 'RESOLUTION', received_at, next_due_at, true, NULL
           FROM complaint WHERE next_due_at IS NOT NULL""",
        # Notifications: the open cases' to their office's supervisor, half of them read; one in
        # ten closed cases' too, read.
        f"""WITH {ctes['offices']}, {ctes['supervisors']}
            INSERT INTO notification (user_id, complaint_id, kind, deadline_kind, created_at, read_at)
            SELECT supervisors.id, complaint.id, CASE WHEN overdue_since IS NULL THEN 'REMINDER' ELSE 'OVERDUE' END,
                   'RESOLUTION', received_at,
                   CASE WHEN next_due_at IS NULL OR complaint.id % 2 = 0 THEN received_at END
            FROM complaint JOIN offices ON offices.id = complaint.office_id
                           JOIN supervisors ON supervisors.o = offices.o
            WHERE complaint.next_due_at IS NOT NULL OR complaint.id % 10 = 0""",
    ]
    with bulk_load(db) as load:
        for statement in statements:
            load.timed(statement.split("INSERT INTO ")[1].split()[0], lambda sql=statement: db.session.execute(sa.text(sql)))
        if d.pg:
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('complainant', 'id'), {m})"))
        db.session.commit()
    analyse(db)


class bulk_load:
    """Set the filled tables' secondary indexes and triggers aside while loading, and rebuild
    them after (the usual way to bulk-load; the schema ends exactly as the migrations made it)."""

    def __init__(self, db):
        self.db = db
        self.pg = db.engine.dialect.name == "postgresql"
        self.phases = []

    def timed(self, phase: str, step) -> None:
        started = time.perf_counter()
        step()
        self.phases.append(f"{phase} {time.perf_counter() - started:.0f} s")

    def __enter__(self):
        session = self.db.session
        names = ", ".join(f"'{t}'" for t in FILLED)
        if self.pg:
            self.saved = session.execute(sa.text(
                f"""SELECT i.indexname, i.indexdef FROM pg_indexes i
                    WHERE i.schemaname = current_schema() AND i.tablename IN ({names})
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""")).all()
            for name, _sql in self.saved:
                session.execute(sa.text(f'DROP INDEX "{name}"'))
            session.execute(sa.text("SET maintenance_work_mem = '256MB'"))
        else:
            self.saved = session.execute(sa.text(
                f"""SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
                    AND tbl_name IN ({names})""")).all()
            for name, sql in self.saved:
                kind = "TRIGGER" if sql.lstrip().upper().startswith("CREATE TRIGGER") else "INDEX"
                session.execute(sa.text(f'DROP {kind} "{name}"'))
            session.execute(sa.text("PRAGMA synchronous = OFF"))
        session.commit()
        return self

    def __exit__(self, failed, *exc):
        from app.core import search

        session = self.db.session
        if failed:
            session.rollback()
        started = time.perf_counter()
        for _name, sql in self.saved:
            session.execute(sa.text(sql))
        if not self.pg:
            # The search tables index what the triggers would have added.
            search.rebuild_sqlite_tables(session)
        session.commit()
        if not self.pg:
            session.execute(sa.text("PRAGMA synchronous = FULL"))
            session.commit()
        self.phases.append(f"indexes and search tables {time.perf_counter() - started:.0f} s")
        print("  fill phases: " + ", ".join(self.phases), flush=True)


def analyse(db) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


# ---------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------

def bench_world(db) -> dict:
    """What the pages need: a recent open case of office B00, unused category, offices."""
    office = db.session.scalar(sa.text("SELECT id FROM office WHERE code = 'B00'"))
    case = db.session.scalar(sa.text(
        "SELECT id FROM complaint WHERE office_id = :o AND next_due_at IS NOT NULL ORDER BY received_at DESC LIMIT 1"),
        {"o": office})
    unused = db.session.scalar(sa.text("SELECT id FROM category WHERE code = 'NEIGHBOUR'"))
    phone = db.session.scalar(sa.text("SELECT phone FROM complainant WHERE office_id = :o ORDER BY id LIMIT 1"),
                              {"o": office})
    return {"office": office, "case": case, "unused_category": unused, "phone_part": phone[3:10]}


def pages() -> list[tuple[str, str, str]]:
    """(page kind, who, address) of every page measured; {names} come from bench_world."""
    return [
        ("list", "supervisor", "/complaints/list/"),
        ("list", "general manager", "/complaints/list/"),
        ("filtered list: received", "supervisor", "/complaints/list/?_flt_0_status=RECEIVED"),
        ("filtered list: voided", "supervisor", "/complaints/list/?_flt_0_status=VOIDED"),
        ("filtered list: overdue", "supervisor", "/complaints/list/?_flt_0_overdue_since=1"),
        ("filtered list: overdue", "general manager", "/complaints/list/?_flt_0_overdue_since=1"),
        ("filtered list: emergencies", "general manager", "/complaints/list/?_flt_0_urgency=EMERGENCY"),
        ("filtered list: matching nothing", "supervisor", "/complaints/list/?_flt_0_category={unused_category}"),
        ("filtered list: matching nothing", "general manager", "/complaints/list/?_flt_0_category={unused_category}"),
        ("last page offered (rows 9,976+)", "general manager", "/complaints/list/?page_ComplaintView=399"),
        ("my queue", "customer service", "/queue/list/"),
        ("my queue", "supervisor", "/queue/list/"),
        ("my queue", "general manager", "/queue/list/"),
        ("dashboard", "customer service", "/"),
        ("dashboard", "supervisor", "/"),
        ("dashboard", "general manager", "/"),
        ("detail", "supervisor", "/complaints/show/{case}"),
        ("notifications", "supervisor", "/notifications/list/"),
        ("search description: rare term", "general manager", f"/complaints/list/?_flt_2_description={RARE_TERM}"),
        ("search description: common term", "supervisor", "/complaints/list/?_flt_2_description=物业费"),
        ("search description: 2 characters", "supervisor", "/complaints/list/?_flt_2_description=漏水"),
        ("search complainant: phone digits", "general manager", "/complaints/list/?_flt_0_complainant_phone={phone_part}"),
    ]


USERS = {"customer service": "bench_cs0_0", "supervisor": "bench_sup0", "general manager": "bench_gm"}


class Site:
    """One app, its engine and a signed-in client per role, counting the statements it runs."""

    def __init__(self, app, world):
        from app.core.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.world, self.clients, self.statements = world, {}, []
        for who, username in USERS.items():
            client = app.test_client()
            response = client.post("/login/", data={"username": username, "password": PASSWORD})
            assert response.status_code == 302, f"login of {username} failed"
            self.clients[who] = client
        sa.event.listen(self.engine, "before_cursor_execute",
                        lambda conn, cursor, statement, parameters, *rest: self.statements.append((statement, parameters)))

    def get(self, who: str, url: str) -> float:
        started = time.perf_counter()
        status = self.clients[who].get(url).status_code
        elapsed = time.perf_counter() - started
        assert status == 200, f"{url} answered {status}"
        return elapsed

    def issued(self, who: str, url: str) -> list:
        self.statements.clear()
        self.get(who, url)
        return list(self.statements)


def measure(apps: dict, repeat: int) -> dict:
    """Per page: the median request time at each size, measured in turns (one request at each
    size, then again), so that a slower moment of the machine weighs on every size alike."""
    sites = {n: Site(app, world) for n, (app, world) in apps.items()}
    results = {}
    for kind, who, url in pages():
        times, issued = {n: [] for n in sites}, {}
        for n, site in sites.items():
            site.get(who, url.format(**site.world))
            issued[n] = site.issued(who, url.format(**site.world))
        for _ in range(repeat):
            for n, site in sites.items():
                times[n].append(site.get(who, url.format(**site.world)))
        results[(kind, who)] = {n: {"median": statistics.median(times[n]), "sql": issued[n]} for n in sites}
    for n, site in sites.items():
        detail = results[("detail", "supervisor")][n]
        detail["raw"] = raw_sql_time(site.engine, detail["sql"], repeat)
    return results


def raw_sql_time(engine, statements, repeat: int) -> float:
    """Median time of running the same statements by hand (DBAPI cursor, all rows fetched)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        times = []
        for _ in range(repeat + 2):
            started = time.perf_counter()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                if cursor.description:
                    cursor.fetchall()
            times.append(time.perf_counter() - started)
        connection.rollback()
        return statistics.median(times[2:])
    finally:
        connection.close()


def report(kind: str, sizes, results) -> None:
    name = {"pg": "PostgreSQL", "sqlite": "SQLite"}[kind]
    small, large = sizes[0], sizes[-1]
    print(f"\n{name}: median per request in ms (statements per request); ratio = {large:,} / {small:,}")
    print(f"{'page':<34} {'who':<17} {f'{small:,}':>13} {f'{large:,}':>14} {'ratio':>6}")
    for (page, who), by_size in results.items():
        a, b = by_size[small], by_size[large]
        print(f"{page:<34} {who:<17} {a['median'] * 1000:7.1f} ({len(a['sql']):2d}) {b['median'] * 1000:8.1f} "
              f"({len(b['sql']):2d}) {b['median'] / a['median']:6.2f}")
    for n in sizes:
        detail = results[("detail", "supervisor")][n]
        print(f"detail page at {n:,}: {detail['median'] * 1000:.1f} ms per request; its {len(detail['sql'])} "
              f"statements run by hand: {detail['raw'] * 1000:.1f} ms")


def searches(kind: str, prepared, n: int, repeat: int) -> None:
    """Each search's count of matches from the index against the scan it replaces, raw SQL."""
    from app.complaints.models import Complainant, Complaint
    from app.core import search

    app, world = prepared
    with app.app_context():
        from app.core.extensions import db

        engine, dialect = db.engine, db.engine.dialect.name
    people = [Complainant.name, Complainant.phone, Complainant.room]
    cases = [
        ("description", RARE_TERM, Complaint.__table__, [Complaint.description]),
        ("description", "物业费", Complaint.__table__, [Complaint.description]),
        ("complainant", world["phone_part"], Complainant.__table__, people),
        ("complainant", "3栋2单元", Complainant.__table__, people),
    ]
    print(f"\nsubstring search at {n:,} ({kind}), count of matching rows, raw SQL, median ms:")
    with engine.connect() as connection:
        for what, term, table, columns in cases:
            indexed = sa.select(sa.func.count()).select_from(table).where(search.contains(dialect, table, columns, term))
            scanned = sa.select(sa.func.count()).select_from(table).where(search.scan_clause(columns, term))
            found = connection.scalar(indexed)
            assert found == connection.scalar(scanned)
            index_ms = timed(lambda q=indexed: connection.scalar(q), repeat)
            if dialect == "postgresql":  # the scan the index replaces
                connection.exec_driver_sql("SET enable_bitmapscan = off")
                connection.exec_driver_sql("SET enable_indexscan = off")
            scan_ms = timed(lambda q=scanned: connection.scalar(q), max(3, repeat // 5))
            if dialect == "postgresql":
                connection.exec_driver_sql("RESET enable_bitmapscan")
                connection.exec_driver_sql("RESET enable_indexscan")
            print(f"  {what} contains {term!r}: {found:,} rows; index {index_ms:.1f}, sequential scan {scan_ms:.1f}, "
                  f"{scan_ms / index_ms:.0f}x")
        connection.rollback()


def timed(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


if __name__ == "__main__":
    main()
