"""`testigo link` end to end on real files, on SQLite and PostgreSQL: shared RFCs across
registries become one firm, ids are stable, new data links incrementally, judgements override
the model and survive a full relink, and export streams what was resolved."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from app.store.engine import make_engine
from ingest.jobs import ocds_job, sanctions_job, suppliers_job
from matching import export
from matching.cluster import NOT_FROM_NAME
from matching.judgements import JudgementError, record
from tests.factories import (
    CDMX_SUPPLIERS,
    MISFILED_RFC,
    OCDS,
    SAT,
    SFP,
    ingest_files,
    link_records,
    misfiled_award,
    rows,
    write_award,
)


def _entities(settings: Settings) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in rows(settings, "SELECT entity_id, record_key FROM entity_members"):
        out[r.entity_id].add(r.record_key)
    return dict(out)


@pytest.fixture
def registries(db_settings: Settings, trained_model: Path) -> Settings:
    """SFP and 69-B loaded, the session's trained model in place, linked once."""
    db_settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, db_settings.model_dir / trained_model.name)
    ingest_files(db_settings, (sanctions_job("sfp"), SFP), (sanctions_job("sat-69b"), SAT))
    first = link_records(db_settings)
    assert first.mode == "full" and not first.trained
    return db_settings


def test_shared_rfcs_across_registries_become_one_firm(registries: Settings) -> None:
    shared = rows(
        registries,
        "SELECT DISTINCT a.rfc FROM sanctions a JOIN sanctions b ON a.rfc = b.rfc "
        "WHERE a.registry = 'sfp' AND b.registry = 'sat-69b'",
    )
    assert len(shared) >= 10
    for (rfc,) in shared:
        entity_ids = rows(
            registries,
            "SELECT DISTINCT m.entity_id FROM link_records r JOIN entity_members m "
            "ON m.record_key = r.record_key WHERE r.rfc = :rfc",
            rfc=rfc,
        )
        assert len(entity_ids) == 1, rfc
    links = rows(registries, "SELECT evidence, probability FROM links WHERE status = 'linked'")
    assert links
    evidence = (
        links[0].evidence if isinstance(links[0].evidence, list) else json.loads(links[0].evidence)
    )
    assert {e["comparison"] for e in evidence} == {
        "rfc",
        "name",
        "legal_form",
        "kind",
        "postal_code",
    }
    assert all({"level", "match_weight"} <= set(e) for e in evidence)


def test_relink_on_unchanged_data_keeps_every_id(registries: Settings) -> None:
    before = _entities(registries)
    again = link_records(registries)
    assert again.mode == "incremental" and again.pairs_scored == 0
    # The refused links that stand after the run are counted, not only those refused in it.
    (standing,) = rows(registries, "SELECT COUNT(*) FROM links WHERE status = 'refused'")
    assert standing[0] > 0 and again.refused == standing[0]
    assert _entities(registries) == before
    full = link_records(registries, full=True)
    assert full.mode == "full"
    assert _entities(registries) == before


def test_new_records_link_incrementally_and_old_ids_stay(registries: Settings) -> None:
    before = _entities(registries)
    ingest_files(registries, (suppliers_job("cdmx-sefin"), CDMX_SUPPLIERS))
    summary = link_records(registries)
    assert summary.mode == "incremental"
    assert summary.new_or_changed == 500
    after = _entities(registries)
    kept = sum(1 for eid, members in before.items() if after.get(eid, set()) >= members)
    assert kept == len(before)
    # The 3 CDMX suppliers whose RFC is in the SFP directory join those firms.
    joined = rows(
        registries,
        "SELECT COUNT(DISTINCT r.rfc) FROM link_records r JOIN entity_members m "
        "ON m.record_key = r.record_key JOIN entity_members m2 ON m2.entity_id = m.entity_id "
        "JOIN link_records r2 ON r2.record_key = m2.record_key "
        "WHERE r.source = 'cdmx-sefin' AND r2.source = 'sfp'",
    )
    assert joined[0][0] >= 3


