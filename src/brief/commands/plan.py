"""``brief plan``: which follow-up step is due today for each customer, and why.

The library is :mod:`brief.followup`; this module parses the options, writes
the plan files and prints the plan.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    DateOpt,
    DoNotSendOpt,
    EncodingOpt,
    JournalOpt,
    ProjectOpt,
    QueryOpt,
    RecordsOpt,
    RegionsOpt,
    SheetOpt,
    SkipInvalidOpt,
    StaffOpt,
    TemplatesOpt,
    open_project,
    parse_date,
    records_source,
    user_errors,
    warn,
)

if TYPE_CHECKING:
    from ..followup import Decision, Plan
    from ..sources import Source


class Channel(StrEnum):
    """``--channel``: the templates' channels (``letter`` or ``email``)."""

    letter = "letter"
    email = "email"


def plan(
    records: RecordsOpt,
    date: DateOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the letters due as records (JSON Lines) for brief render and brief send.",
            dir_okay=False,
        ),
    ] = None,
    worklist: Annotated[
        Path | None,
        typer.Option(
            "--worklist",
            help="Write the calls and hand-overs as CSV (default with --out: "
            "PLAN.worklist.csv beside it).",
            dir_okay=False,
        ),
    ] = None,
    channel: Annotated[
        Channel | None,
        typer.Option("--channel", help="Only letters or only e-mails into --out."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per customer a line.")
    ] = False,
    skip_invalid: SkipInvalidOpt = False,
    journal: JournalOpt = None,
    do_not_send: DoNotSendOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    query: QueryOpt = None,
    project: ProjectOpt = None,
    staff: StaffOpt = None,
    regions: RegionsOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    """Decide for each customer which follow-up step is due today, from the journal.

    The records (-r) are today's list of open items: a customer missing from
    them has paid and gets nothing further. The steps are 'followup:' in brief.yaml;
    the legal guards (a 14-day letter only after a reminder, collection costs
    only after its term, no two collection letters within a week, the
    do-not-send list, payment arrangements) always apply. --out writes the
    letters due as records with their template, plan_step and plan_reason;
    render them with the same --date.

    Example:

        brief plan -r examples/customers.csv --date 2026-11-22 --out plan.jsonl

        brief render -r plan.jsonl --date 2026-11-22 --out letters
    """
    from ..followup import make_plan, write_records, write_worklist

    with user_errors():
        proj = open_project(project, staff, regions, templates)
        today = parse_date(date)
        where = records_source(records, sheet, query)
        result = make_plan(
            proj,
            where,
            today,
            journal=journal,
            do_not_send=list(do_not_send or ()),
            encoding=encoding,
            skip_invalid=skip_invalid,
            warn=warn,
        )
        if out is not None and worklist is None:
            worklist = out.with_name(f"{out.stem}.worklist.csv")
        written = write_records(result.due(channel), out) if out is not None else None
        listed = write_worklist(result.work(), worklist) if worklist is not None else None
    if as_json:
        for decision in result.decisions:
            typer.echo(json.dumps(_as_json(decision, result), ensure_ascii=False))
    else:
        _print_plan(result, where)
    for problem in result.problems:
        typer.echo(f"Rejected: {problem}", err=True)
    if result.invalid > len(result.problems):
        typer.echo(f"... and {result.invalid - len(result.problems)} more rejected", err=True)
    if out is not None:
        what = {"email": "e-mails", "letter": "letters"}.get(channel or "", "letters and e-mails")
        typer.echo(
            f"{written} {what} due written to {out}; render or send them with "
            f"--date {today.isoformat()}",
            err=True,
        )
    if worklist is not None:
        typer.echo(f"{listed} on the work list written to {worklist}", err=True)
    if result.invalid:
        raise typer.Exit(code=1)


def _as_json(decision: Decision, result: Plan) -> dict[str, str | None]:
    step = decision.step
    return {
        "record": decision.record.id,
        "region": str(decision.record.get("region")),
        "status": decision.status,
        "step": step.name if step else None,
        "template": step.template if step else None,
        "action": step.action if step else None,
        "channel": result.channels.get(decision.record.id),
        "on": decision.on.isoformat() if decision.on else None,
        "contact": decision.contact.name if decision.contact else None,
        "phone": decision.contact.phone if decision.contact else None,
        "reason": decision.reason,
    }


def _table(rows: list[list[str]], right: int = 0) -> list[str]:
    """Columns padded to their widest cell; the columns from ``right`` on aligned right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if right and i >= right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _print_plan(result: Plan, records: Source) -> None:
    from ..followup import DUE, WORK

    decisions = result.decisions
    typer.echo(
        f"Plan for {result.today.isoformat()}: {len(decisions)} "
        f"customer{'s' if len(decisions) != 1 else ''} in {records}"
    )
    sections = (
        ("Due today", [d for d in decisions if d.status == DUE]),
        ("Work list", [d for d in decisions if d.status == WORK]),
        ("Nothing due", [d for d in decisions if d.status not in (DUE, WORK)]),
    )
    for title, chosen in sections:
        typer.echo("")
        typer.echo(f"{title} ({len(chosen)}):")
        rows = [
            [
                d.record.id,
                str(d.record.get("region")),
                d.step.name if d.status in (DUE, WORK) and d.step else d.status,
                _who(d),
                d.reason,
            ]
            for d in chosen
        ]
        for line in _table(rows) if rows else []:
            typer.echo(f"  {line}")
    counts = result.counts()
    if not counts:
        return
    rayons = sorted({rayon for _, rayon in counts})
    labels = sorted({label for label, _ in counts}, key=lambda x: (x.startswith("("), x))
    rows = [["step", *rayons, "total"]]
    for label in labels:
        numbers = [counts[(label, rayon)] for rayon in rayons]
        rows.append([label, *map(str, numbers), str(sum(numbers))])
    totals = [sum(counts[(label, rayon)] for label in labels) for rayon in rayons]
    rows.append(["total", *map(str, totals), str(sum(totals))])
    typer.echo("")
    for line in _table(rows, right=1):
        typer.echo(line)


def _who(decision: Decision) -> str:
    from ..followup import DUE, WORK

    if decision.contact is None or decision.status not in (DUE, WORK):
        return "-"
    return decision.contact.name
