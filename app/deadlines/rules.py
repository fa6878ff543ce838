"""Due-time arithmetic every domain's deadlines share: when a limit that starts at a moment runs
out (minutes, hours, calendar days or working days on the company's calendar), and when its
reminder goes out."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, has_app_context

from app.core import clock

from .enums import DeadlineUnit as U
from .workdays import WorkCalendar


def setting(name, default):
    """A configuration value, or `default` outside an app context (scripts, unit tests)."""
    return current_app.config.get(name, default) if has_app_context() else default


def reminder_lead() -> timedelta:
    """How long before a deadline its reminder goes out (config DEADLINE_REMINDER_MINUTES)."""
    return timedelta(minutes=setting("DEADLINE_REMINDER_MINUTES", 120))


def due_after(start: datetime, amount: int, unit: U, calendar: WorkCalendar) -> datetime:
    """When a limit that starts at `start` runs out. Day limits end at local midnight after
    the last day, counted on the company's local dates."""
    if unit == U.MINUTES:
        return start + timedelta(minutes=amount)
    if unit == U.HOURS:
        return start + timedelta(hours=amount)
    local_day = clock.local(start).date()
    if unit == U.CALENDAR_DAYS:
        last_day = local_day + timedelta(days=amount)
    else:
        last_day = calendar.add_working_days(local_day, amount)
    return local_midnight_after(last_day)


def local_midnight_after(day) -> datetime:
    """The company's local midnight that ends `day`, as an aware UTC time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.zone()).astimezone(clock.now().tzinfo)


def remind_at(start: datetime, due: datetime) -> datetime | None:
    """When the reminder of a limit from `start` to `due` goes out, or None."""
    # No reminder for a limit shorter than the lead time: it would go out at once.
    remind = due - reminder_lead()
    return remind if remind > start else None
