"""The OpenRefine reconciliation service (W3C Reconciliation Service API 0.2) on the real SFP
directory and SAT 69-B list, with one award won by GARZA GAS, on SQLite and PostgreSQL: every
answer, and every batch the tests send, is validated against the protocol's official JSON
Schemas (tests/fixtures/reconciliation_api_0.2), and checked for what it says. Cross-origin
access, JSONP, data extension and the view link are here too; tests/browser drives them from
another origin in Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from matching import entities
from tests.factories import GARZA_RFC, new_key
from tests.reconciliation_api import validate

GARZA = {"query": "Garza Gas SA de CV"}
ORIGIN = "https://openrefine.example"


def _key(settings: Settings, role: str) -> str:
    return new_key(settings, role, f"{role} in OpenRefine")


@pytest.fixture
def service(site: Settings) -> Iterator[tuple[TestClient, str]]:
    app = create_app(site, load_index=False)
    app.state.index.load()
    with TestClient(app, follow_redirects=False, headers={"Accept-Language": "en"}) as client:
        yield client, _key(site, "auditor")


def _post(
    client: TestClient, key: str, field: str, sent: dict[str, Any], schemas: tuple[str, str]
) -> dict[str, Any]:
    """As OpenRefine sends it: form-encoded JSON in `field`, the key on the service URL; what
    is sent and what comes back each checked against its schema of the protocol."""
    asked, answered = schemas
    validate(sent, asked)
    answer = client.post("/v1/reconcile", params={"api_key": key}, data={field: json.dumps(sent)})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    validate(body, answered)
    return body


def _reconcile(client: TestClient, key: str, queries: dict[str, Any]) -> dict[str, Any]:
    schemas = ("reconciliation-query-batch", "reconciliation-result-batch")
    body = _post(client, key, "queries", queries, schemas)
    assert set(body) == set(queries)
    return body


def _garza(client: TestClient, key: str) -> str:
    found: str = _reconcile(client, key, {"q0": GARZA})["q0"]["result"][0]["id"]
    return found


def _extend(client: TestClient, key: str, query: dict[str, Any]) -> dict[str, Any]:
    body = _post(client, key, "extend", query, ("data-extension-query", "data-extension-response"))
    assert set(body["rows"]) == set(query["ids"])
    return body


def test_the_manifest_follows_the_protocol(service: tuple[TestClient, str]) -> None:
    client, key = service
    manifest = client.get("/v1/reconcile").json()  # public: OpenRefine reads it first
    validate(manifest, "manifest")
    assert manifest["defaultTypes"] == [{"id": "firm", "name": "Resolved firm"}]
    # The key as OpenRefine sends it: a query parameter named api_key.
    assert manifest["authentication"]["type"] == "apiKey"
    assert (manifest["authentication"]["name"], manifest["authentication"]["in"]) == (
        "api_key",
        "query",
    )
    assert manifest["batchSize"] == 1000
    settings = {s["name"]: s for s in manifest["extend"]["property_settings"]}
    assert settings["on"]["type"] == "text"
    # A service URL carrying the key repeats it wherever OpenRefine calls back...
    keyed = client.get("/v1/reconcile", params={"api_key": key}).json()
    validate(keyed, "manifest")
    assert f"api_key={key}" in keyed["preview"]["url"]
    assert keyed["view"]["url"].endswith(f"/firms/{{{{id}}}}?api_key={key}")
    for kind in ("entity", "property", "type"):
        assert keyed["suggest"][kind]["service_path"].endswith(f"?api_key={key}")
    # ...but not in the property proposal path, to which OpenRefine appends "?type=".
    assert "?" not in keyed["extend"]["propose_properties"]["service_path"]


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
            "q4": {"query": " gga830613-4f4 "},  # a column of RFCs, no property mapped
        },
    )
    first = body["q0"]["result"][0]
    assert first["match"] is True and first["score"] > 90
    assert "GARZA GAS" in first["name"] and first["id"].startswith("tg_")
    assert {f["id"] for f in first["features"]} >= {"probability", "name", "rfc"}
    assert body["q1"]["result"][0]["id"] == first["id"]
    assert body["q3"]["result"][0]["id"] == first["id"]
    assert body["q4"]["result"][0]["id"] == first["id"]
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
    validate(found, "suggest-entities-response")
    assert any("GARZA GAS" in r["name"] for r in found["result"])
    props = client.get("/v1/reconcile/suggest/property", params={"api_key": key}).json()
    validate(props, "suggest-properties-response")
    # The query properties, and what data extension fetches (the same id means the same).
    assert {p["id"] for p in props["result"]} >= {"rfc", "postal_code", "verdict", "awards"}
    types = client.get("/v1/reconcile/suggest/type", params={"prefix": "fir", "api_key": key})
    validate(types.json(), "suggest-types-response")
    assert [t["id"] for t in types.json()["result"]] == ["firm"]
    every = client.get("/v1/reconcile/suggest/type", params={"api_key": key}).json()
    validate(every, "suggest-types-response")
    assert {t["id"] for t in every["result"]} == {"firm", "company", "person"}
    firm = found["result"][0]["id"]
    preview = client.get("/v1/reconcile/preview", params={"id": firm, "api_key": key})
    assert preview.status_code == 200 and "text/html" in preview.headers["content-type"]
    assert "GARZA GAS" in preview.text
    missing = client.get("/v1/reconcile/preview", params={"id": "tg_nope", "api_key": key})
    assert missing.status_code == 404


def test_a_blank_cell_or_a_postal_code_alone_gets_no_candidates_not_a_422(
    service: tuple[TestClient, str],
) -> None:
    """One blank cell used to cost the whole batch a 422: ten rows stayed unreconciled."""
    client, key = service
    body = _reconcile(
        client,
        key,
        {
            "q0": GARZA,
            "q1": {"query": "   "},
            "q2": {"query": ""},
            "q3": {"properties": [{"pid": "postal_code", "v": "06600"}]},
            "q4": {"query": " \t ", "properties": [{"pid": "postal_code", "v": "06600"}]},
            "q5": {"query": "  ", "properties": [{"pid": "rfc", "v": GARZA_RFC}]},
        },
    )
    assert body["q0"]["result"][0]["match"] is True
    for key_ in ("q1", "q2", "q3", "q4"):
        assert body[key_] == {"result": []}, key_
    assert body["q5"]["result"][0]["id"] == body["q0"]["result"][0]["id"]  # the RFC alone


def test_type_filters_the_candidates(service: tuple[TestClient, str]) -> None:
    client, key = service
    garza = _garza(client, key)  # GGA8306134F4: a company's RFC (persona moral)
    typed = _reconcile(
        client,
        key,
        {
            "company": {**GARZA, "type": "company"},
            # As OpenRefine sends a typed query: type_strict "should", which filters too.
            "person": {**GARZA, "type": "person", "type_strict": "should"},
            "either": {**GARZA, "type": ["person", "company"]},
            "both": {**GARZA, "type": ["firm", "company"], "type_strict": "all"},
            "unknown": {**GARZA, "type": "vessel"},
        },
    )
    assert typed["company"]["result"][0]["id"] == garza
    first = typed["company"]["result"][0]
    assert {t["id"] for t in first["type"]} == {"firm", "company"}
    assert all(
        "company" in {t["id"] for t in candidate["type"]}
        for candidate in typed["company"]["result"]
    )
    assert garza not in {c["id"] for c in typed["person"]["result"]}
    assert all(
        "person" in {t["id"] for t in candidate["type"]} for candidate in typed["person"]["result"]
    )
    assert typed["either"]["result"][0]["id"] == garza
    assert typed["both"]["result"][0]["id"] == garza
    assert typed["unknown"]["result"] == []
    bad = client.post(
        "/v1/reconcile",
        params={"api_key": key},
        data={"queries": json.dumps({"q0": {**GARZA, "type": {"id": "firm"}}})},
    )
    assert bad.status_code == 422 and "type" in bad.json()["detail"]


def test_a_firm_id_as_query_or_suggest_prefix_finds_that_firm(
    service: tuple[TestClient, str],
) -> None:
    client, key = service
    garza = _garza(client, key)
    body = _reconcile(
        client,
        key,
        {
            "id": {"query": garza},
            "url": {"query": f"http://testserver/firms/{garza}"},
            "upper": {"query": f" {garza.upper()} "},
            "typed": {"query": garza, "type": "person"},
            "unknown": {"query": "tg_000000000000"},
        },
    )
    for key_ in ("id", "url", "upper"):
        assert [c["id"] for c in body[key_]["result"]] == [garza], key_
        assert body[key_]["result"][0]["match"] is True
        assert body[key_]["result"][0]["score"] == 100
    assert body["typed"]["result"] == []
    assert all(c["id"] != "tg_000000000000" for c in body["unknown"]["result"])
    suggested = client.get(
        "/v1/reconcile/suggest/entity", params={"prefix": garza, "api_key": key}
    ).json()
    validate(suggested, "suggest-entities-response")
    assert [s["id"] for s in suggested["result"]] == [garza]
    assert "GARZA GAS" in suggested["result"][0]["name"]


def test_cursor_pages_entity_suggest(service: tuple[TestClient, str], site: Settings) -> None:
    client, key = service

    def page(cursor: int) -> list[str]:
        answer = client.get(
            "/v1/reconcile/suggest/entity",
            params={"prefix": "CONSTRUCCIONES", "cursor": cursor, "api_key": key},
        ).json()
        validate(answer, "suggest-entities-response")
        return [r["id"] for r in answer["result"]]

    first, second = page(0), page(10)
    engine = make_engine(site)
    try:
        whole = entities.search(engine, "CONSTRUCCIONES", page=1, per_page=20)
    finally:
        engine.dispose()
    assert whole.total > 10  # enough firms for two pages
    assert first + second == [e.entity_id for e in whole.items]
    assert not set(first) & set(second)
    assert page(whole.total) == []
    assert (
        client.get(
            "/v1/reconcile/suggest/entity", params={"prefix": "X", "cursor": -1, "api_key": key}
        ).status_code
        == 422
    )
    props = client.get(
        "/v1/reconcile/suggest/property", params={"cursor": 1, "api_key": key}
    ).json()
    validate(props, "suggest-properties-response")
    assert props["result"][0]["id"] == "postal_code"  # rfc, the first, skipped


def test_data_extension_adds_rfc_verdict_sanctions_awards_and_page(
    service: tuple[TestClient, str],
) -> None:
    client, key = service
    garza = _garza(client, key)
    # Property proposals: public (OpenRefine's URL for them cannot carry the key).
    proposed = client.get("/v1/reconcile/properties", params={"type": "firm"}).json()
    validate(proposed, "data-extension-property-proposal")
    offered = [p["id"] for p in proposed["properties"]]
    assert proposed["type"] == "firm"
    assert {"rfc", "verdict", "sanction_registry", "sanction_end", "awards", "url"} <= set(offered)
    assert (
        client.get("/v1/reconcile/properties", params={"type": "vessel"}).json()["properties"] == []
    )
    two = client.get("/v1/reconcile/properties", params={"type": "company", "limit": 2}).json()
    validate(two, "data-extension-property-proposal")
    assert len(two["properties"]) == 2 and two["limit"] == 2
    assert (
        client.get("/v1/reconcile/properties", params={"type": "firm", "api_key": "tg_x"})
    ).status_code == 401  # a key sent is checked, even where none is needed

    asked: list[dict[str, Any]] = [
        {"id": "name"},
        {"id": "rfc"},
        {"id": "verdict", "settings": {"on": "2026-11-24"}},
        {"id": "sanction_registry"},
        {"id": "sanction_kind"},
        {"id": "sanction_start"},
        {"id": "sanction_end"},
        {"id": "sanction_status"},
        {"id": "awards"},
        {"id": "url"},
        {"id": "postal_code"},
    ]
    body = _extend(client, key, {"ids": [garza, "tg_000000000000"], "properties": asked})
    assert [m["id"] for m in body["meta"]] == [p["id"] for p in asked]
    assert {m["id"]: m["name"] for m in body["meta"]}["verdict"] == "Verdict on 2026-11-24"
    row = body["rows"][garza]
    assert "GARZA GAS" in row["name"][0]["str"]
    assert row["rfc"] == [{"str": GARZA_RFC}]
    assert row["verdict"] == [{"str": "barred"}]  # debarred 2026-06-10 to 2028-03-28
    columns = ("registry", "kind", "start", "end", "status")
    sanctions = list(zip(*(row[f"sanction_{c}"] for c in columns), strict=True))
    assert (
        {"str": "sfp"},
        {"str": "debarment"},
        {"str": "2026-06-10"},
        {"str": "2028-03-28"},
        {"str": "active"},
    ) in sanctions
    assert row["awards"] == [{"int": 1}]
    assert row["url"] == [{"str": f"http://testserver/firms/{garza}"}]  # and no key in it
    assert body["rows"]["tg_000000000000"] == {p["id"]: [] for p in asked}
    # A later day: the debarment has ended (less than two years ago), a warning. Today by
    # default. The same by GET.
    later = client.get(
        "/v1/reconcile",
        params={
            "api_key": key,
            "extend": json.dumps(
                {
                    "ids": [garza],
                    "properties": [{"id": "verdict", "settings": {"on": "2029-01-01"}}],
                }
            ),
        },
    ).json()
    validate(later, "data-extension-response")
    assert later["rows"][garza]["verdict"] == [{"str": "warning"}]
    today = _extend(client, key, {"ids": [garza], "properties": [{"id": "verdict"}]})
    assert today["rows"][garza]["verdict"][0]["str"] in ("barred", "warning", "clear")
    # As a JSON body.
    as_json = client.post(
        "/v1/reconcile",
        json={"extend": {"ids": [garza], "properties": [{"id": "awards"}]}},
        headers={"X-API-Key": key},
    ).json()
    assert as_json["rows"][garza]["awards"] == [{"int": 1}]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"ids": ["tg_x"], "properties": [{"id": "colour"}]}, "unknown property 'colour'"),
        ({"ids": ["tg_x"], "properties": [{"id": "verdict", "settings": {"on": "24/11"}}]}, "2026"),
        ({"ids": "tg_x", "properties": [{"id": "rfc"}]}, "ids"),
        ({"ids": ["tg_x"], "properties": []}, "properties"),
        ({"ids": ["tg_x"], "properties": [{"id": "rfc"}, {"id": "rfc"}]}, "twice"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_bad_extension_query_is_refused_saying_why(
    service: tuple[TestClient, str], query: Any, says: str
) -> None:
    client, key = service
    answer = client.post(
        "/v1/reconcile", params={"api_key": key}, data={"extend": json.dumps(query)}
    )
    assert answer.status_code == 422 and says in answer.json()["detail"], answer.text
    unkeyed = client.post("/v1/reconcile", data={"extend": json.dumps(query)})
    assert unkeyed.status_code == 401


def test_cross_origin_access_and_jsonp_on_the_reconciliation_routes_only(
    service: tuple[TestClient, str],
) -> None:
    client, key = service
    # A preflight, as a browser sends one before a POST with the key in a header.
    preflight = client.options(
        "/v1/reconcile",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    for path in (
        "/v1/reconcile/suggest/entity",
        "/v1/reconcile/preview",
        "/v1/reconcile/properties",
    ):
        assert client.options(path, headers={"Origin": ORIGIN}).status_code == 204, path
    answers = [
        client.get("/v1/reconcile", headers={"Origin": ORIGIN}),
        client.post(
            "/v1/reconcile",
            params={"api_key": key},
            data={"queries": json.dumps({"q0": GARZA})},
            headers={"Origin": ORIGIN},
        ),
        client.get(
            "/v1/reconcile/suggest/entity",
            params={"prefix": "GARZA", "api_key": key},
            headers={"Origin": ORIGIN},
        ),
        client.get("/v1/reconcile/properties", params={"type": "firm"}, headers={"Origin": ORIGIN}),
        client.get(  # an error too: the page must be able to read why
            "/v1/reconcile/suggest/entity", params={"prefix": "x"}, headers={"Origin": ORIGIN}
        ),
    ]
    for answer in [preflight, *answers]:
        assert answer.headers["access-control-allow-origin"] == "*", answer.request.url
        # Never credentials: a key is the caller's own, never a browser's cookie.
        assert "access-control-allow-credentials" not in answer.headers
        assert "set-cookie" not in answer.headers
    assert answers[-1].status_code == 401
    # Nothing of this outside /v1/reconcile: the API and the pages stay same-origin.
    assert client.options("/v1/check", headers={"Origin": ORIGIN}).status_code == 405
    for path in ("/v1/check?name=x", "/sign-in", "/v1/reconciled"):
        assert (
            "access-control-allow-origin"
            not in client.get(path, headers={"Origin": ORIGIN}).headers
        )

    # JSONP, as older OpenRefine (and its fallback) loads the manifest and suggest.
    manifest = client.get("/v1/reconcile", params={"callback": "jQuery3510_1700000000", "_": "1"})
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/javascript")
    assert manifest.headers["x-content-type-options"] == "nosniff"
    text = manifest.text
    assert text.startswith("/**/jQuery3510_1700000000(") and text.endswith(");")
    wrapped = json.loads(text[len("/**/jQuery3510_1700000000(") : -2])
    assert wrapped == client.get("/v1/reconcile").json()
    suggest = client.get(
        "/v1/reconcile/suggest/entity",
        params={"prefix": "GARZA GAS", "api_key": key, "callback": "cb.done"},
    )
    assert suggest.text.startswith("/**/cb.done(")
    assert int(suggest.headers["content-length"]) == len(suggest.content)
    for bad in ("alert(1)//", "a b", "<script>", "1abc", "a" * 101, "", "x;y"):
        refused = client.get("/v1/reconcile", params={"callback": bad})
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/json")
        assert bad not in refused.text or bad == ""
    # Not on a POST, nor around HTML.
    posted = client.post(
        "/v1/reconcile",
        params={"api_key": key, "callback": "cb"},
        data={"queries": json.dumps({"q0": GARZA})},
    )
    assert posted.headers["content-type"].startswith("application/json")
    garza = posted.json()["q0"]["result"][0]["id"]
    preview = client.get(
        "/v1/reconcile/preview", params={"id": garza, "api_key": key, "callback": "cb"}
    )
    assert preview.headers["content-type"].startswith("text/html")
    assert preview.text.startswith("<!DOCTYPE html>")


def test_the_view_link_opens_the_firm_page_for_the_key_holder(
    service: tuple[TestClient, str],
    site: Settings,
) -> None:
    """OpenRefine opens the manifest's view URL in a new tab, where no one is signed in."""
    client, key = service
    garza = _garza(client, key)
    template = client.get("/v1/reconcile", params={"api_key": key}).json()["view"]["url"]
    opened = client.get(template.replace("{{id}}", garza))
    assert opened.status_code == 200, opened.headers.get("location")
    assert "GARZA GAS" in opened.text and "debarment" in opened.text
    # Read-only, and nothing kept: no session, no cookie, no cache, no Referer on.
    assert "set-cookie" not in opened.headers
    assert opened.headers["cache-control"] == "no-store"
    assert opened.headers["referrer-policy"] == "no-referrer"
    assert 'action="/sign-out"' not in opened.text
    assert client.get("/firms").status_code == 303  # other pages still ask to sign in
    assert client.get(f"/firms/{garza}").status_code == 303
    unknown = client.get(f"/firms/{garza}", params={"api_key": "tg_not-a-key"})
    assert unknown.status_code == 401 and "unknown or revoked" in unknown.text
    officer = client.get(f"/firms/{garza}", params={"api_key": _key(site, "officer")})
    assert officer.status_code == 403


def test_bad_batches_and_keys_are_refused_clearly(
    service: tuple[TestClient, str],
    site: Settings,
) -> None:
    client, key = service
    bad = client.post("/v1/reconcile", params={"api_key": key}, data={"queries": "{not json"})
    assert bad.status_code == 422 and "not valid JSON" in bad.json()["detail"]
    # A query with neither text nor properties is malformed (the official schema says so too).
    with pytest.raises(jsonschema.ValidationError):
        validate({"q0": {}}, "reconciliation-query-batch")
    empty = client.post(
        "/v1/reconcile", params={"api_key": key}, data={"queries": json.dumps({"q0": {}})}
    )
    assert empty.status_code == 422 and "q0" in empty.json()["detail"]
    query = {"queries": json.dumps({"q0": GARZA})}
    assert client.post("/v1/reconcile", data=query).status_code == 401
    assert client.post("/v1/reconcile", params={"api_key": "tg_x"}, data=query).status_code == 401
    officer = _key(site, "officer")
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