def test_judgements_override_the_model_and_survive_a_full_relink(registries: Settings) -> None:
    linked = rows(
        registries,
        "SELECT record_a, record_b FROM links WHERE status = 'linked' ORDER BY record_a LIMIT 1",
    )[0]
    engine = make_engine(registries)
    try:
        record(
            engine,
            "different",
            linked.record_a,
            linked.record_b,
            author="auditor",
            note="two firms",
        )
        with pytest.raises(JudgementError, match="unknown record"):
            record(engine, "same", linked.record_a, "sanction:nope", author="auditor")
    finally:
        engine.dispose()
    for options in ({}, {"full": True}):
        link_records(registries, **options)
        owner = {k: e for e, members in _entities(registries).items() for k in members}
        assert owner[linked.record_a] != owner[linked.record_b]
    judged = rows(registries, "SELECT decision, author, note, created_at FROM judgements")
    assert [(j.decision, j.author, j.note) for j in judged] == [
        ("different", "auditor", "two firms")
    ]


def test_same_judgement_merges_records_the_model_kept_apart(registries: Settings) -> None:
    singles = rows(
        registries,
        "SELECT m.record_key FROM entity_members m JOIN entities e ON "
        "e.id = m.entity_id WHERE e.size = 1 ORDER BY m.record_key LIMIT 2",
    )
    a, b = singles[0].record_key, singles[1].record_key
    engine = make_engine(registries)
    try:
        record(engine, "same", a, b, author="auditor")
    finally:
        engine.dispose()
    link_records(registries)
    owner = {k: e for e, members in _entities(registries).items() for k in members}
    assert owner[a] == owner[b]


def test_export_streams_one_entity_per_line(registries: Settings) -> None:
    engine = make_engine(registries)
    try:
        lines = list(export.jsonl(engine))
        table = list(csv.DictReader(io.StringIO("".join(export.csv_lines(engine)))))
    finally:
        engine.dispose()
    entities = [json.loads(line) for line in lines]
    assert len(entities) == len(_entities(registries)) == len(table)
    multi = next(e for e in entities if len(e["records"]) > 1)
    assert set(multi) == {"entity_id", "display_name", "rfcs", "records"}
    assert {"source", "record_type", "source_key", "name", "rfc", "probability"} == set(
        multi["records"][0]
    )
    assert any(r["probability"] is not None for r in multi["records"])
    assert json.loads(table[0]["records"])


# --- incremental linking against the stored link state --------------------------------------


def _partition(settings: Settings) -> set[frozenset[str]]:
    return {frozenset(members) for members in _entities(settings).values()}


def test_incremental_link_resolves_what_a_full_link_resolves(registries: Settings) -> None:
    """New OCDS suppliers and a supplier register, linked incrementally, end in the same firms
    as when everything is linked again from scratch."""
    ingest_files(
        registries,
        (suppliers_job("cdmx-sefin"), CDMX_SUPPLIERS),
        (ocds_job(), OCDS / "administracion-publica-federal"),
        (ocds_job(), OCDS / "inai"),
    )
    stored = len(rows(registries, "SELECT record_key FROM link_records"))
    summary = link_records(registries)
    assert summary.mode == "incremental"
    assert summary.new_or_changed == summary.records - stored > 500
    incremental = _partition(registries)
    assert summary.entities == len(incremental)
    refusals = _refusals(registries)
    full = link_records(registries, full=True)
    assert full.mode == "full" and full.records == summary.records
    assert _partition(registries) == incremental
    # Refusals and their reasons too: the alert scan reads a suspect RFC's marker in them.
    assert _refusals(registries) == refusals


def _refusals(settings: Settings) -> set[tuple[str, str, str]]:
    found = rows(settings, "SELECT record_a, record_b, reason FROM links WHERE status = 'refused'")
    return {(r.record_a, r.record_b, r.reason) for r in found}


