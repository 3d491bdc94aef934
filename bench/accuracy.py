"""Linking accuracy on labelled data, against baselines measured on the same records.

1. Generates labelled data in the four real formats (OCDS, SFP, SAT 69-B, a supplier register;
   default 3,000 firms with half the OCDS/register RFCs hidden) with one or both generators:
   `project` (bench/labelled.py, the one the model is tuned on) and `independent`
   (bench/independent, written apart, the one to report on: never tune on it). Each is ingested
   into a fresh SQLite database as `testigo ingest` would, and the linker runs (`full`).
2. Scores PAIRWISE precision, recall and F1 at the auto threshold: a predicted pair is two
   records in one entity, a true pair two records of one firm. Pairs are counted per cluster
   (n choose 2), never enumerated. Split by "rfc_both" (both records carry a usable RFC after
   ingest, `link_records.rfc`), "name_only" (at least one has none), and overall; then per
   error category (bench/categories.py: pairs touching the category's records), and entity
   checks (bench/entity_checks.py: two valid RFCs in one entity, entities held only by
   review-band links, chains).
3. Baselines on the same ingested records, in the same run: an exact RFC join, an exact join on
   the normalised name (`matching.names.parse_name(name).norm`), and Splink with default
   comparisons (JaroWinklerAtThresholds on the upper-cased name, ExactMatch on the RFC, blocking
   on the name's first 4 characters and on the RFC, u by random sampling, lambda from the RFC
   rule, EM on the RFC and name blocks, clustered at the same threshold).
4. The real-data check: the 12 firms whose RFC is both in the real SFP directory and in the real
   69-B list lose their RFC on one side (69-B, then SFP); both real files are ingested and
   linked, and the script reports how many of those known pairs the linker recovers, and the
   false links the hidden-RFC records got.

Targets: precision >= 0.99 and recall >= 0.97 overall with half the RFCs hidden; precision >=
0.999 where both sides carry an RFC. Figures go to bench/out/accuracy.json.

    python -m bench.accuracy [--generator project|independent|both] [--firms 3000] [--seed 11]
                             [--hidden 0.5] [--auto 0.9] [--review 0.5] [--no-splink]
                             [--no-real] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench._common import REPO_ROOT, report_head

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.settings import Settings
    from bench.entity_checks import EntityChecks
    from bench.labelled import Truth

OUT_FILE = REPO_ROOT / "bench" / "out" / "accuracy.json"
REAL_SFP = REPO_ROOT / "data" / "sanctions" / "sfp_directorio_sancionados_2026-06-11.json"
REAL_SAT = REPO_ROOT / "data" / "sanctions" / "sat_69b_listado_completo_2021-05-18.csv"
SPLITS = ("overall", "rfc_both", "name_only")
TARGETS = {  # (split, measure) -> minimum
    ("overall", "precision"): 0.99,
    ("overall", "recall"): 0.97,
    ("rfc_both", "precision"): 0.999,
}
MAX_EXPLAINED = 50_000  # missed pairs whose model score is recomputed to tell why
SPLINK_LAMBDA_RECALL = 0.5  # the share of true pairs the exact-RFC rule finds (about, by design)


# --- pair counting -------------------------------------------------------------------------
def _c2(n: int) -> int:
    return n * (n - 1) // 2


@dataclass(slots=True)
class PairCounts:
    predicted: int = 0
    true: int = 0
    correct: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.true if self.true else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "predicted_pairs": self.predicted,
            "true_pairs": self.true,
            "correct_pairs": self.correct,
            "false_pairs": self.predicted - self.correct,
            "missed_pairs": self.true - self.correct,
        }


def _split_pairs(groups: Iterable[tuple[int, int]]) -> dict[str, int]:
    """Pairs within groups of (records, records with an RFC), by split."""
    out = dict.fromkeys(SPLITS, 0)
    for n, with_rfc in groups:
        total, both = _c2(n), _c2(with_rfc)
        out["overall"] += total
        out["rfc_both"] += both
        out["name_only"] += total - both
    return out


def _group_sizes(labels: Iterable[tuple[Hashable, bool]]) -> Iterator[tuple[int, int]]:
    counts: dict[Hashable, list[int]] = {}
    for label, has_rfc in labels:
        entry = counts.setdefault(label, [0, 0])
        entry[0] += 1
        entry[1] += has_rfc
    return ((n, with_rfc) for n, with_rfc in counts.values())


def pairwise(
    cluster_of: Mapping[str, Hashable], firm_of: Mapping[str, int], has_rfc: Mapping[str, bool]
) -> dict[str, PairCounts]:
    """Pairwise counts over the records in `firm_of`; a record missing from `cluster_of` is a
    singleton."""
    keys = list(firm_of)
    cluster = [cluster_of.get(k, ("single", k)) for k in keys]
    rfc = [has_rfc.get(k, False) for k in keys]
    predicted = _split_pairs(_group_sizes(zip(cluster, rfc, strict=True)))
    true = _split_pairs(_group_sizes(((firm_of[k], r) for k, r in zip(keys, rfc, strict=True))))
    both = (((c, firm_of[k]), r) for k, c, r in zip(keys, cluster, rfc, strict=True))
    correct = _split_pairs(_group_sizes(both))
    return {s: PairCounts(predicted[s], true[s], correct[s]) for s in SPLITS}


# --- loading what the linker stored --------------------------------------------------------
@dataclass(slots=True)
class LinkedRecords:
    name: dict[str, str | None] = field(default_factory=dict)
    rfc: dict[str, str | None] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    entity_of: dict[str, str] = field(default_factory=dict)
    probability: dict[str, float | None] = field(default_factory=dict)
    # the best scored pair (probability, status, reason, record a, record b) between two
    # entities; pairs below the review threshold are not stored by the linker
    best_link: dict[tuple[str, str], tuple[float, str, str | None, str, str]] = field(
        default_factory=dict
    )
    # (record a, record b, status) of stored links inside one entity
    inner_links: list[tuple[str, str, str]] = field(default_factory=list)

    def link_between(self, a: str, b: str) -> str:
        """Why two records are apart, in words: the best scored pair between their entities."""
        ea, eb = self.entity_of.get(a, f"single:{a}"), self.entity_of.get(b, f"single:{b}")
        found = self.best_link.get((ea, eb) if ea < eb else (eb, ea))
        if found is None:
            return "no pair between the two entities scored >= review"
        p, status, reason, ra, rb = found
        direct = " (this pair)" if {ra, rb} == {a, b} else ""
        return f"best pair p={p:.3f} {status}{direct}" + (f": {reason}" if reason else "")

    @property
    def has_rfc(self) -> dict[str, bool]:
        return {k: v is not None for k, v in self.rfc.items()}


def load_linked(engine: Engine) -> LinkedRecords:
    from sqlalchemy import text

    out = LinkedRecords()
    with engine.connect() as conn:
        for row in conn.execute(text("SELECT record_key, source, name, rfc FROM link_records")):
            key = str(row.record_key)
            out.name[key], out.rfc[key], out.source[key] = row.name, row.rfc, str(row.source)
        for row in conn.execute(
            text("SELECT record_key, entity_id, probability FROM entity_members")
        ):
            out.entity_of[str(row.record_key)] = str(row.entity_id)
            out.probability[str(row.record_key)] = row.probability
        for row in conn.execute(
            text("SELECT record_a, record_b, probability, status, reason, evidence FROM links")
        ):
            a, b, p = str(row.record_a), str(row.record_b), float(row.probability)
            reason = row.reason if row.reason or row.status != "review" else _held_by(row.evidence)
            ea, eb = out.entity_of.get(a, f"single:{a}"), out.entity_of.get(b, f"single:{b}")
            if ea == eb:
                out.inner_links.append((a, b, str(row.status)))
                continue
            pair = (ea, eb) if ea < eb else (eb, ea)
            if pair not in out.best_link or p > out.best_link[pair][0]:
                out.best_link[pair] = (p, str(row.status), reason, a, b)
    return out


def _held_by(evidence: object) -> str:
    """Why a pair is in the review band: the guard that held it, or the model's own score."""
    from matching.guards import COMPARISON

    if isinstance(evidence, str):
        evidence = json.loads(evidence)
    for entry in evidence if isinstance(evidence, list) else ():
        if isinstance(entry, dict) and entry.get("comparison") == COMPARISON:
            return f"guard: {entry.get('level')}"
    return "the model scores it below auto"


