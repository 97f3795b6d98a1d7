"""``brief send``: one e-mail per customer record, sent at most once per campaign.

Two steps, so that a dry run and a real run show the same thing:

- :func:`prepare` reads the records, renders and checks every letter with
  brief's render pipeline, and compares each record with the journal and
  the do-not-send list. It changes nothing and returns a :class:`Plan`.
- :func:`deliver` sends the plan: for each message it *claims* the record
  in the journal (``queued``, committed) before handing the message to
  SMTP, and records ``sent`` (committed) as soon as the server accepted
  it. Temporary failures are retried with backoff; permanent ones are
  recorded and the batch goes on.

Delivery guarantee. The journal is keyed on (campaign, record id): a record
whose row says ``sent`` is never sent again in that campaign, whatever
happens to the records file. A run that stops (Ctrl-C, a crash, ``kill
-9``, a power cut) leaves at most one row ``queued``: the message that was
being handed over. The next run sends it again, because the journal cannot
know whether the server accepted it in the moment between the server's
reply and the journal's commit (SMTP has no way to ask afterwards). So
every customer gets the message exactly once, except that this one message
may arrive twice; the copy is byte for byte the same message, with the
same Message-ID (derived from campaign, record and content) and Date, so
mail programs that merge duplicates show it once. The same holds for a
connection lost after the whole message was sent but before the server
answered: it is retried and may arrive twice, identical.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path

from . import mail, mime
from .batch import RecordChecker, check, described, render_one
from .donotsend import DoNotSend, load_lists
from .errors import BriefError, InvalidInput, Problems, RecordError, TemplateError
from .history import Source as HistorySource
from .journal import Entry, Journal, Outgoing, amount_named, content_hash, utc_now
from .project import Project, SmtpSettings
from .records import Record, Records, read_records
from .render import POST, Letter
from .signoff import ANONYMOUS, signed_by

SHOWN_PROBLEMS = 10

# What a run does with a record (Item.action).
SEND = "send"  # new in this campaign
RESEND = "resend"  # was being handed over when an earlier run stopped: in doubt, sent again
RETRY = "retry"  # failed temporarily in an earlier run; --retry-failed
SKIP = "skip"  # on the do-not-send list
SENT_BEFORE = "sent-before"  # already sent in this campaign: never again
FAILED_BEFORE = "failed-before"  # failed in an earlier run and not retried now
REJECTED = "rejected"  # invalid, or refused by the checks
BY_POST = "by-post"  # the customer gets the template's letter version: brief render prints it
GOING = (SEND, RESEND, RETRY)

# What became of it (Item.outcome), besides the journal statuses.
NOT_SENT = "not-sent"  # the batch stopped before it


@dataclass
class SendOptions:
    records: Records  # a path, a database URL or a sources.Source
    campaign: str
    template: str | None = None
    send: bool = False  # False: a dry run
    retry_failed: bool = False
    journal: Path | None = None  # default: the project's (brief.sqlite)
    do_not_send: list[Path] = field(default_factory=list)  # added to the project's do_not_send
    skip_invalid: bool = False
    encoding: str | None = None
    date: dt.date | None = None  # default: the campaign's date, else today
    check: bool = True
    allow_findings: bool = False
    insecure_no_verify: bool = False


@dataclass
class Item:
    """One record of the run: what will be, and then what was, done with it."""

    record: str
    line: int | None
    action: str
    reason: str = ""
    region: str | None = None
    signer: str | None = None  # the people the closing names, joined; "" for nobody
    template: str | None = None
    recipient: str | None = None
    letter: Letter | None = None
    content_hash: str | None = None
    previous: Entry | None = None
    changed: bool = False  # the letter differs from the one sent before
    outcome: str | None = None  # after deliver(): a journal status or NOT_SENT
    reply: str = ""
    attempts: int = 0


@dataclass
class Plan:
    campaign: str
    letter_date: dt.date
    journal: Path
    smtp: SmtpSettings
    server: mail.Server | None
    server_problem: str | None  # why there is no server (a dry run goes on without)
    warnings: list[str]
    items: list[Item] = field(default_factory=list)
    problems: list[BriefError] = field(default_factory=list)  # the first invalid records
    refusals: list[BriefError] = field(default_factory=list)  # the first refused letters
    invalid: int = 0  # records rejected as invalid
    refused: int = 0  # letters held back by an error-level finding
    findings: Counter[str] = field(default_factory=Counter)

    def going(self) -> list[Item]:
        return [item for item in self.items if item.action in GOING]

    def by_action(self, *actions: str) -> list[Item]:
        return [item for item in self.items if item.action in actions]

    def by_outcome(self, *outcomes: str) -> list[Item]:
        return [item for item in self.items if item.outcome in outcomes]

    def per_signer(self) -> Counter[tuple[str, str]]:
        """Messages to send per (region, signer)."""
        return Counter((item.region or "", item.signer or ANONYMOUS) for item in self.going())

    def sender(self, letter: Letter) -> str:
        """The envelope sender: the signer, or the organisation's address."""
        if self.smtp.envelope == "organisation" and self.smtp.organisation_address:
            return self.smtp.organisation_address
        return letter.signer.email

    def from_address(self) -> str | None:
        """The From address when it is not the signer's own (envelope: organisation)."""
        if self.smtp.envelope == "organisation":
            return self.smtp.organisation_address
        return None

    def describe_sender(self) -> str:
        address = self.from_address()
        if address is None:
            return "from the signers' own addresses"
        return f"from {address} with Reply-To the signer"

    @property
    def failed(self) -> list[Item]:
        """Not delivered: failed in this run, or before and not retried."""
        return [
            item
            for item in self.items
            if item.outcome in (mail.TEMPORARY, mail.PERMANENT)
            or (item.action == FAILED_BEFORE and item.outcome is None)
        ]


