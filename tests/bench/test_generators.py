"""Both labelled-data generators (bench/labelled, bench/independent) are deterministic under a
seed: the same seed writes the same bytes, another seed other bytes in every source file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import independent, labelled
from bench.labelled import FILES

Generate = Callable[[Path, int], object]
GENERATORS: dict[str, Generate] = {
    "labelled": lambda out, seed: labelled.generate(out, 200, seed=seed, rfc_hidden=0.5),
    "independent": lambda out, seed: independent.generate(out, 800, seed=seed),
}


def _digests(folder: Path) -> dict[str, str]:
    names = [*FILES.values(), "truth.json"]
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names}


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, name: str) -> None:
    generate = GENERATORS[name]
    for folder, seed in (("first", 5), ("again", 5), ("other", 6)):
        generate(tmp_path / folder, seed)
    first = _digests(tmp_path / "first")
    assert _digests(tmp_path / "again") == first
    other = _digests(tmp_path / "other")
    assert all(other[file] != first[file] for file in FILES.values())
