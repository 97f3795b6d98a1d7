"""Campaigns end to end against a real SMTP server on loopback, with faults injected.

Every test counts what the server received: each record exactly once, none
missing, except where the documented window says a message may arrive twice
(and then it is byte for byte the same message).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from test_mail import FakeTime, Handler, free_port, smtp_server

from brief import mail
from brief.donotsend import load_do_not_send
from brief.errors import BriefError, ConfigError, InvalidInput, TemplateError
from brief.journal import Journal
from brief.project import Project
from brief.send import (
    FAILED_BEFORE,
    NOT_SENT,
    REJECTED,
    RESEND,
    RETRY,
    SEND,
    SENT_BEFORE,
    SKIP,
    Plan,
    SendOptions,
    deliver,
    prepare,
)

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
DATE = dt.date(2026, 11, 22)


def fixed_clock() -> dt.datetime:
    return NOW


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def server(handler: Handler, project: Path) -> Iterator[Controller]:
    """The SMTP server, and the test project's brief.yaml pointing at it."""
    with smtp_server(handler) as running:
        configure(project, running.port)
        yield running


def configure(project: Path, port: int, **more: object) -> None:
    settings = {"host": "127.0.0.1", "port": port, "security": "none", "rate": 0, "backoff": 0}
    settings["timeout"] = 5  # no test waits long for a server that went quiet
    settings.update(more)
    config = project / "brief.yaml"
    text = config.read_text("utf-8").split("smtp:")[0]
    lines = "".join(f"  {key}: {value}\n" for key, value in settings.items())
    config.write_text(text + "smtp:\n" + lines, encoding="utf-8")


