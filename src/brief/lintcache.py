"""A persistent cache of ``brief lint`` results: an unchanged project lints in one file read.

A lint run that ends with exit 0 or 1 stores what it printed, the report file it
wrote (``--output``) and its exit code in the user's cache folder
(``$XDG_CACHE_HOME/brief/lint``, else ``~/.cache/brief/lint``), one file per
*key*: brief's version, a stamp of brief's own code and of the installed
packages, the options as parsed, the current folder and the ``BRIEF_*``
environment. With the result it stores what the run depended on, found by
watching the run itself (:func:`sys.addaudithook`) rather than by a list that
could fall behind the code:

- the content hash of every file the run read (templates, profiles, roster,
  ``brief.yaml``, sample records; not Python modules, brief's own files, the
  standard library or installed packages, which the stamp covers);
- the names in every folder it listed, and in the folder of every file it read,
  so a new template variant or HTML part next to an input counts as a change;
- whether each path ``brief.yaml`` names, and each ``brief.yaml`` candidate from
  the current folder up, is a file, a folder or absent.

The next ``brief lint`` with the same key (:func:`replay`, called by
:mod:`brief.entry` before the command line is even built) reads that one file,
checks all of this again and, when nothing differs, prints the stored output
byte for byte and exits with the stored code. Anything else (a changed or new
file, a damaged or half-written cache file, an option the quick parser does
not know) means the run happens as usual. A run that opened a database or
started a process is not stored. Cache files are written whole to a temporary
name and renamed, so concurrent runs never see half a file, and each starts
with a hash of the rest, so a damaged one is ignored. ``brief lint --no-cache``
neither reads nor writes the cache.
"""

from __future__ import annotations

import marshal
import os
import sys

try:  # hashlib would load OpenSSL first, which alone costs more than a cache hit
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

from . import __version__

# pathlib, typing and contextlib are not imported: they would double what a cache hit costs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

FORMAT = 1  # of the cache files; part of every key
KEEP = 64  # cache files kept; the oldest go when there are more
CONFIG_NAME = "brief.yaml"  # as brief.project.CONFIG_NAME (not imported: it pulls in yaml)
# Option values as the lint command declares them, and their defaults.
OPTIONS: dict[str, str | None] = {
    "format": "text",
    "output": None,
    "fail_on": "error",
    "samples": None,
    "project": None,
    "staff": None,
    "regions": None,
    "templates": None,
}
_LONG = {f"--{name.replace('_', '-')}": name for name in OPTIONS}
_SHORT = {"-f": "format", "-o": "output"}
# Audit events after which a run's result is not stored: it read something that is not a file.
_UNCACHEABLE = ("sqlite3.connect", "subprocess.Popen", "os.system", "socket.connect")


