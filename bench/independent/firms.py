"""Invented firms, made in groups by scenario: each scenario is one way the world confuses a
matcher (prefix families, long names that share their first 40 characters, persons whose
names permute, coined words one letter apart, one name under several legal forms) or one way
people mistype a single firm (a typo in a generic word, an abbreviation).

Mexican naming law holds: a company name with its legal form belongs to one firm. Persons are
unique by given names and both surnames in order (two people may share the same words in
another order; that is the point of the person scenario).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from bench.independent import vocabulary as v
from bench.independent.noise import fold, pick, weighted
from bench.independent.rfcs import RfcPool, company_letters, person_letters

# Categories: the error kinds the report splits by. Every record carries those of its firm's
# scenario and those of the noise it received.
CATEGORIES = (
    "chaining", "truncation", "person_rotation", "coined", "legal_form", "typo", "abbreviation",
    "rfc_two_typos", "rfc_missing", "rfc_wrong",
)  # fmt: skip
# Scenario -> share of firms.
SCENARIOS = {
    "background": 40, "chaining": 10, "truncation": 9, "person": 14, "coined": 8,
    "legal_form": 8, "typo": 6, "abbreviation": 5,
}  # fmt: skip
# A new long-name group must not start like an existing firm for this many characters (the
# shortest cut, 35, minus one): its ambiguity is then its own group's.
PREFIX_CHECKED = 34


@dataclass(slots=True)
class Firm:
    id: int
    person: bool
    rfc: str
    scenario: str
    base: str = ""  # companies: the name without its legal form
    form: str | None = None  # a key of vocabulary.FORMS
    given: str = ""
    surname1: str = ""
    surname2: str = ""
    tags: tuple[str, ...] = ()  # what every record of the firm carries
    group: int | None = None  # the first firm of the group it can be confused with
    coined: str | None = None  # the coined word a coined name turns on
    postal_code: str = ""

    @property
    def canonical(self) -> str:
        if self.person:
            return f"{self.given} {self.surname1} {self.surname2}"
        assert self.form is not None
        return f"{self.base}, {v.FORMS[self.form][0]}"


class Registry:
    """The firms made so far, and the keys that keep names unique."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rfcs = RfcPool(random.Random(rng.random()))
        self.firms: list[Firm] = []
        self.company_names: set[tuple[str, str]] = set()  # (folded base, form)
        self.bases: dict[str, list[int]] = {}  # folded base -> firm ids
        self.persons: set[tuple[str, str, str]] = set()
        self.coined_words: set[str] = set()
        self.prefixes: set[str] = set()  # the first PREFIX_CHECKED characters of folded bases

    def base_free(self, base: str, form: str) -> bool:
        return (fold(base), form) not in self.company_names

    def company(
        self,
        base: str,
        form: str,
        scenario: str,
        *,
        tags: tuple[str, ...] = (),
        group: int | None = None,
        coined: str | None = None,
    ) -> Firm:
        key = (fold(base), form)
        assert key not in self.company_names, key
        self.company_names.add(key)
        firm = Firm(
            id=len(self.firms),
            person=False,
            rfc=self.rfcs.new(company_letters(base), person=False),
            scenario=scenario,
            base=base,
            form=form,
            tags=tags,
            group=group,
            coined=coined,
            postal_code=self._postal_code(),
        )
        self.bases.setdefault(key[0], []).append(firm.id)
        self.prefixes.add(key[0][:PREFIX_CHECKED])
        self.firms.append(firm)
        return firm

    def person(
        self, given: str, s1: str, s2: str, *, tags: tuple[str, ...], group: int | None = None
    ) -> Firm:
        self.persons.add((given, s1, s2))
        firm = Firm(
            id=len(self.firms),
            person=True,
            rfc=self.rfcs.new(person_letters(given, s1, s2), person=True),
            scenario="person",
            given=given,
            surname1=s1,
            surname2=s2,
            tags=tags,
            group=group,
            postal_code=self._postal_code(),
        )
        self.firms.append(firm)
        return firm

    def _postal_code(self) -> str:
        return f"{pick(self.rng, v.CP_AREAS)}{int(1000 * self.rng.random() ** 2):03d}"

    def form(self) -> str:
        return weighted(self.rng, list(v.FORM_WEIGHTS.items()))

    def coined_word(self) -> str:
        rng = self.rng
        while True:
            word = ""
            for _ in range(2 if rng.random() < 0.7 else 3):
                onset = pick(rng, v.ONSETS)
                nucleus = pick(rng, ("E", "I") if onset == "QU" else v.NUCLEI)
                word += onset + nucleus
            word += pick(rng, v.CODAS)
            if 4 <= len(word) <= 9 and word not in self.coined_words:
                self.coined_words.add(word)
                return word


