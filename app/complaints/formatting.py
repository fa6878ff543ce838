"""The complaint fields' labels and the event log's notes in the user's language, used by
every screen and message."""
from flask_babel import lazy_gettext as _l

from app.deadlines.formatting import deadline_kind_label

from .enums import EventKind

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
    "created_by": _l("Registered by"), "deadline_state": _l("Deadline"), "overdue_since": _l("Overdue"),
    "next_due_at": _l("Next deadline"), "deadlines": _l("Deadlines"),
}


def field_labels(names: str) -> str:
    """'grade, urgency' → the fields' labels in the user's language."""
    return "、".join(str(FIELD_LABELS.get(n.strip(), n.strip())) for n in names.split(",") if n.strip())


def event_note(kind: EventKind, note: str) -> str:
    """An event's note as people read it: an edit lists the fields it changed by their labels
    ("类别、紧急程度"), a missed deadline names the deadline. Every screen and message that
    shows an event's note uses this."""
    if kind == EventKind.EDITED:
        return field_labels(note or "")
    if kind == EventKind.DEADLINE_MISSED:
        return deadline_kind_label(note or "")
    return note or ""
