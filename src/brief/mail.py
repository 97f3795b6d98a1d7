"""SMTP: the one module that talks to a mail server (and the only one importing smtplib).

:func:`server` combines brief.yaml's ``smtp:`` settings with the
environment (``BRIEF_SMTP_HOST``, ``BRIEF_SMTP_PORT``,
``BRIEF_SMTP_SECURITY``, ``BRIEF_SMTP_USERNAME``); :func:`password` reads
the password from the environment variable the settings name, or asks for
it; it is never read from a file or a command-line option, and never
printed. :class:`Mailer` keeps one connection for a whole batch:
STARTTLS or implicit TLS with the certificate verified (unless explicitly
turned off), a new connection when the server dropped the old one, and a
:class:`Reply` per message that says whether it was sent, failed for now
(4xx, timeout, lost connection) or failed for good (5xx).

One transaction is written out step by step (MAIL, RCPT, DATA, the
message, the final reply) instead of :meth:`smtplib.SMTP.sendmail`, so
that a lost connection tells *where* it was lost: before the message was
handed over (it was certainly not delivered), or after the whole message
was sent but before the server's reply arrived (it may have been
delivered: :attr:`Reply.handed_over`).
"""

from __future__ import annotations

import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import MailError
from .project import SECURITY, SmtpSettings

SENT = "sent"
TEMPORARY = "failed-temporary"
PERMANENT = "failed-permanent"
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
ENVIRONMENT = {
    "host": "BRIEF_SMTP_HOST",
    "port": "BRIEF_SMTP_PORT",
    "security": "BRIEF_SMTP_SECURITY",
    "username": "BRIEF_SMTP_USERNAME",
}
_SECURITY_NAMES = {"starttls": "STARTTLS", "tls": "TLS", "none": "no TLS"}
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class Server:
    """Where and how to connect, with the environment applied."""

    host: str
    port: int
    security: str
    username: str | None = None
    password_env: str = "BRIEF_SMTP_PASSWORD"
    verify: bool = True
    ca_file: Path | None = None
    timeout: float = 30.0

    def describe(self) -> str:
        """``smtp.example.nl:587 (STARTTLS)``"""
        return f"{self.host}:{self.port} ({_SECURITY_NAMES[self.security]})"


def server(settings: SmtpSettings, environ: Mapping[str, str], *, insecure: bool = False) -> Server:
    """The server to use: brief.yaml's ``smtp:``, each value overridable by BRIEF_SMTP_*.

    ``insecure`` (``--insecure-no-verify``) turns certificate verification off,
    as ``tls_verify: false`` does; :func:`warnings` says so loudly.
    """
    host = environ.get(ENVIRONMENT["host"]) or settings.host
    if not host:
        raise MailError(
            f"no SMTP server: set smtp.host in brief.yaml or the environment variable "
            f"{ENVIRONMENT['host']}"
        )
    security = environ.get(ENVIRONMENT["security"]) or settings.security
    if security not in SECURITY:
        raise MailError(
            f"environment variable {ENVIRONMENT['security']}: {security!r} is not one of "
            f"{', '.join(SECURITY)}"
        )
    port = settings.port or DEFAULT_PORTS[security]
    port_text = environ.get(ENVIRONMENT["port"])
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise MailError(
                f"environment variable {ENVIRONMENT['port']}: {port_text!r} is not a port number"
            )
        port = int(port_text)
    username = settings.username
    if ENVIRONMENT["username"] in environ:  # set but empty: no login
        username = environ[ENVIRONMENT["username"]] or None
    return Server(
        host=host,
        port=port,
        security=security,
        username=username,
        password_env=settings.password_env,
        verify=settings.tls_verify and not insecure,
        ca_file=settings.ca_file,
        timeout=settings.timeout,
    )


