"""Flask-AppBuilder's action routes on every screen (/<view>/action/<name>/<pk> for one row,
/<view>/action_post for the rows ticked in a list): an action the view does not have, or not
for that route, is a 404; a missing permission is answered like @has_access (our 403 page for
a signed-in user, the sign-in page otherwise); rows are looked up through the list's own
filters; a GET changes nothing."""
import sqlalchemy as sa

from app.complaints.enums import Status
from app.complaints.models import Complaint
from app.core.extensions import db


def statuses():
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Complaint.status)))


def assert_our_page(response, status, text):
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert 'id="error-page"' in page and text in page and "返回首页" in page


def test_an_action_the_view_does_not_have_is_not_found(cs_client, admin_client, new_case, world):
    case = new_case()
    assert_our_page(cs_client.post(f"/complaints/action/nope/{case.id}"), 404, "找不到该页面或记录")
    assert_our_page(cs_client.post("/complaints/action_post", data={"action": "nope", "rowid": [case.id]}), 404,
                    "找不到该页面或记录")
    assert_our_page(admin_client.post(f"/offices/action/nope/{world.offices['BJ01'].id}"), 404, "找不到该页面或记录")
    assert statuses() == {Status.RECEIVED}


def test_a_list_only_action_on_the_single_row_route_is_not_found(cs_client, new_case):
    case = new_case()
    assert_our_page(cs_client.post(f"/complaints/action/acknowledge/{case.id}"), 404, "找不到该页面或记录")
    assert statuses() == {Status.RECEIVED}


def test_a_single_row_action_is_not_taken_by_a_get(admin_client, world):
    response = admin_client.get(f"/users/action/resetpasswords/{world.user_id('cs')}")
    assert_our_page(response, 405, "该地址不支持此请求方式")


def test_an_action_without_permission_is_our_403_page_for_a_signed_in_user(cs_client, world):
    response = cs_client.post(f"/users/action/resetpasswords/{world.user_id('cs2')}")
    assert_our_page(response, 403, "无权访问")
    response = cs_client.post("/roles/action_post", data={"action": "copyrole", "rowid": ["1"]})
    assert_our_page(response, 403, "无权访问")


def test_an_action_without_a_session_goes_to_the_sign_in_page(anonymous_client, new_case):
    case = new_case()
    response = anonymous_client.post("/complaints/action_post", data={"action": "acknowledge", "rowid": [case.id]})
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    assert statuses() == {Status.RECEIVED}


def test_an_allowed_single_row_action_still_runs(admin_client, world):
    response = admin_client.post(f"/users/action/resetpasswords/{world.user_id('cs2')}")
    assert response.status_code == 302 and "/resetpassword/form" in response.headers["Location"]
