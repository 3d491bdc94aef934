"""How much of the model the loaded data can train, and where the rest of it comes from.

Training needs pairs: u needs random pairs, the prior needs pairs that agree on RFC or on name,
and each EM session needs the pairs of its block (equal RFC trains the name side, equal name
the RFC side). One source alone often has none: a single OCDS publisher names each supplier
once, and in the SFP directory no two firms share an RFC. So each step runs only when its pairs
are there, and each comparison's m or u that the data did not train comes from the stored
model (the previous training, on more data) or, without one, from `DEFAULT_LEVELS` below. The
report says, per parameter, which it was and why; it is kept in the model file and printed by
`testigo link`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from matching.comparisons import NAME_GIST, RFC, RFC_MISFIT, RFC_TWO_EDITS

# Fewer random pairs than this estimate u from a handful of firms: the levels stronger than
# "else" are then never or once seen, and u would say more about the sample than the data.
MIN_U_PAIRS = 1_000
# An EM session on fewer pairs than this sets the m-values from one or two firms.
MIN_EM_PAIRS = 10
# Used when neither the data nor a stored model gives the prior: about one record in 10 with a
# duplicate among 20,000 records.
DEFAULT_PRIOR = 1e-5

# label -> (m, u): the defaults for a comparison the data cannot train and no stored model
# gives. m is among records of one firm, u among records of different firms, as measured on
# the bundled registries where they could be (u) and set by hand from how publishers write
# names where they could not (m: most true pairs agree exactly, typos and word order next).
# A comparison whose labels are not all here takes Splink's generic starting values.
DEFAULT_LEVELS: dict[str, dict[str, tuple[float, float]]] = {
    "rfc": {
        # m of the RFC is fixed after training (model.RFC_M_PROBABILITIES); u as measured.
        "exact": (0.86, 1e-7),
        "one edit or O/0 I/1 confusion": (0.08, 5e-7),
        RFC_TWO_EDITS: (0.01, 5e-7),
        "same letters and date, one side without homoclave": (0.02, 5e-7),
        "same letters and date, other homoclave": (4e-7, 1.5e-6),
        # u: about 1 record in 40 carries an RFC that cannot come from its name (2.2% of the
        # 69-B list's companies, 4% of ComprasMX's suppliers), so 1 pair in 20 has one.
        RFC_MISFIT: (0.028, 0.05),
        "else": (0.002, 0.949997),
    },
    "name": {
        "exact": (0.51, 1e-6),
        "same words in another order": (0.05, 1e-6),
        "1 typo apart": (0.10, 1e-6),
        "same once generic words are dropped": (0.05, 3e-6),
        "2 typos apart": (0.05, 3e-6),
        NAME_GIST: (0.04, 1e-5),
        "one is a truncation of the other": (0.05, 1e-6),
        "jaro-winkler >= 0.97": (0.03, 1e-6),
        "similar words in another order": (0.03, 3e-4),
        "jaro-winkler >= 0.92": (0.04, 1e-4),
        "jaro-winkler >= 0.85": (0.03, 3e-3),
        "else": (0.02, 0.9966),
    },
    "legal_form": {"exact": (0.90, 0.50), "same family": (0.05, 0.01), "else": (0.05, 0.49)},
    "kind": {"exact": (0.99, 0.70), "else": (0.01, 0.30)},
    # One firm's records often carry different addresses (moves, branches, a buyer's typo).
    "postal_code": {"exact": (0.60, 0.01), "else": (0.40, 0.99)},
}

DATA, STORED, DEFAULT, FIXED = "data", "stored model", "default", "fixed"


@dataclass(slots=True)
class Step:
    """One training step: how many pairs it had, whether it ran, and why not."""

    name: str
    pairs: int
    ran: bool = False
    reason: str = ""


@dataclass(slots=True)
class Plan:
    """The steps the data allows, decided from pair counts before Splink runs."""

    profiles: int
    steps: dict[str, Step] = field(default_factory=dict)

    def allows(self, key: str) -> bool:
        return not self.steps[key].reason

    def done(self, key: str) -> None:
        self.steps[key].ran = True

    def fail(self, key: str, reason: str) -> None:
        self.steps[key].reason = reason


PRIOR, U, M_ON_RFC, M_ON_NAME = "prior", "u", "m_on_rfc", "m_on_name"


def plan(table: pa.Table) -> Plan:
    """Count the pairs each step would see and decide which can run."""
    n = table.num_rows
    random_pairs = n * (n - 1) // 2
    rfc_pairs = block_pairs(table, ["rfc"])
    name_pairs = block_pairs(table, ["name"])
    prior_pairs = rfc_pairs + block_pairs(table, ["name", "legal_form"])
    out = Plan(profiles=n)
    out.steps[PRIOR] = Step("prior from pairs with equal RFC or equal name", prior_pairs)
    out.steps[U] = Step("u by random sampling", random_pairs)
    out.steps[M_ON_RFC] = Step("m by EM on pairs with equal RFC", rfc_pairs)
    out.steps[M_ON_NAME] = Step("m by EM on pairs with equal name", name_pairs)
    if prior_pairs == 0:
        out.fail(PRIOR, "no two profiles share an RFC or a name")
    if random_pairs < MIN_U_PAIRS:
        among = f"{n:,} profile{'' if n == 1 else 's'}"
        out.fail(U, f"only {random_pairs:,} pairs among {among} (needs {MIN_U_PAIRS:,})")
    for key, what in ((M_ON_RFC, "an RFC"), (M_ON_NAME, "a name")):
        pairs = out.steps[key].pairs
        if pairs == 0:
            out.fail(key, f"no two profiles share {what}")
        elif pairs < MIN_EM_PAIRS:
            shares = "pair shares" if pairs == 1 else "pairs share"
            out.fail(key, f"only {pairs} {shares} {what} (EM needs {MIN_EM_PAIRS})")
    return out


def block_pairs(table: pa.Table, columns: list[str]) -> int:
    """Pairs that agree on every column (nulls agree with nothing), as the blocking rule sees."""
    if table.num_rows < 2:
        return 0
    mask = pc.is_valid(table.column(columns[0]))
    for column in columns[1:]:
        mask = pc.and_(mask, pc.is_valid(table.column(column)))
    counts = table.filter(mask).group_by(columns).aggregate([([], "count_all")])
    return sum(k * (k - 1) // 2 for k in counts.column("count_all").to_pylist())


# The EM sessions that can train each comparison's m: a session cannot train the comparison on
# its own blocking column.
def _m_sessions(comparison: str) -> list[str]:
    return [s for s, col in ((M_ON_RFC, RFC.name), (M_ON_NAME, "name")) if col != comparison]


def complete(
    raw: dict[str, Any], steps: Plan, stored: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fill what the data did not train in Splink's `raw` model from `stored` or the defaults;
    return the model and the report of where each parameter came from."""
    sources: dict[str, str] = {}
    why: dict[str, str] = {}
    stored_version = stored["testigo"]["version"] if stored else None
    if steps.steps[PRIOR].ran:
        sources[PRIOR] = DATA
    elif stored is not None:
        sources[PRIOR] = STORED
        raw["probability_two_random_records_match"] = stored["probability_two_random_records_match"]
        why[PRIOR] = steps.steps[PRIOR].reason
    else:
        sources[PRIOR] = DEFAULT
        raw["probability_two_random_records_match"] = DEFAULT_PRIOR
        why[PRIOR] = steps.steps[PRIOR].reason
    stored_comparisons = {c["output_column_name"]: c for c in (stored or {}).get("comparisons", [])}
    for comparison in raw["comparisons"]:
        name = comparison["output_column_name"]
        levels = _levels(comparison)
        for param in ("m", "u"):
            key = f"{name}.{param}"
            trained = any(_is_set(lv.get(f"{param}_probability")) for lv in levels)
            if trained:
                sources[key] = DATA
                continue
            why[key] = _why_untrained(name, param, steps)
            old = stored_comparisons.get(name)
            if old is not None and _labels(_levels(old)) == _labels(levels):
                sources[key] = STORED
                _copy(levels, _levels(old), param)
            else:
                sources[key] = DEFAULT
                if old is not None:
                    why[key] += "; the stored model's levels differ"
                _copy_defaults(name, levels, param)
        if name == RFC.name:
            # The RFC m-values are set after training whatever the data says (model.py).
            sources[f"{name}.m"] = FIXED
            why[f"{name}.m"] = "measured rates (model.RFC_M_PROBABILITIES), whatever EM finds"
    report = {
        "profiles": steps.profiles,
        "steps": [
            {
                "step": s.name,
                "pairs": s.pairs,
                "ran": s.ran,
                **({"why": s.reason} if s.reason else {}),
            }
            for s in steps.steps.values()
        ],
        "stored_model": stored_version,
        "from_data": [k for k, v in sources.items() if v == DATA],
        "from_stored_model": [k for k, v in sources.items() if v == STORED],
        "from_defaults": [k for k, v in sources.items() if v == DEFAULT],
        "fixed": [k for k, v in sources.items() if v == FIXED],
        "why": why,
    }
    return raw, report


