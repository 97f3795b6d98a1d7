"""A customer's earlier letters and e-mails, as a template sees them (``history``).

Every template gets ``history``: the letters and e-mails this customer was
sent (or that were printed for them) before, newest first, from the journal.
A letter that builds on an earlier one asks for it::

    {% set reminder = history.last("betalingsherinnering") %}
    Op {{ reminder.date | date }} schreef {{ reminder.signer }} u al ...

When there is none, the record is rejected with the template line that
asked (``no earlier 'betalingsherinnering' in the journal
(templates/14-dagenbrief.j2:12)``): a letter with a hole never goes out.
``history.has("betalingsherinnering")`` asks without rejecting.

What counts: journal rows with status ``rendered`` or ``sent`` (a failed or
skipped e-mail never reached the customer), dated on or before the letter
being rendered. The date is the one the letter carried (its ``--date``),
for rows of an old journal without it the day it was journaled.

The rows are read from the journal per record, only when the template
touches ``history`` (:class:`History` loads on first use), through the
journal's index on the record id. Rendering in forked workers, each
process opens its own connection.

``brief lint`` and ``brief preview`` fall back on a small sample file
(``sample_history:`` in brief.yaml) for sample records the journal knows
nothing of; see :func:`load_samples`.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import yamlfile
from .errors import ConfigError

#: The statuses of a letter or e-mail that reached the customer (or was printed for them).
DELIVERED = ("rendered", "sent")


@dataclass(frozen=True, slots=True)
class Past:
    """One earlier letter or e-mail, as a template sees it."""

    date: dt.date  # the date the letter carried
    campaign: str | None
    template: str
    channel: str  # letter or email
    signer: str | None  # the signing staff member's name
    status: str  # rendered or sent


class MissingHistory(Exception):
    """A template asked for an earlier letter this customer never had."""


class History:
    """This customer's earlier letters and e-mails, newest first (safe in the sandbox:
    it has no public attribute but its helpers, and nothing in it can be changed)."""

    __slots__ = ("_items", "_load")

    def __init__(self, load: Callable[[], Sequence[Past]]):
        self._load: Callable[[], Sequence[Past]] | None = load
        self._items: tuple[Past, ...] = ()

    def _all(self) -> tuple[Past, ...]:
        if self._load is not None:
            self._items, self._load = tuple(self._load()), None
        return self._items

    def last(self, template: str | None = None) -> Past:
        """The newest earlier letter (of ``template``); rejects the record when there is none."""
        for past in self._all():
            if template is None or past.template == template:
                return past
        what = f"{template!r}" if template is not None else "letter or e-mail"
        raise MissingHistory(f"no earlier {what} in the journal")

    def has(self, template: str | None = None) -> bool:
        """Whether there is an earlier letter (of ``template``)."""
        return any(template is None or p.template == template for p in self._all())

    def all(self, template: str | None = None) -> list[Past]:
        """Every earlier letter (of ``template``), newest first."""
        return [p for p in self._all() if template is None or p.template == template]

    def __iter__(self) -> Iterator[Past]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return bool(self._all())

    def __getitem__(self, index: int) -> Past:
        if not isinstance(index, int):
            raise TypeError("history[...] takes a number: history[0] is the newest")
        return self._all()[index]

    def __repr__(self) -> str:
        return f"<history of {len(self)} letters>"


EMPTY: Sequence[Past] = ()


def _empty() -> Sequence[Past]:
    return EMPTY


class Source:
    """Where ``history`` comes from: the journal, else (for lint and preview) samples."""

    def __init__(
        self,
        journal: Path | None = None,
        samples: Mapping[str, Sequence[Past]] | None = None,
        *,
        campaign: str | None = None,
    ):
        self.journal = journal
        self.samples = samples or {}
        self.campaign = campaign  # a campaign's own e-mails are not its history
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def __getstate__(self) -> dict[str, Any]:  # a connection does not travel
        return {**self.__dict__, "_db": None, "_pid": 0}

    def history(self, record: str, until: dt.date) -> History:
        """``record``'s history as of a letter dated ``until``, read when first used."""
        return History(lambda: self.read(record, until))

    def read(self, record: str, until: dt.date) -> list[Past]:
        """From the journal; when it knows nothing of ``record``, the samples (whatever
        their date: a sample is an example of what came before)."""
        found = self._from_journal(record, until)
        if not found:
            found = list(self.samples.get(record, self.samples.get("*", ())))
        return found

    def _from_journal(self, record: str, until: dt.date) -> list[Past]:
        db = self._connection()
        if db is None:
            return []
        rows = db.execute(
            "SELECT coalesce(letter_date, substr(created_at, 1, 10)) AS day, campaign, template, "
            "channel, signer, status FROM messages "
            "WHERE record = ? AND status IN ('rendered', 'sent') AND day <= ? "
            "AND (campaign IS NULL OR campaign IS NOT ?) ORDER BY day DESC, id DESC",
            (record, until.isoformat(), self.campaign),
        )
        return [Past(dt.date.fromisoformat(day), *rest) for day, *rest in rows]

    def _connection(self) -> sqlite3.Connection | None:
        """A read-only connection of this process (None without a journal)."""
        if self._db is not None and self._pid == os.getpid():
            return self._db
        self._db = None  # a forked worker opens its own; the parent's stays the parent's
        if self.journal is None or not self.journal.is_file():
            return None
        try:
            self._db = sqlite3.connect(
                f"{self.journal.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._db.execute("PRAGMA query_only = 1")
        except sqlite3.Error:
            return None
        self._pid = os.getpid()
        return self._db

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None


NONE = Source()


def for_samples(journal: Path, samples: Path | None) -> Source:
    """What ``brief lint`` and ``brief preview`` show as history: the journal, else the
    sample history file (``sample_history:`` in brief.yaml)."""
    if samples is not None and not samples.is_file():
        raise ConfigError(
            "sample history not found (set 'sample_history:' in brief.yaml)", path=samples
        )
    return Source(journal, load_samples(samples) if samples is not None else None)


_SAMPLE_KEYS = ("template", "date", "campaign", "channel", "signer", "status")


def load_samples(path: Path) -> dict[str, list[Past]]:
    """The sample history file: customer id (or ``"*"`` for any other) to their letters.

    ::

        "*":
          - template: betalingsherinnering
            date: 2026-11-02
            channel: email
            signer: Ineke de Vries
        K1011:
          - {template: betalingsherinnering, date: 2026-11-04, signer: Bianca Mulder}
    """
    data = yamlfile.load(path)
    if data is None:
        return {}
    if not isinstance(data, yamlfile.Node):
        raise ConfigError("sample history must map customer ids to lists of letters", path=path)
    samples: dict[str, list[Past]] = {}
    for record, letters in data.items():
        line = data.line_of(record)
        if not isinstance(letters, list):
            raise ConfigError(
                f"customer {record!r}: must be a list of letters", path=path, line=line
            )
        found = []
        for index, item in enumerate(letters):
            where = letters.line_of_item(index) if isinstance(letters, yamlfile.NodeList) else line
            fields = yamlfile.Fields(item, path, f"customer {record!r}: a letter", line=where)
            fields.reject_unknown(_SAMPLE_KEYS)
            date = item.get("date")
            if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
                raise fields.error("date", f"must be a date such as 2026-11-02, not {date!r}")
            channel = fields.choice(
                "channel", {"letter": "letter", "email": "email"}, default="letter"
            )
            found.append(
                Past(
                    date=date,
                    campaign=fields.text("campaign", required=False) or None,
                    template=fields.text("template"),
                    channel=channel,
                    signer=fields.text("signer", required=False) or None,
                    status=fields.choice("status", {s: s for s in DELIVERED}, default="sent"),
                )
            )
        found.sort(key=lambda past: past.date, reverse=True)
        samples[str(record)] = found
    return samples
