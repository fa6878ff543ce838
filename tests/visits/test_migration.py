"""The visits migration keeps what cases recorded before visits had records of their own: a
free-text return visit becomes a completed visit with that text, and a return-visit deadline
still running becomes a planned visit due at the same time — on SQLite and PostgreSQL alike."""
from datetime import datetime

import flask_migrate
import sqlalchemy as sa

from app.core.extensions import db

BEFORE_VISITS = "ed2113d3aee0"


def run(sql, **params):
    db.session.execute(sa.text(sql), params)


def add_case(case_id, status, resolved_at=None, return_visited_at=None):
    run("INSERT INTO complaint (id, case_number, office_id, channel, category_id, urgency, validity, tier, status,"
        " complainant_id, description, on_the_spot, received_at, resolved_at, return_visited_at, updated_at, version,"
        " next_due_at)"
        " VALUES (:id, :number, 1, 'PHONE', 1, 'GENERAL', 'PENDING', 1, :status, 1, '电梯停在8楼', false,"
        " :received, :resolved, :visited, :received, 3, :due)",
        id=case_id, number=f"BJ01-20261101-000{case_id}", status=status, received=datetime(2026, 11, 1, 2),
        resolved=resolved_at, visited=return_visited_at, due=datetime(2026, 11, 12, 16))


def test_free_text_return_visits_and_running_visit_deadlines_become_visit_records(empty_app):
    flask_migrate.downgrade(revision=BEFORE_VISITS)
    run("INSERT INTO office (id, code, name, households, active) VALUES (1, 'BJ01', '北京', 100, true)")
    run("INSERT INTO category (id, code, name, active) VALUES (1, 'REPAIR', '报修', true)")
    run("INSERT INTO complainant (id, office_id, name, room, phone) VALUES (1, 1, '王秀英', '5-801', '')")
    run("INSERT INTO ab_user (id, first_name, last_name, username, email, active)"
        " VALUES (7, '小燕', '张', 'bj_cs1', 'cs@example.com', true)")
    add_case(1, "CLOSED", datetime(2026, 11, 2, 2), return_visited_at=datetime(2026, 11, 4, 3))
    run("INSERT INTO complaint_event (complaint_id, at, actor_id, kind, note, version)"
        " VALUES (1, :at, 7, 'RETURN_VISIT', '电话回访,业主满意', 3)", at=datetime(2026, 11, 4, 3))
    add_case(2, "RESOLVED", datetime(2026, 11, 5, 2))
    run("INSERT INTO complaint_deadline (complaint_id, kind, starts_at, due_at, remind_at, escalates, breached_at)"
        " VALUES (2, 'RETURN_VISIT', :start, :due, :remind, false, :breached)",
        start=datetime(2026, 11, 5, 2), due=datetime(2026, 11, 12, 16), remind=datetime(2026, 11, 12, 14),
        breached=datetime(2026, 11, 12, 16))
    add_case(3, "RESOLVED", datetime(2026, 11, 5, 2))  # no return visit at all: nothing to migrate
    db.session.commit()
    db.session.remove()

    flask_migrate.upgrade()

    visits = db.session.execute(sa.text(
        "SELECT complaint_id, kind, status, visitor_id, resident_view, confirmation, visited_at, completed_at,"
        " due_at, overdue_at, version FROM visit ORDER BY complaint_id")).mappings().all()
    assert [(v["complaint_id"], v["kind"], v["status"]) for v in visits] == [
        (1, "CASE", "COMPLETED"), (2, "CASE", "PLANNED")]
    noted, due = visits
    assert (noted["visitor_id"], noted["resident_view"], noted["confirmation"]) == (7, "电话回访,业主满意", "LEGACY_NOTE")
    assert str(noted["completed_at"]).startswith("2026-11-04 03:00")
    assert str(due["due_at"]).startswith("2026-11-12 16:00") and str(due["overdue_at"]).startswith("2026-11-12 16:00")
    events = db.session.execute(sa.text("SELECT kind FROM visit_event ORDER BY visit_id")).scalars().all()
    assert events == ["RECORDED", "PLANNED"]
    # The visit keeps the deadline now: the case's own row no longer runs, and its summary says so.
    assert db.session.scalar(sa.text("SELECT cancelled_at FROM complaint_deadline WHERE complaint_id = 2")) is not None
    assert db.session.scalar(sa.text("SELECT next_due_at FROM complaint WHERE id = 2")) is None
    assert db.session.scalar(sa.text("SELECT dissatisfied_visits FROM complaint WHERE id = 1")) == 0
    db.session.remove()

    flask_migrate.downgrade(revision=BEFORE_VISITS)
    # Back again: the running deadline is the case's once more; the note stays on the case.
    assert db.session.scalar(sa.text("SELECT cancelled_at FROM complaint_deadline WHERE complaint_id = 2")) is None
    assert db.session.scalar(sa.text("SELECT return_visited_at FROM complaint WHERE id = 1")) is not None
    db.session.remove()
    flask_migrate.upgrade()
