"""A sparser snapshot never erases what an earlier one said.

The real case: the 2026 SAT 69-B open-data file has RFC, name and situation only. Loaded after
the dated 2021 list, each firm keeps its case number, start date and stage records, while a
change of situation (Presunto -> Definitivo) is an update in record_history. The same rule
holds for every registry: a column the row names as absent keeps its stored value; an empty
value in a column the source does publish is a real change.

The 3-column sample holds the first 2,000 lines of a 14,280-row full snapshot, so it is loaded
as a partial file (snapshot=False): as a full one it would withdraw every firm after "C".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.settings import Settings
from app.store import registries
from app.store.engine import make_engine
from app.store.registries import SANCTIONS, SUPPLIER_ENTRIES, upsert_registry_rows
from ingest import rfc_columns
from ingest.convert import sanction_values, supplier_values
from ingest.jobs import sanctions_job
from ingest.pipeline import IngestSummary
from ingest.rows import Address, Rejected, SanctionRow, SupplierEntryRow
from ingest.sanctions import read_sat_69b
from ingest.sanctions.sat69b import KIND_BY_STAGE
from tests import factories
from tests.factories import SAT, insert_run, rows, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
THREE_COLUMNS = FIXTURES / "sat_69b_2026-03-17_3col_first2000.csv"
STAGE_OF_STATUS = {
    "Presunto": "presunto",
    "Definitivo": "definitivo",
    "Desvirtuado": "desvirtuado",
    "Sentencia Favorable": "sentencia_favorable",
}


def ingest(settings: Settings, path: Path, *, snapshot: bool) -> IngestSummary:
    return factories.ingest(settings, sanctions_job("sat-69b", snapshot=snapshot), path, force=True)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def stored_sanctions(settings: Settings) -> dict[str, dict[str, Any]]:
    found = rows(
        settings,
        "SELECT source_key, case_number, start_date, kind, raw_status, name, rfc, details, "
        "status FROM sanctions",
    )
    return {
        r.source_key: {
            "case_number": r.case_number,
            "start_date": str(r.start_date) if r.start_date is not None else None,
            "kind": r.kind,
            "raw_status": r.raw_status,
            "name": r.name,
            "rfc": r.rfc,
            "details": _json(r.details),
            "status": r.status,
        }
        for r in found
    }


def read(path: Path) -> dict[str, SanctionRow]:
    items = list(read_sat_69b(path))
    assert not [i for i in items if isinstance(i, Rejected)]
    return {i.source_key: i for i in items if isinstance(i, SanctionRow)}


def test_three_column_file_after_the_dated_list_keeps_dates_and_records_changes(
    db_settings: Settings,
) -> None:
    first = ingest(db_settings, SAT, snapshot=True)
    assert first.total("loaded") == 12505
    before = stored_sanctions(db_settings)

    sparse = read(THREE_COLUMNS)
    dated = read(SAT)
    # What changed, worked out from the two files alone: the published name (and its note)
    # or the situation. Everything else the 3-column file says nothing about.
    said = {k: (r.name, r.details.get("name_note"), r.raw_status) for k, r in sparse.items()}
    was = {k: (r.name, r.details.get("name_note"), r.raw_status) for k, r in dated.items()}
    new = {k for k in sparse if k not in dated}
    changed = {k for k in sparse if k in dated and said[k] != was[k]}
    moved = {k for k in changed if said[k][2] != was[k][2]}
    assert len(moved) > 100 and new  # the sample has plenty of both

    second = ingest(db_settings, THREE_COLUMNS, snapshot=False)
    assert second.total("read") == len(sparse) == 1989
    assert second.total("loaded") == len(new)
    assert second.total("updated") == len(changed)
    assert second.total("unchanged") == len(sparse) - len(new) - len(changed)
    assert second.total("withdrawn") == 0

    after = stored_sanctions(db_settings)
    assert set(after) == set(before) | new
    for key in sparse.keys() - new:
        old, now = before[key], after[key]
        # Kept: what only the dated list published.
        assert now["case_number"] == old["case_number"], key
        assert now["start_date"] == old["start_date"], key
        assert now["details"]["stages"] == old["details"]["stages"], key
        assert now["details"]["no"] == old["details"]["no"], key
        assert now["rfc"] == old["rfc"], key
        # Followed: what the 3-column file does publish.
        assert now["raw_status"] == sparse[key].raw_status
        assert now["kind"] == KIND_BY_STAGE[STAGE_OF_STATUS[now["raw_status"]]]
        assert now["name"] == sparse[key].name
    for key in before.keys() - sparse.keys():
        assert after[key] == before[key]  # a partial file touches nothing else

    # The situation's change is in the history, with the dates it kept beside it.
    history = rows(
        db_settings,
        "SELECT source_key, change, data FROM record_history WHERE run_id = "
        "(SELECT max(run_id) FROM record_history) ORDER BY id",
    )
    updates = {h.source_key: _json(h.data) for h in history if h.change == "updated"}
    assert set(updates) == changed
    for key in moved:
        assert updates[key]["raw_status"] == sparse[key].raw_status
        assert updates[key]["case_number"] == before[key]["case_number"]
        assert updates[key]["details"]["stages"] == before[key]["details"]["stages"]

    # An example: ARAXAXA's 2020 procedure was Presunto in 2021 and is Definitivo now.
    araxaxa = after["sat-69b:ACO101220B96#2"]
    assert before["sat-69b:ACO101220B96#2"]["kind"] == "efos_presunto"
    assert (araxaxa["kind"], araxaxa["raw_status"]) == ("efos_definitivo", "Definitivo")
    assert araxaxa["case_number"] == "500-05-2020-13801"
    assert araxaxa["start_date"] == "2020-08-21"  # the earlier snapshot's start date stays

    # Re-reading the same sparse file changes nothing.
    kept = snapshot(db_settings)
    third = ingest(db_settings, THREE_COLUMNS, snapshot=False)
    assert (third.total("loaded"), third.total("updated")) == (0, 0)
    assert third.total("unchanged") == len(sparse)
    assert snapshot(db_settings) == kept


def test_a_full_three_column_snapshot_would_withdraw_the_firms_it_no_longer_lists(
    sqlite_settings: Settings,
) -> None:
    # Why the test above loads the sample as partial: as a full snapshot, the 2021 firms
    # past the sample's last line are withdrawn (kept, with their dates, never deleted).
    ingest(sqlite_settings, SAT, snapshot=True)
    before = stored_sanctions(sqlite_settings)
    summary = ingest(sqlite_settings, THREE_COLUMNS, snapshot=True)
    listed = set(read(THREE_COLUMNS))
    assert summary.total("withdrawn") == len(before.keys() - listed)
    after = stored_sanctions(sqlite_settings)
    for key in before.keys() - listed:
        assert after[key]["status"] == "withdrawn"
        assert after[key]["case_number"] == before[key]["case_number"]


# --- the rule itself, at the store ------------------------------------------------------------


@pytest.fixture
def conn(db_settings: Settings) -> Iterator[sa.Connection]:
    engine = make_engine(db_settings)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def listing(**changes: Any) -> SanctionRow:
    row = SanctionRow(
        registry="sat-69b",
        source_key="sat-69b:AAA010101AAA",
        case_number="500-05-2020-13801",
        name="ACME, S.A. DE C.V.",
        rfc_raw="AAA010101AAA",
        person_kind=None,
        kind="efos_presunto",
        start_date=date(2020, 8, 21),
        end_date=None,
        authority="SAT",
        raw_status="Presunto",
        amount=None,
        currency=None,
        details={
            "stages": {"presunto": {"published_dof": "2020-08-21"}},
            "no": "7",
            "name_note": "ANTES ACME",
        },
        position="line 9",
    )
    for field, value in changes.items():
        setattr(row, field, value)
    return row


def upsert(conn: sa.Connection, run_id: int, *items: SanctionRow) -> registries.Counts:
    values = [sanction_values(item, "x.csv") for item in items]
    now = datetime.now(UTC)
    return upsert_registry_rows(SANCTIONS, "sanction", values, conn=conn, run_id=run_id, now=now)


def stored(conn: sa.Connection, table: sa.Table = SANCTIONS) -> dict[str, Any]:
    return dict(conn.execute(sa.select(table)).mappings().one())


SPARSE = frozenset({"case_number", "start_date", "end_date", "details.stages", "details.no"})


def test_absent_columns_keep_their_values_and_an_empty_published_one_is_a_change(
    conn: sa.Connection,
) -> None:
    run_id = insert_run(conn)
    assert upsert(conn, run_id, listing()).loaded == 1
    # Sparse and saying the same: unchanged.
    same = listing(
        case_number=None, start_date=None, details={"name_note": "ANTES ACME"}, absent=SPARSE
    )
    assert upsert(conn, run_id, same).unchanged == 1
    # Sparse, with a new situation and no note (a column it publishes, now empty): updated,
    # the note gone, the dates kept.
    moved = listing(
        kind="efos_definitivo",
        raw_status="Definitivo",
        case_number=None,
        start_date=None,
        details={},
        absent=SPARSE,
    )
    assert upsert(conn, run_id, moved).updated == 1
    row = stored(conn)
    assert (row["kind"], row["case_number"], row["start_date"]) == (
        "efos_definitivo",
        "500-05-2020-13801",
        date(2020, 8, 21),
    )
    assert row["details"] == {"stages": {"presunto": {"published_dof": "2020-08-21"}}, "no": "7"}
    # ... and read again: unchanged, because the hash is the merged row's.
    assert upsert(conn, run_id, moved).unchanged == 1
    # A dense row that publishes an empty case number: a real change.
    assert upsert(conn, run_id, listing(case_number=None)).updated == 1
    assert stored(conn)["case_number"] is None


def test_a_json_path_keeps_only_that_part(conn: sa.Connection) -> None:
    run_id = insert_run(conn)
    stages = {
        "presunto": {"published_dof": "2020-08-21"},
        "definitivo": {"published_dof": "2021-01-05"},
    }
    upsert(conn, run_id, listing(details={"stages": stages, "no": "7"}))
    # A layout without definitivo columns: that stage stays, the others follow the file.
    partial = listing(
        details={"stages": {"presunto": {"published_dof": "2020-08-22"}}, "no": "8"},
        absent=frozenset({"details.stages.definitivo"}),
    )
    assert upsert(conn, run_id, partial).updated == 1
    assert stored(conn)["details"] == {
        "stages": {
            "presunto": {"published_dof": "2020-08-22"},
            "definitivo": {"published_dof": "2021-01-05"},
        },
        "no": "8",
    }


def test_a_new_sparse_row_is_inserted_as_it_is(conn: sa.Connection) -> None:
    run_id = insert_run(conn)
    new = listing(case_number=None, start_date=None, details={}, absent=SPARSE)
    assert upsert(conn, run_id, new).loaded == 1
    row = stored(conn)
    assert (row["case_number"], row["start_date"], row["details"]) == (None, None, {})


def test_stored_values_are_fetched_once_per_batch_for_sparse_keys_only(
    conn: sa.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = insert_run(conn)
    keys = [f"sat-69b:K{i}" for i in range(4)]
    upsert(conn, run_id, *(listing(source_key=k) for k in keys))
    lookups: list[tuple[list[str], tuple[str, ...]]] = []
    original = registries.stored_by_key

    def counting(c: sa.Connection, table: Any, wanted: Any, *extra: str) -> Any:
        lookups.append((sorted(wanted), extra))
        return original(c, table, wanted, *extra)

    monkeypatch.setattr(registries, "stored_by_key", counting)
    dense = [listing(source_key=k) for k in keys[:2]]
    sparse = [listing(source_key=k, start_date=None, absent=SPARSE) for k in keys[2:]]
    assert upsert(conn, run_id, *dense, *sparse).unchanged == 4
    assert lookups == [
        (sorted(keys), ("status",)),
        (keys[2:], ("case_number", "details", "end_date", "start_date")),
    ]
    lookups.clear()
    upsert(conn, run_id, *dense)
    assert len(lookups) == 1  # a full snapshot never pays for the second lookup


def test_an_unknown_absent_field_is_a_reader_bug(conn: sa.Connection) -> None:
    with pytest.raises(ValueError, match="'start'"):
        sanction_values(listing(absent=frozenset({"start"})), "x.csv")


# --- a supplier register: the same rule ---------------------------------------------------------


def entry(**changes: Any) -> SupplierEntryRow:
    row = SupplierEntryRow(
        register="rupc",
        register_id="12345",
        source_key="rupc:12345",
        name="ACME, S.A. DE C.V.",
        rfc_raw="AAA010101AAA",
        address=Address(street="AV. REFORMA 1", locality="CUAUHTEMOC", postal_code="06600"),
        position="line 2",
    )
    for field, value in changes.items():
        setattr(row, field, value)
    return row


def test_a_supplier_register_without_rfc_or_address_keeps_them(conn: sa.Connection) -> None:
    run_id = insert_run(conn)
    now = datetime.now(UTC)

    def put(item: SupplierEntryRow) -> registries.Counts:
        values = [supplier_values(item, "rupc.csv")]
        return upsert_registry_rows(
            SUPPLIER_ENTRIES, "supplier", values, conn=conn, run_id=run_id, now=now
        )

    assert put(entry()).loaded == 1
    full = stored(conn, SUPPLIER_ENTRIES)
    # A later export with neither an RFC column nor an address, and the firm renamed.
    sparse = entry(
        name="ACME GLOBAL, S.A. DE C.V.",
        rfc_raw=None,
        address=Address(),
        absent=frozenset({"rfc_raw", "address"}),
    )
    assert put(sparse).updated == 1
    row = stored(conn, SUPPLIER_ENTRIES)
    assert row["name"] == "ACME GLOBAL, S.A. DE C.V."
    for column in (*rfc_columns.RFC_COLUMNS, "street", "locality", "region", "postal_code"):
        assert row[column] == full[column], column
    assert row["rfc"] == "AAA010101AAA"
    assert put(sparse).unchanged == 1
    # A source that publishes the RFC column, empty this time: the RFC goes.
    assert put(entry(name="ACME GLOBAL, S.A. DE C.V.", rfc_raw=None)).updated == 1
    row = stored(conn, SUPPLIER_ENTRIES)
    assert (row["rfc_raw"], row["rfc"], row["rfc_kind"]) == (None, None, None)
    assert row["street"] == "AV. REFORMA 1"
    history = conn.execute(
        sa.text("SELECT change FROM record_history WHERE record_type = 'supplier' ORDER BY id")
    ).scalars()
    assert list(history) == ["created", "updated", "updated"]
