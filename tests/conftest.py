"""The test world: a migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL), two
offices, one user per role, a controllable clock and one logged-in client per role."""
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import flask_migrate
import pytest
import sqlalchemy as sa

from app import create_app
from app.complaints import workflow
from app.complaints.enums import Channel, Urgency
from app.complaints.models import Category
from app.core import clock
from app.core.extensions import db
from app.core.models import Office
from app.core.permissions import (
    ROLE_ADMIN,
    ROLE_CUSTOMER_SERVICE,
    ROLE_GENERAL_MANAGER,
    ROLE_SUPERVISOR,
)
from app.core.security import complaint_permissions
from app.setup import initialise

PG_URL = os.environ.get("TEST_DATABASE_URL")
# Emptied after each test, in an order the foreign keys allow (a rectification's visit before
# the notice it visits, the notice before the visit it was found at).
CASE_TABLES = ["notification", "visit_event", "visit_raised_complaint", "visit WHERE kind = 'RECTIFICATION'",
               "rectification_notice", "visit", "visit_setting", "visiting_staff", "complaint_deadline",
               "complaint_event", "attachment", "complaint", "complainant", "case_counter"]

# name → (role, office codes)
STAFF = {
    "cs": (ROLE_CUSTOMER_SERVICE, ["BJ01"]),
    "cs2": (ROLE_CUSTOMER_SERVICE, ["BJ01"]),
    "sup": (ROLE_SUPERVISOR, ["BJ01"]),
    "gm": (ROLE_GENERAL_MANAGER, []),
    "admin": (ROLE_ADMIN, []),
    "sh_cs": (ROLE_CUSTOMER_SERVICE, ["SH01"]),
    "sh_sup": (ROLE_SUPERVISOR, ["SH01"]),
}


def password_of(name: str) -> str:
    return f"{name}-Pass2026"


def _database_url(tmp_path_factory) -> str:
    if not PG_URL:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engine = sa.create_engine(PG_URL)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as e:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_URL}: {e}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    finally:
        engine.dispose()
    return PG_URL


def make_app(url: str, tmp_path, **overrides):
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "AUTH_RATE_LIMIT": "10000 per minute",
        "ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
        "ATTACHMENT_MAX_BYTES": 200 * 1024,
    }
    config.update(overrides)
    return create_app(config)


@dataclass
class World:
    offices: dict
    users: dict
    categories: dict

    def actor(self, name: str) -> workflow.Actor:
        user = db.session.get(type(self.users[name]), self.users[name].id)
        return workflow.actor_for_user(db.session, user, complaint_permissions(user))

    def user_id(self, name: str) -> int:
        return self.users[name].id

    def visit_actor(self, name: str) -> workflow.Actor:
        """The user as an actor of the visits rules (their complaint and visit permissions)."""
        from app.visits.rules import visit_actor

        return visit_actor(db.session, db.session.get(type(self.users[name]), self.users[name].id))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


@pytest.fixture
def empty_app(database_url, tmp_path):
    """A migrated app on a database of its own, with no users or offices yet."""
    if database_url.startswith("sqlite"):
        url, schema = f"sqlite:///{tmp_path / 'empty.db'}", None
    else:
        schema = f"empty_{os.getpid()}"
        with sa.create_engine(database_url).begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = f"{database_url}?options=-csearch_path%3D{schema}"
    application = make_app(url, tmp_path)
    with application.app_context():
        flask_migrate.upgrade()
        yield application
        db.session.remove()
        db.engine.dispose()
    if schema:
        with sa.create_engine(database_url).begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("files")


@pytest.fixture(scope="session")
def app(database_url, files_dir):
    """The app whose context each test runs in (pushed by pytest-flask), for direct DB work."""
    application = make_app(database_url, files_dir)
    with application.app_context():
        flask_migrate.upgrade()
        initialise()
        _build_world(application)
        # The browser test's live server is a forked process: it must not reuse our connections.
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return application


@pytest.fixture(scope="session")
def web_app(app, database_url, files_dir):
    """A second instance of the same app for the test clients. Flask reuses a pushed app
    context of the same app for requests, which would share `g` (the logged-in user, the
    CSRF token) between clients; requests to this instance each get their own context."""
    return make_app(database_url, files_dir)