# --- baselines -----------------------------------------------------------------------------
def exact_rfc_clusters(records: LinkedRecords) -> dict[str, Hashable]:
    return {k: ("rfc", rfc) for k, rfc in records.rfc.items() if rfc}


def exact_name_clusters(records: LinkedRecords) -> dict[str, Hashable]:
    from matching.names import parse_name

    out: dict[str, Hashable] = {}
    for key, name in records.name.items():
        norm = parse_name(name).norm if name else None
        if norm:
            out[key] = ("name", norm)
    return out


def splink_default_clusters(
    records: LinkedRecords, *, auto: float, review: float, seed: int
) -> tuple[dict[str, Hashable], dict[str, Any]]:
    """A plain Splink 5 model: names (upper-cased as published) and RFCs, default comparisons."""
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    keys = sorted(records.name)
    table = pa.table(
        {
            "unique_id": keys,
            "name": [(records.name[k] or "").upper() or None for k in keys],
            "rfc": [records.rfc[k] for k in keys],
        }
    )
    db_api = DuckDBAPI()
    frame = db_api.register(table)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.JaroWinklerAtThresholds("name"), cl.ExactMatch("rfc")],
        blocking_rules_to_generate_predictions=[block_on("substr(name, 1, 4)"), block_on("rfc")],
    )
    linker = Linker(frame, settings)
    info: dict[str, Any] = {}
    clock = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("rfc")], recall=SPLINK_LAMBDA_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=3e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("rfc"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    info["train_seconds"] = round(time.perf_counter() - clock, 2)
    clock = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=review)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=auto
    )
    table_out: pa.Table = clusters.as_pyarrow_table()  # type: ignore[no-untyped-call]
    result = table_out.select(["unique_id", "cluster_id"]).to_pydict()
    info["predict_cluster_seconds"] = round(time.perf_counter() - clock, 2)
    scored: pa.Table = predictions.as_pyarrow_table()  # type: ignore[no-untyped-call]
    info["scored_pairs"] = scored.num_rows
    out: dict[str, Hashable] = {
        str(k): ("splink", str(c))
        for k, c in zip(result["unique_id"], result["cluster_id"], strict=True)
    }
    return out, info


