"""The screens' queries are served by indexes: each statement a page issues is explained on the
database the suite runs on. PostgreSQL plans with sequential scans and sorts turned off, so that
a plan still scanning the table or sorting its rows shows that no index could avoid it: no page
scans the complaint table or sorts it for a page of ids, and a trigram index answers substring
search (the grams' index one or two characters). SQLite never scans the table itself (a walk of an index cut short by LIMIT is the
lists' plan) and answers substring search from its FTS5 tables (trigrams; the grams' tables for
one or two characters)."""
import re

import pytest
import sqlalchemy as sa

from app.core.extensions import db
from app.core.statistics import refresh_statistics

# (who, page, the statements of the page to explain: their SQL contains this)
PAGES = [
    ("sup", "/complaints/list/", "FROM complaint"),
    ("gm", "/complaints/list/", "FROM complaint"),
    ("sup", "/complaints/list/?page_ComplaintView=3", "FROM complaint"),
    ("sup", "/complaints/list/?_flt_0_overdue_since=1", "FROM complaint"),
    ("sup", "/complaints/list/?_flt_0_status=VOIDED", "FROM complaint"),
    ("gm", "/complaints/list/?_flt_0_status=RECEIVED", "FROM complaint"),
    ("gm", "/complaints/list/?_flt_0_overdue_since=1", "FROM complaint"),
    ("cs", "/queue/list/", "FROM complaint"),
    ("sup", "/queue/list/", "FROM complaint"),
    ("gm", "/queue/list/", "FROM complaint"),
    ("cs", "/", "FROM complaint"),
    ("gm", "/", "FROM complaint"),
    ("sup", "/notifications/list/", "FROM notification"),
    ("gm", "/complaints/list/?_flt_2_description=电梯停在", "FROM complaint"),
    ("gm", "/complaints/list/?_flt_0_complainant_phone=1380000", "FROM complaint"),
    ("sup", "/complaints/list/?_flt_2_description=电梯", "FROM complaint"),
    ("gm", "/complaints/list/?_flt_0_complainant_phone=38", "FROM complaint"),
]


def explain(connection, statement, parameters) -> str:
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return "\n".join(row[0] for row in rows)
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return "\n".join(row[-1] for row in rows)


def page_statements(client, engine, url, table_text):
    client.get(url)
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    return [(s, p) for s, p in captured if table_text in s and not s.lstrip().upper().startswith("EXPLAIN")]


@pytest.fixture
def cases(new_case, world):
    made = [new_case(description=f"{i}号楼电梯停在{i}楼", complainant_phone=f"1380000{i:04d}") for i in range(6)]
    made += [new_case(office="SH01", by="sh_cs") for _ in range(3)]
    return made


def as_if_large(connection, factor=100_000):
    """SQLite: statistics of the tables as if each value of the test rows stood for `factor`
    rows (sqlite_stat1 may be written by hand; the planner reads it again after ANALYZE
    sqlite_schema), so that it plans as for a large company, not for a handful of rows."""
    connection.exec_driver_sql("ANALYZE")
    for table, index, stat in connection.exec_driver_sql("SELECT tbl, idx, stat FROM sqlite_stat1").all():
        numbers = [int(n) if n.isdigit() else n for n in stat.split()]
        scaled = [n * factor if isinstance(n, int) and (i == 0 or n > 1) else n for i, n in enumerate(numbers)]
        connection.exec_driver_sql("UPDATE sqlite_stat1 SET stat = ? WHERE tbl = ? AND idx IS ?",
                                   (" ".join(map(str, scaled)), table, index))
    connection.exec_driver_sql("ANALYZE sqlite_schema")
    connection.commit()


@pytest.mark.parametrize("who, url, table_text", PAGES)
def test_the_page_is_answered_from_indexes(client_for, web_app, cases, who, url, table_text):
    with web_app.app_context():
        engine = db.engine
    statements = page_statements(client_for(who), engine, url, table_text)
    assert statements
    table = table_text.split()[-1]
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            as_if_large(connection)
    with engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        for statement, parameters in statements:
            if postgresql:
                # Scanning the table and sorting its rows are only chosen when no index can
                # avoid them (a handful of test rows would otherwise make them look cheapest).
                connection.exec_driver_sql("SET enable_seqscan = off")
                connection.exec_driver_sql("SET enable_sort = off")
                connection.exec_driver_sql("SET enable_incremental_sort = off")
                plan = explain(connection, statement, parameters)
                assert f"Seq Scan on {table}" not in plan, plan
                if "ORDER BY" in statement and "LIMIT" in statement:
                    assert "Sort" not in plan, plan  # the page's ids come in index order
                if "ILIKE" in statement and "ORDER BY" not in statement:
                    # With only bitmap scans left, a trigram index answers the substring search,
                    # or for one or two characters the grams' index.
                    connection.exec_driver_sql("SET enable_indexscan = off")
                    connection.exec_driver_sql("SET enable_indexonlyscan = off")
                    plan = explain(connection, statement, parameters)
                    index = "_grams" if "app_grams(" in statement else "_trgm"
                    assert index in plan and "Seq Scan" not in plan, plan
                connection.exec_driver_sql("RESET ALL")
            else:
                plan = explain(connection, statement, parameters)
                # A walk of an index (SCAN … USING INDEX, cut short by LIMIT) or a search of one;
                # never the table itself.
                assert not re.search(rf"SCAN {table}$", plan, re.MULTILINE), plan
                if "ORDER BY" in statement and "LIMIT" in statement and "MATCH" not in statement:
                    assert "TEMP B-TREE FOR" not in plan, plan  # the page's ids come in index order
                if "MATCH" in statement:
                    assert "VIRTUAL TABLE INDEX" in plan, plan
        connection.rollback()


def test_statistics_are_refreshed_on_sqlite_and_left_to_autovacuum_on_postgresql(app, cases):
    refreshed = refresh_statistics(db.session)
    if db.engine.dialect.name != "sqlite":
        assert refreshed is False
        return
    assert refreshed is True
    analysed = set(db.session.scalars(sa.text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'complaint'")))
    assert {"ix_complaint_office_received", "ix_complaint_open_office_received"} <= analysed