def test_records_that_change_move_between_firms(registries: Settings, tmp_path: Path) -> None:
    """A newer SFP snapshot changes two records: X, one firm with a 69-B listing through their
    RFC, now names another firm; Y now names the firm of a 69-B listing Z."""

    def owner() -> dict[str, str]:
        return {k: e for e, members in _entities(registries).items() for k in members}

    x = rows(
        registries,
        "SELECT f.source_key AS x, s.source_key AS partner FROM sanctions f JOIN sanctions s "
        "ON s.rfc = f.rfc WHERE f.registry = 'sfp' AND s.registry = 'sat-69b' "
        "ORDER BY f.source_key LIMIT 1",
    )[0]
    z = rows(
        registries,
        "SELECT source_key, name, rfc FROM sanctions WHERE registry = 'sat-69b' "
        "AND rfc_kind = 'company' AND rfc NOT IN (SELECT rfc FROM sanctions "
        "WHERE registry = 'sfp' AND rfc IS NOT NULL) ORDER BY source_key LIMIT 1",
    )[0]
    y = rows(
        registries,
        "SELECT source_key FROM sanctions WHERE registry = 'sfp' AND source_key <> :x "
        "AND rfc IS NOT NULL ORDER BY source_key DESC LIMIT 1",
        x=x.x,
    )[0]
    keys = {k: f"sanction:{v}" for k, v in (("x", x.x), ("p", x.partner), ("y", y.source_key))}
    keys["z"] = f"sanction:{z.source_key}"
    before = owner()
    assert before[keys["x"]] == before[keys["p"]] and before[keys["y"]] != before[keys["z"]]
    positions = {
        r.source_key: int(r.position.removeprefix("item "))
        for r in rows(
            registries,
            "SELECT source_key, position FROM sanctions WHERE source_key IN (:x, :y)",
            x=x.x,
            y=y.source_key,
        )
    }
    directory = json.loads(SFP.read_text(encoding="utf-8"))
    directory[positions[x.x]].update(rfc="ZZZ010203AB1", nombre_razon_social="OTRA FIRMA SA")
    directory[positions[y.source_key]].update(rfc=z.rfc, nombre_razon_social=z.name)
    newer = tmp_path / "sfp-newer.json"
    newer.write_text(json.dumps(directory, ensure_ascii=False), encoding="utf-8")
    ingest_files(registries, (sanctions_job("sfp"), newer))

    summary = link_records(registries)
    assert summary.mode == "incremental" and summary.new_or_changed == 2
    after = owner()
    assert after[keys["x"]] != after[keys["p"]]
    assert after[keys["y"]] == after[keys["z"]]
    stored = rows(
        registries,
        "SELECT record_key, rfc FROM link_records WHERE record_key IN (:x, :y)",
        x=keys["x"],
        y=keys["y"],
    )
    assert {r.record_key: r.rfc for r in stored} == {keys["x"]: "ZZZ010203AB1", keys["y"]: z.rfc}
    incremental = _partition(registries)
    link_records(registries, full=True)
    assert _partition(registries) == incremental


def test_without_a_usable_link_state_the_next_link_is_full(registries: Settings) -> None:
    state_dir = registries.data_dir / "link"
    manifest = state_dir / "state.json"
    assert manifest.exists()
    before = _partition(registries)
    manifest.write_text("{not json")
    assert link_records(registries).mode == "full"  # unreadable
    shutil.rmtree(state_dir)
    assert link_records(registries).mode == "full"  # missing
    assert link_records(registries).mode == "incremental"
    # A state left by an older run (a restored data directory) is stale.
    current = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**current, "link_run_id": current["link_run_id"] - 1}))
    assert link_records(registries).mode == "full"
    # So is one that does not say under which rules (thresholds) it was made: an older version's.
    current = json.loads(manifest.read_text())
    assert current["rules"] == {"auto": 0.9, "review": 0.5, "one_company_rfc": True}
    manifest.write_text(json.dumps({k: v for k, v in current.items() if k != "rules"}))
    assert link_records(registries).mode == "full"
    registries.link_auto_threshold = 0.95  # another threshold
    assert link_records(registries).mode == "full"
    assert link_records(registries).mode == "incremental"
    registries.link_auto_threshold = 0.9
    assert link_records(registries).mode == "full"
    assert _partition(registries) == before


