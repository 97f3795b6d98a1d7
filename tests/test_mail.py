"""SMTP against a real server on loopback (aiosmtpd): settings, TLS, replies, reconnects, rate.

The server helpers here (:class:`Handler`, :func:`smtp_server`, :func:`certificate`)
are used by the send tests too.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from brief import mail
from brief.errors import BriefError
from brief.mail import Mailer, MailError, RateLimiter, Reply, Server
from brief.project import SmtpSettings

# --- a real SMTP server that misbehaves on request ----------------------------------------


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    data: bytes


class Handler:
    """Keeps every message it accepts; answers or drops as the test says.

    ``temporary[address] = n``: answer 451 to the first n messages for it.
    ``permanent``: refuse these recipients with 550 at RCPT.
    ``drop_before``: at these message numbers (1-based, counting every DATA)
    cut the connection without keeping the message. ``drop_after``: keep
    the message, then cut the connection before replying (the window).
    ``busy_mail``: answer these MAIL commands (1-based) with 421 and close.
    ``delay``: seconds to wait after keeping each message, before replying.
    """

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.data_count = 0
        self.mail_count = 0
        self.sessions: list[Any] = []
        self.temporary: dict[str, int] = {}
        self.permanent: set[str] = set()
        self.drop_before: set[int] = set()
        self.drop_after: set[int] = set()
        self.busy_mail: set[int] = set()
        self.delay = 0.0
        self.transports: list[Any] = []

    @property
    def connections(self) -> int:
        return len(self.sessions)

    def count(self, address: str) -> int:
        return sum(address in m.recipients for m in self.messages)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            if not any(s is session for s in self.sessions):
                self.sessions.append(session)
                self.transports.append(server.transport)
            self.mail_count += 1
            number = self.mail_count
        if number in self.busy_mail:
            server.transport.close()
            return "421 4.4.2 idle too long, closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.permanent:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_count += 1
            number = self.data_count
        if number in self.drop_before:
            server.transport.abort()
            return "250 OK"  # never arrives
        recipient = envelope.rcpt_tos[0]
        if self.temporary.get(recipient, 0) > 0:
            self.temporary[recipient] -= 1
            return "451 4.3.0 Try again later"
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        if self.delay:
            await asyncio.sleep(self.delay)
        if number in self.drop_after:
            server.transport.abort()
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(handler: Handler, **kwargs: Any) -> Iterator[Controller]:
    """aiosmtpd on 127.0.0.1 and a free port, stopped afterwards."""
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5.0, **kwargs
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command), or skip."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    if cert.is_file():
        return cert, key
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"incasso",
        b"s3cret-pw",
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def controller(handler: Handler) -> Iterator[Controller]:
    with smtp_server(handler) as running:
        yield running


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return certificate(tmp_path_factory.mktemp("tls"))


def plain(controller: Controller, **more: Any) -> Server:
    return Server(host="127.0.0.1", port=controller.port, security="none", timeout=5.0, **more)


MESSAGE = (
    b"From: Ineke de Vries <ineke@dijkzicht.example>\r\n"
    b"To: Jan <jan@example.nl>\r\n"
    b"Subject: Herinnering\r\n"
    b"\r\n"
    b"Regel een.\r\n"
    b".Een regel die met een punt begint.\r\n"
    b"..\r\n"
    b"Laatste regel.\r\n"
)


# --- settings and the environment ---------------------------------------------------------


def test_server_from_settings_with_default_port() -> None:
    target = mail.server(SmtpSettings(host="smtp.example.nl"), {})
    assert target == Server(host="smtp.example.nl", port=587, security="starttls")
    assert target.describe() == "smtp.example.nl:587 (STARTTLS)"
    assert mail.server(SmtpSettings(host="h", security="tls"), {}).describe() == "h:465 (TLS)"
    assert mail.server(SmtpSettings(host="h", security="none"), {}).describe() == "h:25 (no TLS)"


def test_environment_overrides_settings() -> None:
    settings = SmtpSettings(host="smtp.example.nl", port=2525, username="incasso")
    environ = {
        "BRIEF_SMTP_HOST": "relay.local",
        "BRIEF_SMTP_PORT": "1025",
        "BRIEF_SMTP_SECURITY": "tls",
        "BRIEF_SMTP_USERNAME": "",  # set but empty: no login
    }
    target = mail.server(settings, environ)
    assert (target.host, target.port, target.security, target.username) == (
        "relay.local",
        1025,
        "tls",
        None,
    )


@pytest.mark.parametrize(
    ("settings", "environ", "message"),
    [
        (
            SmtpSettings(),
            {},
            "no SMTP server: set smtp.host in brief.yaml or the environment variable "
            "BRIEF_SMTP_HOST",
        ),
        (
            SmtpSettings(host="h"),
            {"BRIEF_SMTP_PORT": "smtp"},
            "environment variable BRIEF_SMTP_PORT: 'smtp' is not a port number",
        ),
        (
            SmtpSettings(host="h"),
            {"BRIEF_SMTP_PORT": "70000"},
            "environment variable BRIEF_SMTP_PORT: '70000' is not a port number",
        ),
        (
            SmtpSettings(host="h"),
            {"BRIEF_SMTP_SECURITY": "ssl"},
            "environment variable BRIEF_SMTP_SECURITY: 'ssl' is not one of starttls, tls, none",
        ),
    ],
)
def test_bad_server_settings(settings: SmtpSettings, environ: dict, message: str) -> None:
    with pytest.raises(MailError) as info:
        mail.server(settings, environ)
    assert str(info.value) == message


def test_insecure_switch_turns_verification_off_with_a_warning() -> None:
    settings = SmtpSettings(host="relay.local", port=1025)
    assert mail.warnings(mail.server(settings, {})) == []
    target = mail.server(settings, {}, insecure=True)
    assert target.verify is False
    assert mail.warnings(target) == [
        "TLS certificate verification is OFF: anyone between here and relay.local:1025 can "
        "read and change these messages; use this only for a local test relay"
    ]
    no_verify = SmtpSettings(host="relay.local", port=1025, tls_verify=False)
    assert mail.warnings(mail.server(no_verify, {})) == mail.warnings(target)


def test_no_tls_warns() -> None:
    target = mail.server(SmtpSettings(host="localhost", port=8025, security="none"), {})
    assert mail.warnings(target) == [
        "SMTP without TLS (security: none): messages go to localhost:8025 unencrypted; "
        "use this only for a local test relay"
    ]


# --- the password ---------------------------------------------------------------------------


def test_password_from_the_named_environment_variable() -> None:
    target = Server("h", 587, "starttls", username="incasso", password_env="DIJKZICHT_SMTP")
    assert mail.password(target, {"DIJKZICHT_SMTP": "pw"}, None) == "pw"


def test_password_asked_for_when_not_in_the_environment() -> None:
    target = Server("smtp.example.nl", 587, "starttls", username="incasso")
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "typed"

    assert mail.password(target, {}, prompt) == "typed"
    assert asked == ["SMTP password for incasso at smtp.example.nl"]


def test_no_password_without_a_terminal_is_an_error() -> None:
    target = Server("h", 587, "starttls", username="incasso")
    with pytest.raises(MailError) as info:
        mail.password(target, {}, None)
    assert str(info.value) == (
        "no SMTP password for incasso: set the environment variable BRIEF_SMTP_PASSWORD, "
        "or run brief send on a terminal to be asked for it"
    )
    with pytest.raises(MailError) as info:
        mail.password(target, {}, lambda text: "")
    assert str(info.value) == "no SMTP password given"


def test_no_login_needs_no_password() -> None:
    assert mail.password(Server("h", 587, "starttls"), {}, None) is None


def test_password_is_never_sent_without_tls() -> None:
    target = Server("h", 25, "none", username="incasso")
    with pytest.raises(MailError) as info:
        mail.password(target, {"BRIEF_SMTP_PASSWORD": "pw"}, None)
    assert str(info.value) == (
        "refusing to send the SMTP password without TLS (security: none); "
        "use security: starttls or tls"
    )


# --- replies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (250, mail.SENT),
        (251, mail.SENT),
        (421, mail.TEMPORARY),
        (451, mail.TEMPORARY),
        (452, mail.TEMPORARY),
        (550, mail.PERMANENT),
        (554, mail.PERMANENT),
        (-1, mail.TEMPORARY),
    ],
)
def test_classify(code: int, status: str) -> None:
    assert mail.classify(code) == status


# --- sending over one connection -------------------------------------------------------


def test_sends_the_message_byte_for_byte(controller: Controller, handler: Handler) -> None:
    with Mailer(plain(controller)) as mailer:
        mailer.connect()
        reply = mailer.send(MESSAGE, "ineke@dijkzicht.example", "jan@example.nl")

    assert reply == Reply(mail.SENT, "250 2.0.0 Ok: queued", handed_over=True)
    assert handler.messages == [Received("ineke@dijkzicht.example", ["jan@example.nl"], MESSAGE)]


def test_one_connection_for_the_batch(controller: Controller, handler: Handler) -> None:
    with Mailer(plain(controller)) as mailer:
        for n in range(3):
            assert mailer.send(MESSAGE, "a@x.example", f"r{n}@example.nl").status == mail.SENT

    assert mailer.connections == 1
    assert handler.connections == 1
    assert [m.recipients for m in handler.messages] == [[f"r{n}@example.nl"] for n in range(3)]


def test_temporary_reply(controller: Controller, handler: Handler) -> None:
    handler.temporary["jan@example.nl"] = 1
    with Mailer(plain(controller)) as mailer:
        first = mailer.send(MESSAGE, "a@x.example", "jan@example.nl")
        second = mailer.send(MESSAGE, "a@x.example", "jan@example.nl")

    assert first == Reply(mail.TEMPORARY, "451 4.3.0 Try again later", handed_over=True)
    assert second.status == mail.SENT
    assert handler.count("jan@example.nl") == 1
    assert handler.connections == 1


def test_permanent_refusal_of_one_recipient_leaves_the_connection_usable(
    controller: Controller, handler: Handler
) -> None:
    handler.permanent.add("gone@example.nl")
    with Mailer(plain(controller)) as mailer:
        refused = mailer.send(MESSAGE, "a@x.example", "gone@example.nl")
        accepted = mailer.send(MESSAGE, "a@x.example", "jan@example.nl")

    assert refused == Reply(
        mail.PERMANENT, "550 5.1.1 <gone@example.nl>: Recipient address rejected: User unknown"
    )
    assert accepted.status == mail.SENT
    assert [m.recipients for m in handler.messages] == [["jan@example.nl"]]
    assert handler.connections == 1


def test_connection_cut_before_the_message_was_kept(
    controller: Controller, handler: Handler
) -> None:
    handler.drop_before.add(2)
    with Mailer(plain(controller)) as mailer:
        replies = [mailer.send(MESSAGE, "a@x.example", f"r{n}@example.nl") for n in range(3)]

    assert [r.status for r in replies] == [mail.SENT, mail.TEMPORARY, mail.SENT]
    assert replies[1].text.startswith(
        "connection lost after the message was sent, before the server confirmed it "
        "(it may have been delivered): Connection unexpectedly closed"
    )
    assert replies[1].handed_over
    assert [m.recipients for m in handler.messages] == [["r0@example.nl"], ["r2@example.nl"]]
    assert mailer.connections == 2


def test_connection_cut_after_the_message_was_kept_is_the_window(
    controller: Controller, handler: Handler
) -> None:
    """Kept by the server, never confirmed: the client cannot know; it says so."""
    handler.drop_after.add(1)
    with Mailer(plain(controller)) as mailer:
        reply = mailer.send(MESSAGE, "a@x.example", "jan@example.nl")

    assert reply.status == mail.TEMPORARY
    assert reply.handed_over
    assert "(it may have been delivered)" in reply.text
    assert handler.count("jan@example.nl") == 1


def test_server_closing_an_idle_connection_is_reconnected_at_once(
    controller: Controller, handler: Handler
) -> None:
    handler.busy_mail.add(2)  # the second MAIL: "421 idle too long", and the server closes
    with Mailer(plain(controller)) as mailer:
        first = mailer.send(MESSAGE, "a@x.example", "r1@example.nl")
        second = mailer.send(MESSAGE, "a@x.example", "r2@example.nl")

    assert (first.status, second.status) == (mail.SENT, mail.SENT)
    assert mailer.connections == 2
    assert [m.recipients for m in handler.messages] == [["r1@example.nl"], ["r2@example.nl"]]


def test_connection_closed_by_the_server_between_messages(
    controller: Controller, handler: Handler
) -> None:
    with Mailer(plain(controller)) as mailer:
        assert mailer.send(MESSAGE, "a@x.example", "r1@example.nl").status == mail.SENT
        controller.loop.call_soon_threadsafe(handler.transports[0].close)
        deadline = time.monotonic() + 5
        while not handler.transports[0].is_closing() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        second = mailer.send(MESSAGE, "a@x.example", "r2@example.nl")

    assert second.status == mail.SENT
    assert mailer.connections == 2
    assert len(handler.messages) == 2


def test_timeout_waiting_for_the_reply(controller: Controller, handler: Handler) -> None:
    handler.delay = 1.0
    target = Server(host="127.0.0.1", port=controller.port, security="none", timeout=0.3)
    with Mailer(target) as mailer:
        reply = mailer.send(MESSAGE, "a@x.example", "jan@example.nl")

    assert reply.status == mail.TEMPORARY
    assert reply.handed_over
    assert reply.text == (
        "connection lost after the message was sent, before the server confirmed it "
        "(it may have been delivered): Connection unexpectedly closed: timed out"
    )


def test_cannot_connect() -> None:
    port = free_port()
    target = Server(host="127.0.0.1", port=port, security="none", timeout=2.0)
    with pytest.raises(MailError) as info:
        Mailer(target).connect()
    assert str(info.value) == f"cannot connect to 127.0.0.1:{port}: Connection refused"
    reply = Mailer(target).send(MESSAGE, "a@x.example", "jan@example.nl")
    assert reply == Reply(
        mail.TEMPORARY,
        f"cannot connect to 127.0.0.1:{port}: Connection refused",
        connected=False,
    )


def test_starttls_required_but_not_offered(controller: Controller) -> None:
    target = Server(host="127.0.0.1", port=controller.port, security="starttls", timeout=5.0)
    with pytest.raises(MailError) as info:
        Mailer(target).connect()
    assert str(info.value) == (
        f"127.0.0.1:{controller.port} does not offer STARTTLS "
        "(for implicit TLS, usually on port 465: security: tls)"
    )


# --- TLS ------------------------------------------------------------------------------------


def test_starttls_verifies_the_certificate(handler: Handler, tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with smtp_server(handler, tls_context=server_context(cert, key)) as running:
        target = Server("127.0.0.1", running.port, "starttls", timeout=5.0)
        with pytest.raises(MailError) as info:
            Mailer(target).connect()
        assert str(info.value) == (
            f"cannot verify the TLS certificate of 127.0.0.1:{running.port}: "
            "self-signed certificate (trust its CA with smtp.ca_file; for a local test relay "
            "only: --insecure-no-verify)"
        )
        assert handler.messages == []

        for trusted in (
            Server("127.0.0.1", running.port, "starttls", ca_file=cert, timeout=5.0),
            Server("127.0.0.1", running.port, "starttls", verify=False, timeout=5.0),
        ):
            with Mailer(trusted) as mailer:
                reply = mailer.send(MESSAGE, "a@x.example", "jan@example.nl")
            assert reply.status == mail.SENT
    assert handler.count("jan@example.nl") == 2


def test_implicit_tls_verifies_the_certificate(
    handler: Handler, tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    with smtp_server(handler, ssl_context=server_context(cert, key)) as running:
        target = Server("127.0.0.1", running.port, "tls", timeout=5.0)
        with pytest.raises(MailError) as info:
            Mailer(target).connect()
        assert str(info.value).startswith(
            f"cannot verify the TLS certificate of 127.0.0.1:{running.port}: self-signed"
        )
        insecure = Server("127.0.0.1", running.port, "tls", verify=False, timeout=5.0)
        with Mailer(insecure) as mailer:
            assert mailer.send(MESSAGE, "a@x.example", "jan@example.nl").status == mail.SENT
    assert handler.count("jan@example.nl") == 1


def test_login_over_starttls(handler: Handler, tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    context = server_context(cert, key)
    with smtp_server(
        handler,
        tls_context=context,
        authenticator=authenticator,
        auth_required=True,
    ) as running:
        target = Server(
            "127.0.0.1", running.port, "starttls", username="incasso", ca_file=cert, timeout=5.0
        )
        with Mailer(target, "s3cret-pw") as mailer:
            assert mailer.send(MESSAGE, "a@x.example", "jan@example.nl").status == mail.SENT
        with pytest.raises(MailError) as info:
            Mailer(target, "wrong").connect()
        assert str(info.value) == (
            f"127.0.0.1:{running.port} refused the login as incasso: "
            "535 5.7.8 Authentication credentials invalid"
        )
        assert "wrong" not in str(info.value)
    assert handler.count("jan@example.nl") == 1


def test_missing_ca_file(tmp_path: Path) -> None:
    target = Server("h", 587, "starttls", ca_file=tmp_path / "ca.pem")
    with pytest.raises(MailError) as info:
        mail.tls_context(target)
    assert (
        str(info.value)
        == f"{tmp_path / 'ca.pem'}: smtp.ca_file: cannot load: No such file or directory"
    )


# --- rate limit -----------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_rate_limit_spaces_messages_evenly() -> None:
    fake = FakeTime()
    limiter = RateLimiter(30, clock=fake.clock, sleep=fake.sleep)  # one per 2 seconds

    waits = [limiter.wait() for _ in range(4)]

    assert waits == [0.0, 2.0, 2.0, 2.0]
    assert fake.slept == [2.0, 2.0, 2.0]


def test_rate_limit_counts_time_spent_sending() -> None:
    fake = FakeTime()
    limiter = RateLimiter(60, clock=fake.clock, sleep=fake.sleep)  # one a second
    limiter.wait()
    fake.now += 0.75  # the message took 0.75 s
    assert limiter.wait() == 0.25
    fake.now += 5  # a slow retry: no catching up with a burst afterwards
    assert limiter.wait() == 0.0
    assert limiter.wait() == 1.0


def test_no_rate_limit() -> None:
    fake = FakeTime()
    limiter = RateLimiter(0, clock=fake.clock, sleep=fake.sleep)
    assert [limiter.wait() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert fake.slept == []


# --- smtp:, journal: and do_not_send: in brief.yaml ---------------------------------------


def settings_of(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from brief.project import load_settings

    (tmp_path / "brief.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return load_settings()


def test_smtp_settings_from_brief_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_of(
        tmp_path,
        "journal: state/send.sqlite\n"
        "do_not_send: lists/dns.txt\n"
        "smtp:\n"
        "  host: smtp.dijkzicht.example\n"
        "  port: 465\n"
        "  security: TLS\n"
        "  username: incasso@dijkzicht.example\n"
        "  password_env: DIJKZICHT_SMTP_PASSWORD\n"
        "  tls_verify: true\n"
        "  ca_file: certs/ca.pem\n"
        "  timeout: 10\n"
        "  rate: 12.5\n"
        "  retries: 0\n"
        "  backoff: 0\n"
        "  envelope: organisation\n"
        "  organisation_address: incasso@dijkzicht.example\n",
        monkeypatch,
    )
    assert settings.journal == Path("state/send.sqlite")
    assert settings.journal_path == Path("state/send.sqlite")
    assert settings.do_not_send == Path("lists/dns.txt")
    assert settings.smtp == SmtpSettings(
        host="smtp.dijkzicht.example",
        port=465,
        security="tls",
        username="incasso@dijkzicht.example",
        password_env="DIJKZICHT_SMTP_PASSWORD",
        tls_verify=True,
        ca_file=Path("certs/ca.pem"),
        timeout=10.0,
        rate=12.5,
        retries=0,
        backoff=0.0,
        envelope="organisation",
        organisation_address="incasso@dijkzicht.example",
    )


def test_smtp_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_of(tmp_path, "smtp:\n  host: localhost\n", monkeypatch)
    assert settings.smtp == SmtpSettings(host="localhost")
    assert (settings.smtp.security, settings.smtp.rate, settings.smtp.retries) == (
        "starttls",
        30.0,
        3,
    )
    assert settings.journal is None
    assert settings.journal_path == Path("brief.sqlite")  # beside brief.yaml
    assert settings.do_not_send is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "smtp:\n  host: h\n  user: x\n",
            "3: field 'user': unknown field (known: backoff, ca_file, envelope, host, "
            "organisation_address, password_env, port, rate, retries, security, timeout, "
            "tls_verify, username)",
        ),
        ("smtp: smtp.example.nl\n", "1: field 'smtp' must be a mapping"),
        ("smtp:\n  port: '587'\n", "2: field 'port': must be a whole number, not '587'"),
        ("smtp:\n  port: 0\n", "2: field 'port': must be between 1 and 65535, not 0"),
        ("smtp:\n  rate: -1\n", "2: field 'rate': must be at least 0, not -1"),
        ("smtp:\n  retries: 1.5\n", "2: field 'retries': must be a whole number, not 1.5"),
        ("smtp:\n  timeout: fast\n", "2: field 'timeout': must be a number, not 'fast'"),
        (
            "smtp:\n  security: ssl\n",
            "2: field 'security': 'ssl' is not one of none, starttls, tls",
        ),
        (
            "smtp:\n  tls_verify: no-thanks\n",
            "2: field 'tls_verify': must be true or false, not 'no-thanks'",
        ),
        (
            "smtp:\n  envelope: organisation\n",
            "2: field 'envelope': 'organisation' needs organisation_address "
            "(the address to send from)",
        ),
        (
            "smtp:\n  organisation_address: incasso\n",
            "2: field 'organisation_address': 'incasso' is not an e-mail address",
        ),
    ],
)
def test_bad_smtp_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    with pytest.raises(BriefError) as info:
        settings_of(tmp_path, text, monkeypatch)
    assert str(info.value) == f"{tmp_path / 'brief.yaml'}:{message}"


def test_implicit_tls_to_a_plain_port(controller: Controller) -> None:
    target = Server("127.0.0.1", controller.port, "tls", timeout=5.0)
    with pytest.raises(MailError) as info:
        Mailer(target).connect()
    assert str(info.value) == (
        f"TLS with 127.0.0.1:{controller.port} failed: WRONG_VERSION_NUMBER (does this port "
        "speak implicit TLS? STARTTLS, usually on 587: starttls)"
    )


def test_login_where_the_server_offers_none(controller: Controller) -> None:
    target = Server("127.0.0.1", controller.port, "none", username="incasso", timeout=5.0)
    with pytest.raises(MailError) as info:
        Mailer(target, "pw").connect()
    assert str(info.value) == (
        f"127.0.0.1:{controller.port} does not offer a login (AUTH); remove smtp.username if "
        "it needs none"
    )


def test_server_refuses_at_the_greeting() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)
    port = listener.getsockname()[1]

    def greet() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"554 5.3.2 Not accepting mail from you\r\n")
                connection.recv(100)

    thread = threading.Thread(target=greet, daemon=True)
    thread.start()
    try:
        with pytest.raises(MailError) as info:
            Mailer(Server("127.0.0.1", port, "none", timeout=5.0)).connect()
    finally:
        thread.join(timeout=5)
        listener.close()
    assert str(info.value) == (
        f"127.0.0.1:{port} refused the connection: 554 5.3.2 Not accepting mail from you"
    )
