"""Every form of the SFP directory: the JSON API capture, the current XLSX download (real, first
300 rows) and the older ",\t" CSV export, told apart by content; one key per case across forms;
the period parser."""

from __future__ import annotations

import shutil
import zipfile
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.settings import Settings
from ingest.jobs import sanctions_job
from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions import read_sfp
from ingest.sanctions.periods import Period, add_period, parse_period
from ingest.sanctions.sfp import detect_form
from ingest.sanctions.sfp_case import JSON_ONLY_DETAILS
from tests.factories import SAT, SFP, ingest, rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
XLSX = FIXTURES / "sfp_proveedores_sancionados_2026-03_first300.xlsx"
# No real sample of the older CSV export exists: this fixture was written by hand after its
# described layout (",\t" separator, no RFC, free-text PLAZO, DD/MM/YYYY, title lines above
# the header), with invented firms; it is cp1252, and the tests re-encode it as UTF-8.
CSV_CP1252 = FIXTURES / "sfp_directorio_export_2016_cp1252.csv"
XLSX_ABSENT = frozenset({"rfc_raw"}) | JSON_ONLY_DETAILS


def rows_of(items: list[SanctionRow | Rejected]) -> list[SanctionRow]:
    return [item for item in items if isinstance(item, SanctionRow)]


