"""Ingest from http(s) URLs against a real HTTP server on loopback: streamed download, retries
on a server error, and a conditional GET that skips an unchanged source."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.settings import Settings
from app.store.engine import make_engine
from ingest import source
from ingest.jobs import sanctions_job
from ingest.pipeline import run_job
from tests.factories import SFP, rows


class _State:
    body: bytes = b""
    fail_next: int = 0
    requests: list[dict[str, str]]

    def __init__(self) -> None:
        self.requests = []


@pytest.fixture
def server() -> Iterator[tuple[str, _State]]:
    state = _State()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(dict(self.headers))
            if state.fail_next:
                state.fail_next -= 1
                self.send_response(503)
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(state.body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/sfp.json", state
    httpd.shutdown()
    httpd.server_close()


def _ingest(settings: Settings, url: str) -> object:
    engine = make_engine(settings)
    try:
        return run_job(sanctions_job("sfp"), [url], engine=engine, settings=settings)
    finally:
        engine.dispose()


def test_url_is_fetched_then_not_refetched_when_unchanged(
    sqlite_settings: Settings, server: tuple[str, _State]
) -> None:
    url, state = server
    state.body = SFP.read_bytes()
    state.fail_next = 1  # the first answer is a 503: the fetch retries
    first = _ingest(sqlite_settings, url)
    assert first.files[0].status == "ok" and first.total("read") == 2396  # type: ignore[attr-defined]
    assert first.files[0].sha256 == hashlib.sha256(state.body).hexdigest()  # type: ignore[attr-defined]

    second = _ingest(sqlite_settings, url)
    assert second.files[0].status == "skipped"  # type: ignore[attr-defined]
    assert "304" in (second.files[0].error or "")  # type: ignore[attr-defined]
    assert state.requests[-1].get("If-None-Match")
    runs = rows(
        sqlite_settings, "SELECT origin, status, etag, retrieved_at FROM ingest_runs ORDER BY id"
    )
    assert [r.status for r in runs] == ["ok", "skipped"]
    assert runs[0].origin == url and runs[0].etag and runs[0].retrieved_at is not None
    stored = rows(sqlite_settings, "SELECT DISTINCT source_file FROM sanctions")
    assert [r.source_file for r in stored] == [url]


def test_a_server_that_keeps_failing_is_a_clear_error(
    sqlite_settings: Settings, server: tuple[str, _State], tmp_path: Path
) -> None:
    url, state = server
    state.fail_next = 100
    with pytest.raises(source.SourceError, match="could not fetch after 2 attempts"):
        source.fetch(url, tmp_path, retries=1)
    summary = _ingest(sqlite_settings.model_copy(update={"http_retries": 0}), url)
    assert summary.failed == 1  # type: ignore[attr-defined]
