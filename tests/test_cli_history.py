"""``brief history``: one customer's letters and e-mails from the journal."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from brief.journal import Journal, Outgoing, Rendered


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(hours=1)
        return self.now


@pytest.fixture
def amsterdam(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Dutch time: UTC+1 in November."""
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def email(record: str, recipient: str, **more: str | None) -> Outgoing:
    fields: dict[str, str | None] = {
        "record": record,
        "template": "herinnering",
        "rayon": "noord",
        "signer": "Ineke de Vries",
        "recipient": recipient,
        "content_hash": "h",
        "sender": "ineke.devries@dijkzicht.example",
        "message_id": f"<{record}@dijkzicht.example>",
        "message_date": "Fri, 20 Nov 2026 09:30:00 +0000",
    }
    fields.update(more)
    return Outgoing(**fields)  # type: ignore[arg-type]


def fill(path: Path) -> None:
    """K1: a letter rendered, an e-mail sent, one that failed; K2: skipped."""
    with Journal.open(path, clock=Clock()) as journal:
        journal.record_rendered(
            None,
            [
                Rendered(
                    "K1",
                    "14-dagenbrief",
                    "letter",
                    "noord",
                    "Ineke de Vries",
                    path="out/K1-14-dagenbrief.txt",
                ),
                Rendered("K2", "14-dagenbrief", "letter", "zuid", "Bianca Mulder"),
            ],
        )
        sent = journal.claim("nov", email("K1", "jan@example.nl"), allow=set())
        assert sent is not None
        journal.finish(sent.id, "sent", "250 2.0.0 Ok: queued as 4F2A")
        failed = journal.claim("dec", email("K1", "jan@example.nl"), allow=set())
        assert failed is not None
        journal.finish(failed.id, "failed-permanent", "550 5.1.1 User unknown")
        journal.skip(
            "nov",
            email("K2", "ayse@example.nl", signer=None),
            "on the do-not-send list (dns.txt:1)",
        )


def test_history_of_one_customer(project: Path, cli, amsterdam) -> None:
    fill(project / "brief.sqlite")

    result = cli("history", "K1")

    assert result.exit_code == 0
    assert result.stdout == (
        "date              campaign  template       channel  signer          to              "
        "status            detail\n"
        "2026-11-20 10:30  -         14-dagenbrief  letter   Ineke de Vries  -               "
        "rendered          out/K1-14-dagenbrief.txt\n"
        "2026-11-20 12:30  nov       herinnering    email    Ineke de Vries  jan@example.nl  "
        "sent              250 2.0.0 Ok: queued as 4F2A\n"
        "2026-11-20 14:30  dec       herinnering    email    Ineke de Vries  jan@example.nl  "
        "failed-permanent  550 5.1.1 User unknown\n"
    )
    assert result.stderr == ""

    other = cli("history", "K2")
    assert other.stdout == (
        "date              campaign  template       channel  signer         to               "
        "status    detail\n"
        "2026-11-20 10:30  -         14-dagenbrief  letter   Bianca Mulder  -                "
        "rendered\n"
        "2026-11-20 15:30  nov       herinnering    email    -              ayse@example.nl  "
        "skipped   on the do-not-send list (dns.txt:1)\n"
    )


def test_history_as_json(project: Path, cli) -> None:
    fill(project / "brief.sqlite")

    result = cli("history", "K1", "--json")

    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["kind"], e["campaign"], e["status"]) for e in lines] == [
        ("render", None, "rendered"),
        ("send", "nov", "sent"),
        ("send", "dec", "failed-permanent"),
    ]
    assert lines[1] == {
        "id": 3,
        "kind": "send",
        "campaign": "nov",
        "record": "K1",
        "template": "herinnering",
        "channel": "email",
        "letter_date": None,  # fill() sends without starting the campaign
        "rayon": "noord",
        "signer": "Ineke de Vries",
        "sender": "ineke.devries@dijkzicht.example",
        "recipient": "jan@example.nl",
        "content_hash": "h",
        "message_id": "<K1@dijkzicht.example>",
        "message_date": "Fri, 20 Nov 2026 09:30:00 +0000",
        "status": "sent",
        "reply": "250 2.0.0 Ok: queued as 4F2A",
        "attempts": 1,
        "path": None,
        "created_at": "2026-11-20T10:30:00+00:00",
        "queued_at": "2026-11-20T10:30:00+00:00",
        "sent_at": "2026-11-20T11:30:00+00:00",
        "updated_at": "2026-11-20T11:30:00+00:00",
        "amount": None,  # the amount the letter named: fill() gives none
        "events": [
            {
                "attempt": 1,
                "status": "sent",
                "reply": "250 2.0.0 Ok: queued as 4F2A",
                "at": "2026-11-20T10:30:00+00:00",
                "ended_at": "2026-11-20T11:30:00+00:00",
            }
        ],
    }


def test_no_history(project: Path, cli) -> None:
    fill(project / "brief.sqlite")

    result = cli("history", "K9")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No letters or e-mails to 'K9' in brief.sqlite.\n"


