"""Follow-up levels: which step of the collection sequence is due for each customer today.

The sequence is ``followup:`` in brief.yaml, an ordered list of steps::

    followup:
      - template: betalingsherinnering   # a letter or e-mail step
        after_days: 7
        from: due_date                   # or previous (the default)
      - template: 14-dagenbrief
        fourteen_day_letter: true        # the statutory 14-day letter
        after_days: 14
      - action: call                     # a work-list step: no letter
        after_days: 21
        min_amount: 250
      - action: hand-over
        after_days: 14
        charges_wik: true

:func:`decide` walks the steps for one customer with the letters the
journal holds for them (:class:`Contact`) and says what is due today and
why, or why nothing is. The legal guards are part of that walk and no
setting turns them off:

- a ``fourteen_day_letter`` step only after the due date has passed and
  after an earlier reminder (unless the step says ``without_reminder``, for
  every customer or for some rayons);
- a step that ``charges_wik`` only on a day after the 14-day term of a sent
  14-day letter ended; the term starts the day after the tenant receives
  the letter, assumed :data:`DELIVERY_DAYS` after its date, as the
  templates say;
- never two collection letters within a step's ``min_gap_days`` (default
  7), never the same step twice, nothing to a customer on the do-not-send
  list, and to a customer with an active payment arrangement only the steps
  ``for_arrangement``.

A letter counts from the date it carried. Only letters of the current
arrears count as steps done: those dated on or after the record's due date.
Work-list steps (``call``, ``hand-over``) leave no letter in the journal;
each is on the work list from the day it became due until the next step
is due (the last one until the customer leaves the records), and the next
step counts from the day it became due.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BriefError, ConfigError, RecordError, TemplateError
from .formatting import money, wik
from .records import Record, Records, parse_amount

if TYPE_CHECKING:
    from .journal import Entry
    from .profiles import Profile
    from .project import Project
    from .staff import StaffMember

ACTIONS = ("call", "hand-over")
FROM = ("previous", "due_date")
CHANNELS = ("email", "post")
DEFAULT_GAP_DAYS = 7
# When the plan assumes the tenant has the letter: its date plus three days, as the
# 14-dagenbrief templates say ("binnen drie dagen", the term ends on today + 17).
DELIVERY_DAYS = 3
TERM_DAYS = 14  # the statutory term, from the day after the letter was received
# Journal statuses that mean the customer has (or may have) the letter. A failed or
# skipped message did not reach them; a queued one may have, and one waiting for a
# retry will go, so both count against the gap and the same step twice.
REACHED = frozenset({"rendered", "sent"})
MAY_HAVE = REACHED | {"queued", "failed-temporary"}

STEP_KEYS = (
    "name",
    "template",
    "action",
    "after_days",
    "from",
    "fourteen_day_letter",
    "without_reminder",
    "charges_wik",
    "min_amount",
    "rayons",
    "channel",
    "for_arrangement",
    "min_gap_days",
)

# What became of a customer in the plan (Decision.status).
DUE = "due"  # a letter or e-mail step is due today
WORK = "work"  # on the work list (a call or hand-over)
WAITING = "waiting"  # the next step is due later
HELD = "held"  # a step is due, but a legal guard refuses it today
EXCLUDED = "excluded"  # nothing at all for this customer (do-not-send, arrangement)
FINISHED = "finished"  # every step is done


@dataclass(frozen=True)
class Step:
    """One level of the sequence, as brief.yaml declares it."""

    number: int  # 1-based position in followup:
    name: str
    template: str | None  # a letter or e-mail step
    action: str | None  # call or hand-over: a work-list step
    after_days: int
    counted_from: str  # previous or due_date
    fourteen_day_letter: bool = False
    # The 14-day letter may be the first letter: for every customer (True) or these rayons.
    without_reminder: bool | tuple[str, ...] = False
    charges_wik: bool = False
    min_amount: Decimal | None = None
    rayons: tuple[str, ...] = ()
    channel: str | None = None  # email or post: the customer's channel
    for_arrangement: bool = False
    min_gap_days: int = DEFAULT_GAP_DAYS
    path: str = ""
    line: int = 0

    @property
    def is_letter(self) -> bool:
        return self.template is not None

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"followup[{self.number}]: {message}", path=self.path, line=self.line)


@dataclass(frozen=True)
class Followup:
    """The steps of ``followup:`` in brief.yaml, checked."""

    steps: tuple[Step, ...]

    def by_template(self) -> dict[str, Step]:
        return {step.template: step for step in self.steps if step.template}

    def track(self, arrangement: bool) -> list[Step]:
        """The steps for customers with (or without) an active payment arrangement."""
        return [step for step in self.steps if step.for_arrangement == arrangement]


def parse_followup(node: Any, path: Path | str, line: int) -> Followup:
    """Check ``followup:`` (a list of steps); every mistake names the step and its line."""
    from .yamlfile import Fields, NodeList

    if not isinstance(node, list):
        raise ConfigError("field 'followup': must be a list of steps", path=path, line=line)
    if not node:
        raise ConfigError("field 'followup': give at least one step", path=path, line=line)
    steps: list[Step] = []
    names: dict[str, int] = {}
    templates: dict[str, int] = {}
    for index, item in enumerate(node):
        number = index + 1
        item_line = node.line_of_item(index) if isinstance(node, NodeList) else line
        try:
            fields = Fields(item, path, "a step", line=item_line)
            step = _step(fields, number, str(path))
        except ConfigError as err:
            raise ConfigError(
                f"followup[{number}]: {err.message}", path=err.path, line=err.line
            ) from None
        if step.template is not None:
            if step.template in templates:
                raise step.error(
                    f"template {step.template!r} is already step {templates[step.template]} "
                    "(the journal tells the steps apart by their template)"
                )
            templates[step.template] = number
        if step.name in names:
            raise step.error(f"step name {step.name!r} is already step {names[step.name]}")
        names[step.name] = number
        steps.append(step)
    return Followup(tuple(steps))


def _step(fields: Any, number: int, path: str) -> Step:
    fields.reject_unknown(STEP_KEYS)
    node = fields.node
    template = fields.text("template", required=False) or None
    action = node.get("action")
    if action is not None:
        action = fields.choice("action", {a: a for a in ACTIONS}, default="call")
    if (template is None) == (action is None):
        raise fields.error(None, "give either 'template' (a letter) or 'action' (call, hand-over)")
    after = node.get("after_days")
    if after is None:
        raise fields.error(None, "field 'after_days' is required (days until the step is due)")
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= 3650:
        raise fields.error("after_days", f"must be a whole number of days (0-3650), not {after!r}")
    gap = node.get("min_gap_days", DEFAULT_GAP_DAYS)
    if isinstance(gap, bool) or not isinstance(gap, int) or not 1 <= gap <= 365:
        raise fields.error("min_gap_days", f"must be a whole number of days (1-365), not {gap!r}")
    fourteen = fields.flag("fourteen_day_letter", default=False)
    without_reminder: bool | tuple[str, ...] = False
    if isinstance(node.get("without_reminder"), list):
        without_reminder = tuple(fields.text_list("without_reminder"))
    else:
        without_reminder = fields.flag("without_reminder", default=False)
    charges_wik = fields.flag("charges_wik", default=False)
    if fourteen and template is None:
        raise fields.error("fourteen_day_letter", "only a letter step (template) can be one")
    if without_reminder and not fourteen:
        raise fields.error("without_reminder", "only for the 14-day letter (fourteen_day_letter)")
    if fourteen and charges_wik:
        raise fields.error(
            "charges_wik",
            "the 14-day letter cannot charge collection costs: they may be charged only "
            "after its term",
        )
    minimum = None
    if node.get("min_amount") is not None:
        raw = node["min_amount"]
        try:
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise ValueError(f"{raw!r} is not an amount")
            minimum = Decimal(str(raw)) if not isinstance(raw, str) else parse_amount(raw)
        except ValueError as err:
            raise fields.error("min_amount", str(err)) from None
    channel = None
    if node.get("channel") is not None:
        channel = fields.choice("channel", {c: c for c in CHANNELS}, default="email")
    counted_from = fields.choice("from", {f: f for f in FROM}, default="previous")
    name = fields.text("name", required=False) or template or action
    return Step(
        number=number,
        name=name,
        template=template,
        action=action,
        after_days=after,
        counted_from=counted_from,
        fourteen_day_letter=fourteen,
        without_reminder=without_reminder,
        charges_wik=charges_wik,
        min_amount=minimum,
        rayons=tuple(fields.text_list("rayons")),
        channel=channel,
        for_arrangement=fields.flag("for_arrangement", default=False),
        min_gap_days=gap,
        path=path,
        line=node.line,
    )


# -- what the journal says --------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A letter or e-mail the customer got (or may have got), by the date it carried."""

    template: str
    letter_date: dt.date
    signer: str | None = None
    status: str = "sent"
    amount: Decimal | None = None  # the amount the letter named, when the journal knows it

    @property
    def reached(self) -> bool:
        return self.status in REACHED

    def describe(self, today: dt.date) -> str:
        """``betalingsherinnering sent 2026-11-08 by Ineke de Vries, 14 days ago``."""
        verb = "sent" if self.reached else f"{self.status}"
        by = f" by {self.signer}" if self.signer else ""
        return f"{self.template} {verb} {self.letter_date.isoformat()}{by}, {_ago(self.letter_date, today)}"


