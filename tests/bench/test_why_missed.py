"""bench/accuracy.py names why a true pair was missed: the guard or refusal behind the best
stored pair between the two entities, else what the model says of the pair itself."""

from __future__ import annotations

from bench.accuracy import LinkedRecords, _held_by, why_missed


def test_each_missed_pair_is_counted_under_its_guard_or_refusal() -> None:
    records = LinkedRecords(
        entity_of={"a": "e1", "b": "e2", "c": "e3", "d": "e4", "x": "e5", "y": "e6"},
        best_link={
            ("e1", "e2"): (0.75, "review", "guard: extended by several firms", "a", "b"),
            ("e3", "e4"): (0.99, "refused", "would join records that are not one firm", "c", "d"),
        },
    )
    evidence = {("x", "y"): ("name=exact", 0.97)}
    found = why_missed(
        records, [("a", "b"), ("c", "d"), ("x", "y")], evidence, auto=0.9, review=0.5
    )
    prefix = "entities joined only by a pair below auto or refused"
    assert found == {
        f"{prefix}: review (guard: extended by several firms)": 1,
        f"{prefix}: refused (would join records that are not one firm)": 1,
        "not compared (blocking): the model scores the pair >= auto": 1,
    }


def test_a_review_pair_is_held_by_its_guard_or_by_the_model() -> None:
    guarded = [
        {"comparison": "name", "level": "exact", "match_weight": 20.0},
        {"comparison": "guard", "level": "different words", "match_weight": -18.4},
    ]
    assert _held_by(guarded) == "guard: different words"
    # PostgreSQL's JSON column may come back as text.
    assert _held_by('[{"comparison": "guard", "level": "person order"}]') == "guard: person order"
    assert _held_by([{"comparison": "name", "level": "exact"}]) == "the model scores it below auto"
