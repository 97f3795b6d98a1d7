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
import json
import os
import re
import shutil
import sys
import tempfile
import time
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from . import mime
from .errors import BriefError
from .render import Letter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .pdf import LetterPages
    from .printrun import Placed, PrintRun

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


def letter_bytes(letter: Letter, *, crlf: bool = True) -> bytes:
    """The file a letter becomes: an e-mail message (CRLF line ends; LF without ``crlf``,
    for an mbox) or UTF-8 text."""
    if letter.channel == "email":
        domain = letter.signer.email.rpartition("@")[2]
        message_id = make_msgid(domain=domain)
        return mime.message_bytes(letter, message_id=message_id, date=_now(), crlf=crlf)
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

    Always a hidden folder beside the output folder ``out``, named
    ``.OUT.brief-staging-PID-XXXX`` after the run's process id. On commit it
    becomes ``out`` in one step: renamed to a new ``out`` or onto an empty one;
    for an ``out`` that holds an earlier batch (its ``manifest.jsonl`` and exactly
    the letters that manifest lists) the two folders are exchanged in one step
    (Linux's ``renameat2``; elsewhere the old one is moved aside first) and the old
    batch is removed. A reader sees the old batch or the new one, never a mix. An
    ``out`` that holds anything else is refused before a letter is rendered
    (:func:`check_output_folder`), so no unrelated file is ever deleted.

    A run that is killed leaves its staging folder behind; the next run for the
    same ``out`` removes it, once the process that made it no longer exists
    (:func:`remove_leftovers`).
    """

    def __init__(self, out: Path, *, last: str = "manifest.jsonl"):
        self.out = out
        self.last = last
        self.replaces = check_output_folder(out, last)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.removed = remove_leftovers(out)
            folder = tempfile.mkdtemp(prefix=_marked(out, STAGING_PREFIX), dir=out.parent)
        except OSError as err:
            raise BriefError(f"cannot create the output folder: {err.strerror}", path=out) from None
        self.folder = Path(folder)

    def write(self, name: str, data: bytes) -> None:
        """Stage one letter under a name no other letter of the batch has.

        A name that is taken (which :func:`id_stem` rules out short of a hash
        clash) raises :class:`NameTaken`, never overwrites; a failed write
        (a full disk) is a :class:`BriefError` and leaves no partial file.
        """
        path = self._path(name)
        try:
            handle = open(path, "xb")  # noqa: SIM115 - closed below, errors told apart
        except FileExistsError:
            raise NameTaken(name) from None
        except OSError as err:
            raise self.write_error(err, name) from None
        try:
            with handle:
                handle.write(data)
        except OSError as err:
            with contextlib.suppress(OSError):
                path.unlink()
            raise self.write_error(err, name) from None

    def replace(self, name: str, data: bytes) -> None:
        """Stage one letter under ``name`` in place of the file staged there (by a letter
        that turned out to be a duplicate, see :mod:`brief.batch`), in one step."""
        path = self._path(name)
        part = self.folder / f".{name}.part"  # no letter's name starts with a dot
        try:
            part.write_bytes(data)
            os.replace(part, path)
        except OSError as err:
            with contextlib.suppress(OSError):
                part.unlink()
            raise self.write_error(err, name) from None

    def _path(self, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"unsafe file name {name!r}")  # safe_stem rules this out
        return self.folder / name

    def write_error(self, err: OSError, name: str) -> BriefError:
        return BriefError(
            f"cannot write {name}: {err.strerror}; nothing was written", path=self.out
        )

    def commit(self) -> None:
        """Make the staged letters the batch in ``out``, in one step."""
        try:
            _usual_mode(self.folder, 0o777)
            if self.replaces and _exchange(self.folder, self.out):
                shutil.rmtree(self.folder, ignore_errors=True)  # now the earlier batch
                return
            if self.replaces:
                aside = Path(
                    tempfile.mkdtemp(prefix=_marked(self.out, OLD_PREFIX), dir=self.out.parent)
                )
                os.replace(self.out, aside)
                os.rename(self.folder, self.out)
                shutil.rmtree(aside, ignore_errors=True)
                return
            os.rename(self.folder, self.out)  # onto a new or an empty folder
        except OSError as err:
            raise BriefError(
                f"cannot move the batch into place: {err.strerror}", path=self.out
            ) from None

    def abort(self) -> None:
        """Remove what this batch staged."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder.exists():
            self.abort()


OLD_PREFIX = ".brief-old-"
_LEFTOVER = re.compile(r"\.brief-(?:staging|old)-(\d+)-")


def _marked(out: Path, prefix: str) -> str:
    return f".{out.name}{prefix}{os.getpid()}-"


def check_output_folder(out: Path, manifest: str = "manifest.jsonl") -> bool:
    """Whether ``out`` holds an earlier batch that a new one replaces (False: it is
    new or empty); a :class:`BriefError` when it holds anything else."""
    if not out.exists():
        return False
    if not out.is_dir():
        raise BriefError("is not a folder; give a folder for the letters", path=out)
    try:
        with os.scandir(out) as entries:
            count = sum(1 for _ in entries)
        if count == 0:
            return False
        listed = _listed_letters(out / manifest)
    except OSError as err:
        raise BriefError(f"cannot read the output folder: {err.strerror}", path=out) from None
    if listed is not None and listed == count - 1:
        return True
    raise BriefError(
        f"holds files that are not an earlier batch of brief (its {manifest} and the "
        "letters it lists); brief replaces only such a batch: give a new or empty folder",
        path=out,
    )


def _listed_letters(manifest: Path) -> int | None:
    """How many letters ``manifest`` lists, all present beside it; None when it is not
    a brief manifest or a letter it lists is missing."""
    if not manifest.is_file():
        return None
    count = 0
    with manifest.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                return None
            if not isinstance(entry, dict) or "record" not in entry:
                return None
            name = entry.get("path")
            if name is None:
                continue
            if not isinstance(name, str) or "/" in name or name.startswith("."):
                return None
            if not (manifest.parent / name).is_file():
                return None
            count += 1
    return count


def remove_leftovers(out: Path) -> int:
    """Remove the staging (and set-aside) folders for ``out`` of runs whose process no
    longer exists; returns how many letters they held."""
    removed = 0
    prefix = f".{out.name}.brief-"
    try:
        entries = [e for e in os.scandir(out.parent) if e.name.startswith(prefix)]
    except OSError:
        return 0
    for entry in entries:
        found = _LEFTOVER.match(entry.name, len(out.name) + 1)
        if found is None or not entry.is_dir(follow_symlinks=False):
            continue
        if _alive(int(found.group(1))):
            continue
        with os.scandir(entry.path) as files:
            removed += sum(1 for f in files if f.name != "manifest.jsonl")
        shutil.rmtree(entry.path, ignore_errors=True)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier run that had this process id, now reused
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _exchange(new: Path, old: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where
    that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(old), exchange)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot
        return False
    raise OSError(errno, os.strerror(errno), str(old))


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
    form feed (``\\f``) between two letters; PDF letters as one PDF, each
    letter starting on an odd page (:class:`brief.printrun.PrintRun`). One
    stream holds one kind.
    """

    def __init__(self, target: Path | None, *, stdout: BinaryIO | None = None):
        self.target = target
        self.channel: str | None = None  # "email", "letter" or "pdf": what the stream holds
        self.count = 0
        self.offset = 0
        self.file = AtomicFile(target) if target is not None else None
        self.handle: IO[bytes] = self.file.handle if self.file else stdout or sys.stdout.buffer
        self.print_run: PrintRun | None = None

    def write_pdf(self, data: bytes) -> Placed:
        """Add one PDF letter to the print run; returns where it went."""
        from .printrun import PrintRun

        if self.print_run is None:
            self.channel = "pdf"
            name = self.target.name if self.target is not None else "standard output"
            self.print_run = PrintRun(self.handle, title=f"brief print run {name}")
        placed = self.print_run.add(data)
        self.count += 1
        return placed

    def write_pdf_chunk(self, data: bytes, letters: Sequence[LetterPages]) -> list[Placed]:
        """Add one PDF of several letters (each starting on an odd page of it, ``letters``
        saying where); returns where each letter went."""
        from .printrun import PrintRun

        if self.print_run is None:
            self.channel = "pdf"
            name = self.target.name if self.target is not None else "standard output"
            self.print_run = PrintRun(self.handle, title=f"brief print run {name}")
        placed = self.print_run.add_chunk(data, [(p.first, p.count) for p in letters])
        self.count += len(placed)
        return placed

    def write(self, channel: str, data: bytes) -> tuple[int, int, int]:
        """Add one letter (an e-mail as its :func:`mbox_entry`); returns its (index,
        offset, length) in the stream."""
        if self.channel is None:
            self.channel = channel
        if channel != "email" and self.count:
            self.handle.write(b"\f")
            self.offset += 1
        self.handle.write(data)
        self.count += 1
        start, self.offset = self.offset, self.offset + len(data)
        return self.count, start, len(data)

    def flush(self) -> None:
        self.handle.flush()

    def commit(self) -> None:
        if self.print_run is not None:
            self.print_run.finish()
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


def mbox_entry(body: bytes, sender: str) -> bytes:
    """An e-mail (:func:`letter_bytes` with LF line ends) as an entry of an mbox stream
    (see :class:`Stream`): made where the e-mail is rendered, so that with ``--jobs`` the
    workers do it."""
    if b"From " in body:
        body = _FROM_LINE.sub(rb">\1", body)
    stamp = _now(mbox=True).encode("ascii")
    return b"From " + sender.encode("ascii", "replace") + b" " + stamp + b"\n" + body + b"\n"
