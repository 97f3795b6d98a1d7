"""Finished letters on disk: safe file names, e-mail messages, atomic batches.

A batch is written into a hidden staging folder inside the output folder
and moved into place only when the run completes, one ``os.replace`` per
file, the manifest last. An interrupted or refused run therefore leaves no
half-written letter and no letter of a batch that was not accepted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from .errors import BriefError, RecordError
from .render import Letter

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


def build_email(letter: Letter) -> EmailMessage:
    """A standards-correct message: From and Reply-To are the signer.

    Headers are built with :mod:`email.headerregistry`, which encodes
    non-ASCII names (RFC 2047) and refuses line breaks, so record data
    cannot add headers.
    """
    record = letter.record
    recipient = str(record.get("email") or "")

    def fail(message: str, field: str | None = None) -> RecordError:
        return RecordError(
            message, path=record.path, line=record.line, record=record.id, field=field
        )

    if not recipient:
        raise fail("required for an e-mail template", "email")
    if not EMAIL.match(recipient):
        raise fail(f"{recipient!r} is not an e-mail address", "email")
    signer = letter.signer
    msg = EmailMessage(policy=SMTP)
    try:
        sender = Address(display_name=signer.name, addr_spec=signer.email)
        msg["From"] = sender
        msg["To"] = Address(display_name=str(record.get("name")), addr_spec=recipient)
        msg["Reply-To"] = sender
        msg["Subject"] = letter.subject
    except (ValueError, TypeError) as err:
        raise fail(f"cannot build the e-mail headers: {err}") from None
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=signer.email.rpartition("@")[2])
    msg.set_content(letter.text, cte="quoted-printable")
    if letter.html is not None:
        msg.add_alternative(letter.html, subtype="html")
    return msg


def letter_bytes(letter: Letter) -> bytes:
    if letter.channel == "email":
        return build_email(letter).as_bytes()
    return letter.text.encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` so that it is either the old file or the whole new one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as err:
        raise BriefError(f"cannot write: {err.strerror}", path=path) from None


class Staging:
    """A hidden folder in ``out`` that becomes the batch only on :meth:`commit`."""

    def __init__(self, out: Path):
        self.out = out
        self.created = not out.exists()
        try:
            out.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        except OSError as err:
            raise BriefError(f"cannot create the output folder: {err.strerror}", path=out) from None

    def write(self, name: str, data: bytes) -> None:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"unsafe file name {name!r}")  # safe_stem rules this out
        with open(self.folder / name, "wb") as handle:
            handle.write(data)

    def commit(self, last: str | None = None) -> None:
        """Move every staged file into ``out``; ``last`` (the manifest) goes last."""
        names = [n for n in os.listdir(self.folder) if n != last]
        for name in [*names, *([last] if last else [])]:
            os.replace(self.folder / name, self.out / name)
        self.folder.rmdir()

    def abort(self) -> None:
        """Remove what this batch staged, and the output folder if it made it."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.created:
            with contextlib.suppress(OSError):
                self.out.rmdir()  # only when empty

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder.exists():
            self.abort()
