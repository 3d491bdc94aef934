"""The bundled demo: real public files copied from the project's shared data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from app.settings import Settings
from ingest.jobs import contracts_job, ocds_job, sanctions_job, suppliers_job
from ingest.pipeline import IngestSummary, Progress, run_job


def load_demo(
    demo_dir: Path, *, engine: Engine, settings: Settings, progress: Progress | None = None
) -> list[IngestSummary]:
    plan = [
        (ocds_job(), [str(demo_dir / "ocds")]),
        # ComprasMX, the federal download since 2025: with the SFP directory below it holds a
        # real barred winner (a contract signed inside a debarment), so the demo's alert is real.
        (contracts_job(), [str(demo_dir / "contracts")]),
        (
            sanctions_job("sfp"),
            [str(demo_dir / "sanctions/sfp_directorio_sancionados_2026-06-11.json")],
        ),
        (
            sanctions_job("sat-69b"),
            [str(demo_dir / "sanctions/sat_69b_listado_completo_2021-05-18.csv")],
        ),
        (
            suppliers_job("cdmx-sefin"),
            [str(demo_dir / "suppliers/cdmx_sefin_proveedores_2015.json")],
        ),
    ]
    return [
        run_job(job, locations, engine=engine, settings=settings, progress=progress)
        for job, locations in plan
    ]
