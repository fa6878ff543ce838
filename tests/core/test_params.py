"""The one parser of ids, enum names, dates and free text: any input gives a value or None,
never an exception."""
from datetime import UTC, date, datetime, timezone

import pytest

from app.complaints.enums import Urgency
from app.core.params import (
    MOMENT_PATTERN,
    has_control_characters,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_enum,
    parse_id,
    parse_int,
)


@pytest.mark.parametrize("raw, expected", [
    (7, 7), ("7", 7), (" 42 ", 42), (2**31 - 1, 2**31 - 1),
    ("99999999999999999999", None), (2**64, None), (2**31, None), ("abc", None), ("-1", None), (-1, None),
    (0, None), ("", None), (None, None), (True, None), ("٣", None), ("1e3", None), (1.5, None), ([1], None),
])
def test_ids_outside_the_integer_column_name_no_row(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (0, 0), (-7, -7), ("-7", -7), ("+7", 7), (" 3 ", 3), (2**31 - 1, 2**31 - 1), (-(2**31), -(2**31)),
    (2**31, None), (-(2**31) - 1, None), ("99999999999999999999", None), ("1.5", None), (1.5, None),
    (True, None), ("", None), ("-", None), (None, None), ("٣", None),
])
def test_whole_numbers_outside_the_integer_column_are_unreadable(raw, expected):
    assert parse_int(raw) == expected


def test_every_time_the_documented_pattern_allows_is_read():
    import re

    for text in ("2000-01-01", "2099-12-28T23:59:59Z", "2026-11-20T14:30:00+08:00", "2050-02-28T00:00:00-13:59"):
        assert re.match(MOMENT_PATTERN, text) and parse_datetime(text) is not None
    for text in ("1999-12-31", "2100-01-01", "2026-13-01", "2026-11-20 14:30"):
        assert not re.match(MOMENT_PATTERN, text)


def test_enum_values_are_read_by_member_name_only():
    assert parse_enum(Urgency, "EMERGENCY") is Urgency.EMERGENCY
    assert parse_enum(Urgency, Urgency.GENERAL) is Urgency.GENERAL
    for bad in ("NOPE", "emergency", "", None, 1, ["EMERGENCY"]):
        assert parse_enum(Urgency, bad) is None


def test_dates_at_the_ends_of_the_calendar_are_refused():
    for bad in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-10:00", "2026-13-01", "tomorrow", 20261120, None):
        assert parse_datetime(bad) is None


def test_local_minutes_and_aware_times_are_read():
    assert parse_datetime("2026-11-20 14:30") == datetime(2026, 11, 20, 6, 30, tzinfo=timezone.utc)
    assert parse_datetime("2026-11-20T14:30:00+08:00") == datetime(2026, 11, 20, 6, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("typed", ["2026/11/20 14:30", "2026.11.20 14:30", "2026-11-20  14:30", "2026年11月20日 14:30",
                                   "2026年11月20日14:30", "２０２６－１１－２０ １４：３０", "2026-11-20 14：30"])
def test_times_typed_by_hand_are_read_as_local_time(typed):
    assert parse_datetime(typed) == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def test_one_digit_parts_and_dates_alone_are_read():
    assert parse_datetime("2026-1-5 9:05") == datetime(2026, 1, 5, 1, 5, tzinfo=UTC)
    assert parse_datetime("2026/11/20") == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["2026-11-20 25:00", "2026-02-30 10:00", "2026/11/20 14", "1999/12/31 10:00",
                                   "2026-11-20 14:30 下午", "昨天 14:30", "2026-11-20 14:60"])
def test_times_that_are_no_time_are_refused(typed):
    assert parse_datetime(typed) is None


def test_control_characters_are_found_but_line_breaks_and_tabs_are_text():
    assert has_control_characters("电梯\x00困人")
    assert has_control_characters("bell\x07")
    assert not has_control_characters("第一行\n第二行\r\n\t缩进")
def test_dates_are_any_real_calendar_date_and_nothing_else():
    assert parse_date("2026-10-01") == date(2026, 10, 1)
    assert parse_date("0001-01-01") == date(1, 1, 1)  # a date crosses no time zone: harmless
    assert parse_date(date(2026, 1, 1)) == date(2026, 1, 1)
    for bad in ("2026-13-01", "abc", "", "99999999999999999999", 20261001, None, datetime(2026, 1, 1)):
        assert parse_date(bad) is None


def test_yes_and_no_are_read_in_the_spellings_forms_send():
    assert [parse_bool(v) for v in ("y", "yes", "on", "1", True, 1)] == [True] * 6
    assert [parse_bool(v) for v in ("n", "no", "off", "0", False, 0)] == [False] * 6
    assert [parse_bool(v) for v in ("maybe", "", 2, 1.5, ["y"])] == [None] * 5


