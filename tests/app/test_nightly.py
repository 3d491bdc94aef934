"""`testigo nightly` on real files: a failing source is reported while the others load, link and
scan; an unchanged source is not re-ingested; two runs never overlap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.db import make_engine
from app.nightly import NightlyError, lock, read_sources, run
from app.settings import Settings
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