# --- error samples and breakdowns ----------------------------------------------------------
def _describe(key: str, records: LinkedRecords, truth: Truth) -> dict[str, Any]:
    quirks = sorted(q for q, keys in truth.quirks.items() if key in keys)
    return {
        "key": key,
        "firm": truth.firm_of.get(key),
        "name": records.name.get(key),
        "rfc": records.rfc.get(key),
        "entity": records.entity_of.get(key),
        "quirks": quirks,
    }


def error_analysis(
    records: LinkedRecords, truth: Truth, *, samples: int, seed: int
) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Missed true pairs (enumerated: a firm has at most 12 records; returned shuffled) with
    recall by quirk, and false pairs (counted per entity, enumerated by firm pair, sampled)."""
    rng = random.Random(seed)
    by_firm: dict[int, list[str]] = defaultdict(list)
    for key, firm in truth.firm_of.items():
        by_firm[firm].append(key)
    quirks_of: dict[str, tuple[str, ...]] = defaultdict(tuple)
    for quirk, keys in truth.quirks.items():
        for key in keys:
            quirks_of[key] = (*quirks_of[key], quirk)
    entity = {k: records.entity_of.get(k, f"single:{k}") for k in truth.firm_of}

    true_by_quirk: Counter[str] = Counter()
    missed_by_quirk: Counter[str] = Counter()
    missed: list[tuple[str, str]] = []
    for firm_keys in by_firm.values():
        for i, a in enumerate(firm_keys):
            for b in firm_keys[i + 1 :]:
                involved = set(quirks_of[a]) | set(quirks_of[b]) or {"(none)"}
                kinds = _pair_kind(a, b, records, truth)
                involved |= {f"pair:{kinds}"}
                true_by_quirk.update(involved)
                if entity[a] != entity[b]:
                    missed_by_quirk.update(involved)
                    missed.append((a, b))
    recall_by_quirk = {
        q: {
            "true_pairs": n,
            "missed": missed_by_quirk[q],
            "recall": round(1 - missed_by_quirk[q] / n, 4),
        }
        for q, n in sorted(true_by_quirk.items())
    }

    members: dict[str, list[str]] = defaultdict(list)
    for key, ent in entity.items():
        members[ent].append(key)
    false_by_kind: Counter[str] = Counter()
    false_samples: list[tuple[str, str]] = []
    giant = 0
    for entity_keys in members.values():
        firms: dict[int, list[str]] = defaultdict(list)
        for key in entity_keys:
            firms[truth.firm_of[key]].append(key)
        if len(firms) < 2:
            continue
        if len(firms) > 200:
            giant += 1
            false_by_kind["(entity of >200 firms)"] += _c2(len(entity_keys)) - sum(
                _c2(len(v)) for v in firms.values()
            )
            continue
        firm_ids = sorted(firms)
        for i, f in enumerate(firm_ids):
            for g in firm_ids[i + 1 :]:
                kind = _false_kind(f, g, truth)
                false_by_kind[kind] += len(firms[f]) * len(firms[g])
                false_samples.append((rng.choice(firms[f]), rng.choice(firms[g])))
    rng.shuffle(missed)
    rng.shuffle(false_samples)
    return missed, {
        "recall_by_quirk": recall_by_quirk,
        "false_pairs_by_kind": dict(false_by_kind.most_common()),
        "entities_over_200_firms": giant,
        "missed_samples": [
            [_describe(a, records, truth), _describe(b, records, truth), records.link_between(a, b)]
            for a, b in missed[:samples]
        ],
        "false_samples": [
            [_describe(a, records, truth), _describe(b, records, truth), "same entity"]
            for a, b in false_samples[:samples]
        ],
    }


def why_missed(
    records: LinkedRecords,
    missed: Iterable[tuple[str, str]],
    evidence: Mapping[tuple[str, str], tuple[str, float | None]],
    *,
    auto: float,
    review: float,
) -> Counter[str]:
    """Missed true pairs by cause: the best stored pair between the two entities (review or
    refused), else what the model says of the pair itself. A pair the model scores at or above
    `review` but that was never stored was never compared: blocking missed it."""
    out: Counter[str] = Counter()
    for a, b in missed:
        ea, eb = records.entity_of.get(a, f"single:{a}"), records.entity_of.get(b, f"single:{b}")
        best = records.best_link.get((ea, eb) if ea < eb else (eb, ea))
        if best is not None:
            held = f" ({best[2]})" if best[2] else ""
            out[f"entities joined only by a pair below auto or refused: {best[1]}{held}"] += 1
            continue
        p = evidence.get((a, b), ("", None))[1]
        if p is None:
            out["no stored pair between the entities (model score unavailable)"] += 1
        elif p >= auto:
            out["not compared (blocking): the model scores the pair >= auto"] += 1
        elif p >= review:
            out["not compared (blocking): the model scores the pair in review"] += 1
        else:
            out["compared or not, the model scores the pair < review"] += 1
    return out


def _pair_kind(a: str, b: str, records: LinkedRecords, truth: Truth) -> str:
    sources = "+".join(sorted((truth.source_of(a), truth.source_of(b))))
    rfcs = (records.rfc.get(a) is not None) + (records.rfc.get(b) is not None)
    return f"{sources},{('no', 'one', 'both')[rfcs]}-rfc"


def _false_kind(f: int, g: int, truth: Truth) -> str:
    if not truth.firms:
        return "different firms"
    a, b = truth.firms[f], truth.firms[g]
    if a.near_of == g or b.near_of == f or (a.near_of is not None and a.near_of == b.near_of):
        return "names confusable by design (near_of, one group)"
    if a.kind == "person" and b.kind == "person":
        return "two persons"
    if a.kind != b.kind:
        return "a company and a person"
    shared = set(a.name.split(",")[0].split()) & set(b.name.split(",")[0].split())
    return "companies sharing words" if shared else "companies, no word shared"


def explain_pairs(
    engine: Engine, model_dir: Path, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, float | None]]:
    """The model's evidence for each pair, recomputed from the stored records with the linker's
    own features, comparisons and weights: which level each comparison took and what it
    weighs (log2 Bayes factor), the prior, the total and the probability. Best effort: this
    reads the linker's internals, and says so instead of failing when they change."""
    wanted = list(pairs)
    if not wanted:
        return {}
    try:
        from matching import model as splink_model
        from matching.comparisons import COMPARISONS
        from matching.corpus import Corpus, with_corpus
        from matching.features import TF_COLUMNS, features
        from matching.records import load
        from matching.weights import ModelWeights

        model = splink_model.load_latest(model_dir)
        if model is None:
            raise LookupError(f"no model in {model_dir}")
        weights = ModelWeights.from_model(model)
        rows = {r.record_key: features(r.raw) for r in load(engine)}
        corpus = Corpus.build(rows.values())
        out: dict[tuple[str, str], tuple[str, float | None]] = {}
        for a, b in wanted:
            left, right = with_corpus(rows[a], corpus), with_corpus(rows[b], corpus)
            gammas = {c.name: c.level_of(left, right) for c in COMPARISONS}
            tf = {c: (left[f"tf_{c}"], right[f"tf_{c}"]) for c in TF_COLUMNS}
            evidence = weights.evidence(gammas, tf)
            total, p = weights.score(evidence)
            levels = ", ".join(
                f"{e['comparison']}={e['level']}:{e['match_weight']:+.2f}" for e in evidence
            )
            text = f"{levels}; prior {weights.prior:+.2f} => {total:+.2f}, p={p:.3f}"
            out[(a, b)] = (text, p)
        return out
    except Exception as exc:  # the linker's internals moved: report, do not fail the run
        return dict.fromkeys(wanted, (f"(evidence unavailable: {exc!r})", None))


