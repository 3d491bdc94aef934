"""The supplier check by RFC, on the real SFP directory and SAT 69-B list linked on SQLite and
PostgreSQL: an exact, valid RFC identifies its taxpayer; a mistyped one is never a green
`clear` when it is one character from a sanctioned firm's RFC; what is not an RFC is a 422."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.index_holder import open_index
from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from matching import rfc
from matching.check import check
from matching.score import sanctions_of
from matching.verdict import BARRED, CLEAR, REVIEW, WARNING, severity
from tests.clients import sign_in
from tests.factories import bearer, rows

ON = date(2026, 11, 24)
GARZA_RFC = "GGA8306134F4"  # SFP: debarred 2026-06-10 to 2028-03-28
RANK = {CLEAR: 0, REVIEW: 1, WARNING: 2, BARRED: 3}


@pytest.fixture
def client(linked: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(linked, load_index=False)
    app.state.index.load()
    with TestClient(app, follow_redirects=False, headers={"Accept-Language": "en"}) as test_client:
        yield test_client, bearer(linked, "officer")


def _check(client: Any, **params: str) -> Any:
    test_client, headers = client
    return test_client.get("/v1/check", params={"on": ON.isoformat(), **params}, headers=headers)


def _one_edit(a: str, b: str) -> bool:
    """One substitution, or two neighbours swapped."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    i, j = diff if len(diff) == 2 else (0, 0)
    return j == i + 1 and a[i] == b[j] and a[j] == b[i]


def test_every_listed_firm_checked_by_its_exact_valid_rfc_alone(
    linked: Settings,
) -> None:
    """Every sanctioned firm whose listed RFC is valid (check digit OK, not generic, not a
    placeholder): identified with probability >= 0.99, and its own verdict; the name, not
    given, weighs nothing."""
    listed = rows(linked, "SELECT DISTINCT rfc FROM sanctions WHERE rfc IS NOT NULL")
    valid = sorted(
        r.rfc
        for r in listed
        if (p := rfc.parse(r.rfc)).usable and p.check_ok and not rfc.is_placeholder_rfc(p.value)
    )
    assert len(valid) > 10_000
    holders: dict[str, set[str]] = defaultdict(set)
    for r in rows(
        linked,
        "SELECT l.rfc, m.entity_id FROM link_records l JOIN entity_members m "
        "ON m.record_key = l.record_key WHERE l.rfc IS NOT NULL",
    ):
        holders[r.rfc].add(r.entity_id)
    engine = make_engine(linked)
    try:
        index = open_index(engine, linked)
        facts = sanctions_of(engine, {e for es in holders.values() for e in es})
        exceptions = []
        for value in valid:
            answer = check(index, engine, name=None, rfc=value, on=ON, auto=0.9, review=0.5)
            firms = holders[value]
            found = {m.entity_id: m for m in answer.matches}
            assert firms <= set(found), value
            for firm in firms:
                match = found[firm]
                assert match.probability >= 0.99, (value, match)
                assert match.rule == "rfc_identity", value
                name = next(e for e in match.evidence if e.comparison == "name")
                assert (name.level, name.match_weight) == ("null", 0.0)
            expected = max((severity(facts.get(f, []), ON) for f in firms), key=RANK.__getitem__)
            if answer.verdict != expected:
                # Only one way to differ: the firm is clear, but a mistyped copy of its RFC
                # (one edit, check digit failing) is listed with a sanction.
                assert (expected, answer.verdict) == (CLEAR, REVIEW), (value, answer)
                typo = [m for m in answer.matches if m.rule == "rfc_neighbour"]
                assert typo and all(
                    any(
                        _one_edit(value, r.rfc or "") and not rfc.parse(r.rfc or "").check_ok
                        for r in m.records
                    )
                    for m in typo
                ), value
                exceptions.append(value)
            assert answer.rfc is not None and answer.rfc.check_digit_ok is True
        assert len(exceptions) <= 5, exceptions
    finally:
        engine.dispose()


def test_exact_rfc_over_the_api_names_the_rule_in_the_evidence(client: Any) -> None:
    body = _check(client, rfc="gga-830613-4f4").json()
    assert body["verdict"] == "barred"
    best = body["matches"][0]
    assert best["probability"] >= 0.99 and best["status"] == "linked"
    assert best["model_probability"] < best["probability"]
    (rule,) = [e for e in best["evidence"] if e["comparison"] == "rule"]
    assert GARZA_RFC in rule["detail"] and "identifies" in rule["detail"]
    assert body["rfc"] == {
        "value": GARZA_RFC,
        "kind": "company",
        "check_digit_ok": True,
        "corrected_from": None,
        "note": None,
    }


@pytest.mark.parametrize(
    "typo",
    [
        "GGA8306134F5",  # the check digit
        "GCA8306134F4",  # a letter (its check digit holds by chance)
        "GAG8306134F4",  # two letters swapped
        "GGA830613F44",  # two characters of the homoclave swapped
    ],
)
def test_one_edit_from_a_barred_firms_rfc_is_review_naming_the_firm(client: Any, typo: str) -> None:
    body = _check(client, rfc=typo).json()
    assert body["verdict"] == "review", body
    (suspect,) = [m for m in body["matches"] if m["rule"] == "rfc_neighbour"]
    assert any(r["rfc"] == GARZA_RFC for r in suspect["records"])
    (rule,) = [e for e in suspect["evidence"] if e["comparison"] == "rule"]
    assert GARZA_RFC in rule["detail"] and "GARZA GAS" in rule["detail"]
    assert {s["entity_id"] for s in body["sanctions"]} == {suspect["entity_id"]}


