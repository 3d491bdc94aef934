"""Whether an RFC's letters could have come from the name it is published with.

The SAT forms an RFC's letters from the taxpayer's name when it registers it: a company's three
from the first words of its name (articles, conjunctions and COMPANY left out; three words or
more: their initials; two: the first's initial and the second's first two letters; one: its
first three letters), a person's four from the surnames and the given name (first surname's
initial and first inner vowel, second surname's initial, given name's initial, a first JOSE or
MARIA passed over). Names are published in either order (NOMBRE AP1 AP2 or AP1 AP2 NOMBRE), so
both are read.

An RFC whose letters miss at least two of those of every reading is a wrong RFC (another firm's,
a buyer's, a typo in the letters) far more often than a right one: on the bundled real files,
1.6% of the 69-B list's distinct company RFCs and 0.5% of its persons' miss that much (most of
them firms renamed since they registered: EDENRED MEXICO is still ASE…, for ACCOR SERVICES;
2.2% of companies before a mistyped article, DEE or EDL, was read as the article), against
about 96% of the list's company RFCs given to another of its names. Such an RFC is still
compared for equality (a renamed firm's records share it), but its disagreement with another
RFC is weak evidence against a pair, and it does not count as a second firm under its name
(`matching.corpus`).

Where the rules cannot be read off the name (digits or & in its first words, a person's name of
two words), nothing is said against the RFC. A person's trade name under their own RFC
(CONSTRUCCIONES PEREZ for PELJ…) does read as a contradiction; it is rare in the bundled files
(0.5% of the 69-B list's persons, 0.2% of ComprasMX's), and costs only the RFC's weight against
a pair and its hold on the firm, never a link."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA

from matching.rfc import COMPANY_LENGTH, parse


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words the SAT passes over in a company's name; a legal form is already removed by
# `names.parse_name`, and abbreviations such as CIA. are written out there. The bundled real
# files show COMPAÑIA, SOCIEDAD and COOPERATIVA passed over (COMPAÑIA NACIONAL DE GAS is NGA…),
# but not every registration did: a name is read both with and without them.
_ARTICLES = _words("DE DEL LA LAS LOS Y EL EN CON PARA POR A AL SU SUS THE OF AND MC VAN VON MI")
_COMPANY_WORDS = _words("COMPANY COMPANIA CIA SOCIEDAD SOC COOPERATIVA")
_PERSON_SKIP = _words("DE DEL LA LAS LOS Y MC MAC VAN VON DA DI DIE VDA VIUDA")
# A first given name the SAT passes over when a second follows (JOSE LUIS -> L).
_COMMON_GIVEN = frozenset({"JOSE", "J", "MARIA", "MA", "M"})
_VOWELS = frozenset("AEIOU")
# RFC letters that stand for what a name's letters cannot show: Ñ (written X), and X for the
# fourth letter of a person's RFC when the four would spell a rude word.
_WILDCARDS = frozenset("XÑ&")
# Letters an RFC may miss against its name and still be the name's own (one rule a publisher
# or the SAT applied differently).
_TOLERATED_MISSES = 1
# Longest word read as a slip of an article (DELL for DEL); a longer one is a word of the name.
_ARTICLE_SLIP_LENGTH = 4


def _company_reading(words: list[str], skip: frozenset[str]) -> str | None:
    kept = [w for w in words if w not in skip]
    if not kept or not all(w.isalpha() for w in kept[:3]):
        return None
    if len(kept) >= 3:
        return kept[0][0] + kept[1][0] + kept[2][0]
    if len(kept) == 2:
        return kept[0][0] + kept[1][:2]
    return kept[0][:3]


def _company(words: list[str]) -> set[str]:
    skips = [_ARTICLES | _COMPANY_WORDS, _ARTICLES]
    if slips := frozenset(w for w in words if _slip_of_article(w)):
        skips += [skip | slips for skip in skips]
    readings = (_company_reading(words, skip) for skip in skips)
    return {r for r in readings if r is not None}


@lru_cache(maxsize=1 << 12)
def _slip_of_article(word: str) -> bool:
    """A short word one slip from an article (DEE, EDL, VE, KA, YY): the article, mistyped, as
    likely as a word of the name. Read both ways, a typo in SISTEMAS DEE LA HUASTECA does not
    make its own RFC, SHU..., read as another firm's."""
    return (
        len(word) <= _ARTICLE_SLIP_LENGTH
        and word.isalpha()  # & and digits say nothing (module docstring), nor does a slip
        and word not in _ARTICLES
        and any(OSA.distance(word, article, score_cutoff=1) <= 1 for article in _ARTICLES)
    )


