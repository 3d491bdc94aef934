"""An RFC's letters against the name it is published with (matching.rfc_letters): plain values
from the bundled real files, and the rates on the whole 69-B list that the model's RFC m-values
rest on (RFC_M_PROBABILITIES)."""

from __future__ import annotations

import csv
import random
import re

import pytest

from matching import rfc_letters
from matching.names import parse_name
from tests.conftest import DATA


def _contradicts(rfc: str, name: str) -> bool:
    return rfc_letters.contradicts(rfc, parse_name(name).norm)


@pytest.mark.parametrize(
    ("rfc", "name"),
    [
        # Three words or more: initials, articles passed over.
        ("AAA080808HL8", "ASESORES EN AVALÚOS Y ACTIVOS, S.A. DE C.V."),
        # E is not passed over; COMPAÑIA is (real 69-B and ComprasMX rows).
        ("AEI101211368", "ARQUITECTURA E INGENIERIA ESPECIALIZADA CELSUS, S.A. DE C.V."),
        ("AGO100217F58", "COMPAÑÍA ANFIBIA DEL GOLFO, S.A. DE C.V."),
        ("NGA830213C48", "COMPAÑIA NACIONAL DE GAS SA DE CV"),
        # ... but some registrations kept it: both readings are allowed.
        ("CSI8004146P9", "COMPAÑÍA SINALOENSE DE INSUMOS HOSPITALARIOS, SAPI DE CV"),
        # Two words: an initial and two letters; one word: three letters.
        ("GGA8306134F4", "GARZA GAS, S.A. DE C.V."),
        ("ADA1111252L5", "ADASY COMPANY, S.A."),
        # Persons in either order, a first JOSE passed over.
        ("AAAA670319394", "JOSE ARMANDO ALTAMIRANO ARIAS"),
        ("MAFT641022LI8", "MACÍAS FARÍAS TEODORO DIEGO"),
        ("MAFT641022LI8", "TEODORO DIEGO MACÍAS FARÍAS"),
        ("ROSE780318WY0", "ROBLES DE LOS SANTOS ELIZABETH DIANA"),
        # One letter off is tolerated (a typo in the letters, or a rule applied differently).
        ("ZIJ9701232G5", "ZECIZ INDUSTRIAL, S.A DE C.V."),
        # Only letters and date, no homoclave.
        ("GGA830613", "GARZA GAS"),
        # An article mistyped (DEE, EDL, KA, YY) may still be the article: the name's own RFC
        # is not read as another firm's because of one slip in a short word.
        ("CNS0502147Q1", "CONSTRUCTORA EDL NORTE DE SONORA, S.A. DE C.V."),
        ("TPA9911302K4", "TRANSPORTES KA PAZ S.A. DE C.V."),
        ("GOC120708M21", "GRUPO DEE OCCIDENTE, S. DE R.L."),
        ("IPM0304097H3", "IMPORTADORA YY PROVEEDORA MORELOS SA DE CV"),
    ],
)
def test_an_rfc_formed_from_its_name_fits_it(rfc: str, name: str) -> None:
    assert not _contradicts(rfc, name)


@pytest.mark.parametrize(
    ("rfc", "name"),
    [
        ("CNO010203AB1", "GARZA GAS, S.A. DE C.V."),
        ("HHH741207LJ2", "DISTRIB. MORALES IND. S.A. DE C.V."),
        ("RSO810209ZB6", "ING. Y CONSTRUCCIONES BERMÚDEZ HERMANOS S.A.P.I. DE C.V."),
        ("YJHU901204ZV6", "TEODORO DIEGO MACÍAS FARÍAS"),
        ("YJHU901204ZV6", "MACÍAS FARÍAS TEODORO DIEGO"),
        ("RSO810209", "GARZA GAS"),
        # ... and a mistyped article excuses only itself, not the other words' letters.
        ("RSO810209ZB6", "GRUPO DEE OCCIDENTE, S. DE R.L."),
        ("HHH741207LJ2", "CONSTRUCTORA EDL NORTE DE SONORA, S.A. DE C.V."),
    ],
)
def test_another_firms_rfc_contradicts_the_name(rfc: str, name: str) -> None:
    assert _contradicts(rfc, name)
    assert rfc_letters.identifying(rfc, parse_name(name).norm, one_company_rfc=False) is None


