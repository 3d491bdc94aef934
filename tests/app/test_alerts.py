"""Barred-winner alerts on the real airport contracts and the real SFP directory, on SQLite and
PostgreSQL: the airport suppliers whose contracts fall outside their SFP windows are true
negatives; a sanction window moved over a contract raises one high alert, once; 69-B listings
raise medium (Definitivo) and low (Presunto); review and dismissal feed the judgements."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import or_, select

from app.alerts.detect import scan
from app.alerts.review import listing, review
from app.main import create_app
from app.settings import Settings
from app.store.engine import make_engine
from app.store.tables import Link
from ingest.jobs import ocds_job, sanctions_job
from matching import guards, judgements
from matching.cluster import NOT_FROM_NAME
from tests.factories import (
    MISFILED_RFC,
    SFP,
    ingest_files,
    link_records,
    misfiled_award,
    new_key,
    rows,
    sat_lines,
    set_cell,
    write_lines,
)

AIRPORT = Path(__file__).resolve().parents[2] / "data/ocds/grupo-aeroportuario"
SOPORTE = "SCA000222H7A"  # SFP 2016-10-26..2017-10-26; airport contract signed 2014-11-01
SIGA = "SIG9806044B1"  # SFP 2007; airport award 2015-02-04


def _scan(settings: Settings) -> Any:
    engine = make_engine(settings)
    try:
        return scan(engine)
    finally:
        engine.dispose()


def _alerts(settings: Settings, **filters: Any) -> list[dict[str, Any]]:
    engine = make_engine(settings)
    try:
        return list(listing(engine, **filters))
    finally:
        engine.dispose()


@pytest.fixture
def airport(db_settings: Settings, trained_model: Path) -> Settings:
    db_settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, db_settings.model_dir / trained_model.name)
    ingest_files(db_settings, (ocds_job(), AIRPORT), (sanctions_job("sfp"), SFP))
    link_records(db_settings)
    return db_settings


def _sfp_with_window(tmp: Path, rfc: str, start: str, end: str) -> Path:
    records = json.loads(SFP.read_text(encoding="utf-8"))
    for record in records:
        if record["rfc"] == rfc:
            record["plazo"] = {"plazo_inha": "2 años", "fecha_inicial": start, "fecha_final": end}
    out = tmp / "sfp_moved.json"
    out.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return out


def test_contracts_outside_the_sanction_window_raise_nothing(airport: Settings) -> None:
    # The suppliers do resolve to their sanctioned firms: this is a true negative, not a miss.
    for rfc in (SOPORTE, SIGA):
        shared = rows(
            airport,
            "SELECT COUNT(DISTINCT m.entity_id) FROM link_records r JOIN "
            "entity_members m ON m.record_key = r.record_key WHERE r.rfc = :rfc",
            rfc=rfc,
        )
        assert shared[0][0] == 1
    summary = _scan(airport)
    assert summary.awards_checked > 300
    assert summary.alerts_new == 0 and _alerts(airport) == []


def test_a_debarment_covering_the_contract_alerts_once(airport: Settings, tmp_path: Path) -> None:
    ingest_files(
        airport,
        (sanctions_job("sfp"), _sfp_with_window(tmp_path, SOPORTE, "2014-06-01", "2015-06-01")),
    )
    link_records(airport)
    first = _scan(airport)
    assert first.alerts_new == 1
    (alert,) = _alerts(airport)
    assert alert["severity"] == "high" and alert["status"] == "new"
    assert (alert["ocid"], alert["date"], alert["date_basis"]) == (
        "325",
        "2014-11-01",
        "date signed",
    )
    assert alert["supplier_rfc"] == SOPORTE and alert["probability"] >= 0.9
    assert alert["sanction"]["start"] == "2014-06-01" and alert["sanction"]["registry"] == "sfp"
    assert {s["what"] for s in alert["sources"]} == {"award", "sanction"}
    assert all(s["retrieved_at"] for s in alert["sources"])
    again = _scan(airport)
    assert again.alerts_new == 0 and len(_alerts(airport)) == 1

    engine = make_engine(airport)
    try:
        done = review(
            engine,
            alert["id"],
            decision="dismiss",
            reviewer="auditor",
            note="another firm",
            not_same_firm=True,
        )
    finally:
        engine.dispose()
    assert done["status"] == "dismissed" and done["reviewer"] == "auditor"
    judged = rows(airport, "SELECT decision, record_a, record_b FROM judgements")
    assert [j.decision for j in judged] == ["different"]
    link_records(airport)
    _scan(airport)
    kept = _alerts(airport)
    assert [a["status"] for a in kept] == ["dismissed"]  # never deleted, never duplicated


def test_69b_definitivo_is_medium_and_presunto_is_low(airport: Settings, tmp_path: Path) -> None:
    header, data = sat_lines(2)[:3], sat_lines(2)[3:]
    definitivo = set_cell(set_cell(set_cell(data[0], 1, SIGA), 3, "Definitivo"), 15, "01/01/2015")
    definitivo = set_cell(
        set_cell(definitivo, 2, "SISTEMAS INTEGRALES DE GESTION AMBIENTAL SC"), 13, "01/01/2015"
    )
    presunto = set_cell(set_cell(data[1], 1, SOPORTE), 2, "SOPORTE Y CAPACITACION SA DE CV")
    presunto = set_cell(
        set_cell(set_cell(presunto, 3, "Presunto"), 5, "01/01/2014"), 7, "01/01/2014"
    )
    ingest_files(
        airport,
        (
            sanctions_job("sat-69b"),
            write_lines(tmp_path / "69b.csv", [*header, definitivo, presunto]),
        ),
    )
    link_records(airport)
    _scan(airport)
    found = {(a["supplier_rfc"], a["severity"], a["sanction"]["kind"]) for a in _alerts(airport)}
    assert (SIGA, "medium", "efos_definitivo") in found
    assert (SOPORTE, "low", "efos_presunto") in found
    assert {a["severity"] for a in _alerts(airport, severity="medium")} == {"medium"}


@pytest.fixture
def airport_wide_prior(db_settings: Settings, trained_model: Path) -> Settings:
    """The airport contracts and the SFP directory, linked by the session's model with the prior
    a corpus of a few thousand firms gives (1 pair in 2,500 a match; the session's, trained on
    14,000 sanction records that rarely share a firm, is 1 in a million): there, one RFC outweighs
    two unrelated names and the pair is scored above the automatic threshold."""
    model = json.loads(trained_model.read_text(encoding="utf-8"))
    model["probability_two_random_records_match"] = 4e-4
    model["testigo"]["version"] = "wideprior01"
    db_settings.model_dir.mkdir(parents=True, exist_ok=True)
    path = db_settings.model_dir / trained_model.name.replace(
        trained_model.stem.rsplit("-", 1)[-1], "wideprior01"
    )
    path.write_text(json.dumps(model), encoding="utf-8")
    ingest_files(db_settings, (ocds_job(), AIRPORT), (sanctions_job("sfp"), SFP))
    link_records(db_settings)
    return db_settings


def _list_siga_renamed(settings: Settings, tmp: Path) -> list[tuple[str, str, Any, Any]]:
    """SIGA's RFC listed as 69-B Definitivo under a name unrelated to the airport's supplier;
    the links of the listing, after linking."""
    header, data = sat_lines(1)[:3], sat_lines(1)[3:]
    renamed = set_cell(set_cell(data[0], 1, SIGA), 3, "Definitivo")
    renamed = set_cell(set_cell(renamed, 2, "TRANSPORTES PALMIRA DEL NORTE SC"), 13, "01/01/2015")
    renamed = set_cell(renamed, 15, "01/01/2015")
    ingest_files(
        settings, (sanctions_job("sat-69b"), write_lines(tmp / "69b.csv", [*header, renamed]))
    )
    link_records(settings)
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            listed = "sanction:sat-69b:%"
            return [
                tuple(r)
                for r in conn.execute(
                    select(Link.record_a, Link.record_b, Link.status, Link.evidence).where(
                        or_(Link.record_a.like(listed), Link.record_b.like(listed))
                    )
                )
            ]
    finally:
        engine.dispose()


def test_a_listed_rfc_under_an_unrelated_name_waits_in_review_and_still_alerts(
    airport_wide_prior: Settings, tmp_path: Path
) -> None:
    """A 69-B firm listed under a name unrelated to the award's supplier, with the supplier's
    RFC: renamed, or an RFC filed by mistake. The pair waits for a person instead of joining the
    two firms, and the RFC still raises the alert a linked firm's listing raises."""
    held = _list_siga_renamed(airport_wide_prior, tmp_path)
    assert held and {status for _, _, status, _ in held} == {"review"}
    assert all(guards.identifies_by_rfc(evidence) for *_, evidence in held)
    _scan(airport_wide_prior)
    found = {
        (a["supplier_rfc"], a["severity"], a["sanction"]["kind"])
        for a in _alerts(airport_wide_prior)
    }
    assert (SIGA, "medium", "efos_definitivo") in found


