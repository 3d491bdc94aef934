"""Pairs the model scores high but that are often two firms: they are held to the review
band, never linked automatically. All but one are pairs that no RFC confirms.

The model's comparisons weigh how alike two names are; some likenesses are how *different*
firms (or people) look, not how one firm is mistyped. Each guard names one such likeness, and
holds only when the two records' RFCs do not agree (both present and equal, or one typo
apart: then the RFC decides):

- `person order`: a person's name is published as NOMBRE AP1 AP2 or AP1 AP2 NOMBRE, rotations of
  one order. The same words in an order that is not a rotation (FRANCISCO SALAZAR HERNANDEZ,
  FRANCISCO HERNANDEZ SALAZAR) are another person.
- `another order of a registered name`: the same words with the firm's own (distinctive) words
  in another order, one name written whole with its form (PROYECTOS URBINA Y GAMBOA, S.A. DE
  C.V. and PROYECTOS GAMBOA Y URBINA): a registered name is unique in its order too.
- `extended by several firms`: a name that is the start of the other (a cut at 35 or 40
  characters, or whole words fewer) stands for any firm that starts that way; it only links on
  its own when exactly one name in the corpus extends it, or exactly one at the postal code
  both records give (a firm's own name cut short inside a word of its longer name is not
  another name: `Extensions.count`; two records under one name cut inside a written legal
  form, S. DE R.L. or S. A. S., are not ambiguous: its own words are whole, `_words_cut`).
- `different words`: each name has a word the other lacks (not within a typo or an
  abbreviation of any of its words; particles aside; a cut name's last word may be any word's
  start; two common words each spelt right are two words, PROYECTOS and PRODUCTOS, unless
  number or gender; so are two long words two edits apart that the corpus shows in use, each
  in several firms' names, comparably often: IMPULSORA and IMPRESORA, `Extensions.in_use`):
  PROVEEDORA ESPINOSA DE CONSTRUCCION and PROVEEDORA ESPINOSA INDUSTRIAL, QUIMAL and QUIMVA...
  are siblings, not spellings.
- `one letter in the only distinctive word` (and `two letters ...`): a one-edit difference
  inside the only word that tells the firm apart (QUIMAL, QUIMVA) looks like a typo and is as
  often another coined name; two edits in a whole word of 8 letters or more (IMPULSORA,
  IMPRESORA) even more so, unless they are the word's number or gender (shorter words two
  edits apart are different words already).
- `a longer registered name`: one name is whole (it ends in its legal form and is not cut to
  a publisher's length) and the other is it with words added, its own form written, dropped or
  cut away (FARMACIAS SANCHEZ, S.A. DE C.V. and FARMACIAS SANCHEZ DE INGENIERIA). A registered
  name is unique, and buyers drop words but seldom add them, so the longer one is another
  company's unless an RFC says otherwise. A misspelt or spelt-out form (S.C.C., SOCIEDAD) adds
  no word.
- `other legal form`: a name under another legal form (S.A. DE C.V., S.A.P.I. DE C.V.,
  S. DE R.L.) is another registration when no RFC says otherwise (spellings of one form
  agree: `legal_forms` reads them to one canonical form).

One guard holds *because* the RFCs agree:

- `one RFC, unrelated names`: one valid company RFC on both records, and names with no word
  and fewer than half their letters in common, neither the other's acronym (CFE, PEMEX). A
  firm renamed, or a record carrying another firm's RFC by mistake (which, linked, would
  bring its own firm's records along): a person tells which. It is no conflict for the
  clustering, and the alert scan still reads the RFC as one taxpayer's (`identifies_by_rfc`).

A guarded pair keeps its evidence, plus one entry that says which guard held and lowers the
match weight to `CAP` (the probability). Batch linking and real-time scoring call `apply`, so
both hold a pair the same way. The automatic threshold must stay above `CAP`.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import DamerauLevenshtein, Indel

from matching.cluster import near_rfcs
from matching.explain import N_
from matching.features import CUT, PARTICLES, distinctive
from matching.legal_forms import FORM_STARTS
from matching.names import ABBREVIATION_WORDS, GENERIC_WORDS, generic_word

COMPARISON = "guard"
# Every feature of a record the guards read: a caller that hands them only some columns (the
# incremental run's coherence reads stored profiles) takes these.
READS = ("unique_id", "name", "name_cut", "name_written", "legal_form", "postal_code", "rfc")
NAME = "name"  # the name comparison (matching.comparisons)
CAP = 0.75  # a guarded pair's probability at most: the review band (auto threshold > CAP)
CAP_WEIGHT = math.log2(CAP / (1 - CAP))

PERSON_ORDER = "person order"
WORD_ORDER = "another order of a registered name"
EXTENDED = "extended by several firms"
DIFFERENT_WORDS = "different words"
ONE_LETTER = "one letter in the only distinctive word"
TWO_LETTERS = "two letters in the only distinctive word"
LONGER_NAME = "a longer registered name"
LEGAL_FORM = "other legal form"
CUT_CONTRADICTED = "cut name, other details against"
BORROWED_RFC = "one RFC, unrelated names"
# `FirmCoherence.name_conflict` of a record whose features it was not given.
UNKNOWN_RECORD = "a record not known to the coherence"

DETAILS = {
    PERSON_ORDER: N_(
        "The same words in another order that is not a rotation of the name: for a "
        "person that is another person (surnames swapped), unless an RFC confirms it."
    ),
    WORD_ORDER: N_(
        "The same words in another order, one name written whole with its legal form: a "
        "registered name is unique in its order too (URBINA Y GAMBOA, GAMBOA Y URBINA), so "
        "it is another company unless an RFC confirms it."
    ),
    EXTENDED: N_(
        "One name is the start of the other, and several firms' names start that way: "
        "it may be any of them, so a person must confirm."
    ),
    DIFFERENT_WORDS: N_(
        "Each name has a distinctive word the other lacks: firms named alike, not "
        "one firm spelt two ways, unless an RFC confirms it."
    ),
    ONE_LETTER: N_(
        "The only distinctive word (besides words many firms' names use) differs by one "
        "letter: a typo, or another firm's coined name. Without an RFC to confirm it, a "
        "person must decide."
    ),
    TWO_LETTERS: N_(
        "The only distinctive word differs by two letters: two typos, or another firm's "
        "name. Without an RFC to confirm it, a person must decide."
    ),
    LONGER_NAME: N_(
        "One name is whole, with its legal form, and the other adds words to it: a "
        "registered name is unique, so it is another company unless an RFC confirms it."
    ),
    CUT_CONTRADICTED: N_(
        "One name is cut to a publisher's length, so it agrees only as far as the "
        "cut, and the rest of the evidence is against the pair: a person must confirm."
    ),
    LEGAL_FORM: N_(
        "The same name under another legal form is another registration unless an RFC confirms it."
    ),
    BORROWED_RFC: N_(
        "Both records carry one company RFC, but their names are unrelated: another firm's "
        "RFC filed by mistake, or a firm that changed its name. A person must decide; the "
        "RFC still raises its sanctions' alerts."
    ),
}

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Extensions:
    """The distinct names of the corpus, sorted: how many of them start with a given name; and
    the same per postal code (`located`: "POSTAL|NAME", sorted), so that a cut name extended by
    several firms can still be told apart by its address when only one of them is there. With
    the firms per word (`words`): the words in use (`in_use`), the words of the trade
    (`common`) and the settled spellings (`spelt`)."""

    names: Sequence[str]  # a tuple while linking; a mapped Arrow column in the real-time index
    located: Sequence[str] = ()
    # Firms per word (`Corpus.token_firms`): how a word spelt right is told from a slip.
    words: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        names: Iterable[str | None],
        places: Iterable[tuple[str | None, str | None]] = (),
        words: Mapping[str, int] | None = None,
    ) -> Extensions:
        """From the corpus's names, its (name, postal code) pairs where it has them, and its
        firms per word."""
        pairs = list(places)
        return cls.of_columns(
            pa.array(list(names), pa.string()),
            pa.array([n for n, _ in pairs], pa.string()),
            pa.array([p for _, p in pairs], pa.string()),
            words,
        )

    @classmethod
    def of_columns(
        cls,
        names: pa.Array | pa.ChunkedArray,
        placed: pa.Array | pa.ChunkedArray,
        postal_codes: pa.Array | pa.ChunkedArray,
        words: Mapping[str, int] | None = None,
    ) -> Extensions:
        """From Arrow columns, as `extension_columns` takes them."""
        found, located = extension_columns(names, placed, postal_codes)
        return cls(tuple(found.to_pylist()), tuple(located.to_pylist()), words or {})

    def in_use(self, a: str, b: str) -> bool:
        """Both words are in use, each spelt so by several firms, the rarer by at least a
        tenth as many as the other (`KNOWN_WORD_FIRMS`, `SLIP_SHARE`): two words of the
        language or the trade (IMPULSORA, IMPRESORA), not a word and a slip of it."""
        na, nb = self.words.get(a, 0), self.words.get(b, 0)
        return min(na, nb) >= KNOWN_WORD_FIRMS and min(na, nb) * SLIP_SHARE >= max(na, nb)

    def common(self, word: str) -> bool:
        """A word of the trade that many firms' names use (FARMA, DIGITAL, QUIMICA): it tells
        no firm from another, though `names.is_generic` does not list it."""
        return self.words.get(word, 0) >= TRADE_WORD_FIRMS

    def slip_of_common(self, word: str) -> bool:
        """One edit (a letter dropped, added, changed, or two swapped) from a `common` word."""
        return any(self.common(w) for w in _one_edit(word) if w != word)

    def spelt(self, a: str, b: str) -> bool:
        """Each spelling is written so in at least two of the corpus's (firm, name) pairs (two
        firms, or one firm under two names or in two sources): both are names, neither a
        one-off slip of the other."""
        return min(self.words.get(a, 0), self.words.get(b, 0)) >= SPELT_FIRMS

    def count(self, prefix: str) -> int:
        """Firms whose names start with `prefix` and are longer than it: 0, 1 or `SEVERAL`."""
        return _extending(self.names, prefix)

    def count_at(self, prefix: str, postal_code: str) -> int:
        """The same among the names at `postal_code`."""
        return _extending(self.located, f"{postal_code}{PLACE}{prefix}", len(postal_code) + 1)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZÑ"


def _one_edit(word: str) -> set[str]:
    """Every spelling one edit from `word`: a few hundred, each looked up in the word counts
    (asked only of pairs every other test of `_coined_letter` has let through)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return out


