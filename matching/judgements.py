"""Human judgements: two records are (or are not) the same firm. Stored with author and time,
never deleted; the latest on a pair overrides the model on every later link."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from app.errors import BadRequest
from app.store.tables import Judgement, LinkRecord
from matching.results import JudgementOut

DECISIONS = ("same", "different")


class JudgementError(BadRequest, ValueError):
    """A judgement that cannot be recorded; the message says what to fix."""


def record(
    engine: Engine, decision: str, a: str, b: str, *, author: str, note: str | None = None
) -> JudgementOut:
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
        values = {
            "record_a": a,
            "record_b": b,
            "decision": decision,
            "author": author,
            "note": note,
        }
        new_id = conn.execute(
            insert(Judgement).values(**values, created_at=now).returning(Judgement.id)
        ).scalar_one()
    # The answer is what was stored, field for field.
    return JudgementOut.model_validate({**values, "id": int(new_id), "created_at": now.isoformat()})
