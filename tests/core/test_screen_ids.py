"""An id in a screen's address that names no row — past the `integer` range, not a number,
negative — is our translated 404 page on every route that takes one, never a 500 (PostgreSQL
refuses such values; SQLite overflows): FAB's generated screens, its action routes, its own
security screens, and ours."""
import pytest

BAD_IDS = ["99999999999999999999", "abc", "-1", "0", "2147483648"]

# (client, method, address): {id} is the bad id, {case} a case the client may see.
ROUTES = [
    ("cs", "get", "/complaints/show/{id}"), ("cs", "get", "/complaints/edit/{id}"),
    ("cs", "post", "/complaints/edit/{id}"), ("cs", "post", "/complaints/act/{id}"),
    ("cs", "post", "/complaints/upload/{id}"), ("cs", "get", "/complaints/download/{id}/1"),
    ("cs", "get", "/complaints/download/{case}/{id}"), ("cs", "get", "/queue/show/{id}"),
    ("cs", "post", "/complaints/action_post?action=acknowledge&rowid={id}"),
    ("cs", "get", "/notifications/show/{id}"), ("cs", "post", "/notifications/action/mark_read/{id}"),
    ("cs", "post", "/notifications/action_post?action=mark_read&rowid={id}"),
    *[("admin", method, f"/{screen}/{route}/{{id}}")
      for screen in ("offices", "categories", "deadline-policies", "calendar-days", "calendar-years", "users",
                     "roles")
      for method, route in (("get", "show"), ("get", "edit"), ("post", "edit"), ("post", "delete"))],
    ("admin", "post", "/users/action/resetpasswords/{id}"),
    ("admin", "post", "/roles/action_post?action=copyrole&rowid={id}"),
    ("admin", "post", "/resetpassword/form?pk={id}"),
]


def _request(client, method, address):
    path, _, query = address.partition("?")
    if method == "get":
        return client.get(address)
    # Form fields travel in the body, as the screens send them.
    data = dict(pair.split("=", 1) for pair in query.split("&")) if query else {}
    if path.startswith("/resetpassword/"):
        path, data = address, {"password": "Reset-2026pass", "conf_password": "Reset-2026pass"}
    return client.post(path, data=data)


@pytest.mark.parametrize("who, method, address", ROUTES)
def test_an_id_that_names_no_row_is_our_404_page_on_every_screen_route(who, method, address, client_for, new_case):
    client = client_for(who)
    case = new_case() if "{case}" in address else None
    for bad_id in BAD_IDS:
        response = _request(client, method, address.format(id=bad_id, case=case and case.id))
        page = response.get_data(as_text=True)
        assert response.status_code == 404, bad_id
        assert 'id="error-page"' in page and "找不到该页面或记录" in page and "返回首页" in page


def test_a_real_id_still_opens_its_row(admin_client, world):
    office = world.offices["BJ01"]
    assert world.offices["BJ01"].name in admin_client.get(f"/offices/show/{office.id}").get_data(as_text=True)
    assert "国庆节" in admin_client.get("/calendar-days/show/2026-10-01").get_data(as_text=True)
    assert admin_client.get(f"/users/show/{world.user_id('cs')}").status_code == 200
