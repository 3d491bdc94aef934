"""Each comparison level is written once in SQL (Splink, batch) and once in Python (real-time).
Here Splink scores pairs of real and varied records, and the Python side must find the same
level for every comparison and the same match weight and probability (within 1e-6)."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pyarrow as pa
import pytest

from matching import model as splink_model
from matching.comparisons import COMPARISONS
from matching.corpus import Corpus, with_corpus
from matching.features import TF_COLUMNS, RawRecord, features
from matching.link import SCHEMA
from matching.weights import ModelWeights
from tests.conftest import DATA

VARIANTS = [
    ("GARZA GAS, S.A. DE C.V.", "GGA8306134F4"),
    ("GARZA GAS SA DE CV", None),
    ("GARZA  GAS S.A DE C", "GGA8306134F4"),
    ("GARSA GAS, S.A. DE C.V.", "GGA830613AF4"),
    ("GARZA GAS", "GGA830613"),
    # Two edits off (a date digit and the homoclave), failing its check digit.
    ("GARZA GAS SA DE CV", "GGA8303134E4"),
    ("GRUPO GARZA GAS", "GGA8306134F5"),
    # Another firm's RFC under the name (its letters cannot come from GARZA GAS).
    ("GARZA GAS S.A. DE C.V.", "CNO010203AB1"),
    ("CONSTRUCTORA DEL NORTE, S.A. DE C.V.", "CNO010203AB1"),
    ("CONSTRUCTORA DEL NORTE Y SUR, S. DE R.L. DE C.V.", "CNS010203AB2"),
    ("COORPORATIVO ROGALLTECH SA DE CV", None),
    ("CORPORATIVO ROGALITECH, S.A. DE C.V.", "CRO150220DR0"),
    ("CORP. ROGALITECH SA DE CV", None),  # one gist: CORP is CORPORACION or CORPORATIVO
    ("RAMIREZ COLIN MARTIN EDUARDO", "RACM6404049B1"),
    ("MARTIN EDUARDO RAMIREZ COLIN", None),
    ("TIENDAS COMERCIAL MEXICANA S.A DE C", None),
    ("TIENDAS COMERCIAL MEXICANA, S.A. DE C.V.", "TCM951030CP3"),
    (None, "XAXX010101000"),
]


def _records() -> list[RawRecord]:
    rng = random.Random(5)
    sfp = json.loads((DATA / "sanctions/sfp_directorio_sancionados_2026-06-11.json").read_text())
    sample = rng.sample(sfp, 25)
    out = [
        RawRecord(f"v{i}", "test", name, rfc, "06700" if i % 3 else None)
        for i, (name, rfc) in enumerate(VARIANTS)
    ]
    out += [
        RawRecord(f"s{i}", "sfp", r["nombre_razon_social"], r["rfc"]) for i, r in enumerate(sample)
    ]
    return out


@pytest.fixture(scope="module")
def scored(trained_model: Path) -> tuple[list[dict[str, object]], object, dict[str, object]]:
    import pyarrow as pa

    raw = [features(r) for r in _records()]
    corpus = Corpus.build(raw)
    rows = [with_corpus(r, corpus) for r in raw]
    model = json.loads(trained_model.read_text())
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    return rows, splink_model.score_pairs(table, table, model), model


def test_python_levels_and_weights_equal_splink(scored: tuple) -> None:  # type: ignore[type-arg]
    rows, result, model = scored
    by_id = {r["unique_id"]: r for r in rows}
    weights = ModelWeights.from_model(model)
    columns = result.to_pydict()
    checked = levels_seen = 0
    seen: set[tuple[str, int]] = set()
    for i in range(result.num_rows):
        left, right = by_id[columns["unique_id_l"][i]], by_id[columns["unique_id_r"][i]]
        gammas = {}
        for comparison in COMPARISONS:
            python_level = comparison.level_of(left, right)
            splink_level = weights.gamma_of(comparison.name, columns[f"mw_{comparison.name}"][i])
            assert python_level == splink_level, (comparison.name, left, right)
            gammas[comparison.name] = python_level
            seen.add((comparison.name, python_level))
        evidence = weights.evidence(
            gammas, {c: (left[f"tf_{c}"], right[f"tf_{c}"]) for c in TF_COLUMNS}
        )
        match_weight, probability = weights.score(evidence)
        assert match_weight == pytest.approx(columns["match_weight"][i], abs=1e-6)
        assert probability == pytest.approx(columns["match_probability"][i], abs=1e-6)
        checked += 1
    levels_seen = len(seen)
    assert checked == result.num_rows > 1000
    # The sample reaches most levels of every comparison (not only "else").
    assert levels_seen >= 15


def test_a_saved_model_scores_with_the_codes_sql(scored: tuple) -> None:  # type: ignore[type-arg]
    """A model keeps its trained weights but not its SQL: a level written another way since it
    was trained (here: a typo level that never holds) is scored as the code writes it today."""
    rows, result, model = scored
    stale = json.loads(json.dumps(model))
    (name,) = (c for c in stale["comparisons"] if c["output_column_name"] == "name")
    for level in name["comparison_levels"]:
        if str(level["label_for_charts"]).endswith("apart"):
            level["sql_condition"] = "1 = 0"
    assert splink_model.fits(stale)
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    again = splink_model.score_pairs(table, table, stale)

    def by_pair(scored: pa.Table) -> dict[tuple[str, str], float]:
        columns = scored.to_pydict()
        return dict(
            zip(
                zip(columns["unique_id_l"], columns["unique_id_r"], strict=True),
                columns["mw_name"],
                strict=True,
            )
        )

    assert by_pair(again) == by_pair(result)
    (comparison,) = (c for c in COMPARISONS if c.name == "name")
    typos = {
        len(comparison.levels) - 1 - i
        for i, level in enumerate(comparison.levels)
        if level.label.endswith("apart")
    }
    weights = ModelWeights.from_model(model)
    seen = {weights.gamma_of("name", w) for w in result.column("mw_name").to_pylist()}
    assert typos & seen, "the sample has pairs at a typo level"


def _rfc_level(left: tuple[str, str], right: tuple[str, str]) -> str:
    from matching.comparisons import RFC

    a, b = (features(RawRecord(f"r{i}", "test", n, r)) for i, (n, r) in enumerate((left, right)))
    gamma = RFC.level_of(a, b)
    return RFC.levels[len(RFC.levels) - 1 - gamma].label


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        # A date digit and the homoclave mistyped: the copy fails its check digit.
        (("GARZA GAS", "GGA8306134F4"), ("GARZA GAS", "GGA8303134E4"), "two edits"),
        # Two homoclave characters (look-alike and neighbour key), one side failing.
        (("ALMACENES ITZEL", "AIT0405217K7"), ("ALMACENES ITZEL", "AIT0405217J3"), "two edits"),
        # Two RFCs two edits apart (a date digit, the check digit) that both pass it are two
        # taxpayers.
        (("GARZA GAS", "GGA8306134F4"), ("GARZA GAS", "GGA8303134F0"), "else"),
    ],
)
def test_an_rfc_two_edits_off_is_near_only_when_one_fails_its_check_digit(
    left: tuple[str, str], right: tuple[str, str], level: str
) -> None:
    from matching import rfc

    checks = {rfc.parse(left[1]).check_ok, rfc.parse(right[1]).check_ok}
    assert checks == ({True} if level == "else" else {True, False})
    assert _rfc_level(left, right).startswith(level)


def test_levels_of_one_weight_are_set_apart_so_the_level_can_be_read_back() -> None:
    """Levels the training never reached get the same defaults; the linker reads a pair's level
    back from its weight, so no two levels of a comparison may weigh the same."""
    import math

    levels = [{"m_probability": 0.2, "u_probability": 0.001} for _ in range(4)]
    levels.append({"m_probability": 0.1, "u_probability": 0.01})
    splink_model._apart(levels)
    weights = [math.log2(lv["m_probability"] / lv["u_probability"]) for lv in levels]
    gaps = [abs(a - b) for a, b in itertools.combinations(weights, 2)]
    assert min(gaps) >= splink_model.WEIGHT_APART
    assert max(abs(w - math.log2(200)) for w in weights[:4]) < 1e-4  # the evidence is unchanged


def test_default_parameters_name_every_level_of_their_comparison() -> None:
    """A comparison whose levels are not all in training.DEFAULT_LEVELS falls back to Splink's
    generic starting values: a level added without its defaults would quietly drop them."""
    from matching.training import DEFAULT_LEVELS

    for comparison in COMPARISONS:
        labels = {level.label for level in comparison.levels if not level.is_null}
        assert labels == set(DEFAULT_LEVELS[comparison.name]), comparison.name
