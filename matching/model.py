"""The Splink model: settings built from `comparisons`, unsupervised training, versioned JSON.

Splink is imported in `matching/` only (here, in `backend` and in `spark`), behind small
functions that take and return plain Python and Arrow tables; `backend.run` decides whether
DuckDB or Spark runs them."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from app.errors import TestigoError
from matching import training
from matching.backend import BackendConfig, Run, db_api
from matching.backend import run as backend_run
from matching.comparisons import COMPARISONS, RFC, RFC_MISFIT, RFC_TWO_EDITS
from matching.features import TF_COLUMNS

MODEL_FORMAT = 1
M_FLOOR = 1e-3
U_FLOOR = 1e-8

# Candidate pairs: every rule finds pairs the others miss (see README, "How linking works").
BLOCKING_RULES: tuple[str, ...] = (
    'l."rfc" = r."rfc"',
    'l."rfc_stem" = r."rfc_stem"',
    'l."rfc_conf" = r."rfc_conf"',
    'l."name" = r."name"',
    'l."name_sorted" = r."name_sorted"',
    'l."name_core" = r."name_core"',
    'l."name_rare" = r."name_rare"',
    'l."name_rare2" = r."name_rare2"',
    # A typo makes a word the rarest of its name, pushing the real rare word to second place.
    'l."name_rare" = r."name_rare2"',
    'l."name_rare2" = r."name_rare"',
    'l."name_skel" = r."name_skel" AND l."legal_form" = r."legal_form"',
    'l."name_prefix" = r."name_prefix"',
    'l."name_rare_head" = r."name_rare_head"',
    'l."name_rare_tail" = r."name_rare_tail"',
    # A name that may be cut, against every name starting as it does (`features.HEAD_LEN`).
    'l."name_head" = r."name_cut_head"',
    'l."name_cut_head" = r."name_head"',
)

# EM learns m from blocks; RFC agreement is trained on name blocks, where different firms that
# share a generic name teach it that true matches disagree on RFC (DOMAIN.md). These are the
# rates measured on real registries: about 1 RFC in 10 mistyped, 3 in 100 wrong outright. A
# wrong RFC (another firm's, a buyer's) cannot come from the record's name 96 times in 100
# (company RFCs of the 69-B list given to other names of it; persons: 99 in 100), so nearly all
# of those 3 go to the level that says so and only a trace is left to plain disagreement. Of
# the mistyped ones, one in nine is two edits off: in the SFP directory (2026-06), 2 of the 18
# pairs of one name's RFCs within two edits (a small sample; the rest one edit apart).
RFC_M_PROBABILITIES = {
    "exact": 0.86,
    "one edit or O/0 I/1 confusion": 0.08,
    RFC_TWO_EDITS: 0.01,
    "same letters and date, one side without homoclave": 0.02,
    RFC_MISFIT: 0.028,
    "else": 0.002,
}
# Two full RFCs with the same letters and date but another homoclave are, in the 69-B list,
# mostly shell companies registered the same day under near-identical names: not one firm.
# Random pairs almost never share a stem, so sampled u is tiny and would make this level
# strong evidence *for* a match; it is set to mild evidence against instead (m = u / 4).
RFC_AGAINST_LEVEL = "same letters and date, other homoclave"
# Random sampling counts duplicate records of one firm as "non-matching" pairs that share an
# RFC, which overstates u for RFC agreement many times over. An RFC identifies one taxpayer:
# two firms share one only when a publisher files a wrong RFC (a buyer's, a placeholder), about
# one record in a thousand, so u(exact) is that rate over the number of firms.
WRONG_RFC_RATE = 1e-3


def settings_dict(probability_two_random_records_match: float = 1e-5) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": probability_two_random_records_match,
        "comparisons": [c.splink_dict() for c in COMPARISONS],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": True,
        "em_convergence": 0.001,
        "max_iterations": 20,
    }


def _linker(table: pa.Table, settings: dict[str, Any], run: Run) -> Any:
    from splink import Linker

    if not run.is_spark:
        frame = run.register(table, "records")
        # log_level=None: Splink leaves logging alone (its default turns its own handler on at
        # INFO each time); the command line decides what of it is shown (app/logs.py, --verbose).
        return Linker(frame, run.settings(settings), log_level=None)
    # Splink joins its own TF table to the records, beside our tf_* columns (distinct firms
    # per name, `matching.corpus`); DuckDB reads the first of the two same-named columns,
    # Spark refuses the ambiguity. Our values go in as Splink's TF lookups instead: the same
    # numbers, one column.
    tf_columns = [f"tf_{c}" for c in TF_COLUMNS]
    frame = run.register(table.drop(tf_columns), "records")
    linker = Linker(frame, run.settings(settings), log_level=None)
    for column in TF_COLUMNS:
        lookup = run.register(_tf_lookup(table, column), f"tf_{column}")
        linker.table_management.register_term_frequency_lookup(lookup, column)
    return linker


def train(
    table: pa.Table,
    *,
    seed: int = 42,
    backend: BackendConfig | None = None,
    max_pairs_for_u: float = 2e6,
    stored: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Unsupervised training: u by random sampling, m by EM on two blocking passes, the prior from
    exact-RFC agreement, each only where the data has the pairs for it; what it cannot train
    comes from `stored` (the previous model) or the defaults (`matching.training`). Returns the
    model as a dict (Splink's JSON plus Testigo metadata, with the training report)."""
    with backend_run(backend) as run:
        return _train(table, run, seed=seed, max_pairs_for_u=max_pairs_for_u, stored=stored)


