"""A firm's sanctions as `verdict.SanctionFact`s, read from the store: the columns in the
dataclass's order and the grouping by firm, the same for the check (`score.sanctions_of`) and
the alert scan (`app.alerts.detect`), which join them to their firms in their own ways."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from app.store.firms import SANCTION_COLUMNS
from matching.records import record_key
from matching.verdict import SanctionFact

# After the firm's id, in the order of SanctionFact's fields (the source key becomes its
# record key); the statement must join IngestRun on Sanction.run_id.
COLUMNS = SANCTION_COLUMNS


def by_entity(rows: Iterable[Sequence[Any]]) -> dict[str, list[SanctionFact]]:
    """(entity id, *COLUMNS) rows -> each firm's sanctions, in the rows' order."""
    out: dict[str, list[SanctionFact]] = defaultdict(list)
    for entity, key, *rest in rows:
        out[entity].append(SanctionFact(record_key("sanction", key), *rest))
    return dict(out)
