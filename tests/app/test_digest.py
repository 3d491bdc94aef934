"""The alert digest against a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL:
one message per subscription with its new alerts as text and HTML, the buyer and severity
filters, nothing sent twice, nothing lost while the server is down, unsubscribe, STARTTLS."""

from __future__ import annotations

import itertools
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.alerts import mail
from app.alerts.digest import queue_digests, run_digest
from app.alerts.subscriptions import SubscriptionError, listing, subscribe, unsubscribe
from app.settings import Settings
from app.store import outbox
from app.store.engine import make_engine
from app.store.tables import Alert, OutboxMessage, Subscription

_serial = itertools.count(1)


def make_alert(engine: sa.Engine, **overrides: Any) -> int:
    """Insert one alert as `testigo alerts scan` would store it; returns its id."""
    n = next(_serial)
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "award_key": f"ocds-87sd3t-SAS-{n:04d}/award-{n}",
        "sanction_key": f"sfp:DGR/{n}/2023",
        "severity": "high",
        "status": "new",
        "entity_id": f"ent{n:029d}",
        "probability": 0.987,
        "evidence": [
            {"comparison": "rfc", "level": "exact", "gamma": 3, "match_weight": 11.73},
            {
                "comparison": "name",
                "level": "Jaro-Winkler >= 0.92",
                "gamma": 2,
                "match_weight": 4.2,
            },
        ],
        "ocid": f"ocds-87sd3t-SAS-{n:04d}",
        "award_id": f"AA-012M7B997-E{n}-2024",
        "award_kind": "award",
        "date": date(2024, 3, 14),
        "date_basis": "award date",
        "value_amount": Decimal("1250000.50"),
        "currency": "MXN",
        "buyer_name": "Secretaría de Salud",
        "supplier_name": "CONSTRUCTORA & ASOCIADOS DEL NORTE, S.A. DE C.V.",
        "supplier_rfc": "CAN0101017A1",
        "supplier_key": f"party:ocds-87sd3t-SAS-{n:04d}/MX-RFC-CAN0101017A1",
        "sanction": {
            "registry": "sfp",
            "case_number": f"DGR/{n}/2023",
            "kind": "debarment",
            "authority": "Secretaría de la Función Pública",
            "status": "Firme",
            "start": "2023-06-01",
            "end": "2026-05-31",
        },
        "sources": [
            {
                "what": "award",
                "file": "data/ocds/salud_2024.jsonl",
                "retrieved_at": "2026-11-20T03:00:00+00:00",
            },
            {
                "what": "sanction",
                "file": "data/sanctions/sfp_directorio_sancionados_2026-06-11.json",
                "retrieved_at": "2026-06-11T08:30:00+00:00",
            },
        ],
        "created_at": now,
        "updated_at": now,
    }
    values.update(overrides)
    with engine.begin() as conn:
        return int(conn.execute(sa.insert(Alert).values(**values).returning(Alert.id)).scalar_one())


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def parts(self) -> tuple[str, str]:
        text = self.message.get_body(("plain",))
        html = self.message.get_body(("html",))
        assert text is not None and html is not None
        return str(text.get_content()), str(html.get_content())


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.rcpt_tos == [address]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A real SMTP server on a fixed free port, which a test can stop and start again."""

    def __init__(self, **options: Any) -> None:
        self.port = _free_port()
        self.handler = Handler()
        self.options = options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self.options
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def server() -> Iterator[Server]:
    smtp = Server()
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture
def down() -> Server:
    """A port with nothing listening (yet)."""
    return Server()


def _settings(db_settings: Settings, server: Server, **changes: Any) -> Settings:
    return db_settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": server.port,
            "smtp_timeout": 5.0,
            "mail_from": "Testigo <alertas@testigo.example.mx>",
            "public_url": "https://testigo.example.mx",
            # These tests read the English mail; the Spanish one (the default) is tested below.
            "language": "en",
            **changes,
        }
    )


@pytest.fixture
def engine(db_settings: Settings) -> Iterator[sa.Engine]:
    engine = make_engine(db_settings)
    yield engine
    engine.dispose()


def _outbox(engine: sa.Engine) -> list[OutboxMessage]:
    with sa.orm.Session(engine) as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _position(engine: sa.Engine, email: str) -> int:
    with engine.connect() as conn:
        query = sa.select(Subscription.last_alert_id).where(Subscription.email == email)
        return int(conn.scalar(query) or 0)


def _ocids(received: Received) -> set[str]:
    text, _ = received.parts()
    return {line.split()[-1] for line in text.splitlines() if line.strip().startswith("ocid:")}


def test_one_message_per_subscription_with_its_new_alerts_as_text_and_html(
    db_settings: Settings, engine: sa.Engine, server: Server
) -> None:
    settings = _settings(db_settings, server)
    history = make_alert(engine)  # before the subscription: not sent
    subscribe(engine, "Ana.Lopez@Example.MX")
    high = make_alert(engine, severity="high")
    low = make_alert(engine, severity="low", supplier_rfc=None, value_amount=None)
    dismissed = make_alert(engine, status="dismissed")

    assert run_digest(engine, settings) == {"queued": 1, "sent": 1, "failed": 0, "queued_left": 0}

    (got,) = server.handler.received
    assert got.mail_from == "alertas@testigo.example.mx"
    assert got.rcpt_tos == ["ana.lopez@example.mx"]
    msg = got.message
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Subject"] == "Testigo: 2 new alerts (1 high)"
    assert msg["To"] == "ana.lopez@example.mx"
    assert msg["From"] == "Testigo <alertas@testigo.example.mx>"
    assert msg["Message-ID"].endswith("@testigo.example.mx>") and msg["Date"]
    text, html = got.parts()
    with sa.orm.Session(engine) as session:
        alerts = {a.id: a for a in session.scalars(sa.select(Alert))}
    for alert_id in (high, low):
        alert = alerts[alert_id]
        link = f"https://testigo.example.mx/alerts/{alert_id}"
        for body in (text, html):
            assert alert.ocid in body and link in body and alert.award_id in body
            assert str(alert.sanction["case_number"]) in body
        assert f'href="{link}"' in html
    for body in (text, html):
        assert alerts[history].ocid not in body and alerts[dismissed].ocid not in body
        assert "Secretaría de Salud" in body and "Secretaría de la Función Pública" in body
        assert "1,250,000.50 MXN" in body and "2024-03-14 (award date)" in body
        assert "0.987" in body and "+11.73" in body and "Jaro-Winkler &gt;= 0.92" in html
        assert "sfp_directorio_sancionados_2026-06-11.json" in body
        assert "2026-06-11T08:30:00+00:00" in body and "CAN0101017A1" in body
    # The supplier's "&" is escaped in the HTML, and only there.
    assert "CONSTRUCTORA & ASOCIADOS" in text and "CONSTRUCTORA &amp; ASOCIADOS" in html
    assert text.index(alerts[high].ocid) < text.index(alerts[low].ocid)  # most severe first

    (row,) = _outbox(engine)
    assert (row.status, row.attempts, row.alert_ids) == ("sent", 1, [high, low])
    assert row.sent_at is not None and row.last_error is None
    assert _position(engine, "ana.lopez@example.mx") == max(high, low)


def test_the_digest_is_in_spanish_by_default(
    db_settings: Settings, engine: sa.Engine, server: Server
) -> None:
    assert Settings.model_fields["language"].default == "es"
    settings = _settings(db_settings, server, language="es")
    subscribe(engine, "ana.lopez@example.mx", buyers=["Salud"])
    high = make_alert(engine, severity="high")
    make_alert(engine, severity="low", value_amount=None)

    assert run_digest(engine, settings)["sent"] == 1
    (got,) = server.handler.received
    assert got.message["Subject"] == "Testigo: 2 alertas nuevas (1 alta)"
    text, html = got.parts()
    assert '<html lang="es-MX">' in html
    for body in (text, html):
        assert "[ALTA]" in body and "[BAJA]" in body
        assert "14 de marzo de 2024 (fecha de adjudicación)" in body
        assert "$1,250,000.50 MXN" in body
        assert "Proveedores sancionados de la SFP, inhabilitación" in body
        assert "del 1 de junio de 2023 al 31 de mayo de 2026" in body
        assert "probabilidad de 0.987 de que el proveedor sea la empresa sancionada" in body
        # The evidence in words, with the codes and weight beside it as they are stored.
        assert "El RFC es el mismo. (rfc: exact, peso +11.73)" in body
        assert "Recibe este correo como ana.lopez@example.mx" in body
        assert "severidad baja o mayor, de compradores cuyo nombre contiene: Salud." in body
        assert "Secretaría de Salud" in body and "DGR/" in body
        assert "award date" not in body and "Supplier as published" not in body
    assert f"https://testigo.example.mx/alerts/{high}" in text
    assert _ocids(got)  # the ocid lines are read the same in both languages


@pytest.mark.parametrize("language", ["en", "es"])
def test_past_the_cap_alerts_are_counted_not_written_out(
    db_settings: Settings, engine: sa.Engine, server: Server, language: str
) -> None:
    """A night of thousands of alerts made one mail of 51 MB, which SMTP servers refuse (552):
    past `digest_max_alerts` the most severe are written out and the rest counted, with a link."""
    settings = _settings(db_settings, server, digest_max_alerts=2, language=language)
    subscribe(engine, "ana.lopez@example.mx")
    low = [make_alert(engine, severity="low") for _ in range(2)]
    high = make_alert(engine, severity="high")

    assert run_digest(engine, settings)["sent"] == 1
    (got,) = server.handler.received
    assert got.message["Subject"].startswith("Testigo: 3 ")
    text, html = got.parts()
    assert len(_ocids(got)) == 2
    with sa.orm.Session(engine) as session:
        ocids = {a.id: a.ocid for a in session.scalars(sa.select(Alert))}
    for body in (text, html):
        assert f"/alerts/{high}" in body and f"/alerts/{low[0]}" in body  # most severe first
        assert f"/alerts/{low[1]}" not in body
        written = "1 more alert is not written out here" if language == "en" else "1 alerta más"
        assert written in body and "https://testigo.example.mx/alerts" in body
    assert ocids[low[1]] not in text
    (row,) = _outbox(engine)
    assert sorted(row.alert_ids) == sorted([*low, high])  # all of them were told of


def test_buyer_and_minimum_severity_filters(
    db_settings: Settings, engine: sa.Engine, server: Server
) -> None:
    settings = _settings(db_settings, server)
    subscribe(engine, "salud@example.mx", buyers=["SECRETARIA de salud"])  # no accent, any case
    subscribe(engine, "grave@example.mx", min_severity="medium")
    subscribe(engine, "todo@example.mx")
    subscribe(engine, "nadie@example.mx", buyers=["Pemex"], min_severity="high")
    salud = "Secretaría de Salud"
    imss = "Instituto Mexicano del Seguro Social"
    a = make_alert(engine, severity="high", buyer_name=salud)
    b = make_alert(engine, severity="low", buyer_name=salud)
    c = make_alert(engine, severity="medium", buyer_name=imss)
    d = make_alert(engine, severity="low", buyer_name=imss)
    e = make_alert(engine, severity="high", buyer_name=None)

    assert run_digest(engine, settings)["sent"] == 3
    with engine.connect() as conn:
        ocid: dict[int, str] = {i: o for i, o in conn.execute(sa.select(Alert.id, Alert.ocid))}
    (salud_msg,) = server.handler.to("salud@example.mx")
    (grave_msg,) = server.handler.to("grave@example.mx")
    (todo_msg,) = server.handler.to("todo@example.mx")
    assert _ocids(salud_msg) == {ocid[a], ocid[b]}
    assert _ocids(grave_msg) == {ocid[a], ocid[c], ocid[e]}
    assert _ocids(todo_msg) == {ocid[i] for i in (a, b, c, d, e)}
    assert server.handler.to("nadie@example.mx") == []
    assert _position(engine, "nadie@example.mx") == 0  # nothing included: position unchanged
    assert _position(engine, "salud@example.mx") == b


def test_a_second_run_sends_nothing_and_a_later_alert_is_sent_alone(
    db_settings: Settings, engine: sa.Engine, server: Server
) -> None:
    settings = _settings(db_settings, server)
    subscribe(engine, "ana@example.mx")
    make_alert(engine)
    make_alert(engine)
    assert run_digest(engine, settings)["sent"] == 1
    assert run_digest(engine, settings) == {"queued": 0, "sent": 0, "failed": 0, "queued_left": 0}
    assert len(server.handler.received) == 1

    later = make_alert(engine)
    assert run_digest(engine, settings)["sent"] == 1
    first, second = server.handler.received
    assert second.message["Subject"] == "Testigo: 1 new alert (1 high)"
    assert len(_ocids(first)) == 2 and len(_ocids(second)) == 1
    assert f"/alerts/{later}" in second.parts()[0]
    assert [m.status for m in _outbox(engine)] == ["sent", "sent"]


def test_server_down_keeps_everything_queued_then_delivers_each_once(
    db_settings: Settings, engine: sa.Engine, down: Server
) -> None:
    settings = _settings(db_settings, down)
    subscribe(engine, "ana@example.mx")
    subscribe(engine, "luis@example.mx", min_severity="high")
    first = make_alert(engine, severity="high")
    make_alert(engine, severity="low")

    report = run_digest(engine, settings)
    assert report == {"queued": 2, "sent": 0, "failed": 2, "queued_left": 2}
    rows = _outbox(engine)
    assert [(r.recipient, r.status, r.attempts) for r in rows] == [
        ("ana@example.mx", "queued", 1),
        ("luis@example.mx", "queued", 1),
    ]
    assert all(r.last_error and "Connection" in r.last_error for r in rows)
    assert rows[1].alert_ids == [first]  # the alerts are in the outbox: nothing lost
    # The positions moved with the queued messages: the next run does not queue them again.
    assert queue_digests(engine, settings) == 0

    down.start()
    try:
        assert run_digest(engine, settings) == {
            "queued": 0,
            "sent": 2,
            "failed": 0,
            "queued_left": 0,
        }
        assert run_digest(engine, settings)["sent"] == 0
    finally:
        down.stop()
    assert len(down.handler.to("ana@example.mx")) == 1
    assert len(down.handler.to("luis@example.mx")) == 1
    with engine.connect() as conn:
        first_ocid = conn.scalar(sa.select(Alert.ocid).where(Alert.id == first))
    assert _ocids(down.handler.to("luis@example.mx")[0]) == {first_ocid}
    assert [(r.status, r.attempts) for r in _outbox(engine)] == [("sent", 2), ("sent", 2)]


def test_a_refused_recipient_stays_queued_and_the_others_go_out(
    db_settings: Settings, engine: sa.Engine, server: Server
) -> None:
    settings = _settings(db_settings, server)
    server.handler.refuse.add("gone@example.mx")
    for email in ("gone@example.mx", "ana@example.mx"):
        subscribe(engine, email)
    make_alert(engine)

    assert run_digest(engine, settings) == {"queued": 2, "sent": 1, "failed": 1, "queued_left": 1}
    gone, ana = _outbox(engine)
    assert (gone.status, gone.attempts) == ("queued", 1)
    assert gone.last_error is not None and "550" in gone.last_error
    assert (ana.status, ana.attempts) == ("sent", 1)

    server.handler.refuse.clear()
    assert run_digest(engine, settings)["sent"] == 1
    assert len(server.handler.to("gone@example.mx")) == 1
    assert len(server.handler.to("ana@example.mx")) == 1


@pytest.mark.parametrize("when_empty", [False, True])
def test_digest_when_empty(
    db_settings: Settings, engine: sa.Engine, server: Server, when_empty: bool
) -> None:
    make_alert(engine)
    subscribe(engine, "ana@example.mx")
    position = _position(engine, "ana@example.mx")
    settings = _settings(db_settings, server, digest_when_empty=when_empty)

    assert run_digest(engine, settings)["sent"] == int(when_empty)
    assert _position(engine, "ana@example.mx") == position
    if when_empty:
        (got,) = server.handler.received
        assert got.message["Subject"] == "Testigo: no new alerts"
        text, html = got.parts()
        assert "Nothing new" in text and "Nothing new" in html
        assert _outbox(engine)[0].alert_ids == []
    else:
        assert server.handler.received == [] and _outbox(engine) == []


def test_unsubscribe_stops_messages_and_resubscribing_starts_from_now(
    db_settings: Settings, engine: sa.Engine, server: Server
) -> None:
    settings = _settings(db_settings, server, digest_when_empty=True)
    subscribe(engine, "ana@example.mx")
    assert unsubscribe(engine, "ANA@example.mx") is True
    assert unsubscribe(engine, "nobody@example.mx") is False
    make_alert(engine)
    assert run_digest(engine, settings)["queued"] == 0
    assert server.handler.received == []
    (row,) = listing(engine)
    assert row["active"] is False  # the row is kept

    again = subscribe(engine, "ana@example.mx", min_severity="low")
    assert again["active"] is True and again["id"] == row["id"]
    newer = make_alert(engine)
    assert run_digest(engine, settings)["sent"] == 1
    (got,) = server.handler.received
    assert len(_ocids(got)) == 1 and f"/alerts/{newer}" in got.parts()[0]


def test_subscribe_validates_and_updates_in_place(engine: sa.Engine) -> None:
    for bad in (
        "",
        "ana",
        "ana@localhost",
        "ana @example.mx",
        "a@b.mx, eve@evil.mx",
        "a@b.mx\nBcc: eve@evil.mx",
    ):
        with pytest.raises(SubscriptionError):
            subscribe(engine, bad)
    with pytest.raises(SubscriptionError):
        subscribe(engine, "ana@example.mx", min_severity="critical")
    existing = make_alert(engine)

    first = subscribe(engine, " Ana@Example.mx ", buyers=["IMSS", " imss ", "", "-", "Salud"])
    assert first["email"] == "ana@example.mx" and first["buyers"] == ["IMSS", "Salud"]
    assert first["last_alert_id"] == existing and first["min_severity"] == "low"

    updated = subscribe(engine, "ana@example.mx", buyers=[], min_severity="high")
    assert updated["id"] == first["id"] and updated["buyers"] == []
    assert updated["min_severity"] == "high" and updated["last_alert_id"] == existing
    assert [s["email"] for s in listing(engine)] == ["ana@example.mx"]


def test_a_second_sender_waits_its_turn(
    db_settings: Settings, engine: sa.Engine, server: Server
) -> None:
    settings = _settings(db_settings, server)
    subscribe(engine, "ana@example.mx")
    make_alert(engine)
    assert queue_digests(engine, settings) == 1
    other = make_engine(db_settings)
    try:
        with outbox.sender_lock(other) as mine:
            assert mine
            report = mail.send_queued(engine, settings)
    finally:
        other.dispose()
    assert (report.sent, report.queued_left) == (0, 1) and server.handler.received == []
    assert mail.send_queued(engine, settings).sent == 1


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_starttls_and_login(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a certificate")
    cert, key = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this certificate only

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"u", b"p")
        return AuthResult(success=ok, handled=False)  # not handled: the server says 535

    smtp = Server(
        tls_context=tls, require_starttls=True, authenticator=authenticate, auth_required=True
    )
    smtp.start()
    engine = make_engine(sqlite_settings)
    try:
        subscribe(engine, "ana@example.mx")
        make_alert(engine)
        good = _settings(
            sqlite_settings, smtp, smtp_security="starttls", smtp_user="u", smtp_password="p"
        )
        wrong = good.model_copy(update={"smtp_password": "nope"})
        plain = good.model_copy(update={"smtp_security": "none", "smtp_user": None})
        assert run_digest(engine, wrong)["failed"] == 1
        assert "535" in (_outbox(engine)[0].last_error or "")
        assert run_digest(engine, plain)["failed"] == 1  # the server insists on STARTTLS
        assert "STARTTLS" in (_outbox(engine)[0].last_error or "")
        assert smtp.handler.received == []
        assert run_digest(engine, good)["sent"] == 1
        (row,) = _outbox(engine)
        assert (row.status, row.attempts) == ("sent", 3)
    finally:
        engine.dispose()
        smtp.stop()
    assert len(smtp.handler.received) == 1