def rejects_of(items: list[SanctionRow | Rejected]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


@pytest.fixture(scope="module")
def xlsx_rows() -> list[SanctionRow]:
    items = list(read_sfp(XLSX))
    assert rejects_of(items) == []
    return rows_of(items)


@pytest.fixture(scope="module")
def json_rows() -> dict[str, SanctionRow]:
    return {row.source_key: row for row in rows_of(list(read_sfp(SFP)))}


# --- XLSX: the real download ---------------------------------------------------------------


def test_xlsx_reads_every_row(xlsx_rows: list[SanctionRow]) -> None:
    assert len(xlsx_rows) == 300
    assert Counter(row.kind for row in xlsx_rows) == {"debarment": 300}
    assert len({row.source_key for row in xlsx_rows}) == 300
    first = xlsx_rows[0]
    assert first.position == "row 2" and xlsx_rows[-1].position == "row 301"
    assert first.name == "COMERCIALIZADORA SVR, S.A. DE C.V."  # trailing tab gone
    assert first.rfc_raw is None and first.absent == XLSX_ABSENT
    assert (first.start_date, first.end_date) == (date(2026, 2, 21), date(2027, 2, 21))
    assert first.amount == Decimal("555644.00") and first.currency == "MXN"
    assert first.case_number == "0237/2022" and first.raw_status == "1 año"
    assert first.details["numero_procedimiento"] == "PA-0030/2024"
    assert first.details["plazo_inha"] == "1 año"
    assert first.authority == "INSTITUTO MEXICANO DEL SEGURO SOCIAL"
    assert all(row.absent == XLSX_ABSENT for row in xlsx_rows)


def test_xlsx_and_json_give_one_key_per_case(
    xlsx_rows: list[SanctionRow], json_rows: dict[str, SanctionRow]
) -> None:
    assert len(json_rows) == 2396  # still unique on the whole capture
    shared = [row for row in xlsx_rows if row.source_key in json_rows]
    # 14 of the March XLSX's first 300 cases are no longer in the June JSON (checked by short
    # numbers alone: none of them is there under another agency's spelling either), and one
    # (STATION BUSINESS GROUP) was re-dated between the two: its start date is in the key, so
    # the March dates are another record, never an overwrite of June's.
    assert len(shared) == 285
    short = {(r.details["numero_procedimiento"], r.case_number): r.name for r in json_rows.values()}
    by_case = {key.partition("@")[0]: r for key, r in json_rows.items()}
    redated = []
    for row in xlsx_rows:
        if row.source_key not in json_rows:
            twin = by_case.get(row.source_key.partition("@")[0])
            if twin is not None:
                assert twin.start_date != row.start_date
                redated.append(row.name)
            else:
                assert short.get((row.details["numero_procedimiento"], row.case_number)) != row.name
    assert redated == ["STATION BUSINESS GROUP AND SERVICES, S.A. DE C.V."]
    # The same case says the same things in both forms, but for the agency's letter case.
    for row in shared:
        twin = json_rows[row.source_key]
        assert (row.name, row.case_number, row.raw_status) == (
            twin.name,
            twin.case_number,
            twin.raw_status,
        )
        assert row.authority is not None and twin.authority is not None
        assert row.authority.upper() == " ".join(twin.authority.upper().split())
    same_dates = sum(
        (r.start_date, r.end_date, r.amount)
        == (
            json_rows[r.source_key].start_date,
            json_rows[r.source_key].end_date,
            json_rows[r.source_key].amount,
        )
        for r in shared
    )
    # Every shared case agrees on its dates and amount (the end GEN INDUSTRIAL publishes before
    # its start is computed from its period in both forms alike).
    assert same_dates == len(shared)


def test_xlsx_loads_on_both_engines(db_settings: Settings) -> None:
    summary = ingest(db_settings, sanctions_job("sfp"), XLSX)
    assert summary.failed == 0
    assert summary.total("read") == 300
    assert summary.total("loaded") + summary.total("rejected") == 300
    assert summary.total("rejected") == 0
    stored = rows(
        db_settings,
        "SELECT count(*) AS n, count(rfc) AS with_rfc, count(end_date) AS ended FROM sanctions",
    )[0]
    assert (stored.n, stored.with_rfc, stored.ended) == (300, 0, 300)


def test_json_then_xlsx_updates_the_same_records(db_settings: Settings) -> None:
    ingest(db_settings, sanctions_job("sfp"), SFP)
    partial = sanctions_job("sfp", snapshot=False)  # the XLSX sample is the first 300 rows only
    summary = ingest(db_settings, partial, XLSX)
    assert summary.failed == 0
    # 14 cases the June JSON no longer lists, and 1 it re-dated (another start: another record).
    assert summary.total("loaded") == 15
    assert summary.total("updated") + summary.total("unchanged") == 285
    assert rows(db_settings, "SELECT count(*) AS n FROM sanctions")[0].n == 2396 + 15


# The XLSX publishes no RFC: the store keeps the JSON's (absent, not empty).
def test_json_then_xlsx_keeps_the_rfc(db_settings: Settings) -> None:
    ingest(db_settings, sanctions_job("sfp"), SFP)
    ingest(db_settings, sanctions_job("sfp", snapshot=False), XLSX)
    gvicoa = rows(
        db_settings,
        "SELECT rfc, details FROM sanctions WHERE source_key = :key",
        key="sfp:PA-0038/2024:0246/2022:INSTITUTO MEXICANO DEL SEGURO SOCIAL@2026-02-21",
    )
    assert len(gvicoa) == 1 and gvicoa[0].rfc is not None
    assert "clave_dependencia" in str(gvicoa[0].details)


# --- XLSX: what re-saved and future workbooks may look like --------------------------------


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        day = value.date() if isinstance(value, datetime) else value
        serial = (day - date(1899, 12, 30)).days
        return f'<c r="{ref}" s="1"><v>{serial}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return (
        f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
    )


