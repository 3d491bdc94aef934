"""No API key in any log line: `testigo serve` on a loopback port (SQLite; the database plays no
part) with its access log read back after keys were sent as OpenRefine sends them, on the
service URL; and our own structured logs."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import logs
from app.settings import Settings
from tests.clients import serving, tail
from tests.factories import new_key

pytestmark = pytest.mark.slow


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"testigo serve exited with {proc.returncode}:\n{tail(log)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"/healthz not 200 after 60 s:\n{tail(log)}")


@pytest.fixture
def served(sqlite_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    log = tmp_path / "serve.log"
    with serving(sqlite_settings, log, _wait_healthy) as url:
        yield url, log


def test_the_access_log_never_holds_a_key(
    served: tuple[str, Path], sqlite_settings: Settings
) -> None:
    url, log = served
    key = new_key(sqlite_settings, "auditor", "OpenRefine")
    wrong = "tg_" + "W" * 43  # a mistyped key is as secret as a right one
    too_long = "tg_" + "L" * 300
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/v1/reconcile", params={"api_key": key}).status_code == 200
        assert client.get(f"/v1/reconcile/suggest/type?prefix=f&api_key={key}").status_code == 200
        # Starlette decodes parameter names too: api%5Fkey is api_key.
        assert client.get(f"/v1/reconcile/suggest/type?api%5Fkey={key}").status_code == 200
        mistyped = client.get(f"/v1/reconcile/suggest/type?API_KEY=x&api_key={wrong}")
        assert mistyped.status_code == 401
        refused = client.get("/v1/reconcile/suggest/type", params={"api_key": too_long})
        assert refused.status_code == 422 and too_long not in refused.text
    time.sleep(0.5)  # let the server write its last lines
    text = log.read_text()
    assert '"GET /v1/reconcile?api_key=' in text  # the requests are logged...
    for secret in (key, wrong, too_long, key[3:20]):
        assert secret not in text  # ...without the keys


def test_our_own_logs_never_hold_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    import structlog

    logs.configure("INFO")
    key = "tg_" + "K" * 43
    structlog.get_logger("test").warning(
        "request.failed",
        error=f"GET http://127.0.0.1:8000/v1/reconcile/preview?id=tg_1&api_key={key}",
        header=f"Bearer {key}",
    )
    line = capsys.readouterr().err
    assert "request.failed" in line and "api_key=" in line and key not in line


def test_logs_go_to_the_stderr_of_the_moment_not_of_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Configured while stderr was a stream that is closed since (a test's capture, a pipe),
    # logging must not fail: every later test and command logged into a closed file.
    import io
    import sys

    import structlog

    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    logs.configure("INFO")
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    structlog.get_logger("test").warning("after.close")
    assert "after.close" in second.getvalue()
