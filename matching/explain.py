"""A link's evidence in plain words, for people who do not read match weights: what agreed or
differed, and how much it counts for or against "this is the same firm"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# (comparison, level label) -> what it means, in a sentence a procurement officer can read.
SENTENCES: dict[tuple[str, str], str] = {
    ("rfc", "exact"): "The RFC (tax id) is the same.",
    ("rfc", "one edit or O/0 I/1 confusion"): (
        "The RFCs differ by one character, as a typo would (O for 0, I for 1, two letters swapped)."
    ),
    ("rfc", "same letters and date, one side without homoclave"): (
        "The RFCs share their letters and date; one is published without its last three characters."
    ),
    ("rfc", "same letters and date, other homoclave"): (
        "The RFCs share letters and date but end differently: firms registered the same day "
        "look like this."
    ),
    ("rfc", "else"): "The RFCs are different.",
    ("rfc", "null"): "One side has no RFC to compare.",
    ("name", "exact"): "The name is the same (ignoring legal form, accents and punctuation).",
    ("name", "same words in another order"): "The name has the same words in another order.",
    ("name", "1 typo apart"): "The names differ by one letter.",
    ("name", "same once generic words are dropped"): (
        "The names are the same once generic words such as GRUPO or SERVICIOS are dropped."
    ),
    ("name", "2 typos apart"): "The names differ by two letters.",
    ("name", "one is a truncation of the other"): (
        "One name is the other cut short, as some publishers cut names at 35 characters."
    ),
    ("name", "jaro-winkler >= 0.97"): "The names are nearly identical.",
    ("name", "similar words in another order"): "The names have similar words in another order.",
    ("name", "jaro-winkler >= 0.92"): "The names are very similar.",
    ("name", "jaro-winkler >= 0.85"): "The names are somewhat similar.",
    ("name", "else"): "The names are different.",
    ("name", "null"): "One side has no name to compare.",
    ("legal_form", "exact"): "The legal form is the same.",
    ("legal_form", "same family"): "The legal forms are of one family (S.A. and S.A. de C.V.).",
    ("legal_form", "else"): "The legal forms differ.",
    ("legal_form", "null"): "One side states no legal form.",
    ("kind", "exact"): "Both are companies, or both are persons.",
    ("kind", "else"): "One is a company and the other a person.",
    ("kind", "null"): "It is not known whether one side is a person or a company.",
    ("postal_code", "exact"): "The postal code is the same.",
    ("postal_code", "else"): "The postal codes differ.",
    ("postal_code", "null"): "One side has no postal code.",
}
# The check's rules about the RFC given (matching.check), as evidence entries: comparison "rule".
RULE = "rule"
RFC_IDENTITY = "exact valid RFC identifies the taxpayer"
RFC_NEIGHBOUR = "RFC one typo from a sanctioned firm's"
RFC_STEM = "RFC without homoclave matches a sanctioned firm's"
SENTENCES |= {
    (RULE, RFC_IDENTITY): "The RFC is the same and its check digit holds: it names one taxpayer.",
    (RULE, RFC_NEIGHBOUR): "The RFC is one typo from this sanctioned firm's RFC.",
    (RULE, RFC_STEM): "The RFC, without its homoclave, could be this sanctioned firm's.",
}
STRONG = 10.0  # log2 Bayes factor: about a thousand times more likely
MODERATE = 3.0


@dataclass(frozen=True, slots=True)
class Reason:
    comparison: str
    sentence: str
    weight: float
    strength: str  # strongly for | for | slightly for | neutral | slightly against | against ...

    @property
    def direction(self) -> str:
        if self.weight > 0:
            return "for"
        return "against" if self.weight < 0 else "neutral"


def strength(weight: float) -> str:
    if weight == 0:
        return "neutral"
    side = "for" if weight > 0 else "against"
    size = abs(weight)
    if size >= STRONG:
        return f"strongly {side}"
    return side if size >= MODERATE else f"slightly {side}"


def reasons(evidence: Iterable[Mapping[str, Any]]) -> list[Reason]:
    """The evidence of one link or match, strongest first, each with its sentence."""
    out = []
    for item in evidence:
        comparison, level = str(item["comparison"]), str(item["level"])
        weight = float(item["match_weight"])
        sentence = item.get("detail") or SENTENCES.get(
            (comparison, level), f"{comparison}: {level}."
        )
        out.append(Reason(comparison, str(sentence), weight, strength(weight)))
    # A rule of the check decides more than any weight: it comes first.
    return sorted(out, key=lambda r: (r.comparison != RULE, -abs(r.weight), r.comparison))


def certainty(probability: float) -> str:
    """The probability in words."""
    if probability >= 0.99:
        return "almost certainly the same firm"
    if probability >= 0.9:
        return "very likely the same firm"
    if probability >= 0.5:
        return "possibly the same firm: a person should confirm"
    return "probably not the same firm"


def identity_detail(value: str) -> str:
    return (
        f"The RFC {value} is this firm's, and its check digit holds: an RFC identifies one "
        "taxpayer, so this is the firm whatever else differs."
    )


def neighbour_detail(given: str, theirs: str, firm: str | None) -> str:
    who = f"{firm}, a sanctioned firm" if firm else "a sanctioned firm"
    return (
        f"The RFC given, {given}, is one typo (a character changed, or two swapped) from "
        f"{theirs}, the RFC of {who}: a person must confirm which firm the supplier is."
    )


def stem_detail(given: str, theirs: str, firm: str | None) -> str:
    who = f"{firm}, a sanctioned firm" if firm else "a sanctioned firm"
    return (
        f"The RFC given, {given}, has no homoclave (its last 3 characters) and starts like "
        f"{theirs}, the RFC of {who}: firms registered the same day share these letters and "
        "date, so a person must confirm which firm the supplier is."
    )


def rfc_note(kind: str, check_ok: bool | None, corrected_from: str | None = None) -> str | None:
    """What an officer must know about the RFC they gave, or None when it is sound."""
    notes = []
    if corrected_from is not None:
        notes.append(
            f"{corrected_from} has an O for a 0 or an I for a 1 (or the reverse) where only the "
            "other can stand; it was read with them corrected."
        )
    if check_ok is False:
        notes.append(
            "This RFC's check digit (its last character) does not agree with the rest: it is "
            "probably mistyped. Compare it with the supplier's tax certificate (constancia de "
            "situación fiscal)."
        )
    if check_ok is None:
        notes.append(
            "This RFC is given without its homoclave (the last 3 characters), so it cannot "
            "single out a taxpayer: ask the supplier for the whole RFC."
        )
    return " ".join(notes) or None
