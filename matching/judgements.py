"""Human judgements: two records are (or are not) the same firm. Stored with author and time,
never deleted; the latest on a pair overrides the model on every later link."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from app.errors import BadRequest
from app.store import judgements
from app.store.engine import transaction
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
    values = {"record_a": a, "record_b": b, "decision": decision, "author": author, "note": note}
    with transaction(engine) as conn:
        known = judgements.known_records([a, b], conn=conn)
        missing = [k for k in (a, b) if k not in known]
        if missing:
            raise JudgementError(
                f"unknown record(s): {', '.join(missing)}; record keys look like "
                "'sanction:sfp:...' or 'party:ocds-...', see `testigo export entities`"
            )
        new_id = judgements.add(values, created_at=now, conn=conn)
    # The answer is what was stored, field for field.
    return JudgementOut.model_validate({**values, "id": new_id, "created_at": now.isoformat()})
