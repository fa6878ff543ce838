"""The working-day calendar: Monday to Friday, less Chinese public holidays, plus the official
make-up working days (调休).

Deadlines read only the stored calendar (calendar_day), never the library: a date the library
does not know falls back to the stored days plus weekends, so no date can crash a deadline.
The library (chinese_calendar) only seeds the table; administrators add each new year."""
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

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
