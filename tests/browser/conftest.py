"""The browser tests' fixtures: `served`, a `testigo serve` process over a linked, scanned
SQLite site (`factories.prepare_site`) on a free loopback port, and `chromium`, Debian's
Chromium driven by Playwright, skipped (and saying so) when it is not installed unless
TESTIGO_REQUIRE_BROWSER=1; `page` and `page_es`, a tab of it in English or Mexican Spanish.
`shot` keeps a screenshot as an artefact in $TESTIGO_ARTIFACTS."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import migrations
from app.settings import Settings
from tests.clients import serving
from tests.conftest import make_settings
from tests.factories import prepare_site

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TESTIGO_ARTIFACTS", REPO / "var" / "artifacts" / "browser"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# No sandbox as root; no network beyond loopback on this machine, so nothing in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser() -> None:
    if CHROMIUM is None:
        message = "Chromium not found (Debian: apt-get install chromium)"
        if os.environ.get("TESTIGO_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (required: TESTIGO_REQUIRE_BROWSER=1)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def served(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Settings]]:
    _require_browser()
    settings = make_settings(tmp_path_factory.mktemp("browser"))
    migrations.upgrade(settings)
    prepare_site(settings, trained_model, tmp_path_factory.mktemp("ocds"))
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serving(settings, log) as address:
        yield address, settings


@pytest.fixture(scope="module")
def url(served: tuple[str, Settings]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def settings(served: tuple[str, Settings]) -> Settings:
    return served[1]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _page(chromium: Any, url: str, locale: str) -> Iterator[Any]:
    context = chromium.new_context(
        base_url=url, viewport={"width": 1100, "height": 900}, locale=locale
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(chromium: Any, url: str) -> Iterator[Any]:
    """A browser set to English (its Accept-Language and its date fields): the English pages.
    `page_es` is one set to Mexican Spanish, the pages' default language."""
    yield from _page(chromium, url, "en-US")


@pytest.fixture
def page_es(chromium: Any, url: str) -> Iterator[Any]:
    yield from _page(chromium, url, "es-MX")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
