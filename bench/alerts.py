"""Alert scan benchmark: time and peak memory of `testigo alerts scan` at scale, beside an
exact-RFC SQL baseline run on the same database in the same run.

For each size (`--awards`, default 1,000,000; e.g. `--awards 100000 1000000`) it

1. migrates an empty SQLite database (`app.migrations.upgrade`) in bench/out/alerts-work/<size>/;
2. fills it with bulk SQL inserts (sqlite3, executemany in large transactions), shaped like an
   ingested and linked database: two `ingest_runs` rows (OCDS, sanctions), N rows in `awards`
   (OCDS processes of three shapes: award + its contract naming it by awardID, a contract alone
   naming no award as the federal data does, an award alone), one supplier per award or contract
   (two for 10% of processes) in `award_suppliers`, 50,000 `sanctions` (`--sanctions`) of the
   real kinds (SFP: debarment with start/end dates, 5% without an end, fine; SAT 69-B:
   efos_definitivo, efos_presunto, efos_desvirtuado, efos_sentencia_favorable), dates over
   2014-2025 so that a fraction of awards falls inside a sanction's window, `entities` (one per
   firm) and `entity_members` for every party record ("party:{party_key}") and every sanction
   ("sanction:{source_key}"); `links` rows with status 'linked' holding each record of a sanctioned
   firm to its firm (the evidence the scan looks up) and a few 'review' links from parties of
   clean firms to sanctions.
   Suppliers are drawn from a pool of N/10 firms with a skew (some firms win many contracts);
   8% of the pool is sanctioned (`--sanctioned-share`); the other sanctioned firms never win.
   A share of supplier records (`--hidden`, default 0.4) carry no RFC: only their entity
   membership (probability 0.95) ties them to their firm; 5% of sanctions carry no RFC either.

   THE LINKING IS SIMULATED by writing entity membership directly (every record of a firm is in
   the firm's entity); the Splink linker is not run here (its speed is measured by
   bench/link.py). The figure measures the scan alone, and "missed" below checks the scan's
   joins, award keys and date rules, not the linker's recall.

3. runs the baseline in this process: a plain SQL join of awards to sanctions on exact RFC
   (`award_suppliers.rfc = sanctions.rfc`), debarments only, with the date condition (award date,
   else the contract's date signed, else its period start, between the debarment's start and
   end). Its award key is built as the scan builds it: "{ocid}/{award id}" for an award,
   "{ocid}/{awardID or contract id}" for a contract, the date taken per award key with the
   scan's precedence (the award's date first, then the contract's).
4. runs `app.alerts.detect.scan(engine)` in a fresh subprocess (peak memory: VmHWM from
   /proc/self/status, the child's own address space), then compares the (award key, sanction
   key) sets of the baseline and of the scan's debarment alerts: `missed` (baseline alerts the
   scan lacks; must be 0) and `extra` (scan-only debarment alerts, found through entity
   membership: supplier or sanction without an RFC, or review links; > 0 when RFCs are hidden).
   The same comparison at the (ocid, sanction key) level is printed beside it.

Targets: scan of 1,000,000 awards against 50,000 sanctions < 60 s; missed = 0.
Figures go to bench/out/alerts.json (`--out`). `--profile` runs the scan under cProfile and
prints the top 15 functions by cumulative time (the profiled time is inflated); `--rescan` runs
a second scan on the same database (nothing new: the steady nightly cost).

    python -m bench.alerts [--awards 100000 1000000] [--sanctions 50000] [--hidden 0.4]
                           [--seed 5] [--profile] [--rescan] [--keep] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench import _common as common

OUT_FILE = common.REPO_ROOT / "bench" / "out" / "alerts.json"
WORK_DIR = common.REPO_ROOT / "bench" / "out" / "alerts-work"
DEFAULT_SIZES = (1_000_000,)
TARGET_AWARDS = 1_000_000
TARGET_SECONDS = 60.0
SIMULATION_NOTE = (
    "linking simulated by direct entity membership (no Splink run; the linker's speed is "
    "bench/link.py's figure): the scan time measures the scan alone"
)

# Sanction kinds: (registry, kind, weight).
KINDS = (
    ("sfp", "debarment", 45),
    ("sfp", "fine", 10),
    ("sat-69b", "efos_definitivo", 30),
    ("sat-69b", "efos_presunto", 8),
    ("sat-69b", "efos_desvirtuado", 4),
    ("sat-69b", "efos_sentencia_favorable", 3),
)
DEBARMENT_DAYS = (90, 180, 365, 730, 1095, 1825, 3650)
SAT_STATUS = {
    "efos_definitivo": "Definitivo",
    "efos_presunto": "Presunto",
    "efos_desvirtuado": "Desvirtuado",
    "efos_sentencia_favorable": "Sentencia Favorable",
}
AGENCIES = (
    "INSTITUTO MEXICANO DEL SEGURO SOCIAL",
    "COMISION FEDERAL DE ELECTRICIDAD",
    "PETROLEOS MEXICANOS",
    "SECRETARIA DE SALUD",
    "SECRETARIA DE LA DEFENSA NACIONAL",
    "INSTITUTO DE SEGURIDAD Y SERVICIOS SOCIALES DE LOS TRABAJADORES DEL ESTADO",
    "SECRETARIA DE INFRAESTRUCTURA, COMUNICACIONES Y TRANSPORTES",
    "AEROPUERTO INTERNACIONAL DE LA CIUDAD DE MEXICO",
)
WORDS = (
    "GRUPO",
    "CONSTRUCTORA",
    "SERVICIOS",
    "COMERCIALIZADORA",
    "INDUSTRIAL",
    "MEDICA",
    "TECNOLOGIA",
    "DEL",
    "NORTE",
    "SURESTE",
    "PACIFICO",
    "BAJIO",
    "INTEGRALES",
    "AZTECA",
    "MAYA",
    "SOLUCIONES",
    "PROVEEDORA",
    "DISTRIBUIDORA",
    "INGENIERIA",
    "LOGISTICA",
)
FORMS = ("S.A. DE C.V.", "S. DE R.L. DE C.V.", "S.A.P.I. DE C.V.", "S.C.", "")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = "ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789"
DAY0 = date(2014, 1, 1).toordinal()
AWARD_DAYS = (date(2015, 1, 1).toordinal(), date(2025, 12, 31).toordinal())
SANCTION_DAYS = (date(2014, 1, 1).toordinal(), date(2025, 9, 30).toordinal())
EVIDENCE = json.dumps(
    [
        {"comparison": "name", "level": "exact after normalising", "gamma": 4, "match_weight": 9.1},
        {"comparison": "rfc", "level": "exact", "gamma": 3, "match_weight": 12.4},
        {"comparison": "postal_code", "level": "else", "gamma": 0, "match_weight": -0.4},
    ]
)
EVIDENCE_NAME_ONLY = json.dumps(
    [
        {"comparison": "name", "level": "exact after normalising", "gamma": 4, "match_weight": 9.1},
        {"comparison": "rfc", "level": "null", "gamma": -1, "match_weight": 0.0},
        {"comparison": "postal_code", "level": "exact", "gamma": 2, "match_weight": 3.2},
    ]
)
BATCH = 50_000


# --- in the child --------------------------------------------------------------------------
def child_scan(data_dir: Path, *, profile: bool) -> dict[str, Any]:
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from dataclasses import asdict

    from app.alerts.detect import scan
    from app.settings import Settings
    from app.store.engine import make_engine

    engine = make_engine(Settings(data_dir=data_dir, database_url=None))
    before_mb, _ = common.memory_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    summary = scan(engine)
    wall = time.perf_counter() - started
    top = None
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        prof_path = (
            common.REPO_ROOT / "bench" / "out" / f"profile-alerts-{data_dir.parent.name}.prof"
        )
        profiler.dump_stats(prof_path)
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(15)
        top = buffer.getvalue()
    engine.dispose()
    peak, current = common.memory_mb()
    return {
        "summary": asdict(summary),
        "scan_s": round(wall, 2),
        "peak_mb": peak,
        "rss_before_scan_mb": before_mb,
        "rss_after_mb": current,
        "profile_top": top,
    }


# --- generation (in the parent) ------------------------------------------------------------
def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


class _Firms:
    """The firm universe: RFC, name and entity id per firm number."""

    def __init__(self, n: int, rng: random.Random) -> None:
        used: set[str] = set()
        self.rfc: list[str] = []
        self.name: list[str] = []
        for _ in range(n):
            while True:
                day = date.fromordinal(rng.randint(date(1970, 1, 1).toordinal(), DAY0))
                rfc = (
                    "".join(rng.choice(LETTERS) for _ in range(3))
                    + day.strftime("%y%m%d")
                    + "".join(rng.choice(ALNUM) for _ in range(3))
                )
                if rfc not in used:
                    used.add(rfc)
                    break
            self.rfc.append(rfc)
            words = " ".join(rng.sample(WORDS, rng.randint(2, 4)))
            self.name.append(f"{words} {rng.choice(FORMS)}".strip())

    @staticmethod
    def entity(firm: int) -> str:
        return f"e{firm:09d}"


def build(db: Path, n_awards: int, n_sanctions: int, args: argparse.Namespace) -> dict[str, Any]:
    """Fill the migrated database at `db`; returns counts."""
    rng = random.Random(args.seed * 1_000_003 + n_awards)
    pool = max(n_awards // 10, 1_000)
    n_sanctioned_firms = max(int(n_sanctions / 1.25), 1)
    in_pool = min(int(pool * args.sanctioned_share), n_sanctioned_firms)
    firms = _Firms(pool + n_sanctioned_firms - in_pool, rng)
    sanctioned_in_pool = rng.sample(range(pool), in_pool)
    sanctioned = sanctioned_in_pool + list(range(pool, pool + n_sanctioned_firms - in_pool))
    sanctioned_set = set(sanctioned)

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    now = "2026-01-15 06:00:00.000000"
    conn.execute(
        "INSERT INTO ingest_runs (id, kind, format, scope, origin, source_file, sha256, "
        "retrieved_at, started_at, finished_at, status, read, loaded, updated, unchanged, "
        "rejected, withdrawn) VALUES (1, 'ocds', 'ocds-jsonl', 'ocds', ?, ?, ?, ?, ?, ?, 'ok', "
        "?, ?, 0, 0, 0, 0)",
        ("bench/ocds.jsonl", "bench/ocds.jsonl", "0" * 64, now, now, now, n_awards, n_awards),
    )
    conn.execute(
        "INSERT INTO ingest_runs (id, kind, format, scope, origin, source_file, sha256, "
        "retrieved_at, started_at, finished_at, status, read, loaded, updated, unchanged, "
        "rejected, withdrawn) VALUES (2, 'sanctions', 'sfp-json', 'sfp', ?, ?, ?, ?, ?, ?, 'ok', "
        "?, ?, 0, 0, 0, 0)",
        (
            "bench/sanctions.json",
            "bench/sanctions.json",
            "1" * 64,
            now,
            now,
            now,
            n_sanctions,
            n_sanctions,
        ),
    )

    members: list[tuple[str, str, float]] = []
    links: list[tuple[str, str, float, float, str, str, int]] = []
    anchor: dict[int, str] = {}  # sanctioned firm -> its first sanction record key

    def flush_members() -> None:
        conn.executemany("INSERT INTO entity_members VALUES (?, ?, ?)", members)
        members.clear()

    def link_to_anchor(firm: int, key: str, evidence: str, p: float) -> None:
        other = anchor.get(firm)
        if other is None or other == key:
            return
        a, b = (key, other) if key < other else (other, key)
        links.append((a, b, p, 8.0 if p < 0.99 else 14.0, evidence, "linked", 1))

    # Sanctions: every sanctioned firm gets one, the rest go to random sanctioned firms.
    kinds = [(r, k) for r, k, _ in KINDS]
    weights = [w for *_, w in KINDS]
    holders = sanctioned + [rng.choice(sanctioned) for _ in range(n_sanctions - len(sanctioned))]
    sanction_rows = []
    sanction_keys: list[str] = []
    no_rfc_sanctions = 0
    for number, firm in enumerate(holders):
        registry, kind = rng.choices(kinds, weights)[0]
        start_o = rng.randint(*SANCTION_DAYS)
        start, end, amount, status = _iso(start_o), None, None, None
        if kind == "debarment":
            days = rng.choice(DEBARMENT_DAYS)
            end = None if rng.random() < 0.05 else _iso(start_o + days)
            status = f"{days // 30} MESES"
        elif kind == "fine":
            start, amount = (None if rng.random() < 0.8 else start), rng.randint(10, 5000) * 1000
        else:
            status = SAT_STATUS[kind]
        rfc = None if rng.random() < 0.05 else firms.rfc[firm]
        no_rfc_sanctions += rfc is None
        case = f"{rng.randint(1, 99999):05d}PA-{number:06d}/{start_o % 11 + 2015}"
        key = (
            f"{registry}:{case}" if registry == "sfp" else f"{registry}:{firms.rfc[firm]}#{number}"
        )
        sanction_keys.append(key)
        sanction_rows.append(
            (
                number + 1,
                key,
                registry,
                case,
                firms.name[firm],
                "company",
                kind,
                start,
                end,
                rng.choice(AGENCIES) if registry == "sfp" else "SAT",
                status,
                amount,
                "MXN" if amount else None,
                None,
                "active",
                None,
                rfc,
                rfc,
                rfc,
                "company" if rfc else None,
                True if rfc else None,
                2,
                "bench/sanctions.json",
                f"$[{number}]",
                f"{number:032x}",
            )
        )
        record = f"sanction:{key}"
        members.append((record, firms.entity(firm), 0.99 if rfc else 0.95))
        if firm in anchor:
            link_to_anchor(
                firm, record, EVIDENCE if rfc else EVIDENCE_NAME_ONLY, 0.99 if rfc else 0.95
            )
        else:
            anchor[firm] = record
    conn.executemany(
        "INSERT INTO sanctions (id, source_key, registry, case_number, name, person_kind, kind, "
        "start_date, end_date, authority, raw_status, amount, currency, details, status, "
        "withdrawn_at, rfc_raw, rfc, rfc_all, rfc_kind, rfc_check_ok, run_id, source_file, "
        "position, content_hash) VALUES (" + ", ".join("?" * 25) + ")",
        sanction_rows,
    )
    del sanction_rows
    flush_members()
    used_firms: set[int] = set(sanctioned)

    # Awards and contracts.
    award_rows: list[tuple[Any, ...]] = []
    supplier_rows: list[tuple[Any, ...]] = []
    award_pk = supplier_pk = 0
    process = hidden = review_links = 0

    def flush_awards() -> None:
        conn.executemany(
            "INSERT INTO awards (id, source_key, ocid, release_id, release_date, kind, item_id, "
            "award_id, title, status, date, date_signed, period_start, period_end, value_amount, "
            "currency, buyer_id, buyer_name, buyer_rfc, run_id, source_file, position, "
            "content_hash) VALUES (" + ", ".join("?" * 23) + ")",
            award_rows,
        )
        conn.executemany(
            "INSERT INTO award_suppliers (id, award_pk, party_key, name, rfc_raw, rfc) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            supplier_rows,
        )
        award_rows.clear()
        supplier_rows.clear()
        flush_members()
        conn.executemany(
            "INSERT INTO links (record_a, record_b, probability, match_weight, evidence, status, "
            "link_run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            links,
        )
        links.clear()

    while award_pk < n_awards:
        process += 1
        ocid = f"ocds-bench-{process}"
        shape = rng.random()
        items: list[tuple[str, str, str | None]] = []  # (kind, item id, award id)
        if shape < 0.45:
            items = [("award", f"{ocid}-a1", None), ("contract", f"{ocid}-c1", f"{ocid}-a1")]
        elif shape < 0.85:
            items = [("contract", f"{ocid}-c1", None)]
        else:
            items = [("award", f"{ocid}-a1", None)]
        items = items[: n_awards - award_pk]
        suppliers = []
        for party in range(1 if rng.random() < 0.9 else 2):
            firm = int(pool * rng.random() ** 2.5)
            used_firms.add(firm)
            party_key = f"{ocid}/{firms.rfc[firm]}-{party}"
            is_hidden = rng.random() < args.hidden
            hidden += is_hidden
            rfc = None if is_hidden else firms.rfc[firm]
            suppliers.append((party_key, firms.name[firm], rfc))
            record = f"party:{party_key}"
            p = 0.95 if is_hidden else 0.99
            members.append((record, firms.entity(firm), p))
            if firm in sanctioned_set:
                link_to_anchor(firm, record, EVIDENCE_NAME_ONLY if is_hidden else EVIDENCE, p)
            elif is_hidden and rng.random() < args.review_rate:
                other = f"sanction:{rng.choice(sanction_keys)}"
                a, b = (record, other) if record < other else (other, record)
                q = round(rng.uniform(0.55, 0.89), 3)
                links.append((a, b, q, 2.0, EVIDENCE_NAME_ONLY, "review", 1))
                review_links += 1
        award_day = rng.randint(AWARD_DAYS[0], AWARD_DAYS[1])
        buyer = rng.choice(AGENCIES)
        value = round(rng.lognormvariate(13, 1.5), 2)
        for kind, item, award_id in items:
            award_pk += 1
            if kind == "award":
                day = None if rng.random() < 0.03 else _iso(award_day)
                signed = start = end = None
            else:
                signed_o = award_day + rng.randint(0, 30)
                day = None
                signed = None if rng.random() < 0.10 else _iso(signed_o)
                start = None if rng.random() < 0.05 else _iso(signed_o + rng.randint(0, 15))
                end = _iso(signed_o + rng.randint(30, 720))
            award_rows.append(
                (
                    award_pk,
                    f"{ocid}/{kind}/{item}",
                    ocid,
                    f"{ocid}-r1",
                    now,
                    kind,
                    item,
                    award_id,
                    "ADQUISICION DE BIENES Y SERVICIOS",
                    "active",
                    day,
                    signed,
                    start,
                    end,
                    value,
                    "MXN",
                    "B-" + buyer[:8],
                    buyer,
                    None,
                    1,
                    "bench/ocds.jsonl",
                    f"line {process}",
                    f"{award_pk:032x}",
                )
            )
            for party_key, name, rfc in suppliers:
                supplier_pk += 1
                supplier_rows.append((supplier_pk, award_pk, party_key, name, rfc, rfc))
        if len(award_rows) >= BATCH:
            flush_awards()
    flush_awards()
    conn.executemany(
        "INSERT INTO entities (id, display_name, rfcs, size, created_at, updated_at, "
        "link_run_id) VALUES (?, ?, ?, ?, ?, ?, 1)",
        ((firms.entity(f), firms.name[f], firms.rfc[f], 1, now, now) for f in sorted(used_firms)),
    )
    conn.commit()
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in (
            "awards",
            "award_suppliers",
            "sanctions",
            "entity_members",
            "links",
            "entities",
        )
    }
    counts["sanctions_debarment"] = conn.execute(
        "SELECT count(*) FROM sanctions WHERE kind = 'debarment'"
    ).fetchone()[0]
    counts["processes"] = process
    counts["supplier_parties_hidden_rfc"] = hidden
    counts["supplier_rows_without_rfc"] = conn.execute(
        "SELECT count(*) FROM award_suppliers WHERE rfc IS NULL"
    ).fetchone()[0]
    counts["sanctions_without_rfc"] = no_rfc_sanctions
    counts["review_links"] = review_links
    counts["supplier_firms_pool"] = pool
    counts["sanctioned_firms_in_pool"] = in_pool
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts


# --- baseline and comparison (in the parent) -----------------------------------------------
BASELINE_SQL = """
WITH supplied AS (
    SELECT a.ocid, a.kind, a.date, a.date_signed, a.period_start, s.rfc,
           a.ocid || '/' || CASE WHEN a.kind = 'award' THEN a.item_id
                                 ELSE coalesce(a.award_id, a.item_id) END AS award_key
    FROM awards a JOIN award_suppliers s ON s.award_pk = a.id
    WHERE s.rfc IS NOT NULL
), dated AS (
    SELECT award_key, ocid, rfc,
           coalesce(max(CASE WHEN kind = 'award' THEN date END),
                    max(CASE WHEN kind = 'contract' THEN date_signed END),
                    max(CASE WHEN kind = 'contract' THEN period_start END)) AS on_day
    FROM supplied GROUP BY award_key, ocid, rfc
)
SELECT DISTINCT d.award_key, d.ocid, x.source_key
FROM dated d JOIN sanctions x ON x.rfc = d.rfc
WHERE x.kind = 'debarment' AND x.status = 'active' AND x.start_date IS NOT NULL
  AND d.on_day IS NOT NULL AND x.start_date <= d.on_day
  AND (x.end_date IS NULL OR d.on_day <= x.end_date)
