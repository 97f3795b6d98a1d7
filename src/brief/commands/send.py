"""``brief send``: e-mail a campaign, at most once per customer.

The library is :mod:`brief.send` (the campaign), :mod:`brief.mail` (SMTP)
and :mod:`brief.journal` (the SQLite journal); this module parses the
options, asks for confirmation and the password, and prints.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    AllowFindingsOpt,
    CheckOpt,
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
    TemplateOpt,
    TemplatesOpt,
    open_project,
    parse_date,
    records_source,
    user_errors,
    warn,
    when,
)

if TYPE_CHECKING:
    from rich.console import Console

    from ..send import Item, Plan

SHOWN = 10


def send(
    records: RecordsOpt,
    campaign: Annotated[
        str,
        typer.Option(
            "--campaign",
            "-c",
            help="Campaign name; a record is sent at most once per campaign (e.g. herinnering-2026-11).",
        ),
    ],
    template: TemplateOpt = None,
    really_send: Annotated[
        bool,
        typer.Option("--send", help="Send for real, after a confirmation (default: a dry run)."),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option("--retry-failed", help="Also retry the messages that failed temporarily."),
    ] = False,
    journal: JournalOpt = None,
    do_not_send: DoNotSendOpt = None,
    skip_invalid: SkipInvalidOpt = False,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    query: QueryOpt = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date the letters carry (default: the campaign's, else today); fixed per campaign.",
        ),
    ] = None,
    check: CheckOpt = True,
    allow_findings: AllowFindingsOpt = False,
    insecure_no_verify: Annotated[
        bool,
        typer.Option(
            "--insecure-no-verify",
            help="DANGER: do not verify the server's TLS certificate. Only for a local test relay.",
        ),
    ] = False,
    project: ProjectOpt = None,
    staff: StaffOpt = None,
    regions: RegionsOpt = None,
    templates: TemplatesOpt = None,
) -> None:
    """Send one e-mail per customer record, at most once per campaign.

    Without --send this is a dry run: it renders and checks every letter and
    shows what would be sent, per region and signer, and what not and why.
    With --send it asks for confirmation (--yes skips that) and sends, each
    message from its signer, journaled in brief.sqlite: running the same
    command again sends only what was not sent yet, also after a crash.
    Customers on the do-not-send list are skipped. Exit 0 when everything
    went, 1 when something failed (--retry-failed retries temporary
    failures), 2 for a usage or configuration error.

    The SMTP server is 'smtp:' in brief.yaml or BRIEF_SMTP_HOST, _PORT,
    _SECURITY and _USERNAME; the password comes from the environment
    variable smtp.password_env names (default BRIEF_SMTP_PASSWORD) or is asked for.

    Example:

        brief send -r examples/customers.csv -t betalingsherinnering -c herinnering-2026-11
    """
    import os

    from ..send import SendOptions, deliver, prepare

    with user_errors():
        proj = open_project(project, staff, regions, templates)
        options = SendOptions(
            records=records_source(records, sheet, query),
            campaign=campaign,
            template=template,
            send=really_send,
            retry_failed=retry_failed,
            journal=journal,
            do_not_send=list(do_not_send or ()),
            skip_invalid=skip_invalid,
            encoding=encoding,
            date=parse_date(date) if date is not None else None,
            check=check,
            allow_findings=allow_findings,
            insecure_no_verify=insecure_no_verify,
        )
        plan = prepare(proj, options, environ=os.environ, warn=warn)
        for warning in plan.warnings:
            warn(warning)
        console = _console()
        _print_plan(console, plan)
        if not really_send:
            console.print("Dry run: nothing was sent. Add --send to send.")
            raise typer.Exit(code=1 if plan.invalid or plan.refused else 0)
        going = plan.going()
        secret = None
        if going:
            assert plan.server is not None
            if not yes and not _confirm(plan):
                console.print("Nothing sent.")
                raise typer.Exit(code=1)
            from ..mail import password

            secret = password(plan.server, os.environ, _ask if _stdin_is_tty() else None)
        try:
            if going and sys.stderr.isatty():
                _deliver_with_progress(plan, secret)
            else:
                deliver(plan, password=secret)
        except KeyboardInterrupt:
            _print_result(console, plan)
            typer.echo("Interrupted. Run the same command again to send the rest.", err=True)
            raise typer.Exit(code=130) from None
        _print_result(console, plan)
    if plan.failed or plan.invalid or plan.refused or plan.by_outcome("not-sent"):
        raise typer.Exit(code=1)


def _deliver_with_progress(plan: Plan, secret: str | None) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..send import deliver

    columns = (
        TextColumn("Sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("send", total=len(plan.going()))
        deliver(plan, password=secret, on_item=lambda item: progress.advance(task))


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _ask(prompt: str) -> str:
    try:
        return str(typer.prompt(prompt, hide_input=True, err=True))
    except typer.Abort:
        return ""


def _confirm(plan: Plan) -> bool:
    count = len(plan.going())
    assert plan.server is not None
    question = (
        f"Send {count} e-mail{'s' if count != 1 else ''} for campaign {plan.campaign!r} "
        f"via {plan.server.describe()}?"
    )
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        return False


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _print_plan(console: Console, plan: Plan) -> None:
    from rich.table import Table
    from rich.text import Text

    from ..send import BY_POST, FAILED_BEFORE, RESEND, RETRY, SENT_BEFORE, SKIP

    going = plan.going()
    console.print(
        f"Campaign {plan.campaign!r}, letters dated {plan.letter_date.isoformat()}, "
        f"journal {plan.journal}",
        markup=False,
    )
    if going:
        table = Table(show_footer=True)
        table.add_column("region", footer="total")
        table.add_column("signer")
        table.add_column("to send", justify="right", footer=str(len(going)))
        for (region, signer), count in sorted(plan.per_signer().items()):
            table.add_row(Text(region), Text(signer), str(count))  # names are no markup
        console.print(table)
    _lines(
        console,
        "Sending again",
        plan.by_action(RESEND),
        lambda item: (
            "it was being sent when an earlier run stopped "
            "(the customer may get it twice, with the same Message-ID)"
        ),
    )
    _lines(console, "Retrying", plan.by_action(RETRY), lambda item: item.reason)
    _lines(console, "Skipped", plan.by_action(SKIP), lambda item: item.reason)
    _lines(
        console,
        "By post",
        plan.by_action(BY_POST),
        lambda item: f"{item.reason}: its letter is printed with brief render, not e-mailed",
    )
    sent_before = plan.by_action(SENT_BEFORE)
    _lines(
        console,
        "Changed since it was sent",
        [item for item in sent_before if item.changed],
        lambda item: f"sent {when(item.previous)}; not sent again",
    )
    _lines(
        console,
        "Not retried",
        plan.by_action(FAILED_BEFORE),
        lambda item: _failed_before(item),
    )
    for problem in [*plan.problems, *plan.refusals]:
        console.print(f"Rejected: {problem}", markup=False)
    more = plan.invalid + plan.refused - len(plan.problems) - len(plan.refusals)
    if more > 0:
        console.print(f"... and {more} more rejected")
    if plan.findings:
        rules = ", ".join(f"{rule} ({n})" for rule, n in sorted(plan.findings.items()))
        console.print(f"Findings: {rules}", markup=False)
    if plan.refused:
        console.print(
            f"{_plural(plan.refused, 'letter')} held back by checks "
            "(--allow-findings sends them anyway)"
        )
    parts = [f"{_plural(len(going), 'e-mail')} to send"]
    if plan.server is not None and going:
        parts[0] += f" via {plan.server.describe()} {plan.describe_sender()}"
    elif going:
        parts[0] += f" ({plan.server_problem})"
    counts = [
        (len(plan.by_action(SKIP)), "skipped"),
        (len(plan.by_action(BY_POST)), "by post"),
        (len(sent_before), "sent before"),
        (len(plan.by_action(FAILED_BEFORE)), "failed before"),
        (plan.invalid + plan.refused, "rejected"),
    ]
    parts += [f"{count} {what}" for count, what in counts if count]
    console.print(", ".join(parts) + ".", markup=False)


def _lines(console: Console, label: str, items: list[Item], reason: Callable[[Item], str]) -> None:
    for item in items[:SHOWN]:
        console.print(f"{label}: {item.record}: {reason(item)}", markup=False)
    if len(items) > SHOWN:
        console.print(f"... and {len(items) - SHOWN} more", markup=False)


def _failed_before(item: Item) -> str:
    previous = item.previous
    assert previous is not None
    if previous.status == "failed-temporary":
        return f"failed temporarily ({previous.reply}); --retry-failed retries it"
    return f"failed permanently ({previous.reply})"


def _print_result(console: Console, plan: Plan) -> None:
    from ..mail import PERMANENT, TEMPORARY
    from ..send import BY_POST, FAILED_BEFORE, NOT_SENT, SENT_BEFORE

    for item in plan.by_outcome(TEMPORARY, PERMANENT):
        kind = "temporary" if item.outcome == TEMPORARY else "permanent"
        tries = f", {_plural(item.attempts, 'attempt')}" if item.attempts > 1 else ""
        console.print(
            f"Failed: {item.record} <{item.recipient}>: {item.reply} ({kind}{tries})",
            markup=False,
        )
    not_sent = plan.by_outcome(NOT_SENT)
    if not_sent:
        console.print(
            f"Not sent: {_plural(len(not_sent), 'e-mail')}; {not_sent[0].reply}", markup=False
        )
    counts = [
        (len(plan.by_outcome("sent")), "sent"),
        (len(plan.failed), "failed"),
        (len(plan.by_outcome("skipped")), "skipped"),
        (len(plan.by_action(BY_POST)), "by post"),
        (len(plan.by_action(SENT_BEFORE)), "sent before"),
        (plan.invalid + plan.refused, "rejected"),
        (len(not_sent), "not sent"),
    ]
    always = ("sent", "failed", "skipped")
    summary = ", ".join(f"{count} {what}" for count, what in counts if count or what in always)
    console.print(f"Campaign {plan.campaign!r}: {summary}.", markup=False)
    temporary = [
        item
        for item in plan.failed
        if item.outcome == TEMPORARY
        or (item.action == FAILED_BEFORE and item.previous and item.previous.status == TEMPORARY)
    ]
    if temporary:
        console.print("Run it again with --retry-failed to retry the temporary failures.")