def customers(project: Path, count: int, name: str = "customers.csv") -> Path:
    rows = [f"R{n};noord;Klant {n};r{n}@example.nl;10,00;01-11-2026" for n in range(1, count + 1)]
    path = project / name
    path.write_text("id;region;name;email;amount;due_date\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def options(**changes: object) -> SendOptions:
    values: dict = {
        "records": Path("customers.csv"),
        "campaign": "nov",
        "template": "herinnering",
        "send": True,
        "date": DATE,
    }
    values.update(changes)
    return SendOptions(**values)


def run(**changes: object) -> tuple[Plan, list[float]]:
    """prepare + deliver, as ``brief send --send --yes`` does; returns the plan and the sleeps."""
    slept: list[float] = []
    plan = prepare(Project.discover(), options(**changes), environ={})
    deliver(plan, clock=fixed_clock, sleep=slept.append)
    return plan, slept


def rows(*columns: str) -> list[tuple]:
    db = sqlite3.connect("brief.sqlite")
    return db.execute(
        f"SELECT record, {', '.join(columns)} FROM messages WHERE kind = 'send' ORDER BY record"
    ).fetchall()


def per_recipient(handler: Handler) -> Counter[str]:
    return Counter(m.recipients[0] for m in handler.messages)


def message_id(data: bytes) -> str:
    found = re.search(rb"^Message-ID: (<[^>]+>)\r$", data, re.M)
    assert found is not None
    return found.group(1).decode()


# --- the plan ---------------------------------------------------------------------------------


def test_dry_run_plans_and_changes_nothing(project: Path, server: Controller) -> None:
    plan = prepare(Project.discover(), options(send=False), environ={})

    assert [(i.record, i.action, i.region, i.signer, i.recipient) for i in plan.items] == [
        ("K1", SEND, "noord", "Ineke de Vries", "jan@example.nl"),
        ("K2", SEND, "zuid", "Ineke de Vries, Bianca Mulder", "ayse@example.nl"),  # team closing
    ]
    assert plan.per_signer() == {
        ("noord", "Ineke de Vries"): 1,
        ("zuid", "Ineke de Vries, Bianca Mulder"): 1,
    }
    assert plan.server is not None
    assert plan.server.describe() == f"127.0.0.1:{server.port} (no TLS)"
    assert plan.describe_sender() == "from the signers' own addresses"
    assert not (project / "brief.sqlite").exists()


def test_dry_run_without_a_server(project: Path) -> None:
    plan = prepare(Project.discover(), options(send=False), environ={})
    assert plan.server is None
    assert plan.server_problem == (
        "no SMTP server: set smtp.host in brief.yaml or the environment variable BRIEF_SMTP_HOST"
    )
    with pytest.raises(mail.MailError) as info:
        prepare(Project.discover(), options(), environ={})
    assert str(info.value) == plan.server_problem


# --- sending ----------------------------------------------------------------------------------


def test_each_record_is_delivered_byte_for_byte(
    project: Path, server: Controller, handler: Handler
) -> None:
    plan, _ = run()

    assert [i.outcome for i in plan.items] == ["sent", "sent"]
    jan, ayse = handler.messages
    assert jan.sender == "ineke.devries@dijkzicht.example"
    assert jan.recipients == ["jan@example.nl"]
    jan_id = message_id(jan.data)
    assert re.fullmatch(r"<[0-9a-f]{32}\.brief@dijkzicht\.example>", jan_id)
    boundary = re.search(rb'boundary="(=_brief_[0-9a-f]{24})"', jan.data)
    assert boundary is not None
    expected = (
        "From: Ineke de Vries <ineke.devries@dijkzicht.example>\r\n"
        "To: Jan de Vries <jan@example.nl>\r\n"
        "Reply-To: Ineke de Vries <ineke.devries@dijkzicht.example>\r\n"
        "Subject: Herinnering K1\r\n"
        "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: {jan_id}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative;\r\n"
        ' boundary="BOUNDARY"\r\n'
        "\r\n"
        "--BOUNDARY\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Geachte Jan de Vries,\r\n"
        "\r\n"
        "U hebt =E2=82=AC 1.234,56 nog niet betaald.\r\n"
        "\r\n"
        "Met vriendelijke groet,\r\n"
        "Ineke de Vries, Medewerker incasso\r\n"
        "06 1234 5601\r\n"
        "\r\n"
        "--BOUNDARY\r\n"
        'Content-Type: text/html; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "<p>Geachte Jan de Vries,</p>\r\n"
        "<p>U hebt =E2=82=AC 1.234,56 nog niet betaald.</p>\r\n"
        "<p>Met vriendelijke groet,<br>\r\n"
        "Ineke de Vries, Medewerker incasso<br>\r\n"
        "06 1234 5601</p>\r\n"
        "\r\n"
        "--BOUNDARY--\r\n"
    ).replace("BOUNDARY", boundary.group(1).decode())
    assert jan.data == expected.encode("ascii")

    assert ayse.sender == "bianca.mulder@dijkzicht.example"
    assert ayse.data == (
        "From: Bianca Mulder <bianca.mulder@dijkzicht.example>\r\n"
        "To: =?utf-8?q?Ay=C5=9Fe_=C3=96zdemir?= <ayse@example.nl>\r\n"
        "Reply-To: Bianca Mulder <bianca.mulder@dijkzicht.example>\r\n"
        "Subject: Je huur K2\r\n"
        "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: {message_id(ayse.data)}\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "MIME-Version: 1.0\r\n"
        "\r\n"
        "Beste Ay=C5=9Fe =C3=96zdemir,\r\n"
        "\r\n"
        "Je moet nog =E2=82=AC 99,50 betalen.\r\n"
        "\r\n"
        "Groet, Ineke en Bianca - Team Incasso\r\n"
        "Bel Bianca: 06 1234 5603\r\n"
    ).encode("ascii")

    assert rows("status", "attempts", "sender", "recipient", "message_id", "reply") == [
        (
            "K1",
            "sent",
            1,
            "ineke.devries@dijkzicht.example",
            "jan@example.nl",
            jan_id,
            "250 2.0.0 Ok: queued",
        ),
        (
            "K2",
            "sent",
            1,
            "bianca.mulder@dijkzicht.example",
            "ayse@example.nl",
            message_id(ayse.data),
            "250 2.0.0 Ok: queued",
        ),
    ]
    assert handler.connections == 1


def test_running_again_sends_nothing_again(
    project: Path, server: Controller, handler: Handler
) -> None:
    run()
    plan, _ = run()

    assert [(i.record, i.action, i.changed, i.outcome) for i in plan.items] == [
        ("K1", SENT_BEFORE, False, None),
        ("K2", SENT_BEFORE, False, None),
    ]
    assert per_recipient(handler) == {"jan@example.nl": 1, "ayse@example.nl": 1}


def test_edited_records_are_not_sent_again_but_reported(
    project: Path, server: Controller, handler: Handler
) -> None:
    run()
    csv = project / "customers.csv"
    csv.write_text(
        csv.read_text("utf-8").replace("1.234,56", "1.300,00").replace("jan@", "jan.d@"), "utf-8"
    )

    plan, _ = run()

    assert [(i.record, i.action, i.changed) for i in plan.items] == [
        ("K1", SENT_BEFORE, True),
        ("K2", SENT_BEFORE, False),
    ]
    assert len(handler.messages) == 2
    assert "jan.d@example.nl" not in per_recipient(handler)


def test_temporary_failure_is_retried_with_backoff(
    project: Path, server: Controller, handler: Handler
) -> None:
    configure(project, server.port, backoff=1.5, retries=3)
    handler.temporary["jan@example.nl"] = 2

    plan, slept = run()

    assert [(i.record, i.outcome, i.attempts) for i in plan.items] == [
        ("K1", "sent", 3),
        ("K2", "sent", 1),
    ]
    assert slept == [1.5, 3.0]
    assert per_recipient(handler) == {"jan@example.nl": 1, "ayse@example.nl": 1}
    assert rows("status", "attempts") == [("K1", "sent", 3), ("K2", "sent", 1)]


def test_temporary_failures_are_bounded_then_retry_failed(
    project: Path, server: Controller, handler: Handler
) -> None:
    configure(project, server.port, backoff=2, retries=2)
    handler.temporary["jan@example.nl"] = 99

    plan, slept = run()

    assert [(i.record, i.outcome, i.attempts) for i in plan.items] == [
        ("K1", mail.TEMPORARY, 3),
        ("K2", "sent", 1),
    ]
    assert plan.items[0].reply == "451 4.3.0 Try again later"
    assert slept == [2.0, 4.0]
    assert rows("status", "attempts", "reply") == [
        ("K1", "failed-temporary", 3, "451 4.3.0 Try again later"),
        ("K2", "sent", 1, "250 2.0.0 Ok: queued"),
    ]

    again, _ = run()  # without --retry-failed: reported, not retried
    assert [(i.record, i.action, i.outcome) for i in again.items] == [
        ("K1", FAILED_BEFORE, None),
        ("K2", SENT_BEFORE, None),
    ]
    assert again.failed == [again.items[0]]

    handler.temporary.clear()
    retried, _ = run(retry_failed=True)
    assert [(i.record, i.action, i.outcome) for i in retried.items] == [
        ("K1", RETRY, "sent"),
        ("K2", SENT_BEFORE, None),
    ]
    assert per_recipient(handler) == {"jan@example.nl": 1, "ayse@example.nl": 1}
    assert rows("status", "attempts") == [("K1", "sent", 4), ("K2", "sent", 1)]


def test_permanent_failure_for_one_recipient_and_the_batch_goes_on(
    project: Path, server: Controller, handler: Handler
) -> None:
    customers(project, 4)
    handler.permanent.add("r2@example.nl")

    plan, slept = run()

    assert [(i.record, i.outcome, i.attempts) for i in plan.items] == [
        ("R1", "sent", 1),
        ("R2", mail.PERMANENT, 1),
        ("R3", "sent", 1),
        ("R4", "sent", 1),
    ]
    assert slept == []
    assert plan.items[1].reply == (
        "550 5.1.1 <r2@example.nl>: Recipient address rejected: User unknown"
    )
    assert per_recipient(handler) == {"r1@example.nl": 1, "r3@example.nl": 1, "r4@example.nl": 1}

    again, _ = run(retry_failed=True)  # permanent failures are not retried
    assert [i.action for i in again.items] == [SENT_BEFORE, FAILED_BEFORE, SENT_BEFORE, SENT_BEFORE]
    assert len(handler.messages) == 3


def test_connection_dropped_mid_batch(project: Path, server: Controller, handler: Handler) -> None:
    customers(project, 6)
    handler.drop_before.add(3)  # the server hangs up on the third message without keeping it

    plan, _ = run()

    assert [(i.record, i.outcome, i.attempts) for i in plan.items] == [
        ("R1", "sent", 1),
        ("R2", "sent", 1),
        ("R3", "sent", 2),
        ("R4", "sent", 1),
        ("R5", "sent", 1),
        ("R6", "sent", 1),
    ]
    assert per_recipient(handler) == {f"r{n}@example.nl": 1 for n in range(1, 7)}
    assert handler.connections == 2


def test_connection_dropped_after_the_server_kept_the_message_is_the_window(
    project: Path, server: Controller, handler: Handler
) -> None:
    """The documented window: accepted, never confirmed. Sent again, identical."""
    customers(project, 4)
    handler.drop_after.add(2)

    plan, _ = run()

    assert [i.outcome for i in plan.items] == ["sent"] * 4
    assert per_recipient(handler) == {
        "r1@example.nl": 1,
        "r2@example.nl": 2,
        "r3@example.nl": 1,
        "r4@example.nl": 1,
    }
    first, second = [m.data for m in handler.messages if m.recipients == ["r2@example.nl"]]
    assert first == second  # the same message: same Message-ID, same Date, same bytes


def test_a_message_in_flight_when_a_run_died_is_sent_again_identically(
    project: Path, server: Controller, handler: Handler
) -> None:
    run()
    original = handler.messages[0].data
    # What a crash between the server's 250 and the journal's commit leaves behind:
    db = sqlite3.connect("brief.sqlite")
    db.execute("UPDATE messages SET status = 'queued', sent_at = NULL WHERE record = 'K1'")
    db.commit()

    slept: list[float] = []
    plan = prepare(Project.discover(), options(), environ={})
    assert [(i.record, i.action) for i in plan.items] == [("K1", RESEND), ("K2", SENT_BEFORE)]
    later = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    deliver(plan, clock=lambda: later, sleep=slept.append)

    assert per_recipient(handler) == {"jan@example.nl": 2, "ayse@example.nl": 1}
    assert handler.messages[2].data == original  # the Date of the first attempt, kept
    assert rows("status", "attempts") == [("K1", "sent", 2), ("K2", "sent", 1)]


def test_server_out_of_reach_stops_the_batch(project: Path, handler: Handler) -> None:
    customers(project, 4)
    running = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=5.0)
    running.start()
    configure(project, running.port, retries=1, timeout=2)
    slept: list[float] = []
    plan = prepare(Project.discover(), options(), environ={})

    def stop_after_the_first(item: object) -> None:
        if running.loop.is_running():
            running.stop()

    try:
        deliver(plan, clock=fixed_clock, sleep=slept.append, on_item=stop_after_the_first)
    finally:
        if running.loop.is_running():
            running.stop()

    reason = f"cannot connect to 127.0.0.1:{running.port}: Connection refused"
    assert [(i.record, i.outcome, i.reply) for i in plan.items] == [
        ("R1", "sent", "250 2.0.0 Ok: queued"),
        ("R2", mail.TEMPORARY, reason),
        ("R3", NOT_SENT, f"the batch stopped: {reason}"),
        ("R4", NOT_SENT, f"the batch stopped: {reason}"),
    ]
    assert slept == [0.0]
    assert rows("status", "attempts") == [("R1", "sent", 1), ("R2", "failed-temporary", 2)]
    assert per_recipient(handler) == {"r1@example.nl": 1}


