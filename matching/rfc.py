"""The RFC (Mexican taxpayer number): normalise, classify and split dirty RFC fields.

Every public function takes any string and never raises: RFC fields in the wild hold CURPs,
placeholders, HTML entities and several RFCs at once. A failed check digit is only a warning
(a few percent of real, in-use RFCs fail it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from stdnum.mx import rfc as stdnum_rfc

from app.errors import BadRequest
from matching.explain import ENGLISH, N_, Translator
from matching.markup import decode_references

# A company's RFC has three letters, a person's four (from their names); then a date and a
# three-character homoclave.
COMPANY_LENGTH = 12
PERSON_LENGTH = 13


class RfcKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"
    GENERIC = "generic"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Rfc:
    value: str
    kind: RfcKind
    check_ok: bool | None
    warnings: tuple[str, ...]

    @property
    def usable(self) -> bool:
        return self.kind in (RfcKind.COMPANY, RfcKind.PERSON)


GENERIC_RFCS: frozenset[str] = frozenset({"XAXX010101000", "XEXX010101000"})

_SEPARATORS = re.compile(r"[\s._\-\u00ad\u2010-\u2015\u200b-\u200d\ufeff]+")
# Applied to the compact form, and only while it is not already RFC-shaped. A bare "RFC" is
# a prefix only before a letter: a company RFC starting "RFC" is followed by its date digits.
_PREFIX = re.compile(r"^(?:MXRFC:?|RFC:|RFC(?=[A-ZÑ&]))")

_LETTERS = "[A-ZÑ&]"
_COMPANY = re.compile(rf"^{_LETTERS}{{3}}[0-9]{{6}}[A-Z0-9]{{3}}$")
_PERSON = re.compile(rf"^{_LETTERS}{{4}}[0-9]{{6}}[A-Z0-9]{{3}}$")
_NO_HOMOCLAVE = re.compile(rf"^{_LETTERS}{{3,4}}[0-9]{{6}}$")
_CURP = re.compile(rf"^{_LETTERS}{{4}}[0-9]{{6}}[HMX][A-ZÑ]{{5}}[A-Z0-9][0-9]$")
_PLACEHOLDER = re.compile(r"^(?:(.)\1*|(?:RFC)?0+)$")  # "0", "XXXXXXXXXXXX", "RFC0000000000"
_WORDS = "NOAPLICA NA N/A ND N/D S/N SN SINRFC SINDATO SINDATOS NINGUNO NULL NONE NULO NOTIENE"
_PLACEHOLDER_WORDS = frozenset(f"{_WORDS} NODISPONIBLE DESCONOCIDO".split())

# Several RFCs in one field. Entities are decoded before splitting, so the ";" of "&#38;"
# is not taken for a separator.
_FIELD_SEPARATORS = re.compile(r"\s*[/,;|\r\n]\s*|\s+Y\s+", re.IGNORECASE)

WARN_CHECK_DIGIT = "check digit fails"
WARN_BAD_DATE = "date part is not a valid date"
WARN_PLACEHOLDER = "placeholder, not an RFC"
WARN_EMPTY = "empty"
WARN_GENERIC = "generic RFC, identifies nobody"
WARN_CURP = "CURP (18 characters), not an RFC"


def _shaped(value: str) -> bool:
    # fullmatch: "$" would also match before a trailing newline.
    return bool(_COMPANY.fullmatch(value) or _PERSON.fullmatch(value))


def _normalise_once(text: str) -> str:
    text = unicodedata.normalize("NFC", decode_references(text)).upper()
    text = _SEPARATORS.sub("", text)
    while not _shaped(text) and (prefix := _PREFIX.match(text)) is not None:
        text = text[prefix.end() :]
    return text


# The functions below are pure and the same firms recur across releases and registries: their
# results are cached (bounded). Only immutable values are cached; `split` hands out a new list.
# Sized for a large file's distinct suppliers: a million generated ComprasMX rows name ~136k,
# and at 32k entries three parses in four missed (bench: -20% reader CPU, +~60 MB).
_CACHE_SIZE = 1 << 17


@lru_cache(maxsize=_CACHE_SIZE)
def normalise(raw: str) -> str:
    """Upper case, separators and "RFC"/"MX-RFC" prefixes removed, HTML entities decoded."""
    if _shaped(raw):
        # Most fields already hold one clean RFC; every step below leaves such a value as it
        # is (it has no ";", no separator, no lower case, and no prefix is stripped from a
        # shaped value), so skip them.
        return raw
    # Repeat to a fixed point so that normalise is idempotent: removing separators can
    # complete an entity ("&AM P;") and upper-casing can create one ("&aMp;").
    text = raw
    for _ in range(10):
        again = _normalise_once(text)
        if again == text:
            break
        text = again
    return text


def _valid_date(yymmdd: str) -> bool:
    # 20YY is a leap year whenever 19YY is, so trying 20YY accepts every real date.
    try:
        date(2000 + int(yymmdd[0:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def _is_placeholder(value: str) -> bool:
    return value in _PLACEHOLDER_WORDS or bool(_PLACEHOLDER.match(value))


def _invalid(value: str, *warnings: str) -> Rfc:
    return Rfc(value, RfcKind.INVALID, None, warnings)


@lru_cache(maxsize=_CACHE_SIZE)
def parse(raw: str) -> Rfc:
    """Classify one candidate RFC."""
    value = normalise(raw)
    if not value:
        return _invalid(value, WARN_EMPTY)
    if value in GENERIC_RFCS:
        return Rfc(value, RfcKind.GENERIC, None, (WARN_GENERIC,))
    if _is_placeholder(value):
        return _invalid(value, WARN_PLACEHOLDER)
    if _CURP.match(value):
        return _invalid(value, WARN_CURP)
    if _NO_HOMOCLAVE.match(value):
        short = f"{len(value)}-character RFC without homoclave"
        if _valid_date(value[-6:]):
            return _invalid(value, short)
        return _invalid(value, short, WARN_BAD_DATE)
    if not _shaped(value):
        return _invalid(value, f"not RFC-shaped ({len(value)} characters)")
    letters = len(value) - 9
    if not _valid_date(value[letters : letters + 6]):
        return _invalid(value, WARN_BAD_DATE)
    # stdnum's validate() also rejects "inappropriate words" and unusual homoclaves; only
    # the check digit itself matters here.
    check_ok = stdnum_rfc.calc_check_digit(value[:-1]) == value[-1]
    kind = RfcKind.COMPANY if letters == 3 else RfcKind.PERSON
    return Rfc(value, kind, check_ok, () if check_ok else (WARN_CHECK_DIGIT,))


def _pieces(field: str) -> list[str]:
    pieces: list[str] = []
    for piece in _FIELD_SEPARATORS.split(field):
        tokens = [token for token in piece.split() if normalise(token)]
        # Whitespace separates RFCs only between whole RFCs: "GGA 830613 4F4" is one.
        if len(tokens) > 1 and all(_shaped(normalise(token)) for token in tokens):
            pieces.extend(tokens)
        else:
            pieces.append(piece)
    return pieces


def split(raw: str | None) -> list[Rfc]:
    """Every RFC in a field that may hold several; placeholders and empties dropped."""
    return list(_split(raw)) if raw is not None else []


@lru_cache(maxsize=_CACHE_SIZE)
def _split(raw: str) -> tuple[Rfc, ...]:
    if _shaped(raw):  # one clean RFC: nothing to split, decode or drop (see `normalise`)
        return (parse(raw),)
    field = decode_references(raw)
    found: list[Rfc] = []
    seen: set[str] = set()
    for piece in _pieces(field):
        parsed = parse(piece)
        if not parsed.value or _is_placeholder(parsed.value) or parsed.value in seen:
            continue
        seen.add(parsed.value)
        found.append(parsed)
    return tuple(found)


def best(raw: str | None) -> Rfc | None:
    """The first usable RFC in the field, else the first candidate, else None."""
    if raw is None:
        return None
    candidates = _split(raw)
    return next((c for c in candidates if c.usable), candidates[0] if candidates else None)


# Registries write a firm's letters followed by 010101000 (1 January 2001, homoclave 000) where
# they do not know its RFC: the SFP lists several unrelated firms under such values.
PLACEHOLDER_TAIL = "010101000"
SHAPE = N_(
    "an RFC is 12 characters for a company or 13 for a person: 3-4 letters, a date YYMMDD, "
    "3 characters (the homoclave)"
)
WITHOUT_HOMOCLAVE = "without homoclave"
# What someone typing into a box for "RFC or name" means as an RFC, even a broken one: a single
# word of 3-4 letters and at least four digits (a date started), generic RFCs and CURPs included.
_RFC_LIKE = re.compile(rf"^{_LETTERS}{{3,4}}[0-9]{{4}}[A-Z0-9]*$")


def is_placeholder_rfc(value: str) -> bool:
    """A generic RFC, or a registry's "letters + 010101000" stand-in for an unknown one."""
    return value in GENERIC_RFCS or value.endswith(PLACEHOLDER_TAIL)


