"""The real-time index as files every worker maps (matching.index_files) answers exactly as the
in-memory index it replaced: the same candidates, the same scores, the same RFC neighbours, on
the real SFP directory and SAT 69-B list plus 400 generated firms. The in-memory index lives on
here only, as the reference (`Reference`: the former `Index.load`, dicts and lists)."""

from __future__ import annotations

import random
import shutil
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import migrations
from app.index_holder import open_index
from app.settings import Settings
from app.store.engine import make_engine
from app.store.tables import EntityMember
from bench.accuracy import ingest_files as ingest_generated
from bench.labelled import generate
from ingest.jobs import sanctions_job
from matching import hashed, index_files
from matching import state as link_state
from matching.corpus import Corpus
from matching.features import COLUMNS, CONFUSABLE, MAX_RARE_TOKEN_FIRMS
from matching.score import MAX_BUCKET, Index, _one_edit
from tests.conftest import make_settings
from tests.factories import SAT, SFP, ingest_files, link_records, rows, use_model


@dataclass
class Reference:
    """The former in-memory index: every profile a dict, every key a dict of lists."""

    rows: list[dict[str, Any]]
    entity_of_profile: list[str | None]
    lookups: dict[str, dict[Any, list[int]]]
    tokens: dict[str, list[int]]
    corpus: Corpus

    @classmethod
    def load(cls, settings: Settings) -> Reference:
        state = link_state.load(settings.link_state_dir)
        assert state is not None
        table_rows = state.profiles.select(list(COLUMNS)).to_pylist()
        corpus = link_state.corpus_of(state)
        engine = make_engine(settings)
        try:
            with engine.connect() as conn:
                entity_of = dict(
                    conn.execute(select(EntityMember.record_key, EntityMember.entity_id)).all()
                )
        finally:
            engine.dispose()
        lookups: dict[str, dict[Any, list[int]]] = defaultdict(lambda: defaultdict(list))
        tokens: dict[str, list[int]] = defaultdict(list)
        for number, row in enumerate(table_rows):
            for name, value in _keys(row, asked=False):
                lookups[name][value].append(number)
            for token in set(row["name"].split()) if row["name"] else ():
                if corpus.token_firms.get(token, 0) <= MAX_RARE_TOKEN_FIRMS and len(token) >= 3:
                    tokens[token].append(number)
        return cls(
            table_rows,
            [entity_of.get(r["unique_id"]) for r in table_rows],
            lookups,
            tokens,
            corpus,
        )

    def candidates(self, row: Mapping[str, Any]) -> set[int]:
        found: set[int] = set()
        for name, value in _keys(row, asked=True):
            bucket = self.lookups[name].get(value, [])
            if len(bucket) <= MAX_BUCKET:
                found.update(bucket)
        for token in row["_tokens"]:
            bucket = self.tokens.get(token, [])
            if len(bucket) <= MAX_BUCKET:
                found.update(bucket)
        return found

    def rfc_neighbours(self, value: str) -> dict[int, str]:
        found: dict[int, str] = {}
        for variant in _one_edit(value):
            for number in self.lookups["rfc"].get(variant, ()):
                found[number] = variant
        for number in self.lookups["rfc_conf"].get(value.translate(CONFUSABLE), ()):
            if self.rows[number]["rfc"] != value:
                found[number] = self.rows[number]["rfc"]
        return found


def _keys(row: Mapping[str, Any], *, asked: bool) -> Iterator[tuple[str, Any]]:
    """The postings a row is written in, or (`asked`) looks up: a cross key's postings are
    looked up with the other column's value (a cut name's head in every name's heads)."""
    for column in index_files.KEY_COLUMNS:
        if row.get(column):
            yield column, row[column]
    for parts in index_files.COMPOUND_KEYS:
        values = tuple(row.get(c) for c in parts)
        if all(values):
            yield "+".join(parts), values
    for column, posted in index_files.CROSS_KEYS:
        value = row.get(column if asked else posted)
        if value:
            yield posted, value


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Settings:
    """SQLite with the real SFP directory and SAT 69-B list and 400 generated firms (seed 15)
    in the four source formats, linked with the session's model."""
    tmp = tmp_path_factory.mktemp("shared-index")
    settings = make_settings(tmp)
    migrations.upgrade(settings)
    use_model(settings, trained_model)
    ingest_files(settings, (sanctions_job("sfp"), SFP), (sanctions_job("sat-69b"), SAT))
    generate(tmp / "generated", 400, seed=15, rfc_hidden=0.5)
    engine = make_engine(settings)
    try:
        ingest_generated(
            settings,
            engine,
            {
                "ocds": tmp / "generated" / "ocds.jsonl",
                "sfp": tmp / "generated" / "sfp.json",
                "sat69b": tmp / "generated" / "sat69b.csv",
                "register": tmp / "generated" / "suppliers.csv",
            },
        )
    finally:
        engine.dispose()
    link_records(settings)
    return settings


