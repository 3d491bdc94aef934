"""The one typed settings object. Every knob is an environment variable with the TESTIGO_ prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TESTIGO_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("./var"), description="Where the embedded database, models and caches live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Defaults to a SQLite file testigo.db under data_dir.",
    )
    batch_size: int = Field(default=2000, ge=1, description="Rows per upsert batch during ingest.")
    prefetch_min_mb: float = Field(
        default=16,
        description="Files of at least this many MB are read in a child process while the "
        "rows already read are written (ingest/prefetch.py); 0: every file, -1: none.",
    )
    http_timeout: float = Field(default=60.0, gt=0, description="Seconds before a fetch gives up.")
    http_retries: int = Field(default=3, ge=0, description="Retries for a failed fetch.")
    link_auto_threshold: float = Field(
        default=0.9, gt=0, lt=1, description="At or above this probability a link is made."
    )
    link_review_threshold: float = Field(
        default=0.5, gt=0, lt=1, description="From here up to `auto` a link waits for a person."
    )
    link_one_company_rfc: bool = Field(
        default=True,
        description="Keep every firm to one company RFC: a record whose RFC cannot come from its "
        "name (most often another firm's, copied) is kept out of the firm its name matches, and "
        "its links wait for a person. Off: it joins that firm, which then shows the odd RFC.",
    )
    link_processes: int | None = Field(
        default=None,
        ge=1,
        description="Child processes that compute the records' features in a full link of "
        "100,000 records or more (matching.feature_pool.MIN_RECORDS; default: one per usable "
        "core, at most 8); 1: the linking process alone.",
    )
    duckdb_threads: int | None = Field(default=None, description="Threads for linking (all).")
    duckdb_memory_limit: str | None = Field(default=None, description="e.g. 8GB (DuckDB default).")
    link_backend: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Where Splink trains, scores and finds connected components: DuckDB in this "
        "process, or Spark (pip install -e '.[spark]' and Java 17) for data past one machine.",
    )
    spark_master: str = Field(
        default="local[*]",
        description="Spark master URL (local[*], spark://host:7077, k8s://..., yarn).",
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="Spark settings passed to the SparkSession builder as they are, as JSON: "
        'TESTIGO_SPARK_CONF=\'{"spark.driver.memory": "8g"}\'.',
    )
    spark_dir: Path | None = Field(
        default=None,
        description="Spark's working directory: Parquet staging, checkpoints and scratch "
        "(default data_dir/spark). On a cluster, a path every executor can read and write.",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for the digest.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = Field(default="none")
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = Field(default=30.0, gt=0)
    mail_from: str = Field(default="testigo@localhost", description="From: of the digest.")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL for links to alerts in emails."
    )
    digest_when_empty: bool = Field(
        default=False, description="Send a digest even when there is nothing new."
    )
    digest_max_alerts: int = Field(
        default=200,
        ge=1,
        description="Alerts written out in one digest mail, most severe first; the rest are "
        "counted with a link to the alerts page (a night of 12,000 alerts made a 51 MB mail, "
        "more than most SMTP servers accept).",
    )
    sources: Path | None = Field(
        default=None, description="TOML file of [[sources]] refreshed by `testigo nightly`."
    )
    language: Literal["es", "en"] = Field(
        default="es",
        description="Language of the pages (when the browser asks for neither Spanish nor "
        "English) and of the alert digest mail: es (Mexican Spanish) or en.",
    )
    log_level: str = Field(default="WARNING", description="Log level for the CLI (stderr).")
    key_failures_allowed: int = Field(
        default=10, ge=1, description="Failed API key attempts a client may make in the window."
    )
    key_failure_window: float = Field(
        default=60.0, gt=0, description="Seconds over which failed key attempts are counted."
    )
    demo_dir: Path = Field(
        default=REPO_ROOT / "data", description="Bundled real public files loaded by `make run`."
    )

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'testigo.db').resolve()}"

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def link_state_dir(self) -> Path:
        return self.data_dir / "link"

    @property
    def spark_work_dir(self) -> Path:
        return self.spark_dir or self.data_dir / "spark"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
