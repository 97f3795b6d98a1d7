"""What every command shares: the project options, the one place a user mistake becomes
``Error: ...`` and exit 2, and small parsers.

Command modules import from here, never from :mod:`brief.cli`, which only
assembles the app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import BriefError

if TYPE_CHECKING:
    from ..journal import Entry
    from ..project import Project
    from ..sources import Source


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a user mistake into one ``Error:`` line and exit 2; Ctrl-C into 130."""
    try:
        yield
    except BriefError as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(code=err.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        raise typer.Exit(code=130) from None


ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project",
        help="Project folder (holding brief.yaml); default: the current folder or a parent.",
        file_okay=False,
    ),
]
StaffOpt = Annotated[
    Path | None,
    typer.Option("--staff", help="Staff roster YAML (overrides brief.yaml).", dir_okay=False),
]
RegionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--regions", help="Folder of region profiles (overrides brief.yaml).", file_okay=False
    ),
]
TemplatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--templates", help="Folder of templates (overrides brief.yaml).", file_okay=False
    ),
]


RecordsOpt = Annotated[
    str,
    typer.Option(
        "--records",
        "-r",
        help="Customer records: .csv, .json, .jsonl, .yaml, an .xlsx workbook, or a database "
        "URL (sqlite:///crm.db) with --query.",
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help="The sheet of an .xlsx workbook to read (default: the first)."),
]
QueryOpt = Annotated[
    str | None,
    typer.Option(
        "--query",
        help="With a database URL as --records: the select whose rows are the records, "
        'e.g. "select * from open_items".',
    ),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="Encoding of a CSV file (default: UTF-8, else Windows-1252)."),
]
CheckOpt = Annotated[
    bool, typer.Option("--check/--no-check", help="Run the lint rules on every letter.")
]
TemplateOpt = Annotated[
    str | None,
    typer.Option(
        "--template", "-t", help="Template name for every record (else a 'template' column)."
    ),
]
SkipInvalidOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Go on with the valid records and report the rest with their reasons (exit 1).",
    ),
]
DoNotSendOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--do-not-send",
        help="Customer ids and addresses never to e-mail, one a line; repeatable, added "
        "to brief.yaml's do_not_send.",
        dir_okay=False,
    ),
]
AllowFindingsOpt = Annotated[
    bool,
    typer.Option(
        "--allow-findings",
        help="Keep letters with error-level findings instead of refusing them.",
    ),
]

JournalOpt = Annotated[
    Path | None,
    typer.Option(
        "--journal",
        help="Journal file (default: 'journal' in brief.yaml, else brief.sqlite).",
        dir_okay=False,
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option("--date", help="Date the letters carry, as 2026-11-22 (default: today)."),
]


def open_project(
    project: Path | None,
    staff: Path | None = None,
    regions: Path | None = None,
    templates: Path | None = None,
) -> Project:
    """The project the options name: ``--project`` or the nearest brief.yaml."""
    from ..project import Project

    return Project.open(project, staff=staff, regions=regions, templates=templates)


def records_source(records: str, sheet: str | None, query: str | None) -> Source:
    """``--records`` with ``--sheet`` and ``--query`` as one source (refused when they do
    not go together: ``--sheet`` without a workbook, a database without ``--query``)."""
    from ..sources import source

    return source(records, sheet=sheet, query=query)


def parse_date(value: str | None) -> dt.date:
    """``--date`` as a date; today when not given."""
    from ..records import as_date

    return as_date(value, "--date")


def warn(message: str) -> None:
    typer.echo(f"Warning: {message}", err=True)


def when(entry: Entry | None) -> str:
    """The moment a journal entry was made, in local time, or ``-``."""
    if entry is None:
        return "-"
    return local(entry.when)


def local(moment: str) -> str:
    """A journal timestamp (ISO 8601, UTC) in local time, to the minute."""
    return dt.datetime.fromisoformat(moment).astimezone().strftime("%Y-%m-%d %H:%M")
