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


# What only app/store may do: open a connection or an ORM session, and write SQL.
_OPENERS = {"begin", "connect", "Session", "sessionmaker"}
_SQL = {"select", "insert", "update", "delete", "text"}


def _is_in(value: ast.expr, modules: set[str], attr: str) -> bool:
    return isinstance(value, ast.Name) and value.id in modules and attr in _SQL


def _storage_outside_the_store(folder: str, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    """(file, what) for every connection or session opened, and every SQL builder imported from
    SQLAlchemy, in the package `folder` outside the paths in `allowed`."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        if any(where == a or where.startswith(a + "/") for a in allowed):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {  # what `import sqlalchemy as sa` binds, to find `sa.select(...)`
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name.startswith("sqlalchemy")
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _OPENERS:
                    found.append((where, f"{name}() at line {node.lineno}"))
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                found.extend((where, alias.name) for alias in node.names if alias.name in _SQL)
            elif isinstance(node, ast.Attribute) and _is_in(node.value, modules, node.attr):
                found.append((where, f"{ast.unparse(node)}"))
    return found


def test_only_the_store_opens_connections_and_writes_sql() -> None:
    """The caller owns the transaction: outside app/store, code opens one with
    `app.store.engine.transaction` / `unit_of_work` / `reading` and passes it to store functions.
    (The alembic scripts run the migrations' own SQL.)"""
    assert _storage_outside_the_store("app", ("app/store", "app/alembic")) == []


def test_matching_opens_no_connection_and_writes_no_sql() -> None:
    """matching/ reads and writes through app/store with the caller's `conn` or `session`; an
    entry point that owns its transaction opens it with app.store.engine.transaction,
    unit_of_work or reading, never with the engine's own begin(), connect() or a Session."""
    found = _storage_outside_the_store("matching", ())
    # backend.py connects DuckDB, Splink's engine for the link run, not the store.
    duckdb = [(f, what) for f, what in found if f == "matching/backend.py" and "connect()" in what]
    assert len(duckdb) == 1
    assert [item for item in found if item not in duckdb] == []


def test_ingest_opens_no_connection_and_writes_no_sql() -> None:
    """ingest/ stores through app/store: the pipeline opens one transaction per file with
    app.store.engine.transaction and passes it down."""
    assert _storage_outside_the_store("ingest", ()) == []
