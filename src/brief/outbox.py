"""Finished letters on disk: safe file names, e-mail messages, atomic batches.

A batch for a new output folder is written into a hidden staging folder
beside it, which is renamed to the output folder when the run completes; a
batch for an existing folder is staged inside it and moved into place one
``os.replace`` per file, the manifest last. A batch for one stream (all
letters in one file) goes to a hidden temporary file that is renamed when
the run completes. An interrupted or refused run therefore leaves no
half-written letter and no letter of a batch that was not accepted. Standard
output is the exception: what was printed cannot be taken back.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import random
import re
import shutil
import string
import sys
import tempfile
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from .errors import BriefError
from .render import Letter

if TYPE_CHECKING:
    from .records import Record

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
STAGING_PREFIX = ".brief-staging-"
EMAIL = re.compile(
    r"^[^@\s<>\"(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)


def safe_stem(text: str) -> str:
    """A file name part that cannot leave its folder or clash with another id.

    Letters, digits, ``-`` and ``_`` are kept; anything else becomes ``_``
    and a short hash of the original is added, so ``../../x`` becomes
    ``x-1f2e3d4c`` and ``a/b`` and ``a_b`` stay different files.
    """
    stem = _UNSAFE.sub("_", text).strip("_-")[:80]
    if stem == text and stem.upper() not in _RESERVED:
        return stem
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}" if stem else digest


def letter_filename(letter: Letter) -> str:
    suffix = "eml" if letter.channel == "email" else "txt"
    return f"{safe_stem(letter.record.id)}-{safe_stem(letter.template.name)}.{suffix}"


def recipient(record: Record) -> str:
    """The customer's e-mail address, checked: a :class:`RecordError` when missing or bad."""
    address = str(record.get("email") or "")
    if not address:
        raise record.error("required for an e-mail template", "email")
    if not EMAIL.match(address):
        raise record.error(f"{address!r} is not an e-mail address", "email")
    return address


def build_email(letter: Letter) -> EmailMessage:
    """A standards-correct message: From and Reply-To are the signer.

    Headers are built with :mod:`email.headerregistry`, which encodes
    non-ASCII names (RFC 2047) and refuses line breaks, so record data
    cannot add headers.
    """
    to = recipient(letter.record)
    signer = letter.signer
    msg = EmailMessage(policy=SMTP)
    try:
        sender = Address(display_name=signer.name, addr_spec=signer.email)
        msg["From"] = sender
        msg["To"] = Address(display_name=str(letter.record.get("name")), addr_spec=to)
        msg["Reply-To"] = sender
        msg["Subject"] = letter.subject
    except (ValueError, TypeError) as err:
        raise letter.record.error(f"cannot build the e-mail headers: {err}") from None
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=signer.email.rpartition("@")[2])
    msg.set_content(letter.text, cte="quoted-printable")
    if letter.html is not None:
        msg.add_alternative(letter.html, subtype="html", cte="quoted-printable")
    return msg


def letter_bytes(letter: Letter) -> bytes:
    """The file a letter becomes: an e-mail message (CRLF line ends) or UTF-8 text."""
    if letter.channel == "email":
        return email_bytes(letter)
    return letter.text.encode("utf-8")