# -- the message -------------------------------------------------------------------


def build_message(
    letter: Letter, *, message_id: str, date: str, from_address: str | None = None
) -> bytes:
    """The message's bytes (:func:`brief.mime.message_bytes`) with the Message-ID and
    Date the journal keeps for it, so a resend is the same message; for an
    organisation envelope From is ``from_address`` (the signer's name kept) and
    Reply-To the signer."""
    return mime.message_bytes(letter, message_id=message_id, date=date, from_address=from_address)


def _check_message(letter: Letter, from_address: str | None) -> None:
    """Build the message once, so that a record that cannot be e-mailed is rejected up front."""
    build_message(
        letter,
        message_id="<check@brief.invalid>",
        date="Thu, 01 Jan 1970 00:00:00 +0000",
        from_address=from_address,
    )


def record_error(record: Record, message: str, field: str | None = None) -> RecordError:
    return RecordError(message, path=record.path, line=record.line, record=record.id, field=field)


# -- planning ------------------------------------------------------------------------


def prepare(
    project: Project,
    options: SendOptions,
    *,
    environ: Mapping[str, str],
    warn: Callable[[str], None] | None = None,
    today: dt.date | None = None,
) -> Plan:
    """Everything a run would do, and nothing done: render, check, compare with the journal."""
    campaign = _campaign_name(options.campaign)
    if options.template is not None:
        project.templates.require(options.template)
        _require_email(project, options.template)
    project.profiles  # load and check the project before touching any record  # noqa: B018
    journal_path = options.journal or project.settings.journal_path
    previous: dict[str, Entry] = {}
    stored_date = None
    if journal_path.exists():
        with Journal.open(journal_path, create=False) as journal:
            previous = journal.entries(campaign)
            stored_date = journal.campaign_date(campaign)
    letter_date = _letter_date(campaign, options.date, stored_date, today)
    do_not_send = load_lists(project.settings.do_not_send, options.do_not_send)
    smtp = project.settings.smtp
    server: mail.Server | None = None
    problem = None
    try:
        server = mail.server(smtp, environ, insecure=options.insecure_no_verify)
    except mail.MailError as err:
        if options.send:
            raise
        problem = str(err)
    plan = Plan(
        campaign=campaign,
        letter_date=letter_date,
        journal=journal_path,
        smtp=smtp,
        server=server,
        server_problem=problem,
        warnings=mail.warnings(server) if server else [],
    )
    checker = RecordChecker(project, options.template)
    history = HistorySource(journal_path, campaign=campaign)  # not the campaign's own e-mails
    try:
        for entry in read_records(options.records, encoding=options.encoding, warn=warn):
            item = _plan_one(project, plan, entry, checker, options, previous, do_not_send, history)
            plan.items.append(item)
    finally:
        history.close()
    if plan.invalid and not options.skip_invalid:
        raise InvalidInput(
            Problems(plan.problems, plan.invalid),
            consequence="nothing was sent",
            advice="use --skip-invalid to send the valid ones",
        )
    return plan


