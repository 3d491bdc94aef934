"""Splink on Spark: the session, the SQL our comparisons call, and Parquet staging.

The model is one artefact for both backends. Its comparison SQL is written once, in DuckDB's
dialect (`matching.comparisons`), and is what the saved JSON holds; for Spark it is transpiled
by sqlglot when a linker is built (`for_spark`), and a model trained on Spark has its SQL put
back (`restore_sql`), so a model trained on either backend scores on the other.

What is dialect-specific in our SQL, and how Spark runs it:
- `"column"` quoting: a string in Spark SQL; sqlglot writes backticks.
- `starts_with`, `split_part`, `length`: sqlglot writes Spark's `STARTSWITH`, `SPLIT_PART`,
  `LENGTH` (same results).
- `damerau_levenshtein`: the UDF in the jar Splink ships (registered by `SparkAPI`); it agrees
  with DuckDB's on every sampled pair (tests/matching/test_spark.py).
- `jaro_winkler_similarity`: neither the jar's `jaro_winkler` nor Spark 4.3's built-in
  `jaro_winkler_similarity` agrees with DuckDB's (the jar: 9,690 of 22,082 pairs of SFP names
  differ, 262 of them across a level threshold; the built-in: GRUPO IMASA / GRUPO JACARIC SI
  DE CV is 0.8427 against DuckDB's 0.8527, across the 0.85 level). So calls are rewritten to
  `testigo_jaro_winkler`, an Arrow-batched Python UDF on rapidfuzz, the library the real-time
  scorer (`matching.score`) already uses and that tests hold equal to DuckDB's.

Data moves through Parquet files under the Spark working directory (`Settings.spark_work_dir`):
the driver writes the profile table that DuckDB would read from memory, Spark reads it; Spark
writes the scored pairs and the connected components, the driver reads them. Reading records
from the database and writing entities to it stay on the driver (`app.store`), as on
DuckDB: Spark does the work that grows with pairs (blocking, comparisons, EM, connected
components), the driver the work that grows with records. On a cluster the working directory
must be storage that the driver and every executor see at the same path (an NFS or ReadWriteMany
volume, /dbfs on Databricks): Spark is given file: URIs.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from app.errors import CannotStart

# Not `jaro_winkler_similarity`: Spark 4.3 has a built-in of that name, which wins over a
# registered function and does not agree with DuckDB's either.
JARO_WINKLER = "testigo_jaro_winkler"

_SESSIONS: dict[tuple[str, Path], Any] = {}


class SparkUnavailable(CannotStart):
    """pyspark or Java is missing: the link cannot start; the message says what to install."""


def session(master: str, conf: Mapping[str, str], work_dir: Path) -> Any:
    """The SparkSession for `master` (one per process: getOrCreate reuses a running one, as on
    Databricks), with the Splink jar, our SQL functions and its working directory."""
    key = (master, work_dir)
    if key in _SESSIONS:
        return _SESSIONS[key]
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:
        raise SparkUnavailable(
            "TESTIGO_LINK_BACKEND=spark needs pyspark: pip install -e '.[spark]' "
            "(and Java 17: apt-get install openjdk-17-jre-headless)"
        ) from exc
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise SparkUnavailable(
            "TESTIGO_LINK_BACKEND=spark needs Java 17: apt-get install openjdk-17-jre-headless"
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    settings: dict[str, str] = {
        "spark.app.name": "testigo-link",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.local.dir": str(work_dir / "scratch"),
    }
    if master.startswith("local"):
        # Spark's 200 shuffle partitions are for clusters; on one machine they are mostly
        # scheduling overhead.
        settings["spark.sql.shuffle.partitions"] = str(2 * (os.cpu_count() or 1))
        settings["spark.ui.enabled"] = "false"
        # pyspark starts its Python workers with $PYSPARK_PYTHON, else `python3` from PATH,
        # which need not have rapidfuzz and pandas.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings.update(conf)
    jars = [j for j in settings.get("spark.jars", "").split(",") if j]
    settings["spark.jars"] = ",".join([*jars, similarity_jar_location()])
    builder = SparkSession.builder
    # Under spark-submit the master and the cluster's settings are spark-submit's.
    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master(master)
    for name, value in settings.items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(_uri(work_dir / "checkpoints"))
    _register_functions(spark)
    _SESSIONS[key] = spark
    return spark


def _register_functions(spark: Any) -> None:
    import pandas as pd
    from pyspark.sql.pandas.functions import pandas_udf
    from rapidfuzz.distance import JaroWinkler

    def jaro_winkler_similarity(left: Any, right: Any) -> Any:
        return pd.Series(
            [
                None if pd.isna(a) or pd.isna(b) else JaroWinkler.similarity(a, b)
                for a, b in zip(left, right, strict=True)
            ],
            dtype="float64",
        )

    # pyspark reads the kind of UDF from the annotations, as objects (this module's are strings).
    jaro_winkler_similarity.__annotations__ = {
        "left": pd.Series,
        "right": pd.Series,
        "return": pd.Series,
    }
    # Any: pyspark's overloads cannot see a Series-to-Series function in these annotations.
    make_udf: Any = pandas_udf
    spark.udf.register(JARO_WINKLER, make_udf(jaro_winkler_similarity, "double"))


def api(spark: Any) -> Any:
    """Splink's Spark database API. Intermediate tables are cached (persist), not written as
    Parquet checkpoints: they are dropped with the run (`staging`)."""
    from splink import SparkAPI

    return SparkAPI(spark_session=spark, break_lineage_method="persist")


def _to_spark(sql: str) -> str:
    tree = sqlglot.parse_one(sql, read="duckdb")
    # DuckDB's jaro_winkler_similarity becomes our UDF (sqlglot would write Spark's own).
    tree = tree.transform(
        lambda node: (
            exp.Anonymous(this=JARO_WINKLER, expressions=[node.this, node.expression])
            if isinstance(node, exp.JarowinklerSimilarity)
            else node
        )
    )
    return tree.sql(dialect="spark")


def for_spark(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Splink settings (DuckDB SQL, as saved) with their comparison SQL in Spark's dialect."""
    out = dict(settings)
    out["sql_dialect"] = "spark"
    comparisons = []
    for comparison in settings["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            sql = level["sql_condition"]
            levels.append(level if sql == "ELSE" else {**level, "sql_condition": _to_spark(sql)})
        comparisons.append({**comparison, "comparison_levels": levels})
    out["comparisons"] = comparisons
    return out


def restore_sql(model: dict[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """A model Splink saved from Spark, with the DuckDB SQL of `settings` back in place: the
    saved model stays one artefact whatever backend trained it."""
    model["sql_dialect"] = settings.get("sql_dialect", "duckdb")
    model["blocking_rules_to_generate_predictions"] = settings[
        "blocking_rules_to_generate_predictions"
    ]
    for trained, written in zip(model["comparisons"], settings["comparisons"], strict=True):
        for level, source in zip(
            trained["comparison_levels"], written["comparison_levels"], strict=True
        ):
            level["sql_condition"] = source["sql_condition"]
    return model


class Staging:
    """Parquet files of one linker's run under the working directory, removed at its end."""

    def __init__(self, spark: Any, root: Path) -> None:
        self.spark = spark
        self.root = root

    def put(self, table: pa.Table, name: str) -> Any:
        """`table` as a Spark DataFrame read from a Parquet file."""
        path = self.root / f"{name}.parquet"
        pq.write_table(table, path)
        return self.spark.read.parquet(_uri(path))

    def get(self, frame: Any, name: str) -> pa.Table:
        """A Spark DataFrame written by Spark as Parquet, read by the driver with Arrow."""
        path = self.root / f"{name}.out"
        frame.write.mode("overwrite").parquet(_uri(path))
        return pq.read_table(path)


def _uri(path: Path) -> str:
    """A file: URI, so that Spark reads the shared mount on every node even where its default
    file system is another (HDFS, DBFS)."""
    return path.resolve().as_uri()


@contextmanager
def staging(spark: Any, work_dir: Path) -> Iterator[Staging]:
    root = work_dir / "staging" / uuid.uuid4().hex
    root.mkdir(parents=True)
    try:
        yield Staging(spark, root)
    finally:
        # The session outlives the run: its tables go (Splink refuses to register a name twice).
        for table in spark.catalog.listTables():
            if table.isTemporary:
                spark.catalog.dropTempView(table.name)
        spark.catalog.clearCache()
        shutil.rmtree(root, ignore_errors=True)


def jvm_peak_mb(spark: Any) -> float | None:
    """Peak resident memory of the driver's JVM (local mode: the whole of Spark), in MB."""
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None
