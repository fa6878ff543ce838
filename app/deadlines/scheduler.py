"""APScheduler wiring for the deadline sweep (and the database's planner statistics).

APScheduler does not coordinate processes, so production runs it in a process of its own
(`flask --app run complaints scheduler`); each sweep also takes a database lock, so a second
scheduler by mistake does no harm. The embedded default runs it inside the web process."""
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.core.extensions import db
from app.core.statistics import refresh_statistics

from .sweep import SweepReport, sweep

log = logging.getLogger(__name__)


def run_sweep(app: Flask) -> SweepReport:
    """One sweep in a fresh app context and session."""
    with app.app_context():
        try:
            report = sweep(db.session)
        finally:
            db.session.remove()
    log.info("deadline sweep: %s", report)
    return report


def run_statistics(app: Flask) -> bool:
    """Refresh the database's planner statistics (SQLite; core.statistics)."""
    with app.app_context():
        try:
            return refresh_statistics(db.session)
        finally:
            db.session.remove()


def _add_job(scheduler, app: Flask) -> None:
    # The sweep catches up by itself (it reads due times), so missed runs are simply dropped.
    scheduler.add_job(run_sweep, "interval", args=[app], id="deadline-sweep",
                      seconds=app.config["SWEEP_INTERVAL_SECONDS"], max_instances=1, coalesce=True,
                      misfire_grace_time=None, replace_existing=True)
    scheduler.add_job(run_statistics, "interval", args=[app], id="database-statistics",
                      hours=app.config["STATISTICS_INTERVAL_HOURS"], max_instances=1, coalesce=True,
                      misfire_grace_time=None, replace_existing=True)


def start_in_process(app: Flask) -> BackgroundScheduler:
    """Start the sweep in a background thread of this process (embedded default only)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, app)
    scheduler.start()
    return scheduler


def run_forever(app: Flask) -> None:
    """Block, sweeping every SWEEP_INTERVAL_SECONDS (the scheduler process)."""
    scheduler = BlockingScheduler(timezone="UTC")
    _add_job(scheduler, app)
    run_sweep(app)  # catch up at once after downtime
    scheduler.start()