def _plan_one(
    project: Project,
    plan: Plan,
    entry: Record | RecordError,
    checker: RecordChecker,
    options: SendOptions,
    previous: Mapping[str, Entry],
    do_not_send: DoNotSend | None,
    history: HistorySource,
) -> Item:
    if isinstance(entry, RecordError):
        return _reject(plan, entry)
    record = entry
    before = previous.get(record.id)
    sent_before = before is not None and before.status == "sent"
    base = Item(
        record=record.id,
        line=record.line,
        action=SEND,
        region=str(record.get("region")) if record.get("region") else None,
        template=options.template or record.get("template"),
        recipient=str(record.get("email")) if record.get("email") else None,
        previous=before,
    )
    # The do-not-send list comes first: a customer on it is not e-mailed,
    # whatever else is wrong with the record (often: no address).
    reason = do_not_send.match(record) if do_not_send else None
    if reason is not None and not sent_before:
        with contextlib.suppress(RecordError):
            checker(record)  # remember the id, for duplicates further on
        base.action, base.reason = SKIP, reason
        return base
    try:
        profile, template = checker(record)
        try:
            spec, why = project.templates.choose(template, profile, record)
        except TemplateError as err:
            field = "channel" if err.message.startswith("wants post") else "template"
            raise record.error(err.message, field) from None
        if spec.channel == "letter" and why != "letter only":
            base.action, base.reason = (SENT_BEFORE, "") if sent_before else (BY_POST, why)
            base.template = spec.name
            return base
        letter = render_one(project, record, profile, template, plan.letter_date, history=history)
        if letter.channel != "email":
            raise record_error(
                record,
                f"template {template!r} is a letter ({letter.template.path.name}); "
                "brief send sends e-mail templates only",
                "template",
            )
        _check_message(letter, plan.from_address())
    except RecordError as err:
        if sent_before:
            base.action = SENT_BEFORE
            return base
        return _reject(plan, err)
    base.letter = letter
    base.region = letter.profile.id
    base.signer = ", ".join(signed_by(letter.text, project.roster))  # "" for nobody
    base.template = letter.template.name
    base.content_hash = content_hash(letter)
    found = check(letter, project) if options.check else []
    for each in found:
        plan.findings[each.rule.id] += 1
    errors = [described(f) for f in found if f.rule.severity == "error"]
    status = before.status if before is not None else None
    if status == "sent":
        assert before is not None
        base.action = SENT_BEFORE
        base.changed = before.content_hash != base.content_hash
        return base
    if errors and not options.allow_findings:
        refusal = record_error(record, "refused by checks: " + "; ".join(errors))
        plan.refused += 1
        if len(plan.refusals) < SHOWN_PROBLEMS:
            plan.refusals.append(refusal)
        base.action, base.reason = REJECTED, refusal.reason
        return base
    if status == "queued":
        base.action = RESEND
    elif status == "failed-temporary":
        base.action = RETRY if options.retry_failed else FAILED_BEFORE
    elif status == "failed-permanent":
        base.action = FAILED_BEFORE
        assert before is not None
        if before.recipient and base.recipient and before.recipient != base.recipient:
            # The server refused the old address for good; the record has a new one.
            base.action = RETRY
            base.reason = (
                f"failed permanently for {before.recipient} ({before.reply or 'no reply'}); "
                f"the address is now {base.recipient}"
            )
            return base
    if before is not None and base.action in (RETRY, FAILED_BEFORE):
        base.reason = before.reply or ""
    return base


def _reject(plan: Plan, err: RecordError) -> Item:
    plan.invalid += 1
    if len(plan.problems) < SHOWN_PROBLEMS:
        plan.problems.append(err)
    return Item(record=err.record or "", line=err.line, action=REJECTED, reason=err.reason)


def _campaign_name(name: str) -> str:
    name = name.strip()
    if not name or not name.isprintable() or len(name) > 100:
        raise BriefError(
            "--campaign: give the campaign a name of up to 100 printable characters, "
            "e.g. herinnering-2026-11"
        )
    return name


def _require_email(project: Project, name: str) -> None:
    """Refuse a letter template; an e-mail's letter versions (``NAME[.VARIANT].post.j2``) are
    the post of the campaign, listed as such, not a reason to refuse it."""
    for stem in project.templates.variants(name):
        if stem.endswith(f".{POST}"):
            continue
        spec = project.templates.load(stem)
        if spec.channel != "email":
            raise TemplateError(
                f"template {name!r} is a letter (channel: {spec.channel}); brief send sends "
                "e-mail templates only (channel: email); brief render writes letters",
                path=spec.path,
            )


def _letter_date(
    campaign: str, requested: dt.date | None, stored: dt.date | None, today: dt.date | None
) -> dt.date:
    if stored is not None and requested is not None and requested != stored:
        raise BriefError(
            f"--date: campaign {campaign!r} has letters dated {stored.isoformat()}; "
            "leave out --date to go on with it, or start a new --campaign"
        )
    return requested or stored or today or dt.date.today()


# -- sending --------------------------------------------------------------------------


def backoff(attempt: int, first: float) -> float:
    """Seconds to wait after failed attempt number ``attempt``: first, 2 x first, 4 x first ..."""
    return first * 2 ** (attempt - 1)


