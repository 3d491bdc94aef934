"""The dependency direction the README's Layout promises (issue 16 item 5): app/store imports
neither ingest/ nor matching/ nor the HTTP layer, and ingest/ and matching/ never import FastAPI.
Read from the source (imports inside functions count too), so a stray import fails here, not in
a review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(folder: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in the package `folder`."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.extend((path.name, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((path.name, node.module))
    return found


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_store_depends_on_nothing_that_uses_it() -> None:
    callers = ("ingest", "matching", "app.routes", "app.web", "app.cli", "fastapi", "starlette")
    wrong = [(f, m) for f, m in _imports("app/store") if _under(m, callers)]
    assert wrong == []


@pytest.mark.parametrize("package", ["ingest", "matching"])
def test_domain_packages_never_import_http(package: str) -> None:
    http = ("fastapi", "starlette", "app.routes", "app.web")
    wrong = [(f, m) for f, m in _imports(package) if _under(m, http)]
    assert wrong == []


def test_no_storage_module_is_left_at_its_old_path() -> None:
    old = ["app/models.py", "app/db.py", "app/bulk.py", "ingest/store.py", "ingest/runs.py"]
    old += ["matching/store.py", "matching/neighbourhood.py"]
    assert [p for p in old if (ROOT / p).exists()] == []


def _opened(name: str, source: str) -> list[str]:
    """The calls in the module `source` that open a connection or a session: `x.begin()`,
    `x.connect()`, `Session(...)`, `sessionmaker(...)`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        bare = isinstance(func, ast.Attribute) and not node.args and not node.keywords
        if (called in ("begin", "connect") and bare) or called in ("Session", "sessionmaker"):
            found.append(f"{name}:{node.lineno} {called}")
    return found


def test_matching_opens_no_connection_of_its_own() -> None:
    """matching/ reads and writes through app/store with the caller's `conn` or `session`; an
    entry point that owns its transaction opens it with app.store.engine.transaction or
    unit_of_work, never with the engine's own begin(), connect() or a Session."""
    paths = sorted((ROOT / "matching").rglob("*.py"))
    wrong = [call for p in paths for call in _opened(p.name, p.read_text(encoding="utf-8"))]
    assert wrong == []


def test_the_guard_against_own_connections_sees_them() -> None:
    lines = ["with engine.begin() as c: pass", "with engine.connect() as c: pass"]
    lines += ["s = Session(engine)", "d = duckdb.connect(database=':memory:')"]
    found = sorted(_opened("m.py", "\n".join(lines)))
    assert found == ["m.py:1 begin", "m.py:2 connect", "m.py:3 Session"]