def contact_of(entry: Entry) -> Contact | None:
    """The journal row as a contact, or None when it did not reach the customer."""
    if entry.status not in MAY_HAVE:
        return None
    # A render row of a version-1 journal has no letter date: the day it was rendered (UTC).
    day = entry.letter_date or entry.created_at[:10]
    return Contact(
        template=entry.template,
        letter_date=dt.date.fromisoformat(day),
        signer=entry.signer,
        status=entry.status,
        amount=Decimal(entry.amount) if entry.amount else None,
    )


def _ago(day: dt.date, today: dt.date) -> str:
    days = (today - day).days
    if days == 0:
        return "today"
    if days == 1:
        return "1 day ago"
    if days < 0:
        return f"in {-days} days"
    return f"{days} days ago"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


# -- deciding --------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What the plan does with one customer today, and why."""

    record: Record
    status: str  # DUE, WORK, WAITING, HELD, EXCLUDED, FINISHED
    reason: str
    step: Step | None = None  # due, on the work list, held, or next
    on: dt.date | None = None  # WORK: on the list since; WAITING: due on; HELD: possible from
    contact: StaffMember | None = None  # who signs, or who calls
    # DUE or WORK for a step that charges WIK: the amount the costs are over (the amount the
    # 14-day letter named, whatever the records say now).
    wik_amount: Decimal | None = None

    @property
    def label(self) -> str:
        """The step for the counts: its name, or what became of the customer."""
        if self.status in (DUE, WORK) and self.step is not None:
            return self.step.name
        return f"({self.status})"


