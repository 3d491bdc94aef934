"""The saved model as Splink is given it (matching.model.splink_settings)."""

from __future__ import annotations

from matching.model import BLOCKING_RULES, fits, settings_dict, splink_settings


def test_a_model_saved_before_a_blocking_rule_was_added_blocks_on_it() -> None:
    """A model keeps its trained weights while its levels fit the code's, but which pairs are
    compared is the code's to say: the real-time index looks candidates up by today's keys, so
    batch linking must block on them too (a model saved before the rare-word masks existed was
    reused with its twelve old rules)."""
    saved = settings_dict()
    saved["blocking_rules_to_generate_predictions"] = [
        rule
        for rule in saved["blocking_rules_to_generate_predictions"]
        if "name_rare_head" not in rule["blocking_rule"]
        and "name_rare_tail" not in rule["blocking_rule"]
    ]
    assert len(saved["blocking_rules_to_generate_predictions"]) == len(BLOCKING_RULES) - 2
    assert fits(saved)
    rules = splink_settings(saved)["blocking_rules_to_generate_predictions"]
    assert [rule["blocking_rule"] for rule in rules] == list(BLOCKING_RULES)
