"""The ``brief`` command: a thin layer over the library.

Each command parses its options, calls one library function and prints.
A :class:`~brief.errors.BriefError` becomes one ``Error: ...`` line and exit
code 2; Ctrl-C exits 130. Heavy modules (rich, the renderer) are imported
inside the commands so that ``brief --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from . import __version__
from .errors import BriefError

if TYPE_CHECKING:
    from .batch import BatchOptions, BatchResult
    from .project import Project

app = typer.Typer(
    name="brief",
    help="Personalised letters and e-mails, signed by real people, in the style each reader needs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"brief {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Personalised letters and e-mails, signed by real people, in the style each reader needs."""


ProjectOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional on 3.11
    typer.Option(
        "--project",
        help="Project folder (holding brief.yaml); default: the current folder or a parent.",
        file_okay=False,
    ),
]
StaffOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--staff", help="Staff roster YAML (overrides brief.yaml).", dir_okay=False),
]
RegionsOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--regions", help="Folder of region profiles (overrides brief.yaml).", file_okay=False
    ),
]
TemplatesOpt = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--templates", help="Folder of templates (overrides brief.yaml).", file_okay=False
    ),
]


RecordsOpt = Annotated[
    Path, typer.Option("--records", "-r", help="Customer records: .csv, .json, .jsonl or .yaml.")
]
EncodingOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--encoding", help="Encoding of a CSV file (default: UTF-8, else Windows-1252)."),
]
CheckOpt = Annotated[
    bool, typer.Option("--check/--no-check", help="Run the lint rules on every letter.")
]


def _project(
    project: Path | None, staff: Path | None, regions: Path | None, templates: Path | None
) -> Project:
    from .project import Project

    return Project.discover(project, staff=staff, regions=regions, templates=templates)


def _parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    from .records import parse_date

    try:
        return parse_date(value)
    except ValueError as err:
        raise BriefError(f"--date: {err}") from None


@app.command()
def render(
    records: RecordsOpt,
    out: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--out", "-o", help="Folder to write the letters into, one file each."),
    ] = None,
    stream: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--stream",
            help="Write every letter into this one file instead (- for standard output): "
            "e-mails as an mbox, letters with a form feed between them.",
        ),
    ] = None,
    manifest: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--manifest", help="With --stream: write the manifest to this file (default: none)."
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Processes that render (default 0: one per core; 1: this process only).",
        ),
    ] = 0,
    template: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--template", "-t", help="Template name for every record (else a 'template' column)."
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Render the valid records and reject the rest in the manifest (exit 1).",
        ),
    ] = False,
    encoding: EncodingOpt = None,
    date: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--date", help="Date the letters carry, as 2026-11-22 (default: today)."),
    ] = None,
    check: CheckOpt = True,
    allow_findings: Annotated[
        bool,
        typer.Option(
            "--allow-findings",
            help="Write letters with error-level findings instead of refusing them.",
        ),
    ] = False,
    journal: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--journal", help="Contact log to record the letters in (default: brief.sqlite)."
        ),
    ] = None,
    no_journal: Annotated[
        bool, typer.Option("--no-journal", help="Do not record the letters in the contact log.")
    ] = False,
    project: ProjectOpt = None,
    staff: StaffOpt = None,
    regions: RegionsOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    """Render one letter or e-mail per customer record into a folder, or into one stream.

    Each letter is signed by the customer's own contact person, else by the
    region's contact, with their direct phone and e-mail. With --out, e-mail
    templates become .eml files and letters .txt files, and OUT/manifest.jsonl
    lists every record as rendered or rejected. With --stream, every letter
    goes into one file (or standard output): e-mails as an mbox, letters with
    a form feed between them, for a print shop or a pipe.

    Examples:

        brief render --records examples/customers.csv --template betalingsherinnering --out out

        brief render -r examples/customers.csv -t 14-dagenbrief --stream - | lpr
    """
    from .batch import BatchOptions, render_batch

    with user_errors():
        proj = _project(project, staff, regions, templates)
        options = BatchOptions(
            records=records,
            out=out,
            stream=stream,
            manifest=manifest,
            jobs=jobs,
            template=template,
            skip_invalid=skip_invalid,
            encoding=encoding,
            today=_parse_date(date),
            check=check,
            allow_findings=allow_findings,
            journal=None if no_journal else (journal or proj.settings.journal_path),
        )
        if sys.stderr.isatty():
            result = _with_progress(proj, options)
        else:
            result = render_batch(proj, options, warn=_warn)
        _print_summary(result)
    if result.rejected or result.refused:
        raise typer.Exit(code=1)


def _warn(message: str) -> None:
    typer.echo(f"Warning: {message}", err=True)


