"""The one rule for money amounts (ingest/amounts.py), on plain values: what every reader
(OCDS, ComprasMX, SFP, PDN) stores, or refuses so that the row is quarantined."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.amounts import UnreadableAmount, amount_of


@pytest.mark.parametrize(
    ("published", "read"),
    [
        (967896, Decimal(967896)),
        (0.1, Decimal("0.1")),  # not the binary float's 0.1000000000000000055…
        (Decimal("12.50"), Decimal("12.50")),
        ("1,077,312.00", Decimal("1077312.00")),
        ("$ 1 234.50", Decimal("1234.50")),
        ("\u00a01234\u00a0", Decimal(1234)),  # padded with no-break spaces
        ("-15", Decimal(-15)),
        (None, None),
        ("", None),
        ("  ", None),
    ],
)
def test_amounts_as_published(published: object, read: Decimal | None) -> None:
    assert amount_of(published) == read


@pytest.mark.parametrize(
    ("published", "why"),
    [
        ("doce mil", "expected a number"),
        (True, "not a boolean"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        (float("inf"), "finite"),
        (Decimal("NaN"), "finite"),
        ("1.2.3", "expected a number"),
    ],
)
def test_what_is_not_an_amount_is_refused_with_why(published: object, why: str) -> None:
    with pytest.raises(UnreadableAmount, match=why):
        amount_of(published)
