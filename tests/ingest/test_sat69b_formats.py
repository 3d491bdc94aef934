"""The SAT 69-B list in every layout seen: the 2026 3-column open-data file (real sample), the
2019 18-column split file, the 2023 file with SAT/DOF-suffixed headers, and cells that hold
two dates.

Fixtures in tests/fixtures:
- `sat_69b_2026-03-17_3col_first2000.csv`: the real open-data file's first 2,000 lines, as
  published (copied from the shared data).
- `sat_69b_2019_definitivos_18col.csv`: BUILT BY HAND, no real 2019 file being at hand. Its
  header follows DOMAIN.md and the 2019 column list seen in the wild (the presuncion notice
  header repeated for SAT and DOF, one shared notice for desvirtuados and definitivos, "oficio
  DOF global" for sentencia favorable); its rows are real Definitivo listings of the 2021 list
  published before mid-2019, moved into that layout with dates rewritten as dd/mm/yy, cp1252.
- `sat_69b_2023_suffixed_20col.csv`: BUILT BY HAND too: real 2021 rows under a header in the
  2023 style (suffixed `... SAT` / `... DOF`, `oficio global definitivo`, upper case, double and
  trailing spaces, `No.`), UTF-8 with BOM; two listings carry two-date cells in each order
  and spacing, two suppressed listings carry court notes instead of names.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from app.settings import Settings
from app.store.engine import make_engine
from ingest.dates import parse_days
from ingest.jobs import sanctions_job
from ingest.pipeline import run_job
from ingest.rows import Rejected, SanctionRow, UnreadableSource
from ingest.sanctions import read_sat_69b
from ingest.sanctions._sat69b_table import open_table
from ingest.sanctions.sat69b import KIND_BY_STAGE
from tests.factories import CURRENT_HEADER, current_row, rows, write_69b

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
THREE_COLUMNS = FIXTURES / "sat_69b_2026-03-17_3col_first2000.csv"
SPLIT_2019 = FIXTURES / "sat_69b_2019_definitivos_18col.csv"
SUFFIXED_2023 = FIXTURES / "sat_69b_2023_suffixed_20col.csv"
LIST_2021 = Path(__file__).resolve().parents[2] / "data/sanctions"
LIST_2021 = LIST_2021 / "sat_69b_listado_completo_2021-05-18.csv"
LAYOUTS = {"3-column 2026": THREE_COLUMNS, "18-column 2019": SPLIT_2019, "2023": SUFFIXED_2023}
STAGE_OF_STATUS = {
    "Presunto": "presunto",
    "Definitivo": "definitivo",
    "Desvirtuado": "desvirtuado",
    "Sentencia Favorable": "sentencia_favorable",
}


def records(path: Path, encoding: str) -> list[list[str]]:
    """The file's CSV records after its header, counted independently of the reader."""
    with path.open(encoding=encoding, newline="") as stream:
        found = list(csv.reader(stream))
    start = next(i for i, r in enumerate(found) if "RFC" in r[:3])
    return [r for r in found[start + 1 :] if any(c.strip() for c in r)]


def sanctions(items: list[SanctionRow | Rejected]) -> dict[str, SanctionRow]:
    assert not [i for i in items if isinstance(i, Rejected)]
    return {i.source_key: i for i in items if isinstance(i, SanctionRow)}


# --- the 3-column open-data file (2026) ------------------------------------------------------


def test_three_columns_every_row_read_with_nothing_invented() -> None:
    published = records(THREE_COLUMNS, "utf-8")
    by_key = sanctions(list(read_sat_69b(THREE_COLUMNS)))
    assert len(published) == len(by_key) == 1989  # 2,000 lines; some names span several
    assert Counter(r.raw_status for r in by_key.values()) == Counter(r[2] for r in published)
    for row in by_key.values():
        assert row.kind == KIND_BY_STAGE[STAGE_OF_STATUS[row.raw_status or ""]]
        assert (row.start_date, row.end_date, row.case_number) == (None, None, None)
        assert "stages" not in row.details  # not an empty record: nothing was published
        # What the file does not publish, so that an earlier dated snapshot's values stay.
        assert row.absent == {
            "start_date",
            "end_date",
            "case_number",
            "details.stages",
            "details.no",
        }
    first = by_key["sat-69b:AAA080808HL8"]
    assert (first.name, first.rfc_raw, first.position) == (
        "ASESORES EN AVALÚOS Y ACTIVOS, S.A. DE C.V.",
        "AAA080808HL8",
        "line 2",
    )


