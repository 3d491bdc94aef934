"""The pages in a real browser: headless Chromium (Debian's `chromium`, driven by Playwright)
against `testigo serve` on a loopback port, over a SQLite database with the registries linked
and one award won by a debarred firm. An officer checks a barred supplier and a clear one by
keyboard; an auditor reviews the alert and opens the firm. Screenshots are kept as artefacts
in $TESTIGO_ARTIFACTS (default var/artifacts/browser).

Without Chromium the tests are skipped and say so, unless TESTIGO_REQUIRE_BROWSER=1 (.ci/run
installs Chromium and sets it), where a missing browser is a failure."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.settings import Settings
from tests.browser.conftest import shot
from tests.factories import GARZA_RFC, new_key

pytestmark = pytest.mark.slow


def _sign_in(page: Any, key: str, label: str = "API key") -> None:
    page.goto("/check")
    assert "/sign-in" in page.url  # not signed in yet
    page.get_by_label(label).fill(key)
    page.keyboard.press("Enter")
    # (Not a glob: "/sign-in?next=/check" ends in "/check" too.)
    page.wait_for_url(lambda address: urlsplit(address).path == "/check")


def _check_by_keyboard(page: Any, query: str, date: str) -> None:
    """Type a check as a keyboard user does: into the box that has the focus when the page
    opens, Tab to the date (mm dd yyyy), Enter. Waits for the focus first: on a busy machine
    the first keys can arrive before the page has given it, and would be lost (CI saw a
    check sent for a few letters of the RFC)."""
    page.wait_for_function("document.activeElement && document.activeElement.name === 'q'")
    page.keyboard.type(query)
    page.keyboard.press("Tab")
    page.keyboard.type(date)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda address: "q=" in urlsplit(address).query)
    assert parse_qs(urlsplit(page.url).query)["q"] == [query], page.url


def _contrast(page: Any, selector: str) -> float:
    """WCAG contrast ratio of an element's text colour against its background colour."""
    ratio: float = page.eval_on_selector(
        selector,
        """el => {
          const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
          const lum = ([r, g, b]) => {
            const f = c => {
              c /= 255;
              return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
            };
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const style = getComputedStyle(el);
          const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""",
    )
    return ratio


def test_an_officer_checks_a_barred_and_a_clear_supplier(page: Any, settings: Settings) -> None:
    _sign_in(page, new_key(settings, "officer"))
    assert page.get_by_role("link", name="Alerts").count() == 0  # officers: the check only
    # By keyboard: the search box has the focus, Tab reaches the date, Enter sends.
    _check_by_keyboard(page, GARZA_RFC, "11242026")  # the date typed as a person would
    badge = page.locator(".verdict .badge")
    assert badge.inner_text() == "BARRED"
    assert "Do not award" in page.locator(".verdict .headline").inner_text()
    assert page.get_by_role("cell", name="2026-06-10 – 2028-03-28").count() == 1
    assert page.get_by_text("The RFC (tax id) is the same.").count() >= 1
    assert _contrast(page, ".verdict .badge") >= 4.5
    shot(page, "check-barred")

    page.get_by_label("Supplier RFC or name").fill("Panaderia Zyxwv Inexistente")
    page.get_by_label("Award date").fill("")
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert page.locator(".verdict .badge").inner_text() == "CLEAR"
    assert _contrast(page, ".verdict .badge") >= 4.5
    shot(page, "check-clear")


