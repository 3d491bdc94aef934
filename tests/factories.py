"""Plain functions that build test inputs and read back what was stored."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import keys
from app.linking import link_options
from app.settings import Settings
from app.store.engine import make_engine
from ingest.pipeline import IngestSummary, Job, run_job
from matching.link import LinkSummary, link
from tests.conftest import DATA

SFP = DATA / "sanctions/sfp_directorio_sancionados_2026-06-11.json"
SAT = DATA / "sanctions/sat_69b_listado_completo_2021-05-18.csv"
CDMX_SUPPLIERS = DATA / "suppliers/cdmx_sefin_proveedores_2015.json"
OCDS = DATA / "ocds"
GARZA_RFC = "GGA8306134F4"  # SFP: debarred 2026-06-10 to 2028-03-28
GARZA = {"name": "GARZA GAS SA DE CV"}  # the same firm, by name

DATA_TABLES = (
    "parties",
    "awards",
    "award_suppliers",
    "sanctions",
    "supplier_entries",
    "record_history",
    "quarantine",
)


def sat_lines(n_rows: int) -> list[bytes]:
    """The real 69-B file's preamble, header and first `n_rows` rows, as cp1252 lines."""
    lines = SAT.read_bytes().split(b"\r\n")
    return lines[: 3 + n_rows]


def set_cell(line: bytes, index: int, value: str) -> bytes:
    """The same CSV line with one cell replaced (quotes kept where the cells need them)."""
    cells = next(csv.reader([line.decode("cp1252")]))
    cells[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue().encode("cp1252")


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return path


def snapshot(settings: Settings) -> dict[str, Any]:
    """Every data table's full content, to prove that something changed nothing."""
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            return {
                table: sorted(
                    tuple(str(v) for v in row)
                    for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
                )
                for table in DATA_TABLES
            }
    finally:
        engine.dispose()


def rows(settings: Settings, sql: str, **params: Any) -> list[Any]:
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def write_award(
    path: Path,
    *,
    ocid: str,
    supplier: str,
    rfc: str,
    day: str,
    buyer: str = "SECRETARIA DE SALUD",
    amount: float = 125000.0,
) -> Path:
    """One OCDS release: `buyer` awards `supplier` (with its RFC, under scheme MX-RFC) on `day`."""
    release = {
        "ocid": ocid,
        "id": f"{ocid}-1",
        "date": f"{day}T10:00:00-06:00",
        "tag": ["award"],
        "buyer": {"id": "B1", "name": buyer},
        "parties": [
            {"id": "B1", "name": buyer, "roles": ["buyer"]},
            {
                "id": "S1",
                "name": supplier,
                "identifier": {"scheme": "MX-RFC", "id": rfc},
                "roles": ["supplier"],
            },
        ],
        "awards": [
            {
                "id": f"{ocid}-A1",
                "title": "Suministro de material de curación",
                "status": "active",
                "date": f"{day}T00:00:00-06:00",
                "value": {"amount": amount, "currency": "MXN"},
                "suppliers": [{"id": "S1", "name": supplier}],
            }
        ],
    }
    path.write_text(json.dumps({"releases": [release]}, ensure_ascii=False), encoding="utf-8")
    return path


# Another company's RFC, one whose letters CORPORATIVO DIJECH (CDI210804L50, debarred from
# 2026-04-02 in the bundled SFP directory) cannot have.
MISFILED_RFC = "QZX850101AB1"


def misfiled_award(path: Path, *, day: str) -> Path:
    """An award to CORPORATIVO DIJECH filed under `MISFILED_RFC` on `day`."""
    return write_award(
        path,
        ocid="ocds-test-dijech",
        supplier="CORPORATIVO DIJECH SA DE CV",
        rfc=MISFILED_RFC,
        day=day,
    )


def insert_run(conn: sa.Connection) -> int:
    """A running ingest run to hang rows on, for tests that call the store directly."""
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO ingest_runs (kind, format, scope, origin, source_file, started_at, "
                "status, read, loaded, updated, unchanged, rejected, withdrawn) VALUES "
                "('sanctions', 'x', 'x', 'x', 'x', :now, 'running', 0, 0, 0, 0, 0, 0) "
                "RETURNING id"
            ),
            {"now": datetime.now(UTC)},
        ).scalar_one()
    )


def ingest(
    settings: Settings, job: Job, *locations: Path | str, force: bool = False
) -> IngestSummary:
    """One ingest job over `locations`, as `testigo ingest` runs it."""
    engine = make_engine(settings)
    try:
        return run_job(
            job, [str(x) for x in locations], engine=engine, settings=settings, force=force
        )
    finally:
        engine.dispose()


