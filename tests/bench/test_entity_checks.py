"""Entity coherence checks of bench/accuracy.py (bench/entity_checks.py), on plain values."""

from __future__ import annotations

from stdnum.mx import rfc as stdnum_rfc

from bench.entity_checks import check_entities


def _rfc(body: str) -> str:
    return body + stdnum_rfc.calc_check_digit(body)


def test_two_valid_rfcs_count_unless_one_is_a_typo_of_the_other() -> None:
    a, b = _rfc("GAR850101AB"), _rfc("TOR900312K7")
    typo = a[:-2] + ("1" if a[-2] == "0" else "0") + a[-1]  # one edit: a typo of `a`
    entity_of = {"r1": "e1", "r2": "e1", "r3": "e2", "r4": "e2"}
    rfc_of = {"r1": a, "r2": b, "r3": a, "r4": typo}
    links = [("r1", "r2", "linked"), ("r3", "r4", "linked")]
    checks = check_entities(entity_of, rfc_of, links, {}, {"r1": 1, "r2": 2, "r3": 1, "r4": 1})
    assert checks.conflicting_rfcs == 1
    assert checks.conflicting_company_rfcs == 1
    assert checks.conflict_samples == [sorted([a, b])]
    assert checks.conflicting_impure == checks.conflicting_company_impure == 1  # firms 1 and 2


def test_a_firms_record_with_a_wrong_rfc_is_told_from_two_firms_joined() -> None:
    own, wrong = _rfc("GAR850101AB"), _rfc("TOR900312K7")
    entity_of = {"r1": "e1", "r2": "e1"}
    links = [("r1", "r2", "linked")]
    checks = check_entities(entity_of, {"r1": own, "r2": wrong}, links, {}, {"r1": 1, "r2": 1})
    assert checks.conflicting_company_rfcs == 1
    assert checks.conflicting_impure == checks.conflicting_company_impure == 0


def test_entities_held_by_review_links_and_chains() -> None:
    # e1: x-y linked, y-z review only; e2: a chain p-q-r-s of linked links; e3: one profile.
    entity_of = dict.fromkeys("xyz", "e1") | dict.fromkeys("pqrs", "e2") | {"m": "e3", "n": "e3"}
    links = [
        ("x", "y", "linked"),
        ("y", "z", "review"),
        ("p", "q", "linked"),
        ("q", "r", "linked"),
        ("r", "s", "linked"),
    ]
    firm_of = {k: 1 for k in "xyzmn"} | {"p": 2, "q": 2, "r": 3, "s": 3}
    checks = check_entities(entity_of, {}, links, {"n": "m"}, firm_of)
    assert checks.not_held_by_auto_links == 1
    assert checks.held_only_by_review_links == 1
    assert checks.hops == {"not connected": 1, "3+": 1, "0 (one profile)": 1}
    assert checks.impure_by_hops == {"3+": 1}