# --- the scenarios: each makes a group of firms and returns them ---------------------------
def _unique_base(reg: Registry, make: Callable[[], str], form: str) -> str:
    for _ in range(50):
        base = make()
        if reg.base_free(base, form) and fold(base) not in reg.bases:
            return base
    return f"{make()} {reg.coined_word()}"


def background(reg: Registry) -> list[Firm]:
    rng = reg.rng
    form = reg.form()

    def make() -> str:
        roll = rng.random()
        if roll < 0.3:
            return f"{pick(rng, v.ACTIVITIES)} {pick(rng, v.SURNAMES)}"
        if roll < 0.55:
            return f"{pick(rng, v.ACTIVITIES)} {pick(rng, v.PLACES)}"
        if roll < 0.75:
            return f"{reg.coined_word()} {pick(rng, v.COINED_AFTER)}"
        if roll < 0.9:
            return f"{pick(rng, v.ACTIVITIES)} {pick(rng, v.SURNAMES)} Y {pick(rng, v.SURNAMES)}"
        return f"{pick(rng, v.ACTIVITIES)} DE {pick(rng, v.SPECIALTIES)}"

    return [reg.company(_unique_base(reg, make, form), form, "background")]


def chaining(reg: Registry) -> list[Firm]:
    """A prefix family: `PROVEEDORA ESPINOSA`, `... DE CONSTRUCCIÓN`, `... INDUSTRIAL`, and
    sometimes a second step (`... INDUSTRIAL DEL SUR`)."""
    rng = reg.rng
    for _ in range(50):
        head = pick(rng, v.ACTIVITIES)
        stem = f"{head} {pick(rng, v.SURNAMES if rng.random() < 0.6 else v.PLACES)}"
        if fold(stem) not in reg.bases:
            break
    else:
        stem = f"{stem} {reg.coined_word()}"
    size = weighted(rng, [(2, 40), (3, 40), (4, 20)])
    names = [stem] if rng.random() < 0.75 else []
    extensions = rng.sample(v.EXTENSIONS, k=size + 2)
    while len(names) < size and extensions:
        ext = extensions.pop()
        parent = pick(rng, names) if names and rng.random() < 0.35 else stem
        name = f"{parent} {ext}"
        if name not in names and ext not in parent and fold(name) not in reg.bases:
            names.append(name)
    firms: list[Firm] = []
    for name in names:
        firm = reg.company(name, reg.form(), "chaining", tags=("chaining",))
        firm.group = firms[0].id if firms else None
        firms.append(firm)
    return firms


def truncation(reg: Registry) -> list[Firm]:
    """Long names cut at 35 or 40 characters by the systems that publish them: a family whose
    names share more than 40 characters (a cut name could be any of them), or one long name
    nobody else starts with."""
    rng = reg.rng
    for _ in range(50):
        stem = f"{pick(rng, v.ACTIVITIES)} {pick(rng, v.PLACES)} DE {pick(rng, v.SPECIALTIES)}"
        while len(stem) <= 41:
            stem += f" {pick(rng, v.SURNAMES)}"
        if fold(stem)[:PREFIX_CHECKED] not in reg.prefixes:
            break
    shared = rng.random() < 0.6
    names = [stem]
    if shared:
        endings = rng.sample(v.LONG_ENDINGS, k=weighted(rng, [(1, 50), (2, 50)]))
        names += [f"{stem} {e}" for e in endings]
        if rng.random() < 0.3:
            names = names[1:]  # the stem itself is not a firm
    firms: list[Firm] = []
    for name in names:
        tags = ("truncation", "prefix_family" if shared else "long_name")
        firm = reg.company(name, reg.form(), "truncation", tags=tags)
        firm.group = firms[0].id if firms else None
        firms.append(firm)
    return firms


