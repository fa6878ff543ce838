"""`complaints init` is idempotent; `complaints demo` builds a world with cases in every state."""
import sqlalchemy as sa

from app.complaints.enums import Status
from app.complaints.models import Complaint, ComplaintEvent
from app.core.extensions import db
from app.core.permissions import DEFAULT_ROLE_PERMISSIONS


def test_init_can_run_again_without_changing_anything(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["complaints", "init"])
    second = runner.invoke(args=["complaints", "init"])
    assert first.exit_code == second.exit_code == 0
    assert "added: permissions 0, categories 0, deadline policies 0, calendar days 0" in second.output


def test_init_gives_each_role_its_default_permissions(app):
    sm = app.appbuilder.sm
    for role_name, grants in DEFAULT_ROLE_PERMISSIONS.items():
        have = {(pv.permission.name, pv.view_menu.name) for pv in sm.find_role(role_name).permissions}
        assert set(grants) <= have
    supervisor = {pv.permission.name for pv in sm.find_role("Supervisor").permissions}
    customer_service = {pv.permission.name for pv in sm.find_role("Customer Service").permissions}
    assert {"can_approve_plan", "can_close", "can_void"} <= supervisor - customer_service


def test_demo_builds_cases_in_every_state_through_the_workflow(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["complaints", "demo", "--count", "60"])
    assert result.exit_code == 0, result.output
    assert "demo data loaded: 60 complaints" in result.output
    assert "bj_cs1" in result.output and "bj_cs1-2026demo" in result.output
    states = set(db.session.scalars(sa.select(Complaint.status).distinct()))
    assert states == set(Status)
    # Every case has a history that starts with its registration.
    first_kinds = db.session.execute(sa.text(
        "SELECT kind FROM complaint_event e WHERE id = (SELECT MIN(id) FROM complaint_event "
        "WHERE complaint_id = e.complaint_id)")).scalars().all()
    # (and the one a resident raised at the demo's routine visit, linked to it)
    assert len(first_kinds) == 61 and set(first_kinds) == {"REGISTERED"}
    assert db.session.scalar(sa.text("SELECT count(*) FROM visit_raised_complaint")) == 1
    again = runner.invoke(args=["complaints", "demo"])
    assert "already loaded" in again.output
    assert db.session.scalar(sa.select(sa.func.count(ComplaintEvent.id))) > 60 * 2


def test_the_app_starts_in_a_fresh_process():
    """As `flask --app run …` and the web server start it: every module imported in the app's
    own order, with nothing imported beforehand (the tests import the models first)."""
    import subprocess
    import sys

    started = subprocess.run(
        [sys.executable, "-c", "from app import create_app; create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://'})"],
        capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr[-2000:]
