"""The SQLite journal: schema, claims, statuses, rendered letters, history, locking."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from brief.batch import render_one
from brief.errors import BriefError
from brief.journal import (
    SCHEMA_VERSION,
    Event,
    Journal,
    Outgoing,
    Rendered,
    content_hash,
)
from brief.project import Project
from brief.records import read_records


class Clock:
    """A clock that moves one minute each time it is read."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


@pytest.fixture
def journal(tmp_path: Path):
    with Journal.open(tmp_path / "brief.sqlite", clock=Clock()) as opened:
        yield opened


def message(record: str = "K1", **changes: str) -> Outgoing:
    fields = {
        "record": record,
        "template": "herinnering",
        "rayon": "noord",
        "signer": "Ineke de Vries",
        "recipient": "jan@example.nl",
        "content_hash": "h1",
        "sender": "ineke.devries@dijkzicht.example",
        "message_id": "<m1@dijkzicht.example>",
        "message_date": "Sun, 22 Nov 2026 09:00:00 +0000",
        **changes,
    }
    return Outgoing(**fields)


ALLOW = {"queued", "skipped"}


def test_new_journal_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "brief.sqlite"
    Journal.open(path).close()

    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"meta", "campaigns", "messages", "events"}
    columns = [row[1] for row in db.execute("PRAGMA table_info(messages)")]
    assert columns == [
        "id",
        "kind",
        "campaign",
        "record",
        "template",
        "channel",
        "letter_date",
        "rayon",
        "signer",
        "sender",
        "recipient",
        "content_hash",
        "message_id",
        "message_date",
        "status",
        "reply",
        "attempts",
        "path",
        "amount",
        "created_at",
        "queued_at",
        "sent_at",
        "updated_at",
    ]


def test_claim_then_sent(journal: Journal) -> None:
    entry = journal.claim("nov", message(), allow=ALLOW)

    assert entry is not None
    assert (entry.status, entry.attempts, entry.queued_at) == (
        "queued",
        1,
        "2026-11-22T09:01:00+00:00",
    )
    done = journal.finish(entry.id, "sent", "250 2.0.0 Ok: queued")
    assert (done.status, done.reply, done.sent_at) == (
        "sent",
        "250 2.0.0 Ok: queued",
        "2026-11-22T09:02:00+00:00",
    )
    assert journal.entries("nov") == {"K1": done}


def test_every_attempt_is_an_event(journal: Journal) -> None:
    first = journal.claim("nov", message(), allow=ALLOW)
    assert first is not None
    journal.finish(first.id, "failed-temporary", "451 4.3.0 Try again later")
    second = journal.claim("nov", message(), allow={"failed-temporary"})
    assert second is not None and second.id == first.id
    journal.finish(second.id, "sent", "250 2.0.0 Ok: queued")
    journal.finish(second.id, "failed-permanent", "550 late")  # not queued: changes nothing
    journal.skip("dec", message(), "on the do-not-send list (dns.txt:1)")
    journal.skip("dec", message(), "on the do-not-send list (dns.txt:1)")  # nothing new

    (nov, dec) = journal.history("K1")
    assert (nov.status, nov.attempts, nov.reply) == ("sent", 2, "250 2.0.0 Ok: queued")
    assert nov.events == (
        Event(1, "failed-temporary", "451 4.3.0 Try again later", T(1), T(2)),
        Event(2, "sent", "250 2.0.0 Ok: queued", T(3), T(4)),
    )
    assert dec.events == (
        Event(None, "skipped", "on the do-not-send list (dns.txt:1)", T(6), T(6)),
    )
    crashed = journal.claim("oct", message(), allow=ALLOW)  # no answer: it stays queued
    assert crashed is not None
    assert journal.history("K1")[-1].events == (Event(1, "queued", None, T(8), None),)


def T(minute: int) -> str:
    """The Clock's time after ``minute`` readings."""
    return f"2026-11-22T09:{minute:02d}:00+00:00"


def test_sent_is_never_claimed_again(journal: Journal) -> None:
    entry = journal.claim("nov", message(), allow=ALLOW)
    assert entry is not None
    journal.finish(entry.id, "sent", "250 OK")

    every_status = {"queued", "skipped", "failed-temporary", "failed-permanent", "sent"} - {"sent"}
    assert journal.claim("nov", message(content_hash="edited"), allow=every_status) is None
    assert journal.claim("nov", message(), allow=ALLOW) is None
    assert journal.entry("nov", "K1").status == "sent"  # type: ignore[union-attr]
    # Another campaign is another message.
    assert journal.claim("dec", message(), allow=ALLOW) is not None


