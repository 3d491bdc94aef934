"""The alert digest: for each subscription, one message listing the alerts it has not been sent.

Queueing and sending are separate steps joined by the outbox table. `queue_digests` writes each
message AND moves its subscription's position (`last_alert_id`) in one transaction, so an alert
is queued once and only once whatever fails later; `app.alerts.mail.send_queued` then delivers
what is queued and keeps what it could not deliver for the next run.

Alerts a reviewer has already dismissed are left out: a person has said the firm is not the
sanctioned one, and mailing it would only be noise. Confirmed and open ("new") alerts are sent.

The mail is in the deployment's language (`TESTIGO_LANGUAGE`, Spanish by default): its words,
the evidence sentences, dates (`14 de marzo de 2024`) and amounts (`$1,250,000.50 MXN`). The
codes beside them (severity in the subject's tag, comparison and level of each piece of
evidence, file names and timestamps) are the data's own and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
from jinja2 import Environment
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import i18n
from app.alerts.mail import send_queued
from app.alerts.subscriptions import SEVERITIES, severities_from
from app.i18n import Language
from app.settings import Settings
from app.store import alerts as alerts_store
from app.store import outbox, subscriptions
from app.store.engine import unit_of_work
from app.store.tables import Alert, OutboxMessage, Subscription
from matching import explain
from matching.names import normalise_text

log = structlog.get_logger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
MISSING = "—"  # shown for a value the source did not publish


@lru_cache(maxsize=len(i18n.LANGUAGES))
def _environment(lang: Language) -> Environment:
    return i18n.templates(TEMPLATES, lang, keep_trailing_newline=True)


@dataclass(frozen=True, slots=True)
class Filters:
    """What a subscription wants: normalised buyer fragments (empty: all) and severities."""

    buyers: tuple[str, ...]
    severities: tuple[str, ...]

    @classmethod
    def of(cls, sub: Subscription) -> Filters:
        fragments = (normalise_text(b) for b in sub.buyers or [])
        return cls(tuple(f for f in fragments if f), tuple(severities_from(sub.min_severity)))

    def accepts(self, alert: Alert) -> bool:
        if alert.severity not in self.severities:
            return False
        if not self.buyers:
            return True
        # Case, accents and punctuation ignored, as in the rest of Testigo's name matching.
        buyer = normalise_text(alert.buyer_name or "")
        return any(fragment in buyer for fragment in self.buyers)


def new_alerts(session: Session, sub: Subscription) -> list[Alert]:
    """The alerts after the subscription's position that pass its filters, oldest first."""
    filters = Filters.of(sub)
    found = alerts_store.after(
        session=session, last_id=sub.last_alert_id, severities=filters.severities
    )
    # The buyer filter runs here, not in SQL: accent-insensitive containment is not portable.
    return [a for a in found if filters.accepts(a)]


def _text(value: object) -> str:
    return MISSING if value is None or value == "" else str(value)


def _iso(value: object) -> str | None:
    return str(value) if value else None


def _weight(value: object) -> str:
    return f"{value:+.2f}" if isinstance(value, int | float) else _text(value)


def _view(alert: Alert, public_url: str, lang: Language) -> dict[str, Any]:
    """One alert as the templates show it: every value already a display string, in `lang`."""
    tr = i18n.translations(lang)
    sanction = alert.sanction or {}

    def word(code: str | None) -> str:
        return tr.gettext(i18n.WORDS[code]) if code in i18n.WORDS else _text(code)

    registry = sanction.get("registry")
    return {
        "id": alert.id,
        "link": f"{public_url.rstrip('/')}/alerts/{alert.id}",
        "severity": alert.severity,
        "severity_word": word(alert.severity),
        "status": alert.status,
        "ocid": alert.ocid,
        "award_id": alert.award_id,
        "award_kind": word(alert.award_kind),
        "date": i18n.format_day(alert.date, lang),
        "date_basis": word(alert.date_basis),
        "value": i18n.format_money(alert.value_amount, alert.currency, lang, MISSING),
        "buyer": _text(alert.buyer_name),
        "supplier_name": _text(alert.supplier_name),
        "supplier_rfc": _text(alert.supplier_rfc),
        "probability": MISSING if alert.probability is None else f"{alert.probability:.3f}",
        "evidence": [
            {
                "sentence": explain.sentence(e, tr),
                "comparison": _text(e.get("comparison")),
                "level": _text(e.get("level")),
                "match_weight": _weight(e.get("match_weight")),
            }
            for e in alert.evidence or []
        ],
        "sanction": {
            **{key: _text(sanction.get(key)) for key in ("case_number", "authority")},
            "registry": tr.gettext(i18n.REGISTRIES[registry])
            if registry in i18n.REGISTRIES
            else _text(registry),
            "kind": i18n.sanction_kind(str(sanction["kind"]), None, tr)
            if sanction.get("kind")
            else MISSING,
            "start": i18n.format_day(_iso(sanction.get("start")), lang, MISSING),
            "end": i18n.format_day(_iso(sanction.get("end")), lang, MISSING),
        },
        "sources": [
            {
                "what": _text(s.get("what")),
                "file": _text(s.get("file")),
                "retrieved_at": _text(s.get("retrieved_at")),
            }
            for s in alert.sources or []
        ],
    }