# --- ingest and link -----------------------------------------------------------------------
def fresh_settings(root: Path) -> Settings:
    from app import migrations
    from app.settings import Settings

    settings = Settings(data_dir=root / "var", database_url=None)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings)
    return settings


def ingest_files(settings: Settings, engine: Engine, files: Mapping[str, Path]) -> dict[str, Any]:
    """Ingest the given files ({"ocds"|"sfp"|"sat69b"|"register": path}); fails loudly."""
    from bench.labelled import source_job
    from ingest.pipeline import run_job

    out: dict[str, Any] = {}
    for source, path in files.items():
        job = source_job(source)
        summary = run_job(job, [str(path)], engine=engine, settings=settings).as_dict()
        out[source] = {k: summary[k] for k in ("read", "loaded", "rejected", "failed_files")}
        if summary["failed_files"]:
            errors = [d["error"] for d in summary["details"]]
            raise RuntimeError(f"ingest of {path} failed: {errors}")
    return out


def run_linker(
    engine: Engine,
    root: Path,
    *,
    auto: float,
    review: float,
    quiet: bool,
    one_company_rfc: bool,
) -> Any:
    from matching.link import LinkOptions, link

    options = LinkOptions(
        model_dir=root / "models",
        auto=auto,
        review=review,
        full=True,
        one_company_rfc=one_company_rfc,
    )
    with _quiet(quiet):
        return link(engine, options)


@contextlib.contextmanager
def _quiet(enabled: bool) -> Iterator[None]:
    """Silence INFO logs (Splink's training chatter) while linking; warnings still show."""
    if not enabled:
        yield
        return
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def _configure_logs() -> None:
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


# --- the real-data check -------------------------------------------------------------------
_SAT_ROW = re.compile(rb"^(\d+),([^,\r\n]*),", re.MULTILINE)