def _build_world(application):
    sm = application.appbuilder.sm
    offices = {"BJ01": Office(code="BJ01", name="北京朝阳花园管理处", households=1200),
               "SH01": Office(code="SH01", name="上海浦东锦绣苑管理处", households=800)}
    db.session.add_all(offices.values())
    db.session.flush()
    for name, (role, codes) in STAFF.items():
        user = sm.add_user(name, name, "测试", f"{name}@example.com", sm.find_role(role), password=password_of(name))
        user = db.session.merge(user)
        for code in codes:
            offices[code].staff.append(user)
    db.session.commit()


@pytest.fixture
def world(app):
    sm = app.appbuilder.sm
    return World(
        offices={o.code: o for o in db.session.scalars(sa.select(Office))},
        users={name: sm.find_user(username=name) for name in STAFF},
        categories={c.code: c for c in db.session.scalars(sa.select(Category))},
    )


@pytest.fixture(autouse=True)
def _clean_cases(app):
    """Each test starts with no cases and a free clock."""
    yield
    clock.freeze(None)
    with app.app_context():
        db.session.rollback()
        for table in CASE_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()


@pytest.fixture
def frozen_clock():
    """Freeze "now"; call it with an aware datetime to move the clock."""
    def move(moment: datetime):
        clock.freeze(moment)
        return moment

    move(datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc))  # a Friday, 10:00 in Beijing
    return move


@pytest.fixture
def new_case(world):
    """Register a case through the workflow; keyword arguments override the intake."""
    def make(by="cs", office="BJ01", **overrides):
        intake = {
            "office_id": world.offices[office].id, "category_id": world.categories["REPAIR_COMMON"].id,
            "urgency": Urgency.GENERAL, "channel": Channel.PHONE, "description": "5栋电梯停在8楼不动",
            "complainant_name": "王秀英", "complainant_room": "5栋1单元801", "complainant_phone": "13800000001",
        }
        intake.update(overrides)
        return workflow.open_case(db.session, world.actor(by), intake)
    return make


class StaffClient:
    """A test client logged in as one user, adding the CSRF token to every form post."""

    def __init__(self, client, username=None):
        self.client = client
        self.username = username
        self._token = self._token_from("/login/")
        if username:
            response = self.post("/login/", data={"username": username, "password": password_of(username)})
            assert response.status_code == 302, f"login of {username} failed"
            self._token = self._token_from("/complaints/add")

    def _token_from(self, url) -> str | None:
        page = self.client.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        return match.group(1) if match else None

    def csrf_token(self) -> str:
        return self._token

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(url, data=data, **kwargs)

    def act(self, complaint, action, **fields):
        fields.setdefault("version", complaint.version if hasattr(complaint, "version") else "")
        pk = complaint.id if hasattr(complaint, "id") else complaint
        return self.post(f"/complaints/act/{pk}", data={"action": action, **fields})


def _client_for(web_app, username):
    return StaffClient(web_app.test_client(), username)


@pytest.fixture
def cs_client(web_app, world):
    return _client_for(web_app, "cs")


@pytest.fixture
def supervisor_client(web_app, world):
    return _client_for(web_app, "sup")


@pytest.fixture
def gm_client(web_app, world):
    return _client_for(web_app, "gm")


@pytest.fixture
def admin_client(web_app, world):
    return _client_for(web_app, "admin")


@pytest.fixture
def other_office_client(web_app, world):
    """Customer service of the Shanghai office, which must not reach Beijing's cases."""
    return _client_for(web_app, "sh_cs")


@pytest.fixture
def anonymous_client(web_app):
    return StaffClient(web_app.test_client())


@pytest.fixture
def client_for(web_app, world):
    return lambda username: _client_for(web_app, username)


@pytest.fixture
def api(web_app, world):
    """A JSON client logged in with a JWT, like an integration."""
    class Api:
        def __init__(self, username):
            self.client = web_app.test_client()
            response = self.client.post("/api/v1/security/login", json={
                "username": username, "password": password_of(username), "provider": "db"})
            assert response.status_code == 200, response.get_data(as_text=True)
            self.headers = {"Authorization": f"Bearer {response.json['access_token']}"}

        def get(self, url):
            return self.client.get(url, headers=self.headers)

        def post(self, url, body):
            return self.client.post(url, json=body, headers=self.headers)

    return Api