def _given(rng: random.Random) -> str:
    pool = v.FEMALE_GIVEN if rng.random() < 0.45 else v.MALE_GIVEN
    given = pick(rng, pool)
    if rng.random() < 0.3:
        second = pick(rng, pool)
        if second != given:
            given = f"{given} {second}"
    return given


def persons(reg: Registry) -> list[Firm]:
    """One person (published in both orders), or people whose words are one another's in
    another order: (G, A, B) and (G, B, A) (`FRANCISCO SALAZAR HERNÁNDEZ` / `FRANCISCO HERNÁNDEZ
    SALAZAR`; `MARÍA LÓPEZ TORRES` / `TORRES LÓPEZ MARÍA`), sometimes with a sibling (H, A, B)."""
    rng = reg.rng
    while True:
        given = _given(rng)
        s1, s2 = rng.sample(v.SURNAMES, 2)
        if all(k not in reg.persons for k in ((given, s1, s2), (given, s2, s1))):
            break
    if rng.random() < 0.45:
        return [reg.person(given, s1, s2, tags=("person_rotation", "person_single"))]
    tags = ("person_rotation", "person_permuted")
    first = reg.person(given, s1, s2, tags=tags)
    out = [first, reg.person(given, s2, s1, tags=tags, group=first.id)]
    if rng.random() < 0.2:
        sibling = _given(rng)
        if sibling != given and (sibling, s1, s2) not in reg.persons:
            out.append(reg.person(sibling, s1, s2, tags=(*tags, "person_sibling"), group=first.id))
    return out


def one_letter_apart(word: str, rng: random.Random) -> str:
    """Another coined word one letter from `word` (QUIMAL / QUIMAR), or with its last
    syllable changed (QUIMAL / QUIMVA), as registered firms' coined names are."""
    if rng.random() < 0.25 and len(word) >= 5:
        return word[:-2] + pick(rng, v.CONSONANTS) + pick(rng, v.NUCLEI)
    i = rng.randrange(1, len(word))
    pool = v.NUCLEI if word[i] in "AEIOU" else v.CONSONANTS
    return word[:i] + pick(rng, [c for c in pool if c != word[i]]) + word[i + 1 :]


def coined(reg: Registry) -> list[Firm]:
    """Firms whose only distinctive word is coined and one letter apart (confusers), or one
    such firm alone (its records get a typo in the word)."""
    rng = reg.rng
    word = reg.coined_word()
    shape = rng.randrange(3)

    def around(w: str, s: int) -> str:
        if s == 0:
            return w
        if s == 1:
            return f"{w} {pick(rng, v.COINED_AFTER)}"
        return f"{pick(rng, v.COINED_BEFORE)} {w}"

    if rng.random() < 0.4:
        base = around(word, shape)
        return [reg.company(base, reg.form(), "coined", tags=("coined", "coined_single"),
                            coined=word)]  # fmt: skip
    words = [word]
    for _ in range(weighted(rng, [(1, 75), (2, 25)])):
        for _ in range(20):
            other = one_letter_apart(pick(rng, words), rng)
            if other not in reg.coined_words and other not in words:
                reg.coined_words.add(other)
                words.append(other)
                break
    same_shape = rng.random() < 0.7
    firms: list[Firm] = []
    for w in words:
        base = around(w, shape if same_shape else rng.randrange(3))
        form = reg.form()
        if not reg.base_free(base, form) or fold(base) in reg.bases:
            continue
        firm = reg.company(base, form, "coined", tags=("coined", "coined_confuser"), coined=w)
        firm.group = firms[0].id if firms else None
        firms.append(firm)
    return firms