def test_one_send_row_per_campaign_and_record_in_the_database(journal: Journal) -> None:
    journal.claim("nov", message(), allow=ALLOW)
    db = sqlite3.connect(journal.path)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO messages (kind, campaign, record, template, channel, status, "
            "created_at, updated_at) VALUES ('send', 'nov', 'K1', 't', 'email', 'queued', "
            "'x', 'x')"
        )


def test_a_queued_row_is_claimed_again_with_its_date(journal: Journal) -> None:
    first = journal.claim("nov", message(), allow=ALLOW)
    again = journal.claim(
        "nov", message(message_date="Mon, 23 Nov 2026 08:00:00 +0000"), allow=ALLOW
    )

    assert first is not None and again is not None
    assert again.id == first.id
    assert again.attempts == 2
    assert again.message_date == "Sun, 22 Nov 2026 09:00:00 +0000"  # the same message again


def test_changed_content_gets_a_new_date(journal: Journal) -> None:
    journal.claim("nov", message(), allow=ALLOW)
    again = journal.claim(
        "nov",
        message(content_hash="h2", message_id="<m2@x>", message_date="Mon, 23 Nov 2026"),
        allow=ALLOW,
    )
    assert again is not None
    assert (again.content_hash, again.message_id, again.message_date) == (
        "h2",
        "<m2@x>",
        "Mon, 23 Nov 2026",
    )


def test_failed_temporary_is_claimed_only_when_allowed(journal: Journal) -> None:
    entry = journal.claim("nov", message(), allow=ALLOW)
    assert entry is not None
    failed = journal.finish(entry.id, "failed-temporary", "451 4.3.0 Try again later")
    assert (failed.status, failed.reply, failed.sent_at) == (
        "failed-temporary",
        "451 4.3.0 Try again later",
        None,
    )

    assert journal.claim("nov", message(), allow=ALLOW) is None
    retried = journal.claim("nov", message(), allow=ALLOW | {"failed-temporary"})
    assert retried is not None
    assert (retried.status, retried.attempts, retried.reply) == ("queued", 2, None)


def test_finish_needs_a_final_status(journal: Journal) -> None:
    entry = journal.claim("nov", message(), allow=ALLOW)
    assert entry is not None
    with pytest.raises(ValueError, match="not a final status: 'queued'"):
        journal.finish(entry.id, "queued", "")


def test_skip(journal: Journal) -> None:
    skipped = journal.skip("nov", message(), "on the do-not-send list (dns.txt:3)")
    assert skipped is not None
    assert (skipped.status, skipped.reply, skipped.attempts, skipped.message_id) == (
        "skipped",
        "on the do-not-send list (dns.txt:3)",
        0,
        None,
    )
    # Taken off the list later: it can be sent.
    entry = journal.claim("nov", message(), allow=ALLOW)
    assert entry is not None and entry.id == skipped.id
    journal.finish(entry.id, "sent", "250 OK")
    # Put on the list after it was sent: it stays sent.
    assert journal.skip("nov", message(), "on the do-not-send list (dns.txt:3)") is None
    assert journal.entry("nov", "K1").status == "sent"  # type: ignore[union-attr]


def test_message_id_is_stable_per_campaign_record_and_content(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "a.sqlite") as a, Journal.open(tmp_path / "b.sqlite") as b:
        first = a.message_id("nov", "K1", "h1", "dijkzicht.example")
        assert first == a.message_id("nov", "K1", "h1", "dijkzicht.example")
        assert first.startswith("<") and first.endswith(".brief@dijkzicht.example>")
        assert len(first) == len("<.brief@dijkzicht.example>") + 32
        others = {
            a.message_id("nov", "K1", "h2", "dijkzicht.example"),
            a.message_id("nov", "K2", "h1", "dijkzicht.example"),
            a.message_id("dec", "K1", "h1", "dijkzicht.example"),
            b.message_id("nov", "K1", "h1", "dijkzicht.example"),  # another journal
        }
        assert first not in others and len(others) == 4
    with Journal.open(tmp_path / "a.sqlite") as again:
        assert again.message_id("nov", "K1", "h1", "dijkzicht.example") == first


def test_campaign_date_is_kept(journal: Journal) -> None:
    assert journal.campaign_date("nov") is None
    assert journal.start_campaign("nov", dt.date(2026, 11, 22)) == dt.date(2026, 11, 22)
    assert journal.start_campaign("nov", dt.date(2026, 11, 23)) == dt.date(2026, 11, 22)
    assert journal.campaign_date("nov") == dt.date(2026, 11, 22)


