"""Hostile input: SQL and HTML in every text, oversized and malformed bodies, odd numbers, broken encodings.

Every answer must be a success that stored the text as typed, or a 4xx with a message; the test app
propagates exceptions, so a 500 fails the test with its traceback.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from geo112.store.db import session_factory
from geo112.store.models import Incident

from .conftest import API, MOJOSARI

SQL = [
    "' OR '1'='1",
    "1; DROP TABLE incident; --",
    "\\'; SELECT pg_sleep(10); --",
    "%' OR 1=1 --",
    "$$; DELETE FROM event; $$",
    "x' UNION SELECT username, password_hash FROM app_user --",
]
HTML = '<script>alert("112")</script><img src=x onerror="alert(1)">'
TEXT_FIELDS = ("caller_name", "description", "address")
#: Query parameters of every list and search endpoint (numbers included: they must be refused cleanly).
QUERIES = {
    f"{API}/incidents": ("status", "category", "priority", "kecamatan", "handoff", "since", "until", "limit", "offset"),
    f"{API}/units": ("type", "status", "agency", "station", "limit", "offset"),
    f"{API}/stations": ("agency", "kind", "limit", "offset"),
    f"{API}/desa": ("q", "limit"),
    f"{API}/locate": ("lon", "lat"),
    f"{API}/console/streets": ("q",),
    f"{API}/console/facilities": ("q", "limit"),
    f"{API}/console/gap": ("unit_type", "minutes"),
    f"{API}/console/place": ("lon", "lat"),
}


def _assert_refused(answer, *statuses: int) -> None:
    assert answer.status_code in statuses, (answer.status_code, answer.get_data(as_text=True)[:300])
    body = answer.get_json()
    assert body["error"] and body["detail"], body


@pytest.mark.parametrize("payload", SQL)
def test_sql_in_every_text_field_is_stored_as_typed(client, login, payload: str) -> None:
    headers = login("dispatcher")
    fields = dict.fromkeys(TEXT_FIELDS, payload)
    created = client.post(
        f"{API}/incidents",
        headers=headers,
        json={"category": "medis", "lon": MOJOSARI[0], "lat": MOJOSARI[1], **fields},
    )
    assert created.status_code == 201
    read = client.get(f"{API}/incidents/{created.get_json()['id']}").get_json()
    assert {f: read[f] for f in TEXT_FIELDS} == {f: payload.strip() for f in TEXT_FIELDS}
    edited = client.patch(f"{API}/incidents/{read['id']}", headers=headers, json={"description": payload + "2"})
    assert edited.get_json()["description"] == payload + "2"
    for path in (f"{API}/unit-types/{payload}", f"{API}/category-matrix/{payload}"):
        _assert_refused(
            client.get(path)
            if "unit-types" not in path
            else client.patch(path, headers=login("admin"), json={"name": "x"}),
            404,
            405,
        )


@pytest.mark.parametrize("payload", [*SQL, "\x00", "😀" * 50, "a" * 5000])
def test_sql_in_every_query_parameter_is_refused_or_matches_nothing(app, client, login, payload: str) -> None:
    login("admin")
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        incidents = s.scalar(select(func.count()).select_from(Incident))
    for path, names in QUERIES.items():
        for name in names:
            answer = client.get(path, query_string={name: payload})
            if answer.status_code == 200:
                body = answer.get_json()
                # A text filter that matched nothing; a search that found nothing.
                assert body.get("items", body.get("results", [])) == [], (path, name)
            else:
                _assert_refused(answer, 400, 404, 422)
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == incidents
        assert s.scalar(text("SELECT count(*) FROM event")) > 0


def test_html_in_caller_text_is_escaped_where_a_page_shows_it(app, client, login, new_incident, api_unit) -> None:
    incident = new_incident(description=HTML, address=HTML, caller_name=HTML)
    # The JSON API returns the text as typed, served as JSON that a browser will not sniff into HTML.
    answer = client.get(f"{API}/incidents/{incident['id']}")
    assert answer.get_json()["description"] == HTML and answer.mimetype == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    link = (
        client.post(
            f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": api_unit}, headers=login("dispatcher")
        )
        .get_json()["responder_url"]
        .replace("http://localhost", "")
    )
    page = app.test_client().get(link).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(&#34;112&#34;)&lt;/script&gt;") == 2  # description and address
    # The console's map popups and lists build DOM text nodes: tests/browser/test_dispatch_flow.py proves it.


def test_an_oversized_body_is_refused_with_413(client, login) -> None:
    headers = login("dispatcher")
    huge = {"category": "medis", "lon": MOJOSARI[0], "lat": MOJOSARI[1], "description": "x" * (2 << 20)}
    _assert_refused(client.post(f"{API}/incidents", json=huge, headers=headers), 413)
    # A chunked body (no Content-Length) is cut at the limit by the real server: tests/reliability/test_server.py.


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"category": "medis", "lon": 112.56, "lat": ', 400),  # truncated JSON
        ("[112.56, -7.52]", 400),  # not an object
        ('{"type": "Point", "coordinates": [112.56, -7.52]}', 422),  # a GeoJSON point instead of the fields
        ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": ["a", null]}, "properties": {}}', 422),
        ('{"category": "medis", "geometry": {"type": "Polygon", "coordinates": [[[1, 2]]]}}', 422),
        ('{"category": "medis", "lon": "112.56", "lat": "-7.52"}', 422),  # coordinates as strings
        ('{"category": "medis", "lon": NaN, "lat": -7.52}', 422),
        ('{"category": "medis", "lon": Infinity, "lat": -7.52}', 422),
        ('{"category": "medis", "lon": 1e308, "lat": -7.52}', 422),
        ('{"category": "medis", "lon": 1e309, "lat": -7.52}', 422),
        ('{"category": "medis", "lon": true, "lat": -7.52}', 422),
        ('{"category": "medis", "lon": [112.56], "lat": -7.52}', 422),
        ('{"category": "medis", "lon": 112.56, "lat": -7.52, "priority": 1e3}', 422),
        ('{"category": {"$ne": null}, "lon": 112.56, "lat": -7.52}', 422),
        ('{"category": "medis", "lon": 112.56, "lat": -7.52, "description": "\\u0000"}', 400),  # NUL: not storable
        ('{"category": "medis", "lon": 112.56, "lat": -7.52, "description": "\\ud800"}', 422),  # lone surrogate
    ],
)
def test_malformed_bodies_are_refused_with_a_message(app, client, login, body: str, status: int) -> None:
    headers = {**login("dispatcher"), "Content-Type": "application/json"}
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        before = s.scalar(select(func.count()).select_from(Incident))
    _assert_refused(client.post(f"{API}/incidents", data=body, headers=headers), status)
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == before


@pytest.mark.parametrize("value", ["112.5x", "nan", "inf", "-inf", "1e308", "0x1p-2", "", " ", "１１２"])
def test_coordinates_in_query_strings_are_checked(client, value: str) -> None:
    answer = client.get(f"{API}/locate", query_string={"lon": value, "lat": "-7.52"})
    if answer.status_code == 200:  # only what Python reads as an in-range number, e.g. full-width digits
        assert -180 <= float(value) <= 180
    else:
        _assert_refused(answer, 400)


def test_invalid_utf8_is_refused_or_replaced(client, login) -> None:
    headers = {**login("dispatcher"), "Content-Type": "application/json"}
    raw = b'{"category": "medis", "lon": 112.56, "lat": -7.52, "description": "\xff\xfe\xc3("}'
    _assert_refused(client.post(f"{API}/incidents", data=raw, headers=headers), 400)
    for path in (f"{API}/desa?q=%FF%FE", f"{API}/incidents?category=%C3%28", f"{API}/incidents/%FF"):
        answer = client.get(path)
        assert answer.status_code in (200, 400, 404), path
        assert answer.get_json() is not None, path
    assert json.loads(client.get(f"{API}/desa?q=%FF%FE").get_data())["results"] == []


NESTED = "[" * 1000 + "]" * 1000


def test_deeply_nested_json_is_a_400_on_every_json_endpoint(app, client, login, targets) -> None:
    """A body nested a thousand deep overflows Python's decoder; every JSON endpoint must refuse it cleanly."""
    from tests.api_document import operations

    headers = login("admin")
    json_body = {"Content-Type": "application/json", **headers}
    paths = [(m, p.format(**targets)) for m, p, _, operation in operations() if "requestBody" in operation]
    paths += [("post", f"/r/{targets['token']}/status")]
    assert len(paths) > 10 and ("post", f"{API}/auth/login") in paths
    for method, path in paths:
        answer = client.open(path, method=method.upper(), data=NESTED, headers=json_body)
        _assert_refused(answer, 400)
        assert "nested too deeply" in answer.get_json()["detail"], (path, answer.get_json())
