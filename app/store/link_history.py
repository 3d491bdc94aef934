"""What the last link runs left: the record hashes and memberships a full run diffs against,
the judgements that override the model, and which runs are done."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from app.store.links import RUNS, PreviousState
from app.store.tables import EntityMember, IngestRun, Judgement, LinkRecord


def previous_state(*, conn: Connection) -> PreviousState:
    state = PreviousState()
    state.model_version = conn.execute(
        select(RUNS.c.model_version)
        .where(RUNS.c.status == "ok")
        .order_by(RUNS.c.id.desc())
        .limit(1)
    ).scalar()
    for key, digest in conn.execute(select(LinkRecord.record_key, LinkRecord.content_hash)):
        state.hashes[key] = digest
    for key, entity, p in conn.execute(
        select(EntityMember.record_key, EntityMember.entity_id, EntityMember.probability)
    ):
        state.entity_of[key] = entity
        state.probability[key] = p
    return state


@dataclass(slots=True)
class Judgements:
    """Every judgement, oldest first: the latest decision per pair overrides the model."""

    entries: list[tuple[int, str, str, str]]  # (id, a, b, decision) with a < b

    @property
    def latest(self) -> dict[tuple[str, str], str]:
        return {(a, b): decision for _, a, b, decision in self.entries}

    @property
    def max_id(self) -> int:
        return self.entries[-1][0] if self.entries else 0

    def keys(self) -> set[str]:
        return {k for _, a, b, _ in self.entries for k in (a, b)}

    def since(self, judgement_id: int) -> set[str]:
        """The records judged after `judgement_id`."""
        return {k for jid, a, b, _ in self.entries if jid > judgement_id for k in (a, b)}


def judgements(*, conn: Connection) -> Judgements:
    entries = []
    for jid, a, b, decision in conn.execute(
        select(Judgement.id, Judgement.record_a, Judgement.record_b, Judgement.decision).order_by(
            Judgement.id
        )
    ):
        entries.append((int(jid), *((a, b) if a < b else (b, a)), decision))
    return Judgements(entries)


def ok_ingest_runs(*, conn: Connection) -> list[int]:
    """The ingest runs that stored records (a failed or skipped run stored none)."""
    return [int(r) for r in conn.scalars(select(IngestRun.id).where(IngestRun.status == "ok"))]


def latest_link_run(*, conn: Connection) -> int | None:
    found = conn.execute(
        select(RUNS.c.id).where(RUNS.c.status == "ok").order_by(RUNS.c.id.desc()).limit(1)
    ).scalar()
    return None if found is None else int(found)
