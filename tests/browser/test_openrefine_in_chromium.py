"""OpenRefine's use of the reconciliation service, from another origin, in headless Chromium
with its web security on: a page served by a second local HTTP server (another port, so another
origin) registers Testigo as OpenRefine's web page does (a JSON request, then JSONP when that
fails, and JSONP alone as older OpenRefine versions do), reconciles a column of supplier names
with one blank cell, asks entity suggest, shows a candidate's preview in a frame, opens its view
link, proposes properties and runs data extension, and prints what came back; the test reads the
answers from the page. The script is a few lines of XMLHttpRequest and <script> tags standing in
for jQuery's getJSON and JSONP, so nothing is fetched from the network.

Run with PYTHONPATH set to the tree under test when another checkout is installed in the venv:
the server is `testigo serve` in a subprocess."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from app.settings import Settings
from tests.browser.conftest import shot
from tests.clients import free_port
from tests.factories import GARZA_RFC, new_key

pytestmark = pytest.mark.slow

# The column to reconcile: a debarred firm, a blank cell, a name nobody has, and an RFC.
CELLS = ["Garza Gas SA de CV", "   ", "Panaderia Zyxwv Inexistente", GARZA_RFC]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Refine stand-in</title>
<link rel="icon" href="data:,"></head>
<body>
<p id="status">working</p>
<p>Registered by <span id="access"></span>; by JSONP alone: <span id="jsonp-name"></span></p>
<p>Suggest: <span id="suggest"></span>; by JSONP: <span id="suggest-jsonp"></span></p>
<p>With the key in a header (preflighted): <span id="header-match"></span></p>
<table id="recon"></table>
<p id="view"></p>
<iframe id="preview" title="preview"></iframe>
<p>Proposed: <span id="proposed"></span></p>
<table id="extension"></table>
<script>
const SERVICE = %(service)s, KEY = %(key)s, CELLS = %(cells)s;

// jQuery's getJSON: an XMLHttpRequest, which the browser lets through only with CORS.
function getJSON(url) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.timeout = 10000;
    xhr.onload = () => xhr.status === 200
      ? resolve(JSON.parse(xhr.responseText)) : reject(new Error("HTTP " + xhr.status));
    xhr.onerror = () => reject(new Error("blocked: " + url));
    xhr.ontimeout = () => reject(new Error("timeout: " + url));
    xhr.send();
  });
}

// jQuery's JSONP: a <script> calling back a global function named like jQuery's.
let calls = 0;
function jsonp(url) {
  return new Promise((resolve, reject) => {
    const name = "jQuery3510" + (++calls) + "_" + Date.now();
    const script = document.createElement("script");
    const done = () => { delete window[name]; script.remove(); };
    window[name] = data => { done(); resolve(data); };
    script.onerror = () => { done(); reject(new Error("JSONP failed: " + url)); };
    script.src = url + (url.includes("?") ? "&" : "?") + "callback=" + name + "&_=" + Date.now();
    document.head.appendChild(script);
  });
}

function send(url, body, headers) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.onload = () => xhr.status === 200
      ? resolve(JSON.parse(xhr.responseText)) : reject(new Error("HTTP " + xhr.status));
    xhr.onerror = () => reject(new Error("blocked: POST " + url));
    xhr.send(body);
  });
}
const postForm = (url, field, value) => send(
  url, field + "=" + encodeURIComponent(JSON.stringify(value)),
  {"Content-Type": "application/x-www-form-urlencoded"});

// OpenRefine's ReconciliationManager.registerStandardService: JSON first, then JSONP.
async function register(url) {
  try { return [await getJSON(url), "json"]; }
  catch (e) { return [await jsonp(url), "jsonp"]; }
}

function cell(row, text) { const td = row.insertCell(); td.textContent = text; return td; }

async function main() {
  const serviceUrl = SERVICE + "/v1/reconcile?api_key=" + encodeURIComponent(KEY);
  const [manifest, access] = await register(serviceUrl);
  document.getElementById("access").textContent = access;
  document.getElementById("jsonp-name").textContent = (await jsonp(serviceUrl)).name;

  const queries = {};
  CELLS.forEach((text, i) => {
    const type = manifest.defaultTypes[0].id;  // and "should", as OpenRefine sends a type
    queries["q" + i] = {query: text, type: type, type_strict: "should", limit: 3};
  });
  const results = await postForm(serviceUrl, "queries", queries);
  const table = document.getElementById("recon");
  CELLS.forEach((text, i) => {
    const row = table.insertRow();
    row.dataset.cell = "q" + i;
    cell(row, text);
    const best = results["q" + i].result[0];
    cell(row, best ? best.name : "no candidates").className = "best";
    cell(row, best ? best.id : "").className = "id";
    cell(row, best ? String(best.match) : "").className = "match";
  });
  const firm = results.q0.result[0].id;

  const entity = manifest.suggest.entity;
  const suggestUrl = entity.service_url + entity.service_path;  // it carries ?api_key=
  const suggested = await getJSON(suggestUrl + "&prefix=GARZA%%20GAS");
  document.getElementById("suggest").textContent = suggested.result.map(r => r.id).join(" ");
  const byJsonp = await jsonp(suggestUrl + "&prefix=" + firm);
  document.getElementById("suggest-jsonp").textContent = byJsonp.result.map(r => r.id).join(" ");

  const inHeader = await send(
    SERVICE + "/v1/reconcile", JSON.stringify({queries: {q0: {query: CELLS[0]}}}),
    {"Content-Type": "application/json", "X-API-Key": KEY});
  document.getElementById("header-match").textContent = inHeader.q0.result[0].id;

  const view = document.createElement("a");
  view.href = encodeURI(manifest.view.url.replace("{{id}}", firm));
  view.target = "_blank";
  view.textContent = "View the firm";
  document.getElementById("view").appendChild(view);
  document.getElementById("preview").src = manifest.preview.url.replace(
    "{{id}}", encodeURIComponent(firm));

  // ExtendReconciledDataPreviewDialog: propose (JSON, then JSONP), then the extend query.
  const propose = manifest.extend.propose_properties;
  const proposeUrl = propose.service_url + propose.service_path + "?type=firm";
  let proposed;
  try { proposed = await getJSON(proposeUrl); } catch (e) { proposed = await jsonp(proposeUrl); }
  document.getElementById("proposed").textContent = proposed.properties.map(p => p.id).join(" ");
  const ids = Object.values(results)
    .filter(r => r.result.length && r.result[0].match).map(r => r.result[0].id);
  const wanted = ["rfc", "verdict", "sanction_registry", "sanction_kind", "sanction_start",
                  "sanction_end", "awards", "url"];
  const extension = await postForm(serviceUrl, "extend", {
    ids: [...new Set(ids)],
    properties: wanted.map(id => id === "verdict" ? {id, settings: {on: "2026-11-24"}} : {id}),
  });
  const out = document.getElementById("extension");
  const head = out.insertRow();
  cell(head, "id");
  extension.meta.forEach(m => cell(head, m.name));
  for (const [id, values] of Object.entries(extension.rows)) {
    const rows = Math.max(1, ...extension.meta.map(m => values[m.id].length));
    for (let r = 0; r < rows; r++) {  // OpenRefine's record layout: value r of each on row r
      const row = out.insertRow();
      row.dataset.id = id;
      cell(row, r === 0 ? id : "");
      extension.meta.forEach(m => {
        const v = values[m.id][r] || {};
        cell(row, String(v.str ?? v.int ?? "")).dataset.property = m.id;
      });
    }
  }
  document.getElementById("status").textContent = "done";
}
main().catch(e => { document.getElementById("status").textContent = "failed: " + e.message; });
</script>
</body></html>
"""