def real_check(
    root: Path,
    side: str,
    *,
    auto: float,
    review: float,
    quiet: bool,
    samples: int,
    one_company_rfc: bool,
) -> dict[str, Any]:
    """Hide the RFC of the firms listed in both real registries on one side, link, and count
    how many of those known pairs come back."""
    from app.store.engine import make_engine
    from ingest.sanctions.sat69b import read_sat_69b
    from ingest.sanctions.sfp import read_sfp
    from matching.rfc import best

    def usable(raw: str | None) -> str | None:
        found = best(raw)
        return found.value if found is not None and found.usable else None

    sfp_records = json.loads(REAL_SFP.read_text(encoding="utf-8"))
    sfp_rfcs = {usable(r.get("rfc")) for r in sfp_records} - {None}
    with REAL_SAT.open(encoding="cp1252", newline="") as handle:
        sat_rfcs = {usable(row[1]) for row in csv.reader(handle) if len(row) > 1} - {None}
    targets = sorted(r for r in sfp_rfcs & sat_rfcs if r is not None)

    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    sfp_path, sat_path = data / "sfp.json", data / "sat69b.csv"
    hidden_rows = 0
    if side == "sat69b":
        shutil.copyfile(REAL_SFP, sfp_path)
        raw = REAL_SAT.read_bytes()

        def blank(match: re.Match[bytes]) -> bytes:
            nonlocal hidden_rows
            if usable(match.group(2).decode("cp1252")) in targets:
                hidden_rows += 1
                return match.group(1) + b",,"
            return match.group(0)

        sat_path.write_bytes(_SAT_ROW.sub(blank, raw))
    else:
        shutil.copyfile(REAL_SAT, sat_path)
        for record in sfp_records:
            if usable(record.get("rfc")) in targets:
                record["rfc"] = None
                hidden_rows += 1
        sfp_path.write_text(json.dumps(sfp_records, ensure_ascii=False), encoding="utf-8")

    # The true RFC of every record, by its key in the modified files: read the original and the
    # modified file with the real readers, in step (same rows, same order).
    true_rfc: dict[str, str | None] = {}
    pairs = (
        (read_sat_69b(REAL_SAT), read_sat_69b(sat_path), "sanction:")
        if side == "sat69b"
        else (read_sfp(REAL_SFP), read_sfp(sfp_path), "sanction:")
    )
    for original, modified in zip(pairs[0], pairs[1], strict=True):
        key = getattr(modified, "source_key", None)
        if key is not None:
            true_rfc[pairs[2] + key] = usable(getattr(original, "rfc_raw", None))

    settings = fresh_settings(root)
    engine = make_engine(settings)
    clock = time.perf_counter()
    ingested = ingest_files(settings, engine, {"sfp": sfp_path, "sat69b": sat_path})
    summary = run_linker(
        engine, root, auto=auto, review=review, quiet=quiet, one_company_rfc=one_company_rfc
    )
    seconds = time.perf_counter() - clock
    records = load_linked(engine)

    source = "sat-69b" if side == "sat69b" else "sfp"
    other = "sfp" if side == "sat69b" else "sat-69b"
    for key, value in records.rfc.items():
        if key not in true_rfc:
            true_rfc[key] = value  # the untouched side keeps its RFC
    hidden = [
        k
        for k, s in records.source.items()
        if s == source and records.rfc[k] is None and true_rfc.get(k) in targets
    ]
    members: dict[str, list[str]] = defaultdict(list)
    for key, ent in records.entity_of.items():
        members[ent].append(key)
    recovered_firms: set[str] = set()
    known_pairs = recovered_pairs = false_pairs = unknown_pairs = 0
    false_samples: list[dict[str, Any]] = []
    for key in hidden:
        rfc = true_rfc[key]
        partners = [k for k, s in records.source.items() if s == other and records.rfc[k] == rfc]
        known_pairs += len(partners)
        mates = [m for m in members.get(records.entity_of.get(key, ""), []) if m != key]
        found = [m for m in mates if m in partners]
        recovered_pairs += len(found)
        if found:
            recovered_firms.add(str(rfc))
        for mate in mates:
            if true_rfc.get(mate) is None:
                unknown_pairs += 1
            elif true_rfc[mate] != rfc:
                false_pairs += 1
                if len(false_samples) < samples:
                    false_samples.append(
                        {
                            "hidden": {"name": records.name[key], "true_rfc": rfc},
                            "linked_to": {"name": records.name[mate], "rfc": true_rfc[mate]},
                        }
                    )
    missed = [
        {
            "rfc": rfc,
            "hidden_names": sorted({str(records.name[k]) for k in hidden if true_rfc[k] == rfc}),
            "other_names": sorted(
                {
                    str(records.name[k])
                    for k, s in records.source.items()
                    if s == other and records.rfc[k] == rfc
                }
            ),
        }
        for rfc in targets
        if rfc not in recovered_firms
    ]
    for miss in missed:
        hidden_keys = [k for k in hidden if true_rfc[k] == miss["rfc"]]
        partner_keys = [
            k for k, s in records.source.items() if s == other and records.rfc[k] == miss["rfc"]
        ]
        miss["why"] = sorted(
            {records.link_between(h, p) for h in hidden_keys for p in partner_keys}
        )
        if hidden_keys and partner_keys:
            pair = (hidden_keys[0], partner_keys[0])
            miss["evidence"] = explain_pairs(engine, root / "models", [pair])[pair][0]
    engine.dispose()
    return {
        "side_hidden": side,
        "shared_rfcs": len(targets),
        "hidden_rows": hidden_rows,
        "hidden_records": len(hidden),
        "firms_recovered": len(recovered_firms),
        "known_pairs": known_pairs,
        "pairs_recovered": recovered_pairs,
        "false_pairs": false_pairs,
        "pairs_with_unknown_rfc": unknown_pairs,
        "false_samples": false_samples,
        "missed_firms": missed,
        "records": len(records.name),
        "entities": summary.entities,
        "ingest": ingested,
        "seconds": round(seconds, 1),
    }


# --- report --------------------------------------------------------------------------------
def _fmt(value: float | None) -> str:
    return "   -   " if value is None else f"{value:.4f}"


def print_table(results: Mapping[str, Mapping[str, PairCounts]]) -> None:
    header = (
        f"{'method':16} {'split':10} {'precision':>9} {'recall':>8} {'F1':>8} "
        f"{'pred pairs':>11} {'true pairs':>11} {'false':>8} {'missed':>8}"
    )
    print(header)
    print("-" * len(header))
    for method, splits in results.items():
        for split in SPLITS:
            c = splits[split]
            print(
                f"{method:16} {split:10} {_fmt(c.precision):>9} {_fmt(c.recall):>8} "
                f"{_fmt(c.f1):>8} {c.predicted:>11,} {c.true:>11,} "
                f"{c.predicted - c.correct:>8,} {c.true - c.correct:>8,}"
            )
        print()