def arrangement_of(record: Record) -> bool:
    """Whether the record's ``arrangement`` field says a payment arrangement is active."""
    value = record.get("arrangement")
    if value is None or value is False:
        return False
    if value is True:
        return True
    text = str(value).strip().lower()
    if text in ("yes", "ja", "true", "1", "y", "j"):
        return True
    if text in ("no", "nee", "false", "0", "n"):
        return False
    raise record.error(f"{value!r} is not yes or no (ja/nee)", "arrangement")


def customer_channel(record: Record) -> str:
    """``email`` or ``post``: the record's ``channel``, else e-mail when it has an address."""
    value = record.get("channel")
    if value is not None:
        text = str(value).strip().lower()
        if text == "letter":
            text = "post"
        if text not in CHANNELS:
            raise record.error(f"{value!r} is not one of email, post", "channel")
        return text
    return "email" if record.get("email") else "post"


def due_date_of(record: Record) -> dt.date:
    value = record.get("due_date")
    if value is None:
        raise record.error("required for brief plan (the date the amount was due)", "due_date")
    if not isinstance(value, dt.date):  # pragma: no cover - records.py types *_date fields
        raise record.error(f"{value!r} is not a date", "due_date")
    return value


def amount_of(record: Record) -> Decimal:
    value = record.get("amount")
    if value is None:
        raise record.error("required for brief plan (the amount open)", "amount")
    if not isinstance(value, Decimal):  # pragma: no cover - records.py types amounts
        raise record.error(f"{value!r} is not an amount", "amount")
    return value