def test_a_live_answer_is_given_at_the_thresholds_of_the_link_run(registries: Settings) -> None:
    """`testigo link --auto 0.999` makes the firms at 0.999: a pair scored 0.95 waits for
    review. /v1/match (and the check, and reconciliation) must then say `review` of such a
    candidate too, not `linked` at the settings' 0.9, and the summary says which rules ran."""
    from fastapi.testclient import TestClient

    from app.linking import link_options
    from app.main import create_app
    from matching.link import link
    from tests.factories import bearer

    engine = make_engine(registries)
    try:
        summary = link(engine, link_options(registries, auto=0.999))
    finally:
        engine.dispose()
    assert summary.mode == "full"  # other rules
    assert summary.rules == {"auto": 0.999, "review": 0.5, "one_company_rfc": True}
    between = rows(
        registries,
        "SELECT DISTINCT a.name, a.rfc_raw FROM links l JOIN link_records a "
        "ON a.record_key = l.record_a WHERE l.probability >= 0.9 AND l.probability < 0.999 "
        "AND l.status = 'review' ORDER BY a.name LIMIT 30",
    )
    assert between, "no pair scored between the settings' threshold and the run's"
    app = create_app(registries, load_index=False)
    app.state.index.load()
    with TestClient(app) as client:
        body = {"records": [{"name": r.name, "rfc": r.rfc_raw} for r in between], "limit": 5}
        answer = client.post(
            "/v1/match", json=body, headers=bearer(registries, "auditor", "auditor")
        )
    assert answer.status_code == 200, answer.text
    candidates = [c for r in answer.json()["results"] for c in r["candidates"]]
    assert any(0.9 <= c["probability"] < 0.999 for c in candidates)
    for c in candidates:
        assert c["status"] == ("linked" if c["probability"] >= 0.999 else "review"), c


@pytest.mark.parametrize("full", [False, True])
def test_without_one_company_rfc_a_record_under_an_rfc_not_from_its_name_joins_its_firm(
    registries: Settings, tmp_path: Path, full: bool
) -> None:
    """TESTIGO_LINK_ONE_COMPANY_RFC=false: a buyer files CORPORATIVO DIJECH (CDI210804L50 in
    the SFP directory) under QZX850101AB1, an RFC whose letters cannot come from that name: the
    wrong RFC must neither count against the firm's own RFC nor keep the award out of the
    sanctioned firm (it used to: refused as 'different RFCs')."""
    registries.link_one_company_rfc = False
    award = misfiled_award(tmp_path / "award.json", day="2026-03-02")
    ingest_files(registries, (ocds_job(), award))
    link_records(registries, full=full)
    found = rows(
        registries,
        "SELECT r.rfc, m.entity_id FROM link_records r JOIN entity_members m "
        "ON m.record_key = r.record_key WHERE r.rfc IN ('CDI210804L50', 'QZX850101AB1')",
    )
    assert {r.rfc for r in found} == {"CDI210804L50", "QZX850101AB1"}
    assert len({r.entity_id for r in found}) == 1


@pytest.mark.parametrize("full", [False, True])
def test_with_one_company_rfc_a_record_under_another_rfc_waits_for_a_person(
    registries: Settings, tmp_path: Path, full: bool
) -> None:
    """TESTIGO_LINK_ONE_COMPANY_RFC: no firm holds two company RFCs. The award filed under
    another firm's RFC (QZX850101AB1, QUIMICA ZAMORA XALAPA's) stays out of CORPORATIVO DIJECH
    and out of QUIMICA ZAMORA XALAPA (its name is not that firm's), its links refused for the
    RFCs and waiting in the review queue, in a full run and in an incremental one; an award to
    DIJECH without an RFC, linked as strongly to it as to the firm, stays with the firm.
    It is the default. Turning the setting off or on makes every entity again: an incremental
    run would leave those it does not reach under the old rule."""
    assert registries.link_one_company_rfc
    assert link_records(registries).mode == "incremental"
    registries.link_one_company_rfc = False
    assert link_records(registries).mode == "full"
    registries.link_one_company_rfc = True
    assert link_records(registries).mode == "full"
    assert link_records(registries).mode == "incremental"
    awards = [
        write_award(
            tmp_path / f"award-{i}.json",
            ocid=f"ocds-test-qzx-{i}",
            supplier=supplier,
            rfc=rfc,
            day="2026-03-02",
        )
        for i, (supplier, rfc) in enumerate(
            [
                ("CORPORATIVO DIJECH SA DE CV", "QZX850101AB1"),
                ("QUIMICA ZAMORA XALAPA, S.A. DE C.V.", "QZX850101AB1"),
                ("CORPORATIVO DIJECH SA DE CV", ""),
            ]
        )
    ]
    ingest_files(registries, *((ocds_job(), award) for award in awards))
    assert link_records(registries, full=full).mode == ("full" if full else "incremental")
    sql = (
        "SELECT r.record_key, r.name, r.rfc, m.entity_id FROM link_records r "
        "JOIN entity_members m ON m.record_key = r.record_key "
        "WHERE r.rfc IN ('CDI210804L50', 'QZX850101AB1') OR r.record_key LIKE '%ocds-test-qzx-2%'"
    )
    found = rows(registries, sql)
    (award_key,) = {r.record_key for r in found if r.rfc == "QZX850101AB1" and "DIJECH" in r.name}
    (bare_key,) = {r.record_key for r in found if not r.rfc}
    entity_of = {r.record_key: r.entity_id for r in found}
    rfcs_of: dict[str, set[str]] = defaultdict(set)
    for r in found:
        if r.rfc:
            rfcs_of[r.entity_id].add(r.rfc)
    assert all(len(held) == 1 for held in rfcs_of.values())
    assert list(entity_of.values()).count(entity_of[award_key]) == 1  # alone
    assert rfcs_of[entity_of[bare_key]] == {"CDI210804L50"}  # the firm keeps its award
    held = rows(
        registries,
        "SELECT status, reason FROM links WHERE record_a = :k OR record_b = :k",
        k=award_key,
    )
    refused = [r.reason for r in held if r.status == "refused"]
    assert refused and {r.status for r in held} <= {"refused", "review"}
    assert all("QZX850101AB1" + NOT_FROM_NAME in reason for reason in refused)
    # Off again: the award joins the firm its name matches, which shows the odd RFC.
    registries.link_one_company_rfc = False
    assert link_records(registries).mode == "full"
    entity_of = {r.record_key: r.entity_id for r in rows(registries, sql)}
    dijech = {k for k, e in entity_of.items() if e == entity_of[award_key]}
    assert bare_key in dijech
    dijech_rfcs = {r.rfc for r in found if r.record_key in dijech and r.rfc}
    assert dijech_rfcs == {"CDI210804L50", "QZX850101AB1"}
    assert not any(r.name.startswith("QUIMICA") for r in found if r.record_key in dijech)


