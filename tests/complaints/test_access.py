"""Who may reach what: the role × endpoint matrix, office isolation on every path, CSRF,
login rate limiting, password policy and page-size limits."""
import io

import pytest
from flask_appbuilder.exceptions import PasswordComplexityValidationError

from app.complaints import workflow
from app.complaints.enums import Status
from app.complaints.models import Complaint
from app.core.extensions import db
from app.core.security import password_policy

from ..conftest import StaffClient, make_app, password_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

STAFF_ROLES = ["cs", "sup", "gm", "admin"]


def _ok(response):
    return response.status_code == 200


def _denied(response):
    """FAB answers a screen the role lacks with a redirect (to login or home), never the page."""
    return response.status_code in (302, 403, 404)


# endpoint → users expected to get the page; everyone else is refused.
MATRIX = [
    ("/queue/list/", {"cs", "sup", "gm", "admin", "sh_cs"}),
    ("/complaints/list/", {"cs", "sup", "gm", "admin", "sh_cs"}),
    ("/complaints/add", {"cs", "sup", "gm", "admin", "sh_cs"}),
    ("/complaints/show/{pk}", {"cs", "sup", "gm", "admin"}),
    ("/complaints/edit/{pk}", {"cs", "sup", "gm", "admin"}),
    ("/offices/list/", {"admin"}),
    ("/categories/list/", {"admin"}),
    ("/users/list/", {"admin"}),
    ("/roles/list/", {"admin"}),
    ("/api/v1/complaints/{pk}", {"cs", "sup", "gm", "admin"}),
    ("/api/v1/complaints/{pk}/events", {"cs", "sup", "gm", "admin"}),
]


@pytest.mark.parametrize("who", STAFF_ROLES + ["sh_cs", None])
def test_access_control_matrix(who, client_for, anonymous_client, new_case):
    case = new_case()
    client = client_for(who) if who else anonymous_client
    for url, allowed in MATRIX:
        response = client.get(url.format(pk=case.id))
        if who in allowed:
            assert _ok(response), f"{who} should reach {url}"
        else:
            assert _denied(response) or response.status_code == 401, f"{who} should not reach {url}"


def test_other_office_sees_no_trace_of_the_case_in_lists(other_office_client, cs_client, new_case):
    case = new_case()
    for url in ("/complaints/list/", "/queue/list/", "/api/v1/complaints/"):
        assert case.case_number not in other_office_client.get(url).get_data(as_text=True)
        assert case.case_number in cs_client.get(url).get_data(as_text=True)


def test_other_office_cannot_edit_act_or_bulk_act_on_the_case(other_office_client, new_case, world):
    case = new_case()
    c = other_office_client
    assert c.post(f"/complaints/edit/{case.id}", data={"description": "改", "version": case.version}).status_code == 404
    assert c.act(case, "escalate", reason="越权").status_code == 404
    # FAB's own action endpoints load rows by id without the list's filters: closed here.
    assert c.post("/complaints/action_post", data={"action": "acknowledge", "rowid": [case.id]}).status_code == 404
    assert c.post(f"/complaints/action/acknowledge/{case.id}").status_code == 404
    db.session.expire_all()
    fresh = db.session.get(Complaint, case.id)
    assert (fresh.status, fresh.tier, fresh.description, fresh.version) == (Status.RECEIVED, 1, case.description, 1)