def _applies(step: Step, record: Record, amount: Decimal, channel: str) -> str | None:
    """Why ``step`` is not for this customer, or None when it is."""
    if step.min_amount is not None and amount < step.min_amount:
        return f"amount {money(amount, 'en')} below {money(step.min_amount, 'en')}"
    if step.rayons and str(record.get("region")) not in step.rayons:
        return f"rayon {record.get('region')} not in {', '.join(step.rayons)}"
    if step.channel is not None and channel != step.channel:
        return f"channel {channel}, not {step.channel}"
    return None


def term_end(notice: dt.date) -> dt.date:
    """The last day of a 14-day letter's term: received DELIVERY_DAYS after its date,
    14 days from the day after."""
    return notice + dt.timedelta(days=DELIVERY_DAYS + TERM_DAYS)


def decide(
    record: Record,
    contacts: Sequence[Contact],
    followup: Followup,
    today: dt.date,
    *,
    do_not_send: str | None = None,
    contact: StaffMember | None = None,
) -> Decision:
    """The step due for ``record`` today and why, or why nothing is.

    ``contacts`` are the customer's letters from the journal (any order);
    ``do_not_send`` is why the customer is on the do-not-send list, if they
    are; ``contact`` is who signs or calls for them.
    """
    due_date = due_date_of(record)
    amount = amount_of(record)
    arrangement = arrangement_of(record)
    channel = customer_channel(record)

    def make(
        status: str, reason: str, step: Step | None = None, on: dt.date | None = None
    ) -> Decision:
        wik_amount = None
        if status in (DUE, WORK) and step is not None and step.charges_wik:
            notice = _last_notice(episode, notices)
            assert notice is not None and notice.amount is not None  # _wik_allowed made sure
            wik_amount = notice.amount
            reason += (
                f"; collection costs (WIK) over {money(notice.amount, 'en')}, the amount the "
                f"{notice.template} of {notice.letter_date.isoformat()} named"
            )
            if amount != notice.amount:
                reason += f" (the records say {money(amount, 'en')} now)"
        return Decision(record, status, reason, step, on, contact, wik_amount)

    if do_not_send is not None:
        return make(EXCLUDED, f"nothing sent: {do_not_send}")
    steps = followup.by_template()
    # Letters dated after ``today`` do not exist yet as far as the plan for that day goes.
    ordered = sorted((c for c in contacts if c.letter_date <= today), key=lambda c: c.letter_date)
    collection = [c for c in ordered if c.template in steps]
    episode = [c for c in collection if c.letter_date >= due_date]
    done: dict[str, Contact] = {}
    for found in episode:
        done[found.template] = found  # the latest of each
    notices = frozenset(s.template for s in followup.steps if s.fourteen_day_letter and s.template)
    track = followup.track(arrangement)
    if not track:
        return make(EXCLUDED, "payment arrangement active: no follow-up step is for arrangements")
    last_done = max((i for i, step in enumerate(track) if step.template in done), default=-1)
    # The last step done: its date and what it was ("betalingsherinnering sent ...").
    previous: tuple[dt.date, str] | None = None
    open_work: tuple[Step, dt.date, str] | None = None  # a call on the list, since, why
    passed: list[str] = []

    def later(status: str, base: str, text: str, step: Step, on: dt.date | None) -> Decision:
        """Nothing more today; a call or hand-over already on the list stays there."""
        if open_work is not None:
            work, since, why = open_work
            return make(WORK, f"{why}; {text}", work, since)
        return make(status, f"{base}: {text}", step, on)

    for index, step in enumerate(track):
        if step.template is not None and step.template in done:
            found = done[step.template]
            previous = (found.letter_date, found.describe(today))
            open_work, passed = None, []
            continue
        if index < last_done:
            continue  # a later step was done: never back to an earlier one
        why_not = _applies(step, record, amount, channel)
        if why_not is not None:
            passed.append(f"{step.name} not for this customer ({why_not})")
            continue
        if step.counted_from == "due_date" or previous is None:
            base = due_date
            base_text = f"due date {due_date.isoformat()}, {_ago(due_date, today)}"
            after = f"{_days(step.after_days)} after the due date"
        else:
            base, base_text = previous
            after = f"{_days(step.after_days)} after"
        due_on = base + dt.timedelta(days=step.after_days)
        if not step.is_letter:
            wik_from, refusal = _wik_allowed(step, episode, notices, today)
            if refusal is not None and wik_from is None:
                return later(HELD, base_text, f"{step.name} refused: {refusal}", step, None)
            since = max(due_on, wik_from) if wik_from else due_on
            if today < since:
                note = f"; {refusal}" if refusal and since > due_on else ""
                text = f"{step.name} due on {_on(since, today)}{note}"
                return later(WAITING, base_text, text, step, since)
            why = f"{base_text}: {step.name} since {since.isoformat()}"
            previous = (since, f"{step.name} on the work list since {since.isoformat()}")
            open_work, passed = (step, since, why), []
            continue
        if today < due_on:
            text = f"{step.name} due on {_on(due_on, today)}"
            return later(WAITING, base_text, text, step, due_on)
        refusal, possible = _guards(step, record, due_date, collection, episode, notices, today)
        if refusal is not None:
            text = f"{step.name} due ({after}), but refused: {refusal}"
            return later(HELD, base_text, text, step, possible)
        return make(DUE, f"{base_text}: {step.name} due ({after})", step, due_on)
    rest = f" ({'; '.join(passed)})" if passed else ""
    if open_work is not None:
        work, since, why = open_work
        last = f"; no further step{rest}" if passed else " (the last step)"
        return make(WORK, f"{why}{last}", work, since)
    if previous is not None:
        return make(FINISHED, f"every step done: {previous[1]}{rest}")
    return make(EXCLUDED, "no step is for this customer: " + "; ".join(passed))


