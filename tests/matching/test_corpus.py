"""Firms per name (matching.corpus), the count behind a name's term frequency: an RFC copied
from another firm must not make a name look shared by two firms."""

from __future__ import annotations

import itertools
import re

import pytest

from matching.corpus import Corpus, with_corpus
from matching.features import CUT, MAX_RARE_TOKEN_FIRMS, RawRecord, features
from matching.index_files import keys_of, lookups_of
from matching.model import BLOCKING_RULES

OWN = RawRecord("a", "sfp", "XADALOX SOLUCIONES, S.A. DE C.V.", "XSO720906JB0")
COPIED = RawRecord("b", "ocds", "XADALOX SOLUCIONES SA DE CV", "HHH741207LJ2")  # another firm's
NONE = RawRecord("c", "register", "XADALOX SOLUCIONES", None)
SECOND = RawRecord("d", "sat", "XADALOX SOLUCIONES, S.A. DE C.V.", "XSO990101AB1")  # fits too


@pytest.mark.parametrize("order", list(itertools.permutations([OWN, COPIED, NONE])))
def test_a_copied_rfc_is_not_a_second_firm_under_the_name(order: tuple[RawRecord, ...]) -> None:
    corpus = Corpus.build(features(r) for r in order)
    assert corpus.name_firms["XADALOX SOLUCIONES"] == 1


def test_a_copied_rfc_alone_still_stands_for_the_names_firm() -> None:
    corpus = Corpus.build(features(r) for r in (COPIED, NONE))
    assert corpus.name_firms["XADALOX SOLUCIONES"] == 1


@pytest.mark.parametrize("order", list(itertools.permutations([OWN, COPIED, SECOND])))
def test_two_rfcs_of_the_name_are_two_firms(order: tuple[RawRecord, ...]) -> None:
    corpus = Corpus.build(features(r) for r in order)
    assert corpus.name_firms["XADALOX SOLUCIONES"] == 2


def test_siblings_under_other_legal_forms_do_not_make_a_name_common_within_its_own() -> None:
    """One name under three forms is three firms; a record that gives its form is one of one,
    a record without a form is still any of the three. S.A. and S.A. DE C.V. count as one form
    (publishers drop the DE C.V.): a name under both is not unique under either."""
    siblings = [
        RawRecord("s1", "sfp", "TALLERES VORMIN, S.A. DE C.V.", "TVO110304AB1"),
        RawRecord("s2", "sat", "TALLERES VORMIN, S.A.P.I. DE C.V.", "TVO150720CD2"),
        RawRecord("s3", "ocds", "TALLERES VORMIN S. DE R.L. DE C.V.", "TVO981117EF3"),
        RawRecord("s4", "ocds", "TALLERES VORMIN SA DE CV", None),  # the first, without its RFC
        RawRecord("s5", "ocds", "TALLERES VORMIN", None),  # no form: any of the three
    ]
    corpus = Corpus.build(features(r) for r in siblings)
    name = "TALLERES VORMIN"
    assert corpus.name_firms[name] == 3
    rows = [with_corpus(features(r), corpus) for r in siblings]
    one_firm = corpus.tf("A NAME OF ONE FIRM ONLY")  # the floor
    assert rows[0]["tf_name"] == rows[1]["tf_name"] == rows[3]["tf_name"] == one_firm
    assert rows[4]["tf_name"] == corpus.tf(name) > one_firm
    # A fourth firm, ... S.A. (fixed capital): S.A. DE C.V. is no longer one firm's.
    fixed = RawRecord("s6", "sat", "TALLERES VORMIN, S.A.", "TVO010203GH4")
    corpus = Corpus.build(features(r) for r in [*siblings, fixed])
    rows = [with_corpus(features(r), corpus) for r in [*siblings, fixed]]
    assert rows[0]["tf_name"] == rows[5]["tf_name"] > one_firm
    assert rows[1]["tf_name"] == one_firm  # S.A.P.I. DE C.V. is still one firm's


# Two typos in one RFC (a date digit and the homoclave), caught by its check digit.
MISTYPED_TWICE = RawRecord("e", "ocds", "XADALOX SOLUCIONES SA DE CV", "XSO720902JC0")
# Two places off as well, but its check digit passes: the SAT issued it, to another taxpayer.
OTHER_TAXPAYER = RawRecord("f", "sat", "XADALOX SOLUCIONES SA DE CV", "XSO720901JA0")


