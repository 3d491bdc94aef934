"""Sanctions readers: the real SFP and SAT 69-B files, synthetic 69-B variants, PDN S3 shapes."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions import READERS, SANCTION_KINDS, read_pdn_s3, read_sat_69b, read_sfp
from tests.factories import current_row, write_69b

ROOT = Path(__file__).resolve().parents[2]
SFP_FILE = ROOT / "data/sanctions/sfp_directorio_sancionados_2026-06-11.json"
SAT_FILE = ROOT / "data/sanctions/sat_69b_listado_completo_2021-05-18.csv"
PDN_DIR = ROOT / "data/sanctions/pdn_s3"
FIXTURES = ROOT / "tests/fixtures"

OLD_HEADER = [
    "No",
    "RFC",
    "Nombre del Contribuyente",
    "Situación del Contribuyente",
    "Número y fecha de oficio global de presunción",
    "Publicación página SAT presuntos",
    "Publicación DOF presuntos",
    "Número y fecha de oficio global de contribuyentes que desvirtuaron",
    "Publicación página SAT desvirtuados",
    "Publicación DOF desvirtuados",
    "Número y fecha de oficio global de definitivos",
    "Publicación página SAT definitivos",
    "Publicación DOF definitivos",
    "Número y fecha de oficio global de sentencia favorable",
    "Publicación página SAT sentencia favorable",
    "Publicación DOF sentencia favorable",
]


# --- helpers -------------------------------------------------------------------------------


def rows_of(items: list[SanctionRow | Rejected]) -> list[SanctionRow]:
    return [item for item in items if isinstance(item, SanctionRow)]


def rejects_of(items: list[SanctionRow | Rejected]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


def write_json(directory: Path, name: str, value: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def sfp_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "numero_expediente": "000270034/2025",
        "numero_procedimiento_adm": "00027PA-0011/2026",
        "rfc": "BRI2302065EA",
        "nombre_razon_social": "BRIGALAG, S.A. DE C.V.",
        "leyes_infringidas": "LAASSP",
        "multa": {"monto": "175367", "monto_cf": "175,367.00"},
        "plazo": {
            "plazo_inha": "3 meses",
            "fecha_inicial": "2026-06-05",
            "fecha_final": "2026-09-05",
        },
        "institucion_dependencia": {
            "nombre": "Secretaría  Anticorrupción ",
            "clave_dependencia": "00027",
        },
    }
    record.update(overrides)
    return record


# --- registry wiring -----------------------------------------------------------------------


def test_readers_registry() -> None:
    assert READERS["sfp"] is read_sfp
    assert READERS["sat-69b"] is read_sat_69b
    assert READERS["pdn-s3"] is read_pdn_s3
    assert "debarment" in SANCTION_KINDS and "efos_definitivo" in SANCTION_KINDS


# --- SFP: the real directory ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sfp_items() -> list[SanctionRow | Rejected]:
    return list(read_sfp(SFP_FILE))


def test_sfp_reads_every_record(sfp_items: list[SanctionRow | Rejected]) -> None:
    expected = len(json.loads(SFP_FILE.read_text(encoding="utf-8")))
    assert expected == 2396
    assert len(rows_of(sfp_items)) + len(rejects_of(sfp_items)) == expected
    assert rejects_of(sfp_items) == []
    kinds = Counter(row.kind for row in rows_of(sfp_items))
    assert kinds == {"debarment": 1850, "fine": 546}  # "about 550 fines"
    assert set(kinds) <= set(SANCTION_KINDS)


def test_sfp_known_record(sfp_items: list[SanctionRow | Rejected]) -> None:
    first = rows_of(sfp_items)[0]
    assert first.rfc_raw == "GGA8306134F4"
    assert first.name == "GARZA GAS, S.A. DE C.V."
    assert first.kind == "debarment"
    assert (first.start_date, first.end_date) == (date(2026, 6, 10), date(2028, 3, 28))
    assert first.amount == Decimal("967896") and first.currency == "MXN"
    assert first.authority == "Aeropuerto Internacional de la Ciudad de Mexico S.A. de C.V."
    assert first.case_number == "0003/2022"  # the short number, as the XLSX shows it
    assert first.raw_status == "1 año, 9 meses"
    assert first.details["numero_procedimiento_adm"] == "09451PA-0001/2026"
    assert first.details["clave_dependencia"] == "09451"
    key = (
        "sfp:PA-0001/2026:0003/2022:AEROPUERTO INTERNACIONAL DE LA CIUDAD DE MEXICO S A DE C V"
        "@2026-06-10"
    )
    assert first.source_key == key
    assert first.position == "item 0" and first.registry == "sfp"


def test_sfp_fines_and_open_ended_debarments(sfp_items: list[SanctionRow | Rejected]) -> None:
    rows = rows_of(sfp_items)
    fines = [row for row in rows if row.kind == "fine"]
    assert all(r.start_date is None and r.amount and r.amount > 0 for r in fines)
    open_ended = [r for r in rows if r.kind == "debarment" and r.end_date is None]
    assert len(open_ended) == 7


def test_sfp_source_keys_unique_and_stable(sfp_items: list[SanctionRow | Rejected]) -> None:
    rows = rows_of(sfp_items)
    keys = Counter(row.source_key for row in rows)
    assert len(keys) == len(rows)
    # FARMACIAS NACIONALES was sanctioned twice under one procedure (2023 and 2026): each
    # sanction's start date tells them apart, so neither renames or overwrites the other.
    pair = {
        r.start_date: r.source_key
        for r in rows
        if "PA-0015/2022:0015/2022:INSTITUTO MEXICANO DEL SEGURO SOCIAL" in r.source_key
    }
    assert pair == {
        date(2023, 6, 20): "sfp:PA-0015/2022:0015/2022:INSTITUTO MEXICANO DEL SEGURO SOCIAL"
        "@2023-06-20",
        date(2026, 4, 2): "sfp:PA-0015/2022:0015/2022:INSTITUTO MEXICANO DEL SEGURO SOCIAL"
        "@2026-04-02",
    }


def test_sfp_synthetic_rejects(tmp_path: Path) -> None:
    records = [
        sfp_record(),
        "not a record",
        sfp_record(rfc=None, nombre_razon_social="  "),
        sfp_record(plazo={"plazo_inha": None, "fecha_inicial": "31/02/2020", "fecha_final": None}),
        sfp_record(multa={"monto": "mucho"}),
        sfp_record(plazo=None, numero_procedimiento_adm="00027PA-0012/2026"),
        sfp_record(
            plazo={"plazo_inha": None, "fecha_inicial": None, "fecha_final": None},
            multa={"monto": "0"},
            numero_procedimiento_adm="00027PA-0013/2026",
        ),
        sfp_record(
            plazo={"plazo_inha": None, "fecha_inicial": "2020-08-14", "fecha_final": None},
            numero_procedimiento_adm="00027PA-0014/2026",
        ),
    ]
    items = list(read_sfp(write_json(tmp_path, "sfp.json", records)))
    assert [getattr(item, "kind", None) for item in items] == [
        "debarment",
        None,
        None,
        None,
        None,
        "fine",
        "other",
        "debarment",
    ]
    rejects = rejects_of(items)
    assert [r.position for r in rejects] == ["item 1", "item 2", "item 3", "item 4"]
    assert "not a JSON object" in rejects[0].reason
    assert "neither" in rejects[1].reason
    assert rejects[2].reason.startswith("plazo.fecha_inicial:")
    assert rejects[3].reason.startswith("multa.monto:")
    assert rows_of(items)[0].authority == "Secretaría Anticorrupción"
    assert rows_of(items)[-1].end_date is None


def test_sfp_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "sfp.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([sfp_record()]).encode("utf-8"))
    [row] = list(read_sfp(path))
    assert isinstance(row, SanctionRow) and row.rfc_raw == "BRI2302065EA"


def test_sfp_not_an_array(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSource):
        list(read_sfp(write_json(tmp_path, "sfp.json", {"results": []})))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"rfc": "A"}, {"rfc": ', encoding="utf-8")
    with pytest.raises(UnreadableSource):
        list(read_sfp(broken))


# --- SAT 69-B: the real list ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sat_items() -> list[SanctionRow | Rejected]:
    return list(read_sat_69b(SAT_FILE))


def count_69b_rows() -> int:
    """Independent count: data rows are the CSV records whose first cell is a number."""
    with SAT_FILE.open(encoding="cp1252", newline="") as stream:
        return sum(1 for cells in csv.reader(stream) if cells and cells[0].strip().isdigit())


def test_69b_reads_every_row(sat_items: list[SanctionRow | Rejected]) -> None:
    expected = count_69b_rows()
    assert expected == 12505
    assert len(rows_of(sat_items)) + len(rejects_of(sat_items)) == expected
    assert rejects_of(sat_items) == []  # two-publication cells ("a // b", "a    b") included
    kinds = Counter(row.kind for row in rows_of(sat_items))
    assert kinds == {
        "efos_definitivo": 10519,
        "efos_sentencia_favorable": 903,
        "efos_presunto": 782,
        "efos_desvirtuado": 301,
    }


def test_69b_first_row(sat_items: list[SanctionRow | Rejected]) -> None:
    first = rows_of(sat_items)[0]
    assert first.position == "line 4"
    assert first.rfc_raw == "AAA080808HL8"
    assert first.name == "ASESORES EN AVALÚOS Y ACTIVOS, S.A. DE C.V."
    assert first.kind == "efos_sentencia_favorable"
    assert first.start_date == date(2019, 4, 16)  # DOF publication of the favourable ruling
    assert first.case_number == "500-05-2019-7305"
    assert first.source_key == "sat-69b:AAA080808HL8"
    assert first.authority == "SAT" and first.registry == "sat-69b"
    assert first.details["stages"]["presunto"]["published_dof"] == "2018-06-25"
    assert first.details["stages"]["definitivo"]["published_sat"] == "2018-09-28"


def test_69b_definitivo_starts_at_its_dof_publication(
    sat_items: list[SanctionRow | Rejected],
) -> None:
    definitivos = [row for row in rows_of(sat_items) if row.kind == "efos_definitivo"]
    row = next(r for r in definitivos if r.rfc_raw == "AAA120730823")
    assert row.start_date == date(2018, 6, 28)
    for r in definitivos:
        stage = r.details["stages"]["definitivo"]
        expected = stage.get("published_dof") or stage["published_sat"]
        assert r.start_date == date.fromisoformat(expected)


def test_69b_quirks(sat_items: list[SanctionRow | Rejected]) -> None:
    rows = rows_of(sat_items)
    assert len({row.source_key for row in rows}) == len(rows)
    # A firm with two procedures: the older listing keeps the plain key.
    abira = {r.kind: r.source_key for r in rows if r.rfc_raw == "AAS110331G59"}
    assert abira == {
        "efos_sentencia_favorable": "sat-69b:AAS110331G59",
        "efos_definitivo": "sat-69b:AAS110331G59#2",
    }
    named = next(r for r in rows if r.source_key == "sat-69b:AAS110331G59#2")
    assert named.name == "ABIRA & SAFFI CORPORATIVO, S. DE R.L. DE C.V."
    assert named.details["name_note"].startswith("En cumplimiento a la sentencia")
    # A suppressed listing whose text spans three physical lines.
    spanning = next(r for r in rows if r.details.get("no") == "12323")
    assert spanning.position == "line 12326" and spanning.rfc_raw is None
    assert spanning.name is None and "\n" not in spanning.details["suppression_note"]
    assert spanning.source_key.startswith("sat-69b:name:INFORMACION SUPRIMIDA")
    after = next(r for r in rows if r.details.get("no") == "12324")
    assert after.position == "line 12329"
    # Trailing spaces, an Excel serial and a two-publication cell.
    assert next(r for r in rows if r.details.get("no") == "20").name == "ALANIS BADILLO MINERVA"
    serial = next(r for r in rows if r.rfc_raw == "AEHE660309SE6")
    assert serial.details["stages"]["presunto"]["published_dof"] == "2020-07-02"
    twice = next(r for r in rows if r.rfc_raw == "BME150423JN6")
    assert twice.details["stages"]["definitivo"]["published_sat"] == "2019-10-17"
    assert twice.details["stages"]["definitivo"]["published_sat_raw"] == "17/10/2019    27/08/2018"


# --- SAT 69-B: synthetic variants ----------------------------------------------------------


def test_69b_older_header(tmp_path: Path) -> None:
    data = [
        [
            "1",
            "AAA010101AAA",
            "UNO, S.A.",
            "Definitivo",
            "500-05-2016-1 de fecha 1 de marzo de 2016",
            "01/03/2016",
            "15/03/2016",
            "",
            "",
            "",
            "500-05-2016-9 de fecha 1 de julio de 2016",
            "01/07/2016",
            "20/07/2016",
            "",
            "",
            "",
        ],
        [
            "2",
            "BBB010101BBB",
            "DOS, S.C.",
            "Presunto",
            "500-05-2016-2 de fecha 2 de marzo de 2016",
            "02/03/2016",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    rows = rows_of(list(read_sat_69b(write_69b(tmp_path, data, header=OLD_HEADER))))
    assert [r.kind for r in rows] == ["efos_definitivo", "efos_presunto"]
    assert rows[0].start_date == date(2016, 7, 20)
    assert rows[0].case_number == "500-05-2016-9"
    assert rows[0].details["stages"]["presunto"] == {
        "oficio": "500-05-2016-1 de fecha 1 de marzo de 2016",
        "published_sat": "2016-03-01",
        "published_dof": "2016-03-15",
    }
    assert rows[1].start_date == date(2016, 3, 2)  # no DOF publication yet: the SAT page's


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_69b_encodings(tmp_path: Path, encoding: str) -> None:
    data = [
        current_row(
            1, "ÑAÑ010101AB1", "MUÑOZ Y ASOCIADOS, S.A.", "Presunto", presunto_dof="05/02/2019"
        )
    ]
    rows = rows_of(list(read_sat_69b(write_69b(tmp_path, data, encoding=encoding))))
    assert [(r.name, r.rfc_raw, r.source_key) for r in rows] == [
        ("MUÑOZ Y ASOCIADOS, S.A.", "ÑAÑ010101AB1", "sat-69b:ÑAÑ010101AB1")
    ]


def test_69b_date_forms_and_bad_date(tmp_path: Path) -> None:
    data = [
        current_row(
            1,
            "AAA010101AA1",
            "RANGO",
            "Definitivo",
            presunto_sat="01/02/2018",
            definitivo_dof="13/05/2020 - 25/03/2019",
        ),
        current_row(2, "AAA010101AA2", "SERIE", "Presunto", presunto_dof="44014"),
        current_row(3, "AAA010101AA3", "CORTO", "Presunto", presunto_dof="14-08-19"),
        current_row(4, "AAA010101AA4", "MALO", "Presunto", presunto_dof="pronto"),
        current_row(5, "AAA010101AA5", "DESPUES", "Desvirtuado", desvirtuado_sat="3/4/2019"),
    ]
    items = list(read_sat_69b(write_69b(tmp_path, data)))
    by_name = {r.name: r for r in rows_of(items)}
    rango = by_name["RANGO"]
    assert rango.start_date == date(2020, 5, 13)
    assert rango.details["stages"]["definitivo"]["published_dof_raw"] == "13/05/2020 - 25/03/2019"
    assert by_name["SERIE"].start_date == date(2020, 7, 2)
    assert by_name["CORTO"].start_date == date(2019, 8, 14)
    assert by_name["DESPUES"].kind == "efos_desvirtuado"
    assert by_name["DESPUES"].start_date == date(2019, 4, 3)
    [reject] = rejects_of(items)
    assert reject.position == "line 7"
    assert reject.reason.startswith("Publicación DOF presuntos:")
    assert reject.raw.startswith("4,AAA010101AA4,MALO,Presunto,")


def test_69b_bad_rows_and_suppressed_rfc(tmp_path: Path) -> None:
    data = [
        ["1", "AAA010101AA1", "CORTA"],
        current_row(2, "", "", "Presunto", presunto_dof="01/01/2020"),
        current_row(
            3,
            "XXXXXXXXXXXX",
            "Información suprimida por orden judicial",
            "Presunto",
            presunto_dof="01/01/2020",
        ),
        current_row(
            4,
            "XXXXXXXXXXXX",
            "Información suprimida por orden judicial",
            "Presunto",
            presunto_dof="01/01/2019",
        ),
        current_row(
            5, "CCC010101CC1 ", "NOMBRE\r\nPARTIDO  ", "Definitivo", definitivo_sat="01/06/2020"
        ),
        current_row(
            6,
            "CCC010101CC1",
            "NOMBRE PARTIDO",
            "Sentencia Favorable",
            presunto_dof="01/01/2015",
            sentencia_dof="01/01/2016",
        ),
        current_row(7, "DDD010101DD1", "OTRA", "En revisión", presunto_dof="01/01/2020"),
    ]
    items = list(read_sat_69b(write_69b(tmp_path, data)))
    rejects = rejects_of(items)
    assert (rejects[0].position, rejects[0].raw) == ("line 4", "1,AAA010101AA1,CORTA")
    assert "3 cells" in rejects[0].reason
    assert rejects[1].position == "line 5" and "neither RFC nor name" in rejects[1].reason
    rows = rows_of(items)
    suppressed = [r for r in rows if r.details.get("rfc_suppressed")]
    assert [r.source_key for r in suppressed] == [
        "sat-69b:name:INFORMACION SUPRIMIDA POR ORDEN JUDICIAL#2",
        "sat-69b:name:INFORMACION SUPRIMIDA POR ORDEN JUDICIAL",  # published first (2019)
    ]
    assert all(r.rfc_raw is None and r.name is None for r in suppressed)
    split = [r for r in rows if r.name == "NOMBRE PARTIDO"]
    assert [(r.position, r.source_key) for r in split] == [
        ("line 8", "sat-69b:CCC010101CC1#2"),  # its presuncion date is unknown: ranked last
        ("line 10", "sat-69b:CCC010101CC1"),
    ]
    assert split[0].rfc_raw == "CCC010101CC1"
    assert rows[-1].kind == "other" and rows[-1].start_date is None


@pytest.mark.parametrize("preamble", [[], [["Título"], ["Fecha"], [""], ["Nota"]]])
def test_69b_any_preamble_length(tmp_path: Path, preamble: list[list[str]]) -> None:
    data = [current_row(1, "AAA010101AA1", "UNO", "Presunto", presunto_dof="01/01/2020")]
    [row] = list(read_sat_69b(write_69b(tmp_path, data, preamble=preamble)))
    assert isinstance(row, SanctionRow)
    assert row.position == f"line {len(preamble) + 2}"


def test_69b_unrecognisable_header(tmp_path: Path) -> None:
    path = write_69b(tmp_path, [["1", "x", "y"]], header=["Folio", "Contribuyente", "Estado"])
    with pytest.raises(UnreadableSource, match="no 69-B header"):
        list(read_sat_69b(path))
    path = write_69b(tmp_path, [["1", "x", "y"]], header=["No", "RFC", "Razón"])
    with pytest.raises(UnreadableSource, match="no name, status column"):
        list(read_sat_69b(path))


# --- PDN System 3 --------------------------------------------------------------------------


def test_pdn_v1_fixture() -> None:
    items = list(read_pdn_s3(FIXTURES / "pdn_s3_v1.json"))
    rows = rows_of(items)
    assert rejects_of(items) == []
    assert [(r.source_key, r.kind, r.position) for r in rows] == [
        ("pdn-s3:S3-0001:debarment", "debarment", "results[0]"),
        ("pdn-s3:S3-0001:fine", "fine", "results[0]"),
        ("pdn-s3:S3-0002:fine", "fine", "results[1]"),
        ("pdn-s3:S3-0003:other", "other", "results[2]"),
    ]
    ban, fine, person_fine, other = rows
    assert (ban.start_date, ban.end_date) == (date(2021, 2, 1), date(2023, 2, 1))
    assert ban.name == "CONSTRUCTORA EJEMPLO, S.A. DE C.V." and ban.person_kind == "company"
    assert ban.rfc_raw == "CEJ100101AB1" and ban.case_number == "PA-0012/2020"
    assert ban.authority == "Instituto Mexicano del Seguro Social"
    assert ban.raw_status == "INHABILITADO" and ban.details["plazo"] == "2 años"
    assert (fine.amount, fine.currency) == (Decimal("125000.5"), "MXN")
    assert fine.start_date is None
    assert person_fine.person_kind == "person" and person_fine.amount == Decimal("48000")
    assert other.details["claves"] == ["S", "A"] and other.rfc_raw is None


def test_pdn_v1_published_example() -> None:
    # The spec's own example uses snake_case keys and bare codes; it must read the same way.
    rows = rows_of(list(read_pdn_s3(PDN_DIR / "s3_v1_example_response.json")))
    assert [(r.source_key, r.kind) for r in rows] == [
        ("pdn-s3:1:debarment", "debarment"),
        ("pdn-s3:1:fine", "fine"),
    ]
    assert rows[0].name == "PATITO TELECOM S.A. de C.V."
    assert (rows[0].start_date, rows[0].end_date) == (date(2019, 1, 1), date(2020, 12, 31))
    assert (rows[1].amount, rows[1].currency) == (Decimal(5000000), "MXN")


def test_pdn_v2_fixture() -> None:
    items = list(read_pdn_s3(FIXTURES / "pdn_s3_v2.json"))
    rows = rows_of(items)
    assert rejects_of(items) == []
    company = "8cbb43fe-4cdf-4991-8352-c461779cec02"
    person = "0f4a9f7e-2b1c-4d6e-9a3b-5c7d8e9f0a1b"
    assert [(r.source_key, r.position) for r in rows] == [
        (f"pdn-s3:{company}:debarment", "data[0]"),
        (f"pdn-s3:{company}:fine", "data[0]"),
        (f"pdn-s3:{person}:other", "data[1]"),
        (f"pdn-s3:{person}:other#2", "data[1]"),
    ]
    ban, fine, other, compensation = rows
    assert (ban.start_date, ban.end_date) == (date(2024, 1, 20), date(2027, 1, 20))
    assert ban.person_kind == "company" and ban.rfc_raw == "SID150315QW2"
    assert ban.authority == "Secretaria de Salud del Estado de Jalisco"
    assert (fine.amount, fine.currency) == (Decimal(350000), "MXN")
    assert other.name == "MARIA GOMEZ RUIZ" and other.person_kind == "person"
    assert other.details["denominacion"] == "Amonestacion publica"
    assert compensation.amount == Decimal(20000)


def test_pdn_bare_array_and_json_lines(tmp_path: Path) -> None:
    records = json.loads((FIXTURES / "pdn_s3_v1.json").read_text(encoding="utf-8"))["results"]
    array = list(read_pdn_s3(write_json(tmp_path, "array.json", records[:2])))
    assert [r.position for r in array] == ["item 0", "item 0", "item 1"]

    lines = [json.dumps(records[0]), "", "{not json", json.dumps(records[1]), "[1, 2]"]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_pdn_s3(path))
    assert [(type(i).__name__, i.position) for i in items] == [
        ("SanctionRow", "line 1"),
        ("SanctionRow", "line 1"),
        ("Rejected", "line 3"),
        ("SanctionRow", "line 4"),
        ("Rejected", "line 5"),
    ]
    assert rows_of(items)[0].source_key == "pdn-s3:S3-0001:debarment"


def test_pdn_rejects_and_fallback_key(tmp_path: Path) -> None:
    party = {"nombreRazonSocial": "SIN ID", "rfc": "sid0101019z9"}
    ban = [{"clave": "I", "valor": "INHABILITADO"}]
    records = [
        {
            "expediente": "E-1",
            "particularSancionado": party,
            "tipoSancion": ban,
            "inhabilitacion": {"fechaInicial": "2020-01-01", "fechaFinal": "fin"},
        },
        {"id": "X", "particularSancionado": {}, "tipoSancion": [{"clave": "M"}]},
        {"expediente": "E-2", "particularSancionado": party, "tipoSancion": ban},
    ]
    items = list(read_pdn_s3(write_json(tmp_path, "records.json", records)))
    bad_date, nobody, fallback = items
    assert isinstance(bad_date, Rejected)
    assert bad_date.reason.startswith("inhabilitacion.fechaFinal:")
    assert isinstance(nobody, Rejected) and "sanctioned party" in nobody.reason
    assert isinstance(fallback, SanctionRow)
    assert fallback.source_key == "pdn-s3:E-2:SID0101019Z9:debarment"


def test_pdn_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"pagination": {}, "results": [{"id": "1"}, ', encoding="utf-8")
    with pytest.raises(UnreadableSource):
        list(read_pdn_s3(path))
    path.write_text("   ", encoding="utf-8")
    with pytest.raises(UnreadableSource):
        list(read_pdn_s3(path))


def test_pdn_a_document_that_is_no_data_fails_with_one_clear_error(tmp_path: Path) -> None:
    # The real folder holds the API's OpenAPI descriptions beside its example: each was read as
    # JSON Lines and its ~1,800 lines quarantined one by one as "not JSON".
    for spec in ("s3_v1_openapi.json", "s3_v2_openapi.json"):
        with pytest.raises(UnreadableSource, match="OpenAPI description, not data"):
            list(read_pdn_s3(PDN_DIR / spec))
    other = write_json(tmp_path, "other.json", {"title": "x", "items": {"a": 1}})
    other.write_text(json.dumps({"title": "x", "items": {"a": 1}}, indent=2), encoding="utf-8")
    with pytest.raises(UnreadableSource, match="keys items, title"):
        list(read_pdn_s3(other))
