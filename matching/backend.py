"""The one place that chooses Splink's SQL backend: DuckDB in this process (the default), or
Spark (`TESTIGO_LINK_BACKEND=spark`) for registries that outgrow one machine. Everything else
opens a `Run` and never assumes either: the same model, the same comparisons and the same
blocking rules run on both (`matching.spark` says how the SQL and the data cross over).

Incremental linking (`model.predict_between`, a few thousand new records against the index)
always runs on DuckDB, with the model the Spark run trained: starting Spark jobs costs more
than the whole incremental run does on DuckDB."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa


@dataclass(frozen=True, slots=True)
class BackendConfig:
    kind: Literal["duckdb", "spark"] = "duckdb"
    threads: int | None = None  # DuckDB; None: all cores
    memory_limit: str | None = None  # DuckDB, e.g. "8GB"; None: DuckDB's default (80% of RAM)
    temp_dir: Path | None = None  # where DuckDB spills when memory runs short
    spark_master: str = "local[*]"
    spark_conf: Mapping[str, str] = field(default_factory=dict)
    spark_dir: Path = Path("var/spark")  # staging, checkpoints, scratch

    def local(self) -> BackendConfig:
        """This configuration on DuckDB (for the incremental path)."""
        return replace(self, kind="duckdb")


def db_api(config: BackendConfig | None = None) -> Any:
    """A fresh Splink database API for `config` (DuckDB in memory by default)."""
    config = config or BackendConfig()
    if config.kind == "spark":
        from matching import spark

        return spark.api(spark.session(config.spark_master, config.spark_conf, config.spark_dir))
    if config.kind != "duckdb":
        raise ValueError(f"unknown Splink backend {config.kind!r}: use duckdb or spark")
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect(":memory:")
    # Explicit resources: DuckDB would otherwise size itself to the whole machine.
    if config.threads:
        con.execute(f"SET threads = {int(config.threads)}")
    if config.memory_limit:
        con.execute(f"SET memory_limit = '{config.memory_limit}'")
    if config.temp_dir:
        config.temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{config.temp_dir}'")
    con.execute("SET preserve_insertion_order = false")
    return DuckDBAPI(connection=con)


class Run:
    """One Splink run on a backend: how tables go in, settings are written and results come
    out. On DuckDB tables are registered from memory; on Spark they cross as Parquet."""

    def __init__(self, api: Any, staging: Any = None) -> None:
        self.api = api
        self.staging = staging

    @property
    def is_spark(self) -> bool:
        return self.staging is not None

    def register(self, table: pa.Table, name: str) -> Any:
        if self.staging is None:
            return self.api.register(table, dataset_display_name=name)
        return self.api.register(self.staging.put(table, name), dataset_display_name=name)

    def settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        if self.staging is None:
            return dict(settings)
        from matching.spark import for_spark

        return for_spark(settings)

    def saved(self, model: dict[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
        """Splink's saved model with the SQL as `settings` wrote it (DuckDB's dialect)."""
        if self.staging is None:
            return model
        from matching.spark import restore_sql

        return restore_sql(model, settings)

    def arrow(self, frame: Any, name: str, columns: Sequence[str]) -> pa.Table:
        """`columns` of a Splink result table, as Arrow."""
        if self.staging is None:
            table: pa.Table = frame.as_pyarrow_table()
            return table.select(list(columns))
        selected = frame.as_spark_dataframe().select(*columns)
        return self.staging.get(selected, name)


@contextmanager
def run(config: BackendConfig | None = None) -> Iterator[Run]:
    """A `Run` on `config`'s backend; on Spark, its staged files and cached tables are
    dropped when it ends."""
    config = config or BackendConfig()
    if config.kind != "spark":
        yield Run(db_api(config))
        return
    from matching import spark

    session = spark.session(config.spark_master, config.spark_conf, config.spark_dir)
    with spark.staging(session, config.spark_dir) as files:
        yield Run(spark.api(session), files)
