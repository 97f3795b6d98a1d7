"""``brief history``: every letter and e-mail to one customer, from the journal.

The library is :mod:`brief.journal`; this module prints its entries.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .common import JournalOpt, ProjectOpt, open_project, user_errors, when


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
    journal that brief send and brief render write.

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
    rows = [header]
    for entry in entries:
        detail = entry.path if entry.kind == "render" else entry.reply
        rows.append(
            (
                when(entry),
                entry.campaign or "-",
                entry.template,
                entry.channel,
                entry.signer or "-",
                entry.recipient or "-",
                entry.status,
                detail or "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