def email_bytes(letter: Letter) -> bytes:
    """``build_email(letter).as_bytes()``, written directly.

    The standard library's message objects parse and refold every header and
    take about 2 ms a message, more than rendering it. Letters have one shape
    (a text part, perhaps an HTML alternative) and short headers, so this
    writes the same message, header by header, in a few dozen microseconds.
    A header it cannot write plainly (a line break or other control
    character, an encoded-word lookalike ``=?``, a word too long to fold)
    goes to :func:`build_email`, which encodes it or refuses it as before.
    Tests compare the two on every demo record and on awkward names.
    """
    to = recipient(letter.record)
    signer = letter.signer
    sender = _address(signer.name, signer.email)
    customer = _address(str(letter.record.get("name")), to)
    subject = _unstructured(letter.subject)
    if sender is None or customer is None or subject is None:
        return build_email(letter).as_bytes()
    lines = [
        _fold("From", sender),
        _fold("To", customer),
        _fold("Reply-To", sender),
        _fold("Subject", subject),
        f"Date: {_now()}",
        f"Message-ID: {make_msgid(domain=signer.email.rpartition('@')[2])}",
    ]
    if None in lines:
        return build_email(letter).as_bytes()
    head = "\r\n".join(lines).encode("ascii")  # type: ignore[arg-type]
    body = _crlf(binascii.b2a_qp(_lines(letter.text), istext=True))
    if letter.html is None:
        return b"".join((head, b"\r\n", _TEXT_PART, b"MIME-Version: 1.0\r\n\r\n", body))
    plain = _TEXT_PART + b"\r\n" + body
    html = _html_part(letter.html)
    boundary = _boundary(plain, html)
    return b"".join(
        (
            head,
            b'\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="',
            boundary,
            b'"\r\n\r\n--',
            boundary,
            b"\r\n",
            plain,
            b"\r\n--",
            boundary,
            b"\r\n",
            html,
            b"\r\n--",
            boundary,
            b"--\r\n",
        )
    )


