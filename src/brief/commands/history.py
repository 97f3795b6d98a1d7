"""``brief history``: one customer's contact log, or the team's overview, from the journal.

The library is :mod:`brief.journal`; this module prints its entries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import BriefError
from .common import JournalOpt, ProjectOpt, local, open_project, user_errors, when

if TYPE_CHECKING:
    from pathlib import Path

    from ..journal import CustomerLog, Entry, Journal
    from ..project import Project


def history(
    customer: Annotated[
        str | None,
        typer.Argument(help="The customer's id, as in the records; without it: the overview."),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Only letters and e-mails of this region.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only those dated on or after this day (2026-11-01)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Only those dated on or before this day (2026-11-30)."),
    ] = None,
    template: Annotated[
        str | None, typer.Option("--template", "-t", help="Only letters of this template.")
    ] = None,
    journal: JournalOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object a line, every journal field.")
    ] = False,
    project: ProjectOpt = None,
) -> None:
    """Show the contact log of one customer, or the team's overview of every customer.

    With a customer id: every letter and e-mail brief rendered or sent to
    them, oldest first, with the date (local time), campaign, template,
    channel, signer, recipient, status and the server's reply (or the
    letter's file): every attempt to send an e-mail on its own line.

    Without one: a line per customer with how many letters and e-mails they
    had, the latest (its date, template, channel, signer, status and the
    server's reply when it failed) and the attempts that failed, for the
    letters of --region dated --since to --until (the date the letter
    carried), of --template. The filters apply to one customer's log too.

    Examples:

        brief history K1001

        brief history --region noord --since 2026-11-01
    """
    from ..journal import Journal
    from ..records import as_date

    with user_errors():
        first = as_date(since, "--since") if since is not None else None
        last = as_date(until, "--until") if until is not None else None
        if first is not None and last is not None and first > last:
            raise BriefError(f"--since {first} is after --until {last}: nothing can match")
        opened_project: Project | None = None
        if journal is None:
            opened_project = open_project(project, None, None, None)
            path = opened_project.settings.journal_path
        else:
            path = journal
            if region is not None:  # the project's regions, when there is one, are known too
                try:
                    opened_project = open_project(project, None, None, None)
                except BriefError:
                    if project is not None:
                        raise
        with Journal.open(path, create=False) as opened:
            if region is not None:
                _check_region(region, opened, opened_project)
            scope = _scope(region, first, last, template)
            if customer is not None:
                entries = [
                    entry
                    for entry in opened.history(customer)
                    if _matches(entry, region, first, last, template)
                ]
                _print_customer(customer, entries, path, scope, as_json)
                return
            logs = opened.overview(region=region, since=first, until=last, template=template)
            _print_overview(logs, path, scope, as_json)


def _check_region(region: str, journal: Journal, project: Project | None) -> None:
    """An unknown region is a mistake (a typo would show an empty overview)."""
    known = set(journal.regions())
    if project is not None:
        with contextlib.suppress(BriefError):  # no project here after all: the journal's
            known.update(project.profiles)
    if region not in known:
        listed = ", ".join(sorted(known)) or "none yet"
        raise BriefError(f"--region: unknown region {region!r} (known: {listed})")


def _day(entry: Entry) -> str:
    """The date the letter carried (for old render rows: the day it was journaled)."""
    return entry.letter_date or entry.created_at[:10]


def _matches(
    entry: Entry,
    region: str | None,
    first: dt.date | None,
    last: dt.date | None,
    template: str | None,
) -> bool:
    day = _day(entry)
    return (
        (region is None or entry.rayon == region)
        and (first is None or day >= first.isoformat())
        and (last is None or day <= last.isoformat())
        and (template is None or entry.template == template)
    )


def _scope(
    region: str | None, first: dt.date | None, last: dt.date | None, template: str | None
) -> str:
    """The filters in words: `` of region 'noord' since 2026-11-01``."""
    parts = []
    if template is not None:
        parts.append(f"of template {template!r}")
    if region is not None:
        parts.append(f"in region {region!r}")
    if first is not None and last is not None:
        parts.append(f"dated {first} to {last}")
    elif first is not None:
        parts.append(f"dated {first} or later")
    elif last is not None:
        parts.append(f"dated {last} or earlier")
    return "".join(f" {part}" for part in parts)


def _print_customer(
    customer: str, entries: list[Entry], path: Path, scope: str, as_json: bool
) -> None:
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(dataclasses.asdict(entry), ensure_ascii=False))
        return
    if not entries:
        typer.echo(f"No letters or e-mails to {customer!r}{scope} in {path}.", err=True)
        return
    header = ("date", "campaign", "template", "channel", "signer", "to", "status", "detail")
    _table([header, *lines(entries)])


def _print_overview(logs: Iterable[CustomerLog], path: Path, scope: str, as_json: bool) -> None:
    customers = letters = failed = 0
    rows: list[tuple[str, ...]] = [
        (
            "customer",
            "region",
            "letters",
            "latest",
            "template",
            "channel",
            "signer",
            "status",
            "failed",
            "detail",
        )
    ]
    for log in logs:
        customers += 1
        letters += len(log.entries)
        failed += log.failed
        latest = log.latest
        if as_json:
            item = {
                "record": log.record,
                "region": log.region,
                "letters": len(log.entries),
                "failed": log.failed,
                "latest": _entry_json(latest),
                "entries": [_entry_json(entry) for entry in log.entries],
            }
            typer.echo(json.dumps(item, ensure_ascii=False))
            continue
        problem = latest.status.startswith("failed") or latest.status == "skipped"
        rows.append(
            (
                log.record,
                log.region or "-",
                str(len(log.entries)),
                _day(latest),
                latest.template,
                latest.channel,
                latest.signer or "-",
                latest.status,
                str(log.failed),
                (latest.reply or "") if problem else "",
            )
        )
    if as_json:
        return
    if not customers:
        typer.echo(f"No letters or e-mails{scope} in {path}.", err=True)
        return
    _table(rows, right=(2, 8))
    typer.echo(
        f"{customers} customer{'s' if customers != 1 else ''}, {letters} "
        f"letter{'s' if letters != 1 else ''} and e-mails{scope}; {failed} failed "
        f"attempt{'s' if failed != 1 else ''} to send."
    )


def _entry_json(entry: Entry) -> dict[str, object]:
    found = dataclasses.asdict(entry)
    found.pop("events", None)  # the overview does not read the attempts (see brief history ID)
    return found


def _table(rows: list[tuple[str, ...]], right: tuple[int, ...] = ()) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        cells = [
            cell.rjust(width) if number and i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        typer.echo("  ".join(cells).rstrip())


def lines(entries: list[Entry]) -> list[tuple[str, ...]]:
    """One line per letter rendered and per attempt or skip of an e-mail, in time order."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for entry in entries:
        head = (
            entry.campaign or "-",
            entry.template,
            entry.channel,
            entry.signer or "-",
            entry.recipient or "-",
        )
        if entry.kind == "render" or not entry.events:
            detail = entry.path if entry.kind == "render" else entry.reply
            found.append((entry.when, (when(entry), *head, entry.status, detail or "")))
            continue
        for event in entry.events:
            moment = event.ended_at or event.at
            found.append((moment, (local(moment), *head, event.status, event.reply or "")))
    found.sort(key=lambda line: line[0])  # ISO 8601 in UTC: text order is time order
    return [line for _, line in found]