class _Page(BaseHTTPRequestHandler):
    html = b""

    def do_GET(self) -> None:
        body = self.html if self.path == "/" else b"not here"
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


@pytest.fixture(scope="module")
def refine(served: tuple[str, Settings]) -> Iterator[tuple[str, str]]:
    """The stand-in's address on another port (another origin), and the auditor key it uses."""
    service, settings = served
    key = new_key(settings, "auditor")
    handler = type(
        "Page",
        (_Page,),
        {
            "html": (
                PAGE
                % {
                    "service": json.dumps(service),
                    "key": json.dumps(key),
                    "cells": json.dumps(CELLS),
                }
            ).encode()
        },
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", key
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_openrefine_registers_reconciles_and_extends_from_another_origin(
    chromium: Any, refine: tuple[str, str], served: tuple[str, Settings]
) -> None:
    address, _ = refine
    service = served[0]
    assert address.rsplit(":", 1)[1] != service.rsplit(":", 1)[1]  # two origins
    context = chromium.new_context(viewport={"width": 1200, "height": 1100})
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(address + "/")
        status = page.locator("#status")
        status.filter(has_not_text="working").wait_for(timeout=30_000)
        assert status.inner_text() == "done", (status.inner_text(), problems)

        # Registered over CORS, as current OpenRefine does; and by JSONP, as older ones do.
        assert page.locator("#access").inner_text() == "json"
        assert page.locator("#jsonp-name").inner_text().startswith("Testigo")

        # The column: the debarred firm matched, the blank cell answered with nothing (the
        # rest of the batch unharmed), the unknown name not matched, the RFC found.
        def recon(query: str, part: str) -> str:
            text: str = page.locator(f'#recon tr[data-cell="{query}"] .{part}').inner_text()
            return text

        garza = recon("q0", "id")
        assert garza.startswith("tg_")
        assert "GARZA GAS" in recon("q0", "best") and recon("q0", "match") == "true"
        assert recon("q1", "best") == "no candidates"
        assert recon("q2", "match") != "true"
        assert recon("q3", "id") == garza
        assert garza in page.locator("#suggest").inner_text().split()
        assert page.locator("#suggest-jsonp").inner_text() == garza  # its id as the prefix
        assert page.locator("#header-match").inner_text() == garza  # after a preflight

        # The preview in a frame of the other origin's page.
        frame = page.frame_locator("#preview")
        assert "GARZA GAS" in frame.locator("h1").inner_text()
        assert "debarment" in frame.locator("body").inner_text()

        # Data extension: the auditor's columns, one sanction per row of the firm's record.
        proposed = page.locator("#proposed").inner_text().split()
        assert {"rfc", "verdict", "awards", "url", "sanction_start"} <= set(proposed)
        header = page.locator("#extension tr").first.inner_text()
        assert "Verdict on 2026-11-24" in header and "Number of awards" in header

        def column(prop: str) -> list[str]:
            cells = page.locator(f'#extension tr[data-id="{garza}"] td[data-property="{prop}"]')
            return [c.inner_text() for c in cells.all()]

        assert column("rfc")[0] == GARZA_RFC
        assert column("verdict")[0] == "barred"
        assert column("awards")[0] == "1"
        assert column("url")[0] == f"{service}/firms/{garza}"
        sanctions = list(
            zip(
                column("sanction_registry"),
                column("sanction_kind"),
                column("sanction_start"),
                column("sanction_end"),
                strict=True,
            )
        )
        assert ("sfp", "debarment", "2026-06-10", "2028-03-28") in sanctions
        shot(page, "openrefine-other-origin")

        # The view link opens the firm's page in a new tab, where nobody is signed in.
        with context.expect_page() as opened:
            page.get_by_role("link", name="View the firm").click()
        firm_page = opened.value
        firm_page.wait_for_load_state()
        assert firm_page.url.startswith(f"{service}/firms/{garza}")
        assert "GARZA GAS" in firm_page.locator("h1").inner_text()
        assert firm_page.locator("svg[role=img] rect.debarment").count() >= 1
        shot(firm_page, "openrefine-view-link")
        assert problems == []
    finally:
        context.close()