_TEXT_PART = (
    b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
)
_HTML_PART = (
    b'Content-Type: text/html; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)
_MAX_LINE = 78  # what email.policy.SMTP folds at
# RFC 5322 atext: characters a display name may hold without quotes.
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_PLAIN = re.compile(r"[\x20-\x7e]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# RFC 2047 "Q" for a word in a phrase: letters, digits and !*+-/ stay, a space is "_".
_Q_SAFE = frozenset(string.ascii_letters + string.digits + "!*+-/")
_Q = [chr(b) if chr(b) in _Q_SAFE else f"={b:02X}" for b in range(256)]
_Q[32] = "_"
_Q_OVERHEAD = len("=?utf-8?q??=")
_ENCODED_WORD = 75


def _address(name: str, address: str) -> str | None:
    """``Name <address>`` as one header value, or None to leave it to the email package."""
    if not EMAIL.match(address) or not name or name != name.strip() or "  " in name:
        return None
    if "=?" in name or _CONTROL.search(name):
        return None
    if _ATOMS.fullmatch(name):
        return f"{name} <{address}>"
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    return " ".join([*_encode_words(name), f"<{address}>"])


def _unstructured(text: str) -> str | None:
    """A subject as header text, non-ASCII words RFC 2047-encoded; None to leave it."""
    if _PLAIN.fullmatch(text):
        return None if "=?" in text or "  " in text or text != text.strip() else text
    if "=?" in text or _CONTROL.search(text) or text != text.strip():
        return None
    words = text.split(" ")
    wide = [i for i, word in enumerate(words) if not word.isascii()]
    first, last = wide[0], wide[-1]
    encoded = _encode_words(" ".join(words[first : last + 1]))
    return " ".join([*words[:first], *encoded, *words[last + 1 :]])


def _encode_words(text: str) -> list[str]:
    """``text`` as RFC 2047 encoded words of at most 75 characters, split between characters.

    Q or B as the email package chooses: Q unless it is 5 or more characters longer.
    """
    data = text.encode("utf-8")
    q_length = sum(len(_Q[b]) for b in data)
    b_length = (len(data) + 2) // 3 * 4
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    if q_length - b_length < 5:
        for char in text:
            piece = "".join(_Q[b] for b in char.encode("utf-8"))
            if size + len(piece) > _ENCODED_WORD - _Q_OVERHEAD and chunk:
                words.append(f"=?utf-8?q?{''.join(chunk)}?=")
                chunk, size = [], 0
            chunk.append(piece)
            size += len(piece)
        words.append(f"=?utf-8?q?{''.join(chunk)}?=")
        return words
    limit = (_ENCODED_WORD - _Q_OVERHEAD) // 4 * 3  # bytes whose base64 fits one word
    for char in text:
        encoded = char.encode("utf-8")
        if size + len(encoded) > limit and chunk:
            words.append(f"=?utf-8?b?{base64.b64encode(''.join(chunk).encode()).decode()}?=")
            chunk, size = [], 0
        chunk.append(char)
        size += len(encoded)
    words.append(f"=?utf-8?b?{base64.b64encode(''.join(chunk).encode()).decode()}?=")
    return words


def _fold(name: str, value: str) -> str | None:
    """``Name: value``, folded at spaces to lines of at most 78 characters (None if it cannot)."""
    line = f"{name}: {value}" if value else f"{name}:"
    if len(line) <= _MAX_LINE:
        return line
    lines: list[str] = []
    current = f"{name}:"
    for word in value.split(" "):
        if len(current) + 1 + len(word) > _MAX_LINE and current != f"{name}:":
            lines.append(current)
            current = ""
        current += " " + word
        if len(current) > _MAX_LINE:
            return None
    lines.append(current)
    return "\r\n".join(lines)


_clock: tuple[int, str, str] = (0, "", "")


def _now(*, mbox: bool = False) -> str:
    """The time as a Date header (or an mbox ``From`` line) has it, formatted once a second."""
    global _clock
    second = int(time.time())
    if _clock[0] != second:
        _clock = (second, formatdate(second, localtime=True), time.asctime(time.gmtime(second)))
    return _clock[2] if mbox else _clock[1]


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def _html_part(html: str) -> bytes:
    """The HTML alternative, quoted-printable as :func:`build_email` makes it: 7-bit clean,
    so no server needs 8BITMIME."""
    return _HTML_PART + _crlf(binascii.b2a_qp(_lines(html), istext=True))


def _lines(text: str) -> bytes:
    """`text` in UTF-8 with ``\n`` line ends and a final one, as the encoder wants it."""
    data = text.encode("utf-8")
    if b"\r" in data:
        return b"\n".join(data.splitlines()) + b"\n"
    return data if data.endswith(b"\n") else data + b"\n"


def _boundary(*parts: bytes) -> bytes:
    """A multipart boundary that occurs in no part (as the email package makes them)."""
    while True:
        boundary = b"=" * 15 + b"%019d" % random.randrange(sys.maxsize) + b"=="
        if not any(b"--" + boundary in part for part in parts):
            return boundary


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` so that it is either the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            _usual_mode(tmp, 0o666)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as err:
        raise BriefError(f"cannot write: {err.strerror}", path=path) from None


def _usual_mode(path: str | Path, mode: int) -> None:
    """Give a temporary file or folder (private by default) the mode a new one gets."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


class Staging:
    """Where a batch's letters wait until :meth:`commit` makes them the batch.

    For a new output folder that is a hidden folder beside it, renamed to
    ``out`` on commit: one step, and ``out`` never exists half-filled. For
    an existing folder it is a hidden folder inside it, whose files are
    moved into ``out`` on commit, ``last`` (the manifest) last.
    """

    def __init__(self, out: Path):
        self.out = out
        self.created = not out.exists()
        try:
            if self.created:
                out.parent.mkdir(parents=True, exist_ok=True)
                folder = tempfile.mkdtemp(prefix=f".{out.name}{STAGING_PREFIX}", dir=out.parent)
            else:
                folder = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out)
        except OSError as err:
            raise BriefError(f"cannot create the output folder: {err.strerror}", path=out) from None
        self.folder = Path(folder)

    def write(self, name: str, data: bytes) -> None:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"unsafe file name {name!r}")  # safe_stem rules this out
        with open(self.folder / name, "wb") as handle:
            handle.write(data)

    def commit(self, last: str | None = None) -> None:
        """Move every staged file into ``out``; ``last`` (the manifest) goes last."""
        if self.created:
            try:
                _usual_mode(self.folder, 0o777)
                os.rename(self.folder, self.out)
                return
            except OSError:  # someone made ``out`` meanwhile: move the files instead
                self.out.mkdir(parents=True, exist_ok=True)
        while True:  # in rounds, so that a million names are never in memory at once
            with os.scandir(self.folder) as entries:
                names = [e.name for _, e in zip(range(4096), entries, strict=False)]
            names = [n for n in names if n != last]
            if not names:
                break
            for name in names:
                os.replace(self.folder / name, self.out / name)
        if last:
            os.replace(self.folder / last, self.out / last)
        self.folder.rmdir()

    def abort(self) -> None:
        """Remove what this batch staged (and, for an existing folder, nothing else)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder.exists():
            self.abort()


class AtomicFile:
    """A file that appears at ``path`` whole, on :meth:`commit`, or not at all.

    It is written as a hidden temporary file beside ``path`` and renamed.
    """

    def __init__(self, path: Path, *, text: bool = False):
        self.path = path
        if path.is_dir():
            raise BriefError("is a folder; give a file name", path=path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        except OSError as err:
            raise BriefError(f"cannot create the file: {err.strerror}", path=path) from None
        self.tmp: Path | None = Path(tmp)
        if text:
            self.handle: IO[Any] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        else:
            self.handle = os.fdopen(fd, "wb", buffering=1 << 16)

    def commit(self) -> None:
        if self.tmp is None:
            return
        try:
            self.handle.close()
            _usual_mode(self.tmp, 0o666)
            os.replace(self.tmp, self.path)
        except OSError as err:
            raise BriefError(f"cannot write: {err.strerror}", path=self.path) from None
        self.tmp = None

    def abort(self) -> None:
        if self.tmp is None:
            return
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()
        self.tmp = None


class Stream:
    """All letters of a batch in one file (an :class:`AtomicFile`), or on standard output
    (``target`` None), where what was written cannot be taken back.

    E-mails are written as an mbox (mboxrd: each message after a ``From``
    line, LF line ends, a ``>`` added to body lines that start with
    ``>``\\*``From ``, a blank line after each); letters as their text with a
    form feed (``\\f``) between two letters. One stream holds one kind.
    """

    def __init__(self, target: Path | None, *, stdout: BinaryIO | None = None):
        self.target = target
        self.channel: str | None = None
        self.count = 0
        self.offset = 0
        self.file = AtomicFile(target) if target is not None else None
        self.handle: IO[bytes] = self.file.handle if self.file else stdout or sys.stdout.buffer

    def write(self, channel: str, data: bytes, sender: str) -> tuple[int, int, int]:
        """Add one letter; returns its (index, offset, length) in the stream."""
        if self.channel is None:
            self.channel = channel
        if channel == "email":
            data = _mbox_entry(data, sender)
        elif self.count:
            self.handle.write(b"\f")
            self.offset += 1
        self.handle.write(data)
        self.count += 1
        start, self.offset = self.offset, self.offset + len(data)
        return self.count, start, len(data)

    def flush(self) -> None:
        self.handle.flush()

    def commit(self) -> None:
        if self.file is not None:
            self.file.commit()
        else:
            self.handle.flush()

    def abort(self) -> None:
        if self.file is not None:
            self.file.abort()
        else:
            with contextlib.suppress(OSError, ValueError):
                self.handle.flush()


_FROM_LINE = re.compile(rb"^(>*From )", re.M)


def _mbox_entry(message: bytes, sender: str) -> bytes:
    body = message.replace(b"\r\n", b"\n")
    if b"From " in body:
        body = _FROM_LINE.sub(rb">\1", body)
    stamp = _now(mbox=True).encode("ascii")
    return b"From " + sender.encode("ascii", "replace") + b" " + stamp + b"\n" + body + b"\n"