def check_targets(counts: Mapping[str, PairCounts]) -> list[dict[str, Any]]:
    out = []
    for (split, measure), minimum in TARGETS.items():
        value = getattr(counts[split], measure)
        out.append(
            {
                "split": split,
                "measure": measure,
                "target": minimum,
                "value": value,
                "met": value is not None and value >= minimum,
            }
        )
    return out


def _print_pair(pair: list[Any]) -> None:
    for side, record in zip("ab", pair[:2], strict=True):
        quirks = ",".join(record["quirks"]) or "-"
        print(
            f"    {side} firm {record['firm']!s:>6} rfc {record['rfc'] or '-':13} "
            f"{record['name']!r}  [{quirks}]  {record['key']}"
        )
    if len(pair) > 2:
        print(f"      -> {pair[2]}")
    if len(pair) > 3:
        print(f"      evidence: {pair[3]}")


class Phases:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        clock = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - clock, 2)
            print(f"[{name}: {self.seconds[name]:.1f}s]", flush=True)


# --- one generator, measured -----------------------------------------------------------------
@dataclass(slots=True)
class Measured:
    generator: str
    truth: Truth
    summary: Any
    results: dict[str, dict[str, PairCounts]]
    categories: dict[str, PairCounts]
    category_records: dict[str, int]
    checks: EntityChecks
    errors: dict[str, Any]
    report: dict[str, Any]


def generate_labelled(generator: str, out: Path, firms: int, seed: int, hidden: float) -> Truth:
    """Labelled data from the project generator (bench/labelled.py, the one the model is tuned
    on) or the independent one (bench/independent, the one to report on)."""
    from bench.categories import GENERATORS

    if generator == "project":
        from bench.labelled import generate

        return generate(out, firms, seed, hidden)
    if generator == "independent":
        from bench.independent import generate as generate_independent

        return generate_independent(out, firms, seed, hidden)
    raise ValueError(f"unknown generator {generator!r}: one of {GENERATORS}")


def profiles_of(engine: Engine) -> dict[str, str]:
    """record -> the representative of its profile (identical features, no link between them),
    rebuilt with the linker's own functions; empty when its internals moved (then each record
    is its own profile and the checks are stricter than the linker's)."""
    try:
        from matching.features import features
        from matching.profiles import group
        from matching.records import load

        records = list(load(engine))
        keys = [r.record_key for r in records]
        profiles = group(keys, [features(r.raw) for r in records])
        return {keys[m]: keys[p.representative] for p in profiles for m in p.members}
    except Exception as exc:  # a diagnostic: report, do not fail the run
        print(f"WARNING: profiles unavailable ({exc!r}); each record counts as its own profile")
        return {}


def measure(generator: str, args: argparse.Namespace, root: Path, phase: Phases) -> Measured:
    """Generate, ingest, link and score one generator's data, with the baselines."""
    from app.store.engine import make_engine
    from bench.categories import categories_of, touching_pairs
    from bench.entity_checks import check_entities
    from bench.labelled import FILES

    report: dict[str, Any] = {}
    with phase(f"{generator}: generate"):
        truth = generate_labelled(generator, root / "data", args.firms, args.seed, args.hidden)
    report["generated"] = truth.counts
    settings = fresh_settings(root)
    engine = make_engine(settings)
    with phase(f"{generator}: ingest"):
        files = {source: root / "data" / name for source, name in FILES.items()}
        report["ingest"] = ingest_files(settings, engine, files)
    with phase(f"{generator}: link"):
        summary = run_linker(
            engine,
            root,
            auto=args.auto,
            review=args.review,
            quiet=not args.verbose,
            one_company_rfc=args.one_company_rfc,
        )
    report["link"] = summary.as_dict()
    records = load_linked(engine)
    unlabelled = sorted(set(records.name) - set(truth.firm_of))
    not_linked = sorted(set(truth.firm_of) - set(records.name))
    report["unlabelled_records"] = len(unlabelled)
    report["labelled_records_not_in_link_records"] = len(not_linked)
    if unlabelled or not_linked:
        print(f"WARNING: {len(unlabelled)} linked records have no label ({unlabelled[:3]}),")
        print(f"         {len(not_linked)} labelled records were not linked ({not_linked[:3]})")

    results: dict[str, dict[str, PairCounts]] = {}
    has_rfc = records.has_rfc
    with phase(f"{generator}: score"):
        results["testigo"] = pairwise(records.entity_of, truth.firm_of, has_rfc)
        tagged = categories_of(truth, generator)
        categories = {
            c: PairCounts(*touching_pairs(records.entity_of, truth.firm_of, keys))
            for c, keys in tagged.items()
        }
        checks = check_entities(
            records.entity_of, records.rfc, records.inner_links, profiles_of(engine),
            truth.firm_of,
        )  # fmt: skip
        missed, errors = error_analysis(records, truth, samples=args.samples, seed=args.seed)
        explained = missed[:MAX_EXPLAINED]
        explained += [(p[0]["key"], p[1]["key"]) for p in errors["false_samples"]]
        evidence = explain_pairs(engine, root / "models", explained)
        errors["missed_by_reason"] = dict(
            why_missed(records, missed, evidence, auto=args.auto, review=args.review).most_common()
        )
        for pair in (*errors["missed_samples"], *errors["false_samples"]):
            pair.append(evidence[(pair[0]["key"], pair[1]["key"])][0])
    engine.dispose()
    with phase(f"{generator}: baseline exact rfc"):
        results["exact_rfc"] = pairwise(exact_rfc_clusters(records), truth.firm_of, has_rfc)
    with phase(f"{generator}: baseline exact name"):
        results["exact_name"] = pairwise(exact_name_clusters(records), truth.firm_of, has_rfc)
    if not args.no_splink:
        with phase(f"{generator}: baseline splink default"), _quiet(not args.verbose):
            clusters, splink_info = splink_default_clusters(
                records, auto=args.auto, review=args.review, seed=args.seed
            )
            results["splink_default"] = pairwise(clusters, truth.firm_of, has_rfc)
        report["splink_default"] = splink_info
    return Measured(
        generator=generator,
        truth=truth,
        summary=summary,
        results=results,
        categories=categories,
        category_records={c: len(keys) for c, keys in tagged.items()},
        checks=checks,
        errors=errors,
        report=report,
    )