def test_unreachable_before_the_first_message_sends_and_journals_nothing(project: Path) -> None:
    with smtp_server(Handler()) as running:
        port = running.port
    configure(project, port)
    plan = prepare(Project.discover(), options(), environ={})
    with pytest.raises(mail.MailError) as info:
        deliver(plan, clock=fixed_clock)
    assert str(info.value) == f"cannot connect to 127.0.0.1:{port}: Connection refused"
    assert rows("status") == []


def test_rate_limit(project: Path, server: Controller, handler: Handler) -> None:
    customers(project, 4)
    configure(project, server.port, rate=20)  # one message every 3 seconds
    fake = FakeTime()
    plan = prepare(Project.discover(), options(), environ={})

    deliver(plan, clock=fixed_clock, sleep=fake.sleep, monotonic=fake.clock)

    assert fake.slept == [3.0, 3.0, 3.0]
    assert len(handler.messages) == 4


# --- the do-not-send list ------------------------------------------------------------------


def test_do_not_send_by_id_or_address(project: Path, server: Controller, handler: Handler) -> None:
    customers(project, 4)
    listed = project / "do-not-send.txt"
    listed.write_text("# ids and addresses\nR2   # objected\n\nR3@Example.NL\n", "utf-8")
    (project / "brief.yaml").write_text(
        "do_not_send: do-not-send.txt\n" + (project / "brief.yaml").read_text("utf-8")
    )

    plan, _ = run()

    assert [(i.record, i.action, i.reason, i.outcome) for i in plan.items] == [
        ("R1", SEND, "", "sent"),
        ("R2", SKIP, "on the do-not-send list (do-not-send.txt:2)", "skipped"),
        ("R3", SKIP, "on the do-not-send list (do-not-send.txt:4)", "skipped"),
        ("R4", SEND, "", "sent"),
    ]
    assert per_recipient(handler) == {"r1@example.nl": 1, "r4@example.nl": 1}
    assert rows("status", "reply", "template", "rayon") == [
        ("R1", "sent", "250 2.0.0 Ok: queued", "herinnering", "noord"),
        ("R2", "skipped", "on the do-not-send list (do-not-send.txt:2)", "herinnering", "noord"),
        ("R3", "skipped", "on the do-not-send list (do-not-send.txt:4)", "herinnering", "noord"),
        ("R4", "sent", "250 2.0.0 Ok: queued", "herinnering", "noord"),
    ]

    listed.write_text("R2\n", "utf-8")  # R3 is taken off the list
    plan, _ = run()
    assert [(i.record, i.action) for i in plan.items] == [
        ("R1", SENT_BEFORE),
        ("R2", SKIP),
        ("R3", SEND),
        ("R4", SENT_BEFORE),
    ]
    assert per_recipient(handler) == {"r1@example.nl": 1, "r3@example.nl": 1, "r4@example.nl": 1}


