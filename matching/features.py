"""Record -> the features the model compares. Pure functions, shared by batch linking and by
real-time scoring, so that both see exactly the same values."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein

from matching import names, rfc
from matching.legal_forms import match_suffix

# Columns the model reads, in a fixed order (the Splink input table and the real-time index).
COLUMNS = (
    "unique_id",
    "source",
    "name",
    "name_sorted",
    "name_core",
    "legal_form",
    "kind",
    "rfc",
    "rfc_stem",
    "rfc_conf",
    "postal_code",
    "name_rare",
    "name_rare2",
    "name_skel",
    "name_prefix",
    "name_cut",
    "tf_name",
    "tf_name_core",
)
# Columns whose agreement is weighed by how many other firms share the value.
TF_COLUMNS = ("name", "name_core")

_STEM = re.compile(r"^[A-ZÑ&]{3,4}\d{6}$")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1"})
_POSTAL = re.compile(r"\d{4,5}")
# A token shared by more firms than this is no blocking key: it would make huge blocks.
MAX_RARE_TOKEN_FIRMS = 50
# Publishers cut names at 35 (CDMX) or 40 characters: a raw name this long may be truncated.
CUT_LENGTHS = range(30, 41)
PREFIX_LEN = 16
PLACEHOLDER_TAIL = "010101000"
PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "A", "&"})


@dataclass(frozen=True, slots=True)
class RawRecord:
    unique_id: str
    source: str
    name: str | None
    rfc_raw: str | None
    postal_code: str | None = None
    person_kind: str | None = None  # company | person, when the source says


def _looks_cut(raw: str | None, legal_form: str | None) -> bool:
    """A raw name of a cut-off length that does not end in a whole legal form may be truncated
    ("TIENDAS COMERCIAL MEXICANA S.A DE C"); one ending "S.A. DE C.V." is complete."""
    if not raw or len(raw.strip()) not in CUT_LENGTHS:
        return False
    if legal_form is None:
        return True
    return match_suffix(names.normalise_text(raw).split(), allow_cut=False) is None


def rfc_features(raw: str | None) -> tuple[str | None, str | None, str | None, int | None]:
    """(rfc, stem, confusable form, length) where stem = letters + date without the homoclave.

    A 9/10-character RFC published without its homoclave still gives a stem to compare."""
    found = rfc.split(raw)
    # "GCG010101000"-style values (1 Jan 2001, homoclave 000) are placeholders like the
    # generic RFCs: several unrelated firms carry them, so they never link anything.
    usable = [r for r in found if r.usable and not r.value.endswith(PLACEHOLDER_TAIL)]
    if usable:
        value = usable[0].value
        return value, value[:-3], value.translate(_CONFUSABLE), len(value)
    for r in found:
        if _STEM.match(r.value):
            return None, r.value, None, len(r.value) + 3
    return None, None, None, None


def postal(value: str | None) -> str | None:
    if not value:
        return None
    match = _POSTAL.search(str(value))
    return match.group(0).zfill(5) if match else None


def features(record: RawRecord) -> dict[str, Any]:
    """Every column but the corpus-level ones (name_rare, tf_name), filled by `with_corpus`."""
    parts = names.parse_name(record.name)
    value, stem, conf, length = rfc_features(record.rfc_raw)
    kind: str | None
    if length == 13:
        kind = "person"
    elif length == 12:
        kind = "company"
    elif record.person_kind in ("person", "company"):
        kind = record.person_kind
    elif parts.legal_form is not None:
        kind = "company"
    else:
        # Guessing a person from the words of a name ("GARZA GAS") is wrong too often to weigh
        # against a match: without an RFC or a legal form, the kind is unknown.
        kind = None
    core_tokens = [t for t in parts.tokens if t not in names.GENERIC_WORDS and t not in PARTICLES]
    # Blocking keys start after the generic words: "COMERCIALIZADORA …" and "GRUPO COMERCIAL …"
    # would otherwise make blocks of thousands of unrelated firms.
    distinct = " ".join(core_tokens) or None
    # A core of one word ("REYES", "DURANGO") is a surname or a place, not a firm: no core.
    core = " ".join(core_tokens) if len(core_tokens) >= 2 else None
    return {
        "unique_id": record.unique_id,
        "source": record.source,
        "name": parts.norm,
        # Token order only matters for companies; persons come as "APELLIDOS NOMBRE" too.
        "name_sorted": parts.sorted_tokens,
        "name_core": core,
        "legal_form": parts.legal_form,
        "kind": kind,
        "rfc": value,
        "rfc_stem": stem,
        "rfc_conf": conf,
        "postal_code": postal(record.postal_code),
        "name_rare": None,
        "name_rare2": None,
        "name_skel": names.skeleton_key(distinct),
        "name_prefix": distinct[:PREFIX_LEN] if distinct and len(distinct) >= 10 else None,
        "name_cut": "1" if _looks_cut(record.name, parts.legal_form) else None,
        "tf_name": None,
        "tf_name_core": None,
        "_tokens": parts.tokens,
    }


def firm_key(row: MutableMapping[str, Any]) -> str:
    """Who a record stands for when counting firms: its RFC, else its name within its source.

    Term frequencies count distinct firms per name, not records: a supplier with 500 awards
    does not make its own name common."""
    return str(row["rfc"] or f"{row['source']}|{row['name']}")


def _new_firm(known: list[str], value: str) -> bool:
    """Whether `value` is another firm than the RFCs already seen under one name: a mistyped
    RFC (one edit, O/0, I/1) of a known one is the same firm, not a second one."""
    folded = value.translate(_CONFUSABLE)
    for other in known:
        if other.translate(_CONFUSABLE) == folded or DamerauLevenshtein.distance(other, value) <= 1:
            return False
    known.append(value)
    return True


# How likely two different firms are to carry one exact, distinctive name. Company names are
# authorised one at a time: in the SAT 69-B list no normalised name belongs to two RFCs among
# 12,500 firms (DOMAIN.md), i.e. well under one collision in 1e7 pairs.
UNIQUE_NAME_COLLISION = 1e-8


@dataclass(slots=True)
class Corpus:
    """Name frequencies for TF adjustment, and token frequencies for rare-token blocking keys.

    A name's term frequency is the chance that a record of *another* firm carries it: the number
    of other firms (distinct RFCs) known under the name, over all firms, plus the collision floor
    for names only one firm carries. Counting distinct firms, not records, keeps a supplier
    with 500 awards from making its own name common; counting by RFC keeps one firm seen
    without its RFC in two sources from looking like two firms."""

    name_firms: Counter[str]
    core_firms: Counter[str]
    token_firms: Counter[str]
    firms: int

    @classmethod
    def build(cls, rows: Iterable[MutableMapping[str, Any]]) -> Corpus:
        seen: set[tuple[str, str]] = set()
        name_rfcs: dict[str, list[str]] = {}
        core_rfcs: dict[str, list[str]] = {}
        name_firms: Counter[str] = Counter()
        core_firms: Counter[str] = Counter()
        token_firms: Counter[str] = Counter()
        firms: set[str] = set()
        for row in rows:
            name = row["name"]
            if not name:
                continue
            key = firm_key(row)
            firms.add(key)
            rfc_value = row["rfc"]
            if rfc_value:
                if _new_firm(name_rfcs.setdefault(name, []), rfc_value):
                    name_firms[name] += 1
                core = row["name_core"]
                if core and _new_firm(core_rfcs.setdefault(core, []), rfc_value):
                    core_firms[core] += 1
            if (key, name) not in seen:
                seen.add((key, name))
                token_firms.update(set(row["_tokens"]))
        return cls(name_firms, core_firms, token_firms, max(len(firms), 1))

    def _tf(self, counts: Counter[str], value: str | None) -> float | None:
        if not value:
            return None
        return max(counts.get(value, 0) - 1, 0) / self.firms + UNIQUE_NAME_COLLISION

    def tf(self, name: str | None) -> float | None:
        return self._tf(self.name_firms, name)

    def tf_core(self, core: str | None) -> float | None:
        return self._tf(self.core_firms, core)

    def rare_tokens(self, tokens: Iterable[str]) -> tuple[str | None, str | None]:
        """The two rarest words of a name (by firms using them), each a blocking key: a typo
        in one still leaves the other. Words too common to block on are left out."""
        ranked = sorted((self.token_firms.get(t, 0), t) for t in set(tokens) if len(t) >= 3)
        usable = [t for count, t in ranked if count <= MAX_RARE_TOKEN_FIRMS]
        return (usable[0] if usable else None, usable[1] if len(usable) > 1 else None)


def with_corpus(row: MutableMapping[str, Any], corpus: Corpus) -> dict[str, Any]:
    """The row completed with its corpus-level features, ready for the model."""
    out = {k: row[k] for k in COLUMNS}
    out["tf_name"] = corpus.tf(row["name"])
    out["tf_name_core"] = corpus.tf_core(row["name_core"])
    out["name_rare"], out["name_rare2"] = corpus.rare_tokens(row["_tokens"])
    return out
