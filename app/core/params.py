"""Turn the raw inputs of an action (form fields or JSON) into the workflow's typed values."""
from datetime import datetime

from . import clock

_TRUE = {"1", "true", "yes", "on", "satisfied"}
_FALSE = {"0", "false", "no", "off", "not_satisfied"}


def coerce_action_params(names, raw) -> dict:
    """Pick the action's parameters out of `raw` (a mapping) and convert their types.

    A value that cannot be read is passed on as None, so the workflow reports it as missing."""
    params = {}
    for name in names:
        value = raw.get(name)
        if name == "deadline":
            value = _datetime(value)
        elif name == "satisfied":
            value = _bool(value)
        elif name.endswith("_id"):
            value = _int(value)
        elif value is not None and not isinstance(value, str):
            value = str(value)
        params[name] = value
    return params


def _bool(value):
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _datetime(value):
    if isinstance(value, datetime):
        return clock.from_local(value)
    try:
        # A naive time comes from a local date-time input: the company's zone.
        return clock.from_local(datetime.fromisoformat(str(value).strip()))
    except (TypeError, ValueError):
        return None
