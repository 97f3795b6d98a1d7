"""``brief preview``: one customer's letter in the terminal, marked up by the lint rules.

The library is :mod:`brief.preview`; this module parses the options, builds the
previews and prints them (rich on a terminal, plain text otherwise), writes the
--export-svg / --export-html pictures, and runs the --watch loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import BriefError
from .common import (
    DateOpt,
    ProjectOpt,
    RegionsOpt,
    StaffOpt,
    TemplatesOpt,
    open_project,
    parse_date,
    user_errors,
)

if TYPE_CHECKING:
    from rich.console import Console

    from ..preview import Preview
    from ..project import Project

EXPORT_WIDTH = 100  # columns of an exported picture when stdout is not a terminal
MIN_WIDTH = 40
POLL_SECONDS = 0.25


def preview(
    template: Annotated[
        str, typer.Argument(help="Template name, e.g. betalingsherinnering.", show_default=False)
    ],
    customer: Annotated[
        str | None,
        typer.Option("--customer", "-c", help="Preview the record with this id."),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", "-n", help="Preview the N-th record of the file (1-based)."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="Render the customer as if in this region (default: their own)."
        ),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare", help="Regions to show side by side, comma-separated: noord,zuid."
        ),
    ] = None,
    records: Annotated[
        Path | None,
        typer.Option(
            "--records", "-r", help="Customer records (default: 'samples' in brief.yaml)."
        ),
    ] = None,
    date: DateOpt = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            "-w",
            help="Show it again on every change to the templates, regions, roster or records.",
        ),
    ] = False,
    export_svg: Annotated[
        Path | None,
        typer.Option("--export-svg", help="Also write a picture of the preview as SVG."),
    ] = None,
    export_html: Annotated[
        Path | None,
        typer.Option("--export-html", help="Also write the preview as an HTML page."),
    ] = None,
    export_pdf: Annotated[
        Path | None,
        typer.Option(
            "--export-pdf", help="Also write the paper letter as the PDF brief render makes."
        ),
    ] = None,
    export_png: Annotated[
        Path | None,
        typer.Option(
            "--export-png", help="Also write a picture (PNG) of the paper letter's page 1."
        ),
    ] = None,
    width: Annotated[
        int | None,
        typer.Option(
            "--width", help="Columns to lay out in (default: the terminal's, 100 for exports)."
        ),
    ] = None,
    project: ProjectOpt = None,
    staff: StaffOpt = None,
    regions: RegionsOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    """Show one customer's letter as the reader gets it, marked up with what brief lint sees.

    Hard sentences (more words than the region's average limit, or a low readability score)
    and very hard ones (over its sentence limit) are highlighted, officialese is
    underlined with its plain word, and an anonymous or unknown signer is marked. The
    metrics table shows the readability score, words per sentence, the longest sentence
    and the hard sentences against the region's thresholds, and who signs.

    The customer is --customer ID or the --sample N-th record of --records (default: the
    project's samples), else the first one of --region or of the file. On a terminal the
    preview is coloured; in a pipe it is plain text with the findings as a list. Exit 0
    (findings are shown, not failed on), 2 for a usage or configuration error.

    Examples:

        brief preview betalingsherinnering --customer K1011 --compare noord,zuid

        brief preview 14-dagenbrief --sample 3 --watch

        brief preview bedankt --region zuid --export-svg bedankt.svg

        brief preview 14-dagenbrief --customer K1011 --export-pdf K1011.pdf --export-png K1011.png
    """
    with user_errors():
        today = parse_date(date)
        names = _regions(region, compare)
        option = "--compare" if compare is not None else "--region"
        exports = {
            "--export-svg": export_svg,
            "--export-html": export_html,
            "--export-pdf": export_pdf,
            "--export-png": export_png,
        }
        if watch and any(exports.values()):
            option = next(name for name, path in exports.items() if path)
            raise BriefError(f"--watch and {option} cannot be used together")
        if compare is not None and (export_pdf or export_png):
            option = "--export-pdf" if export_pdf else "--export-png"
            raise BriefError(f"{option} writes one letter: leave out --compare (or use --region)")
        if width is not None and width < MIN_WIDTH:
            raise BriefError(f"--width: {width} is too narrow (at least {MIN_WIDTH})")

        def build() -> tuple[list[Preview], Project, Path]:
            from ..preview import build_preview, check_regions, choose_record, load_records

            proj = open_project(project, staff, regions, templates)
            proj.templates.require(template)
            targets: list[str | None] = [*check_regions(proj, names, option)] or [None]
            records_path = records or proj.settings.samples
            if records is None and not records_path.is_file():
                raise BriefError(
                    "sample records not found (set 'samples:' in brief.yaml or pass --records)",
                    path=records_path,
                )
            record = choose_record(
                load_records(records_path),
                records_path,
                customer=customer,
                sample=sample,
                region=region,
            )
            previews = [
                build_preview(proj, template, record, today=today, region=target)
                for target in targets
            ]
            return previews, proj, records_path

        from ..preview import make_console

        console = make_console(width=width) if width else make_console()
        if watch:
            _watch(build, console, width)
            return
        previews, _, _ = build()
        _show(console, previews, width)
        for path, fmt in ((export_svg, "svg"), (export_html, "html")):
            if path is not None:
                _export(previews, path, fmt, width or _terminal_width(console))
        for path, fmt in ((export_pdf, "pdf"), (export_png, "png")):
            if path is not None:
                _export_paper(previews[0], path, fmt)


def _regions(region: str | None, compare: str | None) -> list[str]:
    """The regions named by --region or --compare (none: the customer's own)."""
    if region is not None and compare is not None:
        raise BriefError("--region and --compare cannot be used together")
    if compare is None:
        return [region] if region is not None else []
    names = list(dict.fromkeys(name.strip() for name in compare.split(",") if name.strip()))
    if len(names) < 2:
        raise BriefError("--compare: name at least two regions, separated by commas: noord,zuid")
    return names


def _terminal_width(console: Console) -> int:
    return console.width if console.is_terminal else EXPORT_WIDTH


def _show(console: Console, previews: list[Preview], width: int | None) -> None:
    from ..preview import plain_text, renderable

    if console.is_terminal:
        console.print(renderable(previews, width=width or console.width))
    else:
        typer.echo(plain_text(previews), nl=False)


def _export(previews: list[Preview], path: Path, fmt: str, width: int) -> None:
    from ..preview import export

    first = previews[0]
    names = ", ".join(p.region for p in previews)
    title = f"brief preview {first.template} · {first.record} · {names}"
    export(previews, path, fmt=fmt, width=width, title=title)
    typer.echo(f"Preview written to {path}", err=True)


def _export_paper(preview: Preview, path: Path, fmt: str) -> None:
    """The paper letter as its PDF or a picture of its page 1, with the layout findings."""
    from ..paper import export_paper

    assert preview.letter is not None
    for line in export_paper(preview.letter, path, fmt):
        typer.echo(line, err=True)


def _watch(
    build: Callable[[], tuple[list[Preview], Project, Path]],
    console: Console,
    width: int | None,
) -> None:
    """Show the preview, then again on every change, until Ctrl-C (exit 0).

    The first preview must work (else exit 2, as without --watch); a later error is
    shown in its place and the watching goes on, so that a writer can fix it and save.
    """
    from ..preview import Watcher, watched_files

    try:
        previews, proj, records_path = build()
        files = watched_files(proj, records_path)
        watcher = Watcher(files)
        error: str | None = None
        while True:
            _show_watched(console, previews, width, len(files), error=error)
            changed = watcher.wait(POLL_SECONDS)
            if not console.is_terminal:
                typer.echo(f"--- changed: {', '.join(str(path) for path in changed)} ---")
            try:
                previews, proj, records_path = build()
                error = None
            except BriefError as err:
                error = str(err)
            if watched_files(proj, records_path) != files:  # a file was added or removed
                files = watched_files(proj, records_path)
                watcher = Watcher(files)
    except KeyboardInterrupt:
        typer.echo("Stopped watching.", err=True)


def _show_watched(
    console: Console, previews: list[Preview], width: int | None, count: int, *, error: str | None
) -> None:
    """On a terminal: clear the screen, show the preview (or the error) and a status line.
    In a pipe: the plain preview again, or the error on stderr."""
    if console.is_terminal:
        console.clear()
    if error is None:
        _show(console, previews, width)
    elif console.is_terminal:
        console.print(f"Error: {error}", style="preview.fail", markup=False)
    else:
        typer.echo(f"Error: {error}", err=True)
    if console.is_terminal:
        stamp = time.strftime("%H:%M:%S")
        console.print(
            f"{stamp} watching {count} files for changes; Ctrl-C to stop", style="preview.label"
        )
