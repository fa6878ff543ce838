"""The notification inbox: what the sweep sends, the unread count in the navbar, and marking
read — only one's own."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

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
