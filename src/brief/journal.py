"""The journal: every letter and e-mail brief rendered or sent, in one SQLite file.

One row per message (table ``messages``). ``brief send`` keeps one row per
campaign and customer record (``kind = 'send'``, unique on
``(campaign, record)``) and walks it through the statuses::

    queued -> sent | failed-temporary | failed-permanent
    skipped (on the do-not-send list)

``brief render`` adds a row per letter it wrote (``kind = 'render'``,
status ``rendered``). ``brief history`` reads them all for one customer.

Durability: WAL mode with ``synchronous = FULL``, so a committed
transaction survives a crash of the process (``kill -9``) and of the
machine. Every change is one short transaction; a message is *claimed*
(``queued``) in a ``BEGIN IMMEDIATE`` transaction, so two writers can
never both claim it, and :meth:`Journal.lock` keeps a second
``brief send`` off the journal while one is sending.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import BriefError

if TYPE_CHECKING:
    from .render import Letter

SCHEMA_VERSION = 4
# Every attempt to send a message and every skip, in order (a send row keeps only the last).
_EVENTS = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    message INTEGER NOT NULL REFERENCES messages (id),
    attempt INTEGER,             -- 1, 2, ... for a hand-over to SMTP; NULL for a skip
    status TEXT NOT NULL CHECK (status IN
        ('queued', 'sent', 'failed-temporary', 'failed-permanent', 'skipped')),
    reply TEXT,                  -- the server's reply, or why it was skipped
    at TEXT NOT NULL,            -- when it began (ISO 8601, UTC)
    ended_at TEXT                -- when the server answered; NULL while queued
);
CREATE INDEX events_message ON events (message);
"""
STATUSES = ("rendered", "queued", "sent", "failed-temporary", "failed-permanent", "skipped")
SCHEMA = (
    """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE campaigns (
    name TEXT PRIMARY KEY,
    letter_date TEXT NOT NULL,   -- the date the letters carry (YYYY-MM-DD), fixed at the first send
    created_at TEXT NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('send', 'render')),
    campaign TEXT,               -- NULL only for letters rendered outside a campaign
    record TEXT NOT NULL,        -- the customer id
    template TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('letter', 'email')),
    letter_date TEXT,            -- the date the letter carries (its --date, YYYY-MM-DD)
    rayon TEXT,
    signer TEXT,                 -- the people the closing names ('' for nobody)
    sender TEXT,                 -- the envelope sender (MAIL FROM)
    recipient TEXT,              -- the e-mail address; NULL for letters
    content_hash TEXT,           -- sha256 of what the customer reads (see content_hash())
    message_id TEXT,             -- the Message-ID header, stable while the content is
    message_date TEXT,           -- the Date header, kept for a resend of the same content
    status TEXT NOT NULL CHECK (status IN
        ('rendered', 'queued', 'sent', 'failed-temporary', 'failed-permanent', 'skipped')),
    reply TEXT,                  -- the server's last reply, or why it was skipped
    attempts INTEGER NOT NULL DEFAULT 0,  -- how often it was handed to SMTP
    path TEXT,                   -- the file brief render wrote
    amount TEXT,                 -- the record's amount the letter named (1234.56); NULL: none
    created_at TEXT NOT NULL,    -- timestamps: ISO 8601, UTC
    queued_at TEXT,
    sent_at TEXT,
    updated_at TEXT NOT NULL,
    CHECK (kind = 'render' OR campaign IS NOT NULL),
    CHECK ((kind = 'render') = (status = 'rendered'))
);
CREATE UNIQUE INDEX messages_campaign_record ON messages (campaign, record) WHERE kind = 'send';
CREATE INDEX messages_record ON messages (record);
"""
    + _EVENTS
)

_COLUMNS = (
    "id, kind, campaign, record, template, channel, letter_date, rayon, signer, sender, recipient, "
    "content_hash, message_id, message_date, status, reply, attempts, path, "
    "created_at, queued_at, sent_at, updated_at, amount"
)