def _why_untrained(comparison: str, param: str, steps: Plan) -> str:
    if param == "u":
        step = steps.steps[U]
        return step.reason or "no sampled pair had a value on both sides"
    failed = [steps.steps[s] for s in _m_sessions(comparison) if not steps.steps[s].ran]
    if failed:
        return "; ".join(f"{s.name}: {s.reason}" for s in failed)
    return "no pair in the EM blocks had a value on both sides"


def _levels(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]


def _labels(levels: list[dict[str, Any]]) -> list[str]:
    return [str(lv.get("label_for_charts", "")) for lv in levels]


def _copy(levels: list[dict[str, Any]], source: list[dict[str, Any]], param: str) -> None:
    for level, old in zip(levels, source, strict=True):
        level[f"{param}_probability"] = old.get(f"{param}_probability")


def _copy_defaults(comparison: str, levels: list[dict[str, Any]], param: str) -> None:
    table = DEFAULT_LEVELS.get(comparison, {})
    index = 0 if param == "m" else 1
    if all(label in table for label in _labels(levels)):
        for level, label in zip(levels, _labels(levels), strict=True):
            level[f"{param}_probability"] = table[label][index]
        return
    generic = _generic_m if param == "m" else _generic_u
    for level, value in zip(levels, generic(len(levels)), strict=True):
        level[f"{param}_probability"] = value


