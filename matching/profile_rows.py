"""The linked profiles, as the model saw them, read from a memory-mapped Arrow table: a check
turns into Python dicts only the rows it scores (its candidates), not a million of them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import pyarrow as pa

from matching.features import COLUMNS

# Up to this many rows are read value by value: a vectorised `take` costs more to set up than
# a handful of rows (most checks have a few candidates; some, a thousand).
FEW = 16
ENTITY = "entity"  # the entity each profile belongs to when the index was written (None: none)


class ProfileRows(Sequence[dict[str, Any]]):
    """Profile number -> its row (the COLUMNS of `matching.features`)."""

    def __init__(self, table: pa.Table) -> None:
        self._size = len(table)
        self._columns = {name: one_array(table.column(name)) for name in (*COLUMNS, ENTITY)}
        # One batch of all the row's columns, so a check's candidates are one `take`.
        self._batch = pa.RecordBatch.from_arrays([self._columns[c] for c in COLUMNS], COLUMNS)

    @overload
    def __getitem__(self, number: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, number: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, number: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(number, slice):
            return self.take(range(self._size)[number])
        if not -self._size <= number < self._size:
            raise IndexError(number)
        return self._row(number)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[dict[str, Any]]:
        step = 10_000
        for start in range(0, self._size, step):
            yield from self.take(range(start, min(start + step, self._size)))

    def take(self, numbers: Sequence[int]) -> list[dict[str, Any]]:
        """The rows of `numbers`, in that order (one vectorised read per column)."""
        if len(numbers) <= FEW:
            return [self._row(n) for n in numbers]
        found: list[dict[str, Any]] = self._batch.take(pa.array(numbers, pa.int64())).to_pylist()
        return found

    def _row(self, number: int) -> dict[str, Any]:
        return {name: self._columns[name][number].as_py() for name in COLUMNS}

    def value(self, number: int, column: str) -> Any:
        return self._columns[column][number].as_py()

    def entities(self, numbers: Sequence[int]) -> list[str | None]:
        column = self._columns[ENTITY]
        if len(numbers) <= FEW:
            return [column[n].as_py() for n in numbers]
        found: list[str | None] = column.take(pa.array(numbers, pa.int64())).to_pylist()
        return found


def one_array(column: pa.ChunkedArray) -> pa.Array:
    """The column as one array, without a copy when it is one chunk (a mapped file's)."""
    if column.num_chunks == 1:
        return column.chunk(0)
    return column.combine_chunks() if column.num_chunks else pa.array([], column.type)