@pytest.mark.parametrize("full", [False, True])
def test_a_suspect_judged_same_as_its_rfcs_firm_is_no_longer_suspect(
    registries: Settings, tmp_path: Path, full: bool
) -> None:
    """A person judges the award filed under QUIMICA ZAMORA XALAPA's RFC (named CORPORATIVO
    DIJECH) the same firm as QUIMICA ZAMORA XALAPA: the award joins it, and its refusal against
    DIJECH now stands on two RFCs held by right, without the suspect's marker (so the alert
    scan no longer reads it as waiting), after an incremental run as after a full one (the
    incremental one must rewrite a stored refusal whose reason changed, not only its status)."""
    quimica = write_award(
        tmp_path / "quimica.json",
        ocid="ocds-test-qzx-q",
        supplier="QUIMICA ZAMORA XALAPA, S.A. DE C.V.",
        rfc=MISFILED_RFC,
        day="2026-03-02",
    )
    award = misfiled_award(tmp_path / "award.json", day="2026-03-02")
    ingest_files(registries, (ocds_job(), quimica), (ocds_job(), award))
    link_records(registries)
    found = rows(
        registries, "SELECT record_key, name FROM link_records WHERE rfc = :r", r=MISFILED_RFC
    )
    (award_key,) = {r.record_key for r in found if "DIJECH" in r.name}
    (quimica_key,) = {r.record_key for r in found if "QUIMICA" in r.name}

    def refusals() -> list[str]:
        held = rows(
            registries,
            "SELECT reason FROM links WHERE status = 'refused' "
            "AND (record_a = :k OR record_b = :k)",
            k=award_key,
        )
        return [r.reason for r in held]

    assert refusals() and all(NOT_FROM_NAME in reason for reason in refusals())
    engine = make_engine(registries)
    try:
        record(engine, "same", award_key, quimica_key, author="auditor")
    finally:
        engine.dispose()
    assert link_records(registries, full=full).mode == ("full" if full else "incremental")
    entity_of = dict(rows(registries, "SELECT record_key, entity_id FROM entity_members"))
    assert entity_of[award_key] == entity_of[quimica_key]
    assert refusals() and not any(NOT_FROM_NAME in reason for reason in refusals())


def _register(tmp_path: Path, entries: Sequence[tuple[str, str, str | None]]) -> Path:
    """A CDMX supplier register of (id, name, postal code) entries, none with an RFC."""
    register = tmp_path / "register.json"
    register.write_text(
        json.dumps(
            [
                {
                    "proveedor": {
                        "id": i,
                        "rfc": "",
                        "razonSocial": name,
                        "address": {"postalCode": postal, "countryName": "MX"},
                    }
                }
                for i, name, postal in entries
            ]
        ),
        encoding="utf-8",
    )
    return register


