"""One error hierarchy (issue 16 item 2): every domain error is a TestigoError carrying its HTTP
status and its exit code, and each surface maps it in one place: JSON `{"detail": ...}` for the
API, the error page (or the sign-in redirect) for a page, one line on stderr for the command.
Before, a dozen of these classes stood outside the hierarchy and were translated route by route,
page by page and command by command."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient

from app.alerts.subscriptions import SubscriptionError
from app.cli import base
from app.errors import (
    BadData,
    BadRequest,
    BadSetting,
    CannotStart,
    Forbidden,
    NotFound,
    NotReady,
    TooLarge,
    TooManyRequests,
    Unauthorised,
    Unavailable,
)

# Renamed: pytest would take a class named Test... at module level for a test class.
from app.errors import TestigoError as DomainError
from app.index_holder import IndexUnavailable
from app.keys import KeyError_
from app.main import create_app
from app.nightly import NightlyError
from app.settings import Settings, get_settings
from app.web.pages import SignInRequired
from ingest.amounts import UnreadableAmount
from ingest.jobs import JobError
from ingest.ocds_fields import MalformedRelease
from ingest.rows import UnreadableSource
from ingest.source import SourceError
from matching.extension import ExtensionError
from matching.judgements import JudgementError
from matching.model import ModelError
from matching.reconcile import ReconcileError
from matching.rfc import NotAnRfc
from matching.spark import SparkUnavailable
from tests.clients import run
from tests.factories import new_key

# class, HTTP status, exit code: 2 when what was asked is wrong, 1 when the work failed.
TABLE: list[tuple[type[DomainError], int, int]] = [
    (DomainError, 500, 1),
    (BadRequest, 422, 2),
    (Unauthorised, 401, 2),
    (Forbidden, 403, 2),
    (NotFound, 404, 2),
    (TooLarge, 413, 2),
    (TooManyRequests, 429, 1),
    (NotReady, 503, 1),
    (BadSetting, 500, 2),
    (CannotStart, 500, 2),
    (BadData, 422, 1),
    (Unavailable, 502, 1),
    (NightlyError, 500, 2),  # `testigo nightly --help`: "2 when the run could not start"
    (IndexUnavailable, 503, 1),
    (SubscriptionError, 422, 2),
    (KeyError_, 422, 2),
    (JobError, 422, 2),
    (SourceError, 502, 1),
    (MalformedRelease, 422, 1),
    (UnreadableAmount, 422, 1),
    (UnreadableSource, 422, 1),
    (ModelError, 500, 1),
    (NotAnRfc, 422, 2),
    (ReconcileError, 422, 2),
    (JudgementError, 422, 2),
    (ExtensionError, 422, 2),
    (SparkUnavailable, 500, 2),
    (SignInRequired, 401, 2),
]


@pytest.mark.parametrize(("cls", "status", "exit_code"), TABLE, ids=lambda v: str(v))
def test_each_class_carries_its_status_and_exit_code(
    cls: type[DomainError], status: int, exit_code: int
) -> None:
    assert issubclass(cls, DomainError)
    assert (cls.status, cls.exit_code) == (status, exit_code)


def test_the_former_value_errors_still_are_value_errors() -> None:
    # Callers that read a source catch ValueError around these (ingest/ocds.py, the pipeline).
    for cls in (NotAnRfc, JudgementError, MalformedRelease, JobError, ModelError, UnreadableAmount):
        assert issubclass(cls, ValueError)
    assert str(NotAnRfc("XAXX010101000 identifies nobody")) == "XAXX010101000 identifies nobody"


def test_an_error_crosses_processes_whole() -> None:
    # The ingest's reading process hands its errors to the writer pickled (ingest/prefetch.py).
    sent = NotReady("busy", 504, retry_after=9)
    came = pickle.loads(pickle.dumps(sent))
    assert type(came) is NotReady and (came.detail, came.status, came.headers) == (
        "busy",
        504,
        {"Retry-After": "9"},
    )
    assert pickle.loads(pickle.dumps(UnreadableSource("a.json: broken"))).detail == "a.json: broken"


def _modules() -> Iterator[str]:
    root = Path(__file__).resolve().parents[2]
    for package in ("app", "ingest", "matching"):
        yield package
        for found in pkgutil.walk_packages([str(root / package)], prefix=f"{package}."):
            # Migrations are scripts Alembic loads; __main__ runs the command when imported.
            if not found.name.startswith("app.alembic") and not found.name.endswith("__main__"):
                yield found.name


def test_every_public_exception_of_the_code_is_in_the_table() -> None:
    """A new exception class outside the hierarchy, or missing from the table above, fails
    here rather than being translated again somewhere."""
    tabled = {cls for cls, _, _ in TABLE}
    outside, untabled = [], []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == name
                and not attr.startswith("_")
            ):
                if not issubclass(obj, DomainError):
                    outside.append(f"{name}.{attr}")
                elif obj not in tabled:
                    untabled.append(f"{name}.{attr}")
    assert outside == [] and untabled == []


# --- The command line: one handler ---------------------------------------------------------


@pytest.fixture
def no_debug(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TESTIGO_LOG_LEVEL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _command_raising(exc: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def fail() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    ("cls", "exit_code"),
    [(cls, code) for cls, _, code in TABLE if cls is not SignInRequired],
    ids=lambda v: str(v),
)
def test_the_command_line_says_one_line_and_exits_with_the_class_code(
    cls: type[DomainError],
    exit_code: int,
    no_debug: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "argv", ["testigo"])
    with pytest.raises(SystemExit) as done:
        base.run(_command_raising(cls("run `testigo link` first")))
    assert done.value.code == exit_code
    assert capsys.readouterr().err == "error: run `testigo link` first\n"


def test_an_unexpected_failure_is_one_line_and_exit_1(
    no_debug: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["testigo"])
    with pytest.raises(SystemExit) as done:
        base.run(_command_raising(RuntimeError("disk on fire\nsecond line")))
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: RuntimeError: disk on fire (") and err.count("\n") == 1


def test_domain_errors_from_real_commands(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    same = run(tmp_path, "judge", "same", "party:x", "party:x")
    assert same.returncode == 2
    assert same.stderr == ("error: a record is always the same firm as itself: name two records\n")
    unlinked = run(tmp_path, "check", "--name", "ACME")
    assert unlinked.returncode == 1
    assert unlinked.stderr == "error: no link state yet: run `testigo link`\n"
    nightly = run(tmp_path, "nightly")
    assert nightly.returncode == 2 and nightly.stderr.startswith("error: set TESTIGO_SOURCES")
    role = run(tmp_path, "apikey", "create", "--role", "boss", "--name", "x")
    assert role.returncode == 2 and role.stderr.startswith("error: role must be one of")


# --- HTTP: one handler, JSON for the API, a page for the pages -------------------------------


@pytest.fixture
def client(sqlite_settings: Settings) -> Iterator[TestClient]:
    # The error pages read in English here (Spanish is the pages' default: tests/app/test_i18n.py).
    app = create_app(sqlite_settings, load_index=False)
    with TestClient(app, follow_redirects=False, headers={"Accept-Language": "en"}) as c:
        yield c


def test_a_domain_error_in_an_api_route_is_its_status_and_detail(
    client: TestClient, sqlite_settings: Settings
) -> None:
    auditor = {"X-API-Key": new_key(sqlite_settings, "auditor")}
    # JudgementError, raised by matching/, was translated by the route; now the class says 422.
    judged = client.post(
        "/v1/judgements",
        json={"decision": "same", "record_a": "party:x", "record_b": "party:x"},
        headers=auditor,
    )
    assert judged.status_code == 422
    assert judged.json() == {
        "detail": "a record is always the same firm as itself: name two records"
    }
    missing = client.get("/v1/entities/tg_000000000000", headers=auditor)
    assert missing.status_code == 404 and "no entity" in missing.json()["detail"]
    unready = client.get("/v1/check", params={"name": "ACME"}, headers=auditor)
    assert unready.status_code == 503 and unready.headers["retry-after"] == "5"
    assert "not ready" in unready.json()["detail"]
    assert client.get("/v1/entities", params={"q": "ACME"}).status_code == 401


def _signed_in(client: TestClient, key: str) -> str:
    """Sign in with `key`; the session's CSRF token."""
    assert client.post("/sign-in", data={"key": key, "next": "/check"}).status_code == 303
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/check").text)
    assert found
    return found.group(1)


