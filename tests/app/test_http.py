"""Real HTTP end to end: `testigo serve` in a subprocess on a loopback port, against the SFP
directory and SAT 69-B list linked by the session's trained model (SQLite and PostgreSQL), and
`testigo apikey create` from the command line."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.settings import Settings
from tests.clients import cli_command, server_env, serving
from tests.factories import GARZA, new_key

pytestmark = pytest.mark.slow


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    env: dict[str, str]
    log: Path


@pytest.fixture(scope="module")
def server(linked: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`testigo serve --workers 1` on a free loopback port, ready (model and index loaded)."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serving(linked, log) as url:
        yield Server(url, server_env(linked), log)


def _officer_key(settings: Settings) -> str:
    return new_key(settings, "officer", "http officer")


def test_check_over_http(server: Server, linked: Settings) -> None:
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
        cli_command("apikey", "create", "--role", "officer", "--name", "x"),
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
