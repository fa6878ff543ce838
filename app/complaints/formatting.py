"""The complaint fields' labels in the user's language, used by every screen and message."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

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
    "next_due_at": _l("Next deadline"), "dissatisfied_visits": _l("Return visit"),
}


def field_labels(names: str) -> str:
    """'grade, urgency' → the fields' labels in the user's language."""
    return "、".join(str(FIELD_LABELS.get(n.strip(), n.strip())) for n in names.split(",") if n.strip())


def dissatisfaction(count) -> Markup:
    """How often a return visit found the resident not satisfied, as a badge (nothing if never)."""
    if not count:
        return Markup("")
    return Markup('<span class="label label-danger dissatisfied" title="{}"><i class="fa fa-frown-o" '
                  'aria-hidden="true"></i> {}</span>').format(
        _("Return visits that found the resident not satisfied"), _("Not satisfied ×%(n)d", n=count))
