"""Security headers on every response: a same-origin Content-Security-Policy whose nonce the
pages' scripts carry, no framing, a referrer policy and no type sniffing; plain HTTP is served
and the session-cookie settings stay as configured."""
import re

import pytest

from ..conftest import make_app


def _directives(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_security_headers(response):
    csp = _directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert not any("http" in source or source == "*" for sources in csp.values() for source in sources), csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("who, url, status", [
    (None, "/login/", 200),                              # a screen
    ("cs", "/", 200),                                    # the dashboard
    ("cs", "/complaints/add", 200),                      # a form
    ("cs", "/api/v1/complaints/", 200),                  # an API answer
    ("admin", "/swagger/v1", 200),                       # Swagger UI
    ("cs", "/no/such/page", 404),                        # a 404
    ("cs", "/static/css/complaints.css", 200),           # our static file
    (None, "/static/appbuilder/js/ab.js", 200),          # FAB's static file
])
def test_every_response_carries_the_security_headers(client_for, anonymous_client, who, url, status):
    response = (client_for(who) if who else anonymous_client).get(url)
    assert response.status_code == status, (url, response.status_code)
    assert_security_headers(response)


def test_refusals_carry_the_headers_too(web_app, anonymous_client):
    assert_security_headers(anonymous_client.get("/complaints/list/"))       # redirect to login
    assert_security_headers(web_app.test_client().get("/api/v1/complaints/"))  # 401
    assert_security_headers(anonymous_client.client.post("/login/", data={}))  # CSRF refusal


def test_every_script_of_a_page_carries_the_requests_nonce(cs_client):
    response = cs_client.get("/complaints/add")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert "'nonce-" + nonce + "'" in " ".join(_directives(response)["script-src"])
    scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert nonce not in cs_client.get("/complaints/add").headers["Content-Security-Policy"]


def test_plain_http_is_served_and_the_session_cookie_settings_stay(web_app, anonymous_client):
    response = anonymous_client.get("/login/")
    assert response.status_code == 200  # no redirect to https
    assert "Strict-Transport-Security" not in response.headers
    assert (web_app.config["SESSION_COOKIE_SECURE"], web_app.config["SESSION_COOKIE_HTTPONLY"],
            web_app.config["SESSION_COOKIE_SAMESITE"]) == (False, True, "Lax")


def test_production_cookie_settings_are_kept(database_url, tmp_path, world):
    app = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Strict")
    client = app.test_client()
    client.get("/login/", base_url="https://desk.example.com")
    assert (app.config["SESSION_COOKIE_SECURE"], app.config["SESSION_COOKIE_SAMESITE"]) == (True, "Strict")
    cookie = client.get_cookie("session", domain="desk.example.com")
    assert cookie is not None and cookie.secure and cookie.http_only and cookie.same_site == "Strict"
    assert "max-age=" in client.get("/login/", base_url="https://desk.example.com").headers[
        "Strict-Transport-Security"]
