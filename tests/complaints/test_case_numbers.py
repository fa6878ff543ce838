"""Case numbers stay unique when several people register at the same moment."""
import threading

import sqlalchemy as sa

from app.complaints import workflow
from app.complaints.models import Complaint
from app.core.extensions import db

from ..conftest import make_app


def test_concurrent_intake_never_repeats_a_case_number(database_url, tmp_path, world, frozen_clock):
    # Several threads, each with its own app context and connection, register at once.
    other = make_app(database_url, tmp_path)
    office_id, category_id = world.offices["BJ01"].id, world.categories["SERVICE"].id
    start = threading.Barrier(6)
    errors = []

    def register():
        with other.app_context():
            actor = workflow.actor_for_user(db.session, other.appbuilder.sm.find_user(username="cs"),
                                            {"write"})
            start.wait()
            try:
                for _ in range(5):
                    workflow.open_case(db.session, actor, {
                        "office_id": office_id, "category_id": category_id, "description": "并发登记",
                        "complainant_name": "并发", "complainant_phone": "13800000000"})
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = db.session.scalars(sa.select(Complaint.case_number)).all()
    assert len(numbers) == 30
    assert sorted(numbers) == [f"BJ01-20261120-{n:04d}" for n in range(1, 31)]
