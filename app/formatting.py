"""Display helpers and field labels shared by screens, templates and exports."""
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from .enums import Tier

# One translated label per complaint field, used by every screen.
FIELD_LABELS = {
    "case_number": _l("Case number"), "received_at": _l("Received at"), "office": _l("Office"),
    "office_id": _l("Office"), "category": _l("Category"), "category_id": _l("Category"),
    "urgency": _l("Urgency"), "grade": _l("Grade"), "tier": _l("Tier"), "status": _l("Status"),
    "assignee": _l("Assignee"), "complainant": _l("Complainant"), "complainant_name": _l("Complainant"),
    "complainant.phone": _l("Phone"), "complainant_phone": _l("Phone"), "complainant_room": _l("Room"),
    "channel": _l("Channel"), "validity": _l("Validity"), "respondent": _l("Respondent (staff)"),
    "respondent_id": _l("Respondent (staff)"), "respondent_department": _l("Respondent (department)"),
    "description": _l("Description"), "plan_measures": _l("Plan measures"), "plan_deadline": _l("Plan deadline"),
    "plan_owner": _l("Plan owner"), "resolution": _l("Result"), "void_reason": _l("Void reason"),
    "acknowledged_at": _l("Receipt confirmed at"), "resolved_at": _l("Resolved at"), "closed_at": _l("Closed at"),
    "created_by": _l("Registered by"),
}


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


def field_labels(names: str) -> str:
    """'grade, urgency' → the fields' labels in the user's language."""
    return "、".join(str(FIELD_LABELS.get(n.strip(), n.strip())) for n in names.split(",") if n.strip())


def init_template_helpers(app) -> None:
    app.jinja_env.filters.update(local_time=local_time, tier_label=tier_label, field_labels=field_labels,
                                 person_name=person_name)