def _person_code(first: str, second: str, given: str) -> str:
    vowel = next((c for c in first[1:] if c in _VOWELS), "X")
    return first[0] + vowel + second[0] + given[0]


def _given(names: list[str]) -> str:
    return names[1] if len(names) > 1 and names[0] in _COMMON_GIVEN else names[0]


def _person(words: list[str]) -> set[str]:
    kept = [w for w in words if w not in _PERSON_SKIP]
    if len(kept) < 3 or not all(w.isalpha() for w in kept):
        return set()
    return {
        _person_code(kept[0], kept[1], _given(kept[2:])),  # AP1 AP2 NOMBRE
        _person_code(kept[-2], kept[-1], _given(kept[:-2])),  # NOMBRE AP1 AP2
    }


def _misses(letters: str, reading: str) -> int:
    wrong = sum(
        1
        for have, want in zip(letters, reading, strict=False)
        if have != want and have not in _WILDCARDS
    )
    return wrong + max(len(letters) - len(reading), 0)


@lru_cache(maxsize=1 << 14)
def contradicts(rfc: str | None, name: str | None) -> bool:
    """True when `rfc` (a full RFC or its letters and date) cannot be `name`'s own: its letters
    miss more than one of those of every reading of the name. `name` is normalised
    (`names.parse_name(...).norm`, legal form removed)."""
    if not rfc or not name:
        return False
    letters = rfc[:4] if len(rfc) in (10, 13) else rfc[:3]
    words = name.split()
    readings = _person(words) if len(letters) == 4 else _company(words)
    if not readings or any(c.isdigit() for c in letters):
        return False
    return min(_misses(letters, reading) for reading in readings) > _TOLERATED_MISSES


def identifying(rfc: str | None, name: str | None, *, one_company_rfc: bool) -> str | None:
    """The RFC a record may be held to by the clustering's one-RFC-per-firm rule: its own, unless
    it cannot come from its name (then it may be another firm's, and must not keep the record
    out of its own firm).

    With `one_company_rfc` (`LinkOptions.one_company_rfc`), a company's RFC whose check digit
    holds holds the record even so, and the clustering is told the record is suspect
    (`cluster.cluster`'s `suspect`), so that it waits for a person. A person's RFC that cannot
    come from the name still holds nothing: both name orders are published, and the issue's
    target is companies' RFCs."""
    found = held(rfc, rfc is not None and contradicts(rfc, name), one_company_rfc=one_company_rfc)
    return found[0] if found else None


def identifying_of(row: Mapping[str, Any], *, one_company_rfc: bool) -> str | None:
    """`identifying` of a features row (`matching.features`), read from the `rfc_misfit` flag
    that the same test set when the features were made: a link run asks it of every record."""
    found = held(row["rfc"], row["rfc_misfit"] == "1", one_company_rfc=one_company_rfc)
    return found[0] if found else None


def held(rfc: str | None, misfit: bool, *, one_company_rfc: bool) -> tuple[str, bool] | None:
    """The one rule behind `identifying`: (the RFC the record is held to, whether it is a
    suspect, held though the RFC cannot come from its name), or None. `misfit`: the RFC cannot
    come from the record's name (`contradicts`, or the features' `rfc_misfit`)."""
    if rfc is None:
        return None
    if not misfit:
        return rfc, False
    return (rfc, True) if one_company_rfc and _another_company(rfc) else None


def _another_company(rfc: str) -> bool:
    """Whether an RFC that cannot come from its name is likely a company's own (another firm's,
    or one of nobody): a company's, with a check digit that holds. One that fails it was
    mistyped (two typos or more, one in the letters), as `cluster.near_rfcs` reads it too: a
    typo of the firm's own RFC, not a second taxpayer, and it holds nothing."""
    return len(rfc) == COMPANY_LENGTH and parse(rfc).check_ok is not False
