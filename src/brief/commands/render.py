"""``brief render``: one letter per record into a folder or one stream.

The library is :meth:`brief.Project.render_batch` (:mod:`brief.batch`); this module
parses the options, shows progress on a terminal and prints the summary per region.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    AllowFindingsOpt,
    CheckOpt,
    DateOpt,
    EncodingOpt,
    JournalOpt,
    ProjectOpt,
    QueryOpt,
    RecordsOpt,
    RegionsOpt,
    SheetOpt,
    SkipInvalidOpt,
    StaffOpt,
    TemplateOpt,
    TemplatesOpt,
    open_project,
    parse_date,
    records_source,
    user_errors,
    warn,
)

if TYPE_CHECKING:
    from ..batch import BatchOptions, BatchResult
    from ..project import Project


def render(
    records: RecordsOpt,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder to write the letters into, one file each."),
    ] = None,
    stream: Annotated[
        Path | None,
        typer.Option(
            "--stream",
            help="Write every letter into this one file instead (- for standard output): "
            "e-mails as an mbox, letters with a form feed between them; a FILE.pdf is a print "
            "run: paper letters in one PDF, each on an odd page, with FILE.manifest.csv.",
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
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
    text: Annotated[
        bool,
        typer.Option(
            "--text", help="With --out: write paper letters as plain .txt files, not as PDF."
        ),
    ] = False,
    template: TemplateOpt = None,
    skip_invalid: SkipInvalidOpt = False,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    query: QueryOpt = None,
    date: DateOpt = None,
    check: CheckOpt = True,
    allow_findings: AllowFindingsOpt = False,
    journal: JournalOpt = None,
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
    templates become .eml files and paper letters print-ready PDF files (A4, the
    address in the envelope window, PDF/A-2b; --text: plain .txt files), and
    OUT/manifest.jsonl lists every record as rendered or rejected. With --stream,
    every letter goes into one file (or standard output): e-mails as an mbox,
    letters with a form feed between them, for a print shop or a pipe; a stream
    named FILE.pdf is a print run for the print room: one PDF, every letter
    starting on an odd page, and FILE.manifest.csv with each letter's pages.

    Examples:

        brief render --records examples/customers.csv --template betalingsherinnering --out out

        brief render -r examples/customers.csv -t 14-dagenbrief --out letters

        brief render -r examples/customers.csv -t 14-dagenbrief --stream - | lpr

        brief render -r examples/customers.csv -t 14-dagenbrief --stream print.pdf
    """
    from ..batch import BatchOptions

    with user_errors():
        proj = open_project(project, staff, regions, templates)
        options = BatchOptions(
            records=records_source(records, sheet, query),
            out=out,
            stream=stream,
            manifest=manifest,
            jobs=jobs,
            template=template,
            skip_invalid=skip_invalid,
            encoding=encoding,
            today=parse_date(date),
            check=check,
            allow_findings=allow_findings,
            journal=None if no_journal else (journal or proj.settings.journal_path),
            history=journal or proj.settings.journal_path,
            text=text,
        )
        if sys.stderr.isatty():
            result = _with_progress(proj, options)
        else:
            result = proj.render_batch(options, warn=warn)
        _print_summary(result)
    if result.rejected or result.refused:
        raise typer.Exit(code=1)


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

        return proj.render_batch(options, warn=warn, on_record=advance)


def _print_summary(result: BatchResult) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..batch import NO_REGION

    console = Console(stderr=True, highlight=False)
    table = Table(show_footer=True)
    table.add_column("region", footer="total")
    table.add_column("rendered", justify="right", footer=str(result.rendered))
    # Rejected: records that could not become a letter and letters refused by the checks,
    # as in each row, so the rows add up to the totals.
    table.add_column("rejected", justify="right", footer=str(result.rejected + result.refused))
    table.add_column("signed by")
    for name in sorted(result.regions, key=lambda name: (name == NO_REGION, name)):
        counts = result.regions[name]
        signers = ", ".join(f"{who} ({n})" for who, n in counts.signers.most_common())
        table.add_row(name, str(counts.rendered), str(counts.rejected), signers)
    console.print(table)
    channels = channel_summary(result)
    if channels:
        console.print(channels, markup=False)
    for problem in result.problems:
        console.print(f"Rejected: {problem}", markup=False)
    more = result.rejected - len(result.problems)
    if more > 0:
        console.print(f"... and {more} more rejected (see the manifest)")
    if result.findings:
        found = ", ".join(f"{rule} ({n})" for rule, n in sorted(result.findings.items()))
        console.print(f"Findings: {found}", markup=False)
    if result.refused:
        console.print(
            f"{result.refused} letter{'s' if result.refused != 1 else ''} refused by checks "
            "(see the manifest; --allow-findings writes them anyway)",
            markup=False,
        )
    manifest = f"manifest: {result.manifest}" if result.manifest else "no manifest"
    if result.print_manifest is not None:
        manifest += f"; print manifest: {result.print_manifest}"
    console.print(
        f"{result.rendered} letter{'s' if result.rendered != 1 else ''} written to "
        f"{result.target}, {result.rejected + result.refused} rejected; {manifest}",
        markup=False,
    )


def channel_summary(result: BatchResult) -> str:
    """How many went by e-mail and by post, and why, when a preference or a missing
    address sent any of them another way than its template's own ('' otherwise)."""
    plain = {("email", "has e-mail"), ("letter", "letter only")}
    if set(result.channels) <= plain:
        return ""
    parts = []
    for channel, label in (("email", "by e-mail"), ("letter", "by post")):
        reasons = {why: n for (kind, why), n in result.channels.items() if kind == channel}
        if reasons:
            why = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
            parts.append(f"{label}: {sum(reasons.values())} ({why})")
    return "Channels: " + "; ".join(parts)
