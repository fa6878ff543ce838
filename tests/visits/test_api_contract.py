"""The visits' REST API keeps its OpenAPI contract, on the pattern of the complaints' contract
test: schemathesis reads /api/v1/_openapi from the app, generates valid and invalid requests for
every visit operation and runs all of its checks, signed in as customer service and as a
supervisor, with real visits (one of another office) to find."""
import pytest

try:
    import schemathesis
    from hypothesis import HealthCheck, settings
except ImportError as missing:  # the venv predates requirements.txt
    pytest.fail(f"The API contract test needs schemathesis and hypothesis ({missing}); run `make install`.",
                pytrace=False)

from app.core.extensions import db
from app.visits import rules

from ..complaints.test_api_contract import MAX_EXAMPLES, POSITIVE_STATUSES, _token
from .conftest import PHONE_RECORD

OURS = r"^/api/v1/visits/"


@pytest.fixture(params=["cs", "sup"])
def visits_contract_schema(request, web_app, world, planned_visit, visit_actor):
    """The served document as the user of the parameter, with visits in every state to find."""
    client = web_app.test_client()
    token = _token(client, request.param)
    _, planned = planned_visit()
    _, recorded = planned_visit()
    rules.record_visit(db.session, visit_actor("cs"), recorded.id, PHONE_RECORD)
    _, elsewhere = planned_visit(by="sh_cs", office="SH01")
    junk = client.get("/api/v1/visits/", headers={"Authorization": "Bearer junk"}).status_code
    config = schemathesis.Config.from_dict({
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"deterministic": True, "database": "none", "max-examples": MAX_EXAMPLES},
        "phases": {"coverage": {"enabled": request.param == "cs"}},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES},
            "ignored_auth": {"enabled": junk == 401},
        },
        "dictionaries": {"visits": {"values": [planned.id, recorded.id, elsewhere.id]}},
        "parameters": {"path.pk": {"dictionary": "visits", "probability": 0.5}},
    })
    return schemathesis.openapi.from_wsgi("/api/v1/_openapi", web_app, config=config,
                                          headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(autouse=True)
def _schemathesis_reads_the_node_id(request):
    # As in the complaints' contract test: schemathesis 4.32 reads Node._nodeid.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("visits_contract_schema").include(path_regex=OURS)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_visit_operation_keeps_the_documented_contract(case):
    case.call_and_validate()
