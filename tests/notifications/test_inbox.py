"""The notification inbox: what the sweep sends, the unread count in the navbar, and marking
read — only one's own."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.complaints import workflow
from app.core import clock
from app.core.extensions import db
from app.deadlines.sweep import sweep
from app.notifications.models import Notification

BEIJING = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=BEIJING)


def test_notification_inbox_and_unread_count(supervisor_client, cs_client, new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(local(2026, 11, 21, 10, 1))
    sweep(db.session)
    page = supervisor_client.get("/").get_data(as_text=True)
    assert re.search(r'id="unread-count">3<', page)
    inbox = supervisor_client.get("/notifications/list/").get_data(as_text=True)
    assert inbox.count("已逾期") >= 3
    # Someone else cannot mark the supervisor's notifications through FAB's action endpoint.
    ids = db.session.scalars(sa.select(Notification.id).where(Notification.user_id == world.user_id("sup"))).all()
    assert cs_client.post("/notifications/action_post", data={"action": "mark_read", "rowid": ids}).status_code == 404
    assert supervisor_client.post("/notifications/read-all").status_code == 302
    assert 'id="unread-count"' not in supervisor_client.get("/").get_data(as_text=True)
    assert cs_client.get("/notifications/list/").get_data(as_text=True).count("已逾期") == 0


def test_one_notification_is_marked_read_from_its_own_action_route_only_by_its_owner(
        supervisor_client, cs_client, new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(local(2026, 11, 21, 10, 1))
    sweep(db.session)
    first, *others = db.session.scalars(sa.select(Notification.id).where(
        Notification.user_id == world.user_id("sup")).order_by(Notification.id)).all()

    def read(notification_id):
        db.session.expire_all()
        return db.session.get(Notification, notification_id).read_at is not None

    # Someone else's notification: not found, and nothing changes.
    assert cs_client.post(f"/notifications/action/mark_read/{first}").status_code == 404
    # Without the form's security token: refused.
    assert supervisor_client.client.post(f"/notifications/action/mark_read/{first}").status_code == 400
    assert not read(first)
    response = supervisor_client.post(f"/notifications/action/mark_read/{first}")
    assert response.status_code == 302
    assert read(first) and not any(read(i) for i in others)
    assert re.search(rf'id="unread-count">{len(others)}<', supervisor_client.get("/").get_data(as_text=True))


def test_each_notification_says_in_one_sentence_what_happened(supervisor_client, new_case, world, frozen_clock):
    from app.complaints.enums import Urgency

    frozen_clock(local(2026, 11, 20, 10, 0))
    late = new_case(category_id=world.categories["SERVICE"].id)
    emergency = new_case(category_id=world.categories["SAFETY"].id, urgency=Urgency.EMERGENCY,
                         description="电梯困人,老人被困")
    clock.freeze(local(2026, 11, 21, 10, 1))
    sweep(db.session)
    clock.freeze(local(2026, 11, 21, 12, 1))  # two hours later, nothing done
    inbox = supervisor_client.get("/notifications/list/").get_data(as_text=True)
    link = f'<a href="/complaints/show/{late.id}">{late.case_number}</a>'
    assert f"{link}:首次反馈期限已逾期 2小时" in inbox
    assert f"{emergency.case_number}</a>:新登记紧急投诉:电梯困人,老人被困" in inbox
    # Its arrival on site was due three minutes after registration, 26 hours ago.
    assert f"{emergency.case_number}</a>:到达现场期限已逾期 26小时" in inbox
    # A deadline met since then: the sentence says when it was missed, not that it still is.
    workflow.perform(db.session, world.actor("cs"), late.id, "record_feedback", note="已电话回复业主")
    inbox = supervisor_client.get("/notifications/list/").get_data(as_text=True)
    assert f"{link}:首次反馈期限于 2026-11-21 10:00 逾期" in inbox
    english = supervisor_client.get("/notifications/list/?_l_=en").get_data(as_text=True)
    assert "the Start of investigation deadline is overdue by 2 hours" in english


def test_unread_notifications_stand_out(supervisor_client, new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    new_case(category_id=world.categories["SERVICE"].id)
    clock.freeze(local(2026, 11, 21, 10, 1))
    sweep(db.session)
    first, *others = db.session.scalars(sa.select(Notification.id).where(
        Notification.user_id == world.user_id("sup")).order_by(Notification.id)).all()
    assert supervisor_client.post(f"/notifications/action/mark_read/{first}").status_code == 302
    inbox = supervisor_client.get("/notifications/list/").get_data(as_text=True)
    rows = dict((pk, bool(unread)) for unread, pk in re.findall(
        r'<tr class="notification-row( notification-unread)?">\s*<td>\s*<input id="(\d+)"', inbox))
    assert rows == {str(first): False, **{str(i): True for i in others}}
    assert inbox.count("notification-unread-label") == len(others)  # "未读", not colour alone
    assert f"{len(others)} 条未读" in inbox


def test_mark_all_read_is_offered_and_reads_only_mine(supervisor_client, client_for, new_case, world, frozen_clock):
    frozen_clock(local(2026, 11, 20, 10, 0))
    case = new_case(category_id=world.categories["SERVICE"].id)
    workflow.perform(db.session, world.actor("cs"), case.id, "assign", assignee_id=world.user_id("cs2"))
    clock.freeze(local(2026, 11, 21, 10, 1))
    sweep(db.session)
    inbox = supervisor_client.get("/notifications/list/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/notifications/read-all"[^>]*id="mark-all-read"', inbox)
    assert "全部标为已读" in inbox
    assert supervisor_client.post("/notifications/read-all").status_code == 302
    unread = dict(db.session.execute(sa.select(Notification.user_id, sa.func.count()).where(
        Notification.read_at.is_(None)).group_by(Notification.user_id)).all())
    assert world.user_id("sup") not in unread and unread[world.user_id("cs2")] == 3
    page = supervisor_client.get("/notifications/list/").get_data(as_text=True)
    assert re.search(r'id="mark-all-read">.*?<button type="submit" class="btn btn-primary btn-sm" disabled', page, re.DOTALL)


def test_the_demo_does_not_start_anyone_with_hundreds_of_unread_notifications(empty_app):
    from app.demo import UNREAD_DAYS, load_demo
    from app.setup import initialise

    initialise()
    load_demo(count=80)
    total = db.session.scalar(sa.select(sa.func.count(Notification.id)))
    unread = dict(db.session.execute(sa.select(Notification.user_id, sa.func.count()).where(
        Notification.read_at.is_(None)).group_by(Notification.user_id)).all())
    assert total > 50  # the deadlines ran all along: there is history to read
    assert max(unread.values(), default=0) <= 20
    # What is left unread happened in the last days.
    cutoff = clock.now() - timedelta(days=UNREAD_DAYS)
    for n in db.session.scalars(sa.select(Notification).where(Notification.read_at.is_(None))):
        happened = n.deadline.due_at if n.deadline is not None else n.created_at
        assert happened >= cutoff, n.id
