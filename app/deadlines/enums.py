"""What a deadline limits and the units its limit is counted in."""
from flask_babel import lazy_gettext as _l

from app.core.enums import LabeledEnum


class DeadlineKind(LabeledEnum):
    """What a deadline limits (domain.md: Deadlines)."""

    ACKNOWLEDGE = "acknowledge"
    FIRST_FEEDBACK = "first_feedback"
    INVESTIGATION = "investigation"
    ON_SITE = "on_site"
    RESOLUTION = "resolution"
    CONFIRMATION = "confirmation"
    RETURN_VISIT = "return_visit"
    RECTIFICATION = "rectification"

    @classmethod
    def _labels(cls):
        return {
            cls.ACKNOWLEDGE: _l("Confirm receipt"),
            cls.FIRST_FEEDBACK: _l("First feedback"),
            cls.INVESTIGATION: _l("Start of investigation"),
            cls.ON_SITE: _l("On site"),
            cls.RESOLUTION: _l("Resolution"),
            cls.CONFIRMATION: _l("Complainant's confirmation"),
            cls.RETURN_VISIT: _l("Return visit"),
            cls.RECTIFICATION: _l("Rectification notice"),
        }


class DeadlineUnit(LabeledEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"

    @classmethod
    def _labels(cls):
        return {cls.MINUTES: _l("Minutes"), cls.HOURS: _l("Hours"), cls.CALENDAR_DAYS: _l("Calendar days"),
                cls.WORKING_DAYS: _l("Working days")}
