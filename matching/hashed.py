"""Lookups that live in files every API worker maps, instead of Python dicts each worker builds.

A dict of a million strings costs each worker hundreds of MB of private heap; a sorted array of
64-bit hashes in a memory-mapped file costs one copy in the page cache, shared by every process
that maps it, and a lookup touches two or three pages: a directory indexed by the hash's top
bits says where its few equal-prefixed hashes lie (`Directory`). Hashes can collide, so every
hit is checked against the real value: a bucket whose hash two indexed values share is marked
`mixed` when it is written and filtered value by value; any other bucket holds one value, which
its first entry confirms (a query's value may share a hash with an indexed one it is not).

Hashes are CRC-32 and Adler-32 of the UTF-8 bytes side by side: zlib's, in C, a third of
blake2b's cost (an RFC check looks up some 250 one-typo variants), the same in every process
(Python's `hash()` is not), and good enough for a lookup whose hits are all checked anyway.
The files are native-endian machine words: written and read on machines of one architecture."""

from __future__ import annotations

import mmap
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import pyarrow as pa
import pyarrow.compute as pc

Verify = Callable[[int], bool]  # whether an entry (a profile number) really holds the value
Kind = Literal["Q", "q", "i"]  # uint64 (hashes), int64 (offsets, counts), int32 (profiles)


def value_hash(value: str) -> int:
    data = value.encode()
    return zlib.crc32(data) << 32 | zlib.adler32(data)


def hash_array(values: Iterable[str]) -> pa.UInt64Array:
    return pa.array((value_hash(v) for v in values), pa.uint64())


def save_numbers(path: Path, kind: Kind, values: Iterable[int]) -> None:
    """Fixed-width integers as raw machine words ('Q' uint64, 'q' int64, 'i' int32)."""
    with path.open("wb") as out:
        array(kind, values).tofile(out)


def load_numbers(path: Path, kind: Kind) -> memoryview[int]:
    """A file of `save_numbers`, memory-mapped: a read-only sequence of ints whose pages are
    the page cache's."""
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return memoryview(b"").cast(kind)  # mmap refuses an empty file
        return memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)).cast(kind)


class Directory:
    """Sorted 64-bit hashes (`<name>.keys`) and, for each value of their top `bits` bits, where
    its hashes start (`<name>.dir`): a lookup reads two directory words and scans the one or
    two keys between them, where a binary search would read twenty."""

    def __init__(self, directory: Path, name: str) -> None:
        self.keys = load_numbers(directory / f"{name}.keys", "Q")
        self.starts = load_numbers(directory / f"{name}.dir", "q")
        self.shift = 64 - (len(self.starts) - 1).bit_length() + 1

    @staticmethod
    def write(directory: Path, name: str, keys: list[int]) -> None:
        """`keys`: sorted hashes, repeated or not."""
        bits = min(max(len(keys).bit_length(), 4), 24)
        shift = 64 - bits
        starts = [0] * ((1 << bits) + 1)
        for key in keys:
            starts[(key >> shift) + 1] += 1
        for i in range(1, len(starts)):
            starts[i] += starts[i - 1]
        save_numbers(directory / f"{name}.keys", "Q", keys)
        save_numbers(directory / f"{name}.dir", "q", starts)

    def find(self, h: int) -> int | None:
        """The position of the first key equal to `h`, or None."""
        slot = h >> self.shift
        keys = self.keys
        for i in range(self.starts[slot], self.starts[slot + 1]):
            if keys[i] == h:
                return i
        return None


