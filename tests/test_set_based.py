"""Work that scales with the number of cases is done in SQL: the number of statements a sweep
or a list page issues does not grow with the number of cases."""
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.core import clock
from app.core.extensions import db
from app.deadlines.sweep import sweep

BEIJING = ZoneInfo("Asia/Shanghai")


@contextmanager
def counting_statements(engine):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def sweep_statements(new_case, world, how_many, day):
    clock.freeze(datetime(2026, 11, day, 10, 0, tzinfo=BEIJING))
    for _ in range(how_many):
        new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(datetime(2026, 11, day + 8, 10, 0, tzinfo=BEIJING))
    with counting_statements(db.engine) as statements:
        report = sweep(db.session)
    assert report.missed >= how_many * 4 and report.escalated >= how_many
    return len(statements)


def test_a_sweep_issues_as_many_statements_for_thirty_cases_as_for_two(new_case, world):
    few = sweep_statements(new_case, world, 2, 2)
    many = sweep_statements(new_case, world, 30, 12)
    assert many == few


def test_a_list_page_issues_as_many_statements_for_thirty_rows_as_for_two(cs_client, web_app, new_case):
    for _ in range(2):
        new_case()
    with web_app.app_context():
        engine = db.engine
    with counting_statements(engine) as statements:
        assert cs_client.get("/complaints/list/").status_code == 200
    few = len(statements)
    for _ in range(28):
        new_case()
    with counting_statements(engine) as statements:
        assert cs_client.get("/complaints/list/").status_code == 200
    assert len(statements) == few
