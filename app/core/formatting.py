"""Display helpers shared by screens, templates and exports."""
from flask_babel import format_datetime, get_locale

from .enums import Tier


def local_time(moment) -> str:
    """A stored UTC time as the company's local wall time (BABEL_DEFAULT_TIMEZONE)."""
    return format_datetime(moment, "yyyy-MM-dd HH:mm") if moment else ""


def tier_label(tier) -> str:
    return str(Tier(tier).label) if tier else ""


def enum_label(enum_cls):
    """A formatter for screens, which hand over an enum's value: show its label instead."""
    return lambda value: str(enum_cls(value).label) if value else ""


def person_name(user) -> str:
    """A staff member's name as colleagues write it: surname first for Chinese names."""
    if user is None:
        return ""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip() or user.username


def blank(value) -> str:
    """Show nothing, rather than "None", for an empty field."""
    return "" if value is None else str(value)


def ui_language() -> str:
    """The user's language as a BCP 47 tag for front-end libraries: zh-CN, zh-TW (Traditional
    Chinese, whichever region) or en."""
    locale = get_locale()
    if locale is None or locale.language != "zh":
        return "en"
    return "zh-TW" if locale.script == "Hant" or locale.territory in ("HK", "TW", "MO") else "zh-CN"
