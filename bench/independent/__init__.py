"""A second labelled-data generator, written apart from bench/labelled.py: its own names, its
own noise, the same real formats. A model tuned on bench/labelled.py is *reported* on this one
(tune on one generator, report on the other).

`generate(out_dir, n_firms, seed, rfc_hidden)` invents firms in scenario groups
(`bench/independent/firms.py`), renders 1-6 records of each across the four sources
(`records.py`) and writes them in the real formats (`formats.py`) with a `truth.json` that
`bench.labelled.load_truth` reads. Every record's tags are in `truth.quirks`; the error
categories the accuracy report splits by are `CATEGORIES`:

* `chaining`        prefix families of distinct firms, mostly without an RFC
                    (`PROVEEDORA ESPINOSA`, `... DE CONSTRUCCIÓN`, `... INDUSTRIAL`);
* `truncation`      names cut at 35 (an OCDS publisher) or 40 characters (the register), where
                    several firms share the prefix (`prefix_shared`) or one does (`prefix_unique`);
* `person_rotation` persons as `NOMBRE AP1 AP2` and `AP1 AP2 NOMBRE` (one person, `person_single`)
                    and different people whose words permute (`person_permuted`);
* `coined`          coined words one letter apart as distinct firms (`coined_confuser`), and one
                    firm with a typo in its coined word (`typo_coined`);
* `legal_form`      one name under several forms as distinct firms (`form_sibling`), and forms
                    dropped, abbreviated or misspelt (`form_dropped`, `form_abbreviated`,
                    `form_misspelt`);
* `typo`            a typo in the first or a generic word (`typo_first_word`, `typo_generic_word`);
* `abbreviation`    `SERVS.`, `CIA.`, `CONST.`, `ING.`, `ADMON.`..., names cut before the form;
* `rfc_two_typos`, `rfc_missing`, `rfc_wrong` (`rfc_wrong_unassigned`: a valid RFC of nobody;
                    `rfc_wrong_other_firm`: another firm's).

Mexican naming law holds: a company name with its legal form is one firm's; persons are unique
by their given names and surnames in order. The same seed gives the same bytes.

    python -m bench.independent OUT_DIR [--firms 3000] [--seed 23] [--hidden 0.5]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from pathlib import Path

from bench.independent.firms import CATEGORIES, make_firms
from bench.independent.formats import write_all
from bench.independent.records import Record, Renderer
from bench.labelled import FILES, REGISTER, REGISTER_MAPPING, TRUTH_FILE, TRUTH_FORMAT, Truth
from bench.labelled import load_truth as load_truth

GENERATOR = "independent"
__all__ = ["CATEGORIES", "GENERATOR", "generate", "load_truth", "main"]


def generate(out_dir: Path, n_firms: int, seed: int = 23, rfc_hidden: float = 0.5) -> Truth:
    """Write the four source files and truth.json into `out_dir` (created if needed); returns
    the truth."""
    if not 0.0 <= rfc_hidden <= 0.95:
        raise ValueError("rfc_hidden must be within [0, 0.95]")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    reg = make_firms(n_firms, random.Random(f"independent-firms-{seed}"))
    renderer = Renderer(reg, random.Random(f"independent-records-{seed}"), rfc_hidden)
    records: list[Record] = []
    for firm in reg.firms:
        records += renderer.firm_records(firm)
    write_all(out_dir, records, reg.firms, seed)

    counts: Counter[str] = Counter()
    quirks: dict[str, list[str]] = {}
    for record in records:
        counts[f"records_{record.source}"] += 1
        for tag in record.tags:
            quirks.setdefault(tag, []).append(record.key)
    counts["records"] = len(records)
    for firm in reg.firms:
        counts[f"scenario_{firm.scenario}"] += 1
        counts["firms_person" if firm.person else "firms_company"] += 1
    for tag, keys in quirks.items():
        counts[f"quirk_{tag}"] = len(keys)
    firm_of = {r.key: r.firm for r in records}
    assert len(firm_of) == len(records), "two records share a key"
    firms = [["person" if f.person else "company", f.rfc, f.canonical, f.group] for f in reg.firms]
    files = dict(FILES)
    header = {
        "format": TRUTH_FORMAT,
        "generator": GENERATOR,
        "seed": seed,
        "n_firms": n_firms,
        "rfc_hidden": rfc_hidden,
        "files": files,
        "register": REGISTER,
        "register_mapping": REGISTER_MAPPING,
        "categories": list(CATEGORIES),
        "counts": dict(sorted(counts.items())),
        "records": firm_of,
        "firms": firms,
        "quirks": {tag: sorted(keys) for tag, keys in sorted(quirks.items())},
    }
    (out_dir / TRUTH_FILE).write_text(json.dumps(header, ensure_ascii=False) + "\n", "utf-8")
    return load_truth(out_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--firms", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--hidden", type=float, default=0.5, help="share of OCDS/register RFCs")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = generate(args.out_dir, args.firms, args.seed, args.hidden)
    seconds = time.perf_counter() - started
    records = truth.counts["records"]
    print(f"{records:,} records of {args.firms:,} firms in {seconds:.1f}s -> {args.out_dir}")
    for name, value in sorted(truth.counts.items()):
        print(f"  {name:32} {value:>10,}")
