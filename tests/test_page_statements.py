"""What a page costs does not depend on the size of the company: each page issues a handful of
statements, the same for two cases as for thirty and however many menu entries the user sees
(permissions are read once per request; the search form's choices only when a filter shows
them); lists count up to LIST_COUNT_LIMIT ("10,000+") and page no further."""
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.complaints.models import Category
from app.core import clock
from app.core.extensions import db
from app.core.permissions import ROLE_SUPERVISOR
from app.notifications.models import Notification

from .conftest import StaffClient, make_app
from .test_set_based import counting_statements

MAX_STATEMENTS = 8
PAGES = {
    "list": "/complaints/list/",
    "filtered list": "/complaints/list/?_flt_0_status=RECEIVED",
    "overdue list": "/complaints/list/?_flt_0_overdue_since=1",
    "category filter": "/complaints/list/?_flt_0_category={category}",
    "search": "/complaints/list/?_flt_2_description=电梯停",
    "complainant search": "/complaints/list/?_flt_0_complainant=1380000",
    "my queue": "/queue/list/",
    "dashboard": "/",
    "detail": "/complaints/show/{case}",
    "notifications": "/notifications/list/",
}


def statements_per_page(client, engine, **names) -> dict:
    counts = {}
    for page, url in PAGES.items():
        url = url.format(**names)
        client.get(url)  # anything cached per process is filled; each request reads afresh
        with counting_statements(engine) as statements:
            assert client.get(url).status_code == 200, url
        counts[page] = len(statements)
    return counts


@pytest.fixture
def engine(web_app):
    with web_app.app_context():
        return db.engine


def test_every_page_issues_the_same_few_statements_for_two_cases_as_for_thirty(supervisor_client, engine, new_case,
                                                                                world, frozen_clock):
    names = {"category": world.categories["REPAIR_COMMON"].id}
    first = new_case()
    new_case(complainant_phone="13800000009")
    few = statements_per_page(supervisor_client, engine, case=first.id, **names)
    for i in range(28):
        new_case(description=f"电梯停运第{i}次", complainant_phone=f"138000001{i:02d}")
    many = statements_per_page(supervisor_client, engine, case=first.id, **names)
    assert many == few
    assert max(many.values()) <= MAX_STATEMENTS, many


def test_statements_do_not_grow_with_the_menu(database_url, tmp_path, world):
    """Twelve more menu entries the supervisor may see: not one more statement per page."""
    app = make_app(database_url, tmp_path)
    with app.app_context():
        engine = db.engine
    client = StaffClient(app.test_client(), "sup")
    before = {page: _count(client, engine, url) for page, url in _plain_pages().items()}
    sm = app.appbuilder.sm
    names = [f"Extra report {i}" for i in range(12)]
    with app.app_context():
        role = sm.find_role(ROLE_SUPERVISOR)
        for name in names:
            app.appbuilder.add_link(name, href="/complaints/list/", category="Complaints")
            sm.add_permission_role(role, sm.add_permission_view_menu("menu_access", name))
    try:
        page = client.get("/complaints/list/").get_data(as_text=True)
        assert all(name in page for name in names)
        after = {page: _count(client, engine, url) for page, url in _plain_pages().items()}
        assert after == before
    finally:
        with app.app_context():
            role = sm.find_role(ROLE_SUPERVISOR)
            for name in names:
                sm.del_permission_role(role, sm.find_permission_view_menu("menu_access", name))
                sm.del_permission_view_menu("menu_access", name)
            db.session.remove()
            engine.dispose()


def _plain_pages():
    return {page: url for page, url in PAGES.items() if "{" not in url}


def _count(client, engine, url) -> int:
    client.get(url)
    with counting_statements(engine) as statements:
        assert client.get(url).status_code == 200, url
    return len(statements)


def test_a_revoked_permission_applies_to_the_next_request(supervisor_client, app):
    """Permissions are read per request: nothing stale survives a change of grants."""
    sm = app.appbuilder.sm
    role = sm.find_role(ROLE_SUPERVISOR)
    grant = sm.find_permission_view_menu("menu_access", "Notifications")
    menu_entry = 'tabindex="-1" href="/notifications/list/"'
    assert menu_entry in supervisor_client.get("/complaints/list/").get_data(as_text=True)
    sm.del_permission_role(role, grant)
    try:
        assert menu_entry not in supervisor_client.get("/complaints/list/").get_data(as_text=True)
    finally:
        sm.add_permission_role(sm.find_role(ROLE_SUPERVISOR), grant)
    assert menu_entry in supervisor_client.get("/complaints/list/").get_data(as_text=True)