def _on(day: dt.date, today: dt.date) -> str:
    """``2026-12-06 (in 5 days)``."""
    return f"{day.isoformat()} (in {_days((day - today).days)})"


def _wik_allowed(
    step: Step, episode: Sequence[Contact], notices: frozenset[str], today: dt.date
) -> tuple[dt.date | None, str | None]:
    """For a step that charges WIK: the first day it may, and why not before (or at all)."""
    if not step.charges_wik:
        return None, None
    notice = _last_notice(episode, notices)
    if notice is None:
        return None, (
            "it charges collection costs (WIK), and no 14-day letter was sent for this arrears"
        )
    if notice.amount is None:
        return None, (
            f"it charges collection costs (WIK) over the amount the {notice.template} of "
            f"{notice.letter_date.isoformat()} named, and the journal does not know that amount "
            "(the letter's record had no 'amount', or an older brief journaled it): check it "
            "by hand"
        )
    end = term_end(notice.letter_date)
    first = end + dt.timedelta(days=1)
    if today <= end:
        return first, (
            f"collection costs (WIK) only after the 14-day term of the {notice.template} of "
            f"{notice.letter_date.isoformat()}, which ends on {end.isoformat()} "
            f"(received {DELIVERY_DAYS} days after its date assumed)"
        )
    return first, None


