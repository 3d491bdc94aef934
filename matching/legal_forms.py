"""Legal-form suffixes (S.A. DE C.V. and kin): find one at the end of a tokenised name.

Works on the tokens left once punctuation became spaces, so "S.A. DE C.V.", "S. A. DE C. V.",
"S.A.DE C.V.", "SA DE CV" and a glued "SADECV" all concatenate to "SADECV" (the *compact*
spelling). A suffix is looked up by the compact spelling of whole tokens only: "SALUD SA DE CV"
keeps SALUD, and a name ending "... CASA" never loses its "SA".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

# Mexican forms, most frequent first: the order breaks ties when a cut-off tail ("S DE") could
# start several forms of one length. Each is (canonical, other compact spellings seen in real
# files).
_Forms = list[tuple[str, tuple[str, ...]]]

_MEXICAN: _Forms = [
    ("SA DE CV", ("SACV",)),  # "S.A. C.V." (SAT)
    # Typos seen in SFP and SAT: "S. DE R. DE C.V.", "S.A. DE R.L. DE C.V.", "S. DE LR. DE
    # C.V.", "S. DE R.L. C.V."
    ("S DE RL DE CV", ("SDERDECV", "SADERLDECV", "SDELRDECV", "SDERLCV")),
    ("SC", ()),
    ("SA", ()),
    ("S DE RL", ("SADERL",)),
    # Spelled out: "SOCIEDAD ANONIMA PROMOTORA DE INVERSION DE CAPITAL VARIABLE".
    ("SAPI DE CV", ("SAPDEIDECV",)),
    ("SAB DE CV", ()),
    ("SAS DE CV", ()),
    ("SAS", ()),
    ("SAPI", ("SAPDEI",)),
    ("SAB", ()),
    # Cooperatives: "S.C. DE C. DE R.L. DE C.V." (consumo), "S.C. DE P. DE R.L. DE C.V."
    ("SC DE RL DE CV", ("SCDECDERLDECV", "SCDEPDERLDECV")),
    ("SC DE RL", ("SCDESRL", "SCDECDERL", "SCDEPDERL")),
    ("SC DE CV", ()),
    ("SCP", ()),
    ("SCL", ()),
    ("SCU", ()),
    ("SC DE RS DE CV", ()),
    ("S DE RL MI", ("SDERLDEMI", "SRLMI", "SDERLMIDECV")),
    ("SRL DE CV", ()),  # read as S DE RL DE CV (_SAME_FORM), cut as itself
    ("SRL", ()),
    ("SPR DE RL", ("SDEPRDERL",)),  # spelled out: SOCIEDAD DE PRODUCCION RURAL DE R.L.
    ("SPR DE RL DE CV", ()),
    ("SPR DE RI", ()),
    ("SPR", ("SDEPR",)),
    ("AC", ()),
    ("A EN P", ()),
    ("ABP", ()),
    ("IAP", ()),
    ("IBP", ()),
    ("S EN C", ()),
    ("S EN CS", ()),
    ("S EN NC", ("SENNCDECV",)),
    ("S EN CPA", ("SENCPORA", "SENCPORADECV")),
    ("S DE SS", ()),
    ("SOFOM ENR", ()),
    ("SOFOM ER", ()),
]
_SOFOM_BASES = ("SA DE CV", "SAPI DE CV", "SAB DE CV", "SA")
# Foreign forms are only taken whole: a cut-off "IN" or "LT" is too likely a word.
_FOREIGN: _Forms = [
    ("INC", ("INCORPORATED",)),
    ("CORP", ()),
    ("LLC", ()),
    ("LTD", ("LIMITED",)),
    ("CO LTD", ("COLIMITED",)),
    ("PLC", ()),
    ("GMBH", ()),
    ("GMBH & CO KG", ()),
    ("BV", ()),
    ("NV", ()),
    ("SAU", ()),
    ("SL", ()),
    ("SARL", ()),
]

# Spelled-out words of a legal form stand for their initial ("SOCIEDAD ANONIMA DE CAPITAL
# VARIABLE" is "SADECV"). Only a suffix whose whole compact spelling is a form is removed, so
# "INGENIERIA CIVIL" keeps CIVIL.
_WORD_LETTERS: dict[str, str] = {
    "SOCIEDAD": "S",
    "ANONIMA": "A",
    "CAPITAL": "C",
    "VARIABLE": "V",
    "RESPONSABILIDAD": "R",
    "LIMITADA": "L",
    "ILIMITADA": "I",
    "CIVIL": "C",
    "ASOCIACION": "A",
    "PARTICIPACION": "P",
    "COOPERATIVA": "C",
    "PROMOTORA": "P",
    "INVERSION": "I",
    "BURSATIL": "B",
    "SIMPLIFICADA": "S",
    "PRODUCCION": "P",
    "RURAL": "R",
}

# The words a form spelt out begins with (SOCIEDAD ANONIMA ..., ASOCIACION CIVIL): the rest
# (CAPITAL, PROMOTORA, RURAL) are words of firms' names too.
FORM_STARTS: frozenset[str] = frozenset({"SOCIEDAD", "ASOCIACION"})

# A tail cut off before the end of a form must be this long and span two tokens or more:
# a lone token such as "SAD" or "SADE" is more likely a word than a glued, cut-off form.
_MIN_CUT_LETTERS = 3
_CONNECTOR = "DE"


# S.R.L. is how some write S. DE R.L., Mexico's one limited-liability company (SINERGIA 17,
# S.R.L. DE C.V. in the SFP directory; nine such names in the bundled real files): the same
# form, not a sibling's. Listed above as forms of their own so that their cuts are read.
_SAME_FORM = {"SRL DE CV": "S DE RL DE CV", "SRL": "S DE RL"}


def _compact(canonical: str) -> str:
    return canonical.replace(" ", "")


def _build() -> tuple[dict[str, str], dict[str, str]]:
    mexican = list(_MEXICAN)
    for base in _SOFOM_BASES:
        mexican += [(f"{base} SOFOM ENR", ()), (f"{base} SOFOM ER", ())]
    whole: dict[str, str] = {}
    for canonical, aliases in mexican + _FOREIGN:
        for spelling in (_compact(canonical), *aliases):
            whole.setdefault(spelling, canonical)
    cut: dict[str, str] = {}
    for canonical, _ in mexican:
        compact = _compact(canonical)
        for end in range(_MIN_CUT_LETTERS, len(compact)):
            prefix = compact[:end]
            if prefix not in whole and prefix not in cut:
                cut[prefix] = _complete(prefix, whole, mexican)
    same = _SAME_FORM.get
    return {k: same(v, v) for k, v in whole.items()}, {k: same(v, v) for k, v in cut.items()}


def _complete(prefix: str, whole: dict[str, str], mexican: _Forms) -> str:
    # "S.A. DE" is certainly an S.A. and only probably an S.A. DE C.V.: a tail that stops in
    # the connector names the form before it. "S.A. DE C" has begun the next part, so it
    # names the shortest form that the most frequent one it can start begins with: "S. DE R" and
    # "S. DE" are S. DE R.L., which the guards read as the start of S. DE R.L. DE C.V. too
    # (`guards._cut_form`; named S. DE R.L. DE C.V., it was another form than S. DE R.L.), and
    # "SOFOM E" is E.N.R., the frequent one (E.R. does not start it).
    for split in range(len(prefix) - 1, 0, -1):
        rest = prefix[split:]
        if prefix[:split] in whole and _CONNECTOR.startswith(rest):
            return whole[prefix[:split]]
    candidates = [_compact(c) for c, _ in mexican if _compact(c).startswith(prefix)]
    frequent = candidates[0]
    return whole[min((c for c in candidates if frequent.startswith(c)), key=len)]


_WHOLE, _CUT = _build()
# Every ending of a spelling: a suffix that is not one cannot grow into a form, so the scan
# stops at once on most names ("... LOPEZ").
_ENDINGS = frozenset(key[start:] for key in (*_WHOLE, *_CUT) for start in range(len(key)))

LEGAL_FORMS: frozenset[str] = frozenset(_WHOLE.values())


def match_suffix(tokens: Sequence[str], *, allow_cut: bool = True) -> tuple[int, str] | None:
    """The longest run of whole tokens at the end that spells a legal form, whole or cut off.

    Returns (how many tokens it takes, canonical form), e.g. (5, "SA DE CV") for
    [..., "S", "A", "DE", "C", "V"], or None.
    """
    found: tuple[int, str] | None = None
    compact = ""
    for taken, token in enumerate(reversed(tokens), start=1):
        compact = _WORD_LETTERS.get(token, token) + compact
        if compact not in _ENDINGS:
            break
        form = _WHOLE.get(compact)
        if form is None and allow_cut and taken >= 2:
            form = _CUT.get(compact)
        if form is not None:
            found = (taken, form)
    return found


# A form mistyped by one letter (S.A. DR C.V., S.A. DE C.B., S. DE R.L. DE C.B.): left in the
# name, its letters read as words no other record of the firm has. Only a form of five letters
# or more, written in short tokens as forms are, with its first letter right, is read so: a
# shorter one (S.C., S.A.) is one letter from too many words.
_TYPO_MIN_LETTERS = 5
_TYPO_MAX_TOKEN = 4


def mistyped_suffix(tokens: Sequence[str]) -> tuple[int, str] | None:
    """Like `match_suffix`, for a whole form with one letter wrong (a substitution), when no
    form is found as written; the name keeps one token at least."""
    found: tuple[int, str] | None = None
    compact = ""
    for taken, token in enumerate(reversed(tokens), start=1):
        if len(token) > _TYPO_MAX_TOKEN or taken == len(tokens):
            break
        compact = token + compact
        if len(compact) >= _TYPO_MIN_LETTERS and (form := _one_letter_off(compact)) is not None:
            found = (taken, form)
    return found


# Canonical Mexican spellings only: an alias or a foreign form would bring its own neighbours
# (SOL DE CV is one letter from SRL DE CV).
_TYPO_TARGETS = {
    _compact(c): _SAME_FORM.get(c, c)
    for c, _ in _MEXICAN
    if len(_compact(c)) >= _TYPO_MIN_LETTERS and c not in _SAME_FORM
}


@lru_cache(maxsize=1 << 12)
def _one_letter_off(compact: str) -> str | None:
    for spelling, canonical in _TYPO_TARGETS.items():
        if (
            len(spelling) == len(compact)
            and spelling[0] == compact[0]
            and sum(a != b for a, b in zip(spelling, compact, strict=True)) == 1
        ):
            return canonical
    return None