def test_an_award_under_an_rfc_its_name_cannot_have_still_alerts(
    airport: Settings, tmp_path: Path
) -> None:
    """One company RFC per firm (the default): an award to CORPORATIVO DIJECH, debarred by the
    SFP, filed under QZX850101AB1, an RFC whose letters cannot come from that name, is kept out
    of the debarred firm and waits for a person, refused for the RFC. Waiting is not clearing:
    the debarment still alerts, as a pair in the review band does, until a person says
    "different"."""
    assert airport.link_one_company_rfc
    award = misfiled_award(tmp_path / "award.json", day="2026-06-15")
    ingest_files(airport, (ocds_job(), award))
    link_records(airport)
    held = rows(
        airport,
        "SELECT record_a, record_b, status FROM links WHERE reason LIKE :marker",
        marker=f"%{MISFILED_RFC}{NOT_FROM_NAME}%",
    )
    assert held and {r.status for r in held} == {"refused"}
    _scan(airport)
    found = [a for a in _alerts(airport) if a["supplier_rfc"] == MISFILED_RFC]
    assert found and {a["sanction"]["registry"] for a in found} == {"sfp"}
    assert {a["severity"] for a in found} == {"medium"}
    engine = make_engine(airport)
    try:
        for r in held:
            judgements.record(engine, "different", r.record_a, r.record_b, author="auditor")
    finally:
        engine.dispose()
    assert _scan(airport).candidates == 0  # the stored alert stays: alerts are never deleted