def _last_notice(episode: Sequence[Contact], notices: frozenset[str]) -> Contact | None:
    """The newest 14-day letter of this arrears that reached the customer, if any."""
    sent = [c for c in episode if c.reached and c.template in notices]
    return sent[-1] if sent else None


def _without_reminder(step: Step, record: Record) -> bool:
    if isinstance(step.without_reminder, tuple):
        return str(record.get("region")) in step.without_reminder
    return step.without_reminder


def _guards(
    step: Step,
    record: Record,
    due_date: dt.date,
    history: Sequence[Contact],
    episode: Sequence[Contact],
    notices: frozenset[str],
    today: dt.date,
) -> tuple[str | None, dt.date | None]:
    """Why a due letter step may not go today (and from when it may), or (None, None)."""
    if step.fourteen_day_letter:
        if today <= due_date:
            return (
                f"the due date {due_date.isoformat()} has not passed (a 14-day letter only "
                "for an amount overdue)",
                due_date + dt.timedelta(days=1),
            )
        reminders = [
            c for c in episode if c.reached and c.template not in notices and c.letter_date < today
        ]
        if not reminders and not _without_reminder(step, record):
            return (
                f"no earlier reminder for this arrears in the journal (since the due date "
                f"{due_date.isoformat()}); the 14-day letter follows a reminder",
                None,
            )
    wik_from, refusal = _wik_allowed(step, episode, notices, today)
    if refusal is not None:
        return refusal, wik_from
    recent = [c for c in history if (today - c.letter_date).days < step.min_gap_days]
    if recent:
        last = recent[-1]
        possible = last.letter_date + dt.timedelta(days=step.min_gap_days)
        return (
            f"{last.describe(today)} (at least {_days(step.min_gap_days)} between collection "
            f"letters; possible from {possible.isoformat()})",
            possible,
        )
    return None, None


# -- the plan for a records file --------------------------------------------------------

SHOWN_PROBLEMS = 20


class InvalidPlanRecords(BriefError):
    """Some records cannot be planned and the run was not told to skip them."""

    def __init__(self, problems: Sequence[BriefError], total: int):
        lines = [str(problem) for problem in problems]
        if total > len(problems):
            lines.append(f"... and {total - len(problems)} more")
        lines.append(
            f"{total} invalid record{'s' if total != 1 else ''}; no plan was written "
            "(use --skip-invalid to plan the valid ones)"
        )
        super().__init__("\n".join(lines))


@dataclass
class Plan:
    """What is due today for every customer of a records file."""

    today: dt.date
    decisions: list[Decision] = field(default_factory=list)
    problems: list[RecordError] = field(default_factory=list)  # the first invalid records
    invalid: int = 0
    channels: dict[str, str] = field(default_factory=dict)  # record id -> the due letter's

    def due(self, channel: str | None = None) -> list[Decision]:
        """The letters and e-mails due today (of one channel: ``letter`` or ``email``)."""
        return [
            d
            for d in self.decisions
            if d.status == DUE and (channel is None or self.channels[d.record.id] == channel)
        ]

    def work(self) -> list[Decision]:
        return [d for d in self.decisions if d.status == WORK]

    def counts(self) -> Counter[tuple[str, str]]:
        """Customers per (step or status, rayon)."""
        return Counter((d.label, str(d.record.get("region"))) for d in self.decisions)