def subject_for(alerts: list[Alert], tr: explain.Translator = explain.ENGLISH) -> str:
    if not alerts:
        return tr.gettext("Testigo: no new alerts")
    high = sum(1 for a in alerts if a.severity == "high")
    subject = tr.ngettext(
        "Testigo: {count} new alert", "Testigo: {count} new alerts", len(alerts)
    ).format(count=len(alerts))
    if high:
        subject += " " + tr.ngettext("({count} high)", "({count} high)", high).format(count=high)
    return subject


def render(
    sub: Subscription, alerts: list[Alert], settings: Settings, now: datetime
) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one digest. Most severe first, then oldest first; past
    `digest_max_alerts` the rest are counted, not written out, so the mail stays sendable."""
    lang = settings.language
    tr = i18n.translations(lang)
    rank = {level: i for i, level in enumerate(SEVERITIES)}
    ordered = sorted(alerts, key=lambda a: (-rank.get(a.severity, -1), a.id))
    subject = subject_for(alerts, tr)
    context = {
        "lang": lang,
        "subject": subject,
        "recipient": sub.email,
        "buyers": list(sub.buyers or []),
        "min_severity": tr.gettext(i18n.WORDS.get(sub.min_severity, sub.min_severity)),
        "generated_at": now.strftime("%Y-%m-%d %H:%M UTC"),
        "public_url": settings.public_url.rstrip("/"),
        "alerts": [
            _view(a, settings.public_url, lang) for a in ordered[: settings.digest_max_alerts]
        ],
        "not_listed": max(len(ordered) - settings.digest_max_alerts, 0),
        "alerts_url": f"{settings.public_url.rstrip('/')}/alerts",
    }
    env = _environment(lang)
    text = env.get_template("digest.txt").render(context)
    html = env.get_template("digest.html").render(context)
    return subject, text, html


def queue_digests(engine: Engine, settings: Settings, *, now: datetime | None = None) -> int:
    """Queue one message per active subscription with new alerts; returns how many."""
    now = now or datetime.now(UTC)
    queued = 0
    with unit_of_work(engine) as session:
        alerts_store.lock(session=session)
        for sub in subscriptions.every(session=session, active_only=True):
            alerts = new_alerts(session, sub)
            if not alerts and not settings.digest_when_empty:
                continue
            # Compare-and-set: a digest run in another process that got here first has already
            # queued these alerts; this one then queues nothing for the subscription.
            if alerts and not subscriptions.move_position(
                session=session, sub=sub, to=max(a.id for a in alerts)
            ):
                log.warning("digest.raced", subscription=sub.id)
                continue
            subject, body_text, body_html = render(sub, alerts, settings, now)
            outbox.add(
                session=session,
                message=OutboxMessage(
                    subscription_id=sub.id,
                    recipient=sub.email,
                    subject=subject,
                    body_text=body_text,
                    body_html=body_html,
                    alert_ids=[a.id for a in alerts],
                    status="queued",
                    attempts=0,
                    created_at=now,
                ),
            )
            queued += 1
    log.info("digest.queued", messages=queued)
    return queued


def run_digest(engine: Engine, settings: Settings) -> dict[str, int]:
    """Queue the new digests, then send everything queued (this run's and earlier failures)."""
    queued = queue_digests(engine, settings)
    report = send_queued(engine, settings)
    return {"queued": queued, **report.as_dict()}