def test_three_columns_repeated_rfcs_keep_the_keys_a_dated_list_gives() -> None:
    # SAT lists a firm's procedures newest first; without dates, the last one is the oldest
    # and keeps the plain key, as in the 2021 list ranked by presuncion date.
    dated = sanctions(list(read_sat_69b(LIST_2021)))
    undated = sanctions(list(read_sat_69b(THREE_COLUMNS)))
    assert undated["sat-69b:AAS110331G59"].raw_status == "Sentencia Favorable"
    assert undated["sat-69b:AAS110331G59#2"].raw_status == "Definitivo"
    for rfc in ("AAS110331G59", "ACO101220B96", "ATO110905BQ5", "CACL7806172Y1"):
        for key in (f"sat-69b:{rfc}", f"sat-69b:{rfc}#2"):
            # The same procedure: its name agrees (accents aside) and its situation only
            # moved forward (Presunto -> Definitivo), never back to an earlier stage.
            before, after = dated[key], undated[key]
            assert (before.name or "")[:20].upper().replace("Ó", "O") == (after.name or "")[
                :20
            ].upper().replace("Ó", "O")
            order = list(STAGE_OF_STATUS)
            assert order.index(after.raw_status or "") >= order.index(before.raw_status or "")
    # A firm with one 2017 listing in 2021 and a new one since: the old one keeps its key.
    assert dated["sat-69b:CAR160229F29"].raw_status == "Definitivo"
    assert undated["sat-69b:CAR160229F29"].raw_status == "Sentencia Favorable"
    assert undated["sat-69b:CAR160229F29#2"].raw_status == "Presunto"


def test_three_columns_court_notes_after_the_name() -> None:
    by_key = sanctions(list(read_sat_69b(THREE_COLUMNS)))
    caryra = by_key["sat-69b:CAR160229F29#2"]  # a name broken over 12 lines, then a note
    assert caryra.name == "CARYRA, S. DE R.L. DE C.V."
    assert caryra.details["name_note"].startswith("En cumplimiento a la sentencia de fecha 13")
    assert caryra.details["name_note"].endswith("3524/22-01-01- 9")


# --- the 2019 18-column split file ------------------------------------------------------------


def test_2019_split_file_repeated_headers_and_short_years() -> None:
    published = records(SPLIT_2019, "cp1252")
    with open_table(SPLIT_2019) as (layout, _):
        assert layout.stages["presunto"] == {"oficio_sat": 4, "sat": 5, "oficio_dof": 6, "dof": 7}
        assert layout.stages["desvirtuado"] == {"sat": 8, "oficio": 9, "dof": 10}
        assert layout.stages["definitivo"] == {"oficio": 11, "sat": 12, "dof": 13}
        assert layout.stages["sentencia_favorable"] == {
            "oficio": 14,
            "sat": 15,
            "oficio_dof": 16,
            "dof": 17,
        }
        assert layout.extra == ()
    by_key = sanctions(list(read_sat_69b(SPLIT_2019)))
    assert len(by_key) == len(published) == 20
    assert {r.kind for r in by_key.values()} == {"efos_definitivo"}
    assert all(r.absent == frozenset() for r in by_key.values())  # it publishes every stage
    amador = by_key["sat-69b:AAAA620217U54"]
    assert amador.start_date == date(2018, 12, 31)  # "31/12/18": the DOF definitivo
    assert amador.case_number == "500-05-2018-32751"  # the shared definitivos notice
    presuncion = amador.details["stages"]["presunto"]
    # The two same-named notice columns are told apart by the date column each precedes.
    assert presuncion["oficio_sat"] == "500-05-2017-16140 de fecha 1 de junio de 2017"
    assert presuncion["oficio_dof"] == "500-05-2017-16140 de fecha 12 de junio de 2017"
    assert (presuncion["published_sat"], presuncion["published_sat_raw"]) == (
        "2017-06-01",
        "01/06/17",
    )
    suppressed = [r for r in by_key.values() if r.details.get("rfc_suppressed")]
    assert len(suppressed) == 2  # the same court note twice: both kept, numbered
    assert all(r.name is None and r.rfc_raw is None for r in suppressed)
    assert all(
        r.details["suppression_note"].startswith("Información suprimida") for r in suppressed
    )


