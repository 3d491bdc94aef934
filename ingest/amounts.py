"""Money amounts as publishers write them: one rule for every reader (OCDS, ComprasMX, SFP,
PDN), so that "$ 1,077,312.00" reads the same whichever file it came in."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from app.errors import BadData


class UnreadableAmount(BadData, ValueError):
    """An amount that is not a finite number; the message says what was expected. The readers
    turn it into their own row-level reason (the row is quarantined, the file goes on)."""


def amount_of(value: object) -> Decimal | None:
    """A number, or a numeric string: "967896", "1,077,312.00", "$ 1 234.50" (thousands
    separators, a peso sign and spaces are dropped; Mexican amounts use a decimal point).

    None and blank text give None. A boolean, an unreadable text, NaN or an infinity raise
    `UnreadableAmount`, so the reader quarantines the row rather than store a wrong figure."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise UnreadableAmount("expected a number, not a boolean")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnreadableAmount("expected a finite number")
        return Decimal(repr(value))  # repr is the shortest round-trip text, not binary noise
    if isinstance(value, Decimal):
        parsed = value
    else:
        cleaned = "".join(str(value).split()).replace(",", "").replace("$", "")
        if not cleaned:
            return None
        try:
            parsed = Decimal(cleaned)
        except InvalidOperation:
            raise UnreadableAmount("expected a number") from None
    if not parsed.is_finite():
        raise UnreadableAmount("expected a finite number")
    return parsed
