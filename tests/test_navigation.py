"""Every menu link and every link of the home page, for each role and without a session, and one
level further (a list's first detail page): no 500, nothing loaded from another host, and no
untranslated framework page — a refused or unknown page is ours, in the user's language, with a
way back."""
import re
from urllib.parse import urlsplit

import pytest

ROLES = ["cs", "sup", "gm", "admin", None]
# An address in src/href/action (or a CSS url()) that leaves the app: another host.
EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|poster)\s*=\s*["']?|url\(\s*["']?)\s*(?:[a-z][a-z0-9+.-]*:)?//""",
                      re.IGNORECASE)
# Local scripts that fetch code from another host when they run (FAB's chart widget).
REMOTE_LOADERS = ["google_charts.js", "google.load(", "google.charts", "gstatic.com", "googleapis.com"]
# Flask-AppBuilder's and Werkzeug's English answers, which a Chinese page must never show.
UNTRANSLATED = ["Access is Denied", "Not Found", "Forbidden", "Method Not Allowed", "An error occurred",
                "Internal Server Error", "User's Statistics", "User Statistics"]
LINK = re.compile(r"""href="(/[^"#]*)\"""")
SKIP = ("/logout", "/lang/", "/static/", "/appbuilder/")


def menu_links(web_app):
    with web_app.test_request_context():
        links = []
        for item in web_app.appbuilder.menu.get_list():
            for child in item.childs or [item]:
                url = child.get_url()
                if url and child.name != "-":
                    links.append(url)
        return links


def check(response, url):
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 403, 404), url
    external = EXTERNAL.search(page)
    assert not external, f"{url} refers to another host: …{page[external.start():external.end() + 60]}"
    assert not [loader for loader in REMOTE_LOADERS if loader in page], f"{url} loads code from another host"
    assert not [text for text in UNTRANSLATED if text in page], url
    if response.status_code in (403, 404):
        assert 'id="error-page"' in page and "返回首页" in page, url
    return page


def visit(client, url, seen):
    """Open `url` (following the app's own redirects) and check every page on the way."""
    response = client.get(url)
    hops = 0
    while response.status_code in (301, 302) and hops < 3:
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", "localhost"), f"{url} redirects to another host"
        response, hops = client.get(location.path + (f"?{location.query}" if location.query else "")), hops + 1
    seen.add(url)
    return check(response, url)


@pytest.mark.parametrize("who", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_every_menu_and_home_page_link_is_ours_translated_and_local(who, client_for, anonymous_client, web_app,
                                                                      new_case):
    new_case()
    client = client_for(who) if who else anonymous_client
    seen = set()
    home = visit(client, "/", seen)
    links = menu_links(web_app) + [u for u in LINK.findall(home) if not u.startswith(SKIP)]
    assert "/complaints/list/" in links and "/users/list/" in links
    for url in dict.fromkeys(links):
        page = visit(client, url, seen)
        # One level deeper: the first detail page a list links to.
        show = re.search(r'href="(/[\w-]+/show/[^"]+)"', page) if "/list/" in url else None
        if show:
            visit(client, show.group(1).replace("&amp;", "&"), seen)
    if who == "gm":
        assert any("/show/" in url for url in seen)


def test_the_user_statistics_chart_is_gone(admin_client, web_app):
    assert not [url for url in menu_links(web_app) if "chart" in url.lower()]
    response = admin_client.get("/userstatschartview/chart/")
    assert response.status_code == 404 and 'id="error-page"' in response.get_data(as_text=True)


def test_the_api_documentation_page_reports_nothing_to_another_host(admin_client):
    response = admin_client.get("/swagger/v1")
    page = check(response, "/swagger/v1")
    assert response.status_code == 200 and "validatorUrl: null" in page