def warnings(target: Server) -> list[str]:
    """What is unsafe about ``target``, to be shown before anything is sent."""
    where = f"{target.host}:{target.port}"
    if target.security == "none":
        return [
            f"SMTP without TLS (security: none): messages go to {where} unencrypted; "
            "use this only for a local test relay"
        ]
    if not target.verify:
        return [
            f"TLS certificate verification is OFF: anyone between here and {where} can read "
            "and change these messages; use this only for a local test relay"
        ]
    return []


def password(
    target: Server, environ: Mapping[str, str], prompt: Callable[[str], str] | None
) -> str | None:
    """The SMTP password: from the environment variable ``password_env``, else ``prompt``.

    ``prompt`` is None when nobody can answer (no terminal). No login, no password.
    """
    if not target.username:
        return None
    if target.security == "none":
        raise MailError(
            "refusing to send the SMTP password without TLS (security: none); "
            "use security: starttls or tls"
        )
    value = environ.get(target.password_env)
    if value:
        return value
    if prompt is None:
        raise MailError(
            f"no SMTP password for {target.username}: set the environment variable "
            f"{target.password_env}, or run brief send on a terminal to be asked for it"
        )
    value = prompt(f"SMTP password for {target.username} at {target.host}")
    if not value:
        raise MailError("no SMTP password given")
    return value


def tls_context(target: Server) -> ssl.SSLContext:
    """The system's trusted certificates (plus ``ca_file``), hostname checked; or nothing checked."""
    context = ssl.create_default_context()
    if target.ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(target.ca_file))
        except (OSError, ssl.SSLError) as err:
            reason = getattr(err, "strerror", None) or getattr(err, "reason", None) or err
            raise MailError(f"smtp.ca_file: cannot load: {reason}", path=target.ca_file) from None
    if not target.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def classify(code: int) -> str:
    """2xx sent, 5xx failed for good, anything else (4xx, nonsense) failed for now."""
    if 200 <= code < 300:
        return SENT
    if 500 <= code < 600:
        return PERMANENT
    return TEMPORARY


@dataclass(frozen=True)
class Reply:
    """What became of one message."""

    status: str  # SENT, TEMPORARY or PERMANENT
    text: str  # the server's reply ("250 2.0.0 Ok: queued as 4F2"), or what went wrong
    handed_over: bool = False  # the whole message reached the server (even if unconfirmed)
    connected: bool = True  # False: no connection could be made at all


def _reply(code: int, message: bytes | str) -> Reply:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    text = " ".join(text.split())
    return Reply(classify(code), f"{code} {text}".strip())


class _Dropped(Exception):
    def __init__(self, stage: str, error: Exception):
        self.stage = stage
        self.error = error