PLACE = "|"  # between a postal code and a name in `Extensions.located`
# A slip is made once and seldom made again the same way: a spelling several firms' names use
# is a word. A slip of a very common word may recur, but stays far rarer than the word.
KNOWN_WORD_FIRMS = 3
SLIP_SHARE = 10
TRADE_WORD_FIRMS = 10
SPELT_FIRMS = 2


def extension_columns(
    names: pa.Array | pa.ChunkedArray,
    placed: pa.Array | pa.ChunkedArray,
    postal_codes: pa.Array | pa.ChunkedArray,
) -> tuple[pa.Array, pa.Array]:
    """`Extensions`' two sorted columns: the distinct names, and "POSTAL|NAME" for each
    (`placed`, `postal_codes`) pair that has both. Arrow sorts UTF-8 by its bytes, which is
    code-point order, Python's order of str: a bisect over either agrees."""
    present = pc.filter(names, pc.not_equal(names, ""))
    both = pc.and_(pc.not_equal(placed, ""), pc.not_equal(postal_codes, ""))
    located = pc.binary_join_element_wise(
        pc.filter(postal_codes, both), pc.filter(placed, both), PLACE
    )
    return _sorted_distinct(present), _sorted_distinct(located)


def _sorted_distinct(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    distinct = pc.unique(values)
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    return distinct.take(pc.sort_indices(distinct)).cast(pa.string())


SEVERAL = 2  # `Extensions.count` stops counting here: the guards ask "one, or several?"
# A name at least this long that another name continues within its last word is that name cut
# by a publisher (at 35, 40 or 64 characters, `features.CUT_LENGTHS`, less the punctuation the
# normalised name drops), not another firm: "... DE INSTALACIONES ELECT" and "... DE
# INSTALACIONES ELECTRICAS 2000" are one firm's names. Shorter ones may be two coined names
# (GRUPO ALFA, GRUPO ALFAMEX); a cut at a word's end may be a shorter firm's whole name.
CUT_SHORT = 25


def _extending(ordered: Sequence[str], prefix: str, skip: int = 0) -> int:
    """Of the sorted `ordered`, the firms whose names extend `prefix`, up to `SEVERAL`: each
    name counts but one cut short of another (`CUT_SHORT`). `skip`: leading characters that
    are not the name (a postal code)."""
    start = bisect_left(ordered, prefix)
    end = bisect_left(ordered, prefix + "\x7f", lo=start)
    if start < end and ordered[start] == prefix:
        start += 1
    found = 0
    for i in range(start, end):
        name = ordered[i]
        # The first name sorting after `name` + a non-space character goes on from `name`
        # within its last word, if any name does.
        after = bisect_left(ordered, name + "!", lo=i + 1, hi=end)
        cut_short = (
            len(name) - skip >= CUT_SHORT and after < end and ordered[after].startswith(name)
        )
        if not cut_short:
            found += 1
            if found == SEVERAL:
                break
    return found


def rfcs_agree(left: Row, right: Row) -> bool:
    a, b = left["rfc"], right["rfc"]
    return a is not None and b is not None and (a == b or near_rfcs(a, b))


def _is_rotation(a: list[str], b: list[str]) -> bool:
    if len(a) != len(b):
        return False
    doubled = a + a
    return any(doubled[i : i + len(b)] == b for i in range(len(a)))


def _person_like(tokens: list[str]) -> bool:
    return (
        2 <= len(tokens) <= 6
        and all(t.isalpha() for t in tokens)
        and not any(t in GENERIC_WORDS for t in tokens)
    )


def _abbreviates(short: str, long_: str) -> bool:
    """`short` keeps the first letter of `long_` and some of the rest in order: SERVS, CIA,
    ADMON, HNO, INTL, COMERCIALIZ abbreviate SERVICIOS, COMPANIA, ADMINISTRACION, HERMANOS,
    INTERNACIONAL, COMERCIALIZADORA."""
    if len(short) < 3 or len(short) >= len(long_) or short[0] != long_[0]:
        return False
    rest = iter(long_[1:])
    return all(letter in rest for letter in short[1:])


def _words_alike(a: str, b: str, extensions: Extensions | None = None) -> bool:
    """One word a typo or an abbreviation of the other (SERVS / SERVICIOS, COMERCIALIZ, and
    CORP / CORPORATIVO: an abbreviation may stand for any of its words). `extensions`: the
    corpus's words in use, when known."""
    if a == b or _abbreviates(a, b) or _abbreviates(b, a):
        return True
    if b in ABBREVIATION_WORDS.get(a, ()) or a in ABBREVIATION_WORDS.get(b, ()):
        return True
    ga, gb = generic_word(a), generic_word(b)
    if ga is not None and gb is not None and (a in GENERIC_WORDS or b in GENERIC_WORDS):
        # Two common words, each spelt right, are two words (PROYECTOS and PRODUCTOS), not a
        # typo of one: a typo seldom lands on another word of the list. So is one of them
        # mistyped (PRODCTOS, one slip from PRODUCTOS, is not PROYECTOS two slips away): a
        # record must not bridge two firms by a slip in their common word. Number, gender
        # and the English word make one word (SERVICIO, SERVICIOS, SERVICES).
        a, b = _IN_SPANISH.get(ga, ga), _IN_SPANISH.get(gb, gb)
        return a == b or _inflected(a, b)
    limit = 2 if min(len(a), len(b)) >= 8 else 1
    edits = DamerauLevenshtein.distance(a, b, score_cutoff=limit)
    if edits == limit == 2 and extensions is not None and not _inflected(a, b):
        # Two slips in one word are as likely as another word in use: IMPULSORA and
        # IMPRESORA, each in many firms' names, are two trades. One edit stays a slip
        # (ESPINOSA, ESPINOZA: one surname as often as two).
        return not extensions.in_use(a, b)
    return edits <= limit


# The list's English words, as the Spanish word they stand for: INTERNATIONAL for
# INTERNACIONAL is one slip, and a firm's name may be written in either.
_IN_SPANISH = {
    "SERVICES": "SERVICIOS",
    "SOLUTIONS": "SOLUCIONES",
    "INTERNATIONAL": "INTERNACIONAL",
    "CONSULTING": "CONSULTORIA",
    "GROUP": "GRUPO",
}


def _words(row: Row) -> list[str]:
    """The words of a name but particles, as written where an abbreviation of it stands for
    several words (names.ABBREVIATION_WORDS): CORP. written out as CORPORACION is no word
    against CORPORATIVO."""
    return [t for t in (row["name_written"] or row["name"]).split() if not _particle_like(t)]


# A one- or two-letter word one slip from a two-letter particle, or a one-letter particle
# doubled, is a mistyped particle (SE, DD, DR for DE; OA for LA; YY for Y), not a word.
_TWO_LETTER_PARTICLES = tuple(p for p in PARTICLES if len(p) == 2)
_DOUBLED_PARTICLES = frozenset(p * 2 for p in PARTICLES if len(p) == 1)


def _particle_like(token: str) -> bool:
    if token in PARTICLES or token in _DOUBLED_PARTICLES:
        return True
    return len(token) <= 2 and any(
        DamerauLevenshtein.distance(token, p, score_cutoff=1) <= 1 for p in _TWO_LETTER_PARTICLES
    )


def _unmatched(
    mine: list[str], theirs: list[str], cut: bool = False, extensions: Extensions | None = None
) -> list[str]:
    """Words of `mine` alike to none of `theirs`; `cut`: `mine` is a name cut to a
    publisher's length, whose last word may be any word's start, mistyped or not."""
    out = [t for t in mine if not any(_words_alike(t, o, extensions) for o in theirs)]
    if cut and out and out[-1] == mine[-1] and any(_starts(mine[-1], o) for o in theirs):
        out.pop()
    return out


def _starts(start: str, word: str) -> bool:
    """`start` is how `word` starts, within a typo (a dropped or doubled letter shifts the
    cut by one); a start of three letters or fewer must be exact (C, OB: too many words)."""
    if len(start) <= 3:
        return word.startswith(start)
    return any(
        DamerauLevenshtein.distance(start, word[:n], score_cutoff=1) <= 1
        for n in (len(start) - 1, len(start), len(start) + 1)
        if n <= len(word)
    )


def _extended(left: Row, right: Row, extensions: Extensions) -> bool:
    a, b = left["name"], right["name"]
    short, long_, short_row, long_row = (
        (a, b, left, right) if len(a) <= len(b) else (b, a, right, left)
    )
    cut = short_row["name_cut"] is not None
    if short == long_:
        # Two records under one cut name: ambiguous when several longer names start that way.
        return (_words_cut(left) or _words_cut(right)) and extensions.count(short) >= SEVERAL
    if cut and long_.startswith(short):
        return extensions.count(short) >= SEVERAL and not _one_there(
            short_row, long_row, short, extensions
        )
    if long_.startswith(short + " "):
        prefix = short + " "
        return extensions.count(prefix) >= SEVERAL and not _one_there(
            short_row, long_row, prefix, extensions
        )
    return False


def _words_cut(row: Row) -> bool:
    """The name may have lost words to a publisher's cut (`features.CUT`). A name that ends in
    a written legal form (S. DE R.L., cut from S. DE R.L. DE C.V.; S. A. S. with its dots) was
    cut inside its form, if at all (`features.CUT_FORM`): its own words are whole, so two
    records under it are not one of the several firms that extend it. A bare SA may be the
    start of a cut word (SANITARIOS) and proves nothing. Read for two records under one name
    only: the other guards read any cut (`name_cut`), as a cut form may be a sibling firm's
    form (measured in bench/README.md, eighth round)."""
    return bool(row["name_cut"] == CUT)


def _longer_registered(left: Row, right: Row) -> bool:
    """A whole name (its legal form written, not cut to a publisher's length) and the same
    name with words added: the longer is another registered name, whether its own form is
    written or not, cut or not (INSUMOS ALVARADO, S. DE R.L. and INSUMOS ALVARADO DEL NORTE).
    A buyer drops words, seldom adds them. A short name without its form, or cut, may be any
    longer name cut or shortened: the cut-name guards judge it."""
    a, b = str(left["name"]), str(right["name"])
    short_row, long_row = (left, right) if len(a) < len(b) else (right, left)
    short, long_ = str(short_row["name"]), str(long_row["name"])
    if not _whole(short_row):
        return False
    if not long_.startswith(short + " "):
        return False
    added = long_[len(short) + 1 :].split()
    if _whole(long_row):
        # Both whole: a stray particle or letter before the form (MEDICA ALFA DE, S.A. DE C.V.)
        # adds no word; any other word does (ALFA GAS, VECTOR CAPITAL).
        return any(len(t) > 1 and not _particle_like(t) for t in added)
    return any(_added_word(t) for t in _before_form(added, long_row["name_cut"] is not None))


def _whole(row: Row) -> bool:
    """The name as registered: its legal form written, and not cut to a publisher's length."""
    return row["legal_form"] is not None and row["name_cut"] is None


def _reordered_registered(left: Row, right: Row, ta: list[str], tb: list[str]) -> bool:
    """The words that tell the firm apart come in another order, and one name is whole (its
    form written, not cut): a registered name, which buyers copy, not reorder. A generic word
    moved (CONSTRUCTORA GARZA, GARZA CONSTRUCTORA) is no other order of the firm's own
    words."""
    return (_whole(left) or _whole(right)) and distinctive(ta) != distinctive(tb)


def _before_form(added: list[str], cut: bool) -> list[str]:
    """The added words before a form spelt out (SOCIEDAD ANONIMA, ASOCIACION CIVIL: unparsed
    when misspelt or cut), or before the start of one on a cut name's last word (SOCIE)."""
    last = len(added) - 1
    for i, token in enumerate(added):
        if token in FORM_STARTS or (
            cut and i == last and len(token) >= 4 and any(w.startswith(token) for w in FORM_STARTS)
        ):
            return added[:i]
    return added


def _added_word(token: str) -> bool:
    """A word of the longer name's own where its form is not written whole: four letters or
    more, as what a misspelt form leaves (S.C.C., S.A. DE C.B.) is shorter."""
    return len(token) >= 4 and not _particle_like(token)


# Endings that make one Spanish word of another: number and gender (PAVIMENTACION,
# PAVIMENTACIONES; FARMACEUTICA, FARMACEUTICOS).
_INFLECTIONS = frozenset({"", "S", "ES", "A", "O", "AS", "OS"})


def _inflected(a: str, b: str) -> bool:
    """One word in another number or gender: the two differ only in such an ending."""
    shorter = min(len(a), len(b))
    stem = next((i for i in range(shorter) if a[i] != b[i]), shorter)
    return a[stem:] in _INFLECTIONS and b[stem:] in _INFLECTIONS


def _two_letters(a: str, b: str, cut: bool) -> bool:
    """Two edits apart, the only distinctive words are another name rather than two typos:
    both words whole (a cut name's last word is any word's start), of 8 letters or more (an
    abbreviation, TRVX for TRIVAX, is no other name), and not one word's number or gender."""
    if cut or min(len(a), len(b)) < 8:
        return False
    return not _inflected(a, b)


def _one_there(short_row: Row, long_row: Row, prefix: str, extensions: Extensions) -> bool:
    """Both records give one postal code, and the longer name is the only one that extends
    `prefix` there: the address tells which of the extending firms the short name is. Firms of
    one group often share an address; then several extend it there, and the pair is held."""
    postal = short_row["postal_code"]
    return (
        postal is not None
        and postal == long_row["postal_code"]
        and extensions.count_at(prefix, postal) == 1
    )


def _cut_contradicted(left: Row, right: Row, others: float) -> bool:
    """A cut name agrees with the other only as far as the cut: the words that would tell
    siblings apart are gone, so the name's likeness must not outweigh the rest of the
    evidence (`others`: the match weight of every comparison but the name) when that is
    against the pair, e.g. postal codes that differ where the data says firms keep theirs."""
    # Any cut, of the words or of the form only: S. DE R.L. may be S. DE R.L. DE C.V. cut or
    # its sibling firm, and the rest of the evidence is what tells them apart.
    return (left["name_cut"] is not None or right["name_cut"] is not None) and others < 0


def _cut_prefix(left: Row, right: Row) -> bool:
    a, b = str(left["name"]), str(right["name"])
    if a == b:
        return False
    return (left["name_cut"] is not None and b.startswith(a)) or (
        right["name_cut"] is not None and a.startswith(b)
    )


def _cut_form(left: Row, right: Row) -> bool:
    """One form is the start of the other on a name cut to a publisher's length (S.A. DE C.V.
    cut to S.A.): the same form, not another."""
    fa, fb = str(left["legal_form"]), str(right["legal_form"])
    return (left["name_cut"] is not None and fb.startswith(fa)) or (
        right["name_cut"] is not None and fa.startswith(fb)
    )


# What makes two records not one firm, for the clustering; the other guards only ask a
# person to confirm (a typo is as likely as a sibling, a cut name may be any of its firms).
# A cut name at another address is a conflict: the cut took the words that told its firms
# apart, and a hub record (the full name, with no address) must not join them all.
CONFLICTS = frozenset(
    {PERSON_ORDER, WORD_ORDER, DIFFERENT_WORDS, LEGAL_FORM, LONGER_NAME, CUT_CONTRADICTED}
)


def _coined_letter(
    ta: list[str],
    tb: list[str],
    da: list[str],
    db: list[str],
    cut: bool,
    extensions: Extensions,
) -> bool:
    """One letter apart in a coined word (few firms' names use it: not a surname in wide use)
    whose companions are words of the trade (LISE FARMA, LISO FARMA; CESE DIGITAL, CESU
    DIGITAL), each spelling written so in two or more names: the coined word is the only one
    that tells the firm, as in `ONE_LETTER`, and two settled spellings are two names.

    A one-off spelling is left to the model: a typo is made once, and holding every typo of a
    coined word beside a trade word cost recall on tuning seeds. So is a spelling one letter
    from a word many firms use (TALERES, TLLERES: two slips of TALLERES), a short word (DL,
    DLE: slips of DEL) and the last word of a cut name (…TRATAMIENTO C, …TRATAMIENTO D)."""
    if len(da) != len(db) or len(da) < 2:
        return False
    differ = [i for i, (x, y) in enumerate(zip(da, db, strict=True)) if x != y]
    if len(differ) != 1:
        return False
    x, y = da[differ[0]], db[differ[0]]
    return (
        min(len(x), len(y)) >= MIN_COINED
        and not (cut and (ta[-1] == x or tb[-1] == y))
        and all(extensions.common(w) for w in da if w != x)
        and not (extensions.common(x) or extensions.common(y))  # ESPINOSA / ESPINOZA
        and [t for t in ta if t != x] == [t for t in tb if t != y]
        and extensions.spelt(x, y)
        and DamerauLevenshtein.distance(x, y, score_cutoff=1) == 1
        and not _inflected(x, y)  # number or gender: one name
        and not (extensions.slip_of_common(x) or extensions.slip_of_common(y))
    )


MIN_COINED = 4  # letters: shorter words are mostly slips of particles (DL, DDE for DEL, DE)


def reason(
    left: Row, right: Row, extensions: Extensions, others: float = 0.0, *, rfcs: bool = True
) -> str | None:
    """The guard that holds for this pair, or None. `others`: the match weight of the pair's
    comparisons other than the name (0 when unknown, as in the clustering's coherence).
    `rfcs=False`: what the names say whatever the RFCs do (two RFCs that agree spare a pair
    every guard)."""
    a, b = left["name"], right["name"]
    if a is None or b is None or (rfcs and rfcs_agree(left, right)):
        return None
    ta, tb = a.split(), b.split()
    if (
        ta != tb
        and left["legal_form"] is None
        and right["legal_form"] is None
        and sorted(ta) == sorted(tb)
        and _person_like(ta)
        and not _is_rotation(ta, tb)
    ):
        return PERSON_ORDER
    if ta != tb and sorted(ta) == sorted(tb) and _reordered_registered(left, right, ta, tb):
        return WORD_ORDER
    if _longer_registered(left, right):
        # Under another form too, the form is the reason given. Both are conflicts: where
        # several firms extended the shorter name this was "extended by several firms", a
        # review hold only, before.
        forms = (left["legal_form"], right["legal_form"])
        other_form = None not in forms and forms[0] != forms[1] and not _cut_form(left, right)
        return LEGAL_FORM if other_form else LONGER_NAME
    if _extended(left, right, extensions):
        return EXTENDED
    if _cut_contradicted(left, right, others):
        return CUT_CONTRADICTED
    if _cut_prefix(left, right):
        return None  # a cut name's last word may be any word's start: only its extensions tell
    # Generic words tell siblings apart too (PROVEEDORA ESPINOSA DE CONSTRUCCION, PROVEEDORA
    # ESPINOSA INDUSTRIAL); a word only one side has (GRUPO, S.A.) is no conflict.
    wa, wb = _words(left), _words(right)
    cut_a, cut_b = left["name_cut"] is not None, right["name_cut"] is not None
    if a != b and _unmatched(wa, wb, cut_a, extensions) and _unmatched(wb, wa, cut_b, extensions):
        return DIFFERENT_WORDS
    da, db = distinctive(ta), distinctive(tb)
    if (
        len(da) == 1
        and len(db) == 1
        and da[0] != db[0]
        and [t for t in ta if t != da[0]] == [t for t in tb if t != db[0]]
    ):
        edits = DamerauLevenshtein.distance(da[0], db[0], score_cutoff=2)
        if edits == 1:
            return ONE_LETTER
        if edits == 2 and _two_letters(da[0], db[0], cut_a or cut_b):
            return TWO_LETTERS
    fa, fb = left["legal_form"], right["legal_form"]
    if fa is not None and fb is not None and fa != fb and not _cut_form(left, right):
        return LEGAL_FORM
    # After the legal form: another form is a conflict (the clustering's coherence asks it),
    # this a review hold only.
    if _coined_letter(ta, tb, da, db, cut_a or cut_b, extensions):
        return ONE_LETTER
    return None


def apply(
    left: Row,
    right: Row,
    match_weight: float,
    evidence: list[dict[str, Any]],
    extensions: Extensions,
) -> tuple[float, list[dict[str, Any]]]:
    """(match weight, evidence) of a scored pair once the guards have been asked: unchanged,
    or held to `CAP_WEIGHT` with the guard's entry added."""
    if match_weight <= CAP_WEIGHT:
        return match_weight, evidence
    others = sum(float(e["match_weight"]) for e in evidence if e["comparison"] != NAME)
    found = reason(left, right, extensions, others)
    if found is None and _borrowed_rfc(left, right):
        found = BORROWED_RFC
    if found is None:
        return match_weight, evidence
    entry = {
        "comparison": COMPARISON,
        "level": found,
        "gamma": 0,
        "match_weight": CAP_WEIGHT - match_weight,
        "detail": DETAILS[found],
    }
    return CAP_WEIGHT, [*evidence, entry]


def _borrowed_rfc(left: Row, right: Row) -> bool:
    """One company RFC on both records, and unrelated names (`_unrelated`): the RFC alone links
    them. That is one firm renamed (a 69-B shell firm reappearing under a new name keeps its
    RFC) as often as a record carrying another firm's RFC, which would bring every record of
    its own firm along; a person tells which. The alert scan reads the RFC as the taxpayer's
    all the same (`identifies_by_rfc`), as the check does. A person's RFC beside a business
    name is the person trading under it (`rfc_letters`): not held."""
    rfc = left["rfc"]
    return (
        rfc is not None
        and rfc == right["rfc"]
        and left["kind"] == "company"  # read off the RFC's length (features)
        and left["rfc_mistyped"] is None  # its check digit passes: an RFC the SAT issued
        and _unrelated(left, right)
    )


def _unrelated(left: Row, right: Row) -> bool:
    """No word of one name is a word of the other (within a typo or an abbreviation), and the
    two have fewer than half their letters in common, in order: a name mistyped past the
    point where its RFC still fits it (NEU for ENRU) keeps more than that."""
    if left["name"] is None or right["name"] is None:
        return False  # a check by RFC alone: nothing to call unrelated
    a, b = str(left["name"]), str(right["name"])
    wa, wb = _words(left), _words(right)
    if any(_words_alike(x, y) for x in wa for y in wb):
        return False
    if _acronym(a, b.split()) or _acronym(b, a.split()):
        return False
    return Indel.normalized_similarity(a, b) < 0.5


def _acronym(short: str, words: Sequence[str]) -> bool:
    """`short`, one word, is made of the starts of every word of the other name in order,
    particles optional: CFE for COMISION FEDERAL DE ELECTRICIDAD, PEMEX for PETROLEOS
    MEXICANOS, TELMEX for TELEFONOS DE MEXICO. A firm goes by its acronym as often as by its
    name."""
    if (
        " " in short
        or len(words) < 2
        or len(short) < len(words) - sum(w in PARTICLES for w in words)
    ):
        return False

    def fits(i: int, j: int) -> bool:
        if j == len(words):
            return i == len(short)
        word = words[j]
        if word in PARTICLES and fits(i, j + 1):
            return True
        return any(
            short[i : i + k] == word[:k] and fits(i + k, j + 1)
            for k in range(1, min(len(word), len(short) - i) + 1)
        )

    return fits(0, 0)


def identifies_by_rfc(evidence: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a pair was held for carrying one RFC beside unrelated names: the RFC, valid,
    still names one taxpayer, as an exact valid RFC does in the check
    (`verdict.RFC_IDENTITY_PROBABILITY`). Only pairs the model scored above the cap are held
    and marked so; one scored lower was never linked, and alerts as any review-band pair."""
    return any(
        e.get("comparison") == COMPARISON and e.get("level") == BORROWED_RFC for e in evidence
    )


def guard_pairs(
    pairs: list[tuple[str, str, float, float, list[dict[str, Any]]]],
    rows: Mapping[str, Row],
    extensions: Extensions,
) -> list[tuple[str, str, float, float, list[dict[str, Any]]]]:
    """Batch-scored pairs (a, b, probability, match weight, evidence) with the guards applied;
    `rows`: the scored profile rows by unique_id."""
    out = []
    for a, b, p, mw, evidence in pairs:
        if mw > CAP_WEIGHT and (left := rows.get(a)) is not None and (right := rows.get(b)):
            held, evidence = apply(left, right, mw, evidence, extensions)
            if held != mw:
                p, mw = CAP, held
        out.append((a, b, p, mw, evidence))
    return out


@dataclass(frozen=True, slots=True)
class FirmCoherence:
    """`cluster.Coherence` from the guards: two records whose pair a guard holds are not one
    firm unless an RFC says so (the clustering asks only where no shared RFC holds)."""

    rows: Mapping[str, Row]
    extensions: Extensions

    def face(self, key: str) -> str | None:
        """What the clustering compares of a firm's records: each distinct name under each
        legal form it comes with (a record without a form must not stand for the name's
        records with one), and a cut name once per postal code (the address is what tells its
        firms apart)."""
        row = self.rows.get(key)
        if row is None or row["name"] is None:
            return None
        face = f"{row['name']}{PLACE}{row['legal_form'] or ''}"
        if _cut_for_sure(row, self.extensions) and row["postal_code"] is not None:
            return f"{row['postal_code']}{PLACE}{face}"
        return face

    def conflict(self, a: str, b: str) -> str | None:
        return self._conflict(a, b, rfcs=True)

    def name_conflict(self, a: str, b: str) -> str | None:
        """`conflict` by the names and addresses alone, as if neither record had an RFC. A
        record without its features is a conflict here: it would clear a suspect blind."""
        return self._conflict(a, b, rfcs=False)

    def _conflict(self, a: str, b: str, *, rfcs: bool) -> str | None:
        left, right = self.rows.get(a), self.rows.get(b)
        if left is None or right is None:
            return None if rfcs else UNKNOWN_RECORD
        places = _places(left, right, self.extensions)
        found = reason(left, right, self.extensions, places, rfcs=rfcs)
        return found if found in CONFLICTS else None

    def bridged(self, a: str, b: str, found: str, members: Sequence[str]) -> bool:
        """Different words are no conflict when a record of the firm (`members`) in conflict
        with neither has a word each of them is a typo or abbreviation of: INSUMOE and INSMUOS
        are two edits apart, each one from INSUMOS. Siblings are not bridged: the words of
        PROVEEDORA ESPINOSA DE CONSTRUCCION and ... INDUSTRIAL are in no third name."""
        left, right = self.rows.get(a), self.rows.get(b)
        if found != DIFFERENT_WORDS or left is None or right is None:
            return False
        wa, wb = _words(left), _words(right)
        apart = (
            _unmatched(wa, wb, left["name_cut"] is not None, self.extensions),
            _unmatched(wb, wa, right["name_cut"] is not None, self.extensions),
        )
        for key in members:
            middle = self.rows.get(key)
            if key in (a, b) or middle is None:
                continue
            wm = _words(middle)
            through = all(
                _via(u, wm, theirs, self.extensions)
                for words, theirs in zip(apart, (wb, wa), strict=True)
                for u in words
            )  # fmt: skip
            if through and self.conflict(a, key) is None and self.conflict(key, b) is None:
                return True
        return False


def _via(word: str, middle: list[str], theirs: list[str], extensions: Extensions) -> bool:
    """A word of `middle` is alike to `word` and to one of `theirs`."""
    return any(
        _words_alike(word, t, extensions) and any(_words_alike(t, o, extensions) for o in theirs)
        for t in middle
    )


def _cut_for_sure(row: Row, extensions: Extensions) -> bool:
    """A name of a cut-off length that a longer name in the corpus extends: a cut, not a name
    that happens to be that long."""
    return row["name_cut"] is not None and extensions.count(row["name"]) >= 1


def _places(left: Row, right: Row, extensions: Extensions) -> float:
    """The clustering's stand-in for a pair's other evidence: against it when a record's name
    is cut for sure and both give postal codes that differ (the address is all that is left to
    tell its firms apart), nothing otherwise."""
    a, b = left["postal_code"], right["postal_code"]
    if a is None or b is None or a == b:
        return 0.0
    cut = _cut_for_sure(left, extensions) or _cut_for_sure(right, extensions)
    return -1.0 if cut else 0.0
