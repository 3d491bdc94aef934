"""Match weights from a trained model: the evidence of a scored pair, and its probability.

The same arithmetic as Splink's prediction SQL (prior + one log2(m/u) per comparison, plus the
term-frequency adjustment on the exact-name level), so real-time scores equal batch scores."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LevelWeight:
    label: str
    weight: float  # log2(m / u); 0 for the null level
    tf_column: str | None
    u_exact: float | None  # u of the exact level this TF adjustment is relative to
    tf_minimum_u: float


@dataclass(frozen=True, slots=True)
class ModelWeights:
    prior: float  # log2(lambda / (1 - lambda))
    levels: Mapping[str, Mapping[int, LevelWeight]]  # comparison -> gamma -> weight

    @classmethod
    def from_model(cls, model: Mapping[str, Any]) -> ModelWeights:
        lam = float(model["probability_two_random_records_match"])
        levels: dict[str, dict[int, LevelWeight]] = {}
        for comparison in model["comparisons"]:
            raw = comparison["comparison_levels"]
            non_null = [lv for lv in raw if not lv.get("is_null_level")]
            by_gamma: dict[int, LevelWeight] = {}
            for level in raw:
                if level.get("is_null_level"):
                    by_gamma[-1] = LevelWeight("null", 0.0, None, None, 0.0)
                    continue
                gamma = len(non_null) - 1 - non_null.index(level)
                m, u = float(level["m_probability"]), float(level["u_probability"])
                tf_column = level.get("tf_adjustment_column")
                u_exact = None
                if tf_column:
                    exact_sql = f'"{tf_column}_l" = "{tf_column}_r"'
                    exact = next(lv for lv in non_null if lv["sql_condition"] == exact_sql)
                    u_exact = float(exact["u_probability"])
                by_gamma[gamma] = LevelWeight(
                    level.get("label_for_charts", str(gamma)),
                    math.log2(m / u),
                    tf_column if float(level.get("tf_adjustment_weight", 0)) else None,
                    u_exact,
                    float(level.get("tf_minimum_u_value", 0.0)),
                )
            levels[comparison["output_column_name"]] = by_gamma
        return cls(math.log2(lam / (1 - lam)), levels)

    def gamma_of(self, comparison: str, match_weight: float) -> int:
        """The level whose weight Splink reported (Splink 5 returns weights, not levels)."""
        best, distance = 0, math.inf
        for gamma, level in self.levels[comparison].items():
            gap = abs(level.weight - match_weight)
            if gap < distance:
                best, distance = gamma, gap
        return best

    def evidence(
        self,
        gammas: Mapping[str, int],
        tf: Mapping[str, tuple[float | None, float | None]] | None = None,
    ) -> list[dict[str, Any]]:
        """One entry per comparison: which level held, and what it weighs (log2 Bayes factor)."""
        out = []
        for name, by_gamma in self.levels.items():
            gamma = int(gammas[name])
            level = by_gamma[gamma]
            weight = level.weight
            if level.tf_column and level.u_exact is not None and tf is not None:
                tf_l, tf_r = tf.get(level.tf_column, (None, None))
                value = tf_l if tf_l is not None else tf_r
                if value is not None:
                    other = tf_r if tf_r is not None else tf_l
                    biggest = max(value, other if other is not None else value, level.tf_minimum_u)
                    weight += math.log2(level.u_exact) - math.log2(biggest)
            out.append(
                {"comparison": name, "level": level.label, "gamma": gamma, "match_weight": weight}
            )
        return out

    def score(self, evidence: list[dict[str, Any]]) -> tuple[float, float]:
        """(match weight, probability) of a pair from its evidence."""
        total = self.prior + sum(float(e["match_weight"]) for e in evidence)
        return total, probability(total)


def probability(match_weight: float) -> float:
    # 2^w / (1 + 2^w), written to stay finite for large |w|.
    if match_weight >= 0:
        return 1.0 / (1.0 + math.pow(2.0, -match_weight))
    bf = math.pow(2.0, match_weight)
    return bf / (1.0 + bf)