_STANDS_FOR = {
    "XAXX010101000": N_("is the generic RFC for sales to the general public"),
    "XEXX010101000": N_("is the generic RFC for foreign taxpayers"),
    PLACEHOLDER_TAIL: N_(
        "is a placeholder (a firm's letters, then 010101000) that registries write "
        "where they do not know the RFC, shared by unrelated firms"
    ),
}
_NOBODY = N_("it identifies nobody. Give the supplier's own RFC, or check it by name")


class NotAnRfc(BadRequest, ValueError):
    """A value given as an RFC that cannot be looked up; the message says what to send.

    The message is kept as its English template and values, so a page can show it in its
    reader's language (`in_words`); `str()` and `detail` are the English the API and the CLI
    show."""

    def __init__(self, template: str, **values: str) -> None:
        super().__init__(template.format(**values))
        self.template = template
        self.values = values

    def in_words(self, tr: Translator = ENGLISH) -> str:
        # A value that is itself a marked phrase (SHAPE, _NOBODY...) is translated too; an RFC
        # or what the user typed is no msgid, and gettext gives it back unchanged.
        values = {k: tr.gettext(v) for k, v in self.values.items()}
        return tr.gettext(self.template).format(**values)


@dataclass(frozen=True, slots=True)
class Lookup:
    """An RFC given to look a taxpayer up: a whole RFC, or its letters and date alone."""

    value: str  # normalised
    kind: str  # company | person | without homoclave
    check_ok: bool | None  # None without homoclave: there is no check digit to test
    corrected_from: str | None = None  # as given, when O/0 or I/1 stood where they cannot

    @property
    def whole(self) -> bool:
        return self.kind != WITHOUT_HOMOCLAVE

    @property
    def identifies(self) -> bool:
        """Whether the value names one taxpayer: a whole RFC, as given, whose check digit
        holds (a corrected one is a good guess, not an identification)."""
        return self.whole and self.check_ok is True and self.corrected_from is None