# --- the 2023 file: SAT/DOF-suffixed headers, two-date cells, notes ------------------------


def test_2023_suffixed_headers_two_dates_and_notes() -> None:
    published = records(SUFFIXED_2023, "utf-8-sig")
    with open_table(SUFFIXED_2023) as (layout, _):
        expected_slots = {"oficio_sat", "sat", "oficio_dof", "dof"}
        assert {s: set(slots) for s, slots in layout.stages.items()} == {
            s: expected_slots for s in STAGE_OF_STATUS.values()
        }
        assert layout.extra == () and layout.number == 0
    by_key = sanctions(list(read_sat_69b(SUFFIXED_2023)))
    assert len(by_key) == len(published) == 22

    araxaxa = by_key["sat-69b:ACO101220B96#2"]  # its presuncion re-published: newest first
    assert araxaxa.kind == "efos_definitivo" and araxaxa.start_date == date(2023, 5, 15)
    dof = araxaxa.details["stages"]["presunto"]
    assert dof["published_dof"] == "2023-04-24"  # the first one written
    assert dof["published_dof_dates"] == ["2023-04-24", "2020-10-15"]
    assert dof["published_dof_raw"] == "24/04/2023 -15/10/2020"

    alazraki = by_key["sat-69b:CAL140908936#2"]
    stages = alazraki.details["stages"]
    assert stages["presunto"]["published_sat_dates"] == ["2020-10-15", "2023-04-24"]
    assert stages["definitivo"]["published_sat_dates"] == ["2023-04-24", "2020-10-15"]
    assert alazraki.name == "CONSTRUCCIONES ALAZRAKI, S.A. DE C.V."
    assert alazraki.details["name_note"].startswith("En cumplimiento a la sentencia definitiva")

    notes = {
        r.details["suppression_note"][:21]: r
        for r in by_key.values()
        if r.details.get("rfc_suppressed")
    }
    assert set(notes) == {"En cumplimiento a la ", "Información suprimida"}
    for row in notes.values():  # kept, keyed by the note, never matched as a firm's name
        assert row.name is None and row.rfc_raw is None and row.kind == "efos_definitivo"
        assert row.start_date == date(2021, 8, 17) and row.case_number == "500-05-2021-23014"


# --- every layout loads whole -----------------------------------------------------------------


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_layout_loads_whole(db_settings: Settings, layout: str) -> None:
    path = LAYOUTS[layout]
    encoding = {"18-column 2019": "cp1252", "2023": "utf-8-sig"}.get(layout, "utf-8")
    expected = len(records(path, encoding))
    engine = make_engine(db_settings)
    try:
        summary = run_job(
            sanctions_job("sat-69b"), [str(path)], engine=engine, settings=db_settings
        )
    finally:
        engine.dispose()
    assert summary.failed == 0
    assert (summary.total("read"), summary.total("loaded")) == (expected, expected)
    assert summary.total("rejected") == summary.total("withdrawn") == 0
    [count] = rows(db_settings, "SELECT count(*) FROM sanctions WHERE registry = 'sat-69b'")
    assert count[0] == expected


# --- two dates in one cell --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "first", "both"),
    [
        ("24/04/2023 -15/10/2020", date(2023, 4, 24), ["2023-04-24", "2020-10-15"]),
        ("15/10/2020 - 24/04/2023", date(2020, 10, 15), ["2020-10-15", "2023-04-24"]),
        ("24/04/2023-15/10/2020", date(2023, 4, 24), ["2023-04-24", "2020-10-15"]),
        ("24/04/2023 //15/10/2020", date(2023, 4, 24), ["2023-04-24", "2020-10-15"]),
        ("31/02/2023 - 15/10/2020", date(2020, 10, 15), ["2020-10-15"]),  # first VALID one
    ],
)
def test_a_cell_with_two_dates_keeps_the_row(
    tmp_path: Path, cell: str, first: date, both: list[str]
) -> None:
    data = [current_row(1, "AAA010101AA1", "UNO", "Definitivo", definitivo_dof=cell)]
    [row] = list(read_sat_69b(write_69b(tmp_path, data)))
    assert isinstance(row, SanctionRow), row
    assert row.start_date == first
    entry = row.details["stages"]["definitivo"]
    assert (entry["published_dof"], entry["published_dof_raw"]) == (first.isoformat(), cell)
    if len(both) > 1:
        assert entry["published_dof_dates"] == both
    else:
        assert "published_dof_dates" not in entry


