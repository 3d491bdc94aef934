"""Module-scoped databases the API and page tests read, built once per module and engine.

- `linked`: the real SFP directory and SAT 69-B list, linked with the session's trained model.
- `site`: the same, plus one award GARZA GAS won inside its debarment, linked and scanned (so
  there is an alert to list and review).
Tests only add keys, checks, judgements and reviews, which no other test depends on."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings
from tests.factories import SAT, SFP, ingest_files, link_records, prepare_site, use_model


@pytest.fixture(scope="module")
def linked(module_settings: Settings, trained_model: Path) -> Settings:
    from ingest.jobs import sanctions_job

    use_model(module_settings, trained_model)
    ingest_files(module_settings, (sanctions_job("sfp"), SFP), (sanctions_job("sat-69b"), SAT))
    link_records(module_settings)
    return module_settings


@pytest.fixture(scope="module")
def site(
    module_settings: Settings, trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return prepare_site(module_settings, trained_model, tmp_path_factory.mktemp("ocds"))
