"""Plain functions that build test inputs and read back what was stored."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.db import make_engine
from app.settings import Settings
from tests.conftest import DATA

SFP = DATA / "sanctions/sfp_directorio_sancionados_2026-06-11.json"
SAT = DATA / "sanctions/sat_69b_listado_completo_2021-05-18.csv"
CDMX_SUPPLIERS = DATA / "suppliers/cdmx_sefin_proveedores_2015.json"
OCDS = DATA / "ocds"

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
