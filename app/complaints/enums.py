"""Enumerations of the complaint domain, each member carrying a translated label."""
from flask_babel import lazy_gettext as _l

from app.core.enums import LabeledEnum, Tier


class Status(LabeledEnum):
    """Where a case stands (domain.md: Handling)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    PLAN_PROPOSED = "plan_proposed"
    PLAN_APPROVED = "plan_approved"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    VOIDED = "voided"

    @classmethod
    def _labels(cls):
        return {
            cls.RECEIVED: _l("Received"),
            cls.ACKNOWLEDGED: _l("Acknowledged"),
            cls.INVESTIGATING: _l("Investigating"),
            cls.PLAN_PROPOSED: _l("Plan proposed"),
            cls.PLAN_APPROVED: _l("Plan approved"),
            cls.IN_PROGRESS: _l("In progress"),
            cls.RESOLVED: _l("Resolved"),
            cls.CONFIRMED: _l("Confirmed by complainant"),
            cls.CLOSED: _l("Closed"),
            cls.VOIDED: _l("Voided"),
        }

    @classmethod
    def open_states(cls):
        """States in which the case still needs handling."""
        return [s for s in cls if s not in (cls.RESOLVED, cls.CONFIRMED, cls.CLOSED, cls.VOIDED)]


class Urgency(LabeledEnum):
    """Emergency cases need staff on site at once (domain.md: Classification)."""

    GENERAL = "general"
    EMERGENCY = "emergency"

    @classmethod
    def _labels(cls):
        return {cls.GENERAL: _l("General"), cls.EMERGENCY: _l("Emergency")}


class Grade(LabeledEnum):
    """Complaint grade (domain.md: Classification, seed 001 §3)."""

    MINOR = "minor"
    IMPORTANT = "important"
    MAJOR = "major"

    @classmethod
    def _labels(cls):
        return {cls.MINOR: _l("Minor"), cls.IMPORTANT: _l("Important"), cls.MAJOR: _l("Major")}

    @property
    def minimum_tier(self):
        # Major → general manager; important → office head (domain.md: Classification)
        return {Grade.MINOR: Tier.CUSTOMER_SERVICE, Grade.IMPORTANT: Tier.SUPERVISOR,
                Grade.MAJOR: Tier.GENERAL_MANAGER}[self]


class Validity(LabeledEnum):
    """Whether the complaint is verified as the company's responsibility."""

    PENDING = "pending"
    VALID = "valid"
    INVALID = "invalid"

    @classmethod
    def _labels(cls):
        return {cls.PENDING: _l("Pending"), cls.VALID: _l("Valid"), cls.INVALID: _l("Invalid")}


class Channel(LabeledEnum):
    """How the complaint reached the office (domain.md: Intake)."""

    PHONE = "phone"
    WALK_IN = "walk_in"
    LETTER = "letter"
    MAILBOX = "mailbox"
    EMAIL = "email"
    WECHAT = "wechat"
    WEBSITE = "website"
    RETURN_VISIT = "return_visit"
    SURVEY = "survey"
    REFERRAL = "referral"

    @classmethod
    def _labels(cls):
        return {
            cls.PHONE: _l("Phone / hotline"),
            cls.WALK_IN: _l("Walk-in"),
            cls.LETTER: _l("Letter"),
            cls.MAILBOX: _l("Complaint mailbox"),
            cls.EMAIL: _l("Email"),
            cls.WECHAT: _l("WeChat"),
            cls.WEBSITE: _l("Website / app"),
            cls.RETURN_VISIT: _l("Return visit"),
            cls.SURVEY: _l("Survey"),
            cls.REFERRAL: _l("Administrative referral"),
        }


class EventKind(LabeledEnum):
    """What an entry of a complaint's event log records."""

    REGISTERED = "registered"
    EDITED = "edited"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    INVESTIGATION_STARTED = "investigation_started"
    PLAN_PROPOSED = "plan_proposed"
    PLAN_APPROVED = "plan_approved"
    PLAN_SENT_BACK = "plan_sent_back"
    PROGRESS = "progress"
    FEEDBACK = "feedback"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"
    NOT_SATISFIED = "not_satisfied"
    ESCALATED = "escalated"
    APPEALED = "appealed"
    VALIDITY = "validity"
    CLOSED = "closed"
    VOIDED = "voided"
    ATTACHMENT = "attachment"
    ON_SITE = "on_site"
    RETURN_VISIT = "return_visit"
    CLOCK_PAUSED = "clock_paused"
    CLOCK_RESUMED = "clock_resumed"
    DEADLINE_MISSED = "deadline_missed"
    AUTO_ESCALATED = "auto_escalated"
    MADE_MAJOR = "made_major"
    REPEAT_CALL = "repeat_call"
    COMPLAINANT_CORRECTED = "complainant_corrected"

    @classmethod
    def _labels(cls):
        return {
            cls.REGISTERED: _l("Registered"),
            cls.EDITED: _l("Edited"),
            cls.ACKNOWLEDGED: _l("Receipt confirmed"),
            cls.ASSIGNED: _l("Assigned"),
            cls.INVESTIGATION_STARTED: _l("Investigation started"),
            cls.PLAN_PROPOSED: _l("Plan proposed"),
            cls.PLAN_APPROVED: _l("Plan approved"),
            cls.PLAN_SENT_BACK: _l("Plan sent back"),
            cls.PROGRESS: _l("Progress recorded"),
            cls.FEEDBACK: _l("Feedback to complainant"),
            cls.RESOLVED: _l("Resolved"),
            cls.CONFIRMED: _l("Complainant satisfied"),
            cls.NOT_SATISFIED: _l("Complainant not satisfied"),
            cls.ESCALATED: _l("Escalated"),
            cls.APPEALED: _l("Appealed"),
            cls.VALIDITY: _l("Validity marked"),
            cls.CLOSED: _l("Closed"),
            cls.VOIDED: _l("Voided"),
            cls.ATTACHMENT: _l("Evidence attached"),
            cls.ON_SITE: _l("Staff on site"),
            cls.RETURN_VISIT: _l("Return visit made"),
            cls.CLOCK_PAUSED: _l("Clock paused"),
            cls.CLOCK_RESUMED: _l("Clock resumed"),
            cls.DEADLINE_MISSED: _l("Deadline missed"),
            cls.AUTO_ESCALATED: _l("Escalated for a missed deadline"),
            cls.MADE_MAJOR: _l("Unresolved for a month: made major"),
            cls.REPEAT_CALL: _l("Repeat call"),
            cls.COMPLAINANT_CORRECTED: _l("Complainant details corrected"),
        }