def ingest_files(settings: Settings, *jobs: tuple[Job, Path]) -> None:
    """Run each ingest job on its file, in order, as `testigo ingest` would."""
    for job, path in jobs:
        ingest(settings, job, path)


def link_records(settings: Settings, **options: bool) -> LinkSummary:
    """`testigo link` with the deployment's options (and these overrides)."""
    engine = make_engine(settings)
    try:
        return link(engine, link_options(settings, **options))
    finally:
        engine.dispose()


def new_key(settings: Settings, role: str, name: str | None = None) -> str:
    """A fresh API key of `role`, named `name` (else after its role)."""
    engine = make_engine(settings)
    try:
        _, key = keys.create(engine, role=role, name=name or f"{role} at the ministry")
    finally:
        engine.dispose()
    return key


def bearer(settings: Settings, role: str, name: str | None = None) -> dict[str, str]:
    """The headers of a request sent with a fresh key of `role` (named `name`)."""
    return {"Authorization": f"Bearer {new_key(settings, role, name)}"}


def prepare_site(settings: Settings, trained_model: Path, scratch: Path) -> Settings:
    """The registries, and GARZA GAS winning an award inside its debarment: linked, scanned."""
    from app.alerts.detect import scan
    from ingest.jobs import ocds_job, sanctions_job

    use_model(settings, trained_model)
    award = write_award(
        scratch / "award.json",
        ocid="ocds-test-garza-1",
        supplier="GARZA GAS, S.A. DE C.V.",
        rfc=GARZA_RFC,
        day="2026-08-01",
    )
    ingest_files(
        settings,
        (sanctions_job("sfp"), SFP),
        (sanctions_job("sat-69b"), SAT),
        (ocds_job(), award),
    )
    link_records(settings)
    engine = make_engine(settings)
    try:
        assert scan(engine).alerts_new >= 1
    finally:
        engine.dispose()
    return settings


def use_model(settings: Settings, trained_model: Path) -> None:
    """Put the session's trained model where `settings` looks for it, so linking trains none."""
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(trained_model, settings.model_dir / trained_model.name)


# The SAT 69-B list as SAT writes it today (20 columns), for tests that build their own.
CURRENT_HEADER = [
    "No",
    "RFC",
    "Nombre del Contribuyente",
    "Situación del contribuyente",
    "Número y fecha de oficio global de presunción SAT",
    "Publicación página SAT presuntos",
    "Número y fecha de oficio global de presunción DOF",
    "Publicación DOF presuntos",
    "Número y fecha de oficio global de contribuyentes que desvirtuaron SAT",
    "Publicación página SAT desvirtuados",
    "Número y fecha de oficio global de contribuyentes que desvirtuaron DOF",
    "Publicación DOF desvirtuados",
    "Número y fecha de oficio global de definitivos SAT",
    "Publicación página SAT definitivos",
    "Número y fecha de oficio global de definitivos DOF",
    "Publicación DOF definitivos",
    "Número y fecha de oficio global de sentencia favorable SAT",
    "Publicación página SAT sentencia favorable",
    "Número y fecha de oficio global de sentencia favorable DOF",
    "Publicación DOF sentencia favorable",
]
PREAMBLE = [["Información actualizada al 18 de mayo de 2021"], ["Listado completo (Artículo 69-B)"]]


def current_row(no: int, rfc: str, name: str, status: str, **stages: str) -> list[str]:
    """A 20-cell data row; stages: presunto_sat, presunto_dof, definitivo_dof, ... (dates)."""
    cells = [str(no), rfc, name, status] + [""] * 16
    for offset, stage in enumerate(("presunto", "desvirtuado", "definitivo", "sentencia")):
        base = 4 + offset * 4
        for shift, channel in ((0, "sat"), (2, "dof")):
            published = stages.get(f"{stage}_{channel}")
            if published is not None:
                cells[base + shift] = f"500-05-2018-{no}{shift} de fecha 1 de enero de 2018"
                cells[base + shift + 1] = published
    return cells


def write_69b(
    directory: Path,
    data: list[list[str]],
    *,
    header: list[str] | None = None,
    preamble: list[list[str]] | None = None,
    encoding: str = "cp1252",
) -> Path:
    """A 69-B list as SAT writes it: preamble, header, CRLF rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in PREAMBLE if preamble is None else preamble:
        writer.writerow(line)
    writer.writerow(CURRENT_HEADER if header is None else header)
    writer.writerows(data)
    path = directory / "listado.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
