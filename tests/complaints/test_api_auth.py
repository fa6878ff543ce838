"""How the API authenticates: the token login's failure limit, CSRF for cookie requests that
carry no valid token, and 401 JSON answers for missing, malformed and expired tokens."""
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token

from app.complaints.enums import Status
from app.complaints.models import Complaint
from app.core.extensions import db

from ..conftest import make_app, password_of

LOGIN = "/api/v1/security/login"


def _login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, json={"username": username, "password": password, "provider": "db"},
                       environ_base={"REMOTE_ADDR": address})


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def limited(database_url, tmp_path, world):
    """An app whose token login allows three failures an hour (a window no test outlasts)."""
    return make_app(database_url, tmp_path, AUTH_RATE_LIMIT="3 per hour").test_client()


def test_token_login_refuses_even_the_right_password_after_too_many_failures(limited):
    codes = [_login(limited, "cs", "wrong-password1").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    refused = _login(limited, "cs", password_of("cs"))
    assert refused.status_code == 429
    assert refused.is_json and _has_chinese(refused.json["message"])
    assert "access_token" not in refused.json


def test_successful_token_logins_do_not_use_up_the_allowance(limited):
    for _ in range(6):
        assert _login(limited, "cs", password_of("cs")).status_code == 200
    assert [_login(limited, "cs", "wrong-password1").status_code for _ in range(3)] == [401, 401, 401]
    assert _login(limited, "cs", "wrong-password1").status_code == 429


def test_failures_count_per_user_name_and_per_address(limited):
    for _ in range(3):
        assert _login(limited, "cs", "wrong-password1", address="10.0.0.1").status_code == 401
    # The user name is blocked from any address, the address for any user name ...
    assert _login(limited, "cs", password_of("cs"), address="10.0.0.2").status_code == 429
    assert _login(limited, "CS", password_of("cs"), address="10.0.0.2").status_code == 429
    assert _login(limited, "sup", password_of("sup"), address="10.0.0.1").status_code == 429
    # ... and another user name from another address is not.
    assert _login(limited, "sup", password_of("sup"), address="10.0.0.2").status_code == 200


@pytest.fixture
def token(web_app, world):
    def make(username="cs", **kwargs):
        with web_app.app_context():
            return create_access_token(identity=str(world.user_id(username)), fresh=True, **kwargs)
    return make


def test_a_session_with_a_junk_bearer_header_still_needs_the_csrf_token(cs_client, new_case, world):
    case = new_case()
    junk = {"Authorization": "Bearer not-a-token"}
    acted = cs_client.client.post(f"/api/v1/complaints/{case.id}/actions/acknowledge", json={}, headers=junk)
    created = cs_client.client.post("/api/v1/complaints/", headers=junk, json={
        "office_id": world.offices["BJ01"].id, "category_id": world.categories["SAFETY"].id,
        "description": "门禁损坏", "complainant_name": "赵德福"})
    for response in (acted, created):
        assert response.status_code in (400, 401, 403)
        assert response.get_data(as_text=True).strip()
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == Status.RECEIVED
    assert db.session.query(Complaint).count() == 1


def test_a_valid_token_without_a_cookie_needs_no_csrf_token(web_app, new_case, token):
    case = new_case()
    response = web_app.test_client().post(f"/api/v1/complaints/{case.id}/actions/acknowledge", json={},
                                          headers={"Authorization": f"Bearer {token()}"})
    assert response.status_code == 200 and response.json["status"] == "acknowledged"


@pytest.mark.parametrize("header", [
    "Bearer not-a-token",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",  # well-formed, wrong signature
    None,  # no token at all
])
def test_missing_or_malformed_tokens_get_401_json(web_app, new_case, header):
    case = new_case()
    headers = {"Authorization": header} if header else {}
    client = web_app.test_client()
    for response in (client.get(f"/api/v1/complaints/{case.id}", headers=headers),
                     client.get("/api/v1/complaints/", headers=headers),
                     client.post(f"/api/v1/complaints/{case.id}/actions/acknowledge", json={}, headers=headers)):
        assert response.status_code == 401
        assert response.is_json and _has_chinese(response.json["message"])


def test_an_expired_token_gets_401_json(web_app, new_case, token):
    case = new_case()
    expired = token(expires_delta=timedelta(minutes=-5))
    response = web_app.test_client().get(f"/api/v1/complaints/{case.id}",
                                         headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.is_json and _has_chinese(response.json["message"])
    fresh = web_app.test_client().get(f"/api/v1/complaints/{case.id}",
                                      headers={"Authorization": f"Bearer {token()}"})
    assert fresh.status_code == 200


def test_a_refresh_token_is_not_an_access_token(web_app, new_case):
    response = web_app.test_client().post(LOGIN, json={
        "username": "cs", "password": password_of("cs"), "provider": "db", "refresh": True})
    refresh = response.json["refresh_token"]
    answer = web_app.test_client().get("/api/v1/complaints/", headers={"Authorization": f"Bearer {refresh}"})
    assert answer.status_code == 401 and answer.is_json
