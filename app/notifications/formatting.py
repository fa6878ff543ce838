"""How a notification reads in the inbox: one sentence saying what happened, with the case's
number as a link ("BJ01-20261120-0003:处理完毕期限已逾期 2 小时")."""
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core import clock
from app.core.formatting import local_time, tier_label
from app.deadlines.formatting import duration

from .enums import NotificationKind

# How much of an emergency's description the sentence quotes.
EXCERPT = 40


def sentence(notification) -> Markup:
    """What happened, in one sentence of the user's language."""
    n, now = notification, clock.now()
    complaint = n.complaint
    case = Markup('<a href="{}">{}</a>').format(url_for("ComplaintView.show", pk=n.complaint_id),
                                                complaint.case_number)
    deadline = n.deadline
    # The deadline row is still the one the notification is about unless it has restarted
    # since (a fresh resolution limit after an escalation starts after the notification).
    same = deadline is not None and deadline.starts_at <= n.created_at and (
        deadline.due_at <= n.created_at if n.kind == NotificationKind.OVERDUE else deadline.due_at > n.created_at)
    kind = str(n.deadline_kind.label) if n.deadline_kind else ""
    if n.kind == NotificationKind.OVERDUE:
        if same and deadline.pending and deadline.breached_at is not None:
            return _sentence(_("%(case)s: the %(deadline)s deadline is overdue by %(time)s"),
                             case=case, deadline=kind, time=duration(now - deadline.due_at))
        return _sentence(_("%(case)s: the %(deadline)s deadline was missed at %(time)s"),
                         case=case, deadline=kind, time=local_time(deadline.due_at if same else n.created_at))
    if n.kind == NotificationKind.REMINDER:
        if same and deadline.pending and deadline.breached_at is None and deadline.due_at > now:
            return _sentence(_("%(case)s: the %(deadline)s deadline is due in %(time)s, at %(due)s"),
                             case=case, deadline=kind, time=duration(deadline.due_at - now),
                             due=local_time(deadline.due_at))
        return _sentence(_("%(case)s: reminder of the %(deadline)s deadline"), case=case, deadline=kind)
    if n.kind == NotificationKind.ESCALATED:
        return _sentence(_("%(case)s: escalated to %(tier)s"), case=case, tier=tier_label(complaint.tier))
    description = " ".join((complaint.description or "").split())
    if len(description) > EXCERPT:
        description = description[:EXCERPT] + "…"
    return _sentence(_("%(case)s: emergency registered: %(description)s"), case=case, description=description)


def _sentence(template: str, **values) -> Markup:
    """The translated sentence with its values put in, each escaped unless already markup."""
    return Markup(escape(template)) % values
