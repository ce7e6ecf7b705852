"""Schema-driven and property-based fuzzing of the whole REST API: no 500, every refusal a 4xx with a message.

Schemathesis generates requests from the OpenAPI document (valid and invalid bodies, query and path
parameters, NUL characters included) and sends them in-process to the WSGI app as a logged-in admin with
the CSRF header, so every operation is reached past the role check. Hypothesis drives arbitrary JSON at the
incident intake. The fuzzer writes (it may re-shape the category matrix), so it works on a database of its own.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.api_document import document
from tests.conftest import PASSWORD, loaded_database

from .conftest import API

EXAMPLES = 25
#: Operations that solve an optimisation or recompute coverage per request get fewer examples.
FEWER = {
    "POST /coverage/siting": 3,
    "POST /coverage/whatif": 6,
    "GET /analytics/report.pdf": 3,
    "GET /analytics/charts": 8,
    "GET /coverage/charts": 3,
    "POST /simulation": 3,
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def fuzz_app(settings):
    """The app on a database of its own (logins are not rate-limited: the fuzzer logs in once anyway)."""
    from web import create_app

    return create_app(
        {
            "TESTING": True,
            "GEO112_DATABASE_URL": loaded_database("fuzz", settings.data_dir),
            "GEO112_CACHE_DIR": str(settings.cache_dir),
        }
    )


@pytest.fixture(scope="module")
def admin(fuzz_app) -> dict[str, dict[str, str]]:
    """An admin's session cookie and CSRF header."""
    client = fuzz_app.test_client()
    token = client.get(f"{API}/auth/csrf").get_json()["csrf_token"]
    answer = client.post(
        f"{API}/auth/login", json={"username": "test-admin", "password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200
    return {
        "headers": {"X-CSRFToken": answer.get_json()["csrf_token"]},
        "cookies": {"session": client.get_cookie("session").value},
    }


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    """The OpenAPI document as the app serves it."""
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", fuzz_app)


def _refused_with_a_message(response) -> None:
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and body.get("error") and body.get("detail"), response.text[:300]


# One test per operation of the document (schemathesis' own pytest plugin does not run on this pytest).
@pytest.mark.parametrize("operation", [f"{m.upper()} {p}" for p, ops in document()["paths"].items() for m in ops])
def test_no_request_from_the_openapi_document_fails_the_server(api_schema, admin, operation: str) -> None:
    strategy = api_schema.find_operation_by_label(operation).as_strategy()

    @given(case=strategy)
    @settings(
        max_examples=FEWER.get(operation, EXAMPLES),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def fuzz(case) -> None:
        response = case.call(**admin)
        case.validate_response(response, checks=[not_a_server_error])
        _refused_with_a_message(response)

    fuzz()


@given(
    body=st.dictionaries(
        st.sampled_from(
            [
                "category",
                "lon",
                "lat",
                "priority",
                "caller_name",
                "caller_phone",
                "description",
                "address",
                "type",
                "coordinates",
            ]
        ),
        JSON,
        max_size=8,
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_json_at_the_intake_is_recorded_or_refused_with_a_message(fuzz_app, admin, body: dict) -> None:
    client = fuzz_app.test_client()
    client.set_cookie("session", admin["cookies"]["session"])
    answer = client.post(f"{API}/incidents", json=body, headers=admin["headers"])
    assert answer.status_code in (201, 400, 422), answer.get_data(as_text=True)[:300]
    if answer.status_code == 201:
        assert answer.get_json()["category"] == body["category"]
    else:
        assert answer.get_json()["detail"]
