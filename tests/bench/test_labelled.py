"""The labelled-data generator (bench/labelled.py): deterministic, readable by the real readers,
every ingested record labelled, quirks at about the configured rates."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from stdnum.mx import rfc as stdnum_rfc

from app.settings import Settings
from app.store.engine import make_engine
from app.store.tables import Party, Sanction, SupplierEntry
from bench.labelled import (
    FILES,
    GENERIC_RFC,
    REGISTER_MAPPING,
    TRUNCATE_AT,
    Truth,
    check_digit,
    generate,
    load_truth,
    source_job,
)
from ingest.pipeline import run_job
from matching.rfc import best
from tests.conftest import DATA

N_FIRMS = 200
HIDDEN = 0.5
BUYER_ONLY = {"buyer", "procuringEntity", "payer", "funder", "reviewBody", "interestedParty"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    out = tmp_path_factory.mktemp("labelled")
    return out, generate(out, N_FIRMS, seed=5, rfc_hidden=HIDDEN)


def test_truth_round_trips_through_the_file(generated: tuple[Path, Truth]) -> None:
    folder, truth = generated
    loaded = load_truth(folder / "truth.json")
    assert loaded.firm_of == truth.firm_of
    assert loaded.quirks == {q: truth.quirks.get(q, set()) for q in loaded.quirks}
    assert loaded.firms == truth.firms
    assert loaded.counts == truth.counts
    assert (loaded.seed, loaded.n_firms, loaded.rfc_hidden) == (5, N_FIRMS, HIDDEN)
    assert load_truth(folder).firm_of == truth.firm_of  # the directory works too


def test_keep_truth_false_keeps_only_the_counts(tmp_path: Path) -> None:
    truth = generate(tmp_path, 50, seed=5, keep_truth=False)
    assert truth.firm_of == {} and truth.counts["records"] > 0
    assert len(load_truth(tmp_path).firm_of) == truth.counts["records"]


def test_firms_have_valid_distinct_rfcs_and_names(generated: tuple[Path, Truth]) -> None:
    _, truth = generated
    assert len(truth.firms) == N_FIRMS
    rfcs = [f.rfc for f in truth.firms]
    assert len(set(rfcs)) == N_FIRMS
    for firm in truth.firms:
        assert (
            stdnum_rfc.calc_check_digit(firm.rfc[:-1]) == firm.rfc[-1] == check_digit(firm.rfc[:-1])
        )
        assert len(firm.rfc) == (13 if firm.kind == "person" else 12)
        parsed = best(firm.rfc)
        assert parsed is not None and parsed.usable and parsed.check_ok
    kinds = Counter(f.kind for f in truth.firms)
    assert 0.1 < kinds["person"] / N_FIRMS < 0.3
    per_firm = Counter(truth.firm_of.values())
    assert set(per_firm) == set(range(N_FIRMS))  # every firm has at least one record
    assert max(per_firm.values()) <= 12


def test_sat_preamble_and_header_are_the_real_files_bytes(generated: tuple[Path, Truth]) -> None:
    folder, _ = generated
    real = (DATA / "sanctions" / "sat_69b_listado_completo_2021-05-18.csv").read_bytes()
    ours = (folder / FILES["sat69b"]).read_bytes()
    real_head = b"\r\n".join(real.split(b"\r\n")[:3])
    assert ours.startswith(real_head + b"\r\n")
    assert b"\n" not in ours.replace(b"\r\n", b"")  # CRLF everywhere
    ours.decode("cp1252")


def _ingest(folder: Path, settings: Settings) -> tuple[dict[str, dict[str, int]], set[str]]:
    engine = make_engine(settings)
    totals = {}
    for source, name in FILES.items():
        job = source_job(source)
        summary = run_job(job, [str(folder / name)], engine=engine, settings=settings)
        totals[source] = {
            "read": summary.total("read"),
            "rejected": summary.total("rejected"),
            "failed": summary.failed,
        }
    keys: set[str] = set()
    with engine.connect() as conn:
        for key, roles in conn.execute(select(Party.source_key, Party.roles)):
            if not (roles and set(roles.split()) <= BUYER_ONLY):
                keys.add(f"party:{key}")
        keys |= {f"sanction:{k}" for k in conn.scalars(select(Sanction.source_key))}
        keys |= {f"supplier:{k}" for k in conn.scalars(select(SupplierEntry.source_key))}
    engine.dispose()
    return totals, keys


def test_the_real_readers_read_everything_and_truth_covers_every_record(
    generated: tuple[Path, Truth], sqlite_settings: Settings
) -> None:
    folder, truth = generated
    totals, keys = _ingest(folder, sqlite_settings)
    for source, counts in totals.items():
        assert counts["failed"] == 0, source
        assert counts["rejected"] == 0, source
        assert counts["read"] > 0, source
    assert keys == set(truth.firm_of)
    assert truth.counts["records"] == len(truth.firm_of)


def test_rfcs_as_ingested_match_the_labels(
    generated: tuple[Path, Truth], sqlite_settings: Settings
) -> None:
    folder, truth = generated
    _ingest(folder, sqlite_settings)
    engine = make_engine(sqlite_settings)
    stored: dict[str, str | None] = {}
    with engine.connect() as conn:
        for key, rfc, roles in conn.execute(select(Party.source_key, Party.rfc, Party.roles)):
            if "supplier" in roles.split():
                stored[f"party:{key}"] = rfc
        for key, rfc in conn.execute(select(Sanction.source_key, Sanction.rfc)):
            stored[f"sanction:{key}"] = rfc
        for key, rfc in conn.execute(select(SupplierEntry.source_key, SupplierEntry.rfc)):
            stored[f"supplier:{key}"] = rfc
    engine.dispose()
    mistyped = truth.quirks.get("rfc_mistyped", set())
    without = truth.without_rfc
    for key, firm in truth.firm_of.items():
        if key in without:
            assert stored[key] is None, key
        elif key in mistyped:  # one character off (O/0, I/1, homoclave, day or letter)
            typed, label = stored[key], truth.firms[firm].rfc
            assert typed is not None and len(typed) == len(label), key
            assert sum(a != b for a, b in zip(typed, label, strict=True)) == 1, key
        else:
            assert stored[key] == truth.firms[firm].rfc, key


def test_quirk_rates_are_about_as_configured(generated: tuple[Path, Truth]) -> None:
    folder, truth = generated
    by_source: Counter[str] = Counter(truth.source_of(k) for k in truth.firm_of)
    assert all(by_source[s] > 0 for s in ("ocds", "sfp", "sat69b", "register"))

    def share(quirk: str, sources: tuple[str, ...]) -> float:
        keys = [k for k in truth.firm_of if truth.source_of(k) in sources]
        return sum(1 for k in keys if k in truth.quirks.get(quirk, set())) / len(keys)

    side = ("ocds", "register")
    without = [k for k in truth.firm_of if truth.source_of(k) in side]
    no_rfc = sum(1 for k in without if k in truth.without_rfc) / len(without)
    assert abs(no_rfc - HIDDEN) <= 0.1
    assert abs(share("rfc_hidden", side) - HIDDEN) <= 0.1
    assert share("rfc_hidden", ("sfp", "sat69b")) == 0
    assert 0.03 <= share("rfc_mistyped", ("sfp",)) <= 0.2
    assert share("rfc_generic", ("ocds",)) <= 0.08
    assert 0.04 <= share("typo", ("ocds", "sfp", "sat69b", "register")) <= 0.18
    assert share("added_person", ("sfp",)) <= 0.12
    assert share("truncated", ("register",)) > 0.1
    assert share("truncated", ("ocds", "sfp", "sat69b")) == 0

    # Names as written: register names never exceed 35 characters; SFP adds persons.
    with (folder / FILES["register"]).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(len(r[REGISTER_MAPPING["name"]]) <= TRUNCATE_AT for r in rows)
    hidden_rows = sum(1 for r in rows if not r["RFC"])
    assert abs(hidden_rows / len(rows) - HIDDEN) <= 0.1
    sfp = json.loads((folder / FILES["sfp"]).read_text(encoding="utf-8"))
    added = [r["nombre_razon_social"] for r in sfp if " Y EL C. " in r["nombre_razon_social"]]
    added += [r["nombre_razon_social"] for r in sfp if " Y LA C. " in r["nombre_razon_social"]]
    assert len(added) == len(truth.quirks.get("added_person", set()))
    generic = 0
    with (folder / FILES["ocds"]).open(encoding="utf-8") as handle:
        for line in handle:
            for party in json.loads(line)["parties"]:
                if party.get("identifier", {}).get("id") == GENERIC_RFC:
                    generic += 1
    assert generic == len(truth.quirks.get("rfc_generic", set()))


def test_generic_words_are_shared_by_many_firms(tmp_path: Path) -> None:
    truth = generate(tmp_path, 1000, seed=3)
    companies = [f.name.split(",")[0].split() for f in truth.firms if f.kind == "company"]
    words = Counter(w for name in companies for w in set(name))
    assert words["GRUPO"] >= 20 and words["CONSTRUCTORA"] >= 10
    near = [f for f in truth.firms if f.near_of is not None]
    assert len(near) >= 20
    for firm in near:  # one word apart from an earlier firm, never the same name
        base = truth.firms[firm.near_of or 0]
        assert base.name != firm.name and base.rfc != firm.rfc
        assert firm.near_of is not None and firm.near_of < truth.firms.index(firm)
