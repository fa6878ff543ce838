"""How deadlines read on screens: "overdue by …" / "due in …" badges and deadline kinds."""
from flask_babel import format_timedelta
from flask_babel import gettext as _
from markupsafe import Markup

from app.core import clock
from app.core.formatting import local_time

from .enums import DeadlineKind
from .rules import reminder_lead


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
    soon = next_due - now <= reminder_lead()
    css, icon = ("deadline deadline-soon", "fa-clock-o") if soon else ("deadline", "fa-calendar-o")
    return Markup('<span class="{}" title="{}"><i class="fa {}" aria-hidden="true"></i> {}</span>').format(
        css, local_time(next_due), icon, text)


def deadline_kind_label(name: str) -> str:
    """A missed-deadline event stores the deadline kind's name; show its label."""
    try:
        return str(DeadlineKind[name].label)
    except KeyError:
        return name
