"""The complaint fields' labels and the event log's notes in the user's language, used by
every screen and message, and how the complaint lists show case numbers and their active
filters."""
from datetime import datetime

from flask import url_for
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core.enums import LabeledEnum, Tier
from app.core.formatting import local_time, person_name
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
    "next_due_at": _l("Next deadline"), "deadlines": _l("Deadlines"), "quick_search": _l("Quick search"),
    "events": _l("Recurrence"),
}


def field_labels(names: str) -> str:
    """'grade, urgency' → the fields' labels in the user's language."""
    return "、".join(str(FIELD_LABELS.get(n.strip(), n.strip())) for n in names.split(",") if n.strip())


def case_link(case_number) -> Markup:
    """A case number as a link to its case, in every list."""
    if not case_number:
        return Markup("")
    return Markup('<a class="case-link" href="{}">{}</a>').format(
        url_for("ComplaintView.by_number", number=case_number), case_number)


def describe_filters(view, filters) -> list[tuple[str, str, str]]:
    """The filters a list was asked for, in words: (field, filter, value), e.g. ("状态", "等于",
    "已受理"); enum names, tiers and related rows' ids shown as the user knows them."""
    described = []
    for flt, values in filters.get_filters_values():
        column = flt.column_name
        for value in values if isinstance(values, list) else [values]:
            described.append((str(view.label_columns.get(column, column)), str(flt.name),
                              _filter_value_text(view.datamodel, column, value)))
    return described


def _filter_value_text(datamodel, column, value) -> str:
    if column == "overdue_since":
        return ""  # the filter's name says it all ("is overdue")
    if isinstance(value, LabeledEnum):
        return str(value.label)
    if isinstance(value, datetime):
        return local_time(value) if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    if column == "tier" and isinstance(value, int) and value in set(Tier):
        return str(Tier(value).label)
    if datamodel.is_relation(column):
        related = datamodel.get_related_obj(column, value)
        if related is None:
            return str(value)
        return person_name(related) if isinstance(related, User) else str(related)
    return str(value)


def event_note(kind: EventKind, note: str) -> str:
    """An event's note as people read it: an edit lists the fields it changed by their labels
    ("类别、紧急程度"), a missed deadline names the deadline. Every screen and message that
    shows an event's note uses this."""
    if kind == EventKind.EDITED:
        return field_labels(note or "")
    if kind == EventKind.DEADLINE_MISSED:
        return deadline_kind_label(note or "")
    return note or ""
