"""The RFC columns every linkable record stores, from the RFC as its source published it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from matching import rfc as rfcs

RFC_COLUMNS = ("rfc_raw", "rfc", "rfc_all", "rfc_kind", "rfc_check_ok")


@lru_cache(maxsize=32768)  # the same firms recur across releases and registries
def rfc_values(raw: str | None) -> tuple[Any, ...]:
    """`rfc_columns` as a tuple in `RFC_COLUMNS` order (cached: do not build on it in place)."""
    found = rfcs.split(raw)
    usable = [r for r in found if r.usable]
    best = usable[0] if usable else (found[0] if found else None)
    return (
        raw.strip() if raw else None,
        best.value if best is not None and best.usable else None,
        " ".join(r.value for r in usable) or None,
        best.kind.value if best is not None else None,
        best.check_ok if best is not None else None,
    )


def rfc_columns(raw: str | None) -> dict[str, Any]:
    """The RFC columns every linkable record has: as published, best usable, all, kind, check."""
    return dict(zip(RFC_COLUMNS, rfc_values(raw), strict=True))
