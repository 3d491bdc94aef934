"""Subscriptions to the alert digest as stored: one row per address, with its filters and its
position (the last alert id it was sent)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.store.tables import Subscription


def by_email(*, session: Session, email: str) -> Subscription | None:
    return session.scalars(select(Subscription).where(Subscription.email == email)).first()


def add(*, session: Session, sub: Subscription) -> None:
    """A new subscription; written with the caller's transaction."""
    session.add(sub)


def every(*, session: Session, active_only: bool = False) -> Sequence[Subscription]:
    """The subscriptions (all, or the active ones), oldest first."""
    query = select(Subscription).order_by(Subscription.id)
    if active_only:
        query = query.where(Subscription.active.is_(True))
    return session.scalars(query).all()


def move_position(*, session: Session, sub: Subscription, to: int) -> bool:
    """Compare-and-set: move the position to `to` only if it is still where `sub` read it.
    False when another transaction moved it first."""
    moved = session.connection().execute(
        update(Subscription)
        .where(Subscription.id == sub.id, Subscription.last_alert_id == sub.last_alert_id)
        .values(last_alert_id=to)
    )
    return moved.rowcount == 1