def test_listed_customer_without_an_address_is_skipped_not_rejected(
    project: Path, server: Controller, handler: Handler
) -> None:
    csv = project / "customers.csv"
    csv.write_text(csv.read_text("utf-8").replace("jan@example.nl", ""), "utf-8")
    (project / "dns.txt").write_text("K1\n", "utf-8")

    plan, _ = run(do_not_send=[Path("dns.txt")])

    assert [(i.record, i.action, i.outcome) for i in plan.items] == [
        ("K1", SKIP, "skipped"),
        ("K2", SEND, "sent"),
    ]


def test_do_not_send_list_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_do_not_send(tmp_path / "nope.txt")
    assert str(info.value) == f"{tmp_path / 'nope.txt'}: do-not-send list not found"

    two = tmp_path / "two.txt"
    two.write_text("K1\nK2 K3  # two ids\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        load_do_not_send(two)
    assert str(info.value) == f"{two}:2: one customer id or e-mail address per line, not 'K2 K3'"


# --- the envelope -----------------------------------------------------------------------------


def test_organisation_envelope_with_reply_to_the_signer(
    project: Path, server: Controller, handler: Handler
) -> None:
    configure(
        project,
        server.port,
        envelope="organisation",
        organisation_address="incasso@dijkzicht.example",
    )

    plan, _ = run()

    assert plan.describe_sender() == "from incasso@dijkzicht.example with Reply-To the signer"
    jan = handler.messages[0]
    assert jan.sender == "incasso@dijkzicht.example"
    head = jan.data.split(b"\r\n\r\n")[0]
    assert head.startswith(
        b"From: Ineke de Vries <incasso@dijkzicht.example>\r\n"
        b"To: Jan de Vries <jan@example.nl>\r\n"
        b"Reply-To: Ineke de Vries <ineke.devries@dijkzicht.example>\r\n"
    )
    assert message_id(jan.data).endswith(".brief@dijkzicht.example>")
    assert rows("sender") == [
        ("K1", "incasso@dijkzicht.example"),
        ("K2", "incasso@dijkzicht.example"),
    ]


# --- what cannot be sent --------------------------------------------------------------------


def test_a_letter_template_cannot_be_sent(project: Path, server: Controller) -> None:
    with pytest.raises(TemplateError) as info:
        prepare(Project.discover(), options(template="aanmaning"), environ={})
    assert str(info.value) == (
        "templates/aanmaning.j2: template 'aanmaning' is a letter (channel: letter); brief send "
        "sends e-mail templates only (channel: email); brief render writes letters"
    )


def test_invalid_records_refuse_the_batch(
    project: Path, server: Controller, handler: Handler
) -> None:
    (project / "mixed.csv").write_text(
        "id;region;name;email;amount;due_date;template\n"
        "K1;noord;Jan;jan@example.nl;10;01-11-2026;herinnering\n"
        "K2;noord;Piet;;10;01-11-2026;herinnering\n"
        "K3;noord;Kees;kees@example.nl;10;01-11-2026;aanmaning\n"
        "K4;west;Els;els@example.nl;10;01-11-2026;herinnering\n"
        "K5;noord;Anna;anna@ex\u00e4mple.nl;10;01-11-2026;herinnering\n"
        "K6;noord;Ayşe;ayşe@example.nl;10;01-11-2026;herinnering\n",
        "utf-8",
    )
    with pytest.raises(InvalidInput) as info:
        prepare(Project.discover(), options(records=Path("mixed.csv"), template=None), environ={})
    assert str(info.value) == (
        "mixed.csv:3: record 'K2': field 'email': required for an e-mail template\n"
        "mixed.csv:4: record 'K3': field 'template': template 'aanmaning' is a letter "
        "(aanmaning.j2); brief send sends e-mail templates only\n"
        "mixed.csv:5: record 'K4': field 'region': unknown region 'west' (known: noord, zuid)\n"
        "mixed.csv:6: record 'K5': field 'email': 'anna@exämple.nl' is not an e-mail address\n"
        "mixed.csv:7: record 'K6': field 'email': 'ayşe@example.nl': addresses with non-ASCII "
        "characters cannot be sent yet\n"
        "5 invalid records; nothing was sent (use --skip-invalid to send the valid ones)"
    )

    plan = prepare(
        Project.discover(),
        options(records=Path("mixed.csv"), template=None, skip_invalid=True),
        environ={},
    )
    deliver(plan, clock=fixed_clock)
    assert [(i.record, i.action) for i in plan.items] == [
        ("K1", SEND),
        ("K2", REJECTED),
        ("K3", REJECTED),
        ("K4", REJECTED),
        ("K5", REJECTED),
        ("K6", REJECTED),
    ]
    assert plan.invalid == 5
    assert per_recipient(handler) == {"jan@example.nl": 1}


def test_letters_with_error_findings_are_held_back(
    project: Path, server: Controller, handler: Handler
) -> None:
    (project / "templates" / "anoniem.j2").write_text(
        "---\nsubject: Huur\nchannel: email\n---\nBeste {{ customer.name }},\n\n"
        "U moet nog betalen.\n\nMet vriendelijke groet,\n\nTeam Incasso\n",
        encoding="utf-8",
    )

    plan, _ = run(template="anoniem")

    assert [(i.record, i.action) for i in plan.items] == [("K1", REJECTED), ("K2", REJECTED)]
    assert plan.refused == 2
    assert str(plan.refusals[0]) == (
        "customers.csv:2: record 'K1': refused by checks: [anonymous-signoff] the closing "
        "names no real person: signed by a team, not a person"
    )
    assert handler.messages == []

    plan, _ = run(template="anoniem", allow_findings=True)
    assert [i.outcome for i in plan.items] == ["sent", "sent"]


def test_a_campaign_keeps_its_letter_date(project: Path, server: Controller) -> None:
    run()
    with pytest.raises(BriefError) as info:
        prepare(Project.discover(), options(date=dt.date(2026, 11, 23)), environ={})
    assert str(info.value) == (
        "--date: campaign 'nov' has letters dated 2026-11-22; leave out --date to go on with "
        "it, or start a new --campaign"
    )
    plan = prepare(Project.discover(), options(date=None), environ={})
    assert plan.letter_date == DATE
    new = prepare(Project.discover(), options(date=None, campaign="dec"), environ={}, today=DATE)
    assert new.letter_date == DATE


@pytest.mark.parametrize("name", ["", "   ", "a\tb", "x" * 101])
def test_campaign_needs_a_name(project: Path, name: str) -> None:
    with pytest.raises(BriefError) as info:
        prepare(Project.discover(), options(campaign=name), environ={})
    assert str(info.value) == (
        "--campaign: give the campaign a name of up to 100 printable characters, "
        "e.g. herinnering-2026-11"
    )


def test_journal_elsewhere(project: Path, server: Controller, handler: Handler) -> None:
    run(journal=Path("state/send.sqlite"))
    assert (project / "state" / "send.sqlite").is_file()
    assert not (project / "brief.sqlite").exists()
    with Journal.open(project / "state" / "send.sqlite", create=False) as journal:
        assert sorted(journal.entries("nov")) == ["K1", "K2"]


def test_a_plan_gone_stale_never_sends_twice(
    project: Path, server: Controller, handler: Handler
) -> None:
    """Two plans made before either ran: the claim in the journal decides, not the plan."""
    first = prepare(Project.discover(), options(), environ={})
    second = prepare(Project.discover(), options(), environ={})
    deliver(first, clock=fixed_clock)

    deliver(second, clock=fixed_clock)

    assert [(i.action, i.outcome) for i in second.items] == [
        (SENT_BEFORE, None),
        (SENT_BEFORE, None),
    ]
    assert per_recipient(handler) == {"jan@example.nl": 1, "ayse@example.nl": 1}


def test_journal_write_failure_stops_with_a_message(
    project: Path, server: Controller, handler: Handler, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    plan = prepare(Project.discover(), options(), environ={})
    monkeypatch.setattr(Journal, "claim", broken)
    with pytest.raises(BriefError) as info:
        deliver(plan, clock=fixed_clock)
    assert str(info.value) == (
        "brief.sqlite: cannot write the journal: disk I/O error; stopped "
        "(run the same command again to go on)"
    )
    assert handler.messages == []


def test_two_plans_for_a_new_campaign_with_different_dates(
    project: Path, server: Controller
) -> None:
    first = prepare(Project.discover(), options(), environ={})
    second = prepare(Project.discover(), options(date=dt.date(2026, 11, 23)), environ={})
    deliver(first, clock=fixed_clock)

    with pytest.raises(BriefError) as info:
        deliver(second, clock=fixed_clock)
    assert str(info.value) == (
        "campaign 'nov' was started meanwhile with letters dated 2026-11-22; run the command again"
    )


def test_do_not_send_list_unreadable(tmp_path: Path) -> None:
    binary = tmp_path / "dns.txt"
    binary.write_bytes(b"K1\n\xff\xfe\n")
    with pytest.raises(ConfigError) as info:
        load_do_not_send(binary)
    assert str(info.value) == (
        f"{binary}: do-not-send list: not UTF-8 text (invalid start byte at byte 3)"
    )
    with pytest.raises(ConfigError) as info:
        load_do_not_send(tmp_path)
    assert str(info.value) == f"{tmp_path}: cannot read the do-not-send list: Is a directory"
