"""``brief history``: every letter and e-mail to one customer, from the journal.

The library is :mod:`brief.journal`; this module prints its entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .common import JournalOpt, ProjectOpt, local, open_project, user_errors, when

if TYPE_CHECKING:
    from ..journal import Entry


def history(
    customer: Annotated[str, typer.Argument(help="The customer's id, as in the records.")],
    journal: JournalOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object a line, every journal field.")
    ] = False,
    project: ProjectOpt = None,
) -> None:
    """List every letter and e-mail brief rendered or sent to one customer, oldest first.

    Shows the date (local time), campaign, template, channel, signer,
    recipient, status and the server's reply (or the letter's file), from the
    journal that brief send and brief render write: every attempt to send an
    e-mail on its own line (each temporary failure, each retry, the last reply).

    Example:

        brief history K1001
    """
    from ..journal import Journal

    with user_errors():
        path = journal or open_project(project, None, None, None).settings.journal_path
        with Journal.open(path, create=False) as opened:
            entries = opened.history(customer)
    if as_json:
        import dataclasses
        import json

        for entry in entries:
            typer.echo(json.dumps(dataclasses.asdict(entry), ensure_ascii=False))
        return
    if not entries:
        typer.echo(f"No letters or e-mails to {customer!r} in {path}.", err=True)
        return
    header = ("date", "campaign", "template", "channel", "signer", "to", "status", "detail")
    rows = [header, *lines(entries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


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