# --- printing ----------------------------------------------------------------------------------
def _label(category: str) -> str:
    """`truncation/prefix_shared` shows as an indented `prefix_shared` under its category."""
    return f"  {category.split('/', 1)[1]}" if "/" in category else category


def _counts_row(label: str, c: PairCounts, records: int | None = None) -> str:
    shown = "" if records is None else f"{records:>8,}"
    scores = f"{_fmt(c.precision):>9} {_fmt(c.recall):>8} {_fmt(c.f1):>8}"
    return (
        f"  {_label(label):22}{shown:>8} {scores} {c.predicted:>10,} {c.true:>10,} "
        f"{c.predicted - c.correct:>7,} {c.true - c.correct:>7,}"
    )


def print_categories(m: Measured) -> None:
    print(
        f"testigo by error category ({m.generator} generator; pairs with at least one record "
        "of the category):"
    )
    print(
        f"  {'category':22}{'records':>8} {'precision':>9} {'recall':>8} {'F1':>8} "
        f"{'pred pairs':>10} {'true pairs':>10} {'false':>7} {'missed':>7}"
    )
    for category, counts in m.categories.items():
        print(_counts_row(category, counts, m.category_records[category]))


def print_checks(m: Measured) -> None:
    c = m.checks
    print(
        f"entity checks ({m.generator}): {c.entities:,} entities, {c.multi_record:,} of 2+ records"
    )
    print(
        f"  with two different valid RFCs (not one-edit typos): {c.conflicting_rfcs:,}, "
        f"{c.conflicting_impure:,} of them joining several firms (company RFCs: "
        f"{c.conflicting_company_rfcs:,}, {c.conflicting_company_impure:,} joining several "
        f"firms) {c.conflict_samples or ''}"
    )
    print(
        f"  not connected by links >= auto: {c.not_held_by_auto_links:,}, of which held only by "
        f"review-band links: {c.held_only_by_review_links:,}"
    )
    hops = ", ".join(
        f"{k}: {n:,} ({c.impure_by_hops.get(k, 0):,} impure)" for k, n in sorted(c.hops.items())
    )
    print(f"  farthest two profiles, in links >= auto: {hops}")


def print_generator(m: Measured) -> None:
    s, truth = m.summary, m.truth
    print()
    print(f"=== {m.generator} generator ===")
    print(
        f"{truth.counts['records']:,} records of {truth.n_firms:,} firms "
        f"({truth.counts.get('firms_person', 0):,} persons); "
        f"linker: {s.entities:,} entities, {s.links:,} links, "
        f"{s.review_queue:,} for review, {s.refused:,} refused"
    )
    print()
    print_table(m.results)
    print(f"targets (testigo, {m.generator}):")
    for t in check_targets(m.results["testigo"]):
        mark = "MET " if t["met"] else "MISS"
        print(f"  {mark} {t['split']:9} {t['measure']:9} >= {t['target']}: {_fmt(t['value'])}")
    print()
    print_categories(m)
    print()
    print_checks(m)
    print()
    errors = m.errors
    print("testigo recall by quirk (true pairs where either record has it; pair:<sources>):")
    for quirk, row in errors["recall_by_quirk"].items():
        if row["missed"] or not quirk.startswith("pair:"):
            print(
                f"  {quirk:42} {row['recall']:.4f}  missed {row['missed']:>6,} "
                f"of {row['true_pairs']:>7,}"
            )
    print("testigo missed true pairs, why:")
    for why, n in errors["missed_by_reason"].items():
        print(f"  {why:68} {n:>7,}")
    print("testigo false pairs by kind:")
    for kind, n in errors["false_pairs_by_kind"].items():
        print(f"  {kind:48} {n:>7,}")
    if errors["missed_samples"]:
        print(f"sample of missed true pairs ({len(errors['missed_samples'])}):")
        for pair in errors["missed_samples"]:
            _print_pair(pair)
    if errors["false_samples"]:
        print(f"sample of false pairs ({len(errors['false_samples'])}):")
        for pair in errors["false_samples"]:
            _print_pair(pair)


