"""The OpenAPI document describes every JSON answer: each JSON route has a response schema
with named properties (no empty or free-form `{}` schema), and a real answer of each, on the
linked and scanned site (SQLite and PostgreSQL), validates against it and carries no key the
schema does not name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from app.main import create_app
from app.settings import Settings
from tests.factories import GARZA_RFC, bearer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(site: Settings) -> Iterator[TestClient]:
    app = create_app(site, load_index=False)
    app.state.index.load()
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    spec: dict[str, Any] = answer.json()
    return spec


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec["components"]["schemas"][name]
    return schema


def _json_routes(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, success schema) of every operation whose success answer is JSON."""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            success = next(
                (operation["responses"][s] for s in ("200", "201") if s in operation["responses"]),
                None,
            )
            content = (success or {}).get("content", {})
            if "application/json" in content:
                yield method, path, content["application/json"]["schema"]


def _described(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An object with named properties, a union of such, or a map whose values are such (the
    reconciliation batch, keyed by the client's own query ids)."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        return all(_described(spec, branch) for branch in schema["anyOf"])
    if schema.get("properties"):
        return True
    values = schema.get("additionalProperties")
    return isinstance(values, dict) and _described(spec, values)


def test_every_json_route_has_a_schema_with_properties(document: dict[str, Any]) -> None:
    routes = list(_json_routes(document))
    assert len(routes) >= 18  # all 20 routes but the streamed export and the HTML preview
    empty = [f"{m.upper()} {p}" for m, p, schema in routes if not _described(document, schema)]
    assert not empty, f"routes whose answer the document does not describe: {empty}"
    # The two answers that are not JSON say what they are instead.
    preview = document["paths"]["/v1/reconcile/preview"]["get"]["responses"]["200"]["content"]
    assert list(preview) == ["text/html"]


def _undocumented(spec: dict[str, Any], schema: dict[str, Any], value: Any, at: str) -> list[str]:
    """Keys of `value` that its schema does not name, anywhere in it."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if _validator(spec, branch).is_valid(value):
                return _undocumented(spec, branch, value, at)
        return [f"{at}: no branch of the union"]
    found: list[str] = []
    if isinstance(value, dict):
        named = schema.get("properties", {})
        values = schema.get("additionalProperties")
        for key, item in value.items():
            if key in named:
                found += _undocumented(spec, named[key], item, f"{at}.{key}")
            elif isinstance(values, dict):
                found += _undocumented(spec, values, item, f"{at}.{key}")
            elif named and values is not True:
                found.append(f"{at}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for n, item in enumerate(value):
            found += _undocumented(spec, schema["items"], item, f"{at}[{n}]")
    return found


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    # The schema is checked inside the document, so its $refs to components resolve.
    return Draft202012Validator({**schema, "components": spec["components"]})


def _calls(client: TestClient, site: Settings) -> Iterator[tuple[str, str, Any]]:
    """(method, path as documented, real answer) for a call of every JSON route."""
    admin = bearer(site, "admin")
    yield "get", "/healthz", client.get("/healthz")
    yield "get", "/readyz", client.get("/readyz")
    yield "get", "/v1/stats", client.get("/v1/stats", headers=admin)
    yield (
        "get",
        "/v1/check",
        client.get("/v1/check", params={"rfc": GARZA_RFC, "on": "2026-11-24"}, headers=admin),
    )
    body = {"records": [{"name": "GARZA GAS SA DE CV"}, {"rfc": GARZA_RFC}]}
    yield "post", "/v1/match", client.post("/v1/match", json=body, headers=admin)
    found = client.get("/v1/entities", params={"q": GARZA_RFC}, headers=admin)
    yield "get", "/v1/entities", found
    firm = found.json()["items"][0]["entity_id"]
    detail = client.get(f"/v1/entities/{firm}", headers=admin)
    yield "get", "/v1/entities/{entity_id}", detail
    first, second = (r["record_key"] for r in detail.json()["records"][:2])
    judged = {"decision": "same", "record_a": first, "record_b": second, "note": "one firm"}
    yield "post", "/v1/judgements", client.post("/v1/judgements", json=judged, headers=admin)
    yield "get", "/v1/review", client.get("/v1/review", headers=admin)
    yield "get", "/v1/audit", client.get("/v1/audit", headers=admin)
    listed = client.get("/v1/alerts", headers=admin)
    yield "get", "/v1/alerts", listed
    alert = listed.json()["items"][0]["id"]
    reviewed = client.post(
        f"/v1/alerts/{alert}/review", json={"decision": "confirm", "note": "seen"}, headers=admin
    )
    yield "post", "/v1/alerts/{alert_id}/review", reviewed
    reconcile = "/v1/reconcile"
    yield "get", reconcile, client.get(reconcile)  # the manifest
    queries = json.dumps({"q0": {"query": "GARZA GAS", "limit": 2}, "q1": {"query": firm}})
    yield "get", reconcile, client.get(reconcile, params={"queries": queries}, headers=admin)
    extend = {"ids": [firm], "properties": [{"id": "verdict"}, {"id": "awards"}, {"id": "rfc"}]}
    yield (
        "get",
        reconcile,
        client.get(reconcile, params={"extend": json.dumps(extend)}, headers=admin),
    )
    yield "post", reconcile, client.post(reconcile, data={"queries": queries}, headers=admin)
    yield "post", reconcile, client.post(reconcile, json={"extend": extend}, headers=admin)
    for kind, prefix in (("entity", "GARZA"), ("property", "sanction"), ("type", "")):
        path = f"{reconcile}/suggest/{kind}"
        yield "get", path, client.get(path, params={"prefix": prefix}, headers=admin)
    properties = f"{reconcile}/properties"
    yield "get", properties, client.get(properties, params={"type": "firm"})
    yield "get", properties, client.get(properties, params={"type": "firm", "limit": 3})


def test_real_answers_validate_against_their_schemas(
    client: TestClient, document: dict[str, Any], site: Settings
) -> None:
    schemas = {(m, p): s for m, p, s in _json_routes(document)}
    called = set()
    for method, path, answer in _calls(client, site):
        assert answer.status_code in (200, 201), (method, path, answer.text[:300])
        schema = schemas[(method, path)]
        body = answer.json()
        problems = [e.message for e in _validator(document, schema).iter_errors(body)]
        assert not problems, (method, path, problems[:5])
        assert not _undocumented(document, schema, body, "body"), (method, path)
        called.add((method, path))
    assert called == set(schemas), f"no real answer checked for {set(schemas) - called}"
