from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.mx import rfc as stdnum_rfc

from matching.rfc import GENERIC_RFCS, Rfc, RfcKind, best, normalise, parse, split

SFP = (
    Path(__file__).resolve().parents[2]
    / "data/sanctions/sfp_directorio_sancionados_2026-06-11.json"
)


@pytest.mark.parametrize(
    ("raw", "value", "kind"),
    [
        ("C&#38;B050317SU4", "C&B050317SU4", RfcKind.COMPANY),
        ("C&amp;B050317SU4", "C&B050317SU4", RfcKind.COMPANY),
        ("RFC-INT980525K89", "INT980525K89", RfcKind.COMPANY),
        ("MX-RFC-GGA8306134F4", "GGA8306134F4", RfcKind.COMPANY),
        ("MX-RFCGGA8306134F4", "GGA8306134F4", RfcKind.COMPANY),
        ("RFC: GGA8306134F4", "GGA8306134F4", RfcKind.COMPANY),
        ("RFC GGA8306134F4", "GGA8306134F4", RfcKind.COMPANY),
        ("GGA8306134F4", "GGA8306134F4", RfcKind.COMPANY),
        ("ggA-830613 4f4", "GGA8306134F4", RfcKind.COMPANY),
        ("  gga.830613_4f4\n", "GGA8306134F4", RfcKind.COMPANY),
        ("GODE 561231 GR8", "GODE561231GR8", RfcKind.PERSON),
        ("XAXX010101000", "XAXX010101000", RfcKind.GENERIC),
        ("xexx-010101-000", "XEXX010101000", RfcKind.GENERIC),
        ("MAHA521229HHGRZR02", "MAHA521229HHGRZR02", RfcKind.INVALID),  # CURP
        ("NO APLICA", "NOAPLICA", RfcKind.INVALID),
        ("0", "0", RfcKind.INVALID),
        ("RFC0000000000", "RFC0000000000", RfcKind.INVALID),
        ("XXXXXXXXXXXX", "XXXXXXXXXXXX", RfcKind.INVALID),
        ("", "", RfcKind.INVALID),
        ("CUN-970721X3", "CUN970721X3", RfcKind.INVALID),  # 11 characters, from SFP
    ],
)
def test_parse_real_examples(raw: str, value: str, kind: RfcKind) -> None:
    parsed = parse(raw)
    assert (parsed.value, parsed.kind) == (value, kind)
    assert parsed.usable == (kind in (RfcKind.COMPANY, RfcKind.PERSON))
    if not parsed.usable:
        assert parsed.check_ok is None
        assert parsed.warnings


def test_check_digit_ok_and_generic() -> None:
    assert parse("GGA8306134F4") == Rfc("GGA8306134F4", RfcKind.COMPANY, True, ())
    assert {"XAXX010101000", "XEXX010101000"} == GENERIC_RFCS
    assert not parse("XAXX010101000").usable


def test_failed_check_digit_is_only_a_warning() -> None:
    parsed = parse("GGA8306134F5")
    assert parsed.kind is RfcKind.COMPANY
    assert parsed.check_ok is False
    assert parsed.usable
    assert "check digit fails" in parsed.warnings


def test_stdnum_blacklisted_word_is_not_rejected() -> None:
    # stdnum's validate() rejects "inappropriate words"; they are still RFCs.
    value = "PUTO800101AB"
    parsed = parse(value + stdnum_rfc.calc_check_digit(value))
    assert (parsed.kind, parsed.check_ok) == (RfcKind.PERSON, True)


def test_enye_and_ampersand() -> None:
    value = "MUÑ920101AB"
    parsed = parse(value.lower() + stdnum_rfc.calc_check_digit(value))
    assert parsed.value.startswith("MUÑ")
    assert (parsed.kind, parsed.check_ok) == (RfcKind.COMPANY, True)
    # A decomposed Ñ (N + combining tilde) is the same letter.
    assert parse("MUN\u0303920101AB" + stdnum_rfc.calc_check_digit(value)) == parsed
    assert parse("A&amp;B-050317-SU4").value == "A&B050317SU4"


def test_ten_character_rfc_keeps_prefix() -> None:
    parsed = parse("PEAA751126")
    assert parsed.kind is RfcKind.INVALID
    assert parsed.value == "PEAA751126"
    assert "10-character RFC without homoclave" in parsed.warnings


def test_impossible_date_is_invalid() -> None:
    parsed = parse("ABC991332AB1")
    assert parsed.kind is RfcKind.INVALID
    assert "date part is not a valid date" in parsed.warnings
    assert parse("ABC000229AB1").kind is RfcKind.COMPANY  # 2000 was a leap year
    assert parse("ABC010229AB1").kind is RfcKind.INVALID


def test_curp_warning() -> None:
    assert any("CURP" in w for w in parse("OEMC500117HDFRRR03").warnings)


def test_company_named_rfc_is_not_a_prefix() -> None:
    # A company whose initials are R, F, C: "RFC " here is its own RFC, not a label.
    assert parse("RFC 850101 AB1").value == "RFC850101AB1"
    assert parse("RFC 850101 AB1").kind is RfcKind.COMPANY


