"""The working-day calendar: Monday to Friday, less Chinese public holidays, plus the official
make-up working days (调休).

Deadlines read only the stored calendar (calendar_day), never the library: a date the library
does not know falls back to the stored days plus weekends, so no date can crash a deadline.
The library (chinese_calendar) only seeds the table; administrators enter each new year, a whole
arrangement at once (parse_arrangement, enter_arrangement) or day by day."""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.core.errors import InvalidInput

from .models import CalendarDay, CalendarYear

# Seeds from this year on; older years matter to no open case.
FIRST_SEEDED_YEAR = 2020
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class WorkCalendar:
    """Answers "is this a working day" from the stored calendar, one query per year."""

    def __init__(self, session: Session):
        self.session = session
        self._years: dict[int, dict[date, bool]] = {}

    def _exceptions(self, year: int) -> dict[date, bool]:
        if year not in self._years:
            rows = self.session.execute(
                sa.select(CalendarDay.day, CalendarDay.is_working)
                .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))).all()
            self._years[year] = {day: working for day, working in rows}
        return self._years[year]

    def is_working(self, day: date) -> bool:
        exception = self._exceptions(day.year).get(day)
        return exception if exception is not None else day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself not counted)."""
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_working(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start <= d < end."""
        count, day = 0, start
        while day < end:
            if self.is_working(day):
                count += 1
            day += timedelta(days=1)
        return count


def seed_from_library(session: Session) -> int:
    """Store the holidays and make-up days the library knows (keeping days an admin entered)
    and mark those years confirmed. Returns how many days were added."""
    import chinese_calendar

    known = set(session.scalars(sa.select(CalendarDay.day).where(CalendarDay.day >= date(FIRST_SEEDED_YEAR, 1, 1))))
    added, years = 0, set()
    exceptions = [(d, False, n) for d, n in chinese_calendar.constants.holidays.items() if d.weekday() < 5] + \
                 [(d, True, n) for d, n in chinese_calendar.constants.workdays.items() if d.weekday() >= 5]
    for day, working, name in sorted(exceptions):
        if day.year < FIRST_SEEDED_YEAR:
            continue
        years.add(day.year)
        if day not in known:
            label = HOLIDAY_NAMES.get(str(name), str(name))
            session.add(CalendarDay(day=day, is_working=working, name=f"{label}调休上班" if working else label))
            added += 1
    confirmed = set(session.scalars(sa.select(CalendarYear.year)))
    for year in sorted(years - confirmed):
        session.add(CalendarYear(year=year, confirmed=True, note="chinese_calendar"))
    session.commit()
    return added


def unconfirmed_years(session: Session, today: date) -> list[int]:
    """Years whose holiday arrangement deadlines need but nobody has confirmed: this year,
    and from October on (the State Council publishes next year's each autumn) next year."""
    wanted = [today.year] + ([today.year + 1] if today.month >= 10 else [])
    confirmed = set(session.scalars(sa.select(CalendarYear.year).where(
        CalendarYear.year.in_(wanted), CalendarYear.confirmed.is_(True))))
    return [y for y in wanted if y not in confirmed]


# ---------------------------------------------------------------------------------------
# A year's holiday arrangement, entered at once
# ---------------------------------------------------------------------------------------

# A date: 2027-02-06, 2027/2/6, 2027年2月6日, or 2月6日 (of the year being entered). After
# 至 / ~ / - the end of a range may also be only its day (至14日). A bracket (the weekday) may
# follow either.
_BRACKET = r"(?:\s*[（(][^）)]*[）)])?"


def _date_pattern(p: str, day_only: bool = False) -> str:
    full = rf"(?P<{p}y>\d{{4}})\s*[-/.年]\s*(?P<{p}m>\d{{1,2}})\s*[-/.月]\s*(?P<{p}d>\d{{1,2}})(?!\d)\s*日?"
    month_day = rf"(?P<{p}m2>\d{{1,2}})\s*月\s*(?P<{p}d2>\d{{1,2}})\s*[日号]"
    day = [rf"(?P<{p}d3>\d{{1,2}})\s*[日号]"] if day_only else []
    return "(?:" + "|".join([full, month_day, *day]) + ")"


_RANGE = re.compile(rf"{_date_pattern('a')}{_BRACKET}(?:\s*(?:至|到|~|～|—|–|-)\s*{_date_pattern('b', True)}{_BRACKET})?")
# "二、春节：" — the official notice's numbered holiday name.
_NAMED_LINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d+)\s*[、.．]\s*(?P<name>[^：:]{1,20})[：:]")
_WORK_WORDS = re.compile(r"上班|补班|班")
# Something meant as a date that does not read as one (2027-2-30 reads, and is refused later).
_DATE_LIKE = re.compile(r"\d+\s*[-/.月]\s*\d+")
_PARTS = re.compile(r"[。；;，,]")
_NOT_NAME = re.compile(r"[\d\s()（）:：、,，。;；~～—–\-/.]|放假|调休|上班|补班|共|天|周[一二三四五六日天]|不|[班休假]")
# No holiday is longer: a longer range is a typing mistake.
LONGEST_HOLIDAY = 31


