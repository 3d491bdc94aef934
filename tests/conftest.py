"""Fixtures: real engines only.

- `settings` / `sqlite_settings`: a SQLite file under tmp_path, migrated by Alembic.
- `pg_settings`: a fresh PostgreSQL database per test on the local server (created from the
  `test` database, dropped afterwards). Skipped, with the reason, when no server answers, unless
  TESTIGO_REQUIRE_POSTGRES=1 (set by .ci/run), where an unreachable server is a failure.
- `db_settings`: parametrised over both engines, for tests that must hold on SQLite and PostgreSQL.
- `spark_dir`: Spark's working directory for the session's tests (one local[2] SparkSession per
  test process). Skipped, with the reason, when pyspark or Java is missing, unless
  TESTIGO_REQUIRE_SPARK=1 (set by .ci/run), where that is a failure.
- `DATA`: the real public files bundled in the repo.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import migrations
from app.settings import Settings

DATA = Path(__file__).resolve().parent.parent / "data"
PG_ADMIN_URL = os.environ.get(
    "TESTIGO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_available() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no server here
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


_PG_PROBLEM = _pg_available()


def _spark_available() -> str | None:
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java not found (apt-get install openjdk-17-jre-headless)"
    return None


_SPARK_PROBLEM = _spark_available()


@pytest.fixture(scope="session")
def spark_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _unless_missing(_SPARK_PROBLEM, "TESTIGO_REQUIRE_SPARK")
    return tmp_path_factory.mktemp("spark")


def _unless_missing(problem: str | None, required_by: str) -> None:
    """Skip the test, with the reason, when what it needs is missing; fail it instead when the
    environment variable `required_by` is 1 (as .ci/run sets it)."""
    if problem:
        if os.environ.get(required_by) == "1":
            pytest.fail(f"{problem} (required: {required_by}=1)")
        pytest.skip(problem)


@contextlib.contextmanager
def _pg_database() -> Iterator[str]:
    """The URL of a new, empty database on the local server, dropped when the block ends."""
    _unless_missing(_PG_PROBLEM, "TESTIGO_REQUIRE_POSTGRES")
    name = f"testigo_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_settings(tmp_path: Path, database_url: str | None = None) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url, batch_size=500)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path)
    migrations.upgrade(settings)
    return settings


@pytest.fixture
def pg_url() -> Iterator[str]:
    with _pg_database() as url:
        yield url


@pytest.fixture
def pg_settings(tmp_path: Path, pg_url: str) -> Settings:
    settings = make_settings(tmp_path, pg_url)
    migrations.upgrade(settings)
    return settings


@pytest.fixture(params=["sqlite", "postgres"])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        settings: Settings = request.getfixturevalue("sqlite_settings")
        return settings
    settings = request.getfixturevalue("pg_settings")
    return settings


def pytest_report_header() -> list[str]:
    import shutil

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    return [
        "postgresql: " + ("available" if not _PG_PROBLEM else f"SKIPPED ({_PG_PROBLEM})"),
        "chromium: " + (browser or "SKIPPED (not installed: apt-get install chromium)"),
        "spark: " + ("available" if not _SPARK_PROBLEM else f"SKIPPED ({_SPARK_PROBLEM})"),
    ]


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once per session on the real SFP directory and SAT 69-B list (SQLite);
    tests copy it into their own model directory instead of training again."""
    from app.linking import link_options
    from app.store.engine import make_engine
    from ingest.jobs import sanctions_job
    from ingest.pipeline import run_job
    from matching.link import link

    settings = make_settings(tmp_path_factory.mktemp("model"))
    migrations.upgrade(settings)
    engine = make_engine(settings)
    try:
        for fmt, name in (("sfp", SFP_FILE), ("sat-69b", SAT_FILE)):
            run_job(
                sanctions_job(fmt),
                [str(DATA / "sanctions" / name)],
                engine=engine,
                settings=settings,
            )
        link(engine, link_options(settings))
    finally:
        engine.dispose()
    (model,) = sorted(settings.model_dir.glob("model-*.json"))
    return model


SFP_FILE = "sfp_directorio_sancionados_2026-06-11.json"
SAT_FILE = "sat_69b_listado_completo_2021-05-18.csv"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Like `db_settings`, but one database per test module: for modules whose tests only read
    what an expensive fixture (ingest + link) prepared once."""
    tmp = tmp_path_factory.mktemp("module")
    if request.param == "sqlite":
        settings = make_settings(tmp)
        migrations.upgrade(settings)
        yield settings
        return
    with _pg_database() as url:
        settings = make_settings(tmp, url)
        migrations.upgrade(settings)
        yield settings
