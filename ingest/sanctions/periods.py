"""Debarment periods as the SFP writes them: "1 año, 3 meses", "TRES MESES", "1 AÑO 6 MESES",
"DOS AÑOS", "2 (dos) años", "año y medio". Pure functions, no I/O.

A period is read only when every word in it is understood: "3 MESES" is a period,
"3 MESES A PARTIR DE SU NOTIFICACION" or "INDEFINIDO" are not (None), because an end date
computed from a half-read text would be a wrong date stated with confidence.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

_UNITS = {
    "un": 1,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
}
_TEENS = {
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veinte": 20,
}
_TENS = {
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
}
_FIELD_OF_UNIT = {
    "ano": "years",
    "anos": "years",
    "mes": "months",
    "meses": "months",
    "dia": "days",
    "dias": "days",
}
# Words that join or qualify the parts without changing the length: "1 año, y 6 meses",
# "30 días naturales", "3 meses calendario".
_FILLER = {"y", "e", "con", "naturales", "natural", "calendario", "habiles"}
_JOINABLE = {10, 20, *_TENS.values()}
_TOKEN = re.compile(r"\d+|[a-z]+")


@dataclass(frozen=True, slots=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _number_word(word: str) -> int | None:
    if word in _UNITS:
        return _UNITS[word]
    if word in _TEENS:
        return _TEENS[word]
    if word in _TENS:
        return _TENS[word]
    if word.startswith("veinti") and word[6:] in _UNITS:  # veintiuno, veintidós, veintiún
        return 20 + _UNITS[word[6:]]
    if word.startswith("dieci") and word[5:] in _UNITS:  # dieciséis typed as one word
        return 10 + _UNITS[word[5:]]
    return None


def _numbers(tokens: list[str]) -> list[int | str]:
    """Tokens with numbers read: "treinta y uno" -> 31, "diez y seis" -> 16, "2 (dos)" -> 2."""
    out: list[int | str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        value = int(token) if token.isdigit() else _number_word(token)
        i += 1
        if value is None:
            out.append(token)
            continue
        # Tens joined to units by "y": "treinta y uno", "veinte y dos", "diez y seis".
        if value in _JOINABLE and i + 1 < len(tokens) and tokens[i] == "y":
            unit = _UNITS.get(tokens[i + 1])
            if unit is not None and (value != 10 or unit >= 6):
                value += unit
                i += 2
        # "2 (dos) años": the number spelled out again in words is the same number.
        if out and isinstance(out[-1], int) and out[-1] == value:
            continue
        out.append(value)
    return out


def parse_period(text: object) -> Period | None:
    """The period a text states, or None when it is empty or not wholly understood."""
    if text is None:
        return None
    tokens = _TOKEN.findall(_fold(str(text)))
    if not tokens:
        return None
    parts: dict[str, int] = {}
    pending: int | None = None
    seen_unit = False
    for item in _numbers(tokens):
        if isinstance(item, int):
            if pending is not None:
                return None  # two numbers in a row: "1 6 meses"
            pending = item
            continue
        if item in _FIELD_OF_UNIT:
            field = _FIELD_OF_UNIT[item]
            if pending is None or field in parts:
                return None
            parts[field] = pending
            pending, seen_unit = None, True
        elif item == "medio" and parts.get("years") is not None and pending is None:
            # "un año y medio": half a year more
            parts["months"] = parts.get("months", 0) + 6
        elif item not in _FILLER:
            return None
    if pending is not None or not seen_unit:
        return None
    return Period(parts.get("years", 0), parts.get("months", 0), parts.get("days", 0))


def add_period(start: date, period: Period) -> date:
    """`start` moved on by `period`, calendar-wise, as the SFP counts it: 21-02-2026 + 1 año,
    3 meses = 21-05-2027. A day past the end of the target month falls on its last day."""
    total_months = start.month - 1 + period.months + 12 * period.years
    year, month = start.year + total_months // 12, total_months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=period.days)
