"""The independent labelled-data generator (bench/independent): deterministic under a seed,
readable by the real readers with every record labelled, every error category produced, and
Mexican naming law respected (a company name with its form is one firm's)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from stdnum.mx import rfc as stdnum_rfc

from app import migrations
from app.store.engine import make_engine
from app.store.tables import Party, Sanction, SupplierEntry
from bench.categories import DETAILS, categories_of, touching_pairs
from bench.independent import CATEGORIES, generate
from bench.independent.noise import fold
from bench.labelled import FILES, Truth, source_job
from ingest.pipeline import run_job
from tests.conftest import make_settings

N_FIRMS = 800
SEED = 4


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    out = tmp_path_factory.mktemp("independent")
    return out, generate(out, N_FIRMS, seed=SEED)


def test_every_category_and_detail_is_produced(generated: tuple[Path, Truth]) -> None:
    _, truth = generated
    tagged = categories_of(truth, "independent")
    assert set(CATEGORIES) <= set(tagged)
    for category in CATEGORIES:
        assert len(tagged[category]) >= 5, category
        for detail in DETAILS.get(category, ()):
            assert tagged[f"{category}/{detail}"], f"{category}/{detail}"
    assert len(truth.firms) == N_FIRMS
    assert set(truth.firm_of.values()) == set(range(N_FIRMS))  # every firm has a record


def test_company_names_with_their_form_belong_to_one_firm(generated: tuple[Path, Truth]) -> None:
    _, truth = generated
    companies = [f.name for f in truth.firms if f.kind == "company"]
    assert len({fold(n) for n in companies}) == len(companies)
    persons = [f.name for f in truth.firms if f.kind == "person"]
    assert len(set(persons)) == len(persons)
    # One name under several forms is allowed, as distinct firms (the legal-form scenario).
    bases = Counter(fold(n.rsplit(",", 1)[0]) for n in companies)
    assert any(n > 1 for n in bases.values())
    rfcs = [f.rfc for f in truth.firms]
    assert len(set(rfcs)) == len(rfcs)
    assert all(stdnum_rfc.calc_check_digit(r[:-1]) == r[-1] for r in rfcs)


@dataclass(slots=True)
class Ingested:
    rejected: dict[str, int]
    names: dict[str, str | None]  # record key -> name as stored
    rfcs: dict[str, str | None]  # record key -> RFC as published


@pytest.fixture(scope="module")
def ingested(generated: tuple[Path, Truth], tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    """The generated files read by the real readers into a fresh SQLite database, once."""
    folder, _ = generated
    settings = make_settings(tmp_path_factory.mktemp("independent-db"))
    migrations.upgrade(settings)
    engine = make_engine(settings)
    out = Ingested({}, {}, {})
    for source, name in FILES.items():
        job = source_job(source)
        summary = run_job(job, [str(folder / name)], engine=engine, settings=settings)
        assert summary.failed == 0, source
        out.rejected[source] = summary.total("rejected")
    with engine.connect() as conn:
        rows = conn.execute(select(Party.source_key, Party.roles, Party.name, Party.rfc_raw))
        for key, roles, name, rfc in rows:
            if "supplier" in roles.split():
                out.names[f"party:{key}"], out.rfcs[f"party:{key}"] = name, rfc
        for key, name, rfc in conn.execute(
            select(Sanction.source_key, Sanction.name, Sanction.rfc_raw)
        ):
            out.names[f"sanction:{key}"], out.rfcs[f"sanction:{key}"] = name, rfc
        for key, name, rfc in conn.execute(
            select(SupplierEntry.source_key, SupplierEntry.name, SupplierEntry.rfc_raw)
        ):
            out.names[f"supplier:{key}"], out.rfcs[f"supplier:{key}"] = name, rfc
    engine.dispose()
    return out


def test_real_readers_read_every_record_and_no_name_is_another_firms(
    generated: tuple[Path, Truth], ingested: Ingested
) -> None:
    _, truth = generated
    assert ingested.rejected == dict.fromkeys(FILES, 0)
    assert set(ingested.names) == set(truth.firm_of)
    # A published name is never another firm's registered name, with its form or without it
    # (names cut by a publisher may be, and are tagged prefix_shared).
    owners: dict[str, set[int]] = defaultdict(set)
    for firm_id, firm in enumerate(truth.firms):
        owners[fold(firm.name)].add(firm_id)
        if firm.kind == "company":
            owners[fold(firm.name.rsplit(",", 1)[0])].add(firm_id)
    truncated = truth.quirks["truncation"] - {
        k for k, f in truth.firm_of.items() if truth.firms[f].kind == "person"
    }
    for key, name in ingested.names.items():
        assert name is not None, key
        if key in truncated:
            continue
        others = owners.get(fold(name), set()) - {truth.firm_of[key]}
        assert not others, (key, name, others)


def test_persons_rotate_and_permuted_people_are_distinct(generated: tuple[Path, Truth]) -> None:
    _, truth = generated
    keys_of: dict[int, list[str]] = defaultdict(list)
    for key, firm in truth.firm_of.items():
        keys_of[firm].append(key)
    surnames_first = truth.quirks["surnames_first"]
    singles = {truth.firm_of[k] for k in truth.quirks["person_single"]}
    for firm in singles:  # one person, published in both orders
        orders = {k in surnames_first for k in keys_of[firm]}
        assert orders == {True, False}, truth.firms[firm].name
    permuted = {truth.firm_of[k] for k in truth.quirks["person_permuted"]}
    by_group: dict[int, list[int]] = defaultdict(list)
    for firm in permuted:
        label = truth.firms[firm]
        by_group[label.near_of if label.near_of is not None else firm].append(firm)
    pairs = 0
    for members in by_group.values():
        words = [truth.firms[m].name.split() for m in members]
        for other in words[1:]:
            if sorted(other) == sorted(words[0]):
                assert other != words[0]  # same words, another person
                pairs += 1
    assert pairs >= 5


def test_cut_names_and_chaining_families(generated: tuple[Path, Truth], ingested: Ingested) -> None:
    _, truth = generated
    for length in (35, 40):
        cut = truth.quirks[f"cut_{length}"]
        assert cut and all(len(ingested.names[k] or "") <= length for k in cut)
    assert truth.quirks["prefix_shared"] and truth.quirks["prefix_unique"]
    # Chaining families: each later name extends an earlier firm's name of the group.
    chained = {truth.firm_of[k] for k in truth.quirks["chaining"]}
    extended = 0
    for firm in chained:
        label = truth.firms[firm]
        if label.near_of is not None:  # the group's first firm: same two first words
            first = truth.firms[label.near_of].name
            assert fold(label.name).split()[:2] == fold(first).split()[:2]
            assert fold(label.name) != fold(first)
            extended += 1
    assert extended >= 5


def test_rfc_noise_is_what_it_says(generated: tuple[Path, Truth], ingested: Ingested) -> None:
    _, truth = generated
    published = ingested.rfcs
    for key in truth.quirks["rfc_two_typos"]:
        typed, real = published[key] or "", truth.firms[truth.firm_of[key]].rfc
        assert len(typed) == len(real), key
        assert sum(a != b for a, b in zip(typed, real, strict=True)) == 2, key
    firm_rfcs = {f.rfc for f in truth.firms}
    for key in truth.quirks["rfc_wrong"]:
        typed = published[key] or ""
        assert typed != truth.firms[truth.firm_of[key]].rfc
        assert stdnum_rfc.calc_check_digit(typed[:-1]) == typed[-1]
        assert (typed in firm_rfcs) == (key in truth.quirks.get("rfc_wrong_other_firm", set()))
    for key in truth.quirks["rfc_missing"]:
        assert published[key] in (None, "", "XAXX010101000"), key


def test_touching_pairs_counts_pairs_with_a_tagged_record() -> None:
    # Firm 1: a, b, c; firm 2: d. Predicted: {a, b, d} and {c}. Tagged: b.
    firm_of = {"a": 1, "b": 1, "c": 1, "d": 2}
    cluster_of = {"a": "x", "b": "x", "d": "x", "c": "y"}
    predicted, true, correct = touching_pairs(cluster_of, firm_of, {"b"})
    assert (predicted, true, correct) == (2, 2, 1)  # ab, bd | ab, bc | ab
    assert touching_pairs(cluster_of, firm_of, set()) == (0, 0, 0)