def test_an_incremental_link_keeps_firms_apart_as_a_full_link_does(
    registries: Settings, tmp_path: Path
) -> None:
    """A register publishes names cut at 40 characters: two firms sharing their first 40 look
    the same but for the address (the full name of one of them shows the cut), and one entry
    gives the cut name with no address. Both firms' entries link to that one; a full run
    refuses to make the two firms one through it (a cut name at another address), and so must
    an incremental run, which clusters the neighbourhood the new records reach by the same
    rule."""
    cut = "SOLUCIONES DE TOLUCA DE MAQUINARIA PESAD"
    entries = [
        ("9001", cut, None),
        ("9002", cut, "45000"),
        ("9003", cut, "45000"),
        ("9004", cut, "66002"),
        ("9005", "SOLUCIONES DE TOLUCA DE MAQUINARIA PESADA GAMBOA Y PUERTOS SA DE CV", None),
    ]
    ingest_files(registries, (suppliers_job("cdmx-sefin"), _register(tmp_path, entries)))
    assert link_records(registries).mode == "incremental"

    def firms() -> set[frozenset[str]]:
        ours = {f"supplier:cdmx-sefin:{i}" for i, _, _ in entries}
        return {frozenset(m & ours) for m in _partition(registries) if m & ours}

    incremental = firms()
    hub, east = "supplier:cdmx-sefin:9001", {"supplier:cdmx-sefin:9002", "supplier:cdmx-sefin:9003"}
    joined = next(m for m in incremental if hub in m)
    assert len(joined) > 1  # the entry with no address did link
    assert not any(east <= m and "supplier:cdmx-sefin:9004" in m for m in incremental)
    link_records(registries, full=True)
    assert firms() == incremental


def test_a_model_of_other_comparison_levels_is_retrained_and_never_scores(
    sqlite_settings: Settings, trained_model: Path
) -> None:
    """A model saved before a level was added (the RFC's "two edits" level) would give real-time
    scoring's levels the weights of others: a link run trains a new one instead of using it, and
    the API does not load a state whose model has other levels (the store plays no part: SQLite
    only)."""
    from app.index_holder import IndexUnavailable, open_index
    from matching import model as splink_model
    from matching import state as link_state
    from matching.comparisons import RFC_TWO_EDITS

    def without_two_edits(model: dict[str, Any]) -> dict[str, Any]:
        for comparison in model["comparisons"]:
            levels = comparison["comparison_levels"]
            comparison["comparison_levels"] = [
                lv for lv in levels if lv["label_for_charts"] != RFC_TWO_EDITS
            ]
        return model

    settings = sqlite_settings

    old = without_two_edits(json.loads(trained_model.read_text()))
    assert not splink_model.fits(old) and splink_model.fits(json.loads(trained_model.read_text()))
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    (settings.model_dir / trained_model.name).write_text(json.dumps(old))
    ingest_files(settings, (sanctions_job("sfp"), SFP))
    summary = link_records(settings)
    assert summary.trained
    current = splink_model.load_latest(settings.model_dir)
    assert current is not None and splink_model.fits(current)
    # The state's own model replaced by one of other levels: the index refuses to score with it.
    version = link_state.model_version_of(settings.link_state_dir)
    assert version == splink_model.version_of(current)
    (path,) = settings.model_dir.glob(f"model-*-{version}.json")
    path.write_text(json.dumps(without_two_edits(current)))
    engine = make_engine(settings)
    try:
        with pytest.raises(IndexUnavailable, match="other comparison levels"):
            open_index(engine, settings)
    finally:
        engine.dispose()


