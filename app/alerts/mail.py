"""Send what the outbox holds, over SMTP, each message at most once.

Each message is marked sent in its own transaction right after the server accepts it, so a crash
later in the run does not send it again. The one window left is a crash between the server's
"250 OK" and that commit: SMTP gives no way to close it, so the message would go out twice; its
Message-ID is stable (derived from the outbox row) so mail clients can tell the copies apart.

A failed message stays queued with its attempt counted and the error kept, and is retried by the
next run. When the server cannot be reached at all (refused, timeout, TLS or login failure) the
run stops there and every message still due gets that error: trying them one by one would only
wait out the same timeout again and again.

Only one sender runs at a time (a PostgreSQL advisory lock, or a lock file next to the SQLite
database): two runs sending the same queued message concurrently would deliver it twice.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import structlog
from sqlalchemy import Engine

from app.settings import Settings
from app.store import outbox
from app.store.engine import reading, transaction

log = structlog.get_logger(__name__)
_ERROR_LENGTH = 300


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int  # delivered by this run
    failed: int  # attempted by this run and still queued
    queued_left: int  # queued in the outbox after this run (failures included)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Queued:
    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    created_at: datetime


class _Unreachable(Exception):
    """The server could not be used at all: no message can be sent this run."""


def _decode(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _short(exc: BaseException) -> str:
    """A one-line error for the outbox: the server's own reply when there is one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        detail = "; ".join(f"{code} {_decode(msg)}" for code, msg in exc.recipients.values())
    elif isinstance(exc, smtplib.SMTPResponseException):
        detail = f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    else:
        detail = str(exc) or "no detail"
    return f"{type(exc).__name__}: {' '.join(detail.split())}"[:_ERROR_LENGTH]


def _envelope_from(settings: Settings) -> str:
    return parseaddr(settings.mail_from)[1] or settings.mail_from


def build_message(row: _Queued, settings: Settings, now: datetime) -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML preferred by clients."""
    domain = _envelope_from(settings).rpartition("@")[2] or "localhost"
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(now)
    # Stable per outbox row (not random): a copy re-sent after a crash carries the same id.
    msg["Message-ID"] = f"<testigo.digest.{row.id}.{row.created_at:%Y%m%d%H%M%S}@{domain}>"
    msg.set_content(row.body_text)
    msg.add_alternative(row.body_html, subtype="html")
    return msg


def _connect(settings: Settings) -> smtplib.SMTP:
    smtp: smtplib.SMTP | None = None
    try:
        if settings.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=settings.smtp_timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
            )
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        return smtp
    except OSError as exc:  # smtplib's and ssl's errors are OSErrors too
        if smtp is not None:
            smtp.close()
        raise _Unreachable(_short(exc)) from exc


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except OSError:
        smtp.close()


def _count_queued(engine: Engine) -> int:
    with reading(engine) as conn:
        return outbox.count_queued(conn=conn)


def _load(engine: Engine, message_id: int) -> _Queued | None:
    """The message if it is still queued (the list of ids was read before the sends began)."""
    with reading(engine) as conn:
        row = outbox.queued(conn=conn, message_id=message_id)
    return None if row is None else _Queued(*row)


# Each mark is its own transaction, on purpose: a message marked sent stays marked if a later
# send in the run fails or the process dies, so it is never sent again (see the docstring).
def _mark_sent(engine: Engine, message_id: int, at: datetime) -> None:
    with transaction(engine) as conn:
        outbox.mark_sent(conn=conn, message_id=message_id, at=at)


def _mark_failed(engine: Engine, message_ids: Sequence[int], error: str) -> int:
    with transaction(engine) as conn:
        return outbox.mark_failed(conn=conn, message_ids=message_ids, error=error)


def send_queued(engine: Engine, settings: Settings) -> SendReport:
    """Send every queued message, oldest first; see the module docstring for the guarantees."""
    with outbox.sender_lock(engine) as mine:
        if not mine:
            log.warning("mail.busy", reason="another sender is running")
            return SendReport(0, 0, _count_queued(engine))
        with reading(engine) as conn:
            ids = outbox.queued_ids(conn=conn)
        sent, failed = _send_all(engine, settings, ids)
    report = SendReport(sent, failed, _count_queued(engine))
    log.info("mail.sent", **report.as_dict())
    return report


def _send_all(engine: Engine, settings: Settings, ids: list[int]) -> tuple[int, int]:
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    envelope_from = _envelope_from(settings)
    try:
        for position, message_id in enumerate(ids):
            row = _load(engine, message_id)
            if row is None:
                continue
            try:
                if smtp is None:
                    smtp = _connect(settings)
                msg = build_message(row, settings, datetime.now(UTC))
                smtp.send_message(msg, from_addr=envelope_from, to_addrs=[row.recipient])
            except _Unreachable as exc:
                failed += _mark_failed(engine, ids[position:], str(exc))
                log.warning("mail.unreachable", error=str(exc), messages=len(ids) - position)
                break
            except OSError as exc:
                failed += _mark_failed(engine, [message_id], _short(exc))
                log.warning("mail.failed", message=message_id, error=_short(exc))
                # A refusal of this message leaves the session usable (smtplib resets it);
                # anything else may have broken the connection: reconnect for the next one.
                refused = (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError,
                )
                if smtp is not None and not isinstance(exc, refused):
                    smtp.close()
                    smtp = None
                continue
            _mark_sent(engine, message_id, datetime.now(UTC))
            sent += 1
    finally:
        if smtp is not None:
            _quit(smtp)
    return sent, failed
