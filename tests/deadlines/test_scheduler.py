"""The scheduler runs the sweep on its interval; the sweep needs no request or user."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.complaints.enums import EventKind
from app.core import clock
from app.core.extensions import db
from app.deadlines.scheduler import run_sweep

from ..conftest import make_app

BEIJING = ZoneInfo("Asia/Shanghai")


def test_in_process_scheduler_sweeps_every_interval(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SCHEDULER_IN_PROCESS=True, SWEEP_INTERVAL_SECONDS=60)
    scheduler = app.extensions["deadline_scheduler"]
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        # The configured intervals, not a timing: nothing here waits or measures.
        assert set(jobs) == {"deadline-sweep", "database-statistics"}
        job = jobs["deadline-sweep"]
        assert job.trigger.interval == timedelta(minutes=1) and job.max_instances == 1
        assert jobs["database-statistics"].trigger.interval == timedelta(hours=6)
    finally:
        scheduler.shutdown(wait=False)


def test_a_sweep_outside_any_request_records_system_events(web_app, new_case, world, frozen_clock):
    frozen_clock(datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING))
    case = new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(datetime(2026, 11, 21, 10, 1, tzinfo=BEIJING))
    report = run_sweep(web_app)  # its own app context: no request, no g.user
    assert report.missed == 3
    db.session.expire_all()
    missed = [e for e in case.events if e.kind == EventKind.DEADLINE_MISSED]
    assert len(missed) == 3 and {e.actor_id for e in missed} == {None}