def check_followup(project: Project) -> Followup:
    """The project's follow-up levels, with their templates and rayons checked."""
    followup = project.settings.followup
    if followup is None:
        raise ConfigError(
            "no follow-up levels: add 'followup:' (a list of steps) to brief.yaml",
            path=project.settings.config or "brief.yaml",
        )
    names = project.templates.names()
    for step in followup.steps:
        if step.template is not None and step.template not in names:
            raise step.error(
                f"field 'template': unknown template {step.template!r} "
                f"(known: {', '.join(sorted(names))})"
            )
        if step.template is not None and not (step.fourteen_day_letter or step.charges_wik):
            found = _names_wik(project, step.template)
            if found is not None:
                raise step.error(
                    f"field 'template': {found} names collection costs (wik()); say "
                    "'charges_wik: true' if this letter charges them, or "
                    "'fourteen_day_letter: true' if it is the 14-day letter that announces them"
                )
        lists = {"rayons": step.rayons}
        if isinstance(step.without_reminder, tuple):
            lists["without_reminder"] = step.without_reminder
        for key, rayons in lists.items():
            for rayon in rayons:
                if project.profile(rayon) is None:
                    raise step.error(
                        f"field {key!r}: unknown region {rayon!r} "
                        f"(known: {project.known_regions()})"
                    )
    return followup


def _names_wik(project: Project, template: str) -> str | None:
    """The first file of ``template`` that calls ``wik()``, or None.

    So a letter that charges collection costs cannot enter the sequence
    without the guard that says when it may.
    """
    import jinja2

    for stem in project.templates.variants(template):
        filename = f"{stem}.j2"
        try:
            _, tree = project.templates.parse(filename)
        except jinja2.TemplateSyntaxError:
            continue  # brief lint and brief render say so
        for call in tree.find_all(jinja2.nodes.Call):
            if isinstance(call.node, jinja2.nodes.Name) and call.node.name == "wik":
                return str(project.templates_dir / filename)
    return None