def search_form_fields(page: str) -> dict:
    """The search form's fields as FAB's page hands them to its script: {column: html}."""
    decoder, at = json.JSONDecoder(), page.index("'#filter_form',") + len("'#filter_form',")
    _labels, at = decoder.raw_decode(page, at + len(page[at:]) - len(page[at:].lstrip()))
    at = page.index(",", at) + 1
    fields, _end = decoder.raw_decode(page, at + len(page[at:]) - len(page[at:].lstrip()))
    return fields


def test_filter_choices_are_read_only_when_a_filter_shows_them(supervisor_client, cs_client, anonymous_client, world):
    categories = db.session.scalars(sa.select(Category)).all()
    fields = search_form_fields(supervisor_client.get("/complaints/list/").get_data(as_text=True))
    # The category filter comes without its choices, and says where to load them from.
    assert 'data-choices-url="/complaints/filter-choices/category"' in fields["category"]
    assert "<option" not in fields["category"].replace('<option value=""></option>', "")
    assert not any(str(c) in fields["category"] for c in categories)
    choices = supervisor_client.get("/complaints/filter-choices/category").json
    assert {c["text"] for c in choices} == {str(c) for c in categories}
    assert {c["id"] for c in choices} == {str(c.id) for c in categories}
    offices = supervisor_client.get("/complaints/filter-choices/office").json
    assert {c["text"] for c in offices} == {o.name for o in world.offices.values()}
    # An applied filter shows its own row, read by id.
    chosen = world.categories["SAFETY"]
    page = supervisor_client.get(f"/complaints/list/?_flt_0_category={chosen.id}").get_data(as_text=True)
    assert f'<option value="{chosen.id}">{chosen}</option>' in search_form_fields(page)["category"]
    # Only the columns the form filters on by a related row; only for whoever may open the list.
    assert supervisor_client.get("/complaints/filter-choices/status").status_code == 404
    assert supervisor_client.get("/complaints/filter-choices/nope").status_code == 404
    assert cs_client.get("/deadline-policies/filter-choices/office").status_code == 403
    assert anonymous_client.get("/complaints/filter-choices/category").status_code == 401


def test_lists_count_exactly_up_to_the_limit_then_show_it_with_a_plus(supervisor_client, cs_client, web_app, new_case,
                                                                      monkeypatch):
    monkeypatch.setitem(web_app.config, "LIST_COUNT_LIMIT", 4)
    cases = [new_case() for _ in range(4)]
    page = supervisor_client.get("/complaints/list/?psize_ComplaintView=2").get_data(as_text=True)
    assert re.search(r"</strong>\s*4\s*</div>", page)
    cases.append(new_case())
    page = supervisor_client.get("/complaints/list/?psize_ComplaintView=2").get_data(as_text=True)
    assert re.search(r"</strong>\s*4\+\s*</div>", page)
    assert cases[-1].case_number in page  # newest first
    # The last page within the limit still lists its rows; past it, the list asks to narrow the filter.
    page = supervisor_client.get("/complaints/list/?psize_ComplaintView=2&page_ComplaintView=1").get_data(as_text=True)
    assert cases[1].case_number in page and "缩小" not in page
    page = supervisor_client.get("/complaints/list/?psize_ComplaintView=2&page_ComplaintView=2").get_data(as_text=True)
    assert not any(c.case_number in page for c in cases)
    assert "缩小" in page and "4" in page
    # The dashboard's figures count the same way (five new cases wait at customer service).
    dashboard = cs_client.get("/").get_data(as_text=True)
    assert re.search(r'id="count-queue">\s*4\+', dashboard)


def test_the_unread_count_stops_at_99(supervisor_client, new_case, world, frozen_clock):
    case = new_case()
    now = clock.now()
    db.session.execute(sa.insert(Notification), [
        {"user_id": world.user_id("sup"), "complaint_id": case.id, "kind": "REMINDER",
         "created_at": now - timedelta(minutes=i)} for i in range(120)])
    db.session.commit()
    page = supervisor_client.get("/").get_data(as_text=True)
    assert re.search(r'id="unread-count">99\+<', page)
    assert re.search(r'id="count-unread">\s*99\+', page)