def print_real(real: Mapping[str, Any]) -> None:
    print()
    print("real data: firms in both the SFP directory and the 69-B list, RFC hidden on one side")
    for side, r in real.items():
        print(
            f"  {side} side hidden: {r['hidden_records']} records of {r['shared_rfcs']} firms; "
            f"firms recovered {r['firms_recovered']}/{r['shared_rfcs']}, pairs recovered "
            f"{r['pairs_recovered']}/{r['known_pairs']}; false pairs of hidden records "
            f"{r['false_pairs']} (+{r['pairs_with_unknown_rfc']} with records of unknown RFC); "
            f"{r['records']:,} records -> {r['entities']:,} entities"
        )
        for miss in r["missed_firms"]:
            print(f"    missed {miss['rfc']}: {miss['hidden_names']} vs {miss['other_names']}")
            print(f"      -> {'; '.join(miss['why'])}")
            if "evidence" in miss:
                print(f"      evidence: {miss['evidence']}")
        for sample in r["false_samples"]:
            print(f"    false: {sample['hidden']} ~ {sample['linked_to']}")


def print_summary(measured: Mapping[str, Measured]) -> None:
    """Testigo on every generator side by side: splits, then categories."""
    print()
    print(
        "summary, testigo: precision / recall / F1 (tune on the project generator, report on "
        "the independent one)"
    )
    names = list(measured)
    print(f"  {'':24}" + "".join(f"{n:>28}" for n in names))
    print(f"  {'':24}" + f"{'precision':>10} {'recall':>8} {'F1':>8}" * len(names))

    def cells(counts: Iterable[PairCounts]) -> str:
        return "".join(
            f"{_fmt(c.precision):>10} {_fmt(c.recall):>8} {_fmt(c.f1):>8}" for c in counts
        )

    for split in SPLITS:
        print(f"  {split:24}" + cells(measured[n].results["testigo"][split] for n in names))
    categories = max((list(m.categories) for m in measured.values()), key=len)
    for category in categories:
        counts = (measured[n].categories.get(category, PairCounts()) for n in names)
        print(f"  {_label(category):24}" + cells(counts))
    for n in names:
        c = measured[n].checks
        print(
            f"  {n}: entities with two valid RFCs {c.conflicting_rfcs} (company "
            f"{c.conflicting_company_rfcs}; of several firms {c.conflicting_impure}); "
            f"held only by review links "
            f"{c.held_only_by_review_links}; farthest profiles 3+ links apart "
            f"{c.hops.get('3+', 0)} ({c.impure_by_hops.get('3+', 0)} impure)"
        )


def _measured_json(m: Measured) -> dict[str, Any]:
    return {
        **m.report,
        "results": {k: {s: c.as_dict() for s, c in r.items()} for k, r in m.results.items()},
        "targets_testigo": check_targets(m.results["testigo"]),
        "categories": {
            c: {"records": m.category_records[c], **counts.as_dict()}
            for c, counts in m.categories.items()
        },
        "entity_checks": m.checks.as_dict(),
        "errors": m.errors,
    }


def main(argv: list[str] | None = None) -> int:
    from bench.categories import GENERATORS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--hidden", type=float, default=0.5, help="share of OCDS/register RFCs")
    parser.add_argument(
        "--generator",
        choices=(*GENERATORS, "both"),
        default="both",
        help="project (bench/labelled.py, tune on it), independent (bench/independent, report "
        "on it), or both",
    )
    parser.add_argument("--auto", type=float, default=0.9)
    parser.add_argument("--review", type=float, default=0.5)
    parser.add_argument(
        "--one-company-rfc",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="link as TESTIGO_LINK_ONE_COMPANY_RFC=true (no firm holds two company RFCs) or "
        "false does (default: the linker's, LinkOptions.one_company_rfc)",
    )
    parser.add_argument("--samples", type=int, default=10, help="error pairs to print")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink baseline")
    parser.add_argument("--no-real", action="store_true", help="skip the real-data check")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--verbose", action="store_true", help="show the linker's INFO logs")
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    args = parser.parse_args(argv)
    if args.one_company_rfc is None:
        from matching.link import LinkOptions

        args.one_company_rfc = LinkOptions(model_dir=Path()).one_company_rfc
    _configure_logs()
    generators = GENERATORS if args.generator == "both" else (args.generator,)

    root = Path(tempfile.mkdtemp(prefix="testigo-accuracy-"))
    phase = Phases()
    print(
        f"accuracy: {', '.join(generators)} generator(s), {args.firms:,} firms, seed {args.seed}, "
        f"rfc hidden {args.hidden}, auto {args.auto}, review {args.review}, one company RFC "
        f"{args.one_company_rfc} | {platform.node()} "
        f"{platform.python_version()} | {datetime.now(UTC):%Y-%m-%d %H:%M} UTC | {root}"
    )
    targets = [{"split": s, "measure": m, "min": v} for (s, m), v in TARGETS.items()]
    report: dict[str, Any] = {
        **report_head(args, platform.node(), targets),
        "tuned_on": "project",
        "reported_on": "independent",
    }
    measured: dict[str, Measured] = {}
    try:
        for generator in generators:
            measured[generator] = measure(generator, args, root / generator, phase)
        if not args.no_real:
            report["real"] = {}
            for side in ("sat69b", "sfp"):
                with phase(f"real check ({side} RFCs hidden)"):
                    report["real"][side] = real_check(
                        root / f"real-{side}",
                        side,
                        auto=args.auto,
                        review=args.review,
                        quiet=not args.verbose,
                        samples=args.samples,
                        one_company_rfc=args.one_company_rfc,
                    )
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    for m in measured.values():
        print_generator(m)
    if "real" in report:
        print_real(report["real"])
    print_summary(measured)
    print()
    print("phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in phase.seconds.items()))

    report["generators"] = {g: _measured_json(m) for g, m in measured.items()}
    report["seconds"] = phase.seconds
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"figures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