def test_journal_option_and_setting(project: Path, cli) -> None:
    fill(project / "elsewhere.sqlite")

    assert cli("history", "K1", "--journal", "elsewhere.sqlite").stdout.count("\n") == 4
    config = project / "brief.yaml"
    config.write_text(config.read_text("utf-8") + "journal: elsewhere.sqlite\n", "utf-8")
    assert cli("history", "K1").stdout.count("\n") == 4


def test_no_journal_yet(project: Path, cli) -> None:
    result = cli("history", "K1")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: brief.sqlite: journal not found (nothing sent or rendered with it yet; "
        "--journal FILE to use another)\n"
    )
    assert not (project / "brief.sqlite").exists()


def test_history_after_a_real_send(project: Path, cli, monkeypatch) -> None:
    from test_mail import Handler, smtp_server
    from test_send import configure

    with smtp_server(Handler()) as running:
        configure(project, running.port)
        sent = cli("send", "-r", "customers.csv", "-t", "herinnering", "-c", "nov", "--send", "-y")
    assert sent.exit_code == 0, sent.output

    result = cli("history", "K2")

    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert re.split(r"\s{2,}", lines[1])[1:] == [
        "nov",
        "herinnering",
        "email",
        "Ineke de Vries, Bianca Mulder",  # the team closing of herinnering.b1.j2
        "ayse@example.nl",
        "sent",
        "250 2.0.0 Ok: queued",
    ]
    (entry,) = [json.loads(line) for line in cli("history", "K2", "--json").stdout.splitlines()]
    assert entry["letter_date"] == dt.date.today().isoformat()  # the campaign's date


def test_render_records_its_letters_in_the_contact_log(reminded: Path, cli) -> None:
    rendered = cli(
        "render",
        "-r",
        "examples/customers.csv",
        "-t",
        "14-dagenbrief",
        "-o",
        "out",
        "--date",
        "2026-11-22",
    )
    assert rendered.exit_code == 0, rendered.stderr

    result = cli("history", "K1011", "--json")

    assert result.exit_code == 0, result.stderr
    (reminder, entry) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (reminder["template"], reminder["letter_date"]) == ("betalingsherinnering", "2026-11-06")
    assert entry["template"] == "14-dagenbrief"
    assert entry["channel"] == "letter"
    assert entry["signer"] == "Bianca Mulder"
    assert entry["status"] == "rendered"
    assert entry["path"] == "out/K1011-14-dagenbrief.pdf"
    assert entry["letter_date"] == "2026-11-22"  # the --date, not the day it was rendered


def test_render_no_journal_leaves_no_contact_log(demo: Path, cli) -> None:
    result = cli(
        "render", "-r", "examples/customers.csv", "-t", "bedankt", "-o", "out", "--no-journal"
    )

    assert result.exit_code == 0, result.stderr
    assert not (demo / "brief.sqlite").exists()


def test_history_shows_every_attempt(project: Path, cli) -> None:
    from test_mail import Handler, smtp_server
    from test_send import configure

    handler = Handler()
    handler.temporary["ayse@example.nl"] = 2
    with smtp_server(handler) as running:
        configure(project, running.port, retries=1)
        send = ("send", "-r", "customers.csv", "-t", "herinnering", "-c", "nov", "--send", "-y")
        assert cli(*send).exit_code == 1  # two temporary failures: retried once, then given up
        assert cli(*send, "--retry-failed").exit_code == 0

    result = cli("history", "K2")

    assert result.exit_code == 0, result.stderr
    cells = [re.split(r"\s{2,}", line)[1:] for line in result.stdout.splitlines()[1:]]
    # the b1 template's team closing names both
    head = ["nov", "herinnering", "email", "Ineke de Vries, Bianca Mulder", "ayse@example.nl"]
    assert cells == [
        [*head, "failed-temporary", "451 4.3.0 Try again later"],
        [*head, "failed-temporary", "451 4.3.0 Try again later"],
        [*head, "sent", "250 2.0.0 Ok: queued"],
    ]
    (entry,) = [json.loads(line) for line in cli("history", "K2", "--json").stdout.splitlines()]
    assert (entry["status"], entry["attempts"]) == ("sent", 3)
    assert [(e["attempt"], e["status"]) for e in entry["events"]] == [
        (1, "failed-temporary"),
        (2, "failed-temporary"),
        (3, "sent"),
    ]


def test_letters_to_a_stream_are_journaled_without_a_manifest(reminded: Path, cli) -> None:
    rendered = cli(
        "render", "-r", "examples/customers.csv", "-t", "14-dagenbrief", "--stream", "letters.txt"
    )
    assert rendered.exit_code == 0, rendered.stderr

    with Journal.open(reminded / "brief.sqlite", create=False) as journal:
        (_, entry) = journal.history("K1011")
    assert (entry.template, entry.channel, entry.path) == ("14-dagenbrief", "letter", None)


def test_a_refused_batch_journals_nothing(demo: Path, cli) -> None:
    records = demo / "examples" / "customers.csv"
    records.write_text(
        records.read_text("utf-8") + "K1099;nergens;Iemand" + ";" * 15 + "\r\n", "utf-8"
    )

    result = cli("render", "-r", "examples/customers.csv", "-t", "bedankt", "-o", "out")

    assert result.exit_code == 2
    assert "unknown region 'nergens'" in result.stderr
    assert not (demo / "brief.sqlite").exists()