@pytest.mark.parametrize("order", list(itertools.permutations([OWN, MISTYPED_TWICE, NONE])))
def test_an_rfc_mistyped_twice_is_not_a_second_firm_under_the_name(
    order: tuple[RawRecord, ...],
) -> None:
    """Counted as a second firm, the typo would make the firm's own name look shared, and an
    exact name worth a fraction of its weight to every record without an RFC."""
    assert features(MISTYPED_TWICE)["rfc_mistyped"] == "1"
    corpus = Corpus.build(features(r) for r in order)
    assert corpus.name_firms["XADALOX SOLUCIONES"] == 1
    rows = [with_corpus(features(r), corpus) for r in order]
    assert {r["tf_name"] for r in rows} == {corpus.tf("A NAME OF ONE FIRM ONLY")}


@pytest.mark.parametrize(
    "order", list(itertools.permutations([OWN, MISTYPED_TWICE, OTHER_TAXPAYER]))
)
def test_two_valid_rfcs_two_places_apart_are_two_firms(order: tuple[RawRecord, ...]) -> None:
    """Whatever comes first: a mistyped RFC two edits from both must not make them one."""
    assert features(OTHER_TAXPAYER)["rfc_mistyped"] is None
    corpus = Corpus.build(features(r) for r in order)
    assert corpus.name_firms["XADALOX SOLUCIONES"] == 2


def _blocked_together(left: dict[str, object], right: dict[str, object]) -> list[str]:
    """The batch blocking rules (`model.BLOCKING_RULES`, equalities of columns joined by AND)
    under which the two rows would be compared."""
    found = []
    for rule in BLOCKING_RULES:
        pairs = re.findall(r'l\."(\w+)" = r\."(\w+)"', rule)
        assert pairs and len(pairs) == rule.count("="), rule
        if all(left[a] is not None and left[a] == right[b] for a, b in pairs):
            found.append(rule)
    return found


COMMON = ("DISTRIBUIDORA", "HERMANOS")


def test_a_slip_in_the_one_rare_word_beside_common_words_is_still_compared() -> None:
    """DISTRIBUIDORA MEXIUENSE HERMANOS against its firm's own name: the slip is in the only
    word rare enough to block on (the others are in many firms' names), and in the second
    word, so the skeleton key differs too. Every other key misses the pair; the rarest word
    cut to its head or its tail (`corpus.rare_masks`) finds it, in batch and in the real-time
    index's lookups alike."""
    fillers = [
        RawRecord(f"f{i}", "ocds", f"{head} {town} {region} HERMANOS", None)
        for i, (head, town, region) in enumerate(
            itertools.product(
                ("DISTRIBUIDORA", "SERVICIOS Y DISTRIBUIDORA"),
                ("ALAMO", "BRAVO", "CEDRO", "DALIA", "ENCINO", "FRESNO", "GIRASOL", "HIGUERA"),
                ("NORTE", "SUR", "ORIENTE", "PONIENTE"),
            )
        )
    ]
    clean = RawRecord("a", "sfp", "DISTRIBUIDORA MEXIQUENSE HERMANOS, S.A.", None)
    slips = [
        RawRecord("b", "ocds", "DISTRIBUIDORA MEXIUENSE HERMANOS", None),  # a letter dropped
        RawRecord("c", "ocds", "DISTRIBUIDORA NEXIQUENSE HERMANOS", None),  # the first
        RawRecord("d", "ocds", "DISTRIBUIDORA MEXIQUENSR HERMANOS", None),  # the last
    ]
    records = [*fillers, clean, *slips]
    corpus = Corpus.build(features(r) for r in records)
    assert min(corpus.token_firms[w] for w in COMMON) > MAX_RARE_TOKEN_FIRMS
    rows = {r.unique_id: with_corpus(features(r), corpus) for r in records}
    masks = {"name_rare_head", "name_rare_tail"}
    for slip in slips:
        left, right = rows["a"], rows[slip.unique_id]
        rules = _blocked_together(left, right)
        assert rules and all(any(m in rule for m in masks) for rule in rules), slip.name
        shared = set(lookups_of(right)) & set(keys_of(left))
        assert shared and {name for name, _ in shared} <= masks, slip.name

    # Another firm that shares the head and the other words is compared, and judged by the
    # model and the guards; one that shares neither end is not.
    def row(name: str) -> dict[str, object]:
        return with_corpus(features(RawRecord("e", "ocds", name, None)), corpus)

    head = _blocked_together(rows["a"], row("DISTRIBUIDORA MEXITLAN HERMANOS"))
    assert head == ['l."name_rare_head" = r."name_rare_head"']
    assert not _blocked_together(rows["a"], row("DISTRIBUIDORA MEDITERRANEA HERMANOS"))
    # Beside generic words only, the one distinctive word's slip waits for review anyway: no
    # mask (it would block every INGENIERIA DRI… with every other).
    alone = row("SERVICIOS Y DISTRIBUIDORA ZACATLANENSE")
    assert (alone["name_rare_head"], alone["name_rare_tail"]) == (None, None)