def _generic_m(n: int) -> list[float]:
    """Splink's starting m-values: 0.95 on the strongest level, the rest shared."""
    if n == 1:
        return [1.0]
    return [0.95] + [0.05 / (n - 1)] * (n - 1)


def _generic_u(n: int) -> list[float]:
    """Splink's starting u-values: match weights from +10 (strongest) down to -5 (else)."""
    m = _generic_m(n)
    if n == 1:
        return [1.0]
    weights = [10.0] + [3 - 8 * i / max(n - 2, 1) for i in range(n - 1)]
    if n == 2:
        weights = [10.0, -5.0]
    return [mi / 2**w for mi, w in zip(m, weights, strict=True)]


def _is_set(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(value) and value > 0


def describe(report: dict[str, Any]) -> str:
    """One line for people: where the parameters came from and why not from the data."""
    parts = [] if report.get("trained_now", True) else [f"model trained {report.get('trained_at')}"]
    if report.get("from_data"):
        parts.append("from the data: " + ", ".join(report["from_data"]))
    if report.get("from_stored_model"):
        parts.append(
            f"from stored model {report['stored_model']}: " + ", ".join(report["from_stored_model"])
        )
    if report.get("from_defaults"):
        parts.append("defaults: " + ", ".join(report["from_defaults"]))
    if report.get("fixed"):
        parts.append("fixed: " + ", ".join(report["fixed"]))
    steps = [s for s in report.get("steps", []) if s.get("why")]
    if steps:
        parts.append("not trained: " + "; ".join(f"{s['step']}: {s['why']}" for s in steps))
    # Reasons that are not a skipped step's (a comparison with no value in the pairs seen).
    for parameter, why in report.get("why", {}).items():
        if parameter not in report.get("fixed", []) and not any(s["why"] in why for s in steps):
            parts.append(f"{parameter}: {why}")
    if report.get("from_defaults") or report.get("from_stored_model"):
        parts.append("`testigo link --retrain` trains them once the data has their pairs")
    return "; ".join(parts)
