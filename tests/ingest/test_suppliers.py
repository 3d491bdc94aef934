from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from app.settings import Settings
from app.store.engine import make_engine
from ingest.jobs import suppliers_job
from ingest.pipeline import run_job
from ingest.rows import Rejected, SupplierEntryRow, UnreadableSource
from ingest.suppliers import parse_mapping, read_cdmx_sefin, read_csv_register

CDMX = Path(__file__).resolve().parents[2] / "data/suppliers/cdmx_sefin_proveedores_2015.json"
MAPPING = {"name": "Proveedor", "rfc": "RFC", "id": "Folio", "postal_code": "CP"}


def _rows(items: list[SupplierEntryRow | Rejected]) -> list[SupplierEntryRow]:
    return [item for item in items if isinstance(item, SupplierEntryRow)]


def _rejected(items: list[SupplierEntryRow | Rejected]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


# --- CDMX SEFIN ---------------------------------------------------------------------------------


def test_cdmx_real_file() -> None:
    items = list(read_cdmx_sefin(CDMX))
    rows = _rows(items)
    assert len(items) == len(rows) == 500
    first = rows[0]
    assert first.register == "cdmx-sefin"
    assert (first.register_id, first.source_key, first.position) == (
        "167",
        "cdmx-sefin:167",
        "item 0",
    )
    assert first.name == "AREA CONSULTORES Y CONSTRUCTORES"
    assert first.rfc_raw == "ACC060127JD6"
    assert first.address.postal_code == "04460"
    assert first.address.locality == "AVANTE COYOACAN"  # padded, glued fields collapsed
    assert first.address.region == "DF"
    assert rows[-1].position == "item 499"
    assert len({row.source_key for row in rows}) == 500
    for row in rows:
        for value in (row.name, row.rfc_raw, row.address.street, row.address.locality):
            assert value is None or (value == value.strip() and "  " not in value)


def test_cdmx_rejects_rows_without_name_and_rfc(tmp_path: Path) -> None:
    path = tmp_path / "cdmx.json"
    path.write_text(
        '[{"proveedor": {"id": "1", "rfc": "   ", "razonSocial": "  "}},'
        ' {"proveedor": {"id": "2", "rfc": "GGA8306134F4 ", "razonSocial": null}},'
        ' {"otro": 1}]',
        encoding="utf-8",
    )
    items = list(read_cdmx_sefin(path))
    assert [type(item).__name__ for item in items] == ["Rejected", "SupplierEntryRow", "Rejected"]
    assert _rejected(items)[0].position == "item 0"
    assert _rows(items)[0].rfc_raw == "GGA8306134F4"


def test_cdmx_not_an_array_or_broken(tmp_path: Path) -> None:
    obj = tmp_path / "obj.json"
    obj.write_text('{"proveedor": {}}', encoding="utf-8")
    with pytest.raises(UnreadableSource):
        list(read_cdmx_sefin(obj))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"proveedor": {"id": "1", "razonSocial": "A"}}, {"prov', encoding="utf-8")
    items = read_cdmx_sefin(broken)
    assert isinstance(next(items), SupplierEntryRow)
    with pytest.raises(UnreadableSource):
        next(items)


# --- CSV registers ------------------------------------------------------------------------------


def test_csv_utf8_comma(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "Folio,Proveedor,RFC,CP\n"
        "P1,  Construcciones   Peña SA de CV ,ggA-830613 4f4,4460\n"
        '"P2","COMERCIALIZADORA ""EL SOL"", S.A.",,06600\n',
        encoding="utf-8",
    )
    rows = _rows(list(read_csv_register(path, MAPPING, register="jalisco")))
    assert [row.name for row in rows] == [
        "Construcciones Peña SA de CV",
        'COMERCIALIZADORA "EL SOL", S.A.',
    ]
    assert rows[0].rfc_raw == "ggA-830613 4f4"  # as published, only stripped
    assert rows[0].address.postal_code == "04460"  # leading zero lost by a spreadsheet
    assert [row.source_key for row in rows] == ["jalisco:P1", "jalisco:P2"]
    assert [row.position for row in rows] == ["line 2", "line 3"]
    assert rows[1].rfc_raw is None


def test_csv_cp1252_semicolon(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    text = (
        "Proveedor;RFC;Dirección\r\nCORTÉS Y ASOCIADOS;CAS900101AB1;Av. Núñez 1\r\nÑANDÚ SA;;\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    mapping = {"name": "Proveedor", "rfc": "RFC", "street": "dirección"}
    rows = _rows(list(read_csv_register(path, mapping, register="edomex")))
    assert [row.name for row in rows] == ["CORTÉS Y ASOCIADOS", "ÑANDÚ SA"]
    assert rows[0].address.street == "Av. Núñez 1"
    assert rows[0].source_key == "edomex:rfc:CAS900101AB1"
    assert rows[1].source_key == "edomex:name:ÑANDÚ SA"
    assert rows[1].position == "line 3"


def test_csv_cp1252_byte_late_in_file(tmp_path: Path) -> None:
    lines = ["Proveedor|RFC"] + [f"EMPRESA {n}|" for n in range(20000)] + ["ÚLTIMA|"]
    (tmp_path / "r.csv").write_bytes("\n".join(lines).encode("cp1252"))
    items = list(read_csv_register(tmp_path / "r.csv", {"name": "Proveedor"}, register="x"))
    assert len(items) == 20001
    assert _rows(items)[-1].name == "ÚLTIMA"


def test_csv_utf8_bom_and_tab(tmp_path: Path) -> None:
    path = tmp_path / "r.tsv"
    path.write_text("\ufeffProveedor\tRFC\nÁGUILA SA\tAGU900101AB1\n", encoding="utf-8")
    rows = _rows(list(read_csv_register(path, {"name": "Proveedor"}, register="x")))
    assert [row.name for row in rows] == ["ÁGUILA SA"]


def test_csv_missing_column_lists_available(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Nombre,RFC\nA,B\n", encoding="utf-8")
    with pytest.raises(UnreadableSource, match=r"Proveedor.*available columns: 'Nombre', 'RFC'"):
        list(read_csv_register(path, {"name": "Proveedor"}, register="x"))


def test_csv_ragged_and_empty_name_rejected(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'Folio,Proveedor,RFC,CP\nP1,UNO,,\nP2,DOS\nP3,"TRES\nCON SALTO",,\n'
        "P4,  ,,\n,,,\nP5,CINCO,,\n",
        encoding="utf-8",
    )
    items = list(read_csv_register(path, MAPPING, register="x"))
    rows, rejected = _rows(items), _rejected(items)
    assert [row.name for row in rows] == ["UNO", "TRES CON SALTO", "CINCO"]
    assert [row.position for row in rows] == ["line 2", "line 4", "line 8"]
    assert [(r.position, r.raw) for r in rejected] == [("line 3", "P2,DOS"), ("line 6", "P4,  ,,")]
    assert "columns" in rejected[0].reason
    assert "name" in rejected[1].reason


def test_csv_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "Folio,Proveedor,RFC,CP\n"
        "P1,UNO,,\nP1,UNO BIS,,\n"
        ",DOS,XAXX010101000,\n,TRES,XAXX010101000,\n"
        ",CUATRO,GGA8306134F4,\n,CUATRO SA,gga-830613-4f4,\nP1,UNO TER,,\n",
        encoding="utf-8",
    )
    keys = [row.source_key for row in _rows(list(read_csv_register(path, MAPPING, register="x")))]
    assert keys == [
        "x:P1",
        "x:P1#2",
        "x:name:DOS",  # a generic RFC identifies nobody: not a key
        "x:name:TRES",
        "x:rfc:GGA8306134F4",
        "x:rfc:GGA8306134F4#2",
        "x:P1#3",
    ]


def test_csv_explicit_encoding_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("Proveedor\nPEÑA\n".encode("cp1252"))
    with pytest.raises(UnreadableSource):
        list(read_csv_register(path, {"name": "Proveedor"}, register="x", encoding="utf-8"))
    rows = _rows(
        list(read_csv_register(path, {"name": "Proveedor"}, register="x", encoding="cp1252"))
    )
    assert rows[0].name == "PEÑA"


def test_bad_mapping_rejected_early(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="name"):
        read_csv_register(tmp_path / "absent.csv", {"rfc": "RFC"}, register="x")
    with pytest.raises(ValueError, match="unknown"):
        read_csv_register(tmp_path / "absent.csv", {"name": "A", "phone": "B"}, register="x")


def test_parse_mapping() -> None:
    assert parse_mapping("name=Proveedor o contratista, rfc=RFC ,id=Folio en el RUPC") == {
        "name": "Proveedor o contratista",
        "rfc": "RFC",
        "id": "Folio en el RUPC",
    }
    for bad, message in [
        ("name", "expected field=Column"),
        ("name=", "expected field=Column"),
        ("name=A,colour=B", "unknown"),
        ("name=A,name=B", "twice"),
        ("rfc=RFC", "name"),
        ("", "name"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_mapping(bad)


def test_csv_register_without_rfc_or_address_columns_keeps_what_an_earlier_file_said(
    tmp_path: Path, db_settings: Settings
) -> None:
    """A register export that drops the RFC and address columns is sparser, not a correction:
    the stored RFC and street stay; the name it does publish is updated."""
    full = tmp_path / "rupc_full.csv"
    full.write_text(
        "Folio,Proveedor,RFC,Calle\n"
        "R-1,COMERCIALIZADORA ÁLAMO SA DE CV,CAL140908936,AV. REFORMA 10\n"
        "R-2,JUAN PÉREZ LÓPEZ,PELJ800101AB1,CALLE 5\n",
        encoding="utf-8",
    )
    sparse = tmp_path / "rupc_names.csv"
    sparse.write_text(
        "Folio,Proveedor\nR-1,COMERCIALIZADORA ALAMO SA DE CV\nR-2,JUAN PÉREZ LÓPEZ\n",
        encoding="utf-8",
    )
    engine = make_engine(db_settings)
    try:
        run_job(
            suppliers_job(
                "csv",
                mapping=parse_mapping("name=Proveedor,rfc=RFC,id=Folio,street=Calle"),
                register="rupc",
            ),
            [str(full)],
            engine=engine,
            settings=db_settings,
        )
        summary = run_job(
            suppliers_job("csv", mapping=parse_mapping("name=Proveedor,id=Folio"), register="rupc"),
            [str(sparse)],
            engine=engine,
            settings=db_settings,
        )
        with engine.connect() as conn:
            stored = {
                r.register_id: r
                for r in conn.execute(
                    sa.text("SELECT register_id, name, rfc, rfc_raw, street FROM supplier_entries")
                )
            }
    finally:
        engine.dispose()
    assert (summary.total("updated"), summary.total("unchanged")) == (1, 1)
    assert stored["R-1"].name == "COMERCIALIZADORA ALAMO SA DE CV"  # published: updated
    assert (stored["R-1"].rfc, stored["R-1"].street) == ("CAL140908936", "AV. REFORMA 10")
    assert (stored["R-2"].rfc_raw, stored["R-2"].street) == ("PELJ800101AB1", "CALLE 5")
