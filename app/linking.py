"""Settings -> link options: the one place the CLI, the API and the nightly run agree on."""

from __future__ import annotations

from app.settings import Settings
from matching.backend import BackendConfig
from matching.feature_pool import usable_cores
from matching.link import LinkOptions


def link_options(
    settings: Settings,
    *,
    auto: float | None = None,
    review: float | None = None,
    full: bool = False,
    retrain: bool = False,
) -> LinkOptions:
    return LinkOptions(
        model_dir=settings.model_dir,
        state_dir=settings.link_state_dir,
        auto=auto if auto is not None else settings.link_auto_threshold,
        review=review if review is not None else settings.link_review_threshold,
        one_company_rfc=settings.link_one_company_rfc,
        processes=settings.link_processes or usable_cores(),
        full=full,
        retrain=retrain,
        backend=BackendConfig(
            kind=settings.link_backend,
            threads=settings.duckdb_threads,
            memory_limit=settings.duckdb_memory_limit,
            temp_dir=settings.data_dir / "duckdb_tmp",
            spark_master=settings.spark_master,
            spark_conf=settings.spark_conf,
            spark_dir=settings.spark_work_dir,
        ),
    )


def failure(exc: Exception) -> str:
    """A failed `testigo link` as one line that says what to do where it can."""
    from sqlalchemy.exc import DBAPIError

    from app.errors import first_line

    first = first_line(exc)
    if isinstance(exc, DBAPIError):
        return (
            f"link failed: the database could not be read ({first}); "
            "check TESTIGO_DATABASE_URL and run `testigo db upgrade`"
        )
    return f"link failed: {exc.__class__.__name__}: {first}" if first else repr(exc)