def folder() -> str:
    """Where the cache files live."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "brief", "lint")


def _digest(data: bytes) -> str:
    return blake2b(data, digest_size=20).hexdigest()


def _package() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def _code_stamp() -> list[Any]:
    """What changes when brief or the installed packages change: the size and time of
    every file of brief (its modules and its data files), and the time of every folder
    on the import path (installing or removing a package changes its folder)."""
    package = _package()
    stamp: list[Any] = []
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            info = os.stat(os.path.join(root, name))
            where = os.path.relpath(os.path.join(root, name), package)
            stamp.append([where, info.st_size, info.st_mtime_ns])
    for entry in sys.path:
        try:
            stamp.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            stamp.append([entry, None])
    return stamp


def key(options: Mapping[str, str | None], paths: Iterable[str]) -> str:
    """The cache key of a lint run with these option values (as strings) and positional
    paths, in the current folder and environment."""
    environment = sorted((k, v) for k, v in os.environ.items() if k.startswith("BRIEF_"))
    return _digest(
        repr(
            [
                FORMAT,
                __version__,
                sys.version,
                os.getcwd(),
                [options.get(name) for name in OPTIONS],
                list(paths),
                environment,
                _code_stamp(),
            ]
        ).encode("utf-8", "surrogateescape")
    )


def parse(arguments: list[str]) -> tuple[dict[str, str | None], list[str]] | None:
    """The options and paths of ``brief lint ARGUMENTS`` as the command would parse them,
    or None for anything this small parser does not handle exactly (then the command
    runs as usual): an unknown or repeated option, a value that starts with ``-``,
    ``--``, ``--help``, ``--explain``, ``--no-cache``."""
    options = dict(OPTIONS)
    seen: set[str] = set()
    paths: list[str] = []
    tokens = iter(arguments)
    for token in tokens:
        if not token.startswith("-"):
            paths.append(_path(token))
            continue
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        option = _LONG.get(name) or _SHORT.get(name)
        if option is None or option in seen:
            return None
        if value is None:
            value = next(tokens, None)
            if value is None or value.startswith("-"):
                return None
        seen.add(option)
        options[option] = value
    for name in ("output", "samples", "project", "staff", "regions", "templates"):
        if options[name] is not None:
            options[name] = _path(options[name] or "")
    return options, paths


def _path(text: str) -> str:
    """A path as the command sees it once typer has made it a :class:`~pathlib.Path`."""
    from pathlib import PurePath  # only when lint is given paths

    return str(PurePath(text))


# -- recording what a run depends on ---------------------------------------------------


class Recorder:
    """What one lint run read and listed, collected from audit events while active."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.folders: set[str] = set()
        self.uncacheable = False
        # covered by the code stamp, or derived from what it covers (the CMU counts)
        self._ignored = tuple(
            os.path.join(path, "")
            for path in (
                _package(),
                os.path.dirname(os.path.abspath(os.__file__)),
                os.path.dirname(folder()),
            )
        )
        self._path = {os.path.abspath(entry) for entry in sys.path if entry}

    def event(self, name: str, args: tuple[Any, ...]) -> None:
        if name == "open":
            path, mode, flags = args
            if isinstance(path, int) or path is None:
                return
            if mode is not None and any(c in mode for c in "wax+"):
                return
            if mode is None and flags & (os.O_WRONLY | os.O_RDWR):
                return
            self._file(os.fsdecode(path))
        elif name in ("os.listdir", "os.scandir"):
            path = args[0]
            if isinstance(path, int):
                return
            absolute = os.path.abspath(os.fsdecode(path) if path is not None else ".")
            if not self._ignore(absolute):
                self.folders.add(absolute)
        elif name in _UNCACHEABLE:
            self.uncacheable = True

    def _file(self, path: str) -> None:
        absolute = os.path.abspath(path)
        if not absolute.endswith((".py", ".pyc", ".so", ".pth")) and not self._ignore(absolute):
            self.files.add(absolute)

    def _ignore(self, absolute: str) -> bool:
        """Whether a path belongs to Python, brief or the installed packages (the code
        stamp's part), not to the project: the import system reads and lists these."""
        if absolute in self._path or absolute.startswith(self._ignored):
            return True
        parts = absolute.split(os.sep)
        return "site-packages" in parts or "dist-packages" in parts


_active: list[Recorder] = []
_hooked = False


def _hook(name: str, args: tuple[Any, ...]) -> None:
    if _active:
        _active[-1].event(name, args)


def recording() -> _Recording:
    """Collect the files and folders read while the ``with`` block runs."""
    return _Recording()


class _Recording:
    def __enter__(self) -> Recorder:
        global _hooked
        if not _hooked:
            sys.addaudithook(_hook)  # for good: an audit hook cannot be removed
            _hooked = True
        self.recorder = Recorder()
        _active.append(self.recorder)
        return self.recorder

    def __exit__(self, *exc: object) -> None:
        _active.remove(self.recorder)


def _file_hash(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return _digest(handle.read())
    except OSError:
        return None


def _listing(path: str) -> str | None:
    try:
        return _digest("\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape"))
    except OSError:
        return None


def _kind(path: str) -> str | None:
    if os.path.isfile(path):
        return "file"
    if os.path.isdir(path):
        return "folder"
    return "absent" if not os.path.lexists(path) else "other"


def config_candidates(start: str | None) -> list[str]:
    """Every ``brief.yaml`` the project search looks at from ``start`` (default: the
    current folder) up to the first that exists."""
    here = os.path.abspath(start or ".")
    candidates = []
    while True:
        candidate = os.path.join(here, CONFIG_NAME)
        candidates.append(candidate)
        parent = os.path.dirname(here)
        if os.path.isfile(candidate) or parent == here:
            return candidates
        here = parent


