"""Record -> the features the model compares. Pure functions, shared by batch linking and by
real-time scoring, so that both see exactly the same values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matching import names, rfc, rfc_letters
from matching.legal_forms import LEGAL_FORMS

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
    "rfc_misfit",
    "rfc_mistyped",
    "postal_code",
    "name_rare",
    "name_rare2",
    "name_rare_head",
    "name_rare_tail",
    "name_skel",
    "name_prefix",
    "name_head",
    "name_cut_head",
    "name_cut",
    "name_written",
    "name_gist",
    "tf_name",
    "tf_name_core",
)
# Columns whose agreement is weighed by how many other firms share the value.
TF_COLUMNS = ("name", "name_core")

_STEM = re.compile(r"^[A-ZÑ&]{3,4}\d{6}$")
CONFUSABLE = str.maketrans({"O": "0", "I": "1"})
_POSTAL = re.compile(r"\d{4,5}")
# A token shared by more firms than this is no blocking key: it would make huge blocks.
MAX_RARE_TOKEN_FIRMS = 50
# Publishers cut names at 35 (CDMX), 40 or 64 characters (ComprasMX: 32 of the 3,756 suppliers
# of the bundled file are 64 long against about ten at each length near it, ending "SA DE C",
# "MATERIALES PAR", "EQUIPO MEDIC"): a raw name this long may be truncated, or up to two
# shorter (the spaces the cut left at its end, stripped: real names have doubled spaces). A name
# of 30 or 37 characters is whole: S. DE R.L. there is the firm's form, not the start of S. DE
# R.L. DE C.V.
CUT_AT = (35, 40, 64)
CUT_LENGTHS = frozenset(n - less for n in CUT_AT for less in range(3))
# `name_cut`: the name may have been cut, and with it its words (CUT), or only inside its
# written legal form (CUT_FORM: the name's own words are whole).
CUT = "1"
CUT_FORM = "2"
# A name ending in letters with their dots (S.A., S. A. S., S.C): a written legal form.
_DOTTED_END = re.compile(r"(?:\b[A-Za-z]\.\s*)+[A-Za-z]?\.?\s*$")
PREFIX_LEN = 16
# A name cut by its publisher loses its rare words and its end, and with them every key but its
# first characters: PROMOTORA DE IRAPUATO DE SERVICIOS AMBIE shares neither its rarest word, nor
# its distinctive words, nor their skeleton with PROMOTORA DE IRAPUATO DE SERVICIOS AMBIENTALES
# Y PUERTOS. A name that may have lost words (`CUT`) is compared with every name that starts with
# the same HEAD_LEN characters (`name_cut_head` against `name_head`). A cut at 35 leaves about
# 30. On the independent generator's tuning seeds, before `_distinctive_head`'s condition, 24
# found 121 missed pairs and 20 found 134; 24 makes the smaller blocks at scale.
HEAD_LEN = 24
PLACEHOLDER_TAIL = "010101000"
# Whole forms that a longer form starts with (SA, S DE RL, SAPI): a name of a cut-off length
# ending in one may have lost the rest of its form.
_EXTENDABLE_FORMS = frozenset(
    form for form in LEGAL_FORMS if any(other.startswith(form + " DE ") for other in LEGAL_FORMS)
)
PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "A", "&"})


@dataclass(frozen=True, slots=True)
class RawRecord:
    unique_id: str
    source: str
    name: str | None
    rfc_raw: str | None
    postal_code: str | None = None
    person_kind: str | None = None  # company | person, when the source says


def distinctive(tokens: Sequence[str]) -> list[str]:
    """The words that tell a firm from others: not particles, not generic words (a generic
    word with a typo is still generic). The one rule for blocking keys and the guards."""
    return [t for t in tokens if t not in PARTICLES and not names.is_generic(t)]


def _distinctive_head(head: str) -> bool:
    """Whether the words whole within a name's first HEAD_LEN characters include a distinctive
    one. A head of generic words (SERVICIOS PROFESIONALES …, COMERCIALIZADORA Y DISTR…) starts
    thousands of names: as a key it would compare every cut name with all of them. Read off the
    head alone, its last word dropped (it may go on past the head), so that two names with one
    head agree on it."""
    return bool(distinctive(head.split(" ")[:-1]))


def _looks_cut(raw: str | None, parts: names.NameParts) -> str | None:
    """A raw name of a cut-off length that does not end in a whole legal form may be truncated
    ("TIENDAS COMERCIAL MEXICANA S.A DE C"); one ending "S.A. DE C.V." is complete. `CUT`
    when the cut may have taken words; `CUT_FORM` when it can only have fallen in the legal
    form, which is written: a form of several words (S. DE R.L.), or one written with its dots
    (S.A., S. A. S.; bare SA may be the start of a word, SANITARIOS). A form that stops part way
    (S.A. DE C, S. DE R) was cut, by a publisher at another length (COMUNIC@RTE & CONSULTING SA
    DE C, 32 characters, in CDMX's releases) or by hand: `CUT_FORM` at any length."""
    if parts.form_cut:
        return CUT_FORM
    if not raw or len(raw.strip()) not in CUT_LENGTHS:
        return None
    form = parts.legal_form
    if form is None:
        return CUT
    if form not in _EXTENDABLE_FORMS:  # a whole form; "…, S.A" may start "S.A. DE C.V."
        return None
    return CUT_FORM if " " in form or _DOTTED_END.search(raw) is not None else CUT


def rfc_features(
    raw: str | None,
) -> tuple[str | None, str | None, str | None, int | None, bool | None]:
    """(rfc, stem, confusable form, length, check digit passes) where stem = letters + date
    without the homoclave; the check is None without a whole RFC.

    A 9/10-character RFC published without its homoclave still gives a stem to compare."""
    found = rfc.split(raw)
    # "GCG010101000"-style values (1 Jan 2001, homoclave 000) are placeholders like the
    # generic RFCs: several unrelated firms carry them, so they never link anything.
    usable = [r for r in found if r.usable and not r.value.endswith(PLACEHOLDER_TAIL)]
    if usable:
        value = usable[0].value
        return value, value[:-3], value.translate(CONFUSABLE), len(value), usable[0].check_ok
    for r in found:
        if _STEM.match(r.value):
            return None, r.value, None, len(r.value) + 3, None
    return None, None, None, None, None


def postal(value: str | None) -> str | None:
    if not value:
        return None
    match = _POSTAL.search(str(value))
    return match.group(0).zfill(5) if match else None


def features(record: RawRecord) -> dict[str, Any]:
    """Every column but the corpus-level ones (name_rare, tf_name), filled by `with_corpus`."""
    parts = names.parse_name(record.name)
    value, stem, conf, length, check_ok = rfc_features(record.rfc_raw)
    kind: str | None
    if length == rfc.PERSON_LENGTH:
        kind = "person"
    elif length == rfc.COMPANY_LENGTH:
        kind = "company"
    elif record.person_kind in ("person", "company"):
        kind = record.person_kind
    elif parts.legal_form is not None:
        kind = "company"
    else:
        # Guessing a person from the words of a name ("GARZA GAS") is wrong too often to weigh
        # against a match: without an RFC or a legal form, the kind is unknown.
        kind = None
    core_tokens = distinctive(parts.tokens)
    # Blocking keys start after the generic words: "COMERCIALIZADORA …" and "GRUPO COMERCIAL …"
    # would otherwise make blocks of thousands of unrelated firms.
    distinct = " ".join(core_tokens) or None
    # A core of one word ("REYES", "DURANGO") is a surname or a place, not a firm: no core.
    core = " ".join(core_tokens) if len(core_tokens) >= 2 else None
    # Only a head with a distinctive word is a key: a cut name's head must have one, and a
    # whole name's is looked up by those alone (fewer keys to post and to join).
    head = parts.norm[:HEAD_LEN] if parts.norm and len(parts.norm) >= HEAD_LEN else None
    if head is not None and not _distinctive_head(head):
        head = None
    cut = _looks_cut(record.name, parts)
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
        # "1": the RFC's letters cannot come from this name (matching.rfc_letters): most
        # likely another firm's RFC, so its disagreement with an RFC says little.
        "rfc_misfit": "1" if rfc_letters.contradicts(value or stem, parts.norm) else None,
        # "1": the RFC fails its check digit, so it was mistyped (the SAT issues none that
        # fail): two of them two edits apart may be one RFC (cluster.near_rfcs).
        "rfc_mistyped": "1" if check_ok is False else None,
        "postal_code": postal(record.postal_code),
        "name_rare": None,
        "name_rare2": None,
        "name_rare_head": None,
        "name_rare_tail": None,
        # A name of generic words only ("SERVICIOS DE OCCIDENTE") has no distinctive start; its
        # own words give the key, so that a typo in one of them still finds its twin.
        "name_skel": names.skeleton_key(
            distinct or " ".join(t for t in parts.tokens if t not in PARTICLES) or None
        ),
        "name_prefix": distinct[:PREFIX_LEN] if distinct and len(distinct) >= 10 else None,
        "name_head": head,
        "name_cut_head": head if cut == CUT else None,
        "name_cut": cut,
        "name_written": parts.written,
        "name_gist": names.gist(parts.tokens),
        "tf_name": None,
        "tf_name_core": None,
        "_tokens": parts.tokens,
    }
