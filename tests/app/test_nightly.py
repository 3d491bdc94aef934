"""`testigo nightly` on real files: a failing source is reported while the others load, link and
scan; an unchanged source is not re-ingested; two runs never overlap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.nightly import NightlyError, lock, read_sources, run
from app.settings import Settings
from app.store.engine import make_engine
from tests.factories import CDMX_SUPPLIERS, SFP


def _sources(tmp: Path, *extra: str) -> Path:
    path = tmp / "sources.toml"
    path.write_text(
        "\n".join(
            [
                f'[[sources]]\nkind = "sanctions"\nformat = "sfp"\nlocation = "{SFP}"\n',
                '[[sources]]\nkind = "suppliers"\nformat = "cdmx-sefin"\n'
                f'location = "{CDMX_SUPPLIERS}"\n',
                *extra,
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_nightly_runs_every_source_and_reports_the_failing_one(
    db_settings: Settings, trained_model: Path, tmp_path: Path
) -> None:
    db_settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, db_settings.model_dir / trained_model.name)
    missing = f'[[sources]]\nkind = "ocds"\nlocation = "{tmp_path / "nowhere.jsonl"}"\n'
    settings = db_settings.model_copy(update={"sources": _sources(tmp_path, missing)})
    engine = make_engine(settings)
    try:
        first = run(engine, settings)
        assert first.sources_ok == 2 and len(first.sources_failed) == 1
        assert "nowhere.jsonl" in first.sources_failed[0]
        assert first.exit_code == 1
        assert first.link is not None and first.link["records"] > 2500
        assert first.scan is not None and first.digest is not None
        assert "1 failed" in first.line()

        second = run(engine, settings)
        assert second.sources_unchanged == 2 and second.sources_ok == 0
        assert second.link is not None and second.link["new_or_changed"] == 0

        with lock(settings.data_dir / "nightly.lock"), pytest.raises(NightlyError, match="another"):
            run(engine, settings)
    finally:
        engine.dispose()


def test_sources_file_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nkind = "ocds"\n', encoding="utf-8")
    with pytest.raises(NightlyError, match="needs kind"):
        read_sources(bad)
    with pytest.raises(NightlyError, match="cannot read"):
        read_sources(tmp_path / "none.toml")


def test_a_failing_link_is_one_line_in_the_summary_and_the_scan_still_runs(
    tmp_path: Path,
) -> None:
    # Issue 14 item 10: a link that fails (here a saved model that cannot be read) printed a
    # raw traceback and no summary line; the alert scan after it never ran.
    import os
    import subprocess
    import sys

    data_dir = tmp_path / "var"
    models = data_dir / "models"
    models.mkdir(parents=True)
    (models / "model-29991231T000000.000000+0000-broken.json").write_text("{not json")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[sources]]\nkind = "sanctions"\nformat = "sfp"\nlocation = "{SFP}"\n')
    env = {**os.environ, "TESTIGO_DATA_DIR": str(data_dir), "TESTIGO_SOURCES": str(sources)}
    for name in ("TESTIGO_DATABASE_URL", "TESTIGO_LOG_LEVEL"):
        env.pop(name, None)
    root = Path(__file__).resolve().parents[2]

    def testigo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=300,
            check=False,
        )

    assert testigo("db", "upgrade").returncode == 0
    done = testigo("nightly", "--no-mail")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("nightly: sources 1 loaded")
    assert "alerts 0 new" in line  # the scan ran after the failed link
    assert "failed" in line and "broken.json" in line  # the step, and what to look at