def dependencies(recorder: Recorder, probes: Iterable[str]) -> dict[str, Any]:
    """What ``recorder`` saw, with the state of each probed path, as stored in the cache."""
    folders = set(recorder.folders) | {os.path.dirname(f) for f in recorder.files}
    return {
        "files": {path: _file_hash(path) for path in sorted(recorder.files)},
        "folders": {path: _listing(path) for path in sorted(folders)},
        "paths": {path: _kind(path) for path in sorted({os.path.abspath(p) for p in probes})},
    }


def _unchanged(stored: Mapping[str, Any]) -> bool:
    checks: tuple[tuple[str, Callable[[str], str | None]], ...] = (
        ("paths", _kind),
        ("folders", _listing),
        ("files", _file_hash),
    )
    for section, now in checks:
        for path, then in stored[section].items():
            if now(path) != then:
                return False
    return True


# -- reading and writing cache files ----------------------------------------------------


def store(
    run_key: str,
    recorder: Recorder,
    probes: Iterable[str],
    said: list[tuple[str, str]],
    code: int,
    report: tuple[str, str] | None = None,
) -> None:
    """Keep a run's output (``said``: ``("out" | "err", text)`` in order), exit code and
    report file (``(path, text)``) under ``run_key``. Never fails: a cache that cannot be
    written is only slower."""
    if recorder.uncacheable:
        return
    entry = {
        "key": run_key,
        "depends": dependencies(recorder, probes),
        "said": said,
        "code": code,
        "report": list(report) if report else None,
    }
    body = marshal.dumps(entry)
    data = _digest(body).encode("ascii") + b"\n" + body
    where = folder()
    try:
        os.makedirs(where, exist_ok=True)
        temporary = os.path.join(where, f".{run_key}.{os.getpid()}.tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, os.path.join(where, f"{run_key}.cache"))
        _prune(where)
    except OSError:
        pass


def _prune(where: str) -> None:
    entries = []
    for name in os.listdir(where):
        if name.endswith(".cache"):
            path = os.path.join(where, name)
            try:
                entries.append((os.stat(path).st_mtime_ns, path))
            except OSError:
                continue
    for _, path in sorted(entries)[:-KEEP]:
        try:
            os.unlink(path)
        except OSError:
            continue


def load(run_key: str) -> dict[str, Any] | None:
    """The stored entry for ``run_key`` if it is whole and still holds, else None."""
    try:
        with open(os.path.join(folder(), f"{run_key}.cache"), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    digest, _, body = data.partition(b"\n")
    try:
        if digest.decode("ascii") != _digest(body):
            return None
        entry = marshal.loads(body)
        if entry["key"] != run_key or not _unchanged(entry["depends"]):
            return None
        said = [(str(stream), str(text)) for stream, text in entry["said"]]
        if not isinstance(entry["code"], int):
            return None
    except (ValueError, KeyError, TypeError, AttributeError, EOFError, IndexError):
        return None
    return {**entry, "said": said}


def replay(arguments: list[str]) -> int | None:
    """Answer ``brief lint ARGUMENTS`` from the cache: print what the stored run printed,
    write its report file, and return its exit code; None when the run must happen."""
    parsed = parse(arguments)
    if parsed is None:
        return None
    options, paths = parsed
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if (
        encoding != "utf8"
        or (getattr(sys.stderr, "encoding", None) or "").lower().replace("-", "") != "utf8"
    ):
        return None  # click would choose how to write; let it
    entry = load(key(options, paths))
    if entry is None:
        return None
    if any("\x1b" in text for _, text in entry["said"]):
        return None  # click strips escape sequences when not writing to a terminal
    report = entry["report"]
    if report is not None and not _write_report(str(report[0]), str(report[1])):
        return None
    for stream, text in entry["said"]:
        out = sys.stderr if stream == "err" else sys.stdout
        out.write(text)
        out.flush()
    return int(entry["code"])


def _write_report(path: str, text: str) -> bool:
    """Write the report file as :func:`brief.outbox.write_atomic` does; False on failure
    (the command then runs and says what went wrong)."""
    import contextlib
    import tempfile

    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return False
    return True