def test_with_one_company_rfc_a_companys_rfc_holds_its_record_whatever_its_letters() -> None:
    """`one_company_rfc`: another firm's company RFC still holds the record (no firm then holds
    two), and is read the same from a features row; a person's is read off the name as
    before, and so is a company RFC whose check digit fails (a typo, not a second taxpayer)."""
    from matching.features import RawRecord, features

    for rfc, name, held in (
        ("CNO010203AB9", "GARZA GAS, S.A. DE C.V.", "CNO010203AB9"),
        ("CNO010203AB1", "GARZA GAS, S.A. DE C.V.", None),
        ("YJHU901204ZV6", "TEODORO DIEGO MACÍAS FARÍAS", None),
        ("GGA010203AB1", "GARZA GAS, S.A. DE C.V.", "GGA010203AB1"),
    ):
        assert rfc_letters.identifying(rfc, parse_name(name).norm, one_company_rfc=True) == held
        row = features(RawRecord("k", "test", name, rfc))
        assert rfc_letters.identifying_of(row, one_company_rfc=True) == held


@pytest.mark.parametrize(
    ("rfc", "name"),
    [
        ("QWE000101AB1", "ALIANZA 999, S.A. DE C.V."),  # digits: the SAT writes them out
        # & and digits are no slip of an article (one edit from A or Y): still nothing said.
        ("QWE000101AB1", "A & L CONSULTORES, S.A. DE C.V."),
        ("QWE000101AB1", "CONSTRUCTORA & COMERCIALIZADORA PIETRA, S.A. DE C.V."),
        ("QWE000101AB1", "GRUPO 8 DE MAYO, S.A. DE C.V."),
        ("QWER720608SY2", "ARELLANO MARGARITA"),  # a person in two words: rules unclear
        ("QWE000101AB1", ""),
    ],
)
def test_nothing_is_said_where_the_rules_cannot_be_read(rfc: str, name: str) -> None:
    assert not _contradicts(rfc, name)
    for one_company_rfc in (False, True):
        norm = parse_name(name).norm
        assert rfc_letters.identifying(rfc, norm, one_company_rfc=one_company_rfc) == rfc


def _sat_69b() -> dict[str, str]:
    rows: dict[str, str] = {}
    path = DATA / "sanctions/sat_69b_listado_completo_2021-05-18.csv"
    with path.open(encoding="cp1252", errors="replace", newline="") as f:
        for row in csv.reader(f):
            if len(row) > 3 and re.fullmatch(r"[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}", row[1]):
                rows[row[1]] = row[2]
    return rows


def test_on_the_69b_list_right_rfcs_fit_and_other_firms_rfcs_do_not() -> None:
    """The rates the model's m-values rest on: few of the list's own RFCs contradict their
    names (renamed firms, mostly), and nearly every RFC given to another name of the same kind
    does."""
    listed = _sat_69b()
    assert len(listed) > 12_000
    companies = [(r, n) for r, n in listed.items() if len(r) == 12]
    persons = [(r, n) for r, n in listed.items() if len(r) == 13]
    own_companies = sum(_contradicts(r, n) for r, n in companies) / len(companies)
    own_persons = sum(_contradicts(r, n) for r, n in persons) / len(persons)
    assert own_companies < 0.03
    assert own_persons < 0.01
    rng = random.Random(7)
    for group, floor in ((companies, 0.93), (persons, 0.97)):
        shuffled = [r for r, _ in group]
        rng.shuffle(shuffled)
        moved = [(r, n) for r, (r0, n) in zip(shuffled, group, strict=True) if r != r0]
        assert sum(_contradicts(r, n) for r, n in moved) / len(moved) > floor


def test_a_features_row_holds_the_same_identifying_rfc_as_the_test() -> None:
    """`identifying_of` reads a features row's misfit flag instead of testing again: the same
    answer for the 69-B list's own RFCs, for RFCs moved to other names and for records without
    an RFC."""
    from matching.features import RawRecord, features

    listed = list(_sat_69b().items())[:3000]
    rng = random.Random(11)
    moved = [r for r, _ in listed]
    rng.shuffle(moved)
    cases = [
        *listed,
        *((r, n) for r, (_, n) in zip(moved, listed, strict=True)),
        *((None, n) for _, n in listed[:50]),
    ]
    held = 0
    for i, (rfc, name) in enumerate(cases):
        row = features(RawRecord(f"r{i}", "test", name, rfc))
        for strict in (False, True):
            from_row = rfc_letters.identifying_of(row, one_company_rfc=strict)
            assert from_row == rfc_letters.identifying(
                row["rfc"], row["name"], one_company_rfc=strict
            )
        held += rfc_letters.identifying_of(row, one_company_rfc=False) is not None
    assert 2500 < held < 4500  # most own RFCs are held, most moved ones are not