class ArrangementError(InvalidInput):
    """The arrangement could not be read or does not hold together: `problems` lists each, with
    its line. Nothing was saved."""

    def __init__(self, problems: list[str]):
        text = "; ".join(problems)
        super().__init__(_("The holiday arrangement was not saved: %(problems)s", problems=text), {"text": text})
        self.problems = problems


@dataclass
class Arrangement:
    """A year's days off the weekly pattern, each with its holiday's name: holidays on
    weekdays (not working) and make-up working days on weekends (working)."""

    year: int
    days: dict = field(default_factory=dict)  # date → (is_working, name)

    @property
    def holidays(self) -> int:
        return sum(1 for working, _name in self.days.values() if not working)

    @property
    def working_days(self) -> int:
        return sum(1 for working, _name in self.days.values() if working)


def parse_arrangement(text: str, year: int) -> Arrangement:
    """Read a year's official holiday arrangement, one holiday a line: as the State Council's
    notice words it ("二、春节：2月15日（周日）至23日（周一）放假调休，共9天。2月14日（周六）、
    2月28日（周六）上班。") or one range or day a line ("2027-02-06 至 2027-02-12 春节",
    "2027-02-14 上班 春节"). A part of a line is a day off unless it says 上班 or 班. Lines without
    anything like a date (the notice's heading) are skipped. Every problem is
    collected, with its line, into one ArrangementError: a list is taken whole or not at all."""
    problems, days, lines = [], {}, {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        named = _NAMED_LINE.match(line)
        body = line[named.end():] if named else line
        found, read = [], False
        for part in _PARTS.split(body):
            working = bool(_WORK_WORDS.search(_RANGE.sub(" ", part)))
            for match in _RANGE.finditer(part):
                read = True
                try:
                    first, last = _range_of(match, year)
                except ValueError as e:
                    problems.append(_("line %(n)d: %(problem)s", n=number, problem=str(e)))
                    continue
                found += [(first + timedelta(days=i), working) for i in range((last - first).days + 1)]
        if not found:
            if not read and _DATE_LIKE.search(body):
                problems.append(_("line %(n)d: no date could be read (write e.g. 2027-02-06 or 2月6日)", n=number))
            continue
        name = (named.group("name") if named else _NOT_NAME.sub("", _RANGE.sub(" ", body))).strip()[:60]
        for day, working in found:
            if day.year != year:
                problems.append(_("line %(n)d: %(day)s is not in %(year)d", n=number, day=day.isoformat(), year=year))
            elif day in days and days[day][0] != working:
                problems.append(_("line %(n)d: %(day)s is both a day off and a working day (see line %(other)d)",
                                  n=number, day=day.isoformat(), other=lines[day]))
            elif working and day.weekday() < 5:
                problems.append(_("line %(n)d: %(day)s is a weekday, so it cannot be a make-up working day",
                                  n=number, day=day.isoformat()))
            else:
                days[day], lines[day] = (working, name), number
    if not problems and not days:
        problems.append(_("No holiday was found: enter one holiday a line."))
    if problems:
        raise ArrangementError(problems)
    # Stored are the days that break the weekly pattern (a holiday on a Sunday is off anyway).
    return Arrangement(year, {day: (working, f"{name}调休上班" if working else name)
                              for day, (working, name) in sorted(days.items())
                              if working != (day.weekday() < 5)})


def _range_of(match, year: int) -> tuple[date, date]:
    """The first and last day a matched date or range names; ValueError saying why not."""
    first = _date_of(match, "a", year, None)
    ends = any(match.group(g) for g in ("by", "bm2", "bd3"))
    last = _date_of(match, "b", year, first) if ends else first
    if last < first:
        raise ValueError(_("the range ends (%(last)s) before it starts (%(first)s)", first=first.isoformat(),
                           last=last.isoformat()))
    if (last - first).days >= LONGEST_HOLIDAY:
        raise ValueError(_("%(first)s to %(last)s is longer than any holiday", first=first.isoformat(),
                           last=last.isoformat()))
    return first, last


def _date_of(match, p: str, year: int, start: date | None) -> date:
    g = match.group
    try:
        if g(p + "y"):
            return date(int(g(p + "y")), int(g(p + "m")), int(g(p + "d")))
        if g(p + "m2"):
            return date(year, int(g(p + "m2")), int(g(p + "d2")))
        # Only the day: in the month the range starts in.
        return date(start.year, start.month, int(g(p + "d3")))
    except ValueError:
        raise ValueError(_("“%(text)s” is not a date", text=match.group(0).strip())) from None


def enter_arrangement(session: Session, arrangement: Arrangement, confirm: bool, note: str = "") -> None:
    """Replace the year's holidays and make-up days with `arrangement` and (if asked) mark the
    year confirmed, in one transaction. Deadlines already running keep their due times."""
    year = arrangement.year
    try:
        session.execute(sa.delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                     CalendarDay.day <= date(year, 12, 31)))
        session.add_all(CalendarDay(day=day, is_working=working, name=name)
                        for day, (working, name) in arrangement.days.items())
        entry = session.get(CalendarYear, year) or CalendarYear(year=year, confirmed=False, note="")
        if confirm:
            entry.confirmed = True
        entry.note = note[:200] if note else entry.note
        session.add(entry)
        session.commit()
    except Exception:
        session.rollback()
        raise
