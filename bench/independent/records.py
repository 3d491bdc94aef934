"""What each source publishes about a firm: how many records, in which sources, and each
record's name and RFC with the noise it received and the tags that say so.

Rules that keep the truth honest: a rendered name never becomes another firm's name (a record
whose noise would collide is rendered again), form siblings (one name, several forms) never
lose their form, and a name cut by a publisher is tagged with whether another firm starts the
same way (`prefix_shared`: no matcher can tell which firm it is without an RFC).
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field

from bench.independent import vocabulary as v
from bench.independent.firms import Firm, Registry
from bench.independent.noise import abbreviate, fold, pick, rfc_two_typos, strip_accents, weighted
from bench.independent.noise import typo as make_typo

SOURCES = ("ocds", "sfp", "sat69b", "register")
GENERIC_RFC = "XAXX010101000"
SOURCE_WEIGHTS = {"ocds": 38, "register": 24, "sfp": 20, "sat69b": 18}
# Firms of these scenarios are the ones the matcher must keep apart by name alone: their records
# sit mostly in sources that omit the RFC, and mostly without one.
NAME_ONLY_WEIGHTS = {"ocds": 50, "register": 36, "sfp": 10, "sat69b": 4}
NAME_ONLY_TAGS = frozenset({"chaining", "coined_confuser", "form_sibling", "person_permuted"})
# Long names go mostly to the sources that cut them (they keep the usual RFC rates: a cut name
# with an RFC is resolvable, one without it is when a single firm starts that way).
LONG_NAME_WEIGHTS = {"ocds": 45, "register": 35, "sfp": 12, "sat69b": 8}
NAME_ONLY_MISSING = {"ocds": 0.85, "register": 0.85, "sfp": 0.3}
RECORDS_PER_FIRM = ((1, 15), (2, 30), (3, 27), (4, 16), (5, 8), (6, 4))
# Firms whose point is a twin: they get at least two records.
TWIN_TAGS = frozenset({"typo_prone", "abbreviable", "form_single", "coined_single",
                       "person_single", "long_name", "prefix_family"})  # fmt: skip
SFP_MISSING = 0.04
GENERIC_RFC_RATE = 0.02  # OCDS
TWO_TYPOS_RATE = 0.05
WRONG_RATE = 0.025
WRONG_OTHER_FIRM_SHARE = 0.3
FORMATTED_RATE = 0.04  # OCDS RFCs written with hyphens
CUT_35_OCDS = 0.25  # OCDS records from a publisher that cuts names at 35 characters
CUT_35_OCDS_LONG = 0.6  # the same, for firms of the truncation scenario
CUT_40_REGISTER = 40  # the register cuts every name at 40
SURNAMES_FIRST = {"ocds": 0.2, "sfp": 0.3, "sat69b": 0.9, "register": 0.6}
ACCENTS_DROPPED = {"ocds": 0.45, "sfp": 0.3, "sat69b": 0.2, "register": 0.6}
FORM_DROPPED = {"ocds": 0.1, "sfp": 0.04, "sat69b": 0.02, "register": 0.08}
FORM_MISSPELT = 0.02
TITLE_CASE_OCDS = 0.08
SCENARIO_TYPO = 0.65  # typo-prone firms: records with a typo in a generic word
COINED_TYPO = 0.6  # a lone coined firm: records with a typo in its coined word
SCENARIO_ABBREVIATION = 0.7
CUT_BEFORE_FORM = 0.3
FORM_NOISE = 0.65  # lone legal-form firms: records whose form is dropped, abbreviated, misspelt
BACKGROUND_TYPO = 0.04
BACKGROUND_ABBREVIATION = 0.05


@dataclass(slots=True)
class Record:
    firm: int
    source: str
    name: str
    rfc: str | None  # as published
    tags: list[str] = field(default_factory=list)
    cut: int | None = None  # the length the publisher cut the name at
    key: str = ""  # the linker's record key, set when written


def _sources(firm: Firm, rng: random.Random) -> list[str]:
    pairs = SOURCE_WEIGHTS
    if NAME_ONLY_TAGS & set(firm.tags):
        pairs = NAME_ONLY_WEIGHTS
    elif "truncation" in firm.tags:
        pairs = LONG_NAME_WEIGHTS
    n = weighted(rng, RECORDS_PER_FIRM)
    if TWIN_TAGS & set(firm.tags):
        n = max(n, 2)
    out: list[str] = []
    while len(out) < n:
        source = weighted(rng, list(pairs.items()))
        if source == "sat69b" and out.count("sat69b") >= 2:
            continue  # the 69-B list holds a firm at most twice
        out.append(source)
    return out


class Renderer:
    """Renders records of the registry's firms; rendering order fixes the random draws."""

    def __init__(self, reg: Registry, rng: random.Random, rfc_hidden: float) -> None:
        self.reg, self.rng, self.rfc_hidden = reg, rng, rfc_hidden
        self.sorted_bases = sorted(reg.bases)
        self.persons = [f.id for f in reg.firms if f.person]
        self.companies = [f.id for f in reg.firms if not f.person]

    def firm_records(self, firm: Firm) -> list[Record]:
        rng = self.rng
        sources = _sources(firm, rng)
        orders = [rng.random() < SURNAMES_FIRST[s] for s in sources]
        if "person_single" in firm.tags and len(set(orders)) == 1:
            i = rng.randrange(len(orders))
            orders[i] = not orders[i]  # one person published in both orders
        out = []
        for source, surnames_first in zip(sources, orders, strict=True):
            record = self._record(firm, source, surnames_first)
            record.rfc, rfc_tags = self._rfc(firm, source)
            record.tags += rfc_tags
            out.append(record)
        return out

    # --- names ---------------------------------------------------------------------------
    def _record(self, firm: Firm, source: str, surnames_first: bool) -> Record:
        rng = self.rng
        for _ in range(10):
            tags = list(firm.tags)
            if firm.person:
                core = self._person_core(firm, surnames_first, tags)
                form = ""
            else:
                core = self._company_core(firm, tags)
                form = self._form(firm, source, tags)
                if self._collides(firm, core, form):
                    continue
            break
        else:  # noise kept colliding: publish the name as registered
            tags = list(firm.tags)
            core, form = (firm.canonical, "") if firm.person else (firm.base, "")
            if not firm.person:
                assert firm.form is not None
                form = v.FORMS[firm.form][0]
        if rng.random() < ACCENTS_DROPPED[source]:
            core, form = strip_accents(core), strip_accents(form)
            tags.append("accents_dropped")
        name = core if not form else f"{core}{', ' if rng.random() < 0.6 else ' '}{form}"
        if source == "ocds" and rng.random() < TITLE_CASE_OCDS:
            name = name.title()
            tags.append("title_case")
        cut = None
        if source == "register":
            cut = CUT_40_REGISTER
        elif source == "ocds":
            long = "truncation" in firm.tags
            cut = 35 if rng.random() < (CUT_35_OCDS_LONG if long else CUT_35_OCDS) else None
        if cut is not None and len(name) > cut:
            name = name[:cut].rstrip()
            tags += ["truncation", f"cut_{cut}", self._prefix_tag(firm, cut)]
        else:
            cut = None
        return Record(firm.id, source, name, None, list(dict.fromkeys(tags)), cut)

    def _person_core(self, firm: Firm, surnames_first: bool, tags: list[str]) -> str:
        given, s1, s2 = firm.given, firm.surname1, firm.surname2
        if self.rng.random() < BACKGROUND_TYPO:
            given, kind = make_typo(given, self.rng)
            tags += ["typo_other_word", f"typo_{kind}"]
        if surnames_first:
            tags.append("surnames_first")
            return f"{s1} {s2} {given}"
        return f"{given} {s1} {s2}"

    def _company_core(self, firm: Firm, tags: list[str]) -> str:
        rng = self.rng
        words = firm.base.split()
        if "typo_prone" in firm.tags and rng.random() < SCENARIO_TYPO:
            generic = [i for i, w in enumerate(words) if i and w in v.GENERIC_WORDS]
            i = 0 if not generic or rng.random() < 0.6 else pick(rng, generic)
            self._typo(words, i, tags)
        elif "coined_single" in firm.tags and rng.random() < COINED_TYPO:
            i = words.index(firm.coined or "")
            words[i], kind = make_typo(words[i], rng)
            tags += ["typo_coined", f"typo_{kind}"]
        elif rng.random() < BACKGROUND_TYPO:
            self._typo(words, rng.randrange(len(words)), tags)
        abbreviation = SCENARIO_ABBREVIATION if "abbreviable" in firm.tags else 0.0
        if rng.random() < max(abbreviation, BACKGROUND_ABBREVIATION):
            words, n = abbreviate(words, rng)
            if n:
                tags.append("abbreviation")
        return " ".join(words)

    def _typo(self, words: list[str], i: int, tags: list[str]) -> None:
        """A typo in word i; the category `typo` is for the first or a generic word only."""
        generic = words[i] in v.GENERIC_WORDS
        words[i], kind = make_typo(words[i], self.rng)
        if i == 0:
            tags += ["typo", "typo_first_word"]
        elif generic:
            tags += ["typo", "typo_generic_word"]
        else:
            tags.append("typo_other_word")
        tags.append(f"typo_{kind}")

    def _form(self, firm: Firm, source: str, tags: list[str]) -> str:
        rng = self.rng
        assert firm.form is not None
        canonical, spellings, abbreviated, misspelt = v.FORMS[firm.form]
        plain = canonical if rng.random() < 0.5 else pick(rng, spellings)
        if "form_sibling" in firm.tags:
            return plain  # the form is all that tells the siblings apart
        if "abbreviable" in firm.tags and rng.random() < CUT_BEFORE_FORM:
            tags += ["abbreviation", "cut_before_form", "legal_form", "form_dropped"]
            return ""
        if "form_single" in firm.tags and rng.random() < FORM_NOISE:
            kind = pick(rng, ("form_dropped", "form_abbreviated", "form_misspelt"))
            tags += ["legal_form", kind]
            if kind == "form_dropped":
                return ""
            return pick(rng, abbreviated if kind == "form_abbreviated" else misspelt)
        roll = rng.random()
        if roll < FORM_DROPPED[source]:
            tags += ["legal_form", "form_dropped"]
            return ""
        if roll < FORM_DROPPED[source] + FORM_MISSPELT:
            tags += ["legal_form", "form_misspelt"]
            return pick(rng, misspelt)
        return plain

    def _collides(self, firm: Firm, core: str, form: str) -> bool:
        """Would this rendering read as another firm's name? Another firm's base exactly, with
        no form (any firm of that base) or with the other firm's own form."""
        owners = self.reg.bases.get(fold(core), [])
        others = [i for i in owners if i != firm.id]
        if not others:
            return False
        if not form:
            return True
        folded_form = fold(form)
        for i in others:
            other = self.reg.firms[i]
            assert other.form is not None
            canonical, spellings, abbreviated, misspelt = v.FORMS[other.form]
            if folded_form in {fold(s) for s in (canonical, *spellings, *abbreviated, *misspelt)}:
                return True
        return False

    def _prefix_tag(self, firm: Firm, cut: int) -> str:
        """Whether another firm's name starts like this firm's name cut at `cut` (judged on
        the registered name: the cut keeps the same number of characters of it)."""
        if firm.person:
            return "prefix_unique"  # persons are unique by their words in either order
        if cut >= len(firm.base):  # the base survives whole: only form siblings share it
            shared = len(self.reg.bases.get(fold(firm.base), [])) > 1
            return "prefix_shared" if shared else "prefix_unique"
        prefix = fold(firm.base[:cut])
        start = bisect_left(self.sorted_bases, prefix)
        count = 0
        for base in self.sorted_bases[start:]:
            if not base.startswith(prefix):
                break
            count += len(self.reg.bases[base])
            if count > 1:
                return "prefix_shared"
        return "prefix_unique"

    # --- RFCs ----------------------------------------------------------------------------
    def _rfc(self, firm: Firm, source: str) -> tuple[str | None, list[str]]:
        rng = self.rng
        if source == "sat69b":
            return firm.rfc, []  # the 69-B list keys its rows by RFC: it publishes the real one
        missing = self.rfc_hidden if source in ("ocds", "register") else SFP_MISSING
        if NAME_ONLY_TAGS & set(firm.tags):
            missing = max(missing, NAME_ONLY_MISSING[source])
        if rng.random() < missing:
            return None, ["rfc_missing"]
        if source == "ocds" and rng.random() < GENERIC_RFC_RATE:
            return GENERIC_RFC, ["rfc_missing", "rfc_generic"]
        roll = rng.random()
        if roll < TWO_TYPOS_RATE:
            return rfc_two_typos(firm.rfc, rng, self.reg.rfcs.taken), ["rfc_two_typos"]
        if roll < TWO_TYPOS_RATE + WRONG_RATE:
            pool = self.persons if firm.person else self.companies
            if rng.random() < WRONG_OTHER_FIRM_SHARE and len(pool) > 1:
                other = firm.id
                while other == firm.id:
                    other = pick(rng, pool)
                return self.reg.firms[other].rfc, ["rfc_wrong", "rfc_wrong_other_firm"]
            unassigned = self.reg.rfcs.unassigned(person=firm.person)
            return unassigned, ["rfc_wrong", "rfc_wrong_unassigned"]
        if source == "ocds" and rng.random() < FORMATTED_RATE:
            letters = len(firm.rfc) - 9
            rfc = firm.rfc
            return f"{rfc[:letters]}-{rfc[letters : letters + 6]}-{rfc[letters + 6 :]}", [
                "rfc_formatted"
            ]
        return firm.rfc, []
