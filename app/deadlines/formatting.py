"""How deadlines read on screens: "overdue by …" / "due in …" badges and deadline kinds."""
from datetime import datetime, timedelta

from flask_babel import format_timedelta
from flask_babel import gettext as _
from markupsafe import Markup

from app.core import clock
from app.core.formatting import local_time

from .enums import DeadlineKind
from .rules import reminder_lead


def duration(span: timedelta) -> str:
    """A length of time in the user's language, rounded as people say it ("2 小时", "3天")."""
    return format_timedelta(abs(span), threshold=1.5)


def deadline_badge(state) -> Markup:
    """"Overdue by …" / "due in …", in the user's language, with an icon and a colour;
    the words alone carry the meaning (readable without colour). A due time that has passed
    reads as overdue at once, before the sweep has flagged it."""
    overdue_since, next_due = state if state else (None, None)
    now = clock.now()
    if overdue_since is None and next_due is not None and next_due <= now:
        overdue_since = next_due
    if overdue_since is not None:
        return overdue_badge(overdue_since, now)
    if next_due is None:
        return Markup("")
    text = _("Due in %(time)s", time=duration(next_due - now))
    soon = next_due - now <= reminder_lead()
    css, icon = ("deadline deadline-soon", "fa-clock-o") if soon else ("deadline", "fa-calendar-o")
    return Markup('<span class="{}" title="{}"><i class="fa {}" aria-hidden="true"></i> {}</span>').format(
        css, local_time(next_due), icon, text)


def overdue_badge(due: datetime, now: datetime) -> Markup:
    """The red "overdue by …" badge of a deadline that was due at `due`."""
    text = _("Overdue by %(time)s", time=duration(now - due))
    return Markup('<span class="deadline deadline-overdue" title="{}"><i class="fa fa-exclamation-triangle" '
                  'aria-hidden="true"></i> {}</span>').format(local_time(due), text)


def deadline_kind_label(name: str) -> str:
    """A missed-deadline event stores the deadline kind's name; show its label."""
    try:
        return str(DeadlineKind[name].label)
    except KeyError:
        return name
