"""Linking on Spark (issue 15): the same model and rules give the same firms as DuckDB.

One local[2] SparkSession serves the module (`spark_dir`); the data is the real SFP directory
and a seeded generated dataset in the four source formats (bench/labelled.py, 400 firms), so
that fuzzy names, typos, hidden RFCs and the cannot-link rule all have pairs to act on."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from app import migrations
from app.linking import link_options
from app.settings import Settings
from app.store.engine import make_engine
from bench.accuracy import ingest_files
from bench.labelled import generate
from ingest.jobs import sanctions_job, suppliers_job
from ingest.pipeline import run_job
from matching import model as splink_model
from matching.backend import BackendConfig
from matching.comparisons import COMPARISONS
from matching.features import features
from matching.link import LinkSummary, link
from tests.conftest import make_settings
from tests.factories import CDMX_SUPPLIERS, SFP, rows

pytestmark = pytest.mark.spark

SPARK_CONF = {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"}


def _spark(settings: Settings, spark_dir: Path) -> Settings:
    return settings.model_copy(
        update={
            "link_backend": "spark",
            "spark_master": "local[2]",
            "spark_conf": SPARK_CONF,
            "spark_dir": spark_dir,
        }
    )


def _link(settings: Settings, **options: bool) -> LinkSummary:
    engine = make_engine(settings)
    try:
        return link(engine, link_options(settings, **options))
    finally:
        engine.dispose()


def _firms(settings: Settings) -> set[frozenset[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in rows(settings, "SELECT entity_id, record_key FROM entity_members"):
        out[r.entity_id].add(r.record_key)
    return {frozenset(keys) for keys in out.values()}


def _links(settings: Settings) -> dict[tuple[str, str], tuple[str, float]]:
    found = rows(settings, "SELECT record_a, record_b, status, probability FROM links")
    return {(r.record_a, r.record_b): (r.status, r.probability) for r in found}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """SQLite with the real SFP directory and 400 generated firms (seed 15), linked on DuckDB
    (which trains the model both backends then use)."""
    tmp = tmp_path_factory.mktemp("spark-data")
    settings = make_settings(tmp)
    migrations.upgrade(settings)
    generated = tmp / "generated"
    generate(generated, 400, seed=15, rfc_hidden=0.5)
    engine = make_engine(settings)
    try:
        run_job(sanctions_job("sfp"), [str(SFP)], engine=engine, settings=settings)
        ingest_files(
            settings,
            engine,
            {
                "ocds": generated / "ocds.jsonl",
                "sfp": generated / "sfp.json",
                "sat69b": generated / "sat69b.csv",
                "register": generated / "suppliers.csv",
            },
        )
    finally:
        engine.dispose()
    return settings


def test_duckdb_and_spark_resolve_identical_firms(dataset: Settings, spark_dir: Path) -> None:
    on_duckdb = _link(dataset, full=True)
    firms, links = _firms(dataset), _links(dataset)
    assert on_duckdb.trained
    assert on_duckdb.links > 100 and on_duckdb.refused > 0  # the rule had work to do

    on_spark = _link(_spark(dataset, spark_dir), full=True)
    assert not on_spark.trained
    assert on_spark.model_version == on_duckdb.model_version
    assert _firms(dataset) == firms
    spark_links = _links(dataset)
    assert spark_links.keys() == links.keys()
    for pair, (status, probability) in links.items():
        assert spark_links[pair][0] == status, pair
        assert spark_links[pair][1] == pytest.approx(probability, abs=1e-9), pair
    assert (on_spark.links, on_spark.review_queue, on_spark.refused, on_spark.entities) == (
        on_duckdb.links,
        on_duckdb.review_queue,
        on_duckdb.refused,
        on_duckdb.entities,
    )

    # New records with Spark configured: the incremental run (on DuckDB, with the same model).
    engine = make_engine(dataset)
    try:
        run_job(suppliers_job("cdmx-sefin"), [str(CDMX_SUPPLIERS)], engine=engine, settings=dataset)
    finally:
        engine.dispose()
    again = _link(_spark(dataset, spark_dir))
    assert again.mode == "incremental"
    assert again.model_version == on_duckdb.model_version
    assert again.records > on_spark.records


def test_a_model_trained_on_spark_is_the_same_artefact(tmp_path: Path, spark_dir: Path) -> None:
    """Trained on Spark, the saved model holds the DuckDB SQL of `settings_dict` and scores
    on DuckDB."""
    records = json.loads(SFP.read_text(encoding="utf-8"))[:800]
    rng = random.Random(3)
    raw = []
    for n, r in enumerate(records):
        name, rfc = r.get("nombre_razon_social"), r.get("rfc")
        raw.append({"record_key": f"r{n}", "name": name, "rfc": rfc})
        if name and rng.random() < 0.3:  # a duplicate with a typo and no RFC
            i = rng.randrange(len(name))
            raw.append({"record_key": f"d{n}", "name": name[:i] + "X" + name[i + 1 :]})
    table = _table(raw)
    config = BackendConfig(
        kind="spark", spark_master="local[2]", spark_conf=SPARK_CONF, spark_dir=spark_dir
    )
    model = splink_model.train(table, backend=config, max_pairs_for_u=1e5)
    written = splink_model.settings_dict()
    assert model["sql_dialect"] == "duckdb"
    assert [
        [level["sql_condition"] for level in c["comparison_levels"]] for c in model["comparisons"]
    ] == [
        [level["sql_condition"] for level in c["comparison_levels"]] for c in written["comparisons"]
    ]
    assert (
        model["blocking_rules_to_generate_predictions"]
        == written["blocking_rules_to_generate_predictions"]
    )
    splink_model.save(model, tmp_path)
    loaded = splink_model.load_latest(tmp_path)
    assert loaded is not None
    on_duckdb = splink_model.predict(table, loaded, threshold=0.5)
    on_spark = splink_model.predict(table, loaded, threshold=0.5, backend=config)
    pairs = _pairs(on_duckdb)
    assert pairs, "the duplicates with typos score as pairs"
    assert _pairs(on_spark) == pairs


def _pairs(scored: pa.Table) -> set[tuple[str, str]]:
    return set(
        zip(
            scored.column("unique_id_l").to_pylist(),
            scored.column("unique_id_r").to_pylist(),
            strict=True,
        )
    )


def _table(raw: list[dict[str, str | None]]) -> pa.Table:
    from matching.corpus import Corpus, with_corpus
    from matching.features import RawRecord
    from matching.pairs import profile_table

    rows_ = [
        features(
            RawRecord(
                unique_id=r["record_key"] or "",
                source="test",
                name=r.get("name"),
                rfc_raw=r.get("rfc"),
            )
        )
        for r in raw
    ]
    corpus = Corpus.build(rows_)
    return profile_table([with_corpus(row, corpus) for row in rows_])


def test_comparison_sql_on_spark_finds_duckdbs_levels(spark_dir: Path) -> None:
    """Every comparison level, transpiled for Spark and run by Spark SQL, holds on exactly the
    pairs where DuckDB's holds: real SFP names against each other and against typo'd copies."""
    from matching import spark
    from matching.spark import _to_spark

    records = json.loads(SFP.read_text(encoding="utf-8"))
    rng = random.Random(7)
    names = [r["nombre_razon_social"] for r in records if r.get("nombre_razon_social")]
    rfcs = [r["rfc"] for r in records if r.get("rfc")]
    from matching.features import RawRecord

    def row(name: str | None, rfc: str | None) -> dict[str, object]:
        return features(RawRecord(unique_id="k", source="t", name=name, rfc_raw=rfc))

    pairs = []
    for _ in range(3000):
        first = rng.choice(names)
        a = row(first, rng.choice([*rfcs[:50], None]))
        # Half against another firm, half against a copy with one or two typos.
        name = rng.choice(names) if rng.random() < 0.5 else first
        for _ in range(rng.choice((0, 1, 1, 2))):
            i = rng.randrange(len(name))
            name = name[:i] + rng.choice("AEIOUX ") + name[i + 1 :]
        b = row(name, rng.choice([*rfcs[:50], None]))
        pairs.append((a, b))
    columns = sorted({c for a, _ in pairs for c in a if not c.startswith("_")})
    flat = [
        {**{f"{c}_l": a.get(c) for c in columns}, **{f"{c}_r": b.get(c) for c in columns}}
        for a, b in pairs
    ]
    table = pa.Table.from_pylist(
        [{k: (None if v is None else str(v)) for k, v in r.items()} for r in flat]
    )
    levels = [
        (c.name, i, level.sql)
        for c in COMPARISONS
        for i, level in enumerate(c.levels)
        if level.sql != "ELSE"
    ]
    select = ", ".join(
        f"CASE WHEN {sql} THEN 1 ELSE 0 END AS l{n}" for n, (*_, sql) in enumerate(levels)
    )
    con = duckdb.connect()
    con.register("pairs", table)
    on_duckdb = con.execute(f"SELECT {select} FROM pairs").fetchall()

    session = spark.session("local[2]", SPARK_CONF, spark_dir)
    spark.api(session)  # registers the Splink jar's functions, as a linker does
    session.createDataFrame(table.to_pandas()).createOrReplaceTempView("pairs")
    select_spark = ", ".join(
        f"CASE WHEN {_to_spark(sql)} THEN 1 ELSE 0 END AS l{n}"
        for n, (*_, sql) in enumerate(levels)
    )
    on_spark = [tuple(r) for r in session.sql(f"SELECT {select_spark} FROM pairs").collect()]
    assert len(on_spark) == len(on_duckdb)
    for n, (comparison, index, _) in enumerate(levels):
        differ = sum(1 for d, s in zip(on_duckdb, on_spark, strict=True) if d[n] != s[n])
        held = sum(d[n] for d in on_duckdb)
        bad = [
            (flat[i]["name_l"], flat[i]["name_r"])
            for i, (d, s) in enumerate(zip(on_duckdb, on_spark, strict=True))
            if d[n] != s[n]
        ]
        assert differ == 0, (comparison, index, differ, held, bad[:3])
    # The fuzzy levels were exercised, not vacuously equal.
    assert all(
        sum(d[n] for d in on_duckdb) > 0 for n in range(len(levels)) if "jaro" in levels[n][2]
    )


def test_spark_submit_entry_point(
    tmp_path: Path,
    spark_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`spark_submit.py` links as `testigo link` does (one JSON line), and a failure is one line
    on stderr with exit 1, never a traceback."""
    from app.settings import get_settings
    from matching import spark_submit

    settings = make_settings(tmp_path)
    migrations.upgrade(settings)
    monkeypatch.setenv("TESTIGO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TESTIGO_SPARK_DIR", str(spark_dir))
    get_settings.cache_clear()
    try:
        assert spark_submit.main([]) == 0
        assert json.loads(capsys.readouterr().out)["mode"] == "empty"
        monkeypatch.setenv("TESTIGO_DATABASE_URL", f"sqlite:///{tmp_path}/missing/nowhere.db")
        get_settings.cache_clear()
        assert spark_submit.main(["--full"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("link failed") and "Traceback" not in err and "\n" not in err
    finally:
        get_settings.cache_clear()
    assert spark_submit.main(["--jar"]) == 0
    assert capsys.readouterr().out.strip().endswith(".jar")


def test_without_java_the_spark_backend_says_what_to_install(
    tmp_path: Path, spark_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.errors import TestigoError
    from matching import spark

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(TestigoError, match="openjdk-17-jre-headless") as raised:
        spark.session("local[1]", {}, tmp_path / "elsewhere")
    assert raised.value.exit_code == 2
