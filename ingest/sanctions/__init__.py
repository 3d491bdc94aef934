"""Streaming readers for sanctions registries: SFP directory, SAT Article 69-B list, PDN S3.

Each reader takes a path and yields `SanctionRow` or `Rejected` one at a time, never holding
the file in memory; a file that cannot be read as a whole raises `UnreadableSource`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.rows import Rejected, SanctionRow
from ingest.sanctions._common import SANCTION_KINDS
from ingest.sanctions.pdn_s3 import read_pdn_s3
from ingest.sanctions.sat69b import read_sat_69b
from ingest.sanctions.sfp import read_sfp

READERS: dict[str, Callable[[Path], Iterator[SanctionRow | Rejected]]] = {
    "sfp": read_sfp,
    "sat-69b": read_sat_69b,
    "pdn-s3": read_pdn_s3,
}

__all__ = ["READERS", "SANCTION_KINDS", "read_pdn_s3", "read_sat_69b", "read_sfp"]
