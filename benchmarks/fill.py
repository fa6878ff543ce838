"""A company at scale for the benchmarks, filled in SQL on PostgreSQL.

Ten offices with a supervisor and two customer-service staff each, a general manager,
complainants, and N complaints received over three years — each at its own moment, the newest
ones still open — with their deadlines, events and notifications. The data is in the state the
sweep leaves it at the fill's moment `now`: every deadline due before then met or flagged (with
its event and notifications), every reminder due sent, valid complaints open for a month
already major. A share of the open cases' resolution deadlines falls due within `window`
after `now`: a sweep at `now` is idle, a sweep at `now + window` is a burst (the scheduler was
down for that long).

Sequences are moved past the explicit ids and the case-number counters past the numbers used,
so registering a case after a fill works like on any day.

    from benchmarks.fill import filled_app
    app, info = filled_app(url, "fill_1000000", complaints=1_000_000, open_cases=300_000)
"""
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

OFFICES = 10
PASSWORD = "bench-pass-2026"
SPAN = timedelta(days=3 * 365)  # received times spread over three years before now
WINDOW = timedelta(hours=1)  # the burst: resolution deadlines falling due after now
LATE_EVERY = 10  # one open case in LATE_EVERY has its resolution deadline in the window


@dataclass
class Fill:
    now: datetime  # the steady state's moment (aware UTC)
    window: timedelta
    complaints: int
    open_cases: int
    span: timedelta = SPAN
    seconds: float = 0.0

    @property
    def burst_at(self) -> datetime:
        return self.now + self.window


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database `url` names when it is missing (a fresh machine has only
    its default ones), connecting to the server's maintenance database to do it."""
    server, name = url.split("?")[0].rsplit("/", 1)
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}):
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def schema_url(url: str, schema: str) -> str:
    return f"{url}?options=-csearch_path%3D{schema}"


def schema_app(url: str, schema: str, fresh: bool = True, **config):
    """The app on `schema` of the PostgreSQL at `url` (the database created when missing). A
    fresh schema is made empty, brought to the migration head and given the app's set-up; an
    existing one (a fill kept by --keep) is brought to the head only."""
    import flask_migrate

    from app.setup import initialise

    ensure_database(url)
    if fresh:
        drop(url, schema)
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
    app = _app(url, schema, config)
    with app.app_context():
        flask_migrate.upgrade()
        if fresh:
            initialise()
    return app


def filled_app(url: str, schema: str, complaints: int, open_cases: int, reuse: bool = False, span: timedelta = SPAN,
               **config):
    """The app on `schema` of the PostgreSQL at `url`, filled unless `reuse` finds a fill of
    the same size there; the cases were received over `span`. Returns (app, Fill)."""
    ensure_database(url)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if reuse and conn.scalar(sa.text("SELECT to_regclass(:t)"), {"t": f"{schema}.bench_fill"}):
            found = conn.execute(sa.text(f"SELECT now_utc, window_s, complaints, open_cases FROM {schema}.bench_fill")).one()
            if (found.complaints, found.open_cases) == (complaints, open_cases):
                admin.dispose()
                return schema_app(url, schema, fresh=False, **config), Fill(
                    found.now_utc.replace(tzinfo=UTC), timedelta(seconds=found.window_s), complaints, open_cases)
    admin.dispose()
    app = schema_app(url, schema, **config)
    from app.core import clock
    from app.core.extensions import db

    with app.app_context():
        started = time.perf_counter()
        info = Fill(clock.now().replace(second=0, microsecond=0), WINDOW, complaints, open_cases, span)
        fill(db, info)
        info.seconds = time.perf_counter() - started
        db.session.remove()
    return app, info


def drop(url: str, schema: str) -> None:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


def _app(url, schema, config):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": schema_url(url, schema), **config})


def staff_names() -> dict:
    """Login names by role: supervisors and customer service per office, the general manager."""
    return {"supervisors": [f"bench_sup{i}" for i in range(OFFICES)],
            "customer_service": [f"bench_cs{i}{x}" for i in range(OFFICES) for x in "ab"],
            "general_manager": ["bench_gm"]}