def _train(
    table: pa.Table,
    run: Run,
    *,
    seed: int,
    max_pairs_for_u: float,
    stored: dict[str, Any] | None,
) -> dict[str, Any]:
    from splink import block_on
    from splink.internals.exceptions import SplinkException

    steps = training.plan(table)
    settings = settings_dict()
    linker = _linker(table, settings, run)
    splink = linker.training
    if steps.allows(training.PRIOR):
        try:
            splink.estimate_probability_two_random_records_match(
                [block_on("rfc"), block_on("name", "legal_form")], recall=0.7
            )
            steps.done(training.PRIOR)
        except ValueError as exc:  # a few records can "match" more than the recall allows
            steps.fail(training.PRIOR, str(exc).splitlines()[0])
    if steps.allows(training.U):
        splink.estimate_u_using_random_sampling(max_pairs=max_pairs_for_u, seed=seed)
        steps.done(training.U)
    # Name-side m from pairs that agree on RFC; RFC-side m from pairs that agree on name.
    for key, column in ((training.M_ON_RFC, "rfc"), (training.M_ON_NAME, "name")):
        if not steps.allows(key):
            continue
        try:
            splink.estimate_parameters_using_expectation_maximisation(
                block_on(column), estimate_without_term_frequencies=True
            )
            steps.done(key)
        except SplinkException as exc:
            steps.fail(key, str(exc).splitlines()[0])
    saved = run.saved(linker.misc.save_model_to_json(), settings)
    model, report = training.complete(saved, steps, stored)
    model = _finalise(model, records=table.num_rows)
    model["testigo"]["training"] = report
    return model


def _finalise(model: dict[str, Any], *, records: int) -> dict[str, Any]:
    rfc_u_exact = WRONG_RFC_RATE / max(records, 1)
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        seen_u = [float(lv["u_probability"]) for lv in levels if _is_set(lv.get("u_probability"))]
        for level in levels:
            # A level never met in u sampling is rare among non-matches: give it the rarest u
            # seen, not Splink's neutral default, or a good level would count against a match.
            if not _is_set(level.get("u_probability")):
                level["u_probability"] = min(seen_u, default=1e-6)
            if not _is_set(level.get("m_probability")):
                level["m_probability"] = M_FLOOR
            # EM drives some m to ~1e-24 (person vs company on a handful of pairs): one
            # misread kind would then veto any link. A floor keeps every level an argument.
            level["m_probability"] = max(float(level["m_probability"]), M_FLOOR)
            level["u_probability"] = max(float(level["u_probability"]), U_FLOOR)
            if comparison["output_column_name"] != RFC.name:
                continue
            label = level.get("label_for_charts", "")
            if label in RFC_M_PROBABILITIES:
                level["m_probability"] = RFC_M_PROBABILITIES[label]
            if label == "exact":
                level["u_probability"] = min(float(level["u_probability"]), rfc_u_exact)
            elif label == RFC_AGAINST_LEVEL:
                level["m_probability"] = float(level["u_probability"]) / 4
        _apart(levels)
    body = json.dumps(model, sort_keys=True)
    model["testigo"] = {
        "format": MODEL_FORMAT,
        # Microseconds: the file name sorts by it, and two trainings within one second (small
        # data, a retrain right after a link) must still leave the newer one current.
        "trained_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "trained_on_records": records,
        "version": hashlib.sha256(body.encode()).hexdigest()[:12],
    }
    return model


