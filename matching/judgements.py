"""Human judgements: two records are (or are not) the same firm. Stored with author and time,
never deleted; the latest on a pair overrides the model on every later link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from app.errors import BadRequest
from app.store.tables import Judgement, LinkRecord

DECISIONS = ("same", "different")


class JudgementError(BadRequest, ValueError):
    """A judgement that cannot be recorded; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Recorded:
    id: int
    record_a: str
    record_b: str
    decision: str
    author: str
    note: str | None
    created_at: datetime


def record(
    engine: Engine, decision: str, a: str, b: str, *, author: str, note: str | None = None
) -> Recorded:
    if decision not in DECISIONS:
        raise JudgementError(f"decision must be 'same' or 'different', not {decision!r}")
    if a == b:
        raise JudgementError("a record is always the same firm as itself: name two records")
    if not author.strip():
        raise JudgementError("say who judges (--author or the API key's name)")
    a, b = (a, b) if a < b else (b, a)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        known = set(
            conn.execute(
                select(LinkRecord.record_key).where(LinkRecord.record_key.in_([a, b]))
            ).scalars()
        )
        missing = [k for k in (a, b) if k not in known]
        if missing:
            raise JudgementError(
                f"unknown record(s): {', '.join(missing)}; record keys look like "
                "'sanction:sfp:...' or 'party:ocds-...', see `testigo export entities`"
            )
        new_id = conn.execute(
            insert(Judgement)
            .values(
                record_a=a, record_b=b, decision=decision, author=author, note=note, created_at=now
            )
            .returning(Judgement.id)
        ).scalar_one()
    return Recorded(int(new_id), a, b, decision, author, note, now)
