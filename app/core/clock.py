"""The one source of "now": aware UTC datetimes, replaceable by tests."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

_frozen = None


def now() -> datetime:
    """Return the current time as an aware UTC datetime (or the frozen test time)."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def freeze(moment: datetime | None) -> None:
    """Fix "now" at `moment` (aware), or release the clock with None."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment.astimezone(timezone.utc) if moment is not None else None


def zone() -> ZoneInfo:
    """The company's time zone (config TIME_ZONE, default Asia/Shanghai)."""
    from flask import current_app, has_app_context

    name = current_app.config.get("TIME_ZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def local(moment: datetime) -> datetime:
    """Convert an aware datetime to the company's zone for display or local dates."""
    return moment.astimezone(zone())


def from_local(moment: datetime) -> datetime:
    """Read a naive wall-clock time as the company's local time; aware times pass through."""
    return moment.replace(tzinfo=zone()) if moment.tzinfo is None else moment