def test_a_link_runs_with_fewer_collections_and_restores_the_collector(
    registries: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector's thresholds are raised while a link reads, scores and stores (the whole
    run: `link` wraps both modes), and put back afterwards, also when the run fails half-way."""
    import gc

    from app.collector import BULK_GC_THRESHOLDS
    from matching import cluster

    seen: list[tuple[int, int, int]] = []
    real = cluster.cluster

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    before = gc.get_threshold()
    monkeypatch.setattr(cluster, "cluster", watched)
    assert link_records(registries, full=True).mode == "full"

    def broken(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold())
        raise RuntimeError("half-way")

    monkeypatch.setattr(cluster, "cluster", broken)
    with pytest.raises(RuntimeError, match="half-way"):
        link_records(registries, full=True)
    assert seen == [BULK_GC_THRESHOLDS] * 2
    assert gc.get_threshold() == before


def test_a_full_link_with_features_from_child_processes_makes_the_same_firms(
    registries: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run whose features come from child processes (`matching.feature_pool`, used on
    large stores) stores what a run computing them itself stores."""
    from matching import feature_pool

    linked_here = _partition(registries), _refusals(registries), _hashes(registries)
    taken: list[int] = []
    real = feature_pool.Featured.take

    def take(self: feature_pool.Featured, chunk: Any) -> None:
        real(self, chunk)
        taken.append(self.from_children)

    monkeypatch.setattr(feature_pool, "MIN_RECORDS", 1)
    monkeypatch.setattr(feature_pool, "CHUNK", 97)
    monkeypatch.setattr(feature_pool.Featured, "take", take)
    pooled = registries.model_copy(update={"link_processes": 2})
    summary = link_records(pooled, full=True)
    assert summary.mode == "full"
    assert len(taken) > 2 and taken[-1] == summary.records
    assert (_partition(pooled), _refusals(pooled), _hashes(pooled)) == linked_here


def _hashes(settings: Settings) -> dict[str, str]:
    return dict(rows(settings, "SELECT record_key, content_hash FROM link_records"))


@pytest.mark.parametrize("full", [False, True])
def test_a_name_its_publisher_cut_is_compared_with_the_firm_it_is_the_start_of(
    registries: Settings, tmp_path: Path, full: bool
) -> None:
    """A register cuts names at 40 characters. The cut took the whole name's rare words and
    left a fragment, so no key of the words finds the pair; its first characters do
    (`features.HEAD_LEN`). The pair is scored in a full and in an incremental run (before, it
    never was: no stored pair, the cut name a firm of its own), and a live query under the cut
    name finds the whole name's firm at the score the run gave the pair."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.factories import bearer

    whole = "CONSTRUCTORA TEHUACANA DE SERVICIOS HIDRAULICOS Y ELECTRICOS, S.A. DE C.V."
    cut = "CONSTRUCTORA TEHUACANA DE SERVICIOS HIDR"
    assert len(cut) == 40
    # TEHUACANA names a family of firms, so the cut name's rarest words (HIDR, TEHUACANA) are
    # not the whole name's two rarest (ELECTRICOS, HIDRAULICOS).
    family = [
        f"CONSTRUCTORA TEHUACANA DE SERVICIOS {what}"
        for what in ("VIALES", "URBANOS", "AGRICOLAS", "MINEROS", "TURISTICOS", "ESCOLARES")
    ] + [
        f"CONSTRUCTORA {town} DE SERVICIOS HIDRAULICOS"
        for town in ("ORIZABEÑA", "CORDOBESA", "ATLIXQUEÑA", "HUAMANTLECA")
    ]
    entries = [("9101", whole, "75700"), ("9102", cut, "75700")] + [
        (str(9200 + i), name, "72000") for i, name in enumerate(family)
    ]
    ingest_files(registries, (suppliers_job("cdmx-sefin"), _register(tmp_path, entries)))
    assert link_records(registries, full=full).mode == ("full" if full else "incremental")
    (pair,) = rows(
        registries,
        "SELECT probability, status FROM links WHERE record_a = :a AND record_b = :b",
        a="supplier:cdmx-sefin:9101",
        b="supplier:cdmx-sefin:9102",
    )
    assert pair.status in ("linked", "review"), pair
    (firm,) = [m for m in _partition(registries) if "supplier:cdmx-sefin:9101" in m]
    (entity_id,) = {
        r.entity_id
        for r in rows(registries, "SELECT entity_id, record_key FROM entity_members")
        if r.record_key in firm
    }

    app = create_app(registries, load_index=False)
    app.state.index.load()
    with TestClient(app) as client:
        answer = client.post(
            "/v1/match",
            json={"records": [{"name": cut, "postal_code": "75700"}], "limit": 5},
            headers=bearer(registries, "auditor", "auditor"),
        )
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    found = {c["entity_id"]: c for c in result["candidates"]}
    assert entity_id in found, result
    assert found[entity_id]["probability"] == pytest.approx(pair.probability)
    assert found[entity_id]["status"] == pair.status