def write_xlsx(path: Path, table: list[list[object]], sheet: str = "data") -> Path:
    """A minimal workbook: inline strings, numbers, and dates as serials in a date style."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    body = "".join(
        f'<row r="{r}">'
        + "".join(_cell(f"{letters[c]}{r}", v) for c, v in enumerate(cells))
        + "</row>"
        for r, cells in enumerate(table, start=1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument"'
            ' Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="{sheet}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{rel}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{main}"><fonts count="1"><font/></fonts><fills count="1">'
            '<fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1">'
            '<xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>'
        ),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, xml in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + xml)
    return path


def test_xlsx_title_rows_real_dates_missing_and_extra_columns(tmp_path: Path) -> None:
    header: list[object] = [
        "Proveedor y Contratista",
        "OIC Responsable",
        "Procedimiento Administrativo",
        "Expediente",
        "Inicio de la sanción",
        "Monto de la Multa",
        "Periodo de Inhabilitación",
        "Observaciones",
    ]  # no "Ley infringida", no "Fin de la sanción", columns reordered, one unknown
    imss = "INSTITUTO MEXICANO DEL SEGURO SOCIAL"
    table: list[list[object]] = [
        ["Directorio de Proveedores y Contratistas Sancionados"],
        ["Fecha de corte:", date(2026, 3, 1)],
        [],
        header,
        [
            "GVICOA, S.A. DE C.V.\t",
            imss,
            "PA-0038/2024",
            "0246/2022",
            date(2026, 2, 21),
            745705.0,
            "1 año, 3 meses",
            "pagada",
        ],
        ["UNO Y DOS, S.C.", imss, "PA-0001/2025", 246, "21-02-2026", 1000, "indefinido", None],
        ["SOLO MULTA, S.A.", imss, "PA-0002/2025", "0001/2025", None, "  86,190.00", None],
        ["FECHA MALA, S.A.", imss, "PA-0003/2025", "0002/2025", "31-02-2026", 5, "3 meses"],
        [None, imss, "PA-0004/2025", "0003/2025", "01-01-2026", 5, "3 meses"],
        [],
        [None, None, None],
    ]
    path = write_xlsx(tmp_path / "descarga.xlsx", table)
    items = list(read_sfp(path))
    good, bad = rows_of(items), rejects_of(items)
    assert [r.position for r in good] == ["row 5", "row 6", "row 7"]
    gvicoa, numeric, fine = good
    assert gvicoa.name == "GVICOA, S.A. DE C.V."
    assert (gvicoa.start_date, gvicoa.end_date) == (date(2026, 2, 21), date(2027, 5, 21))
    assert gvicoa.details["fecha_final_calculada"] is True
    assert gvicoa.details["otras_columnas"] == {"Observaciones": "pagada"}
    assert gvicoa.amount == Decimal("745705.00")
    assert gvicoa.source_key == (
        "sfp:PA-0038/2024:0246/2022:INSTITUTO MEXICANO DEL SEGURO SOCIAL@2026-02-21"
    )
    assert gvicoa.absent == XLSX_ABSENT | {"details.leyes_infringidas"}
    assert numeric.case_number == "246"  # a number typed into a text column
    assert numeric.end_date is None and "fecha_final_calculada" not in numeric.details
    assert "end_date" in numeric.absent  # not published, not computable: keep what was stored
    assert fine.kind == "fine" and fine.amount == Decimal("86190.00") and fine.start_date is None
    assert [r.position for r in bad] == ["row 8", "row 9"]
    assert bad[0].reason == "Inicio de la sanción: not a calendar date: '31-02-2026'"
    assert "Proveedor y Contratista" in bad[1].reason


def test_xlsx_without_sfp_header_is_unreadable(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "otro.xlsx", [["RFC", "Nombre"], ["AAA010101AAA", "X"]])
    with pytest.raises(UnreadableSource, match="no sheet of this workbook"):
        list(read_sfp(path))


# --- CSV: the older export -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_csv_export_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    text = CSV_CP1252.read_bytes().decode("cp1252")
    path = tmp_path / "sancionados.csv"
    path.write_bytes(text.encode(encoding))
    items = list(read_sfp(path))
    good, bad = rows_of(items), rejects_of(items)
    assert len(good) + len(bad) == 10  # data lines; title and blank lines are not rows
    by_name = {r.name: r for r in good}
    penasco = by_name["CONSTRUCTORA PEÑASCO AZUL, S.A. DE C.V."]  # commas inside the name
    assert penasco.authority == "COMISIÓN FEDERAL DE ELECTRICIDAD"
    assert (penasco.start_date, penasco.end_date) == (date(2015, 2, 11), date(2016, 8, 11))
    assert penasco.raw_status == "1 AÑO 6 MESES" and penasco.kind == "debarment"
    assert penasco.details["otras_columnas"]["FECHA DE PUBLICACION EN EL DOF"] == "10/02/2015"
    assert penasco.rfc_raw is None and "rfc_raw" in penasco.absent
    computed = by_name["SERVICIOS INTEGRALES ARRECIFE, S.C."]  # "DOS AÑOS", no end date
    assert computed.end_date == date(2017, 10, 28) and computed.details["fecha_final_calculada"]
    words = by_name["GRUPO FERRETERO LA CIÉNEGA, S.A. DE C.V."]  # "2 (DOS) AÑOS 3 (TRES) MESES"
    assert words.end_date == date(2017, 6, 13)
    assert by_name["SUMINISTROS MÉDICOS DEL BAJÍO, S.A. DE C.V."].end_date == date(2015, 4, 24)
    fine = by_name["JOSÉ ÁNGEL NÚÑEZ ESPINOSA"]
    assert fine.kind == "fine" and fine.amount == Decimal("48510.00")
    assert by_name["TECNOLOGÍA Y EQUIPOS DEL SURESTE, S.A. DE C.V."].end_date is None
    # One expediente, two firms (no procedure column): the name tells the cases apart.
    assert len({r.source_key for r in good}) == len(good)
    assert [(r.position, r.reason) for r in bad] == [
        ("line 12", "INICIO INHABILITACION: not a calendar date: '31/02/2016'"),
        ("line 13", "row has no 'PROVEEDOR O CONTRATISTA' (the sanctioned supplier)"),
    ]


def test_csv_export_loads_on_both_engines(db_settings: Settings) -> None:
    summary = ingest(db_settings, sanctions_job("sfp"), CSV_CP1252)
    assert summary.failed == 0
    assert (summary.total("read"), summary.total("loaded"), summary.total("rejected")) == (10, 8, 2)
    reasons = rows(db_settings, "SELECT position, reason FROM quarantine ORDER BY position")
    assert [r.position for r in reasons] == ["line 12", "line 13"]


def test_csv_resaved_as_plain_csv(tmp_path: Path) -> None:
    path = tmp_path / "resaved.csv"
    path.write_text(
        "Proveedor o contratista;Dependencia;Expediente;Plazo;Fecha de inicio;Multa\n"
        '"ACME; S.A.";SECRETARÍA DE SALUD;0001/2014;TRES MESES;02/01/2015;"1,000.00"\n',
        encoding="utf-8",
    )
    [row] = list(read_sfp(path))
    assert isinstance(row, SanctionRow)
    assert row.name == "ACME; S.A." and row.end_date == date(2015, 4, 2)


# --- detection by content ------------------------------------------------------------------


def test_forms_are_told_apart_by_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "sfp.json"
    shutil.copy(XLSX, renamed)
    assert detect_form(renamed) == "xlsx"
    assert len(rows_of(list(read_sfp(renamed)))) == 300
    json_as_xlsx = tmp_path / "sfp.xlsx"
    json_as_xlsx.write_bytes(b"\xef\xbb\xbf  \n" + b'[{"rfc": "A1"}]')
    assert detect_form(json_as_xlsx) == "json"
    csv_as_json = tmp_path / "export.json"
    shutil.copy(CSV_CP1252, csv_as_json)
    assert detect_form(csv_as_json) == "csv"
    assert len(list(read_sfp(csv_as_json))) == 10


def test_a_csv_that_is_not_sfp_fails_clearly(tmp_path: Path, db_settings: Settings) -> None:
    other = tmp_path / "listado.csv"
    other.write_bytes(b"\r\n".join(SAT.read_bytes().split(b"\r\n")[:20]))
    with pytest.raises(UnreadableSource, match="not an SFP directory export"):
        list(read_sfp(other))
    summary = ingest(db_settings, sanctions_job("sfp"), other)
    assert summary.failed == 1
    assert "not an SFP directory export" in (summary.files[0].error or "")
    assert rows(db_settings, "SELECT count(*) AS n FROM sanctions")[0].n == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b"\x00\x01\x02garbage", "binary file"), (b"PK\x03\x04junk", "Excel")],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x"
    path.write_bytes(content)
    with pytest.raises(UnreadableSource, match=message):
        list(read_sfp(path))


# --- periods -------------------------------------------------------------------------------

PERIODS = [
    ("1 año", Period(1, 0, 0)),
    ("1 año, 3 meses", Period(1, 3, 0)),
    ("3 MESES", Period(0, 3, 0)),
    ("TRES MESES", Period(0, 3, 0)),
    ("1 AÑO 6 MESES", Period(1, 6, 0)),
    ("1 ANO 6 MESES", Period(1, 6, 0)),
    ("DOS AÑOS", Period(2, 0, 0)),
    ("dos anos", Period(2, 0, 0)),
    ("2 (DOS) AÑOS 3 (TRES) MESES", Period(2, 3, 0)),
    ("un año y medio", Period(1, 6, 0)),
    ("1 año, 1 mes", Period(1, 1, 0)),
    ("UN MES", Period(0, 1, 0)),
    ("quince días", Period(0, 0, 15)),
    ("QUINCE DIAS NATURALES", Period(0, 0, 15)),
    ("veintiún días", Period(0, 0, 21)),
    ("veintidós meses", Period(0, 22, 0)),
    ("diez y seis meses", Period(0, 16, 0)),
    ("treinta días", Period(0, 0, 30)),
    ("treinta y un días", Period(0, 0, 31)),
    ("3 años, 9 meses", Period(3, 9, 0)),
    ("", None),
    (None, None),
    ("INDEFINIDO", None),
    ("HASTA QUE PAGUE LA MULTA", None),
    ("3 MESES A PARTIR DE SU NOTIFICACION", None),
    ("3", None),
    ("meses", None),
    ("1 año, 2 años", None),
]


@pytest.mark.parametrize(("text", "expected"), PERIODS)
def test_period_table(text: str | None, expected: Period | None) -> None:
    assert parse_period(text) == expected


_UNIT_WORDS = ["", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
_WORDS = {
    10: "diez",
    11: "once",
    12: "doce",
    13: "trece",
    14: "catorce",
    15: "quince",
    16: "dieciséis",
    17: "diecisiete",
    18: "dieciocho",
    19: "diecinueve",
    20: "veinte",
    22: "veintidós",
    23: "veintitrés",
    26: "veintiséis",
    30: "treinta",
}


def spanish(n: int) -> str:
    """An independent rendering of 1..39 in Spanish words, accents as a writer would put them."""
    if n in _WORDS:
        return _WORDS[n]
    if n < 10:
        return _UNIT_WORDS[n]
    if n < 30:
        return "veinti" + _UNIT_WORDS[n - 20]
    return "treinta y " + _UNIT_WORDS[n - 30]


@given(
    years=st.integers(0, 39),
    months=st.integers(0, 39),
    days=st.integers(0, 39),
    as_words=st.booleans(),
    upper=st.booleans(),
    separator=st.sampled_from([" ", ", ", " y "]),
)
def test_period_round_trip(
    years: int, months: int, days: int, as_words: bool, upper: bool, separator: str
) -> None:
    parts = []
    for value, one, many in (
        (years, "año", "años"),
        (months, "mes", "meses"),
        (days, "día", "días"),
    ):
        if value:
            number = spanish(value) if as_words else str(value)
            parts.append(f"{number} {one if value == 1 else many}")
    text = separator.join(parts)
    text = text.upper() if upper else text
    expected = Period(years, months, days) if parts else None
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("start", "text", "end"),
    [
        (date(2026, 2, 21), "1 año, 3 meses", date(2027, 5, 21)),
        (date(2026, 1, 31), "1 mes", date(2026, 2, 28)),  # no 31 February: its last day
        (date(2024, 2, 29), "1 año", date(2025, 2, 28)),
        (date(2025, 12, 31), "3 meses", date(2026, 3, 31)),
        (date(2026, 6, 10), "treinta días", date(2026, 7, 10)),
    ],
)
def test_add_period(start: date, text: str, end: date) -> None:
    period = parse_period(text)
    assert period is not None and add_period(start, period) == end
