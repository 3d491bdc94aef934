"""Name and word frequencies over every record linked: the term frequencies that tell a
distinctive name from a common one, and the word counts that pick rare-word blocking keys.

Counts are of *firms*, not records: a supplier with 500 awards does not make its own name common.
`CorpusBuilder` counts record by record, so a full link counts everything and an incremental one
resumes from the stored counts and adds the new records alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein

from matching.cluster import near_rfcs
from matching.features import COLUMNS, CONFUSABLE, MAX_RARE_TOKEN_FIRMS, distinctive
from matching.rfc import parse

# How likely two different firms are to carry one exact, distinctive name. Company names are
# authorised one at a time: in the SAT 69-B list no normalised name belongs to two RFCs among
# 12,500 firms (DOMAIN.md), i.e. well under one collision in 1e7 pairs.
UNIQUE_NAME_COLLISION = 1e-8


# Joins a name and its legal form into one count key (in the same table as the names).
FORM_SEPARATOR = "\x1f"
VARIABLE_CAPITAL = " DE CV"  # the canonical form's ending (matching.legal_forms)


def named_in_form(name: str, legal_form: str | None) -> str | None:
    """The count key of a name under one legal form, or None without a form. A form and its
    variable-capital kind count as one (S.A. and S.A. DE C.V., S. DE R.L. and S. DE R.L. DE
    C.V.): publishers drop the DE C.V. often, so a name under both may be one firm, and the two
    must not each look like a name of one firm."""
    if not legal_form:
        return None
    return f"{name}{FORM_SEPARATOR}{legal_form.removesuffix(VARIABLE_CAPITAL)}"


def firm_key(row: MutableMapping[str, Any]) -> str:
    """Who a record stands for when counting firms: its RFC, else its name within its source."""
    return str(row["rfc"] or f"{row['source']}|{row['name']}")


def _new_firm(known: list[str], value: str) -> bool:
    """Whether `value` is another firm than the RFCs already seen under one name: a mistyped
    RFC of a known one is the same firm, not a second one. Mistyped as the clustering reads it
    (`cluster.near_rfcs`: one slip, or two edits where one fails its check digit), plus a
    character dropped or added and O/0, I/1 among the letters. Counted as a second firm, a
    two-typo RFC would make its own firm's name look shared by two firms, and the name's
    agreement worth a fraction of what it is."""
    folded = value.translate(CONFUSABLE)
    for i, other in enumerate(known):
        if (
            other.translate(CONFUSABLE) == folded
            or DamerauLevenshtein.distance(other, value) <= 1
            or near_rfcs(other, value)
        ):
            # A mistyped RFC met first stands for its firm until the right one comes: two
            # edits from each of two valid RFCs, it must not make them one firm.
            if other != value and parse(other).check_ok is False and parse(value).check_ok:
                known[i] = value
            return False
    known.append(value)
    return True


@dataclass(slots=True)
class Corpus:
    """Name frequencies for TF adjustment, and token frequencies for rare-token blocking keys.

    A name's term frequency is the chance that a record of *another* firm carries it: the number
    of other firms (distinct RFCs) known under the name, over all firms, plus the collision floor
    for names only one firm carries. Counting by RFC keeps one firm seen without its RFC in two
    sources from looking like two firms."""

    # Counters while linking; files mapped by every worker in the real-time index (`hashed`).
    name_firms: Mapping[str, int]
    core_firms: Mapping[str, int]
    token_firms: Mapping[str, int]
    firms: int

    @classmethod
    def build(cls, rows: Iterable[MutableMapping[str, Any]]) -> Corpus:
        builder = CorpusBuilder()
        for row in rows:
            builder.add(row)
        return builder.corpus()

    def _tf(self, counts: Mapping[str, int], value: str | None) -> float | None:
        if not value:
            return None
        return max(counts.get(value, 0) - 1, 0) / self.firms + UNIQUE_NAME_COLLISION

    def tf(self, name: str | None, legal_form: str | None = None) -> float | None:
        """How common the name is; within its legal form when the record gives one. One name
        under several forms is several firms (S.A. DE C.V. and S.A.P.I. DE C.V. siblings), but
        under one form it is one firm: its siblings must not make it look common."""
        if name and legal_form:
            return self._tf(self.name_firms, named_in_form(name, legal_form))
        return self._tf(self.name_firms, name)

    def tf_core(self, core: str | None) -> float | None:
        return self._tf(self.core_firms, core)

    def rare_tokens(self, tokens: Iterable[str]) -> tuple[str | None, str | None]:
        """The two rarest words of a name (by firms using them), each a blocking key: a typo
        in one still leaves the other. Words too common to block on are left out."""
        ranked = sorted((self.token_firms.get(t, 0), t) for t in set(tokens) if len(t) >= 3)
        usable = [t for count, t in ranked if count <= MAX_RARE_TOKEN_FIRMS]
        return (usable[0] if usable else None, usable[1] if len(usable) > 1 else None)


@dataclass(slots=True)
class CorpusBuilder:
    """Counts firms per name, per core name and per word, one record at a time."""

    name_firms: Counter[str] = field(default_factory=Counter)
    core_firms: Counter[str] = field(default_factory=Counter)
    token_firms: Counter[str] = field(default_factory=Counter)
    firms: int = 0
    # What the counts remember: firm keys met, (firm, name) pairs met, the RFCs counted per name.
    _firm_keys: set[str] = field(default_factory=set)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _name_rfcs: dict[str, list[str]] = field(default_factory=dict)
    _core_rfcs: dict[str, list[str]] = field(default_factory=dict)
    # (table, value): names or cores counted once for an RFC that cannot be their own.
    _stand_ins: set[tuple[int, str]] = field(default_factory=set)

    @classmethod
    def resume(
        cls, counts: Corpus, firms: int, known: Iterable[MutableMapping[str, Any]]
    ) -> CorpusBuilder:
        """Carry on counting from stored `counts` (which may hold only the values about to be
        met again) over `firms` firms. `known`: the earlier records that share a name, core name
        or RFC with the records to add; they are remembered, not counted again."""
        builder = cls(
            Counter(counts.name_firms), Counter(counts.core_firms), Counter(counts.token_firms)
        )
        for row in known:
            builder._count(row, remember_only=True)
        builder.firms = firms
        return builder

    def add(self, row: MutableMapping[str, Any]) -> None:
        self._count(row, remember_only=False)

    def _count(self, row: MutableMapping[str, Any], *, remember_only: bool) -> None:
        name = row["name"]
        if not name:
            return
        key = firm_key(row)
        if key not in self._firm_keys:
            self._firm_keys.add(key)
            self.firms += 1
        rfc_value = row["rfc"]
        if rfc_value:
            misfit = row.get("rfc_misfit") == "1"
            for counted in (name, named_in_form(name, row.get("legal_form"))):
                if counted is None or not self._new(self._name_rfcs, counted, rfc_value, misfit):
                    continue
                if not remember_only:
                    self.name_firms[counted] += 1
            core = row["name_core"]
            if core and self._new(self._core_rfcs, core, rfc_value, misfit) and not remember_only:
                self.core_firms[core] += 1
        if (key, name) not in self._seen:
            self._seen.add((key, name))
            if not remember_only:
                self.token_firms.update(set(row["_tokens"]))

    def _new(self, table: dict[str, list[str]], value: str, rfc_value: str, misfit: bool) -> bool:
        """Whether `rfc_value` is one more firm under `value`. An RFC that cannot come from the
        name (matching.rfc_letters) is most likely another firm's, copied here: it stands for
        the name's firm while no RFC of the name's own is known, and is never a second firm."""
        known = table.setdefault(value, [])
        stand_in = (id(table), value)
        if misfit:
            if known or stand_in in self._stand_ins:
                return False
            self._stand_ins.add(stand_in)
            return True
        return _new_firm(known, rfc_value) and not (len(known) == 1 and stand_in in self._stand_ins)

    def corpus(self) -> Corpus:
        return Corpus(self.name_firms, self.core_firms, self.token_firms, max(self.firms, 1))


def with_corpus(row: MutableMapping[str, Any], corpus: Corpus) -> dict[str, Any]:
    """The row completed with its corpus-level features, ready for the model."""
    out = {k: row[k] for k in COLUMNS}
    out["tf_name"] = corpus.tf(row["name"], row["legal_form"])
    out["tf_name_core"] = corpus.tf_core(row["name_core"])
    out["name_rare"], out["name_rare2"] = corpus.rare_tokens(row["_tokens"])
    out["name_rare_head"], out["name_rare_tail"] = rare_masks(row["_tokens"], out["name_rare"])
    return out


def rare_masks(tokens: Sequence[str], rare: str | None) -> tuple[str | None, str | None]:
    """Two blocking keys: the name with its rarest word cut to its first `MASKED` letters, and
    to its last. One slip in that word (DISTRIBUIDORA MEXIUENSE HERMANOS for ... MEXIQUENSE
    ...) escapes every other key: the word is both names' rarest, so the rare-word keys differ,
    and the others are too common to block on. In a word of seven letters or more one edit (a
    letter changed, dropped, added, or two swapped) changes at most one of the two keys; in one
    of six, a letter changed does. None for a shorter word, and for a name with no other
    distinctive word: a slip in its one distinctive word waits for review anyway
    (`guards.ONE_LETTER`), and blocks of common words and three letters (INGENIERIA DRI…) only
    filled the review queue (a quarter more review pairs on 200,000 generated records)."""
    if rare is None or len(rare) < MASKED_MIN:
        return None, None
    others = [t for t in tokens if t != rare]
    if not distinctive(others):
        return None, None
    rest = " ".join(others)
    return f"{rare[:MASKED]}<{rest}", f"{rest}>{rare[-MASKED:]}"


MASKED = 3
MASKED_MIN = 2 * MASKED
