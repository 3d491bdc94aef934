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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Verify = Callable[[int], bool]  # whether an entry (a profile number) really holds the value
Kind = Literal["Q", "q", "i"]  # uint64 (hashes), int64 (offsets, counts), int32 (profiles)


def value_hash(value: str) -> int:
    data = value.encode()
    return zlib.crc32(data) << 32 | zlib.adler32(data)


def hash_array(values: Iterable[str]) -> pa.UInt64Array:
    return pa.array((value_hash(v) for v in values), pa.uint64())


def hashes_of(
    values: pa.Array | pa.ChunkedArray,
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """(`value_hash` of each of `values`, of each distinct one), no nulls: each distinct value
    is hashed once, as a key column repeats its values and hashing is the one step that runs
    in Python."""
    distinct = pc.unique(values)
    found = hash_array(distinct.to_pylist()).to_numpy()
    return found[pc.index_in(values, value_set=distinct).to_numpy()], found


def save_numbers(path: Path, kind: Kind, values: npt.NDArray[Any]) -> None:
    """Fixed-width integers as raw machine words ('Q' uint64, 'q' int64, 'i' int32)."""
    values.astype(np.dtype(kind), copy=False).tofile(path)


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
    def write(directory: Path, name: str, keys: npt.NDArray[np.uint64]) -> None:
        """`keys`: sorted hashes, repeated or not."""
        bits = min(max(len(keys).bit_length(), 4), 24)
        tops = (keys >> np.uint64(64 - bits)).astype(np.int64)
        starts = np.zeros((1 << bits) + 1, np.int64)
        np.cumsum(np.bincount(tops, minlength=1 << bits), out=starts[1:])
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
    def write(
        directory: Path,
        name: str,
        values: pa.Array | pa.ChunkedArray,
        numbers: pa.Array | pa.ChunkedArray,
    ) -> None:
        """Write the postings of (value, entry number) pairs, `values[i]` posted at
        `numbers[i]` (no nulls), under `name`. An entry is posted once per hash: a pair given
        twice, or one entry under two values of one hash (a profile's two words), is one."""
        hashes, each_hash = hashes_of(values)
        entries = np.asarray(numbers.to_numpy(), np.int32)
        order = np.lexsort((entries, hashes))  # by hash, then entry: a bucket ascends
        hashes, entries = hashes[order], entries[order]
        first = np.ones(len(hashes), bool)
        first[1:] = (hashes[1:] != hashes[:-1]) | (entries[1:] != entries[:-1])
        hashes, entries = hashes[first], entries[first]
        keys, counts = np.unique(hashes, return_counts=True)
        starts = np.zeros(len(keys) + 1, np.int64)
        np.cumsum(counts, out=starts[1:])
        # A hash two distinct values share: its entries must be checked value by value.
        shared, values_of = np.unique(each_hash, return_counts=True)
        Directory.write(directory, name, keys)
        save_numbers(directory / f"{name}.starts", "q", starts)
        save_numbers(directory / f"{name}.numbers", "i", entries)
        save_numbers(directory / f"{name}.mixed", "Q", shared[values_of > 1])

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
        found, _ = hashes_of(table["value"])
        order = np.argsort(found, kind="stable")
        Directory.write(directory, name, found[order])
        save_numbers(directory / f"{name}.counts", "q", table["firms"].to_numpy()[order])
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