def test_a_cell_with_text_besides_dates_is_still_rejected(tmp_path: Path) -> None:
    data = [
        current_row(1, "AAA010101AA1", "UNO", "Definitivo", definitivo_dof="24/04/2023 pronto"),
        current_row(2, "AAA010101AA2", "DOS", "Definitivo", definitivo_dof="31/02/2023"),
    ]
    items = list(read_sat_69b(write_69b(tmp_path, data)))
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rejected) == len(items) == 2
    assert all(i.reason.startswith("Publicación DOF definitivos:") for i in rejected)


def test_parse_days_reads_dates_in_any_order_and_spacing() -> None:
    assert parse_days("22/06/2018 // 10/10/2018") == (date(2018, 6, 22), date(2018, 10, 10))
    assert parse_days("17/10/2019    27/08/2018") == (date(2019, 10, 17), date(2018, 8, 27))
    assert parse_days("14-08-19") == (date(2019, 8, 14),)
    assert parse_days("01/01/2020 al 02/02/2021") == (date(2020, 1, 1), date(2021, 2, 2))
    for bad in ("", "pronto 01/01/2020", "1/2/20233", "31/02/2020"):
        with pytest.raises(ValueError):
            parse_days(bad)


# --- headers matched by meaning -------------------------------------------------------------


def _respelled(header: str) -> str:
    """The same header as other snapshots write it: no accents, other case, other spacing."""
    plain = header.translate(str.maketrans("áéíóúÁÉÍÓÚ", "aeiouAEIOU"))
    return "  " + plain.upper().replace(" ", "  ") + " "


def test_headers_match_by_meaning_not_by_exact_text(tmp_path: Path) -> None:
    data = [current_row(1, "AAA010101AA1", "UNO", "Presunto", presunto_dof="01/01/2020")]
    with open_table(write_69b(tmp_path, data)) as (exact, _):
        pass
    respelled = ["No."] + [_respelled(h) for h in CURRENT_HEADER[1:]]
    with open_table(write_69b(tmp_path, data, header=respelled)) as (other, _):
        pass
    assert (other.rfc, other.name, other.status, other.number) == (1, 2, 3, 0)
    assert other.stages == exact.stages and other.extra == ()


def test_an_unknown_header_fails_the_file_saying_what_was_expected(tmp_path: Path) -> None:
    path = write_69b(
        tmp_path, [["AAA010101AA1", "UNO", "Definitivo"]], header=["RFC", "Razón", "Estado"]
    )
    with pytest.raises(UnreadableSource) as failure:
        list(read_sat_69b(path))
    message = str(failure.value)
    assert "no name, status column" in message
    assert "'Nombre del Contribuyente'" in message and "'Situación del contribuyente'" in message
    assert "header was: RFC, Razón, Estado" in message


def test_three_columns_first_row_repeated_later(tmp_path: Path) -> None:
    path = tmp_path / "69b.csv"
    path.write_text(
        "RFC,Nombre del Contribuyente,Situación del contribuyente\n"
        "AAA010101AA1,UNO NUEVO,Definitivo\n"
        "AAA010101AA1,UNO,Sentencia Favorable\n"
        "BBB010101BB1,DOS,Presunto\n",
        encoding="utf-8",
    )
    by_key = sanctions(list(read_sat_69b(path)))
    assert {k: r.raw_status for k, r in by_key.items()} == {
        "sat-69b:AAA010101AA1": "Sentencia Favorable",  # listed last: the older procedure
        "sat-69b:AAA010101AA1#2": "Definitivo",
        "sat-69b:BBB010101BB1": "Presunto",
    }
