"""What a notification tells its reader."""
from flask_babel import lazy_gettext as _l

from app.core.enums import LabeledEnum


class NotificationKind(LabeledEnum):
    REMINDER = "reminder"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    EMERGENCY = "emergency"

    @classmethod
    def _labels(cls):
        return {cls.REMINDER: _l("Deadline approaching"), cls.OVERDUE: _l("Deadline missed"),
                cls.ESCALATED: _l("Escalated to your tier"), cls.EMERGENCY: _l("Emergency registered")}
