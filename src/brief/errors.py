"""One exception root for everything a user can get wrong.

Every message leads with its location (``path:line: ...``) so that an editor
or CI log can jump to it. The CLI turns a :class:`BriefError` into one
``Error: ...`` line and exit code 2; anything else is a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class Place(str):
    """Where records come from when that is not a text file with lines: a worksheet of a
    workbook (``customers.xlsx: sheet 'Blad1'``) or a database query (``sqlite:///crm.db:
    query``). Its locations name the row: ``customers.xlsx: sheet 'Blad1' row 5``."""

    __slots__ = ()

    def at(self, row: int) -> str:
        return f"{self} row {row}"


def where(path: str | Path | None, line: int | None = None) -> str:
    """Format a location as ``path:line`` (or ``path``, or nothing); in a :class:`Place`,
    ``place row N``."""
    if path is None:
        return ""
    if isinstance(path, Place):
        return path.at(line) if line else str(path)
    return f"{path}:{line}" if line else str(path)


class BriefError(Exception):
    """A user mistake: bad input, bad configuration, a missing file."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = path if isinstance(path, str) or path is None else str(path)  # keeps a Place
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        loc = where(self.path, self.line)
        return f"{loc}: {self.message}" if loc else self.message


class ConfigError(BriefError):
    """A project file (brief.yaml, a region profile, the staff roster) is wrong."""


class RecordError(BriefError):
    """One customer record is unusable; the batch can go on without it."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
    ):
        self.record = record
        self.field = field
        super().__init__(message, path=path, line=line)

    @property
    def reason(self) -> str:
        """The message without the file location, as stored in a manifest."""
        parts = []
        if self.record is not None:
            parts.append(f"record {self.record!r}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        parts.append(self.message)
        return ": ".join(parts)

    def __str__(self) -> str:
        loc = where(self.path, self.line)
        return f"{loc}: {self.reason}" if loc else self.reason


class RecordsFileError(BriefError):
    """The records file as a whole cannot be read (not one record: the file)."""


class TemplateError(BriefError):
    """A template cannot be found, parsed or rendered."""


@dataclass(frozen=True)
class Problems:
    """The first problems of a batch and how many there were in all."""

    shown: Sequence[BriefError]
    total: int


class InvalidInput(BriefError):
    """The records hold problems and the run was not told to skip them: the first
    problems, then ``N invalid records; CONSEQUENCE (ADVICE)``."""

    def __init__(
        self,
        problems: Problems,
        *,
        consequence: str = "nothing was written",
        advice: str = "use --skip-invalid to render the valid ones",
    ):
        self.problems = problems
        lines = [str(p) for p in problems.shown]
        more = problems.total - len(problems.shown)
        if more > 0:
            lines.append(f"... and {more} more")
        summary = f"{problems.total} invalid record{'s' if problems.total != 1 else ''}"
        lines.append(f"{summary}; {consequence} ({advice})")
        super().__init__("\n".join(lines))


class MailError(BriefError):
    """The mail server cannot be used: not configured, unreachable, untrusted, login refused."""
