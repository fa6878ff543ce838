"""The working-day calendar's tables: days off the weekly pattern, and confirmed years."""
import sqlalchemy as sa
from flask_appbuilder import Model


class CalendarDay(Model):
    """A day that breaks the weekly pattern: a public holiday on a weekday, or an official
    make-up working day (调休) on a weekend. Days not listed follow Monday–Friday."""

    __tablename__ = "calendar_day"
    day = sa.Column(sa.Date, primary_key=True)
    is_working = sa.Column(sa.Boolean, nullable=False)
    name = sa.Column(sa.String(100), nullable=False, default="")

    def __repr__(self):
        return f"<CalendarDay {self.day} {'work' if self.is_working else 'off'}>"


class CalendarYear(Model):
    """Whether a year's holiday arrangement has been entered and confirmed."""

    __tablename__ = "calendar_year"
    year = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    confirmed = sa.Column(sa.Boolean, nullable=False, default=False)
    note = sa.Column(sa.String(200), nullable=False, default="")