def test_bulk_action_works_on_own_office_cases(cs_client, new_case):
    first, second = new_case(), new_case()
    response = cs_client.post("/complaints/action_post", data={"action": "acknowledge",
                                                               "rowid": [first.id, second.id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert {c.status for c in db.session.query(Complaint)} == {Status.ACKNOWLEDGED}


def test_other_office_cannot_reach_the_case_through_the_api(other_office_client, new_case):
    case = new_case()
    c = other_office_client
    assert c.get(f"/api/v1/complaints/{case.id}").status_code == 404
    assert c.get(f"/api/v1/complaints/{case.id}/events").status_code == 404
    response = c.client.post(f"/api/v1/complaints/{case.id}/actions/acknowledge", json={},
                             headers={"X-CSRFToken": c.csrf_token()})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == Status.RECEIVED


def test_evidence_is_served_only_to_those_who_may_see_the_case(cs_client, other_office_client, gm_client, new_case):
    case = new_case()
    response = cs_client.post(f"/complaints/upload/{case.id}", data={"file": (io.BytesIO(PNG), "电梯.png")},
                              content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    [attachment] = db.session.get(Complaint, case.id).attachments
    url = f"/complaints/download/{case.id}/{attachment.id}"
    assert cs_client.get(url).data == PNG
    assert gm_client.get(url).data == PNG
    assert other_office_client.get(url).status_code == 404
    upload = other_office_client.post(f"/complaints/upload/{case.id}", data={"file": (io.BytesIO(PNG), "x.png")},
                                      content_type="multipart/form-data")
    assert upload.status_code == 404
    # An attachment id of another case does not leak through a case the user may see.
    own = new_case(by="sh_cs", office="SH01")
    assert other_office_client.get(f"/complaints/download/{own.id}/{attachment.id}").status_code == 404


def test_state_changing_requests_need_the_csrf_token(cs_client, new_case):
    case = new_case()
    response = cs_client.client.post(f"/complaints/act/{case.id}", data={"action": "acknowledge"})
    assert response.status_code == 400
    api = cs_client.client.post(f"/api/v1/complaints/{case.id}/actions/acknowledge", json={})
    assert api.status_code == 400
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == Status.RECEIVED


def test_login_is_rate_limited(database_url, tmp_path, world):
    limited = make_app(database_url, tmp_path, AUTH_RATE_LIMIT="3 per minute")
    client = StaffClient(limited.test_client())
    codes = [client.post("/login/", data={"username": "cs", "password": "wrong-password1"}).status_code
             for _ in range(4)]
    assert 429 not in codes[:3]
    assert codes[3] == 429


@pytest.mark.parametrize("weak", ["short1", "onlyletters", "1234567890", "aaaaaaaaa1"])
def test_password_policy_refuses_weak_passwords(weak):
    with pytest.raises(PasswordComplexityValidationError):
        password_policy(weak)


def test_password_policy_accepts_a_reasonable_password():
    password_policy("wuye-kefu-2026")


def test_admin_cannot_create_a_user_with_a_weak_password(admin_client, world):
    response = admin_client.post("/users/add", data={
        "first_name": "新", "last_name": "员工", "username": "weakling", "email": "weak@example.com",
        "active": "y", "roles": [str(world.users["cs"].roles[0].id)], "password": "123", "conf_password": "123"})
    assert response.status_code == 200
    assert admin_client.get("/users/list/?_flt_0_username=weakling").get_data(as_text=True).count("weakling@") == 0
    from flask import current_app
    assert current_app.appbuilder.sm.find_user(username="weakling") is None


@pytest.mark.parametrize("size, expected", [("100000", "psize_ComplaintView=100"), ("0", "psize_ComplaintView=1"),
                                            ("abc", None), ("-5", "psize_ComplaintView=1")])
def test_page_size_is_capped(cs_client, size, expected):
    response = cs_client.get(f"/complaints/list/?psize_ComplaintView={size}")
    assert response.status_code == 302
    location = response.headers["Location"]
    if expected:
        assert expected in location
    else:
        assert "psize" not in location
    assert cs_client.get(location).status_code == 200


def test_demo_password_of_fixture_users_meets_the_policy():
    for name in ("cs", "admin"):
        password_policy(password_of(name))


def test_workflow_refusal_is_not_found_for_unknown_complaint(world):
    with pytest.raises(workflow.NotFound):
        workflow.load(db.session, world.actor("cs"), 999999)
    with pytest.raises(workflow.NotFound):
        workflow.load(db.session, world.actor("cs"), "not-a-number")


def test_administrator_sets_a_new_staff_members_offices(admin_client, world):
    from flask import current_app

    role = current_app.appbuilder.sm.find_role("Customer Service")
    response = admin_client.post("/users/add", data={
        "first_name": "新", "last_name": "客服", "username": "new_cs", "email": "new_cs@example.com",
        "active": "y", "roles": [str(role.id)], "offices": [str(world.offices["SH01"].id)],
        "password": "kefu-2026-pass", "conf_password": "kefu-2026-pass"})
    assert response.status_code == 302
    user = current_app.appbuilder.sm.find_user(username="new_cs")
    try:
        assert [o.code for o in user.offices] == ["SH01"]
        actor = world.actor("sh_cs")
        assert workflow.actor_for_user(db.session, user, set()).office_ids == actor.office_ids
    finally:
        db.session.delete(user)
        db.session.commit()
