"""A link's evidence in plain words, for people who do not read match weights: what agreed or
differed, and how much it counts for or against "this is the same firm".

Every sentence is written in English (the source language) and marked for the gettext catalogue
(`N_` here, `tr.gettext` where it is formatted); the functions take a gettext-like `tr` and
default to English, so the API and the CLI are unchanged while the pages and the digest mail
pass their reader's catalogue (`app.i18n.translations`). Codes (comparison and level labels,
`for` / `against`) are never translated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from gettext import NullTranslations
from typing import Any, Protocol


class Translator(Protocol):
    """What a catalogue offers: `gettext.NullTranslations` and Babel's `Translations` do."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


ENGLISH: Translator = NullTranslations()


def N_(message: str) -> str:
    """Marks a constant for the catalogue; it is translated where it is shown."""
    return message


# comparison -> level label -> what it means, in a sentence a procurement officer can read.
_BY_COMPARISON: dict[str, dict[str, str]] = {
    "rfc": {
        "exact": N_("The RFC (tax id) is the same."),
        "one edit or O/0 I/1 confusion": N_(
            "The RFCs differ by one character, as a typo would (O for 0, I for 1, two letters "
            "swapped)."
        ),
        "same letters and date, one side without homoclave": N_(
            "The RFCs share their letters and date; one is published without its last three "
            "characters."
        ),
        "same letters and date, other homoclave": N_(
            "The RFCs share letters and date but end differently: firms registered the same day "
            "look like this."
        ),
        "two edits, one failing its check digit": N_(
            "The RFCs differ by two characters and one fails its check digit: one RFC typed "
            "twice wrong."
        ),
        "different, one not from its name": N_(
            "The RFCs are different, and one cannot have been formed from its record's name: "
            "most likely another firm's RFC, copied by mistake."
        ),
        "else": N_("The RFCs are different."),
        "null": N_("One side has no RFC to compare."),
    },
    "name": {
        "exact": N_("The name is the same (ignoring legal form, accents and punctuation)."),
        "same words in another order": N_("The name has the same words in another order."),
        "1 typo apart": N_("The names differ by one letter."),
        "same once generic words are dropped": N_(
            "The names are the same once generic words such as GRUPO or SERVICIOS are dropped."
        ),
        "2 typos apart": N_("The names differ by two letters."),
        "same once the common words and their abbreviations are read by their first letters": N_(
            "The names differ only in how their common words are written: abbreviated (CORP., "
            "COMERC.), with another ending or with a typo."
        ),
        "one is a truncation of the other": N_(
            "One name is the other cut short, as some publishers cut names at 35 characters."
        ),
        "jaro-winkler >= 0.97": N_("The names are nearly identical."),
        "similar words in another order": N_("The names have similar words in another order."),
        "jaro-winkler >= 0.92": N_("The names are very similar."),
        "jaro-winkler >= 0.85": N_("The names are somewhat similar."),
        "else": N_("The names are different."),
        "null": N_("One side has no name to compare."),
    },
    "legal_form": {
        "exact": N_("The legal form is the same."),
        "same family": N_("The legal forms are of one family (S.A. and S.A. de C.V.)."),
        "else": N_("The legal forms differ."),
        "null": N_("One side states no legal form."),
    },
    "kind": {
        "exact": N_("Both are companies, or both are persons."),
        "else": N_("One is a company and the other a person."),
        "null": N_("It is not known whether one side is a person or a company."),
    },
    "postal_code": {
        "exact": N_("The postal code is the same."),
        "else": N_("The postal codes differ."),
        "null": N_("One side has no postal code."),
    },
}
# (comparison, level label) -> its sentence: the table the evidence is looked up in.
SENTENCES: dict[tuple[str, str], str] = {
    (comparison, level): sentence
    for comparison, levels in _BY_COMPARISON.items()
    for level, sentence in levels.items()
}
# The check's rules about the RFC given (matching.check), as evidence entries: comparison "rule".
RULE = "rule"
RFC_IDENTITY = "exact valid RFC identifies the taxpayer"
RFC_NEIGHBOUR = "RFC one typo from a sanctioned firm's"
RFC_STEM = "RFC without homoclave matches a sanctioned firm's"
SENTENCES |= {
    (RULE, RFC_IDENTITY): N_(
        "The RFC is the same and its check digit holds: it names one taxpayer."
    ),
    (RULE, RFC_NEIGHBOUR): N_("The RFC is one typo from this sanctioned firm's RFC."),
    (RULE, RFC_STEM): N_("The RFC, without its homoclave, could be this sanctioned firm's."),
}
STRONG = 10.0  # log2 Bayes factor: about a thousand times more likely
MODERATE = 3.0


@dataclass(frozen=True, slots=True)
class Reason:
    comparison: str
    sentence: str
    weight: float
    strength: str  # strongly for | for | slightly for | neutral | ..., in the reader's language

    @property
    def direction(self) -> str:
        if self.weight > 0:
            return "for"
        return "against" if self.weight < 0 else "neutral"


STRENGTHS = {
    "neutral": N_("neutral"),
    "strongly for": N_("strongly for"),
    "for": N_("for"),
    "slightly for": N_("slightly for"),
    "strongly against": N_("strongly against"),
    "against": N_("against"),
    "slightly against": N_("slightly against"),
}


def strength(weight: float, tr: Translator = ENGLISH) -> str:
    if weight == 0:
        return tr.gettext(STRENGTHS["neutral"])
    side = "for" if weight > 0 else "against"
    size = abs(weight)
    if size >= STRONG:
        return tr.gettext(STRENGTHS[f"strongly {side}"])
    return tr.gettext(STRENGTHS[side if size >= MODERATE else f"slightly {side}"])


