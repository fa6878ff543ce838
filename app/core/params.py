"""Input parsing, in one place for screens, API, CLI and workflow: ids, whole numbers, enum
names, dates and free text from forms, query strings, list filters and JSON, turned into typed
values or refused.

Every parser returns None for a value it cannot read (the caller reports it as missing or
answers 404); none raises on any input."""
import re
import unicodedata
from datetime import date, datetime

from . import clock

_TRUE = {"1", "true", "yes", "y", "on", "satisfied"}
_FALSE = {"0", "false", "no", "n", "off", "not_satisfied"}
# Ids are PostgreSQL `integer` columns: anything outside 1..2**31-1 names no row.
MAX_ID = 2**31 - 1
# Any other whole number compared with an `integer` column must fit one.
MIN_INT, MAX_INT = -(2**31), 2**31 - 1
# Times the business can mean: years outside this range are typing mistakes, and the ends of
# the calendar overflow when moved between time zones.
MIN_YEAR, MAX_YEAR = 2000, 2099
# ISO 8601 times of those years, as a pattern for documents that cannot state a range (OpenAPI):
# every text it matches is read by parse_datetime (days up to the 28th keep it simple).
MOMENT_PATTERN = (r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
                  r"(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?)?$")
# NUL (PostgreSQL refuses it in text) and the other C0/C1 control characters, but not tab,
# line feed and carriage return, which multi-line text fields legitimately carry.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse_id(value) -> int | None:
    """A row id (1..MAX_ID) from an int or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        text = value.strip()
        if len(text) > 10:
            return None
        number = int(text)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def parse_int(value) -> int | None:
    """A whole number that fits an `integer` column (MIN_INT..MAX_INT), from an int or a string
    of digits with an optional sign, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("-", "+") else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:
            return None
        value = int(text)
    if not isinstance(value, int):
        return None
    return value if MIN_INT <= value <= MAX_INT else None


def parse_enum(enum_cls, value):
    """A member of `enum_cls` from the member itself or its name, else None."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        return enum_cls.__members__.get(value.strip())
    return None


# Times as people type them besides ISO 8601: slashes, dots or 年月日 between the parts of the
# date, one-digit months, days and hours, minutes without seconds ("2026/11/5 9:05").
_TYPED_MOMENT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                           r"(?:(?:\s+|T|(?<=日))(\d{1,2})\s*:\s*(\d{1,2})(?:\s*:\s*(\d{1,2}))?)?")


def parse_datetime(value) -> datetime | None:
    """An aware datetime from a datetime or a string: ISO 8601 ("2026-11-20 14:30" too) or as
    typed by hand ("2026/11/20 14:30", "2026年11月20日 9:05", digits and colons from a Chinese
    input method); a time without an offset is the company's local time. None outside
    MIN_YEAR..MAX_YEAR."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        # NFKC turns full-width digits and colons (Chinese input methods) into plain ones.
        text = unicodedata.normalize("NFKC", value).strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = _typed_moment(text)
        if moment is None:
            return None
    else:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return clock.from_local(moment)


def _typed_moment(text: str) -> datetime | None:
    match = _TYPED_MOMENT.fullmatch(text)
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups() if part is not None))
    except ValueError:
        return None


def parse_date(value) -> date | None:
    """A calendar date from a date or an ISO 8601 string ("2026-10-01"), else None. A date has
    no time zone to move it across the ends of the calendar, so any real date is read."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def has_control_characters(text: str) -> bool:
    """Whether `text` holds NUL or another control character (tab and line breaks allowed)."""
    return bool(_CONTROL.search(text))


def coerce_action_params(names, raw) -> dict:
    """Pick the action's parameters out of `raw` (a mapping) and convert their types.

    A value that cannot be read is passed on as None, so the workflow reports it as missing."""
    params = {}
    for name in names:
        value = raw.get(name)
        if name == "deadline":
            value = parse_datetime(value)
        elif name == "satisfied":
            value = parse_bool(value)
        elif name.endswith("_id"):
            value = parse_id(value)
        elif value is not None and not isinstance(value, str):
            value = str(value)
        params[name] = value
    return params


def parse_bool(value) -> bool | None:
    """True or False from a bool or a word ("yes", "y", "on", "1", "no", …), else None."""
    if isinstance(value, bool) or value is None:
        return value
    if not isinstance(value, (str, int)):
        return None
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None
