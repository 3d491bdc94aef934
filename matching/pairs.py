"""Scored pairs as the linker keeps them, and the Arrow tables the model scores."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from matching.comparisons import COMPARISONS
from matching.features import COLUMNS, TF_COLUMNS
from matching.weights import ModelWeights

SCHEMA = pa.schema([(c, pa.float64() if c.startswith("tf_") else pa.string()) for c in COLUMNS])

# (a, b, probability, match weight, evidence) with a < b
Pair = tuple[str, str, float, float, list[dict[str, Any]]]


def profile_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Profile rows (features completed with the corpus) as the table the model scores."""
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def pairs_of(scored: pa.Table | None, weights: ModelWeights) -> list[Pair]:
    """Splink's scored pairs with their evidence per comparison, each pair with a < b."""
    if scored is None or scored.num_rows == 0:
        return []
    columns = scored.to_pydict()
    # A comparison's weight takes one value per level: each distinct value is read back once.
    levels: dict[str, list[int]] = {}
    for comparison in COMPARISONS:
        weights_seen = columns[f"mw_{comparison.name}"]
        level_of = {w: weights.gamma_of(comparison.name, w) for w in set(weights_seen)}
        levels[comparison.name] = [level_of[w] for w in weights_seen]
    out: list[Pair] = []
    for i in range(scored.num_rows):
        a, b = str(columns["unique_id_l"][i]), str(columns["unique_id_r"][i])
        gammas = {g: column[i] for g, column in levels.items()}
        tf = {c: (columns[f"tf_{c}_l"][i], columns[f"tf_{c}_r"][i]) for c in TF_COLUMNS}
        evidence = weights.evidence(gammas, tf)
        p, mw = float(columns["match_probability"][i]), float(columns["match_weight"][i])
        out.append((a, b, p, mw, evidence) if a < b else (b, a, p, mw, evidence))
    return out


def strongest(accepted: list[tuple[str, str, float]]) -> dict[str, float]:
    """record -> the probability of the strongest accepted link that holds it."""
    best: dict[str, float] = {}
    for a, b, p in accepted:
        for key in (a, b):
            if p > best.get(key, -1.0):
                best[key] = p
    return best