_AS_DIGIT = str.maketrans({"O": "0", "I": "1"})
_AS_LETTER = str.maketrans({"0": "O", "1": "I"})


def _unconfused(value: str) -> str | None:
    """The RFC meant by a value with O for 0 or I for 1 (or the reverse) where only the other
    can stand: in the letters, or in the date; None when there is none."""
    for letters in (3, 4):
        if len(value) != letters + 9:
            continue
        date_part = value[letters : letters + 6]
        fixed = (
            value[:letters].translate(_AS_LETTER)
            + date_part.translate(_AS_DIGIT)
            + value[letters + 6 :]
        )
        if fixed != value and _shaped(fixed) and _valid_date(fixed[letters : letters + 6]):
            return fixed
    return None


def lookup(raw: str) -> Lookup:
    """Classify an RFC someone gave to look a supplier up. Raises `NotAnRfc`, with what to send
    instead, for anything that cannot name a taxpayer: not RFC-shaped, an impossible date, a
    CURP, several RFCs, a generic or placeholder RFC."""
    shown = raw.strip()[:40]
    found = split(raw)
    if len(found) > 1:
        values = ", ".join(f.value for f in found[:3])
        raise NotAnRfc(
            N_("{shown} holds several RFCs ({values}): check one supplier at a time"),
            shown=repr(shown),
            values=values,
        )
    if not found:
        raise NotAnRfc(
            N_("{shown} is not an RFC but a placeholder or nothing: {shape}"),
            shown=repr(shown),
            shape=SHAPE,
        )
    (parsed,) = found
    value = parsed.value
    if parsed.kind is RfcKind.GENERIC or (parsed.usable and is_placeholder_rfc(value)):
        raise NotAnRfc(
            N_("{value} {stands_for}: {nobody}"),
            value=value,
            stands_for=_STANDS_FOR.get(value, _STANDS_FOR[PLACEHOLDER_TAIL]),
            nobody=_NOBODY,
        )
    if parsed.usable:
        return Lookup(value, parsed.kind.value, parsed.check_ok)
    fixed = _unconfused(value)
    if fixed is not None and not is_placeholder_rfc(fixed):
        meant = parse(fixed)
        return Lookup(fixed, meant.kind.value, meant.check_ok, corrected_from=value)
    if _CURP.fullmatch(value):
        raise NotAnRfc(
            N_(
                "{value} is a CURP (18 characters), not an RFC: send the RFC, or the CURP's "
                "first 10 characters (a person's RFC without homoclave)"
            ),
            value=value,
        )
    if WARN_BAD_DATE in parsed.warnings:
        letters = len(value) - (6 if _NO_HOMOCLAVE.fullmatch(value) else 9)
        day = value[letters : letters + 6]
        raise NotAnRfc(
            N_("in {value}, {day} is not a valid date (YYMMDD): {shape}"),
            value=value,
            day=day,
            shape=SHAPE,
        )
    if _NO_HOMOCLAVE.fullmatch(value):
        return Lookup(value, WITHOUT_HOMOCLAVE, None)
    raise NotAnRfc(N_("{shown} is not an RFC: {shape}"), shown=repr(shown), shape=SHAPE)


def meant_as_rfc(text: str) -> bool:
    """Whether free text that may be an RFC or a name is meant as an RFC (one word shaped like
    the start of one), so that a broken RFC is looked up, and refused, as an RFC."""
    words = text.split()
    if len(words) != 1:
        return False
    value = normalise(words[0])
    return (
        bool(_RFC_LIKE.fullmatch(value)) or value in GENERIC_RFCS or _unconfused(value) is not None
    )