# Splink reports each comparison's weight, not its level, and the linker reads the level back
# from the weight (`ModelWeights.gamma_of`): two levels of one weight (levels the training data
# never reached get the same defaults) would be told apart by neither, and a pair's evidence
# would carry the wrong level, and the wrong term-frequency adjustment with it.
WEIGHT_APART = 1e-6


def _apart(levels: list[dict[str, Any]]) -> None:
    """Nudge the u of a level whose weight another level of the comparison already has, until
    no two weigh within WEIGHT_APART of each other (a change of ~1e-6 in log2 Bayes factor)."""
    taken: list[float] = []
    for level in levels:
        while True:
            weight = math.log2(float(level["m_probability"]) / float(level["u_probability"]))
            if all(abs(weight - other) >= WEIGHT_APART for other in taken):
                break
            level["u_probability"] = float(level["u_probability"]) * (1 + 2 * WEIGHT_APART)
        taken.append(weight)


def _is_set(value: object) -> bool:
    return isinstance(value, int | float) and not math.isnan(value) and value > 0


def version_of(model: dict[str, Any]) -> str:
    return str(model["testigo"]["version"])


def save(model: dict[str, Any], directory: Path) -> Path:
    """Write the model as versioned JSON; the newest file in `directory` is the current model."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = model["testigo"]["trained_at"].replace(":", "").replace("-", "")
    path = directory / f"model-{stamp}-{version_of(model)}.json"
    path.write_text(json.dumps(model, indent=2, sort_keys=True), encoding="utf-8")
    return path


class ModelError(TestigoError, ValueError):
    """A saved model that cannot be read; the message names the file and what to do."""


def load_latest(directory: Path) -> dict[str, Any] | None:
    files = sorted(directory.glob("model-*.json")) if directory.exists() else []
    if not files:
        return None
    return _read(files[-1])


def load_version(directory: Path, version: str) -> dict[str, Any] | None:
    """The saved model of that version (the one a link state was scored with)."""
    for path in sorted(directory.glob(f"model-*-{version}.json"), reverse=True):
        return _read(path)
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
        version_of(model)
        model["comparisons"][0]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ModelError(
            f"cannot read the model {path} ({exc.__class__.__name__}: {exc}); move it away "
            "and `testigo link` trains a new one"
        ) from exc
    if not isinstance(model, dict):
        raise ModelError(f"cannot read the model {path}: not a JSON object")
    return model


def fits(model: dict[str, Any]) -> bool:
    """Whether a saved model was trained on this code's comparisons, level for level. Real-time
    scoring reads a pair's level from the code and its weight from the model by position, so a
    model of other levels (saved before a level was added) would give a level another's weight:
    it is retrained, never used."""

    def shape(comparisons: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
        return [
            (
                c["output_column_name"],
                [str(lv.get("label_for_charts")) for lv in c["comparison_levels"]],
            )
            for c in comparisons
        ]

    current = [c.splink_dict() for c in COMPARISONS]
    return shape(list(model.get("comparisons", []))) == shape(current)


def splink_settings(model: dict[str, Any]) -> dict[str, Any]:
    """Splink's settings of a saved model, each level's SQL as this code writes it.

    A model that fits (same levels, by label) keeps its trained parameters and scores with
    today's SQL: the real-time scorer reads levels from the code too, and a faster writing of a
    level's test (`comparisons._typos`) reaches models trained before it. So a change in what a
    level means must change its label too: then the model no longer fits and is retrained.
    The blocking rules are always the code's (`BLOCKING_RULES`): they decide which pairs are
    compared, not what a comparison weighs, and the real-time index looks candidates up by the
    code's keys; a model saved before a rule was added would otherwise never block on it."""
    settings = {k: v for k, v in model.items() if k != "testigo"}
    settings["blocking_rules_to_generate_predictions"] = settings_dict()[
        "blocking_rules_to_generate_predictions"
    ]
    if fits(model):
        settings["comparisons"] = [
            {
                **stored,
                "comparison_levels": [
                    {**level, "sql_condition": code.sql}
                    for level, code in zip(
                        stored["comparison_levels"], comparison.levels, strict=True
                    )
                ],
            }
            for stored, comparison in zip(model["comparisons"], COMPARISONS, strict=True)
        ]
    return settings