"""


def baseline(db: Path) -> tuple[float, set[tuple[str, str, str]]]:
    conn = sqlite3.connect(db)
    started = time.perf_counter()
    rows = set(conn.execute(BASELINE_SQL).fetchall())
    seconds = time.perf_counter() - started
    conn.close()
    return round(seconds, 2), rows


def compare(db: Path, base: set[tuple[str, str, str]]) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    alerts = conn.execute(
        "SELECT al.award_key, al.ocid, al.sanction_key, al.severity, al.supplier_rfc IS NULL, "
        "x.rfc IS NULL FROM alerts al JOIN sanctions x ON x.source_key = al.sanction_key "
        "WHERE x.kind = 'debarment'"
    ).fetchall()
    by_kind = dict(
        conn.execute(
            "SELECT x.kind, count(*) FROM alerts al JOIN sanctions x "
            "ON x.source_key = al.sanction_key GROUP BY x.kind"
        ).fetchall()
    )
    conn.close()
    scan_keys = {(k, s) for k, _, s, *_ in alerts}
    base_keys = {(k, s) for k, _, s in base}
    extra = [a for a in alerts if (a[0], a[2]) not in base_keys]
    scan_ocid = {(o, s) for _, o, s, *_ in alerts}
    base_ocid = {(o, s) for _, o, s in base}
    return {
        "baseline_alerts": len(base_keys),
        "scan_debarment_alerts": len(scan_keys),
        "scan_alerts_by_kind": by_kind,
        "missed": len(base_keys - scan_keys),
        "missed_examples": sorted(base_keys - scan_keys)[:5],
        "extra": len(extra),
        "extra_supplier_without_rfc": sum(1 for a in extra if a[4] and not a[5]),
        "extra_sanction_without_rfc": sum(1 for a in extra if a[5] and not a[4]),
        "extra_both_without_rfc": sum(1 for a in extra if a[4] and a[5]),
        "extra_medium_review_links": sum(1 for a in extra if a[3] == "medium"),
        "extra_other": sum(1 for a in extra if not a[4] and not a[5]),
        "ocid_level": {
            "baseline": len(base_ocid),
            "scan": len(scan_ocid),
            "missed": len(base_ocid - scan_ocid),
            "extra": len(scan_ocid - base_ocid),
        },
    }


# --- in the parent -------------------------------------------------------------------------
def run_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    from app import migrations
    from app.settings import Settings

    work = WORK_DIR / str(n)
    shutil.rmtree(work, ignore_errors=True)
    data_dir = work / "var"
    settings = Settings(data_dir=data_dir, database_url=None)
    result: dict[str, Any] = {
        "awards": n,
        "sanctions": args.sanctions,
        "loadavg_before": common.loadavg(),
    }
    started = time.perf_counter()
    migrations.upgrade(settings)
    result["migrate_s"] = round(time.perf_counter() - started, 2)
    db = data_dir / "testigo.db"
    print(f"\n== {n:,} awards, {args.sanctions:,} sanctions ==", flush=True)
    started = time.perf_counter()
    result["counts"] = build(db, n, args.sanctions, args)
    result["build_s"] = round(time.perf_counter() - started, 2)
    result["db_mb"] = round(db.stat().st_size / 2**20, 1)
    c = result["counts"]
    print(
        f"built in {result['build_s']:.1f}s (not part of any figure): {c['awards']:,} awards/"
        f"contracts in {c['processes']:,} processes, {c['award_suppliers']:,} supplier rows "
        f"({c['supplier_rows_without_rfc']:,} without RFC; "
        f"{c['supplier_parties_hidden_rfc']:,} party records), {c['sanctions']:,} sanctions "
        f"({c['sanctions_debarment']:,} debarments, {c['sanctions_without_rfc']:,} without RFC), "
        f"{c['entity_members']:,} entity members, {c['links']:,} links "
        f"({c['review_links']:,} review), db {result['db_mb']:,.0f} MB",
        flush=True,
    )
    result["baseline_s"], base = baseline(db)
    print(
        f"baseline (exact-RFC SQL join, debarments): {result['baseline_s']:.2f}s, "
        f"{len(base):,} alerts",
        flush=True,
    )
    argv = ["--child", "scan", "--data-dir", str(data_dir)] + (
        ["--profile"] if args.profile else []
    )
    result["loadavg_before_scan"] = common.loadavg()
    scan_result = common.run_child("bench.alerts", argv, args.timeout)
    result["scan"] = scan_result
    result["loadavg_after_scan"] = common.loadavg()
    s = scan_result["summary"]
    result["compare"] = compare(db, base)
    if args.rescan:
        result["rescan"] = common.run_child(
            "bench.alerts", ["--child", "scan", "--data-dir", str(data_dir)], args.timeout
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    cmp_ = result["compare"]
    fast = scan_result["scan_s"] < TARGET_SECONDS
    print(
        f"scan: {scan_result['scan_s']:.2f}s (process {scan_result['process_s']:.2f}s), "
        f"peak {scan_result['peak_mb']:,.0f} MB, {s['awards_checked']:,} supplier rows checked, "
        f"{s['candidates']:,} candidates, {s['alerts_new']:,} alerts {s['by_severity']}"
        + (" [profiled: time inflated]" if args.profile else ""),
        flush=True,
    )
    print(f"  alerts by sanction kind: {cmp_['scan_alerts_by_kind']}")
    print(
        f"  vs baseline: baseline {cmp_['baseline_alerts']:,} debarment alerts in "
        f"{result['baseline_s']:.2f}s; scan {cmp_['scan_debarment_alerts']:,} debarment alerts; "
        f"missed by the scan {cmp_['missed']:,} "
        f"(target 0: {'ok' if cmp_['missed'] == 0 else 'MISSED'}); "
        f"extra (scan only) {cmp_['extra']:,}: supplier without RFC "
        f"{cmp_['extra_supplier_without_rfc']:,}, sanction without RFC "
        f"{cmp_['extra_sanction_without_rfc']:,}, both {cmp_['extra_both_without_rfc']:,}, "
        f"of which medium (review links) {cmp_['extra_medium_review_links']:,}, other "
        f"{cmp_['extra_other']:,}"
    )
    o = cmp_["ocid_level"]
    print(
        f"  at (ocid, sanction) level: baseline {o['baseline']:,}, scan {o['scan']:,}, "
        f"missed {o['missed']:,}, extra {o['extra']:,}"
    )
    if cmp_["missed"]:
        print(f"  missed examples: {cmp_['missed_examples']}")
    target = f"< {TARGET_SECONDS:.0f}s" + ("" if n == TARGET_AWARDS else f" (at {TARGET_AWARDS:,})")
    print(
        f"  target scan {target}: {'ok' if fast else 'MISSED'}; load avg before/after scan "
        f"{result['loadavg_before_scan']} / {result['loadavg_after_scan']}",
        flush=True,
    )
    if "rescan" in result:
        r = result["rescan"]
        print(
            f"  rescan: {r['scan_s']:.2f}s, peak {r['peak_mb']:,.0f} MB, "
            f"new {r['summary']['alerts_new']:,}, unchanged {r['summary']['alerts_unchanged']:,}"
        )
    if scan_result.get("profile_top"):
        print("  cProfile, top 15 by cumulative time:")
        print(scan_result["profile_top"])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--sanctions", type=int, default=50_000)
    parser.add_argument("--hidden", type=float, default=0.4, help="supplier records without RFC")
    parser.add_argument(
        "--sanctioned-share",
        type=float,
        default=0.08,
        help="share of the supplier pool that is sanctioned",
    )
    parser.add_argument(
        "--review-rate",
        type=float,
        default=0.005,
        help="hidden-RFC parties of clean firms given a review link to a sanction",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rescan", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "scan":
        common.child_result(child_scan(args.data_dir, profile=args.profile))
        return 0

    info = common.machine()
    common.print_machine(info)
    print(f"note: {SIMULATION_NOTE}")
    print(
        f"targets: scan of {TARGET_AWARDS:,} awards against 50,000 sanctions < "
        f"{TARGET_SECONDS:.0f}s; every exact-RFC baseline debarment alert also found (missed = 0)"
    )
    results = []
    failed = False
    for n in args.awards:
        try:
            results.append(run_size(n, args))
        except Exception as exc:
            failed = True
            print(f"size {n:,} failed: {exc}", flush=True)
            results.append({"awards": n, "error": str(exc)})
        args.out.parent.mkdir(parents=True, exist_ok=True)
        info["loadavg_end"] = common.loadavg()
        args.out.write_text(
            json.dumps(
                {
                    "machine": info,
                    "note": SIMULATION_NOTE,
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "results": results,
                },
                indent=2,
                default=str,
            )
        )
    print(f"\nload average at the end {common.loadavg()}; figures written to {args.out}")
    print(
        f"{'awards':>10} {'scan s':>8} {'peak MB':>8} {'alerts':>8} {'baseline s':>10} "
        f"{'base':>7} {'missed':>7} {'extra':>7}"
    )
    for r in results:
        if "scan" in r:
            print(
                f"{r['awards']:>10,} {r['scan']['scan_s']:>8.2f} {r['scan']['peak_mb']:>8,.0f} "
                f"{r['scan']['summary']['alerts_new']:>8,} {r['baseline_s']:>10.2f} "
                f"{r['compare']['baseline_alerts']:>7,} {r['compare']['missed']:>7,} "
                f"{r['compare']['extra']:>7,}"
            )
    bad = failed or any(r.get("compare", {}).get("missed") for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