# A send row's letter date: its campaign's (the campaign is bound once more for it).
_CAMPAIGN_DATE = "(SELECT letter_date FROM campaigns WHERE name = ?)"

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Entry:
    """One row of the journal."""

    id: int
    kind: str
    campaign: str | None
    record: str
    template: str
    channel: str
    letter_date: str | None  # YYYY-MM-DD; None only for render rows of a version-1 journal
    rayon: str | None
    signer: str | None
    sender: str | None
    recipient: str | None
    content_hash: str | None
    message_id: str | None
    message_date: str | None
    status: str
    reply: str | None
    attempts: int
    path: str | None
    created_at: str
    queued_at: str | None
    sent_at: str | None
    updated_at: str
    amount: str | None = None  # the amount the letter named (a record's ``amount``), if any
    events: tuple[Event, ...] = ()  # with Journal.history: each attempt and skip, in order

    @property
    def when(self) -> str:
        """When it happened: sent, else last changed (ISO 8601, UTC)."""
        return self.sent_at or self.updated_at


@dataclass(frozen=True)
class Event:
    """One attempt to send a message (``attempt`` 1, 2, ...), or a skip (``attempt`` None)."""

    attempt: int | None
    status: str  # queued (no answer yet), sent, failed-temporary, failed-permanent, skipped
    reply: str | None
    at: str  # ISO 8601, UTC
    ended_at: str | None


@dataclass(frozen=True)
class Outgoing:
    """What the journal keeps of a message ``brief send`` is about to hand over (or skips)."""

    record: str
    template: str
    rayon: str | None
    signer: str | None
    recipient: str | None
    content_hash: str | None = None
    sender: str | None = None
    message_id: str | None = None
    message_date: str | None = None
    amount: str | None = None  # the amount the letter names (see amount_named)


@dataclass(frozen=True)
class Rendered:
    """A letter or e-mail ``brief render`` wrote, for :meth:`Journal.record_rendered`."""

    record: str
    template: str
    channel: str  # letter or email
    rayon: str | None
    signer: str | None
    recipient: str | None = None
    content_hash: str | None = None
    path: str | None = None
    letter_date: str | None = None  # the date the letter carries (YYYY-MM-DD)
    amount: str | None = None  # the amount the letter names (see amount_named)

    @classmethod
    def from_letter(
        cls, letter: Letter, letter_date: dt.date, *, path: str | None = None
    ) -> Rendered:
        recipient = letter.record.get("email") if letter.channel == "email" else None
        return cls(
            record=letter.record.id,
            template=letter.template.name,
            channel=letter.channel,
            rayon=letter.profile.id,
            signer=letter.signer.name,
            recipient=str(recipient) if recipient else None,
            content_hash=content_hash(letter),
            path=path,
            letter_date=letter_date.isoformat(),
            amount=amount_named(letter),
        )


def amount_named(letter: Letter) -> str | None:
    """The record's ``amount`` a letter was made with (``1234.56``), or None.

    The journal keeps it so that collection costs (WIK) are charged over the amount the
    14-day letter named, not over whatever the records say later (see :mod:`brief.followup`).
    """
    amount = letter.record.get("amount")
    return None if amount is None else str(amount)