def fill(db, info: Fill) -> None:
    from flask import current_app

    from app.core.models import Office
    from app.core.permissions import (
        ROLE_CUSTOMER_SERVICE,
        ROLE_GENERAL_MANAGER,
        ROLE_SUPERVISOR,
    )

    sm = current_app.appbuilder.sm
    offices = [Office(code=f"B{i:02d}", name=f"基准管理处{i:02d}", households=20000) for i in range(OFFICES)]
    db.session.add_all(offices)
    db.session.flush()
    sm.add_user("bench_gm", "总经理", "基准", "bench_gm@example.com", sm.find_role(ROLE_GENERAL_MANAGER),
                password=PASSWORD)
    for i, office in enumerate(offices):
        for name, role in ((f"bench_sup{i}", ROLE_SUPERVISOR), (f"bench_cs{i}a", ROLE_CUSTOMER_SERVICE),
                           (f"bench_cs{i}b", ROLE_CUSTOMER_SERVICE)):
            user = sm.add_user(name, name, "基准", f"{name}@example.com", sm.find_role(role), password=PASSWORD)
            office.staff.append(db.session.merge(user))
    db.session.commit()
    now = info.now.astimezone(UTC).replace(tzinfo=None)
    n = info.complaints
    params = {
        "now": now, "n": n, "open": info.open_cases, "window": info.window.total_seconds(),
        "step": info.span.total_seconds() / n, "month": major_cutoff(info.now), "late": LATE_EVERY,
        "per_office": max(1, n // 3 // OFFICES), "zone": current_app.config["TIME_ZONE"],
    }
    for statement in FILL:
        db.session.execute(sa.text(statement), params)
    db.session.execute(sa.text("CREATE TABLE bench_fill (now_utc timestamp, window_s float, complaints int, "
                               "open_cases int)"))
    db.session.execute(sa.text("INSERT INTO bench_fill VALUES (:now, :window, :n, :open)"), params)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def major_cutoff(now: datetime) -> datetime:
    """Cases received up to this moment (naive UTC) are a month old at `now` (the one-month rule)."""
    from dateutil.relativedelta import relativedelta

    from app.core import clock

    return (clock.local(now) - relativedelta(months=1)).astimezone(UTC).replace(tzinfo=None)


FILL = [
    # Staff by office: the two customer-service members and the supervisor.
    """CREATE TEMP TABLE fill_office ON COMMIT DROP AS
       SELECT o.id, o.code, row_number() OVER (ORDER BY o.code) - 1 AS idx,
              (SELECT u.id FROM ab_user u WHERE u.username = 'bench_cs' || substr(o.code, 3) || 'a') AS cs_a,
              (SELECT u.id FROM ab_user u WHERE u.username = 'bench_cs' || substr(o.code, 3) || 'b') AS cs_b,
              (SELECT u.id FROM ab_user u WHERE u.username = 'bench_sup' || substr(o.code, 3)) AS sup
       FROM office o WHERE o.code LIKE 'B%'""",
    # Complainants: a third as many as cases, each of one office (id - 1 modulo the offices).
    """INSERT INTO complainant (id, office_id, name, room, phone)
       SELECT c, o.id, (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + c % 8] || (ARRAY['先生','女士'])[1 + c % 2],
              (1 + c % 30) || '栋' || (1 + c % 4) || '单元' || (101 + c % 1800), '13' || lpad((c::bigint * 7919 % 1000000000)::text, 9, '0')
       FROM generate_series(1, :per_office * 10) AS c JOIN fill_office o ON o.idx = (c - 1) % 10""",
    # One row per case with everything derived from its number g: g = 1 is the oldest; the
    # newest :open are open. Received times strictly increase with g (jitter below one step).
    """CREATE TEMP TABLE fill_case ON COMMIT DROP AS
       SELECT g, o.id AS office_id, o.code AS office_code, b.received, b.open, b.status, b.validity,
              b.tier, b.grade,
              CASE WHEN b.tier = 1 THEN CASE WHEN g % 2 = 0 THEN o.cs_a ELSE o.cs_b END
                   WHEN b.tier = 2 THEN o.sup END AS assignee_id,
              o.cs_a AS registrar_id, o.sup AS supervisor_id,
              1 + o.idx + 10 * ((g / 10 * 7) % :per_office) AS complainant_id,
              b.received + (1 + g % 96) * interval '1 hour' AS resolved_at,
              -- first feedback: met, missed (one open case in ten whose 24 hours are over) or running
              CASE WHEN NOT b.open THEN 'met'
                   WHEN g % 10 = 3 AND b.received + interval '24 hours' <= :now THEN 'missed'
                   WHEN b.received + interval '6 hours' <= :now THEN 'met' ELSE 'running' END AS feedback,
              CASE WHEN NOT b.open THEN b.received + interval '7 days'
                   WHEN g % :late = 0
                        THEN :now + (1 + g::bigint * 7919 % 1000003) / 1000004.0 * :window * interval '1 second'
                   ELSE greatest(b.received + interval '7 days',
                                 :now + :window * interval '1 second' + (g::bigint * 7919 % 604800) * interval '1 second')
              END AS resolution_due
       FROM generate_series(1, :n) AS g
       JOIN fill_office o ON o.idx = g % 10
       CROSS JOIN LATERAL (
           SELECT r.received, r.open, r.status, r.validity, r.major,
                  CASE WHEN r.major OR r.grade = 'MAJOR' THEN 3 WHEN r.grade = 'IMPORTANT' OR g % 17 = 0 THEN 2
                       ELSE 1 END AS tier,
                  CASE WHEN r.major THEN 'MAJOR' ELSE r.grade END AS grade
           FROM (SELECT q.*, q.open AND q.validity = 'VALID' AND q.received <= :month AS major
                 FROM (SELECT p.*,
                              CASE WHEN p.open AND p.received + interval '30 minutes' > :now THEN 'RECEIVED'
                                   WHEN p.open THEN (ARRAY['ACKNOWLEDGED','INVESTIGATING','PLAN_PROPOSED',
                                                           'PLAN_APPROVED','IN_PROGRESS'])[1 + g % 5]
                                   WHEN g % 20 = 0 THEN 'VOIDED' WHEN g % 20 IN (1, 2) THEN 'RESOLVED'
                                   WHEN g % 20 = 3 THEN 'CONFIRMED' ELSE 'CLOSED' END AS status,
                              CASE WHEN p.open THEN (ARRAY['PENDING','PENDING','VALID','INVALID'])[1 + g % 4]
                                   WHEN g % 20 = 0 OR g % 5 >= 3 THEN 'INVALID' ELSE 'VALID' END AS validity,
                              CASE WHEN p.open THEN (ARRAY['MINOR', NULL, NULL, 'IMPORTANT'])[1 + g / 3 % 4]
                                   ELSE (ARRAY['MINOR','MINOR','MINOR','IMPORTANT','IMPORTANT','MAJOR', NULL])[1 + g % 7]
                              END AS grade
                       FROM (SELECT :now - (:n - g + (g::bigint * 7919 % 997) / 1000.0) * :step * interval '1 second'
                                    AS received,
                                    g > :n - :open AS open) AS p) AS q) AS r) AS b""",
    "CREATE INDEX ON fill_case (g)",
    # Case numbers per office and local day, as the workflow gives them.
    """INSERT INTO complaint (id, case_number, office_id, channel, category_id, urgency, grade, validity, tier, status,
           assignee_id, complainant_id, description, on_the_spot, received_at, acknowledged_at, first_feedback_at,
           resolved_at, closed_at, voided_at, void_reason, resolution, escalated_at, return_visited_at, next_due_at,
           overdue_since, created_by_id, updated_at, version)
       SELECT f.g, f.office_code || '-' || to_char(d.day, 'YYYYMMDD') || '-'
                  || lpad((row_number() OVER (PARTITION BY f.office_id, d.day ORDER BY f.received))::text, 4, '0'),
           f.office_id, (ARRAY['PHONE','WALK_IN','LETTER','MAILBOX','EMAIL','WECHAT','WEBSITE','RETURN_VISIT','SURVEY',
                               'REFERRAL'])[1 + f.g / 3 % 10],
           (SELECT array_agg(id ORDER BY id) FROM category)[1 + f.g / 7 % (SELECT count(*) FROM category)],
           CASE WHEN f.g % 13 = 0 THEN 'EMERGENCY' ELSE 'GENERAL' END, f.grade, f.validity, f.tier, f.status,
           f.assignee_id, f.complainant_id,
           (ARRAY['5栋电梯停在8楼不动,业主被困', '楼道灯不亮,晚上回家很不方便', '地下车库有积水,车辆无法通行',
                  '楼上装修噪音太大,中午也不停', '小区门口垃圾堆放多日无人清理', '物业人员态度恶劣,不回应诉求',
                  '家中水管漏水,疑似楼上渗漏', '绿化带被占用停车,多次反映无果'])[1 + f.g % 8],
           false, f.received, CASE WHEN f.status <> 'RECEIVED' THEN f.received + interval '30 minutes' END,
           CASE WHEN f.feedback = 'met' THEN f.received + interval '6 hours' END,
           CASE WHEN NOT f.open AND f.status <> 'VOIDED' THEN f.resolved_at END,
           CASE WHEN f.status = 'CLOSED' THEN f.resolved_at + interval '2 days' END,
           CASE WHEN f.status = 'VOIDED' THEN f.received + interval '1 hour' END,
           CASE WHEN f.status = 'VOIDED' THEN '重复登记' END,
           CASE WHEN NOT f.open AND f.status <> 'VOIDED' THEN '已处理完毕,业主认可' END,
           CASE WHEN f.tier > 1 THEN least(f.received + interval '3 days', :now) END,
           CASE WHEN f.status = 'CLOSED' AND f.g % 10 < 7 THEN f.resolved_at + interval '3 days' END,
           CASE WHEN f.open THEN least(CASE WHEN f.feedback = 'running' THEN f.received + interval '24 hours' END,
                                       CASE WHEN f.received + interval '30 minutes' > :now
                                            THEN f.received + interval '24 hours' END, f.resolution_due) END,
           CASE WHEN f.feedback = 'missed' THEN f.received + interval '24 hours' END,
           f.registrar_id, least(f.received + interval '3 days', :now), CASE WHEN f.open THEN 3 ELSE 7 END
       FROM fill_case f
       CROSS JOIN LATERAL (SELECT (f.received AT TIME ZONE 'UTC' AT TIME ZONE :zone)::date AS day) AS d""",
    """INSERT INTO case_counter (office_id, day, last)
       SELECT office_id, to_date(split_part(case_number, '-', 2), 'YYYYMMDD'), max(split_part(case_number, '-', 3)::int)
       FROM complaint GROUP BY 1, 2""",
    # Deadlines: receipt, first feedback and resolution for every case, the return visit of
    # closed ones. Reminders due before now were sent; missed ones were flagged a little after.
    """CREATE TEMP TABLE fill_policy ON COMMIT DROP AS
       SELECT kind, min(id) AS id FROM deadline_policy
       WHERE office_id IS NULL AND category_id IS NULL AND urgency IS NULL AND grade IS NULL GROUP BY kind""",
    """INSERT INTO complaint_deadline (complaint_id, kind, policy_id, starts_at, due_at, remind_at, escalates, met_at,
           reminded_at, breached_at)
       SELECT x.g, x.kind, (SELECT id FROM fill_policy p WHERE p.kind = x.kind), x.starts, x.due,
              CASE WHEN x.due - interval '2 hours' > x.starts THEN x.due - interval '2 hours' END, x.kind = 'RESOLUTION',
              x.met, CASE WHEN x.met IS NULL AND x.due - interval '2 hours' > x.starts
                          AND x.due - interval '2 hours' <= :now THEN x.due - interval '2 hours' END,
              x.breached
       FROM (SELECT f.g, k.kind, f.received AS starts,
                    CASE k.kind WHEN 'RESOLUTION' THEN f.resolution_due WHEN 'RETURN_VISIT' THEN f.resolved_at + interval '7 days'
                         ELSE f.received + interval '24 hours' END AS due,
                    CASE k.kind WHEN 'ACKNOWLEDGE' THEN CASE WHEN f.status <> 'RECEIVED' OR NOT f.open
                                                             THEN f.received + interval '30 minutes' END
                                WHEN 'FIRST_FEEDBACK' THEN CASE WHEN f.feedback = 'met' THEN f.received + interval '6 hours' END
                                WHEN 'RESOLUTION' THEN CASE WHEN NOT f.open THEN f.resolved_at END
                                ELSE f.resolved_at + interval '3 days' END AS met,
                    CASE WHEN k.kind = 'FIRST_FEEDBACK' AND f.feedback = 'missed'
                         THEN f.received + interval '24 hours 30 seconds' END AS breached
             FROM fill_case f CROSS JOIN (VALUES ('ACKNOWLEDGE'), ('FIRST_FEEDBACK'), ('RESOLUTION'), ('RETURN_VISIT')) AS k(kind)
             WHERE k.kind <> 'RETURN_VISIT' OR f.status IN ('CLOSED', 'CONFIRMED')
             ORDER BY f.g, k.kind) AS x""",
    # Events: registration, closing, and each missed deadline.
    """INSERT INTO complaint_event (complaint_id, at, actor_id, kind, from_status, to_status, from_tier, to_tier, note,
           version)
       SELECT g, received, registrar_id, 'REGISTERED', NULL, 'RECEIVED', NULL, 1, '', 1 FROM fill_case
       UNION ALL
       SELECT g, resolved_at + interval '2 days', supervisor_id, 'CLOSED', 'CONFIRMED', 'CLOSED', tier, tier, '', 7
       FROM fill_case WHERE status = 'CLOSED'
       UNION ALL
       SELECT g, received + interval '24 hours 30 seconds', NULL, 'DEADLINE_MISSED', status, status, tier, tier,
              'FIRST_FEEDBACK', 3
       FROM fill_case WHERE feedback = 'missed'
       ORDER BY 2""",
    # Notifications: the missed deadlines' (unread) and old reminders (read).
    """INSERT INTO notification (user_id, complaint_id, kind, deadline_kind, created_at, read_at)
       SELECT u, g, 'OVERDUE', 'FIRST_FEEDBACK', received + interval '24 hours 30 seconds', NULL
       FROM fill_case CROSS JOIN LATERAL (VALUES (assignee_id), (supervisor_id)) AS t(u)
       WHERE feedback = 'missed' AND u IS NOT NULL
       UNION ALL
       SELECT registrar_id, g, 'REMINDER', 'RESOLUTION', received + interval '5 days',
              received + interval '5 days 1 hour'
       FROM fill_case WHERE NOT open AND g % 4 = 0
       ORDER BY 5""",
    # Sequences past the explicit ids, so the next registration gets a fresh one.
    *[f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
      for table in ("complainant", "complaint", "complaint_deadline", "complaint_event", "notification")],
]
