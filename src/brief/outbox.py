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

import contextlib
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import IO, Any, BinaryIO

from . import mime
from .errors import BriefError
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


def safe_stem(text: str) -> str:
    """A file name part that cannot leave its folder or clash with another name.

    Letters, digits, ``-`` and ``_`` are kept; anything else becomes ``_``
    and a short hash of the original is added, so ``a/b`` and ``a_b`` stay
    different files.
    """
    stem = _UNSAFE.sub("_", text).strip("_-")[:80]
    if stem == text and stem.upper() not in _RESERVED:
        return stem
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}" if stem else digest


_PLAIN_ID = re.compile(r"[A-Z0-9_]{1,80}")
_NOT_ID = re.compile(r"[^A-Za-z0-9_]+")


def id_stem(record_id: str) -> str:
    """The record id as the first part of a file name, unique by construction.

    An id of capitals, digits and ``_`` (``K1001``) stays as it is. Any other id
    (with small letters, ``-``, other characters, a reserved device name, very long)
    becomes its safe characters, ``~`` and 16 hex digits of its SHA-256
    (``z9_14~3f2a...``). So the stem never holds ``-``, which therefore ends it in
    a file name; two plain stems differ also without regard to case; a hashed one
    holds ``~``, which a plain one never does; and two hashed ones differ in their
    hashes (64 bits: a clash is a rejection, never an overwrite).
    """
    if _PLAIN_ID.fullmatch(record_id) and record_id not in _RESERVED:
        return record_id
    digest = hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:16]
    return f"{_NOT_ID.sub('_', record_id).strip('_')[:60]}~{digest}"


def letter_filename(letter: Letter, suffix: str | None = None) -> str:
    """``ID-TEMPLATE.SUFFIX`` (suffix: ``eml`` for e-mails, ``txt`` for letters by
    default): unique within a batch, also without regard to case, because ids are."""
    if suffix is None:
        suffix = "eml" if letter.channel == "email" else "txt"
    return file_name(letter.record.id, letter.template.name, suffix)


def file_name(record_id: str, template: str, suffix: str) -> str:
    return f"{id_stem(record_id)}-{safe_stem(template)}.{suffix}"


def letter_bytes(letter: Letter) -> bytes:
    """The file a letter becomes: an e-mail message (CRLF line ends) or UTF-8 text."""
    if letter.channel == "email":
        domain = letter.signer.email.rpartition("@")[2]
        return mime.message_bytes(letter, message_id=make_msgid(domain=domain), date=_now())
    return letter.text.encode("utf-8")


_clock: tuple[int, str, str] = (0, "", "")


def _now(*, mbox: bool = False) -> str:
    """The time as a Date header (or an mbox ``From`` line) has it, formatted once a second."""
    global _clock
    second = int(time.time())
    if _clock[0] != second:
        _clock = (second, formatdate(second, localtime=True), time.asctime(time.gmtime(second)))
    return _clock[2] if mbox else _clock[1]


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


class NameTaken(Exception):
    """Another letter of the batch has this file name."""


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
        """Stage one letter under a name no other letter of the batch has.

        A name that is taken (which :func:`id_stem` rules out short of a hash
        clash) raises :class:`NameTaken`, never overwrites; a failed write
        (a full disk) is a :class:`BriefError` and leaves no partial file.
        """
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"unsafe file name {name!r}")  # safe_stem rules this out
        path = self.folder / name
        try:
            handle = open(path, "xb")  # noqa: SIM115 - closed below, errors told apart
        except FileExistsError:
            raise NameTaken(name) from None
        except OSError as err:
            raise BriefError(f"cannot write: {err.strerror}", path=path) from None
        try:
            with handle:
                handle.write(data)
        except OSError as err:
            with contextlib.suppress(OSError):
                path.unlink()
            raise BriefError(f"cannot write: {err.strerror}", path=path) from None

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
