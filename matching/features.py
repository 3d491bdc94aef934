"""Record -> the features the model compares. Pure functions, shared by batch linking and by
real-time scoring, so that both see exactly the same values."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from matching import names, rfc

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
    "name_skel",
    "name_prefix",
    "tf_name",
)

_STEM = re.compile(r"^[A-ZÑ&]{3,4}\d{6}$")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1"})
_POSTAL = re.compile(r"\d{4,5}")
# A token shared by more firms than this is no blocking key: it would make huge blocks.
MAX_RARE_TOKEN_FIRMS = 2000
PREFIX_LEN = 16
PLACEHOLDER_TAIL = "010101000"


@dataclass(frozen=True, slots=True)
class RawRecord:
    unique_id: str
    source: str
    name: str | None
    rfc_raw: str | None
    postal_code: str | None = None
    person_kind: str | None = None  # company | person, when the source says


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
    else:
        kind = {True: "person", False: "company"}.get(parts.is_person)  # type: ignore[arg-type]
    core = " ".join(t for t in parts.tokens if t not in names.GENERIC_WORDS) or None
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
        "name_skel": names.skeleton_key(parts.norm),
        "name_prefix": parts.norm[:PREFIX_LEN] if parts.norm and len(parts.norm) >= 10 else None,
        "tf_name": None,
        "_tokens": parts.tokens,
    }


def firm_key(row: MutableMapping[str, Any]) -> str:
    """Who a record stands for when counting firms: its RFC, else its name within its source.

    Term frequencies count distinct firms per name, not records: a supplier with 500 awards
    does not make its own name common."""
    return str(row["rfc"] or f"{row['source']}|{row['name']}")


@dataclass(slots=True)
class Corpus:
    """Name and token frequencies over distinct firms, for TF adjustment and rare-token keys."""

    name_firms: Counter[str]
    token_firms: Counter[str]
    firms: int

    @classmethod
    def build(cls, rows: Iterable[MutableMapping[str, Any]]) -> Corpus:
        seen: set[tuple[str, str]] = set()
        name_firms: Counter[str] = Counter()
        token_firms: Counter[str] = Counter()
        firms: set[str] = set()
        for row in rows:
            if not row["name"]:
                continue
            key = firm_key(row)
            firms.add(key)
            if (key, row["name"]) in seen:
                continue
            seen.add((key, row["name"]))
            name_firms[row["name"]] += 1
            token_firms.update(set(row["_tokens"]))
        return cls(name_firms, token_firms, max(len(firms), 1))

    def tf(self, name: str | None) -> float | None:
        if not name:
            return None
        return max(self.name_firms.get(name, 0), 1) / self.firms

    def rare_token(self, tokens: Iterable[str]) -> str | None:
        best: tuple[int, str] | None = None
        for token in tokens:
            if len(token) < 3:
                continue
            count = self.token_firms.get(token, 0)
            if best is None or (count, token) < best:
                best = (count, token)
        if best is None or best[0] > MAX_RARE_TOKEN_FIRMS:
            return None
        return best[1]


def with_corpus(row: MutableMapping[str, Any], corpus: Corpus) -> dict[str, Any]:
    """The row completed with its corpus-level features, ready for the model."""
    out = {k: row[k] for k in COLUMNS}
    out["tf_name"] = corpus.tf(row["name"])
    out["name_rare"] = corpus.rare_token(row["_tokens"])
    return out