HEADS = {'l."name_head" = r."name_cut_head"', 'l."name_cut_head" = r."name_head"'}


def test_a_name_cut_by_its_publisher_is_compared_with_the_names_it_may_be_the_start_of() -> None:
    """A register cuts names at 40 characters: the cut took the rare words (AMBIENTALES,
    PUERTOS) and left a fragment (AMBIE), so neither the rare words, nor the distinctive ones,
    nor their skeleton agree with the whole name's. The first characters do: the cut name is
    compared with every name starting as it does (`features.HEAD_LEN`), in batch and in the
    real-time index's lookups alike; two whole names sharing a start are not (their words
    tell), nor is a cut name whose start is generic words."""
    # IRAPUATO starts a family of firms, so the cut name's second rarest word (IRAPUATO) is
    # not the whole name's (AMBIENTALES, in fewer firms).
    towns = ("LEON", "CELAYA", "SALAMANCA", "SILAO", "PENJAMO", "ACAMBARO", "MOROLEON")
    services = ("PORTUARIOS", "TURISTICOS", "MINEROS", "AGRICOLAS", "EDUCATIVOS", "MEDICOS")
    fillers = [
        RawRecord(f"f{i}", "ocds", f"PROMOTORA DE {town} DE SERVICIOS {what}", None)
        for i, (town, what) in enumerate(
            [(t, "AMBIENTALES") for t in towns] + [("IRAPUATO", w) for w in services]
        )
    ]
    whole = RawRecord(
        "a", "sfp", "PROMOTORA DE IRAPUATO DE SERVICIOS AMBIENTALES Y PUERTOS, S.A. DE C.V.", None
    )
    cuts = [
        RawRecord("b", "ocds", "PROMOTORA DE IRAPUATO DE SERVICIOS AMBIE", None),  # at 40
        RawRecord("c", "ocds", "Promotora de Irapuato de Servicios Amb", None),  # at 38, as typed
        RawRecord("d", "ocds", "PROMOTORA DE IRAPUATO DE SERVICIOS", None),  # at 34: a word lost
    ]
    sibling = RawRecord("e", "ocds", "PROMOTORA DE IRAPUATO DE SERVICIOS INTEGRALES, S.C.", None)
    records = [*fillers, whole, *cuts, sibling]
    corpus = Corpus.build(features(r) for r in records)
    rows = {r.unique_id: with_corpus(features(r), corpus) for r in records}
    for cut in cuts:
        left, right = rows["a"], rows[cut.unique_id]
        assert _blocked_together(left, right) == ['l."name_head" = r."name_cut_head"'], cut.name
        assert _blocked_together(right, left) == ['l."name_cut_head" = r."name_head"'], cut.name
        found = set(lookups_of(right)) & set(keys_of(left))  # the cut name asked live
        assert {name for name, _ in found} == {"name_head"}, cut.name
        found = set(lookups_of(left)) & set(keys_of(right))  # and the whole one
        assert {name for name, _ in found} == {"name_cut_head"}, cut.name
    # Two whole names of one start: compared only if another key says so, never by the heads.
    assert not HEADS & set(_blocked_together(rows["a"], rows["e"]))
    assert not HEADS & set(_blocked_together(rows["e"], rows["a"]))
    assert not {"name_head", "name_cut_head"} & {
        n for n, _ in set(lookups_of(rows["e"])) & set(keys_of(rows["a"]))
    }

    # A cut name starting with generic words alone has no cut key: SERVICIOS PROFESIONALES …
    # starts thousands of names.
    generic = features(RawRecord("g", "ocds", "SERVICIOS PROFESIONALES Y DE CONSULTORIA", None))
    assert generic["name_cut"] == CUT and generic["name_cut_head"] is None
    assert generic["name_head"] is None
    # Whether a head is a key is read off the head alone, its last word dropped (TULA may be
    # the start of TULANCINGO): two names that start alike agree on it.
    for name in (
        "COMERCIALIZADORA DE TULA Y SERVICIOS DEL CENTRO",
        "COMERCIALIZADORA DE TULANCINGO",
    ):
        assert features(RawRecord("t", "ocds", name, None))["name_head"] is None, name