def predict(
    table: pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    backend: BackendConfig | None = None,
) -> pa.Table:
    """Every blocked pair at or above `threshold`, with gammas and TF values for the evidence."""
    with backend_run(backend) as run:
        linker = _linker(table, splink_settings(model), run)
        result = linker.inference.predict(threshold_match_probability=threshold)
        # Only the columns the driver reads cross back (on Spark, as Parquet).
        return run.arrow(result, "pairs", columns=PAIR_COLUMNS)


def predict_between(
    existing: pa.Table,
    new: pa.Table,
    model: dict[str, Any],
    *,
    threshold: float,
    backend: BackendConfig | None = None,
) -> pa.Table:
    """Pairs between new and existing records, and among the new ones: incremental linking.
    Always on DuckDB, whatever the configured backend (`matching.backend` says why)."""
    from splink import Linker

    api = db_api(backend.local() if backend else None)
    # Splink 5's between/within path joins a registered TF lookup and breaks on hardcoded
    # tf_* columns, so the TF values move from the records into a lookup of the same values.
    both = pa.concat_tables([existing, new])
    tf_columns = [f"tf_{c}" for c in TF_COLUMNS]
    old_frame = api.register(existing.drop(tf_columns), dataset_display_name="existing")
    new_frame = api.register(new.drop(tf_columns), dataset_display_name="new")
    # The linker is built on the new records alone (dedupe_only takes one table); the
    # existing ones only enter as the other side of predict_between.
    linker = Linker(new_frame, splink_settings(model), log_level=None)
    for column in TF_COLUMNS:
        lookup = api.register(_tf_lookup(both, column))
        linker.table_management.register_term_frequency_lookup(lookup, column)
    between = linker.inference.predict_between(
        old_frame, new_frame, threshold_match_probability=threshold
    )
    tables = [_columns(between.as_pyarrow_table())]
    if new.num_rows > 1:
        within = linker.inference.predict_within(new_frame, threshold_match_probability=threshold)
        tables.append(_columns(within.as_pyarrow_table()))
    return pa.concat_tables(tables)


def _tf_lookup(table: pa.Table, column: str) -> pa.Table:
    """Each value of `column` once, with its term frequency; where rows disagree (stored
    profiles keep the frequency they were scored with) the last row's, the new records'."""
    tf = f"tf_{column}"
    both = table.select([column, tf]).filter(
        pc.and_(pc.is_valid(table[column]), pc.is_valid(table[tf]))
    )
    found = both.group_by(column, use_threads=False).aggregate([(tf, "last")])
    return pa.table({column: found[column], tf: found[f"{tf}_last"]})


PAIR_COLUMNS: Sequence[str] = (
    "unique_id_l",
    "unique_id_r",
    "match_probability",
    "match_weight",
    *(f"tf_{c}_{side}" for c in TF_COLUMNS for side in ("l", "r")),
    *(f"mw_{c.name}" for c in COMPARISONS),
)


def _columns(table: pa.Table) -> pa.Table:
    return table.select([c for c in PAIR_COLUMNS])


def connected_components(
    pairs: Sequence[tuple[str, str]], *, backend: BackendConfig | None = None
) -> dict[str, str]:
    """record -> its connected component over `pairs` (the component's id is one of its
    records), found by Splink's connected components on the backend; records in no pair are
    left out (each is a component of its own)."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    if not pairs:
        return {}
    left, right = zip(*pairs, strict=True)
    with backend_run(backend) as run:
        nodes = run.register(pa.table({"unique_id": sorted({*left, *right})}), "nodes")
        edges = run.register(
            pa.table({"unique_id_l": list(left), "unique_id_r": list(right)}), "edges"
        )
        # No threshold: every pair given is a link (the caller chose them).
        found = cluster_pairwise_predictions_at_threshold(nodes, edges, run.api, "unique_id")
        table = run.arrow(found, "components", columns=("unique_id", "cluster_id"))
    return dict(
        zip(table.column(0).to_pylist(), map(str, table.column(1).to_pylist()), strict=True)
    )


def score_pairs(
    left: pa.Table, right: pa.Table, model: dict[str, Any], *, backend: BackendConfig | None = None
) -> pa.Table:
    """Every left x right pair scored by Splink with no blocking (for checks and audits)."""
    from splink import Linker

    api = db_api(backend.local() if backend else None)
    frame = api.register(left)
    linker = Linker(frame, splink_settings(model), log_level=None)
    result = linker.inference.score_pairs(left.to_pylist(), right.to_pylist())
    return _columns(result.as_pyarrow_table())