def reasons(evidence: Iterable[Mapping[str, Any]], tr: Translator = ENGLISH) -> list[Reason]:
    """The evidence of one link or match, strongest first, each with its sentence in `tr`'s
    language. A `detail` stored with the evidence (a guard's, in English) is translated when
    the catalogue knows it; one made for this reader (`check(..., tr=)`) is shown as it is."""
    out = []
    for item in evidence:
        comparison, level = str(item["comparison"]), str(item["level"])
        weight = float(item["match_weight"])
        said = sentence(item, tr) or f"{comparison}: {level}."
        out.append(Reason(comparison, said, weight, strength(weight, tr)))
    # A rule of the check decides more than any weight: it comes first.
    return sorted(out, key=lambda r: (r.comparison != RULE, -abs(r.weight), r.comparison))


def sentence(item: Mapping[str, Any], tr: Translator = ENGLISH) -> str | None:
    """One piece of evidence in a sentence, or None when no sentence is known for it."""
    detail = item.get("detail")
    if detail:
        return tr.gettext(str(detail))
    known = SENTENCES.get((str(item.get("comparison")), str(item.get("level"))))
    return tr.gettext(known) if known else None


def certainty(probability: float, tr: Translator = ENGLISH) -> str:
    """The probability in words."""
    if probability >= 0.99:
        return tr.gettext("almost certainly the same firm")
    if probability >= 0.9:
        return tr.gettext("very likely the same firm")
    if probability >= 0.5:
        return tr.gettext("possibly the same firm: a person should confirm")
    return tr.gettext("probably not the same firm")


def identity_detail(value: str, tr: Translator = ENGLISH) -> str:
    return tr.gettext(
        "The RFC {value} is this firm's, and its check digit holds: an RFC identifies one "
        "taxpayer, so this is the firm whatever else differs."
    ).format(value=value)


def _sanctioned(firm: str | None, tr: Translator) -> str:
    if firm:
        return tr.gettext("{firm}, a sanctioned firm").format(firm=firm)
    return tr.gettext("a sanctioned firm")


def neighbour_detail(given: str, theirs: str, firm: str | None, tr: Translator = ENGLISH) -> str:
    return tr.gettext(
        "The RFC given, {given}, is one typo (a character changed, or two swapped) from "
        "{theirs}, the RFC of {who}: a person must confirm which firm the supplier is."
    ).format(given=given, theirs=theirs, who=_sanctioned(firm, tr))


def stem_detail(given: str, theirs: str, firm: str | None, tr: Translator = ENGLISH) -> str:
    return tr.gettext(
        "The RFC given, {given}, has no homoclave (its last 3 characters) and starts like "
        "{theirs}, the RFC of {who}: firms registered the same day share these letters and "
        "date, so a person must confirm which firm the supplier is."
    ).format(given=given, theirs=theirs, who=_sanctioned(firm, tr))


def rfc_note(
    kind: str,
    check_ok: bool | None,
    corrected_from: str | None = None,
    tr: Translator = ENGLISH,
) -> str | None:
    """What an officer must know about the RFC they gave, or None when it is sound."""
    notes = []
    if corrected_from is not None:
        notes.append(
            tr.gettext(
                "{value} has an O for a 0 or an I for a 1 (or the reverse) where only the "
                "other can stand; it was read with them corrected."
            ).format(value=corrected_from)
        )
    if check_ok is False:
        notes.append(
            tr.gettext(
                "This RFC's check digit (its last character) does not agree with the rest: it "
                "is probably mistyped. Compare it with the supplier's tax certificate (constancia "
                "de situación fiscal)."
            )
        )
    if check_ok is None:
        notes.append(
            tr.gettext(
                "This RFC is given without its homoclave (the last 3 characters), so it cannot "
                "single out a taxpayer: ask the supplier for the whole RFC."
            )
        )
    return " ".join(notes) or None


# What a check's verdict tells an officer. The verdict codes stay English everywhere (the API's
# `verdict`, CSS classes); these words are the page's. `{on}`: the award date, as the reader
# writes dates.
VERDICTS: dict[str, dict[str, str]] = {
    "barred": {
        "badge": N_("BARRED"),
        "headline": N_("Do not award: this supplier is barred from public contracts on {on}."),
        "advice": N_(
            "A debarment in force on that day covers the firm this supplier resolves to. "
            "The sanction, its authority and why Testigo thinks it is this firm are below."
        ),
    },
    "warning": {
        "badge": N_("WARNING"),
        "headline": N_("Check before awarding."),
        "advice": N_(
            "The firm is on the SAT 69-B list of shell-invoice firms, was debarred until "
            "recently, or was fined. That does not bar an award by itself: read the facts below."
        ),
    },
    "review": {
        "badge": N_("NEEDS REVIEW"),
        "headline": N_("A sanctioned firm may be this supplier."),
        "advice": N_(
            "Testigo is not sure the supplier is that firm. Compare the records below, or "
            "ask an auditor, before awarding."
        ),
    },
    "clear": {
        "badge": N_("CLEAR"),
        "headline": N_("No sanction found for this supplier on {on}."),
        "advice": N_(
            "No debarment, 69-B listing or fine of a firm matching this supplier is in "
            "the data Testigo holds (as of its last update)."
        ),
    },
}


def verdict_words(verdict: str, on: str | date, tr: Translator = ENGLISH) -> dict[str, str]:
    """The badge, headline and advice of a verdict code in `tr`'s language; `on` as shown."""
    return {k: tr.gettext(v).format(on=on) for k, v in VERDICTS[verdict].items()}