def legal_form(reg: Registry) -> list[Firm]:
    """One name under two or three legal forms, each a different firm; or one firm whose
    records drop, abbreviate or misspell its form."""
    rng = reg.rng
    form = reg.form()

    def make() -> str:
        if rng.random() < 0.5:
            return f"{pick(rng, v.ACTIVITIES)} {pick(rng, v.SURNAMES)}"
        return f"{pick(rng, v.ACTIVITIES)} {reg.coined_word()}"

    base = _unique_base(reg, make, form)
    if rng.random() < 0.5:
        return [reg.company(base, form, "legal_form", tags=("legal_form", "form_single"))]
    forms = rng.sample(v.SIBLING_FORMS, k=weighted(rng, [(2, 70), (3, 30)]))
    firms: list[Firm] = []
    for f in forms:
        firm = reg.company(base, f, "legal_form", tags=("legal_form", "form_sibling"))
        firm.group = firms[0].id if firms else None
        firms.append(firm)
    return firms


def typo_prone(reg: Registry) -> list[Firm]:
    """A firm whose name opens with a generic word (and often holds another: DEL, DE, Y), so
    a typo lands where naive blocking keys look."""
    rng = reg.rng
    form = reg.form()

    def make() -> str:
        roll = rng.random()
        head = pick(rng, v.ACTIVITIES)
        if roll < 0.4:
            return f"{head} {pick(rng, v.PLACES)}"
        if roll < 0.7:
            return f"{head} {pick(rng, v.SURNAMES)} Y {pick(rng, v.SURNAMES)}"
        return f"{head} {pick(rng, v.SURNAMES)} {pick(rng, v.PLACES)}"

    base = _unique_base(reg, make, form)
    return [reg.company(base, form, "typo", tags=("typo_prone",))]


def abbreviable(reg: Registry) -> list[Firm]:
    """A firm whose name holds words buyers abbreviate (SERVICIOS, COMPAÑÍA, CONSTRUCTORA...)."""
    rng = reg.rng
    form = "sc" if rng.random() < 0.25 else reg.form()

    def make() -> str:
        middle = pick(rng, v.SURNAMES) if rng.random() < 0.6 else reg.coined_word()
        tail = pick(rng, v.ABBREVIABLE_TAILS)
        return " ".join(p for p in (pick(rng, v.ABBREVIABLE_HEADS), middle, tail) if p)

    base = _unique_base(reg, make, form)
    return [reg.company(base, form, "abbreviation", tags=("abbreviable",))]


BUILDERS: dict[str, Callable[[Registry], list[Firm]]] = {
    "background": background,
    "chaining": chaining,
    "truncation": truncation,
    "person": persons,
    "coined": coined,
    "legal_form": legal_form,
    "typo": typo_prone,
    "abbreviation": abbreviable,
}


def make_firms(n_firms: int, rng: random.Random) -> Registry:
    """`n_firms` firms, scenario groups drawn by SCENARIOS (the last group is cut to fit)."""
    reg = Registry(rng)
    made: dict[str, int] = dict.fromkeys(SCENARIOS, 0)
    total = sum(SCENARIOS.values())
    while len(reg.firms) < n_firms:
        # The scenario furthest below its share of firms goes next: groups differ in size
        # (a person alone, a family of four), so drawing groups by weight would not give the
        # shares of firms.
        scenario = max(SCENARIOS, key=lambda s: SCENARIOS[s] / total * len(reg.firms) - made[s])
        group = BUILDERS[scenario](reg)
        made[scenario] += len(group)
        if not group:
            made[scenario] += 1  # a group that could not be made must not be retried forever
            continue
        excess = len(reg.firms) - n_firms
        if excess > 0:  # only the last group: drop its newest firms
            for firm in reg.firms[-excess:]:
                _forget(reg, firm)
            del reg.firms[-excess:]
    return reg


def _forget(reg: Registry, firm: Firm) -> None:
    if firm.person:
        reg.persons.discard((firm.given, firm.surname1, firm.surname2))
        return
    assert firm.form is not None
    reg.company_names.discard((fold(firm.base), firm.form))
    ids = reg.bases.get(fold(firm.base), [])
    if firm.id in ids:
        ids.remove(firm.id)
        if not ids:
            del reg.bases[fold(firm.base)]
