"""The visits' test world: cases driven to resolution through the workflow, their planned
visits, the visits' actors, and signatures drawn with Pillow."""
import base64
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from app.complaints import workflow
from app.core.extensions import db
from app.visits import rules
from app.visits.models import Visit

BEIJING = ZoneInfo("Asia/Shanghai")
# What a phone visit records when nothing else matters to the test.
PHONE_RECORD = {"method": "PHONE", "person_reached": "王秀英", "resident_view": "电梯已经修好,师傅很耐心",
                "satisfaction": "SATISFIED"}


def local(*args):
    return datetime(*args, tzinfo=BEIJING)


def signature_png(blank=False, size=(300, 120)) -> bytes:
    """A PNG as a signature pad draws it: a transparent canvas with a stroke (unless blank)."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(20, 80), (90, 30), (160, 90), (260, 40)], fill=(17, 17, 17, 255), width=4)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def visits_of(case, **where):
    db.session.expire_all()
    stmt = sa.select(Visit).where(Visit.complaint_id == case.id).order_by(Visit.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Visit, name) == value)
    return db.session.scalars(stmt).all()


@pytest.fixture
def resolved_case(new_case, world, frozen_clock):
    """A case registered and resolved on the spot (its visit is planned), at the frozen time."""
    def make(by="cs", office="BJ01", **intake):
        case = new_case(by=by, office=office, **intake)
        workflow.perform(db.session, world.actor(by), case.id, "resolve", result="已当场处理")
        return case
    return make


@pytest.fixture
def visit_actor(world):
    return world.visit_actor


@pytest.fixture
def planned_visit(resolved_case):
    """The planned return visit of a freshly resolved case: (case, visit)."""
    def make(**intake):
        case = resolved_case(**intake)
        return case, visits_of(case)[0]
    return make


@pytest.fixture
def signed_visit(planned_visit, visit_actor):
    """A case whose return visit was made by phone and confirmed: (case, visit)."""
    def make(satisfaction="SATISFIED", by="cs", **intake):
        case, visit = planned_visit(by=by, **intake)
        rules.record_visit(db.session, visit_actor(by), visit.id, dict(PHONE_RECORD, satisfaction=satisfaction))
        rules.sign_off(db.session, visit_actor(by), visit.id, "王秀英", note="电话中确认")
        return case, visit
    return make
