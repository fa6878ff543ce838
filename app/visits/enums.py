"""Enumerations of the visits domain, each member carrying a translated label."""
from flask_babel import lazy_gettext as _l

from app.core.enums import LabeledEnum


class VisitKind(LabeledEnum):
    """What a visit is about: a complaint case, a rectification notice, or nothing (routine)."""

    CASE = "case"
    RECTIFICATION = "rectification"
    ROUTINE = "routine"

    @classmethod
    def _labels(cls):
        return {cls.CASE: _l("Complaint return visit"), cls.RECTIFICATION: _l("Rectification visit"),
                cls.ROUTINE: _l("Routine visit")}


class VisitStatus(LabeledEnum):
    """Where a visit stands. A completed visit (confirmed by the resident) is never changed."""

    PLANNED = "planned"
    RECORDED = "recorded"
    COMPLETED = "completed"
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"

    @classmethod
    def _labels(cls):
        return {cls.PLANNED: _l("Planned"), cls.RECORDED: _l("Recorded, awaiting sign-off"),
                cls.COMPLETED: _l("Signed off"), cls.UNREACHABLE: _l("Unreachable (approved)"),
                cls.CANCELLED: _l("Cancelled")}

    @classmethod
    def final(cls):
        """States in which nothing about the visit changes any more."""
        return (cls.COMPLETED, cls.UNREACHABLE, cls.CANCELLED)


class VisitMethod(LabeledEnum):
    """How the visit was made (domain.md: Return visits)."""

    PHONE = "phone"
    DOOR_TO_DOOR = "door_to_door"
    ON_SITE = "on_site"
    WECHAT_SMS = "wechat_sms"
    QUESTIONNAIRE = "questionnaire"
    MEETING = "meeting"

    @classmethod
    def _labels(cls):
        return {cls.PHONE: _l("Phone call"), cls.DOOR_TO_DOOR: _l("Door to door"), cls.ON_SITE: _l("On site"),
                cls.WECHAT_SMS: _l("WeChat / SMS"), cls.QUESTIONNAIRE: _l("Questionnaire"),
                cls.MEETING: _l("Residents' meeting")}

    @property
    def confirmation(self):
        """How the visited person confirms a visit made this way: face to face they sign on the
        visitor's device (请被回访人签名, seed 004); on the phone they confirm aloud; in writing
        (WeChat, SMS, questionnaire, a meeting's minutes) their reply is the confirmation."""
        if self in (VisitMethod.DOOR_TO_DOOR, VisitMethod.ON_SITE):
            return Confirmation.SIGNATURE
        if self == VisitMethod.PHONE:
            return Confirmation.SPOKEN
        return Confirmation.WRITTEN


class Satisfaction(LabeledEnum):
    """The five-level scale of seed 001; the top three count as satisfied."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @classmethod
    def _labels(cls):
        return {cls.VERY_SATISFIED: _l("Very satisfied"), cls.SATISFIED: _l("Satisfied"),
                cls.FAIRLY_SATISFIED: _l("Fairly satisfied"), cls.DISSATISFIED: _l("Dissatisfied"),
                cls.VERY_DISSATISFIED: _l("Very dissatisfied")}

    @property
    def is_satisfied(self) -> bool:
        # 很满意、满意、基本满意 count as satisfied (domain.md: Return visits, seed 001).
        return self in SATISFIED_LEVELS


SATISFIED_LEVELS = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.FAIRLY_SATISFIED)


class Confirmation(LabeledEnum):
    """How the visited person confirmed the record."""

    SIGNATURE = "signature"
    SPOKEN = "spoken"
    WRITTEN = "written"
    # A return visit noted as free text before visit records existed (kept as it was written).
    LEGACY_NOTE = "legacy_note"

    @classmethod
    def _labels(cls):
        return {cls.SIGNATURE: _l("Signature"), cls.SPOKEN: _l("Spoken confirmation"),
                cls.WRITTEN: _l("Written reply"), cls.LEGACY_NOTE: _l("Earlier return-visit note")}


class VisitEventKind(LabeledEnum):
    """What an entry of a visit's history records."""

    PLANNED = "planned"
    ATTEMPT = "attempt"
    RECORDED = "recorded"
    SIGNED_OFF = "signed_off"
    UNREACHABLE = "unreachable"
    CORRECTION = "correction"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"
    RECTIFICATION_ISSUED = "rectification_issued"
    COMPLAINT_RAISED = "complaint_raised"

    @classmethod
    def _labels(cls):
        return {cls.PLANNED: _l("Visit planned"), cls.ATTEMPT: _l("Attempt without reaching anyone"),
                cls.RECORDED: _l("Visit recorded"), cls.SIGNED_OFF: _l("Signed off"),
                cls.UNREACHABLE: _l("Unreachable approved"), cls.CORRECTION: _l("Correction"),
                cls.CANCELLED: _l("Visit cancelled"), cls.OVERDUE: _l("Visit overdue"),
                cls.RECTIFICATION_ISSUED: _l("Rectification notice issued"),
                cls.COMPLAINT_RAISED: _l("Complaint registered from the visit")}


class RectificationStatus(LabeledEnum):
    """Where a rectification notice stands."""

    OPEN = "open"
    DONE = "done"
    VERIFIED = "verified"

    @classmethod
    def _labels(cls):
        return {cls.OPEN: _l("Open"), cls.DONE: _l("Done, awaiting its visit"),
                cls.VERIFIED: _l("Verified by a visit")}


class SamplingRole(LabeledEnum):
    """Who samples resolved repairs for a visit, with the least share of seed 004 (篇4)."""

    OFFICE = "office"
    ENGINEERING_HEAD = "engineering_head"
    REPAIRER = "repairer"

    @classmethod
    def _labels(cls):
        return {cls.OFFICE: _l("Office"), cls.ENGINEERING_HEAD: _l("Engineering head"),
                cls.REPAIRER: _l("Repairer responsible")}

    @property
    def minimum_share(self) -> int:
        # 办公室回访率不低于5%,工程维修部负责人不低于10%,维修责任人不低于20% (seed 004 篇4).
        return {SamplingRole.OFFICE: 5, SamplingRole.ENGINEERING_HEAD: 10, SamplingRole.REPAIRER: 20}[self]
