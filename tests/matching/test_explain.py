"""Evidence in words: every level the model has gets a sentence, and strength follows weight."""

from __future__ import annotations

from matching.comparisons import COMPARISONS
from matching.explain import SENTENCES, certainty, reasons, strength


def test_every_comparison_level_has_a_sentence() -> None:
    levels = {(c.name, level.label) for c in COMPARISONS for level in c.levels}
    assert levels <= set(SENTENCES), levels - set(SENTENCES)


def test_reasons_come_strongest_first_with_their_direction() -> None:
    found = reasons(
        [
            {"comparison": "name", "level": "exact", "match_weight": 12.5},
            {"comparison": "rfc", "level": "else", "match_weight": -6.0},
            {"comparison": "postal_code", "level": "null", "match_weight": 0.0},
        ]
    )
    assert [r.comparison for r in found] == ["name", "rfc", "postal_code"]
    assert [r.direction for r in found] == ["for", "against", "neutral"]
    assert [r.strength for r in found] == ["strongly for", "against", "neutral"]
    assert found[1].sentence == "The RFCs are different."
    assert strength(1.0) == "slightly for" and strength(-11) == "strongly against"


def test_certainty_in_words() -> None:
    assert certainty(0.995) == "almost certainly the same firm"
    assert certainty(0.93) == "very likely the same firm"
    assert certainty(0.6).startswith("possibly")
    assert certainty(0.2) == "probably not the same firm"