def test_record_rendered_and_history(journal: Journal) -> None:
    count = journal.record_rendered(
        None,
        [
            Rendered("K1", "aanmaning", "letter", "noord", "Ineke de Vries", path="out/K1.txt"),
            Rendered("K2", "aanmaning", "letter", "zuid", "Bianca Mulder", path="out/K2.txt"),
        ],
    )
    entry = journal.claim("nov", message(), allow=ALLOW)
    assert entry is not None
    journal.finish(entry.id, "sent", "250 OK")

    assert count == 2
    history = journal.history("K1")
    assert [(e.kind, e.campaign, e.template, e.channel, e.status, e.path) for e in history] == [
        ("render", None, "aanmaning", "letter", "rendered", "out/K1.txt"),
        ("send", "nov", "herinnering", "email", "sent", None),
    ]
    assert [e.when for e in history] == [
        "2026-11-22T09:01:00+00:00",
        "2026-11-22T09:03:00+00:00",
    ]
    assert journal.history("K9") == []
    assert journal.entries("nov").keys() == {"K1"}  # rendered rows are no sends


def test_rendered_from_a_real_letter(project: Path) -> None:
    proj = Project.discover()
    record = next(iter(read_records(Path("customers.csv"))))
    profile = proj.profile("noord")
    assert profile is not None and not isinstance(record, Exception)
    letter = render_one(proj, record, profile, "herinnering", dt.date(2026, 11, 22))

    rendered = Rendered.from_letter(letter, dt.date(2026, 11, 22), path="out/K1-herinnering.eml")

    assert rendered == Rendered(
        record="K1",
        template="herinnering",
        channel="email",
        rayon="noord",
        signer="Ineke de Vries",
        recipient="jan@example.nl",
        content_hash=content_hash(letter),
        path="out/K1-herinnering.eml",
        letter_date="2026-11-22",
        amount="1234.56",
    )
    assert len(rendered.content_hash or "") == 64
    again = render_one(proj, record, profile, "herinnering", dt.date(2026, 11, 22))
    assert content_hash(again) == content_hash(letter)
    later = render_one(proj, record, profile, "aanmaning", dt.date(2026, 11, 22))
    assert content_hash(later) != content_hash(letter)


def test_missing_journal(tmp_path: Path) -> None:
    with pytest.raises(BriefError) as info:
        Journal.open(tmp_path / "none.sqlite", create=False)
    assert str(info.value) == (
        f"{tmp_path / 'none.sqlite'}: journal not found (nothing sent or rendered with it yet; "
        "--journal FILE to use another)"
    )
    assert not (tmp_path / "none.sqlite").exists()