def test_an_officer_checks_a_supplier_in_spanish_by_default(
    page_es: Any, settings: Settings
) -> None:
    page = page_es
    page.goto("/sign-in")
    assert page.locator("html").get_attribute("lang") == "es-MX"
    assert page.get_by_role("heading", name="Iniciar sesión").count() == 1
    _sign_in(page, new_key(settings, "officer"), label="Clave de API")
    # By keyboard, as in English. (The date field's order is that of the browser's own
    # interface, English here: headless Chromium keeps it whatever the page's language.)
    _check_by_keyboard(page, GARZA_RFC, "11242026")
    assert "on=2026-11-24" in urlsplit(page.url).query  # the date the officer meant
    assert page.locator(".verdict .badge").inner_text() == "INHABILITADO"
    assert page.locator(".verdict .headline").inner_text() == (
        "No adjudique: este proveedor está inhabilitado para contratar con el sector público "
        "el 24 de noviembre de 2026."
    )
    assert page.get_by_role("cell", name="10 de junio de 2026 – 28 de marzo de 2028").count() == 1
    assert page.get_by_text("El RFC es el mismo.").count() >= 1
    assert _contrast(page, ".verdict .badge") >= 4.5
    shot(page, "check-barred-es")

    # The switch: the same check in English, remembered on the next page; and back.
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".verdict .badge").inner_text() == "BARRED"
    assert "on=2026-11-24" in urlsplit(page.url).query
    page.goto("/check")
    assert page.get_by_label("Supplier RFC or name").count() == 1
    page.get_by_role("link", name="ES", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("RFC o nombre del proveedor").fill("Panaderia Zyxwv Inexistente")
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_load_state()
    assert page.locator(".verdict .badge").inner_text() == "SIN SANCIÓN"
    assert page.get_by_text("Ninguna empresa de los datos de Testigo coincide").count() == 1


def test_an_auditor_reviews_an_alert_in_spanish(page_es: Any, settings: Settings) -> None:
    page = page_es
    _sign_in(page, new_key(settings, "auditor"), label="Clave de API")
    page.get_by_role("link", name="Alertas").click()
    page.get_by_label("Estado").select_option("new")
    page.get_by_role("button", name="Filtrar").click()
    alert = page.locator("article", has_text="GARZA GAS").first
    if alert.count() == 0:  # the English test may have reviewed it first: any alert will do
        page.get_by_label("Estado").select_option("")
        page.get_by_role("button", name="Filtrar").click()
        alert = page.locator("article", has_text="GARZA GAS").first
    assert alert.locator(".sev").inner_text() == "alta"
    assert "1 de agosto de 2026" in alert.inner_text()
    shot(page, "alerts-es")
    alert.get_by_role("link", name="La empresa").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Adjudicaciones frente a los periodos de sanción")
    assert page.locator("svg[role=img] circle.award.inside").count() >= 1
    label = page.locator("svg[role=img]").get_attribute("aria-label") or ""
    assert label.startswith("Línea de tiempo de")
    assert page.get_by_role("cell", name="1 de agosto de 2026").count() >= 1
    shot(page, "firm-es")


def test_an_auditor_reviews_the_alert_and_opens_the_firm(page: Any, settings: Settings) -> None:
    _sign_in(page, new_key(settings, "auditor"))
    page.get_by_role("link", name="Alerts").click()
    page.get_by_label("Status").select_option("new")
    page.get_by_role("button", name="Filter").click()
    alert = page.locator("article", has_text="GARZA GAS").first
    assert alert.locator(".sev").inner_text() == "high"
    shot(page, "alerts")
    alert.get_by_label("Note").fill("Awarded while debarred: sent to the internal control unit.")
    alert.get_by_role("button", name="Confirm alert").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Alert confirmed."
    reviewed = page.locator("article", has_text="GARZA GAS").first
    assert "Confirmed" in reviewed.inner_text() and "internal control unit" in reviewed.inner_text()
    shot(page, "alert-reviewed")

    reviewed.get_by_role("link", name="The firm").click()
    page.wait_for_load_state()
    assert page.locator("svg[role=img] rect.debarment").count() >= 1
    assert page.locator("svg[role=img] circle.award.inside").count() >= 1
    assert page.get_by_role("cell", name="ocds-test-garza-1 · award ocds-test-garza-1-A1").count()
    shot(page, "firm")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_pages_are_usable_by_keyboard_and_screen_reader(
    chromium: Any, url: str, settings: Settings, lang: str
) -> None:
    context = chromium.new_context(
        base_url=url, viewport={"width": 1100, "height": 900}, locale=f"{lang}-MX"
    )
    page = context.new_page()
    _sign_in(page, new_key(settings, "auditor"), "API key" if lang == "en" else "Clave de API")
    for path in ("/check", "/firms", "/alerts", "/review"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == {"en": "en", "es": "es-MX"}[lang]
        # The switch names the other language in that language, for a screen reader too.
        other = page.locator("nav.languages a")
        assert other.count() == 1 and other.get_attribute("lang") != lang
        assert page.locator("main#main").count() == 1 and page.locator("h1").count() == 1
        unlabelled = page.eval_on_selector_all(
            "input:not([type=hidden]), select, textarea",
            """els => els.filter(el => !(el.labels && el.labels.length) &&
                                     !el.getAttribute('aria-label')).map(el => el.outerHTML)""",
        )
        assert unlabelled == [], (path, unlabelled)
    # The first Tab on a page lands on "Skip to content", which shows itself when focused
    # (on a page that does not put the focus in a search box on arrival).
    page.goto("/review")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert urlsplit(page.url).fragment == "main"
    context.close()


def test_the_api_documentation_opens_with_the_network_off(chromium: Any, url: str) -> None:
    # Issue 13 part 4: /docs fetched Swagger UI from a CDN and was a blank page on a closed
    # network. Every request that leaves the server is refused here, and recorded.
    context = chromium.new_context(base_url=url, viewport={"width": 1100, "height": 900})
    outside: list[str] = []

    def only_testigo(route: Any) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    try:
        context.route("**/*", only_testigo)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() > 10  # the operations, from /openapi.json
        assert page.get_by_text("/v1/check").first.is_visible()
        shot(page, "docs-offline")
        assert outside == [] and errors == []
    finally:
        context.close()


def test_no_page_breaks_its_content_security_policy(page: Any, settings: Settings) -> None:
    """Every script, style or frame a page's policy blocks fires `securitypolicyviolation` in
    it (Playwright's init script is outside the policy): none on any page."""
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => (window.__blocked ||= [])"
        ".push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    blocked: list[tuple[str, list[str]]] = []

    def look() -> None:
        page.wait_for_load_state()
        found = page.evaluate("window.__blocked || []")
        if found:
            blocked.append((page.url, found))

    page.goto("/sign-in")
    look()
    _sign_in(page, new_key(settings, "auditor"))
    for path in (f"/check?q={GARZA_RFC}", "/firms?q=GARZA", "/alerts", "/review"):
        page.goto(path)
        look()
    page.goto("/firms?q=GARZA")
    page.locator("main a[href^='/firms/']").first.click()
    look()
    assert page.locator("svg[role=img]").count() == 1
    assert blocked == []
