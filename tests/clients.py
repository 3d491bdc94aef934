"""Plain functions that drive Testigo from outside, as its users do: the `testigo` command in a
subprocess, `testigo serve` on a free loopback port, and a browser session signed in over the
ASGI client. Test modules share these instead of importing each other's private helpers."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.settings import Settings

READY_TIMEOUT_S = 60.0
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def run(
    tmp_path: Path,
    *args: str,
    data_dir: Path | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`testigo ARGS` in a subprocess on a fresh SQLite data dir (tmp_path/var unless given),
    with the caller's log level and database settings left out, and `settings` (TESTIGO_*
    variables) added."""
    env = {**os.environ, "TESTIGO_DATA_DIR": str(data_dir or tmp_path / "var")}
    env.pop("TESTIGO_DATABASE_URL", None)
    env.pop("TESTIGO_LOG_LEVEL", None)
    env.update(settings or {})
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli_command(*args: str) -> list[str]:
    """The installed `testigo` command with `args` (the module when no script is installed)."""
    script = BIN / "testigo"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "app.cli", *args]


def server_env(settings: Settings) -> dict[str, str]:
    """The environment of a `testigo` process on `settings`' data and database, and no other
    TESTIGO_ setting of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESTIGO_")}
    env["TESTIGO_DATA_DIR"] = str(settings.data_dir)
    env["TESTIGO_DATABASE_URL"] = settings.db_url
    return env


Waiter = Callable[[str, "subprocess.Popen[bytes]", Path], None]


@contextlib.contextmanager
def serving(settings: Settings, log: Path, wait: Waiter | None = None) -> Iterator[str]:
    """`testigo serve --workers 1` on a free loopback port, its output in `log`, stopped on
    leaving: its address, once `wait` (default `wait_ready`) has seen it answer."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = cli_command("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=server_env(settings), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        (wait or wait_ready)(url, proc, log)
        yield url
    finally:
        stop(proc)


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until /readyz answers 200; fails the test, with the server's log, if it never does."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    last = "no answer"
    with httpx.Client(base_url=url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"testigo serve exited with {proc.returncode}:\n{tail(log)}")
            try:
                ready = client.get("/readyz")
            except httpx.TransportError as exc:
                last = repr(exc)
            else:
                if ready.status_code == 200:
                    return
                last = f"{ready.status_code} {ready.text}"
            time.sleep(0.25)
    pytest.fail(f"/readyz not 200 after {READY_TIMEOUT_S:.0f} s ({last}):\n{tail(log)}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a process manager stops a server; killed if it has not left in 20 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def sign_in(client: TestClient, key: str, next_url: str = "/check") -> None:
    """Sign a page client in with `key`; the session cookie must be HttpOnly and strict."""
    answer = client.post("/sign-in", data={"key": key, "next": next_url})
    assert answer.status_code == 303 and answer.headers["location"] == next_url
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def csrf(page: str) -> str:
    """The CSRF token of the first form on `page`."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)
