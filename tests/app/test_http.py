"""Real HTTP end to end: `testigo serve` in a subprocess on a loopback port, against the SFP
directory and SAT 69-B list linked by the session's trained model (SQLite and PostgreSQL), and
`testigo apikey create` from the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app import keys
from app.db import make_engine
from app.settings import Settings
from tests.app.test_check_api import GARZA, linked  # noqa: F401  (the module-scoped fixture)

pytestmark = pytest.mark.slow

READY_TIMEOUT_S = 60.0
BIN = Path(sys.executable).parent


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    env: dict[str, str]
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _testigo(*args: str) -> list[str]:
    script = BIN / "testigo"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "app.cli", *args]


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESTIGO_")}
    env["TESTIGO_DATA_DIR"] = str(settings.data_dir)
    env["TESTIGO_DATABASE_URL"] = settings.db_url
    return env


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer"
    with httpx.Client(base_url=url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"testigo serve exited with {proc.returncode}:\n{_tail(log)}")
            try:
                ready = client.get("/readyz")
            except httpx.TransportError as exc:
                last = repr(exc)
            else:
                if ready.status_code == 200:
                    return
                last = f"{ready.status_code} {ready.text}"
            time.sleep(0.25)
    pytest.fail(f"/readyz not 200 after {READY_TIMEOUT_S:.0f} s ({last}):\n{_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(linked: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    """`testigo serve --workers 1` on a free loopback port, ready (model and index loaded)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(linked)
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = _testigo("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1")
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(url, proc, log)
        yield Server(url, env, log)
    finally:
        _stop(proc)


def _officer_key(settings: Settings) -> str:
    engine = make_engine(settings)
    try:
        _, key = keys.create(engine, role="officer", name="http officer")
    finally:
        engine.dispose()
    return key


def test_check_over_http(server: Server, linked: Settings) -> None:  # noqa: F811
    key = _officer_key(linked)
    query = {**GARZA, "on": "2026-11-24"}
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        answer = client.get("/v1/check", params=query, headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verdict"] == "barred"
        assert any(s["registry"] == "sfp" for s in body["sanctions"])

        by_header = client.get("/v1/check", params=query, headers={"X-API-Key": key})
        assert by_header.status_code == 200 and by_header.json()["verdict"] == "barred"

        anonymous = client.get("/v1/check", params=query)
        assert anonymous.status_code == 401
        assert "Traceback" not in anonymous.text and anonymous.json()["detail"]

        docs = client.get("/docs")
        assert docs.status_code == 200
        assert docs.headers["content-type"].startswith("text/html")
        assert "swagger" in docs.text.lower()

        spec = client.get("/openapi.json")
        assert spec.status_code == 200
        assert "/v1/check" in spec.json()["paths"]
        assert "get" in spec.json()["paths"]["/v1/check"]

        assert client.get("/healthz").json() == {"status": "ok"}


def test_apikey_create_prints_only_the_key_and_it_works(server: Server) -> None:
    done = subprocess.run(
        _testigo("apikey", "create", "--role", "officer", "--name", "x"),
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    (key,) = lines
    assert key.startswith("tg_") and key == key.strip() and " " not in key
    assert "cannot be shown again" in done.stderr  # the note goes to stderr, not stdout
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        answer = client.get(
            "/v1/check", params={"rfc": "GGA8306134F4"}, headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["verdict"] in {"barred", "warning", "review", "clear"}
        wrong = client.get(
            "/v1/check", params={"rfc": "GGA8306134F4"}, headers={"X-API-Key": key + "x"}
        )
        assert wrong.status_code == 401