def content_hash(letter: Letter) -> str:
    """sha256 of what the customer gets: recipient, signer, subject, text and HTML.

    Not the Date, the Message-ID or the MIME layout, so the same letter
    rendered again has the same hash and an edited one a different hash.
    """
    recipient = letter.record.get("email") if letter.channel == "email" else None
    parts = {
        "channel": letter.channel,
        "to": [str(letter.record.get("name") or ""), str(recipient or "")],
        "signer": [letter.signer.name, letter.signer.email],
        "subject": letter.subject,
        "text": letter.text,
        "html": letter.html,
    }
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class Journal:
    """An open journal file. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, connection: sqlite3.Connection, clock: Clock):
        self.path = path
        self._db = connection
        self._clock = clock

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, create: bool = True, clock: Clock | None = None) -> Journal:
        """Open (or with ``create``, make) the journal at ``path``."""
        path = Path(path)
        if not create and not path.is_file():
            raise BriefError(
                "journal not found (nothing sent or rendered with it yet; "
                "--journal FILE to use another)",
                path=path,
            )
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}",
                uri=True,
                isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
                timeout=10.0,
            )
        except (OSError, sqlite3.Error) as err:
            raise BriefError(f"cannot open the journal: {err}", path=path) from None
        journal = cls(path, db, clock or utc_now)
        try:
            journal._prepare()
        except sqlite3.DatabaseError as err:
            db.close()
            raise BriefError(f"not a brief journal ({err})", path=path) from None
        except BaseException:
            db.close()
            raise
        return journal

    def _prepare(self) -> None:
        db = self._db
        db.execute("PRAGMA busy_timeout = 10000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise BriefError(
                f"written by a newer brief (journal version {version}; "
                f"this brief knows {SCHEMA_VERSION})",
                path=self.path,
            )
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        if version == SCHEMA_VERSION:
            return
        with self._transaction():
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:  # another process made it meanwhile
                return
            if version:
                _migrate(db, version)
            elif db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise BriefError(
                    "not a brief journal (an SQLite file with other tables)", path=self.path
                )
            else:
                for statement in _statements(SCHEMA):
                    db.execute(statement)
                db.execute("INSERT INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE``: the write lock first, so what is read stays true until COMMIT."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Only one ``brief send`` at a time per journal (a lock file beside it).

        The operating system lets go of the lock when the process ends, also
        after ``kill -9``, so a crashed run never blocks the next one.
        """
        lock_path = Path(f"{self.path}.lock")
        handle = open(lock_path, "a+b")  # noqa: SIM115 - held until the block ends
        try:
            _lock_file(handle)
        except OSError:
            handle.close()
            raise BriefError(
                "another brief send is using this journal; wait for it to finish",
                path=self.path,
            ) from None
        try:
            yield
        finally:
            _unlock_file(handle)
            handle.close()

    def _now(self) -> str:
        return self._clock().astimezone(dt.UTC).isoformat(timespec="seconds")

    # -- campaigns -----------------------------------------------------------

    def message_id(self, campaign: str, record: str, content: str, domain: str) -> str:
        """A Message-ID that is the same for the same campaign, record and content.

        A secret salt kept in the journal makes it unique to this journal
        (two projects with a campaign and record of the same name differ)
        and unguessable from the customer id.
        """
        salt = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]
        key = "\0".join((salt, campaign, record, content)).encode("utf-8")
        return f"<{hashlib.sha256(key).hexdigest()[:32]}.brief@{domain}>"

    def campaign_date(self, name: str) -> dt.date | None:
        """The date the campaign's letters carry, or None for a new campaign."""
        row = self._db.execute(
            "SELECT letter_date FROM campaigns WHERE name = ?", (name,)
        ).fetchone()
        return dt.date.fromisoformat(row[0]) if row else None

    def start_campaign(self, name: str, letter_date: dt.date) -> dt.date:
        """Record the campaign with its letter date if it is new; returns the date it has."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO campaigns VALUES (?, ?, ?)",
                (name, letter_date.isoformat(), self._now()),
            )
        stored = self.campaign_date(name)
        assert stored is not None
        return stored

    def entries(self, campaign: str) -> dict[str, Entry]:
        """The campaign's send rows by record id."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE kind = 'send' AND campaign = ?", (campaign,)
        )
        return {row[3]: Entry(*row) for row in rows}

    def entry(self, campaign: str, record: str) -> Entry | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE kind = 'send' AND campaign = ? AND record = ?",
            (campaign, record),
        ).fetchone()
        return Entry(*row) if row else None

    def _get(self, entry_id: int) -> Entry:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (entry_id,)
        ).fetchone()
        return Entry(*row)

    # -- sending -------------------------------------------------------------

    def claim(self, campaign: str, message: Outgoing, *, allow: Collection[str]) -> Entry | None:
        """Mark ``message`` ``queued`` (one more attempt) before it is handed to SMTP.

        A record without a row in this campaign gets one; a row whose status
        is in ``allow`` is claimed again. Anything else (above all ``sent``)
        is left alone and None comes back: the message must not go. Read and
        write happen in one ``BEGIN IMMEDIATE`` transaction.

        The Date header of an earlier attempt is kept when the content is the
        same, so a message sent again is byte for byte the one sent before.
        """
        now = self._now()
        with self._transaction() as db:
            row = db.execute(
                "SELECT id, status, content_hash, message_date FROM messages "
                "WHERE kind = 'send' AND campaign = ? AND record = ?",
                (campaign, message.record),
            ).fetchone()
            if row is None:
                cursor = db.execute(
                    "INSERT INTO messages (kind, campaign, record, template, channel, letter_date, "
                    "rayon, signer, sender, recipient, content_hash, message_id, message_date, "
                    "amount, status, attempts, created_at, queued_at, updated_at) "
                    f"VALUES ('send', ?, ?, ?, 'email', {_CAMPAIGN_DATE}, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "'queued', 1, ?, ?, ?)",
                    (
                        campaign,
                        message.record,
                        message.template,
                        campaign,
                        message.rayon,
                        message.signer,
                        message.sender,
                        message.recipient,
                        message.content_hash,
                        message.message_id,
                        message.message_date,
                        message.amount,
                        now,
                        now,
                        now,
                    ),
                )
                entry_id = cursor.lastrowid
            else:
                entry_id, status, old_hash, old_date = row
                if status not in allow:
                    return None
                same = old_hash == message.content_hash and old_date
                db.execute(
                    "UPDATE messages SET template = ?, rayon = ?, signer = ?, sender = ?, "
                    "recipient = ?, content_hash = ?, message_id = ?, message_date = ?, amount = ?, "
                    "status = 'queued', reply = NULL, attempts = attempts + 1, queued_at = ?, "
                    "updated_at = ? WHERE id = ?",
                    (
                        message.template,
                        message.rayon,
                        message.signer,
                        message.sender,
                        message.recipient,
                        message.content_hash,
                        message.message_id,
                        old_date if same else message.message_date,
                        message.amount,
                        now,
                        now,
                        entry_id,
                    ),
                )
            assert entry_id is not None
            db.execute(
                "INSERT INTO events (message, attempt, status, at) "
                "SELECT id, attempts, 'queued', ? FROM messages WHERE id = ?",
                (now, entry_id),
            )
        return self._get(entry_id)

    def finish(self, entry_id: int, status: str, reply: str) -> Entry:
        """Record what became of a claimed message and of its attempt (one transaction)."""
        if status not in ("sent", "failed-temporary", "failed-permanent"):
            raise ValueError(f"not a final status: {status!r}")
        now = self._now()
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE messages SET status = ?, reply = ?, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
                "WHERE id = ? AND status = 'queued'",
                (status, reply, now, status, now, entry_id),
            ).rowcount
            if changed:
                db.execute(
                    "UPDATE events SET status = ?, reply = ?, ended_at = ? WHERE id = "
                    "(SELECT max(id) FROM events WHERE message = ? AND status = 'queued')",
                    (status, reply, now, entry_id),
                )
        return self._get(entry_id)

    def note_reply(self, entry_id: int, reply: str) -> None:
        """A claimed message's attempt failed temporarily and it waits for the next one:
        the attempt is recorded as ``failed-temporary``, the message stays ``queued`` (with
        the server's reply), so a run stopped while it waits leaves it to the next run."""
        now = self._now()
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE messages SET reply = ?, updated_at = ? WHERE id = ? AND status = 'queued'",
                (reply, now, entry_id),
            ).rowcount
            if changed:
                db.execute(
                    "UPDATE events SET status = 'failed-temporary', reply = ?, ended_at = ? "
                    "WHERE id = (SELECT max(id) FROM events WHERE message = ? AND status = "
                    "'queued')",
                    (reply, now, entry_id),
                )

    def skip(self, campaign: str, message: Outgoing, reason: str) -> Entry | None:
        """Journal a record that is not sent (the do-not-send list), unless it already was."""
        now = self._now()
        with self._transaction() as db:
            row = db.execute(
                "SELECT id, status FROM messages "
                "WHERE kind = 'send' AND campaign = ? AND record = ?",
                (campaign, message.record),
            ).fetchone()
            if row is None:
                cursor = db.execute(
                    "INSERT INTO messages (kind, campaign, record, template, channel, letter_date, "
                    "rayon, signer, recipient, content_hash, status, reply, created_at, "
                    f"updated_at) VALUES ('send', ?, ?, ?, 'email', {_CAMPAIGN_DATE}, ?, ?, ?, ?, "
                    "'skipped', ?, ?, ?)",
                    (
                        campaign,
                        message.record,
                        message.template,
                        campaign,
                        message.rayon,
                        message.signer,
                        message.recipient,
                        message.content_hash,
                        reason,
                        now,
                        now,
                    ),
                )
                entry_id = cursor.lastrowid
            elif row[1] == "sent":
                return None
            else:
                entry_id = row[0]
                db.execute(
                    "UPDATE messages SET status = 'skipped', reply = ?, updated_at = ? "
                    "WHERE id = ?",
                    (reason, now, entry_id),
                )
            if row is None or row[1] != "skipped":  # skipped again: nothing new happened
                db.execute(
                    "INSERT INTO events (message, status, reply, at, ended_at) "
                    "VALUES (?, 'skipped', ?, ?, ?)",
                    (entry_id, reason, now, now),
                )
        assert entry_id is not None
        return self._get(entry_id)

    # -- rendering and history -------------------------------------------------

    def record_rendered(self, campaign: str | None, letters: Iterable[Rendered]) -> int:
        """Journal the letters ``brief render`` wrote, in one transaction; returns how many.

        ``campaign`` may be None (a render outside a campaign). A failure to
        write is a :class:`~brief.errors.BriefError` and nothing is recorded.
        """
        now = self._now()
        count = 0

        def rows() -> Iterator[tuple[Any, ...]]:  # a stream: memory stays flat
            nonlocal count
            for letter in letters:
                count += 1
                yield (
                    campaign,
                    letter.record,
                    letter.template,
                    letter.channel,
                    letter.rayon,
                    letter.signer,
                    letter.recipient,
                    letter.content_hash,
                    letter.path,
                    letter.letter_date,
                    letter.amount,
                    now,
                    now,
                )

        try:
            with self._transaction() as db:
                db.executemany(
                    "INSERT INTO messages (kind, campaign, record, template, channel, rayon, "
                    "signer, recipient, content_hash, path, letter_date, amount, status, created_at, "
                    "updated_at) VALUES ('render', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'rendered', ?, ?)",
                    rows(),
                )
        except sqlite3.Error as err:
            raise BriefError(f"cannot write the journal: {err}", path=self.path) from None
        return count

    def history(self, record: str) -> list[Entry]:
        """Every row for customer ``record``, oldest first, each with its :attr:`Entry.events`."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE record = ? "
            "ORDER BY coalesce(sent_at, updated_at), id",
            (record,),
        ).fetchall()
        events: dict[int, list[Event]] = {}
        found = self._db.execute(
            "SELECT message, attempt, status, reply, at, ended_at FROM events WHERE message IN "
            "(SELECT id FROM messages WHERE record = ?) ORDER BY id",
            (record,),
        )
        for message, *event in found:
            events.setdefault(message, []).append(Event(*event))
        return [
            dataclasses.replace(Entry(*row), events=tuple(events.get(row[0], ()))) for row in rows
        ]

    def regions(self) -> list[str]:
        """The regions (rayons) the journal's letters and e-mails went out for."""
        rows = self._db.execute(
            "SELECT DISTINCT rayon FROM messages WHERE rayon IS NOT NULL ORDER BY rayon"
        )
        return [row[0] for row in rows]

    def overview(
        self,
        *,
        region: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        template: str | None = None,
    ) -> Iterator[CustomerLog]:
        """The team's overview: per customer (by id), their letters and e-mails of
        ``region`` dated ``since`` to ``until`` (both included; the date the letter
        carried, for rows of an old journal without it the day it was journaled) of
        ``template``, oldest first, with the attempts to send that failed.

        Streamed one customer at a time: memory does not grow with the journal.
        """
        rows = self._db.execute(
            f"SELECT {_COLUMNS}, (SELECT count(*) FROM events WHERE events.message = messages.id "
            "AND events.status IN ('failed-temporary', 'failed-permanent')) FROM messages "
            f"WHERE {_DAY} BETWEEN ? AND ? AND (? IS NULL OR rayon = ?) "
            "AND (? IS NULL OR template = ?) "
            f"ORDER BY record, {_DAY}, coalesce(sent_at, updated_at), id",
            (
                (since or dt.date.min).isoformat(),
                (until or dt.date.max).isoformat(),
                region,
                region,
                template,
                template,
            ),
        )
        record: str | None = None
        entries: list[Entry] = []
        failed = 0
        for *row, failures in rows:
            entry = Entry(*row)
            if entry.record != record:
                if record is not None:
                    yield CustomerLog(record, tuple(entries), failed)
                record, entries, failed = entry.record, [], 0
            entries.append(entry)
            failed += failures
        if record is not None:
            yield CustomerLog(record, tuple(entries), failed)


