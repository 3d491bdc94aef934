"""The one place that chooses Splink's SQL backend. Everything else asks for `db_api()` and never
assumes DuckDB, so the same model can run on Splink's Spark backend for registries that outgrow
one machine (set backend="spark" and pass a SparkSession)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class BackendConfig:
    kind: str = "duckdb"  # duckdb | spark
    threads: int | None = None  # None: all cores
    memory_limit: str | None = None  # e.g. "8GB"; None: DuckDB's default (80% of RAM)
    temp_dir: Path | None = None  # where DuckDB spills when memory runs short
    spark_session: Any = None


def db_api(config: BackendConfig | None = None) -> Any:
    """A fresh Splink database API for `config` (DuckDB in memory by default)."""
    config = config or BackendConfig()
    if config.kind == "spark":
        from splink import SparkAPI

        if config.spark_session is None:
            raise ValueError("the spark backend needs a SparkSession (BackendConfig.spark_session)")
        return SparkAPI(spark_session=config.spark_session)
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