def test_a_domain_error_in_a_page_is_the_error_page(
    client: TestClient, sqlite_settings: Settings
) -> None:
    away = client.get("/alerts")
    assert away.status_code == 303 and away.headers["location"] == "/sign-in?next=/alerts"
    keyed = client.get("/firms/tg_000000000000", params={"api_key": "tg_not-a-key"})
    assert keyed.status_code == 401 and keyed.headers["content-type"].startswith("text/html")
    assert "That API key is unknown or revoked" in keyed.text

    csrf = _signed_in(client, new_key(sqlite_settings, "auditor"))
    judged = client.post(
        "/review",
        data={"decision": "same", "record_a": "party:x", "record_b": "party:x", "csrf": csrf},
    )
    assert judged.status_code == 422 and judged.headers["content-type"].startswith("text/html")
    assert "<h1>Cannot do that</h1>" in judged.text
    assert "A record is always the same firm as itself: name two records." in judged.text
    # A NotFound raised by app/alerts/review.py, not by the page.
    alert = client.post("/alerts/999999/review", data={"decision": "confirm", "csrf": csrf})
    assert alert.status_code == 404 and "<h1>Not found</h1>" in alert.text
    assert "No alert 999999." in alert.text
    firm = client.get("/firms/tg_000000000000")
    assert firm.status_code == 404 and "search for it on the Firms page." in firm.text
    assert "..</p>" not in firm.text  # a message that is a sentence is not given a second stop


def test_a_role_refused_by_a_page_is_the_error_page(
    client: TestClient, sqlite_settings: Settings
) -> None:
    _signed_in(client, new_key(sqlite_settings, "officer"))
    refused = client.get("/alerts")
    assert refused.status_code == 403 and "<h1>Not allowed</h1>" in refused.text
    assert "This page is for auditors; the officer role may not see it." in refused.text
