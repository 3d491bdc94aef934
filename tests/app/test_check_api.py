"""The officer and auditor API over the ASGI client, on SQLite and PostgreSQL, with the real SFP
directory and SAT 69-B list linked by the session's trained model."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app import keys
from app.index_holder import open_index
from app.main import create_app
from app.routes.entities import CHUNK_BYTES
from app.settings import Settings
from app.store.engine import make_engine
from tests.conftest import PG_ADMIN_URL
from tests.factories import GARZA, SAT, SFP, bearer, ingest_files, link_records, rows


def _key(settings: Settings, role: str) -> dict[str, str]:
    return bearer(settings, role, f"{role} tester")


@pytest.fixture
def api(linked: Settings) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    app = create_app(linked, load_index=False)
    app.state.index.load()
    headers = {role: _key(linked, role) for role in keys.ROLES}
    with TestClient(app) as client:
        yield client, headers


def test_barred_then_warning_after_the_window_then_clear_before_it(api: Any) -> None:
    client, h = api
    today = client.get("/v1/check", params={**GARZA, "on": "2026-11-24"}, headers=h["officer"])
    assert today.status_code == 200
    body = today.json()
    assert body["verdict"] == "barred"
    best = body["matches"][0]
    assert best["probability"] >= 0.9 and best["status"] == "linked"
    assert {e["comparison"] for e in best["evidence"]} == {
        "rfc",
        "name",
        "legal_form",
        "kind",
        "postal_code",
    }
    assert any(r["rfc"] == "GGA8306134F4" for r in best["records"])
    (sanction,) = [s for s in body["sanctions"] if s["registry"] == "sfp"]
    assert (sanction["start"], sanction["end"], sanction["kind"]) == (
        "2026-06-10",
        "2028-03-28",
        "debarment",
    )
    assert sanction["source_file"].endswith(".json") and sanction["retrieved_at"]
    later = client.get("/v1/check", params={**GARZA, "on": "2029-01-01"}, headers=h["officer"])
    assert later.json()["verdict"] == "warning"  # ended within the last two years
    before = client.get("/v1/check", params={**GARZA, "on": "2020-01-01"}, headers=h["officer"])
    assert before.json()["verdict"] == "clear"
    by_rfc = client.get("/v1/check", params={"rfc": "gga-830613-4f4"}, headers=h["officer"])
    assert by_rfc.json()["verdict"] == "barred"


def test_69b_definitivo_is_a_warning_and_unknown_is_clear(api: Any, linked: Settings) -> None:
    client, h = api
    (definitivo,) = rows(
        linked,
        "SELECT name, rfc FROM sanctions WHERE kind = 'efos_definitivo'"
        " AND rfc IS NOT NULL ORDER BY rfc LIMIT 1",
    )
    answer = client.get("/v1/check", params={"rfc": definitivo.rfc}, headers=h["officer"]).json()
    assert answer["verdict"] == "warning"
    unknown = client.get(
        "/v1/check", params={"name": "Panaderia Zyxwv Inexistente"}, headers=h["officer"]
    ).json()
    assert unknown["verdict"] == "clear" and unknown["matches"] == []
    # A clear verdict says which sanctions data it rests on, as of the files' own dates.
    as_of = {r["registry"]: r["published"] for r in unknown["data_as_of"]}
    assert as_of["sat-69b"] == "2021-05-18" and as_of["sfp"] == "2026-06-11", unknown


def test_real_time_scores_equal_batch_scores(linked: Settings) -> None:
    engine = make_engine(linked)
    try:
        index = open_index(engine, linked)
        pairs = rows(
            linked,
            "SELECT l.record_a, l.record_b, l.probability, a.name AS name_a, "
            "a.rfc_raw AS rfc_a FROM links l JOIN link_records a ON "
            "a.record_key = l.record_a ORDER BY l.record_a LIMIT 40",
        )
    finally:
        engine.dispose()
    assert len(pairs) >= 20
    # The guards read the corpus's firms per word (words in use) as the batch run did.
    assert index.extensions.words is index.corpus.token_firms
    assert index.extensions.words.get("GARZA", 0) >= 1
    row_of = {row["unique_id"]: row for row in index.rows}
    for pair in pairs:
        query = index.query_row(name=pair.name_a, rfc=pair.rfc_a)
        probability, _, _ = index.score_pair(query, row_of[pair.record_b])
        assert probability == pytest.approx(float(pair.probability), abs=1e-6)


def test_access_control(api: Any, linked: Settings) -> None:
    client, h = api
    assert client.get("/v1/check", params=GARZA).status_code == 401
    assert (
        client.get("/v1/check", params=GARZA, headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    key = h["officer"]["Authorization"].split()[1]
    assert client.get("/v1/check", params=GARZA, headers={"X-API-Key": key}).status_code == 200
    assert (
        client.post("/v1/match", json={"records": [GARZA]}, headers=h["officer"]).status_code == 403
    )
    assert (
        client.get("/v1/entities", params={"q": "GARZA"}, headers=h["officer"]).status_code == 403
    )
    assert client.get("/v1/audit", headers=h["auditor"]).status_code == 200
    engine = make_engine(linked)
    try:
        assert keys.revoke(engine, key) == 1
    finally:
        engine.dispose()
    assert client.get("/v1/check", params=GARZA, headers=h["officer"]).status_code == 401


def test_every_check_is_in_the_audit_log(api: Any) -> None:
    client, h = api
    client.get("/v1/check", params={**GARZA, "on": "2026-11-24"}, headers=h["officer"])
    log = client.get("/v1/audit", headers=h["auditor"]).json()
    entry = next(e for e in log["items"] if e["key_name"] == "officer tester")
    assert entry["action"] == "check" and entry["verdict"] == "barred"
    assert entry["key_name"] == "officer tester" and entry["query"]["name"] == GARZA["name"]


def test_match_in_request_order_and_limits(api: Any) -> None:
    client, h = api
    body = {"records": [GARZA, {"rfc": "GGA8306134F4"}, {"name": "Zyxwv Qwerty"}], "limit": 3}
    results = client.post("/v1/match", json=body, headers=h["auditor"]).json()["results"]
    assert [r["query"] for r in results] == body["records"]
    assert results[0]["candidates"][0]["entity_id"] == results[1]["candidates"][0]["entity_id"]
    assert results[2]["candidates"] == []
    too_many = client.post("/v1/match", json={"records": [GARZA] * 1001}, headers=h["auditor"])
    assert too_many.status_code == 413 and "1000" in too_many.json()["detail"]


def test_invalid_input_is_422_with_a_message(api: Any) -> None:
    client, h = api
    nothing = client.get("/v1/check", headers=h["officer"])
    assert nothing.status_code == 422 and "rfc" in nothing.json()["detail"]
    bad_date = client.get("/v1/check", params={**GARZA, "on": "31/12/2026"}, headers=h["officer"])
    assert bad_date.status_code == 422 and "on" in bad_date.json()["detail"]
    nul = client.get("/v1/check", params={"name": "A\x00B"}, headers=h["officer"])
    assert nul.status_code == 422 and "NUL" in nul.json()["detail"]
    nul_body = client.post(
        "/v1/judgements",
        headers=h["auditor"],
        json={"decision": "same", "record_a": "\x00a", "record_b": "b"},
    )
    assert nul_body.status_code == 422
    bad_body = client.post("/v1/match", json={"records": "x"}, headers=h["auditor"])
    assert bad_body.status_code == 422 and "Traceback" not in bad_body.text


def test_entities_search_detail_judgement_review_export(api: Any) -> None:
    client, h = api
    found = client.get("/v1/entities", params={"q": "GGA8306134F4"}, headers=h["auditor"]).json()
    assert found["total"] == 1
    entity_id = found["items"][0]["entity_id"]
    detail = client.get(f"/v1/entities/{entity_id}", headers=h["auditor"]).json()
    assert detail["sanctions"][0]["kind"] == "debarment"
    assert detail["records"][0]["source"] == "sfp"
    assert client.get("/v1/entities/tg_nope", headers=h["auditor"]).status_code == 404
    by_name = client.get("/v1/entities", params={"q": "garza gas"}, headers=h["auditor"]).json()
    assert entity_id in {e["entity_id"] for e in by_name["items"]}

    review = client.get("/v1/review", headers=h["auditor"]).json()
    assert "items" in review
    record_a = detail["records"][0]["record_key"]
    other = client.get("/v1/entities", params={"q": "CONSTRUCTORA"}, headers=h["auditor"]).json()
    other_detail = client.get(
        f"/v1/entities/{other['items'][0]['entity_id']}", headers=h["auditor"]
    ).json()
    judged = client.post(
        "/v1/judgements",
        headers=h["auditor"],
        json={
            "decision": "different",
            "record_a": record_a,
            "record_b": other_detail["records"][0]["record_key"],
            "note": "checked by hand",
        },
    )
    assert judged.status_code == 201 and judged.json()["author"] == "auditor tester"
    unknown = client.post(
        "/v1/judgements",
        headers=h["auditor"],
        json={"decision": "same", "record_a": record_a, "record_b": "sanction:nope"},
    )
    assert unknown.status_code == 422

    export = client.get("/v1/export/entities", params={"format": "jsonl"}, headers=h["auditor"])
    assert export.status_code == 200 and export.headers["content-type"].startswith(
        "application/x-ndjson"
    )
    assert export.text.count("\n") == rows_count(export.text)


@pytest.mark.parametrize("format", ["jsonl", "csv", "ftm"])
def test_the_export_is_sent_in_writes_of_many_lines(api: Any, format: str) -> None:
    """The export went out one line per write, each a hop to Starlette's thread pool and a
    socket write (29,000 for this corpus as FtM); now a write holds about CHUNK_BYTES of whole
    lines. Counted on the ASGI messages the app sends, which is what a server writes."""
    client, h = api
    whole = client.get("/v1/export/entities", params={"format": format}, headers=h["auditor"])
    assert whole.status_code == 200 and whole.content.count(b"\n") > 10_000
    writes: list[bytes] = []
    asked: list[bool] = []

    async def receive() -> dict[str, Any]:
        if not asked:
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays until the answer is whole
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if message.get("body"):
                writes.append(message["body"])
            if not message.get("more_body"):
                done.set()

    async def call() -> None:
        await client.app(scope, receive, send)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/export/entities",
        "raw_path": b"/v1/export/entities",
        "query_string": f"format={format}".encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in h["auditor"].items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    done = asyncio.Event()
    asyncio.run(call())
    assert b"".join(writes) == whole.content
    assert len(writes) <= len(whole.content) // CHUNK_BYTES + 1
    assert all(w.endswith(b"\n") for w in writes)  # a line is never split


def rows_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("{"))


def test_readyz_only_when_the_index_is_loaded(linked: Settings) -> None:
    app = create_app(linked, load_index=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
        app.state.index.load()
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["model_version"]


def test_a_check_that_fails_after_matching_leaves_no_audit_entry(linked: Settings) -> None:
    """The audit log says what officers were answered. A check whose last read fails (found by
    bench/load.py: PostgreSQL stopped between matching and reading which files the sanctions
    come from) answers 503 with Retry-After, and leaves no entry for a verdict nobody got.
    The failing read is made real by renaming the one column only that read uses."""
    app = create_app(linked, load_index=False)
    app.state.index.load()
    engine = make_engine(linked)
    _, key = keys.create(engine, role="officer", name="officer whose check failed")
    officer = {"Authorization": f"Bearer {key}"}
    rename = "ALTER TABLE ingest_runs RENAME COLUMN {} TO {}"
    try:
        with TestClient(app) as client:
            assert client.get("/v1/check", params=GARZA, headers=officer).is_success
            with engine.begin() as conn:
                conn.execute(sa.text(rename.format("last_modified", "last_modified_away")))
            try:
                failed = client.get("/v1/check", params=GARZA, headers=officer)
            finally:
                with engine.begin() as conn:
                    conn.execute(sa.text(rename.format("last_modified_away", "last_modified")))
            assert failed.status_code == 503, failed.text
            assert int(failed.headers["retry-after"]) > 0
            assert app.state.audit.flush()
    finally:
        engine.dispose()
    audited = rows(linked, "SELECT id FROM audit_log WHERE key_name = 'officer whose check failed'")
    assert len(audited) == 1


def test_readyz_is_503_while_postgresql_refuses_connections(linked: Settings) -> None:
    """Ready means able to serve: with the index loaded but the database refusing connections,
    /readyz says so (503, Retry-After) and is ready again once the database is back."""
    if not linked.db_url.startswith("postgresql"):
        pytest.skip("a SQLite file has no server to go down")
    app = create_app(linked, load_index=False)
    app.state.index.load()
    name = sa.make_url(linked.db_url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
            down = client.get("/readyz")
            assert down.status_code == 503, down.text
            assert int(down.headers["retry-after"]) > 0
            assert "database" in down.json()["reason"]
            health = client.get("/healthz")
            assert health.status_code == 503 and int(health.headers["retry-after"]) > 0
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
        assert client.get("/readyz").status_code == 200


def test_the_index_follows_a_newer_link_run(
    db_settings: Settings, trained_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checks are answered from the loaded index while a link run writes a newer one, then
    from the newer one, without a restart."""
    import time

    from app import index_holder
    from ingest.jobs import sanctions_job

    db_settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, db_settings.model_dir / trained_model.name)
    ingest_files(db_settings, (sanctions_job("sfp"), SFP))
    link_records(db_settings)
    app = create_app(db_settings, load_index=False)
    app.state.index.load()
    officer = _key(db_settings, "officer")
    with TestClient(app) as client:
        ingest_files(db_settings, (sanctions_job("sat-69b"), SAT))
        definitivo = rows(
            db_settings,
            "SELECT rfc FROM sanctions WHERE kind = 'efos_definitivo' AND rfc NOT IN "
            "(SELECT rfc FROM sanctions WHERE registry = 'sfp' AND rfc IS NOT NULL) "
            "ORDER BY rfc LIMIT 1",
        )[0]
        query = {"rfc": definitivo.rfc}
        assert client.get("/v1/check", params=query, headers=officer).json()["verdict"] == "clear"
        loaded = app.state.index.index.link_run_id
        assert link_records(db_settings).mode == "incremental"
        monkeypatch.setattr(index_holder, "RECHECK_SECONDS", 0.0)
        deadline = time.monotonic() + 60
        while app.state.index.index.link_run_id == loaded:
            assert time.monotonic() < deadline, "the index did not follow the new link run"
            answer = client.get("/v1/check", params=query, headers=officer)
            assert answer.status_code == 200  # the previous index answers meanwhile
            time.sleep(0.05)
        answer = client.get("/v1/check", params=query, headers=officer).json()
        assert answer["verdict"] == "warning"
        assert {s["registry"] for s in answer["sanctions"]} == {"sat-69b"}
