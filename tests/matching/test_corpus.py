"""Firms per name (matching.corpus), the count behind a name's term frequency: an RFC copied
from another firm must not make a name look shared by two firms."""

from __future__ import annotations

import itertools

import pytest

from matching.corpus import Corpus
from matching.features import RawRecord, features

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
