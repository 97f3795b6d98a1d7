"""``brief lint``: check templates, and the letters they become, in CI or by hand.

The library is :meth:`brief.Project.lint` (:mod:`brief.lint`: what is checked) and
:mod:`brief.report` (text, json, github, sarif); this module parses the options and sets
the exit code.
"""

from __future__ import annotations

from dataclasses import fields
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import BriefError
from .common import (
    ProjectOpt,
    QueryOpt,
    RegionsOpt,
    SheetOpt,
    StaffOpt,
    TemplatesOpt,
    open_project,
    records_source,
    user_errors,
)


class ReportFormat(StrEnum):
    """``--format``: the renderers of :data:`brief.report.RENDERERS` (a test keeps them equal)."""

    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class FailOn(StrEnum):
    """``--fail-on``: the lowest severity that makes the exit code 1."""

    error = "error"
    warning = "warning"
    never = "never"


def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Template files (*.j2) or folders; default: the project's templates."),
    ] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output.")] = (
        ReportFormat.text
    ),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 on findings at this level.")
    ] = FailOn.error,
    samples: Annotated[
        str | None,
        typer.Option(
            "--samples",
            help="Sample records to render (default: 'samples' in brief.yaml): a file, an "
            ".xlsx workbook or a database URL with --query.",
        ),
    ] = None,
    sheet: SheetOpt = None,
    query: QueryOpt = None,
    explain: Annotated[
        str | None,
        typer.Option("--explain", help="Explain one rule (by its id) and exit."),
    ] = None,
    project: ProjectOpt = None,
    staff: StaffOpt = None,
    regions: RegionsOpt = None,
    templates: TemplatesOpt = None,
    cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Answer from the lint cache when no input changed, and keep this result there.",
        ),
    ] = True,
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
        from .. import lintcache
        from ..report import RENDERERS
        from ..sources import is_url

        sample_source = None
        if samples is not None or sheet is not None or query is not None:
            location = samples
            if location is None:  # --sheet or --query for brief.yaml's samples
                location = str(open_project(project, staff, regions, templates).settings.samples)
            sample_source = records_source(location, sheet, query)
        if sheet is not None or query is not None:
            cache = False  # the cache's key knows neither
        options = {
            "format": output_format,
            "output": output,
            "fail_on": fail_on,
            "samples": Path(samples) if samples is not None and not is_url(samples) else samples,
            "project": project,
            "staff": staff,
            "regions": regions,
            "templates": templates,
        }
        given = [str(path) for path in paths or []]
        run_key = lintcache.key({k: _text(v) for k, v in options.items()}, given)
        with lintcache.recording() as recorder:
            proj = open_project(project, staff, regions, templates)
            result = proj.lint(paths or [], samples=sample_source)
        said = [("err", f"Note: {note}\n") for note in result.notes]
        report = RENDERERS[output_format](result)
        if output is None:
            said.append(("out", report))
        else:
            from ..outbox import write_atomic
            from ..report import summary_line

            write_atomic(output, report.encode("utf-8"))
            said.append(("err", f"{summary_line(result)}; report written to {output}\n"))
    code = 0
    if fail_on is not FailOn.never:
        from ..checks import severity_rank

        threshold = severity_rank(fail_on)
        if any(severity_rank(f.severity) >= threshold for f in result.findings):
            code = 1
    if cache:
        probes = [
            *lintcache.config_candidates(None if project is None else str(project)),
            *given,
            *(str(p) for p in (options["samples"], staff, regions, templates) if p is not None),
            *(
                str(getattr(proj.settings, f.name))
                for f in fields(proj.settings)
                if isinstance(getattr(proj.settings, f.name), Path)
            ),
        ]
        written = None if output is None else (str(output), report)
        lintcache.store(run_key, recorder, probes, said, code, written)
    for stream, text in said:
        typer.echo(text, nl=False, err=stream == "err")
    if code:
        raise typer.Exit(code=code)


def _text(value: Path | str | None) -> str | None:
    return None if value is None else str(value)


def _explain(rule_id: str) -> str:
    from ..checks import RULES

    rule = RULES.get(rule_id)
    if rule is None:
        raise BriefError(f"--explain: unknown rule {rule_id!r} (known: {', '.join(sorted(RULES))})")
    return f"{rule.id} ({rule.severity}): {rule.summary}\n\n{rule.explanation}"