def test_split_fields() -> None:
    assert [r.value for r in split("AAA010101AAA / BBB020202BBB")] == [
        "AAA010101AAA",
        "BBB020202BBB",
    ]
    field = "OCI820920II7 /CCO980814BU4 /CDS970212MV3"  # grupo-aeroportuario
    assert [r.value for r in split(field)] == ["OCI820920II7", "CCO980814BU4", "CDS970212MV3"]
    assert len(split("GGA8306134F4, INT980525K89; C&#38;B050317SU4")) == 3
    assert len(split("GGA8306134F4 y INT980525K89\nGODE561231GR8")) == 3
    assert len(split("GGA8306134F4 INT980525K89")) == 2
    assert [r.value for r in split("GGA 830613 4F4")] == ["GGA8306134F4"]
    assert [r.value for r in split("GGA8306134F4 / gga-830613-4f4")] == ["GGA8306134F4"]
    assert [r.value for r in split("NO APLICA / GGA8306134F4")] == ["GGA8306134F4"]


@pytest.mark.parametrize("field", [None, "", "   ", "NO APLICA", "0", "N/A", "XXXXXXXXXXXX"])
def test_split_empty_and_placeholders(field: str | None) -> None:
    assert split(field) == []
    assert best(field) is None


def test_best() -> None:
    chosen = best("XAXX010101000 / PEAA751126 / GGA8306134F4")
    assert chosen is not None and chosen.value == "GGA8306134F4"
    fallback = best("PEAA751126")
    assert fallback is not None and fallback.kind is RfcKind.INVALID


def test_real_sfp_rfcs_check_digit_band() -> None:
    records = json.loads(SFP.read_text(encoding="utf-8"))
    shaped = [parse(r["rfc"]) for r in records if r["rfc"] and len(r["rfc"].strip()) in (12, 13)]
    usable = [p for p in shaped if p.usable]
    # A handful of 12/13-character values are not RFCs at all (placeholders, bad shapes).
    assert len(usable) >= len(shaped) - 10
    failing = sum(1 for p in usable if p.check_ok is False)
    assert 0.03 <= failing / len(usable) <= 0.15


# --- properties -------------------------------------------------------------------------------

_letter = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZÑ&")
_alnum = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@st.composite
def valid_rfcs(draw: st.DrawFn, kind: RfcKind | None = None) -> str:
    letters = (
        3
        if kind is RfcKind.COMPANY
        else 4
        if kind is RfcKind.PERSON
        else draw(st.sampled_from([3, 4]))
    )
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
    body = "".join(draw(st.lists(_letter, min_size=letters, max_size=letters)))
    body += day.strftime("%y%m%d") + draw(_alnum) + draw(_alnum)
    return body + stdnum_rfc.calc_check_digit(body)


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_never_raises(text: str) -> None:
    parse(text)
    split(text)
    best(text)


@given(st.text(alphabet="RFCMX-: &#;amp38AB0123456789ÑñXE/ ,Y\n"))
def test_never_raises_on_rfc_like_noise(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)
    split(text)


def _not_generic(kind: RfcKind | None = None) -> st.SearchStrategy[str]:
    return valid_rfcs(kind).filter(lambda value: value not in GENERIC_RFCS)


@given(valid_rfcs(RfcKind.COMPANY))
def test_generated_company(value: str) -> None:
    parsed = parse(value)
    assert (parsed.value, parsed.kind, parsed.check_ok) == (value, RfcKind.COMPANY, True)


@given(_not_generic(RfcKind.PERSON))
def test_generated_person(value: str) -> None:
    parsed = parse(value)
    assert (parsed.value, parsed.kind, parsed.check_ok) == (value, RfcKind.PERSON, True)


@given(
    _not_generic(),
    st.lists(st.tuples(st.integers(0, 13), st.sampled_from([" ", "-", ".", "_", "  "]))),
    st.booleans(),
)
def test_separators_and_case_do_not_matter(
    value: str, inserts: list[tuple[int, str]], lower: bool
) -> None:
    noisy = value.lower() if lower else value
    for position, sep in inserts:
        noisy = noisy[:position] + sep + noisy[position:]
    assert parse(noisy) == parse(value)
    if "Y" not in noisy.upper().split():  # a lone "Y" is the Spanish "and" between RFCs
        assert [r.value for r in split(noisy)] == [value]


@given(
    st.lists(_not_generic(), min_size=1, max_size=6, unique=True),
    st.sampled_from([" / ", "/", ", ", ";", " Y ", "\n", " "]),
)
def test_split_of_joined(values: list[str], sep: str) -> None:
    assert [r.value for r in split(sep.join(values))] == values


_digit = st.sampled_from("0123456789")


@st.composite
def shaped(draw: st.DrawFn) -> str:
    """RFC-shaped text, valid or not: any letters, any six digits (impossible dates too), any
    homoclave and check character; the generic RFCs among them."""
    if draw(st.booleans()):
        return draw(st.sampled_from(sorted(GENERIC_RFCS)))
    letters = draw(st.lists(_letter, min_size=3, max_size=4))
    digits = draw(st.lists(_digit, min_size=6, max_size=6))
    tail = draw(st.lists(_alnum, min_size=3, max_size=3))
    return "".join(letters + digits + tail)


@given(shaped(), st.sampled_from([" {} ", "{}\n", "rfc: {}", "{} / ", "&#32;{}"]), st.booleans())
def test_a_clean_rfc_reads_as_its_noisy_forms_do(value: str, noise: str, lower: bool) -> None:
    """A field holding one clean RFC takes a short cut; its noisy forms take the whole path
    (entities, case, separators, prefixes): both must say the same."""
    noisy = noise.format(value.lower() if lower else value)
    assert normalise(value) == value
    assert split(value) == split(noisy)
    assert best(value) == best(noisy)
