"""What is loaded, counted: parties, awards, sanctions per registry and kind, supplier registers,
quarantined rows and ingest runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, select

from app.store.tables import Award, IngestRun, Party, QuarantinedRow, Sanction, SupplierEntry


def _has_role(role: str) -> ColumnElement[bool]:
    """Parties with exactly this role. Roles are stored space-separated, and a substring test
    would also count `invitedSupplier` or `issuingSupplier` as `supplier`."""
    return literal(" ").concat(Party.roles).concat(" ").like(f"% {role} %")


def summary(*, conn: Connection) -> dict[str, Any]:
    def count(model: Any, *where: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one())

    sanctions_by = {
        f"{registry}:{kind}": n
        for registry, kind, n in conn.execute(
            select(Sanction.registry_code, Sanction.kind, func.count())
            .where(Sanction.status == "active")
            .group_by(Sanction.registry_code, Sanction.kind)
            .order_by(Sanction.registry_code, Sanction.kind)
        )
    }
    registers = {
        register: n
        for register, n in conn.execute(
            select(SupplierEntry.register, func.count())
            .where(SupplierEntry.status == "active")
            .group_by(SupplierEntry.register)
        )
    }
    runs = conn.execute(
        select(IngestRun.kind, IngestRun.status, func.count()).group_by(
            IngestRun.kind, IngestRun.status
        )
    ).all()
    last = conn.execute(select(func.max(IngestRun.finished_at))).scalar_one()
    return {
        "parties": count(Party),
        "suppliers_in_awards": count(Party, _has_role("supplier")),
        "awards": count(Award, Award.kind == "award"),
        "contracts": count(Award, Award.kind == "contract"),
        "sanctions": count(Sanction, Sanction.status == "active"),
        "sanctions_withdrawn": count(Sanction, Sanction.status == "withdrawn"),
        "sanctions_by_registry_and_kind": sanctions_by,
        "supplier_entries": registers,
        "quarantined_rows": count(QuarantinedRow),
        "ingest_runs": {f"{kind}:{status}": n for kind, status, n in runs},
        "last_ingest_finished_at": last.isoformat() if last else None,
    }