def _queries(settings: Settings, n: int) -> list[dict[str, str | None]]:
    """`n` queries in thirds: an RFC as published, a name as published, a misspelled name."""
    found = rows(settings, "SELECT name, rfc_raw FROM link_records ORDER BY record_key")
    rng = random.Random(7)
    rfcs = sorted({r.rfc_raw for r in found if r.rfc_raw})
    names = sorted({r.name for r in found if r.name and len(r.name) > 4})
    out: list[dict[str, str | None]] = []
    for rfc in rng.sample(rfcs, n // 3):
        out.append({"name": None, "rfc": rfc})
    for name in rng.sample(names, n // 3):
        out.append({"name": name, "rfc": None})
    for name in rng.sample(names, n // 3):
        i = rng.randrange(len(name))
        out.append({"name": name[:i] + rng.choice("AEOXZ") + name[i + 1 :], "rfc": None})
    return out


def _open(settings: Settings) -> Index:
    engine = make_engine(settings)
    try:
        return open_index(engine, settings)
    finally:
        engine.dispose()


def _assert_same(index: Index, reference: Reference, queries: list[dict[str, str | None]]) -> int:
    """Every query answered alike by both; returns how many candidates were compared."""
    compared = 0
    for query in queries:
        row = index.query_row(name=query["name"], rfc=query["rfc"])
        found = index.candidates(row)
        assert found == reference.candidates(row), query
        for number in sorted(found):
            assert index.rows[number] == reference.rows[number]
            assert index.entity_of_profile[number] == reference.entity_of_profile[number]
            assert index.score_pair(row, index.rows[number]) == index.score_pair(
                row, reference.rows[number]
            )
        for match in index.scored(row).values():
            number = next(n for n in found if reference.rows[n]["unique_id"] == match.record_key)
            assert reference.entity_of_profile[number] == match.entity_id
        compared += len(found)
        if row["rfc"]:
            assert index.rfc_neighbours(row["rfc"]) == reference.rfc_neighbours(row["rfc"])
            for column in ("rfc", "rfc_stem"):
                assert index.holders(column, row[column]) == reference.lookups[column].get(
                    row[column], []
                )
    return compared


def test_the_mapped_index_answers_as_the_in_memory_one(dataset: Settings) -> None:
    index, reference = _open(dataset), Reference.load(dataset)
    assert len(index.rows) == len(reference.rows) > 10_000
    assert list(index.rows) == reference.rows
    queries = _queries(dataset, 360)
    row = index.query_row(name="CONSTRUCTORA", rfc=None)
    assert row == reference_query_row(reference, name="CONSTRUCTORA")
    assert _assert_same(index, reference, queries) > 1000
    for query in queries[:50]:
        assert index.query_row(**query) == reference_query_row(reference, **query)


def reference_query_row(
    reference: Reference, *, name: str | None = None, rfc: str | None = None
) -> dict[str, Any]:
    from matching.corpus import with_corpus
    from matching.features import RawRecord, features

    raw = features(RawRecord("query", "query", name, rfc, None))
    return with_corpus(raw, reference.corpus) | {"_tokens": raw["_tokens"]}


def test_colliding_hashes_are_told_apart_by_their_values(
    dataset: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With hashes cut to 6 bits nearly every bucket is shared by many values: every hit must
    be checked against the real value, and the answers stay the same."""
    real = hashed.value_hash
    monkeypatch.setattr(hashed, "value_hash", lambda value: real(value) & 0x3F)
    settings = dataset.model_copy(update={"data_dir": tmp_path / "var"})
    shutil.copytree(dataset.link_state_dir, settings.link_state_dir)
    for old in settings.link_state_dir.glob("index*-*"):
        shutil.rmtree(old)
    settings.model_dir.mkdir(parents=True)
    for model in dataset.model_dir.glob("*.json"):
        shutil.copy(model, settings.model_dir)
    settings = settings.model_copy(update={"database_url": dataset.db_url})
    index = _open(settings)
    assert _assert_same(index, Reference.load(settings), _queries(dataset, 90)) > 100
    assert index.corpus.name_firms == Reference.load(settings).corpus.name_firms


def test_a_state_without_index_files_gets_them_once(dataset: Settings, tmp_path: Path) -> None:
    """A link state left before the index files existed: the first worker writes them under
    the lock, the others wait and map the same files; nothing is written twice."""
    settings = dataset.model_copy(
        update={"data_dir": tmp_path / "var", "database_url": dataset.db_url}
    )
    shutil.copytree(dataset.link_state_dir, settings.link_state_dir)
    shutil.copytree(dataset.model_dir, settings.model_dir)
    for old in settings.link_state_dir.glob("index*-*"):
        shutil.rmtree(old)
    opened: list[Index] = []
    workers = [threading.Thread(target=lambda: opened.append(_open(settings))) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    (written,) = settings.link_state_dir.glob("index*-*")
    assert len(opened) == 3
    assert {i.link_run_id for i in opened} == {int(written.name.rsplit("-", 1)[1])}
    stamp = {p.name: p.stat().st_mtime_ns for p in written.iterdir()}
    _open(settings)
    assert {p.name: p.stat().st_mtime_ns for p in written.iterdir()} == stamp
    assert not list(settings.link_state_dir.glob(".index*"))  # no temporary left
