"""The OpenRefine reconciliation service (W3C Reconciliation Service API 0.2) on the real SFP
directory and SAT 69-B list, on SQLite and PostgreSQL: every answer is checked against the
protocol's shapes (written out below from the 0.2 specification,
https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/), and for
what it says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from app import keys
from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from tests.app.test_check_api import linked  # noqa: F401  (the module-scoped fixture)

TYPE_REF = {
    "oneOf": [
        {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
        {"type": "string"},
    ]
}
URL_TEMPLATE = {"type": "string", "pattern": r".*\{\{id\}\}.*"}
MANIFEST = {
    "type": "object",
    "required": ["versions", "name", "identifierSpace", "schemaSpace"],
    "properties": {
        "versions": {"type": "array", "items": {"type": "string"}, "contains": {"enum": ["0.2"]}},
        "name": {"type": "string"},
        "identifierSpace": {"type": "string"},
        "schemaSpace": {"type": "string"},
        "defaultTypes": {"type": "array", "items": TYPE_REF},
        "view": {"type": "object", "required": ["url"], "properties": {"url": URL_TEMPLATE}},
        "preview": {
            "type": "object",
            "required": ["url", "width", "height"],
            "properties": {
                "url": URL_TEMPLATE,
                "width": {"type": "integer"},
                "height": {"type": "integer"},
            },
        },
        "suggest": {
            "type": "object",
            "properties": {
                kind: {
                    "type": "object",
                    "properties": {
                        "service_url": {"type": "string"},
                        "service_path": {"type": "string"},
                    },
                }
                for kind in ("entity", "property", "type")
            },
        },
    },
}
RESULT_BATCH = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["result"],
        "properties": {
            "result": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "score"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "score": {"type": "number"},
                        "match": {"type": "boolean"},
                        "type": {"type": "array", "items": TYPE_REF},
                        "features": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "string"},
                                    "value": {"oneOf": [{"type": "boolean"}, {"type": "number"}]},
                                },
                            },
                        },
                    },
                },
            }
        },
    },
}
SUGGEST = {
    "type": "object",
    "required": ["result"],
    "properties": {
        "result": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            },
        }
    },
}
GARZA = {"query": "Garza Gas SA de CV"}


def _key(settings: Settings, role: str) -> str:
    engine = make_engine(settings)
    try:
        return keys.create(engine, role=role, name=f"{role} in OpenRefine")[1]
    finally:
        engine.dispose()


@pytest.fixture
def service(linked: Settings) -> Iterator[tuple[TestClient, str]]:  # noqa: F811
    app = create_app(linked, load_index=False)
    app.state.index.load()
    with TestClient(app) as client:
        yield client, _key(linked, "auditor")


def _reconcile(client: TestClient, key: str, queries: dict[str, Any]) -> dict[str, Any]:
    # As OpenRefine sends a batch: form-encoded, the key on the service URL.
    answer = client.post(
        "/v1/reconcile", params={"api_key": key}, data={"queries": json.dumps(queries)}
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    jsonschema.validate(body, RESULT_BATCH)
    assert set(body) == set(queries)
    return body


def test_the_manifest_follows_the_protocol(service: tuple[TestClient, str]) -> None:
    client, key = service
    manifest = client.get("/v1/reconcile").json()  # public: OpenRefine reads it first
    jsonschema.validate(manifest, MANIFEST)
    assert manifest["defaultTypes"] == [{"id": "firm", "name": "Resolved firm"}]
    # A service URL carrying the key repeats it wherever OpenRefine calls back.
    keyed = client.get("/v1/reconcile", params={"api_key": key}).json()
    assert f"api_key={key}" in keyed["preview"]["url"]
    assert f"api_key={key}" in keyed["suggest"]["entity"]["service_path"]


def test_a_known_firm_is_the_first_candidate_and_a_match(service: tuple[TestClient, str]) -> None:
    client, key = service
    body = _reconcile(
        client,
        key,
        {
            "q0": GARZA,
            "q1": {"properties": [{"pid": "rfc", "v": "GGA8306134F4"}], "type": "firm"},
            "q2": {"query": "Panaderia Zyxwv Inexistente", "limit": 3},
            "q3": {"query": "GARZA GAS", "properties": [{"pid": "rfc", "v": ["GGA8306134F4"]}]},
        },
    )
    first = body["q0"]["result"][0]
    assert first["match"] is True and first["score"] > 90
    assert "GARZA GAS" in first["name"] and first["id"].startswith("tg_")
    assert {f["id"] for f in first["features"]} >= {"probability", "name", "rfc"}
    assert body["q1"]["result"][0]["id"] == first["id"]
    assert body["q3"]["result"][0]["id"] == first["id"]
    assert all(not r["match"] for r in body["q2"]["result"])
    assert len(body["q2"]["result"]) <= 3
    # A JSON body and a GET are answered alike.
    as_json = client.post(
        "/v1/reconcile", json={"queries": {"q0": GARZA}}, headers={"X-API-Key": key}
    ).json()
    assert as_json["q0"]["result"][0]["id"] == first["id"]
    as_get = client.get(
        "/v1/reconcile", params={"queries": json.dumps({"q0": GARZA}), "api_key": key}
    ).json()
    assert as_get["q0"]["result"][0]["id"] == first["id"]


def test_suggest_and_preview(service: tuple[TestClient, str]) -> None:
    client, key = service
    found = client.get(
        "/v1/reconcile/suggest/entity", params={"prefix": "GARZA GAS", "api_key": key}
    ).json()
    jsonschema.validate(found, SUGGEST)
    assert any("GARZA GAS" in r["name"] for r in found["result"])
    props = client.get("/v1/reconcile/suggest/property", params={"api_key": key}).json()
    jsonschema.validate(props, SUGGEST)
    assert {p["id"] for p in props["result"]} == {"rfc", "postal_code"}
    types = client.get("/v1/reconcile/suggest/type", params={"prefix": "fir", "api_key": key})
    jsonschema.validate(types.json(), SUGGEST)
    firm = found["result"][0]["id"]
    preview = client.get("/v1/reconcile/preview", params={"id": firm, "api_key": key})
    assert preview.status_code == 200 and "text/html" in preview.headers["content-type"]
    assert "GARZA GAS" in preview.text
    missing = client.get("/v1/reconcile/preview", params={"id": "tg_nope", "api_key": key})
    assert missing.status_code == 404


def test_bad_batches_and_keys_are_refused_clearly(
    service: tuple[TestClient, str],
    linked: Settings,  # noqa: F811
) -> None:
    client, key = service
    bad = client.post("/v1/reconcile", params={"api_key": key}, data={"queries": "{not json"})
    assert bad.status_code == 422 and "not valid JSON" in bad.json()["detail"]
    empty = client.post(
        "/v1/reconcile", params={"api_key": key}, data={"queries": json.dumps({"q0": {}})}
    )
    assert empty.status_code == 422 and "q0" in empty.json()["detail"]
    query = {"queries": json.dumps({"q0": GARZA})}
    assert client.post("/v1/reconcile", data=query).status_code == 401
    assert client.post("/v1/reconcile", params={"api_key": "tg_x"}, data=query).status_code == 401
    officer = _key(linked, "officer")
    refused = client.post("/v1/reconcile", params={"api_key": officer}, data=query)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "batch",
    [
        '{"q0": {"query": "Garza Gas SA de CV", "limit": Infinity}}',
        '{"q0": {"query": "Garza Gas SA de CV", "limit": -Infinity}}',
        '{"q0": {"query": "Garza Gas SA de CV", "limit": NaN}}',
        '{"q0": {"query": "Garza Gas SA de CV", "limit": 1e400}}',
        '{"q0": {"query": "Garza Gas SA de CV", "limit": ' + "[" * 10_000 + "]" * 10_000 + "}}",
        "[" * 10_000 + "]" * 10_000,
        '{"q0": {"query": "Garza Gas SA de CV", "limit": 1' + "0" * 5000 + "}}",
    ],
    ids=["infinity", "minus-infinity", "nan", "1e400", "nested-limit", "nested-batch", "digits"],
)
def test_a_batch_out_of_range_or_too_deep_is_refused_with_a_message(
    service: tuple[TestClient, str], batch: str
) -> None:
    """Python's JSON reader takes Infinity, NaN and 1e400 (as inf) and recurses on nesting:
    each such batch is the caller's mistake (422 with a message), by form, GET or JSON body."""
    client, key = service
    answers = {
        "form": client.post("/v1/reconcile", params={"api_key": key}, data={"queries": batch}),
        "get": client.get("/v1/reconcile", params={"api_key": key, "queries": batch}),
        "json": client.post(
            "/v1/reconcile",
            content=b'{"queries": ' + batch.encode() + b"}",
            headers={"X-API-Key": key, "Content-Type": "application/json"},
        ),
        "json-string": client.post(
            "/v1/reconcile", json={"queries": batch}, headers={"X-API-Key": key}
        ),
    }
    for how, answer in answers.items():
        assert answer.status_code in (400, 422), (how, answer.status_code, answer.text)
        assert answer.json()["detail"], how