def test_o_for_0_where_only_a_digit_can_stand_is_read_as_0(client: Any) -> None:
    body = _check(client, rfc="GGA83O6134F4").json()
    assert body["rfc"]["value"] == GARZA_RFC
    assert body["rfc"]["corrected_from"] == "GGA83O6134F4" and "corrected" in body["rfc"]["note"]
    assert body["verdict"] == "barred"
    # A guess, not an identification: the model's probability, no RFC rule.
    assert body["matches"][0]["rule"] is None


def test_a_swap_that_makes_an_impossible_date_is_refused(client: Any) -> None:
    answer = _check(client, rfc="GGA8036134F4")
    assert answer.status_code == 422 and "803613 is not a valid date" in answer.json()["detail"]


def test_a_failed_check_digit_is_said(client: Any) -> None:
    body = _check(client, rfc="GGA8306134F5").json()
    assert body["rfc"]["check_digit_ok"] is False
    assert "check digit" in body["rfc"]["note"]


def test_an_rfc_without_homoclave_of_a_barred_firm_is_review(client: Any) -> None:
    body = _check(client, rfc="GGA830613").json()
    assert body["verdict"] == "review"
    (suspect,) = [m for m in body["matches"] if m["rule"] == "rfc_stem"]
    assert any(r["rfc"] == GARZA_RFC for r in suspect["records"])
    assert body["rfc"]["kind"] == "without homoclave"
    assert "homoclave" in body["rfc"]["note"]


def test_a_typo_of_an_unsanctioned_rfc_stays_clear(client: Any) -> None:
    body = _check(client, rfc="ZZZ991231AB1").json()
    assert body["verdict"] == "clear" and body["matches"] == []


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("NOT-AN-RFC-!!", "12 characters for a company or 13 for a person"),
        ("GGA8306134", "12 characters for a company or 13 for a person"),
        ("GGA831313", "not a valid date"),
        ("XAXX010101000", "identifies nobody"),
        ("xexx-010101-000", "identifies nobody"),
        ("WIF010101000", "identifies nobody"),  # an SFP placeholder
        ("GOMJ800101HDFRRN09", "CURP"),
        ("GGA8306134F4 / AAA080808HL8", "one supplier"),
        ("N/A", "not an RFC"),
    ],
)
def test_what_is_not_an_rfc_is_a_422_saying_what_to_fix(client: Any, value: str, says: str) -> None:
    answer = _check(client, rfc=value)
    assert answer.status_code == 422, answer.text
    assert says in answer.json()["detail"]


def test_the_check_page_by_rfc(client: Any, linked: Settings) -> None:
    test_client, headers = client
    sign_in(test_client, headers["Authorization"].split()[1])
    typo = test_client.get("/check", params={"q": "GGA8306134F5", "on": ON.isoformat()})
    assert typo.status_code == 200
    assert "verdict-review" in typo.text and "check digit" in typo.text
    assert GARZA_RFC in typo.text and "one typo" in typo.text
    stem = test_client.get("/check", params={"q": "GGA830613", "on": ON.isoformat()}).text
    assert "verdict-review" in stem and "homoclave" in stem
    exact = test_client.get("/check", params={"q": GARZA_RFC, "on": ON.isoformat()}).text
    assert "verdict-barred" in exact and "identifies" in exact
    generic = test_client.get("/check", params={"q": "XAXX010101000"})
    assert generic.status_code == 422 and "identifies nobody" in generic.text
    # A name stays a name, even with a digit in it.
    name = test_client.get("/check", params={"q": "Garza Gas SA de CV", "on": ON.isoformat()})
    assert "verdict-barred" in name.text


def test_the_command_line_check_by_rfc(linked: Settings) -> None:
    env = {**os.environ, "TESTIGO_DATA_DIR": str(linked.data_dir)}
    env.pop("TESTIGO_DATABASE_URL", None)
    if linked.database_url:
        env["TESTIGO_DATABASE_URL"] = linked.database_url

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "check", "--on", ON.isoformat(), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=Path(__file__).resolve().parents[2],
        )

    typo = run("--rfc", "GGA8306134F5", "--json")
    assert typo.returncode == 0, typo.stderr
    answer = json.loads(typo.stdout)
    assert answer["verdict"] == "review" and answer["rfc"]["check_digit_ok"] is False
    said = run("--rfc", "GGA8306134F5")
    assert said.stdout.startswith("REVIEW") and "check digit" in said.stdout
    generic = run("--rfc", "XAXX010101000")
    assert generic.returncode == 2 and "identifies nobody" in generic.stderr


@pytest.mark.parametrize(
    ("given", "value", "kind", "check_ok", "identifies"),
    [
        ("gga-830613-4f4", "GGA8306134F4", "company", True, True),
        ("RFC: GGA8306134F5", "GGA8306134F5", "company", False, False),
        ("GGA830613", "GGA830613", rfc.WITHOUT_HOMOCLAVE, None, False),
        ("GGA83O6134F4", "GGA8306134F4", "company", True, False),  # corrected: a guess
        ("AAAA620217U54", "AAAA620217U54", "person", True, True),
    ],
)
def test_an_rfc_given_to_look_up(
    given: str, value: str, kind: str, check_ok: bool | None, identifies: bool
) -> None:
    found = rfc.lookup(given)
    assert (found.value, found.kind, found.check_ok, found.identifies) == (
        value,
        kind,
        check_ok,
        identifies,
    )


def test_what_the_check_box_takes_for_an_rfc() -> None:
    for meant in ("GGA8306134F4", "gga-830613-4f4", "GGA830613", "GGA83O6134F4", "XAXX010101000"):
        assert rfc.meant_as_rfc(meant), meant
    for name in ("Garza Gas SA de CV", "PEMEX", "3M", "GRUPO 2000"):
        assert not rfc.meant_as_rfc(name), name