class Mailer:
    """One SMTP connection, reused for a batch and made again when the server drops it."""

    def __init__(self, target: Server, password: str | None = None):
        self.server = target
        self._password = password
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0  # how many times a connection was made

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Connect, secure and log in; a :class:`MailError` says what went wrong."""
        self.close()
        target = self.server
        where = f"{target.host}:{target.port}"
        try:
            smtp = self._open()
        except MailError:
            raise
        except ssl.SSLCertVerificationError as err:
            raise MailError(
                f"cannot verify the TLS certificate of {where}: {err.verify_message} "
                "(trust its CA with smtp.ca_file; for a local test relay only: "
                "--insecure-no-verify)"
            ) from None
        except ssl.SSLError as err:
            hint = ""
            if target.security == "tls":
                hint = " (does this port speak implicit TLS? STARTTLS, usually on 587: starttls)"
            raise MailError(f"TLS with {where} failed: {err.reason or err}{hint}") from None
        except smtplib.SMTPAuthenticationError as err:
            raise MailError(
                f"{where} refused the login as {target.username}: "
                f"{_reply(err.smtp_code, err.smtp_error).text}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(
                f"{where} does not offer a login (AUTH); remove smtp.username if it needs none"
            ) from None
        except smtplib.SMTPResponseException as err:
            raise MailError(
                f"{where} refused the connection: {_reply(err.smtp_code, err.smtp_error).text}"
            ) from None
        except (OSError, smtplib.SMTPException) as err:
            reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
            raise MailError(f"cannot connect to {where}: {reason}") from None
        self._smtp = smtp
        self.connections += 1

    def _open(self) -> smtplib.SMTP:
        target = self.server
        if target.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                target.host, target.port, timeout=target.timeout, context=tls_context(target)
            )
        else:
            smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
        try:
            smtp.ehlo()
            if target.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"{target.host}:{target.port} does not offer STARTTLS "
                        "(for implicit TLS, usually on port 465: security: tls)"
                    )
                smtp.starttls(context=tls_context(target))
                smtp.ehlo()
            if target.username:
                smtp.login(target.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Say QUIT if the connection is still there, and forget it."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def send(self, message: bytes, sender: str, recipient: str) -> Reply:
        """Hand ``message`` to the server for ``recipient``; never raises for this message.

        A reused connection that the server closed while it sat idle (the
        drop, or a 421, shows at MAIL, before anything was handed over) is
        made again at once and the message goes over the new one. Any other
        failure is the message's :class:`Reply`; the next call connects anew
        if it must.
        """
        reused = self._smtp is not None
        reply, idle_drop = self._attempt(message, sender, recipient)
        if reused and idle_drop:
            reply, _ = self._attempt(message, sender, recipient)
        return reply

    def _attempt(self, message: bytes, sender: str, recipient: str) -> tuple[Reply, bool]:
        if self._smtp is None:
            try:
                self.connect()
            except MailError as err:
                return Reply(TEMPORARY, str(err), connected=False), False
        try:
            reply, stage = self._transaction(message, sender, recipient)
        except _Dropped as dropped:
            self._drop()
            reason = str(dropped.error) or type(dropped.error).__name__
            if dropped.stage == "reply":
                text = (
                    "connection lost after the message was sent, before the server confirmed "
                    f"it (it may have been delivered): {reason}"
                )
                return Reply(TEMPORARY, text, handed_over=True), False
            text = f"connection lost before the message was sent: {reason}"
            return Reply(TEMPORARY, text), dropped.stage == "mail"
        closing = reply.text.startswith("421")  # the server is closing this connection
        if closing:
            self._drop()
        return reply, closing and stage == "mail"

    def _transaction(self, message: bytes, sender: str, recipient: str) -> tuple[Reply, str]:
        """MAIL, RCPT, DATA, the message, the reply; and the stage it ended at."""
        smtp = self._smtp
        assert smtp is not None
        stage = "mail"
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                return self._reset(_reply(code, text)), stage
            stage = "rcpt"
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._reset(_reply(code, text)), stage
            stage = "data"
            code, text = smtp.docmd("DATA")
            if code != 354:
                return self._reset(_reply(code, text)), stage
            smtp.send(_dot_stuffed(message))
            stage = "reply"  # from here on the server may have the whole message
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPException) as err:
            raise _Dropped(stage, err) from None
        reply = _reply(code, text)
        return Reply(reply.status, reply.text, handed_over=True), stage

    def _reset(self, reply: Reply) -> Reply:
        """After a refused MAIL, RCPT or DATA: RSET, so the next message starts clean."""
        if not reply.text.startswith("421"):
            try:
                self._smtp.rset()  # type: ignore[union-attr]
            except (OSError, smtplib.SMTPException):
                self._drop()
        return reply


def _dot_stuffed(message: bytes) -> bytes:
    """The DATA payload: leading dots doubled, CRLF at the end, then ``.``."""
    data = _LEADING_DOT.sub(b"..", message)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class RateLimiter:
    """At most ``per_minute`` messages a minute, evenly spaced; ``0`` is no limit.

    ``clock`` and ``sleep`` are :func:`time.monotonic` and :func:`time.sleep`
    unless a test passes its own.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None

    def wait(self) -> float:
        """Wait until the next message may go; returns the seconds waited."""
        if not self.interval:
            return 0.0
        now = self.clock()
        waited = 0.0
        if self._next is not None and self._next > now:
            waited = self._next - now
            self.sleep(waited)
            now = self._next
        self._next = now + self.interval
        return waited
