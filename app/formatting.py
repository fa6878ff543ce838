"""Display helpers and field labels shared by screens, templates and exports."""
from flask_babel import format_datetime, format_timedelta, gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from . import clock
from .enums import DeadlineKind, Tier

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
    "next_due_at": _l("Next deadline"),
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


def deadline_badge(state) -> Markup:
    """"Overdue by …" / "due in …", in the user's language, with an icon and a colour;
    the words alone carry the meaning (readable without colour)."""
    overdue_since, next_due = state if state else (None, None)
    now = clock.now()
    if overdue_since is not None:
        text = _("Overdue by %(time)s", time=format_timedelta(now - overdue_since, threshold=1.5))
        return Markup('<span class="deadline deadline-overdue" title="{}"><i class="fa fa-exclamation-triangle" '
                      'aria-hidden="true"></i> {}</span>').format(local_time(overdue_since), text)
    if next_due is None:
        return Markup("")
    text = _("Due in %(time)s", time=format_timedelta(next_due - now, threshold=1.5))
    soon = next_due - now <= deadlines_reminder_lead()
    css, icon = ("deadline deadline-soon", "fa-clock-o") if soon else ("deadline", "fa-calendar-o")
    return Markup('<span class="{}" title="{}"><i class="fa {}" aria-hidden="true"></i> {}</span>').format(
        css, local_time(next_due), icon, text)


def deadlines_reminder_lead():
    from .deadlines import reminder_lead

    return reminder_lead()


def deadline_kind_label(name: str) -> str:
    """A missed-deadline event stores the deadline kind's name; show its label."""
    try:
        return str(DeadlineKind[name].label)
    except KeyError:
        return name


def init_template_helpers(app) -> None:
    app.jinja_env.filters.update(local_time=local_time, tier_label=tier_label, field_labels=field_labels,
                                 person_name=person_name, deadline_badge=deadline_badge,
                                 deadline_kind_label=deadline_kind_label)
