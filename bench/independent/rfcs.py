"""RFCs for invented firms: the SAT's letters (roughly), a real date, a homoclave and a correct
check digit (python-stdnum computes it). Two firms' RFCs differ in at least `MIN_APART`
characters, so that an RFC with two typos is never one edit from another firm's."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date

from stdnum.mx import rfc as stdnum_rfc

from bench.independent.noise import pick
from bench.independent.vocabulary import SKIPPED_GIVEN, STOP_WORDS, SURNAME_PARTICLES

HOMOCLAVE = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MIN_APART = 4
_NOT_LETTER = re.compile(r"[^A-Z]")
COMPANY_YEARS = (1968, 2023)
PERSON_YEARS = (1950, 2003)


def _letters(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.upper().replace("Ñ", "X"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_LETTER.sub("", plain)


def company_letters(base: str) -> str:
    """Initials of the first three words (articles and conjunctions skipped); two words give
    an initial and two letters, one word its first three letters."""
    words = [_letters(w) for w in base.split() if w not in STOP_WORDS]
    words = [w for w in words if w]
    if len(words) >= 3:
        out = "".join(w[0] for w in words[:3])
    elif len(words) == 2:
        out = words[0][0] + words[1][:2]
    else:
        out = words[0][:3] if words else ""
    return (out + "XXX")[:3]


def person_letters(given: str, surname1: str, surname2: str) -> str:
    def last_part(surname: str) -> str:
        parts = [p for p in surname.split() if p not in SURNAME_PARTICLES]
        return _letters(parts[-1] if parts else surname)

    first, second = last_part(surname1), last_part(surname2)
    names = given.split()
    if len(names) > 1 and names[0] in SKIPPED_GIVEN:
        names = names[1:]
    vowel = next((c for c in first[1:] if c in "AEIOU"), "X")
    return first[0] + vowel + (second[:1] or "X") + _letters(names[0])[0]


def _yymmdd(rng: random.Random, years: tuple[int, int]) -> str:
    start, end = date(years[0], 1, 1).toordinal(), date(years[1], 12, 31).toordinal()
    day = date.fromordinal(rng.randint(start, end))
    return f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"


def with_check_digit(body: str) -> str:
    return body + stdnum_rfc.calc_check_digit(body)


class RfcPool:
    """Every RFC handed out, indexed by letters so that closeness is checked cheaply."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()
        self._by_letters: dict[str, list[str]] = {}

    def _far_enough(self, rfc: str) -> bool:
        for other in self._by_letters.get(rfc[:-9], ()):
            if sum(a != b for a, b in zip(rfc, other, strict=True)) < MIN_APART:
                return False
        return True

    def _add(self, rfc: str) -> str:
        self.taken.add(rfc)
        self._by_letters.setdefault(rfc[:-9], []).append(rfc)
        return rfc

    def new(self, letters: str, *, person: bool) -> str:
        years = PERSON_YEARS if person else COMPANY_YEARS
        while True:
            body = letters + _yymmdd(self.rng, years) + pick(self.rng, HOMOCLAVE)
            rfc = with_check_digit(body + pick(self.rng, HOMOCLAVE))
            if rfc not in self.taken and self._far_enough(rfc):
                return self._add(rfc)

    def unassigned(self, *, person: bool) -> str:
        """A valid RFC that belongs to no firm here (a wrong RFC typed from another paper)."""
        letters = "".join(pick(self.rng, LETTERS) for _ in range(4 if person else 3))
        return self.new(letters, person=person)