def test_a_review_pair_judged_different_raises_nothing(
    airport_wide_prior: Settings, tmp_path: Path
) -> None:
    """The person said the renamed-looking firm is another: the review is done."""
    held = _list_siga_renamed(airport_wide_prior, tmp_path)
    engine = make_engine(airport_wide_prior)
    try:
        for a, b, _, _ in held:
            judgements.record(engine, "different", a, b, author="auditor")
    finally:
        engine.dispose()
    _scan(airport_wide_prior)
    assert not [
        a for a in _alerts(airport_wide_prior) if a["sanction"]["kind"] == "efos_definitivo"
    ]


def test_alert_endpoints(airport: Settings, tmp_path: Path) -> None:
    ingest_files(
        airport,
        (sanctions_job("sfp"), _sfp_with_window(tmp_path, SOPORTE, "2014-06-01", "2015-06-01")),
    )
    link_records(airport)
    _scan(airport)
    auditor = new_key(airport, "auditor", "auditor one")
    officer = new_key(airport, "officer", "officer one")
    with TestClient(create_app(airport, load_index=False)) as client:
        auth = {"Authorization": f"Bearer {auditor}"}
        listed = client.get(
            "/v1/alerts", params={"status": "new", "severity": "high"}, headers=auth
        ).json()["items"]
        assert len(listed) == 1
        assert client.get("/v1/alerts", headers={"X-API-Key": officer}).status_code == 403
        reviewed = client.post(
            f"/v1/alerts/{listed[0]['id']}/review",
            headers=auth,
            json={"decision": "confirm", "note": "checked the contract"},
        )
        assert reviewed.status_code == 200 and reviewed.json()["status"] == "confirmed"
        assert reviewed.json()["reviewer"] == "auditor one"
        assert (
            client.post(
                "/v1/alerts/999999/review", headers=auth, json={"decision": "confirm"}
            ).status_code
            == 404
        )
        assert (
            client.get("/v1/alerts", params={"status": "new"}, headers=auth).json()["items"] == []
        )


def test_an_undated_debarment_alerts_as_a_check_bars(airport: Settings, tmp_path: Path) -> None:
    # Issue 16 item 1: a debarment published without dates (PDN System 3 publishes some) made
    # /v1/check answer `barred` and raised no alert on the awards the firm won: the scan kept a
    # rule of its own. The dates are taken out in the database, as such a source stores them.
    from sqlalchemy import text

    engine = make_engine(airport)
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                text(
                    "UPDATE sanctions SET start_date = NULL, end_date = NULL "
                    "WHERE kind = 'debarment' AND status = 'active' AND rfc = :rfc"
                ),
                {"rfc": SOPORTE},
            ).rowcount
    finally:
        engine.dispose()
    assert changed == 1
    assert _scan(airport).alerts_new >= 1
    (alert,) = [a for a in _alerts(airport) if a["supplier_rfc"] == SOPORTE]
    assert alert["severity"] == "high" and alert["sanction"]["start"] is None