class Postings:
    """Value -> ascending entry numbers (profile numbers), as `<name>.keys` (sorted unique
    hashes), `<name>.starts` (where each hash's entries start, one more than the keys),
    `<name>.numbers` and `<name>.mixed` (the hashes two values share)."""

    def __init__(self, directory: Path, name: str) -> None:
        self._keys = Directory(directory, name)
        self._starts = load_numbers(directory / f"{name}.starts", "q")
        self._numbers = load_numbers(directory / f"{name}.numbers", "i")
        self._mixed = frozenset(load_numbers(directory / f"{name}.mixed", "Q").tolist())

    @staticmethod
    def write(directory: Path, name: str, buckets: Mapping[str, list[int]]) -> None:
        """Write `buckets` (value -> its entries, ascending) under `name`."""
        values = list(buckets)
        found = hash_array(values)
        order = pc.sort_indices(found).to_pylist()
        ordered = found.take(pa.array(order, pa.int64())).to_pylist()  # typed when empty
        keys: list[int] = []
        starts = [0]
        numbers: list[int] = []
        mixed: list[int] = []
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and ordered[j + 1] == ordered[i]:
                j += 1
            group = [buckets[values[k]] for k in order[i : j + 1]]
            if len(group) > 1:
                mixed.append(ordered[i])
            numbers.extend(group[0] if len(group) == 1 else sorted(x for g in group for x in g))
            keys.append(ordered[i])
            starts.append(len(numbers))
            i = j + 1
        Directory.write(directory, name, keys)
        save_numbers(directory / f"{name}.starts", "q", starts)
        save_numbers(directory / f"{name}.numbers", "i", numbers)
        save_numbers(directory / f"{name}.mixed", "Q", mixed)

    def get(self, value: str, verify: Verify) -> list[int]:
        h = value_hash(value)
        i = self._keys.find(h)
        return [] if i is None else self._entries(i, h, verify)

    def get_many(
        self, values: Iterable[str], verify: Callable[[str], Verify]
    ) -> dict[str, list[int]]:
        """The non-empty buckets of many values (`verify` is asked only about hits: most of
        an RFC's typo variants name nobody)."""
        out: dict[str, list[int]] = {}
        keys, starts, shift = self._keys.keys, self._keys.starts, self._keys.shift
        for value in values:  # Directory.find inlined: this loop runs some 250 times a check
            h = value_hash(value)
            slot = h >> shift
            for i in range(starts[slot], starts[slot + 1]):
                if keys[i] == h:
                    found = self._entries(i, h, verify(value))
                    if found:
                        out[value] = found
                    break
        return out

    def _entries(self, i: int, h: int, verify: Verify) -> list[int]:
        numbers: list[int] = self._numbers[self._starts[i] : self._starts[i + 1]].tolist()
        if h in self._mixed:
            return [n for n in numbers if verify(n)]
        return numbers if verify(numbers[0]) else []


class Counts(Mapping[str, int]):
    """Value -> count (firms per name, per word), as `<name>.keys` (hashes, sorted),
    `<name>.counts` and `<name>.arrow` (the values in that order, for checking a hit)."""

    def __init__(self, directory: Path, name: str) -> None:
        self._keys = Directory(directory, name)
        self._counts = load_numbers(directory / f"{name}.counts", "q")
        values = mapped_table(directory / f"{name}.arrow").column("value")
        self._values = values.chunk(0) if values.num_chunks == 1 else values

    @staticmethod
    def write(directory: Path, name: str, table: pa.Table) -> None:
        """Write a COUNT_SCHEMA table (value, firms) under `name`."""
        found = hash_array(table["value"].to_pylist())
        order = pc.sort_indices(found)
        Directory.write(directory, name, found.take(order).to_pylist())
        save_numbers(directory / f"{name}.counts", "q", table["firms"].take(order).to_pylist())
        write_table(directory / f"{name}.arrow", table.select(["value"]).take(order))

    def __getitem__(self, value: str) -> int:
        h = value_hash(value)
        i = self._keys.find(h)
        keys = self._keys.keys
        while i is not None and i < len(keys) and keys[i] == h:
            if self._values[i].as_py() == value:
                return int(self._counts[i])
            i += 1
        raise KeyError(value)

    def __len__(self) -> int:
        return len(self._keys.keys)

    def __iter__(self) -> Iterator[str]:
        for value in self._values:
            yield str(value.as_py())


class Strings(Sequence[Any]):
    """One string column of a mapped table, read one value at a time (None for a null)."""

    def __init__(self, column: pa.Array) -> None:
        self._column = column

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> list[Any]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return self._column[i].to_pylist()
        return self._column[i].as_py()

    def __len__(self) -> int:
        return len(self._column)


def write_table(path: Path, table: pa.Table) -> None:
    """An uncompressed Arrow IPC file of one record batch, so a reader maps it as it is."""
    batch = table.combine_chunks().to_batches(max_chunksize=max(len(table), 1))
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        for part in batch:
            writer.write_batch(part)


def mapped_table(path: Path) -> pa.Table:
    """The table of an Arrow IPC file, memory-mapped: its pages are the page cache's."""
    return pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