# The date a row's letter carried; the day it was journaled for render rows of version 1.
_DAY = "coalesce(letter_date, substr(created_at, 1, 10))"


@dataclass(frozen=True)
class CustomerLog:
    """One customer in the team's overview (:meth:`Journal.overview`)."""

    record: str
    entries: tuple[Entry, ...]  # their letters and e-mails in the period, oldest first
    failed: int  # attempts to send one of them that failed (temporarily or for good)

    @property
    def latest(self) -> Entry:
        return self.entries[-1]

    @property
    def region(self) -> str | None:
        """The region of the latest letter or e-mail."""
        return self.latest.rayon


#: What turns a journal of version N into version N + 1, in the same transaction.
MIGRATIONS: dict[int, str] = {
    # 2: every row keeps the date its letter carries. A send row takes its
    # campaign's date; a render row of version 1 never kept it (NULL).
    1: """
ALTER TABLE messages ADD COLUMN letter_date TEXT;
UPDATE messages SET letter_date =
    (SELECT letter_date FROM campaigns WHERE campaigns.name = messages.campaign)
    WHERE kind = 'send';
""",
    # 3: every attempt in its own row. A version-2 journal knows only each send row's
    # last state: that becomes its one event (its earlier attempts are not known).
    2: _EVENTS
    + """
INSERT INTO events (message, attempt, status, reply, at, ended_at)
    SELECT id, CASE WHEN status = 'skipped' THEN NULL ELSE attempts END, status, reply,
        coalesce(queued_at, updated_at), CASE WHEN status = 'queued' THEN NULL ELSE updated_at END
    FROM messages WHERE kind = 'send' ORDER BY id;
""",
    # 4: the amount each letter named, for the WIK guard; unknown (NULL) for older rows.
    3: "ALTER TABLE messages ADD COLUMN amount TEXT;\n",
}


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring a journal of an older ``version`` up to :data:`SCHEMA_VERSION`."""
    for step in range(version, SCHEMA_VERSION):
        for statement in _statements(MIGRATIONS[step]):
            db.execute(statement)


class RenderLog:
    """The letters of one ``brief render``, journaled together once the batch is written.

    Until then they wait in a private temporary SQLite database (a file that
    is deleted when closed, so memory stays flat however many there are);
    the journal itself is not touched, so a refused or interrupted batch
    leaves no trace in it and a ``brief send`` may use it meanwhile.
    :meth:`commit` copies them in one transaction.
    """

    _FLUSH = 512  # rows kept in memory before they go to the temporary database

    def __init__(self, campaign: str | None = None):
        self.campaign = campaign
        self.count = 0
        self._rows: list[Rendered] = []
        # "" is a private temporary database; only this process uses it.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute(
            "CREATE TABLE pending (record, template, channel, rayon, signer, recipient, "
            "content_hash, path, letter_date, amount)"
        )

    def add(self, letter: Rendered) -> None:
        self._rows.append(letter)
        self.count += 1
        if len(self._rows) >= self._FLUSH:
            self._flush()

    def _flush(self) -> None:
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT INTO pending VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    letter.record,
                    letter.template,
                    letter.channel,
                    letter.rayon,
                    letter.signer,
                    letter.recipient,
                    letter.content_hash,
                    letter.path,
                    letter.letter_date,
                    letter.amount,
                )
                for letter in self._rows
            ),
        )
        self._db.execute("COMMIT")
        self._rows.clear()

    def commit(self, path: Path) -> int:
        """Journal every letter added in the journal at ``path``; returns how many."""
        self._flush()
        rows = self._db.execute("SELECT * FROM pending ORDER BY rowid")
        with Journal.open(path) as journal:
            return journal.record_rendered(self.campaign, (Rendered(*row) for row in rows))

    def close(self) -> None:
        self._db.close()


def _statements(script: str) -> Iterator[str]:
    """The statements of ``script`` (``executescript`` would COMMIT the open transaction)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""


def _lock_file(handle: IO[Any]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock_file(handle: IO[Any]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
