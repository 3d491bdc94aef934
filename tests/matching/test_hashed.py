"""The mapped lookups (matching.hashed) written from Arrow columns: what a reader gets back is
what was posted, whatever the order, repeats or hash collisions of the input."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from matching import guards, hashed


def _posted(pairs: list[tuple[str, int]]) -> dict[str, list[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for value, number in pairs:
        found[value].add(number)
    return {value: sorted(numbers) for value, numbers in found.items()}


def _write(directory: Path, pairs: list[tuple[str, int]]) -> hashed.Postings:
    values = pa.array([v for v, _ in pairs], pa.string())
    numbers = pa.array([n for _, n in pairs], pa.int32())
    hashed.Postings.write(directory, "key", values, numbers)
    return hashed.Postings(directory, "key")


@pytest.mark.parametrize("bits", [64, 4])
def test_postings_give_back_each_values_entries_ascending_and_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bits: int
) -> None:
    """Shuffled, repeated pairs; with hashes cut to 4 bits nearly every bucket is shared."""
    real = hashed.value_hash
    monkeypatch.setattr(hashed, "value_hash", lambda value: real(value) & ((1 << bits) - 1))
    rng = random.Random(3)
    words = [f"PROVEEDORA {rng.choice('ABCDEFGH')}{i}" for i in range(300)]
    pairs = [(rng.choice(words), rng.randrange(5000)) for _ in range(3000)]
    pairs += pairs[:200]  # a pair given twice is posted once
    rng.shuffle(pairs)
    postings = _write(tmp_path, pairs)
    expected = _posted(pairs)
    held: dict[int, set[str]] = defaultdict(set)  # what each entry (a profile) holds
    for value, number in pairs:
        held[number].add(value)

    def holds(value: str) -> hashed.Verify:
        return lambda number: value in held[number]

    for value in [*words, "NADIE", ""]:
        assert postings.get(value, holds(value)) == expected.get(value, []), value
    many = postings.get_many(words, holds)
    assert many == {w: expected[w] for w in words if w in expected}


def test_postings_of_nothing_are_empty(tmp_path: Path) -> None:
    assert _write(tmp_path, []).get("ALGO", lambda _: True) == []


def test_counts_find_each_value_and_refuse_others(tmp_path: Path) -> None:
    table = pa.table(
        {"value": pa.array(["GRUPO", "ACME", "Ñ", "ZETA"]), "firms": pa.array([9, 1, 2, 3])}
    )
    hashed.Counts.write(tmp_path, "c", table)
    counts = hashed.Counts(tmp_path, "c")
    assert dict(counts.items()) == {"GRUPO": 9, "ACME": 1, "Ñ": 2, "ZETA": 3}
    with pytest.raises(KeyError):
        counts["OTRO"]


def test_extension_columns_sort_as_python_sorts_and_skip_what_is_missing() -> None:
    """The columns are read by bisect in Python's order (code points): Arrow's byte order must
    agree, accented letters included; a missing or empty name or postal code gives nothing."""
    names = ["ÑANDU", "ZAPATA", "ACME", "ACME SUR", None, "", "Árbol", "ACME"]
    postal = ["01000", None, "44100", "", "44100", "44100", "02000", "44100"]
    found, located = guards.extension_columns(
        pa.array(names, pa.string()), pa.array(names, pa.string()), pa.array(postal, pa.string())
    )
    assert found.to_pylist() == sorted({n for n in names if n})
    assert located.to_pylist() == sorted(
        {f"{p}{guards.PLACE}{n}" for n, p in zip(names, postal, strict=True) if n and p}
    )
    extensions = guards.Extensions.of(names, zip(names, postal, strict=True))
    assert extensions.count("ACME") == 1
    assert extensions.count_at("ACME", "44100") == 0


def test_the_index_files_key_values_are_the_ones_a_query_looks_up() -> None:
    """`index_files` posts each profile under its keys computed column-wise; a query computes
    them row by row (`keys_of`): both must give the same keys, a compound key's missing or empty
    part included, and the same rare words (`usable_token`)."""
    from matching.features import COLUMNS, RawRecord, features
    from matching.index_files import _key_values, _rare_words, key_columns, key_names, keys_of

    raws = [
        ("CONSTRUCTORA ALFA S.A. DE C.V.", "CAL010101AB1", "44100"),
        ("CONSTRUCTORA ALFA", None, None),
        ("JUAN PEREZ LOPEZ", "PELJ800101AAA", ""),
        (None, "XAXX010101000", None),
        ("ALFA ALFA Y BETA", None, "01000"),
        ("PROMOTORA DE IRAPUATO DE SERVICIOS AMBIE", None, None),  # cut at 40: both heads
        ("PROMOTORA DE IRAPUATO DE SERVICIOS AMBIENTALES, S.A.", None, None),
    ]
    rows = [features(RawRecord(f"k{i}", "ocds", *raw)) for i, raw in enumerate(raws)]
    assert rows[-2]["name_cut_head"] and rows[-1]["name_head"] and not rows[-1]["name_cut_head"]
    table = pa.Table.from_pylist([{c: r[c] for c in COLUMNS} for r in rows])
    for name in key_names():
        columnwise = _key_values(table, key_columns(name)).to_pylist()
        rowwise = [dict(keys_of(r)).get(name) for r in rows]
        assert columnwise == rowwise, name
    counts = pa.table({"value": pa.array(["ALFA"]), "firms": pa.array([10_000], pa.int64())})
    numbers = pa.array(range(len(rows)), pa.int32())
    words, at = _rare_words(table["name"], numbers, counts)
    expected = sorted(
        (w, i)
        for i, r in enumerate(rows)
        for w in set((r["name"] or "").split())
        if len(w) >= 3 and w != "ALFA"
    )
    assert sorted(zip(words.to_pylist(), at.to_pylist(), strict=True)) == sorted(set(expected))