def make_plan(
    project: Project,
    records: Records,
    today: dt.date,
    *,
    journal: Path | None = None,
    do_not_send: Path | list[Path] | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Plan:
    """Decide for every record of ``records`` what is due on ``today``.

    The journal (default: the project's) is only read; a journal that does
    not exist yet means no letters were sent.
    """
    from .donotsend import load_lists
    from .journal import Journal
    from .records import read_records
    from .render import resolve_signer

    followup = check_followup(project)
    project.profiles  # load and check the project before any record  # noqa: B018
    blocked = load_lists(project.settings.do_not_send, do_not_send)  # they add up
    journal_path = journal or project.settings.journal_path
    opened = Journal.open(journal_path, create=False) if journal_path.exists() else None
    plan = Plan(today)
    seen: dict[str, int] = {}
    specs: dict[tuple[str, str, str], str] = {}
    profiles: dict[tuple[str, str | None], Profile] = {}
    try:
        for item in read_records(records, encoding=encoding, warn=warn):
            try:
                if isinstance(item, RecordError):
                    raise item
                first = seen.setdefault(item.id, item.line)
                if first != item.line:
                    raise item.error(f"duplicate id (first seen on {item.line_name(first)})", "id")
                language = item.get("language")
                if language is None or isinstance(language, str):
                    where = (str(item.get("region")), language)
                    profile = profiles.get(where) or _profile(project, item)
                    profiles[where] = profile  # known regions and languages only
                else:
                    profile = _profile(project, item)  # refuses it
                signer = resolve_signer(item, profile, project.roster)
                history = opened.history(item.id) if opened is not None else []
                contacts = [c for c in map(contact_of, history) if c is not None]
                decision = decide(
                    item,
                    contacts,
                    followup,
                    today,
                    do_not_send=blocked.match(item) if blocked else None,
                    contact=signer,
                )
                if decision.status == DUE and decision.step and decision.step.template:
                    key = (decision.step.template, profile.id, profile.language)
                    if key not in specs:
                        try:
                            specs[key] = project.templates.select(key[0], profile).channel
                        except TemplateError as err:
                            raise item.error(err.message, "template") from None
                    if specs[key] == "email" and not item.get("email"):
                        decision = dataclasses.replace(
                            decision,
                            status=HELD,
                            on=None,
                            reason=f"{decision.reason}, but refused: {key[0]} is an e-mail and "
                            "the record has no e-mail address (a letter step with "
                            "'channel: post' reaches them)",
                        )
                    else:
                        plan.channels[item.id] = specs[key]
            except RecordError as err:
                plan.invalid += 1
                if len(plan.problems) < SHOWN_PROBLEMS:
                    plan.problems.append(err)
                continue
            plan.decisions.append(decision)
    finally:
        if opened is not None:
            opened.close()
    if plan.invalid and not skip_invalid:
        raise InvalidPlanRecords(plan.problems, plan.invalid)
    return plan


def _profile(project: Project, record: Record) -> Profile:
    from .profiles import LANGUAGES

    region = str(record.get("region"))
    profile = project.profile(region)
    if profile is None:
        raise record.error(
            f"unknown region {region!r} (known: {project.known_regions()})", "region"
        )
    language = record.get("language")
    if language is not None:
        if not isinstance(language, str) or language not in LANGUAGES:
            raise record.error(f"unknown language {language!r} (known: nl, en)", "language")
        profile = profile.for_language(language)
    return profile


# -- writing the plan --------------------------------------------------------------------


def plan_record(decision: Decision) -> dict[str, Any]:
    """The record as brief render and brief send read it: its own fields, the step's
    template, ``plan_step`` and ``plan_reason``."""
    assert decision.step is not None and decision.step.template is not None
    fields = {name: _json_value(value) for name, value in decision.record.fields.items()}
    fields["template"] = decision.step.template
    fields["plan_step"] = decision.step.name
    fields["plan_reason"] = decision.reason
    if decision.wik_amount is not None:
        fields["wik_amount"] = _json_value(decision.wik_amount)
    return fields


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = str(value)
        # 1.234 would read back as ambiguous (a thousands separator?): 1.2340 cannot.
        if "." in text and len(text.rpartition(".")[2]) == 3:
            text += "0"
        return text
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_records(decisions: Iterable[Decision], path: Path) -> int:
    """The due letters as JSON Lines, written whole or not at all; returns how many."""
    from .outbox import write_atomic

    lines = [json.dumps(plan_record(d), ensure_ascii=False, default=str) for d in decisions]
    write_atomic(path, "".join(f"{line}\n" for line in lines).encode("utf-8"))
    return len(lines)


WORKLIST_COLUMNS = (
    "step",
    "customer",
    "name",
    "region",
    "amount",
    "wik_amount",
    "wik",
    "due_date",
    "phone",
    "contact",
    "contact_phone",
    "since",
    "reason",
)


def write_worklist(decisions: Iterable[Decision], path: Path) -> int:
    """The work-list steps as CSV (``;``, UTF-8 with BOM, as Dutch Excel opens it)."""
    import csv
    import io

    from .outbox import write_atomic

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(WORKLIST_COLUMNS)
    count = 0
    for d in decisions:
        assert d.step is not None
        record = d.record
        amount = record.get("amount")
        writer.writerow(
            [
                d.step.name,
                _cell(record.id),
                _cell(record.get("name")),
                _cell(record.get("region")),
                _comma(amount),
                _comma(d.wik_amount),
                _comma(wik(d.wik_amount) if d.wik_amount is not None else None),
                _json_value(record.get("due_date")) or "",
                _cell(record.get("phone")),
                d.contact.name if d.contact else "",
                d.contact.phone if d.contact else "",
                d.on.isoformat() if d.on else "",
                _cell(d.reason),
            ]
        )
        count += 1
    write_atomic(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return count


def _comma(amount: Decimal | None) -> str:
    """An amount as Dutch Excel reads it (``1234,56``), or an empty cell."""
    return "" if amount is None else str(amount).replace(".", ",")


def _cell(value: Any) -> str:
    """Text from a record, safe in a spreadsheet: a leading = + - @ is not a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text
