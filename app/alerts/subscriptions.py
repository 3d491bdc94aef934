"""Who receives the alert digest: subscribe, unsubscribe, list.

A subscription is one email address with optional filters: buyers (an alert matches when one of
the given names is contained in its buyer's name, ignoring case, accents and punctuation) and a
minimum severity (low < medium < high).

A NEW subscription starts at the newest alert that exists when it is made (`last_alert_id` =
the current maximum alert id): subscribing asks for what happens from now on, not for the whole
history, which would arrive as one enormous first digest. Reactivating an unsubscribed address
starts from now for the same reason. Changing the filters of an active subscription keeps its
position, so the alerts it has not been sent yet are not skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import BadRequest
from app.store import alerts, subscriptions
from app.store.engine import unit_of_work
from app.store.tables import Subscription
from matching.names import normalise_text

SEVERITIES = ("low", "medium", "high")  # in increasing order
# Rough on purpose: one "@", a dot in the domain, no spaces, commas or angle brackets (those
# would let an address smuggle a second recipient or a header into the message).
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]{2,}$")


class SubscriptionError(BadRequest, ValueError):
    """A subscription request that cannot be done; the message says why."""


def severities_from(min_severity: str) -> list[str]:
    """The severities at or above `min_severity`."""
    return list(SEVERITIES[SEVERITIES.index(min_severity) :])


def normalise_email(email: str) -> str:
    """The address as stored: trimmed and lower-cased, so that one inbox is one subscription."""
    address = email.strip().lower()
    if len(address) > 320 or not _EMAIL.match(address):
        raise SubscriptionError(f"not an email address: {email!r}")
    return address


def _clean_buyers(buyers: Iterable[str]) -> list[str]:
    """The names as given (first spelling kept), without blanks and without repeats that only
    differ in case, accents or punctuation: the digest compares them that way anyway."""
    out: list[str] = []
    seen: set[str] = set()
    for buyer in buyers:
        key = normalise_text(buyer)
        if key and key not in seen:
            seen.add(key)
            out.append(" ".join(buyer.split()))
    return out


def as_dict(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "email": sub.email,
        "buyers": list(sub.buyers),
        "min_severity": sub.min_severity,
        "active": sub.active,
        "last_alert_id": sub.last_alert_id,
        "created_at": sub.created_at.isoformat(),
    }


def _newest_alert_id(session: Session) -> int:
    alerts.lock(session=session)
    return alerts.newest_id(session=session)


def subscribe(
    engine: Engine,
    email: str,
    *,
    buyers: Iterable[str] = (),
    min_severity: str = "low",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Create or update the subscription of `email`; returns it as a dict."""
    address = normalise_email(email)
    if min_severity not in SEVERITIES:
        raise SubscriptionError(
            f"min severity must be one of {', '.join(SEVERITIES)}, not {min_severity!r}"
        )
    wanted = _clean_buyers(buyers)
    try:
        return _upsert(engine, address, wanted, min_severity, now or datetime.now(UTC))
    except IntegrityError:
        # Two concurrent subscribes of one new address: the other one created the row first.
        return _upsert(engine, address, wanted, min_severity, now or datetime.now(UTC))


def _upsert(
    engine: Engine, address: str, buyers: list[str], min_severity: str, now: datetime
) -> dict[str, Any]:
    with unit_of_work(engine) as session:
        sub = subscriptions.by_email(session=session, email=address)
        if sub is None:
            sub = Subscription(
                email=address,
                buyers=buyers,
                min_severity=min_severity,
                active=True,
                last_alert_id=_newest_alert_id(session),
                created_at=now,
            )
            subscriptions.add(session=session, sub=sub)
        else:
            if not sub.active:
                sub.last_alert_id = _newest_alert_id(session)
            sub.buyers = buyers
            sub.min_severity = min_severity
            sub.active = True
        session.flush()
        return as_dict(sub)


def unsubscribe(engine: Engine, email: str) -> bool:
    """Stop sending to `email`; the row is kept (with its position) for the record. False when
    the address has no subscription."""
    address = email.strip().lower()
    with unit_of_work(engine) as session:
        sub = subscriptions.by_email(session=session, email=address)
        if sub is None:
            return False
        sub.active = False
        return True


def listing(engine: Engine) -> list[dict[str, Any]]:
    """Every subscription, active or not, oldest first."""
    with unit_of_work(engine) as session:
        return [as_dict(sub) for sub in subscriptions.every(session=session)]