def deliver(
    plan: Plan,
    *,
    password: str | None = None,
    on_item: Callable[[Item], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], dt.datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Send what the plan says, journaling every step; each item gets its ``outcome``.

    A :class:`~brief.mail.MailError` before the first message (the server
    cannot be reached, is not trusted, refuses the login) stops it with
    nothing sent. When the server cannot be reached again in the middle,
    the rest is left for the next run (``not-sent``).
    """
    try:
        _deliver(plan, password, on_item, sleep, clock, monotonic)
    except sqlite3.Error as err:
        raise BriefError(
            f"cannot write the journal: {err}; stopped (run the same command again to go on)",
            path=plan.journal,
        ) from None


def _deliver(
    plan: Plan,
    password: str | None,
    on_item: Callable[[Item], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], dt.datetime],
    monotonic: Callable[[], float],
) -> None:
    going = plan.going()
    with Journal.open(plan.journal, clock=clock) as journal, journal.lock():
        mailer = None
        if going:
            assert plan.server is not None
            mailer = mail.Mailer(plan.server, password)
            mailer.connect()
        try:
            stored = journal.start_campaign(plan.campaign, plan.letter_date)
            if stored != plan.letter_date:
                raise BriefError(
                    f"campaign {plan.campaign!r} was started meanwhile with letters dated "
                    f"{stored.isoformat()}; run the command again"
                )
            for item in plan.by_action(SKIP):
                journal.skip(plan.campaign, _outgoing(item), item.reason)
                item.outcome = "skipped"
            if mailer is None:
                return
            limiter = mail.RateLimiter(plan.smtp.rate, clock=monotonic, sleep=sleep)
            stopped = None
            for item in going:
                if stopped is not None:
                    item.outcome, item.reply = NOT_SENT, stopped
                    continue
                connected = _deliver_one(plan, item, journal, mailer, limiter, sleep, clock)
                if not connected:
                    stopped = f"the batch stopped: {item.reply}"
                if on_item is not None:
                    on_item(item)
        finally:
            if mailer is not None:
                mailer.close()


def _outgoing(item: Item, **more: str | None) -> Outgoing:
    return Outgoing(
        record=item.record,
        template=item.template or "",
        rayon=item.region,  # the journal's column
        signer=item.signer,
        recipient=item.recipient,
        content_hash=item.content_hash,
        amount=amount_named(item.letter) if item.letter is not None else None,
        **more,
    )


def _deliver_one(
    plan: Plan,
    item: Item,
    journal: Journal,
    mailer: mail.Mailer,
    limiter: mail.RateLimiter,
    sleep: Callable[[float], None],
    clock: Callable[[], dt.datetime],
) -> bool:
    """Claim, send, record; retry temporary failures. False: the server is out of reach."""
    letter = item.letter
    assert letter is not None and item.content_hash is not None and item.recipient is not None
    sender = plan.sender(letter)
    from_address = plan.from_address()
    domain = (from_address or letter.signer.email).rpartition("@")[2]
    message_id = journal.message_id(plan.campaign, item.record, item.content_hash, domain)
    allow = {"queued", "skipped"}
    if item.action == RETRY:
        allow.add("failed-temporary")
        if item.previous is not None and item.previous.status == "failed-permanent":
            allow.add("failed-permanent")  # for the record's new address (see _plan_one)
    reply = None
    while True:
        outgoing = _outgoing(
            item, sender=sender, message_id=message_id, message_date=format_datetime(clock())
        )
        entry = journal.claim(plan.campaign, outgoing, allow=allow)
        if entry is None:  # its row changed since the plan was made (by another run)
            # (queued and skipped rows are always claimable: it is sent or failed)
            current = journal.entry(plan.campaign, item.record)
            assert current is not None
            if current.status == "sent":
                item.action = SENT_BEFORE
            else:
                item.action, item.previous = FAILED_BEFORE, current
            return True
        assert entry.message_id is not None and entry.message_date is not None
        data = build_message(
            letter, message_id=entry.message_id, date=entry.message_date, from_address=from_address
        )
        limiter.wait()
        reply = mailer.send(data, sender, item.recipient)
        # The window: the server has accepted the message, the journal does not know yet.
        item.attempts += 1
        if reply.status != mail.TEMPORARY or item.attempts > plan.smtp.retries:
            journal.finish(entry.id, reply.status, reply.text)
            break
        # It stays queued (with the server's reply) while it waits: a run stopped during
        # the back-off leaves it for the plain rerun to send, as any queued message.
        journal.note_reply(entry.id, reply.text)
        sleep(backoff(item.attempts, plan.smtp.backoff))
    item.outcome, item.reply = reply.status, reply.text
    return reply.connected
