"""The formats `testigo ingest` understands, each tied to its reader and to how it is stored."""

from __future__ import annotations

from functools import partial

from app.errors import BadRequest
from ingest.contracts import read_comprasmx
from ingest.ocds import read_ocds
from ingest.pipeline import Job
from ingest.sanctions import READERS as SANCTION_READERS
from ingest.suppliers import read_cdmx_sefin, read_csv_register

SANCTION_FORMATS = tuple(SANCTION_READERS)
SUPPLIER_FORMATS = ("cdmx-sefin", "csv")
CONTRACT_FORMATS = ("comprasmx",)
REGISTRY_OF = {"sfp": "sfp", "sat-69b": "sat-69b", "pdn-s3": "pdn-s3"}


class JobError(BadRequest, ValueError):
    """Options that do not make a valid ingest; the message says what to pass instead."""


def ocds_job() -> Job:
    return Job(kind="ocds", format="ocds", scope="ocds", read=read_ocds, snapshot=False)


def contracts_job(fmt: str = "comprasmx") -> Job:
    """Contracts published as tables (ComprasMX), stored as OCDS contracts. Not a snapshot: a
    contract missing from a later download stays, as OCDS releases do."""
    if fmt not in CONTRACT_FORMATS:
        raise JobError(
            f"unknown contracts format {fmt!r}; use one of: {', '.join(CONTRACT_FORMATS)}"
        )
    return Job(kind="contracts", format=fmt, scope=fmt, read=read_comprasmx, snapshot=False)


def sanctions_job(fmt: str, *, snapshot: bool = True) -> Job:
    reader = SANCTION_READERS.get(fmt)
    if reader is None:
        raise JobError(
            f"unknown sanctions format {fmt!r}; use one of: {', '.join(SANCTION_FORMATS)}"
        )
    return Job(kind="sanctions", format=fmt, scope=REGISTRY_OF[fmt], read=reader, snapshot=snapshot)


def suppliers_job(
    fmt: str,
    *,
    mapping: dict[str, str] | None = None,
    register: str | None = None,
    encoding: str | None = None,
    snapshot: bool = True,
) -> Job:
    if fmt == "cdmx-sefin":
        return Job(
            kind="suppliers",
            format=fmt,
            scope="cdmx-sefin",
            read=read_cdmx_sefin,
            snapshot=snapshot,
        )
    if fmt == "csv":
        if not mapping:
            raise JobError("--format csv needs --map, e.g. --map 'name=Proveedor,rfc=RFC'")
        if not register:
            raise JobError("--format csv needs --register NAME (e.g. rupc) to tell registers apart")
        reader = partial(read_csv_register, mapping=mapping, register=register, encoding=encoding)
        return Job(kind="suppliers", format=fmt, scope=register, read=reader, snapshot=snapshot)
    raise JobError(f"unknown suppliers format {fmt!r}; use one of: {', '.join(SUPPLIER_FORMATS)}")
