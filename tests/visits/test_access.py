"""Who reaches which visit screen, per role (customer service records visits, supervisors also
approve "unreachable" and draw samples, the general manager sees every office, administrators
set the offices' visit settings), and nobody without signing in."""
import pytest

from app.core.extensions import db
from app.visits import rules

from .conftest import PHONE_RECORD

# path → the roles that may open it (the others get 403, or the login page without a session)
SCREENS = {
    "/visit-queue/list/": {"cs", "sup", "gm", "admin"},
    "/visits/list/": {"cs", "sup", "gm", "admin"},
    "/visits/routine": {"cs", "sup", "gm", "admin"},
    "/rectifications/list/": {"cs", "sup", "gm", "admin"},
    "/repair-sampling/": {"cs", "sup", "gm", "admin"},
    "/visit-settings/list/": {"admin"},
    "/visiting-staff/list/": {"admin"},
}


@pytest.mark.parametrize("who", ["cs", "sup", "gm", "admin", None], ids=lambda w: w or "anonymous")
def test_each_role_reaches_the_visit_screens_it_needs_and_no_others(who, client_for, anonymous_client):
    client = client_for(who) if who else anonymous_client
    for path, allowed in SCREENS.items():
        response = client.get(path)
        if who is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], path
        else:
            assert response.status_code == (200 if who in allowed else 403), (who, path)


def test_a_visit_is_seen_by_its_office_and_the_general_manager_only(planned_visit, visit_actor, client_for):
    case, visit = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), visit.id, PHONE_RECORD)
    for who, status in (("cs", 200), ("sup", 200), ("gm", 200), ("sh_cs", 404), ("sh_sup", 404)):
        assert client_for(who).get(f"/visits/show/{visit.id}").status_code == status, who
    signing = client_for("gm").post(f"/visits/action/sign_off/{visit.id}")
    assert signing.status_code == 200 and case.case_number in signing.get_data(as_text=True)