def _with_progress(proj: Project, options: BatchOptions) -> BatchResult:
    import time

    from rich.console import Console
    from rich.progress import (
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from .batch import render_batch

    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("Rendering letters"),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # No refresh thread: the display is redrawn from the loop, at most ten times a second,
    # so that --jobs can fork its workers from a process with one thread.
    with Progress(*columns, console=console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("render", total=None)
        shown = 0.0

        def advance(status: str) -> None:
            nonlocal shown
            progress.advance(task)
            now = time.monotonic()
            if now - shown >= 0.1:
                shown = now
                progress.refresh()

        return render_batch(proj, options, warn=_warn, on_record=advance)


def _print_summary(result: BatchResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True, highlight=False)
    table = Table(show_footer=True)
    table.add_column("region", footer="total")
    table.add_column("rendered", justify="right", footer=str(result.rendered))
    table.add_column("rejected", justify="right", footer=str(result.rejected))
    table.add_column("signed by")
    for name in sorted(result.regions):
        counts = result.regions[name]
        signers = ", ".join(f"{who} ({n})" for who, n in counts.signers.most_common())
        table.add_row(name, str(counts.rendered), str(counts.rejected), signers)
    console.print(table)
    for problem in result.problems:
        console.print(f"Rejected: {problem}", markup=False)
    more = result.rejected - len(result.problems)
    if more > 0:
        console.print(f"... and {more} more rejected (see the manifest)")
    if result.findings:
        counts = ", ".join(f"{rule} ({n})" for rule, n in sorted(result.findings.items()))
        console.print(f"Findings: {counts}", markup=False)
    if result.refused:
        console.print(
            f"{result.refused} letter{'s' if result.refused != 1 else ''} refused by checks "
            "(see the manifest; --allow-findings writes them anyway)",
            markup=False,
        )
    manifest = f"manifest: {result.manifest}" if result.manifest else "no manifest"
    console.print(
        f"{result.rendered} letter{'s' if result.rendered != 1 else ''} written to "
        f"{result.target}, {result.rejected + result.refused} rejected; {manifest}",
        markup=False,
    )


FAIL_ON = ("error", "warning", "never")


@app.command()
def lint(
    paths: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(help="Template files (*.j2) or folders; default: the project's templates."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="Output: text, json, github or sarif.")
    ] = "text",
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", help="Exit 1 on findings at this level: error, warning or never."
        ),
    ] = "error",
    samples: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--samples", help="Sample records to render (default: 'samples' in brief.yaml)."
        ),
    ] = None,
    explain: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--explain", help="Explain one rule (by its id) and exit."),
    ] = None,
    project: ProjectOpt = None,
    staff: StaffOpt = None,
    regions: RegionsOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    """Check templates, and the letters they become for every region, for anonymous
    sign-offs, unknown signers and text too hard for the reader.

    Exit 0 when nothing is at or above --fail-on, 1 when something is, 2 for usage
    or configuration errors.

    Example:

        brief lint templates/ --format github
    """
    with user_errors():
        if explain is not None:
            typer.echo(_explain(explain))
            return
        from .lint import lint as run_lint
        from .report import FORMATS, RENDERERS

        _choice("--format", output_format, FORMATS)
        _choice("--fail-on", fail_on, FAIL_ON)
        proj = _project(project, staff, regions, templates)
        result = run_lint(proj, paths or [], samples=samples)
        for note in result.notes:
            typer.echo(f"Note: {note}", err=True)
        report = RENDERERS[output_format](result)
        if output is None:
            typer.echo(report, nl=False)
        else:
            from .outbox import write_atomic

            write_atomic(output, report.encode("utf-8"))
            from .report import summary_line

            typer.echo(f"{summary_line(result)}; report written to {output}", err=True)
    if fail_on != "never":
        from .checks import severity_rank

        threshold = severity_rank(fail_on)
        if any(severity_rank(f.severity) >= threshold for f in result.findings):
            raise typer.Exit(code=1)


def _choice(option: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise BriefError(f"{option}: {value!r} is not one of {', '.join(choices)}")


def _explain(rule_id: str) -> str:
    from .checks import RULES

    rule = RULES.get(rule_id)
    if rule is None:
        raise BriefError(f"--explain: unknown rule {rule_id!r} (known: {', '.join(sorted(RULES))})")
    return f"{rule.id} ({rule.severity}): {rule.summary}\n\n{rule.explanation}"


def main() -> None:
    app()


# Command groups in their own modules register themselves on `app` when imported.
from .commands import preview as _preview  # noqa: E402, F401
from .commands import send as _send  # noqa: E402, F401