def test_not_a_journal(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(BriefError) as info:
        Journal.open(text)
    assert str(info.value) == f"{text}: not a brief journal (file is not a database)"

    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE customers (id TEXT)")
    db.commit()
    db.close()
    with pytest.raises(BriefError) as info:
        Journal.open(other)
    assert str(info.value) == f"{other}: not a brief journal (an SQLite file with other tables)"


def test_journal_from_a_newer_brief(tmp_path: Path) -> None:
    path = tmp_path / "brief.sqlite"
    Journal.open(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(BriefError) as info:
        Journal.open(path)
    assert str(info.value) == (
        f"{path}: written by a newer brief (journal version 99; this brief knows 4)"
    )


def test_only_one_sender_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "brief.sqlite"
    with Journal.open(path) as first, Journal.open(path) as second:
        with first.lock():
            with pytest.raises(BriefError) as info, second.lock():
                pass
            assert str(info.value) == (
                f"{path}: another brief send is using this journal; wait for it to finish"
            )
        with second.lock():  # free again
            pass


def test_committed_rows_survive_a_lost_connection(tmp_path: Path) -> None:
    """Each change is committed at once: a second connection sees it without a close."""
    path = tmp_path / "brief.sqlite"
    writer = Journal.open(path)
    entry = writer.claim("nov", message(), allow=ALLOW)
    assert entry is not None
    with Journal.open(path, create=False) as reader:
        assert reader.entry("nov", "K1").status == "queued"  # type: ignore[union-attr]
        writer.finish(entry.id, "sent", "250 OK")
        assert reader.entry("nov", "K1").status == "sent"  # type: ignore[union-attr]
    writer.close()


def test_journal_cannot_be_opened(tmp_path: Path) -> None:
    with pytest.raises(BriefError) as info:
        Journal.open(tmp_path)  # a folder
    assert str(info.value) == f"{tmp_path}: cannot open the journal: unable to open database file"


def test_record_rendered_is_all_or_nothing(journal: Journal) -> None:
    letters = [
        Rendered("K1", "aanmaning", "letter", "noord", "Ineke de Vries"),
        Rendered("K2", "aanmaning", "fax", "zuid", "Bianca Mulder"),  # no such channel
    ]
    with pytest.raises(BriefError) as info:
        journal.record_rendered("nov", letters)
    assert str(info.value) == (
        f"{journal.path}: cannot write the journal: CHECK constraint failed: "
        "channel IN ('letter', 'email')"
    )
    assert journal.history("K1") == []


def test_every_row_keeps_the_date_its_letter_carries(journal: Journal) -> None:
    journal.record_rendered(
        None,
        [Rendered("K1", "aanmaning", "letter", "noord", "Ineke", letter_date="2026-11-02")],
    )
    journal.start_campaign("nov", dt.date(2026, 11, 22))
    sent = journal.claim("nov", message(), allow=ALLOW)
    assert sent is not None and sent.letter_date == "2026-11-22"
    skipped = journal.skip("nov", message("K2"), "on the do-not-send list (dns.txt:1)")
    assert skipped is not None and skipped.letter_date == "2026-11-22"
    again = journal.claim("nov", message(), allow={"queued"})  # a resend keeps the date
    assert again is not None and again.letter_date == "2026-11-22"

    assert [(e.kind, e.letter_date) for e in journal.history("K1")] == [
        ("render", "2026-11-02"),
        ("send", "2026-11-22"),
    ]


# The schema brief 0.x wrote before the journal kept the letter date (version 1).
VERSION_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE campaigns (name TEXT PRIMARY KEY, letter_date TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('send', 'render')),
    campaign TEXT, record TEXT NOT NULL, template TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('letter', 'email')),
    rayon TEXT, signer TEXT, sender TEXT, recipient TEXT, content_hash TEXT, message_id TEXT,
    message_date TEXT, status TEXT NOT NULL, reply TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    path TEXT, created_at TEXT NOT NULL, queued_at TEXT, sent_at TEXT, updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX messages_campaign_record ON messages (campaign, record) WHERE kind = 'send';
CREATE INDEX messages_record ON messages (record);
INSERT INTO meta VALUES ('salt', 'abc');
INSERT INTO campaigns VALUES ('nov', '2026-11-22', '2026-11-22T08:00:00+00:00');
INSERT INTO messages (kind, campaign, record, template, channel, status, attempts, created_at,
    sent_at, updated_at)
    VALUES ('send', 'nov', 'K1', 'herinnering', 'email', 'sent', 1, '2026-11-22T09:00:00+00:00',
    '2026-11-22T09:00:00+00:00', '2026-11-22T09:00:00+00:00');
INSERT INTO messages (kind, record, template, channel, status, created_at, updated_at)
    VALUES ('render', 'K1', 'aanmaning', 'letter', 'rendered', '2026-11-23T09:00:00+00:00',
    '2026-11-23T09:00:00+00:00');
PRAGMA user_version = 1;
"""


def test_a_version_3_journal_gets_the_amounts_column(tmp_path: Path) -> None:
    path = tmp_path / "brief.sqlite"
    db = sqlite3.connect(path)
    db.executescript(VERSION_1)
    db.close()
    with Journal.open(path):  # up to date, then taken back to what version 3 had
        pass
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE messages DROP COLUMN amount")
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()

    with Journal.open(path) as journal:
        assert [e.amount for e in journal.history("K1")] == [None, None]  # not known
        journal.record_rendered(
            None,
            [
                Rendered(
                    "K1",
                    "aanmaning",
                    "letter",
                    "noord",
                    None,
                    letter_date="2026-11-24",
                    amount="12.50",
                )
            ],
        )
        assert [e.amount for e in journal.history("K1")] == [None, None, "12.50"]


def test_a_version_1_journal_is_brought_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "brief.sqlite"
    db = sqlite3.connect(path)
    db.executescript(VERSION_1)
    db.close()

    with Journal.open(path) as journal:
        history = journal.history("K1")
        assert [(e.kind, e.template, e.letter_date) for e in history] == [
            ("send", "herinnering", "2026-11-22"),  # its campaign's date
            ("render", "aanmaning", None),  # version 1 never kept it
        ]
        # Its last state is the one event known of it.
        sent = "2026-11-22T09:00:00+00:00"
        assert history[0].events == (Event(1, "sent", None, sent, sent),)
        assert history[1].events == ()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone() == ("abc",)
    db.close()
