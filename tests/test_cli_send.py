"""``brief send`` end to end: what the user sees, exit codes, prompts, TLS, and kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from test_mail import Handler, authenticator, certificate, server_context, smtp_server
from test_send import configure, customers

from brief.journal import Journal

from conftest import BRIEF, run_brief

SEND = ("send", "-r", "customers.csv", "-t", "herinnering", "-c", "nov", "--date", "2026-11-22")
# The zuid letter closes with the team ("Groet, Ineke en Bianca - Team Incasso"): the
# plan names both.
TABLE = (
    "┏━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┓\n"
    "┃ region ┃ signer                        ┃ to send ┃\n"
    "┡━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━┩\n"
    "│ noord  │ Ineke de Vries                │       1 │\n"
    "│ zuid   │ Ineke de Vries, Bianca Mulder │       1 │\n"
    "├────────┼───────────────────────────────┼─────────┤\n"
    "│ total  │                               │       2 │\n"
    "└────────┴───────────────────────────────┴─────────┘\n"
)
NO_TLS = (
    "Warning: SMTP without TLS (security: none): messages go to 127.0.0.1:{port} unencrypted; "
    "use this only for a local test relay\n"
)


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def server(handler: Handler, project: Path) -> Iterator[Controller]:
    with smtp_server(handler) as running:
        configure(project, running.port)
        yield running


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so the times shown are known."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def recipients(handler: Handler) -> Counter[str]:
    return Counter(m.recipients[0] for m in handler.messages)


# --- the dry run ------------------------------------------------------------------------------


def test_dry_run_shows_what_would_be_sent(project: Path, server: Controller, cli) -> None:
    result = cli(*SEND)

    assert result.exit_code == 0
    assert result.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        + TABLE
        + f"2 e-mails to send via 127.0.0.1:{server.port} (no TLS) from the signers' own "
        "addresses.\n"
        "Dry run: nothing was sent. Add --send to send.\n"
    )
    assert result.stderr == NO_TLS.format(port=server.port)
    assert not (project / "brief.sqlite").exists()


def test_dry_run_without_a_server(project: Path, cli) -> None:
    result = cli(*SEND)

    assert result.exit_code == 0
    assert result.stdout.endswith(
        TABLE + "2 e-mails to send (no SMTP server: set smtp.host in brief.yaml or the "
        "environment variable BRIEF_SMTP_HOST).\n"
        "Dry run: nothing was sent. Add --send to send.\n"
    )
    assert result.stderr == ""


# --- sending ----------------------------------------------------------------------------------


def test_send_yes(project: Path, server: Controller, handler: Handler, cli) -> None:
    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        + TABLE
        + f"2 e-mails to send via 127.0.0.1:{server.port} (no TLS) from the signers' own "
        "addresses.\n"
        "Campaign 'nov': 2 sent, 0 failed, 0 skipped.\n"
    )
    assert recipients(handler) == {"jan@example.nl": 1, "ayse@example.nl": 1}

    again = cli(*SEND, "--send", "--yes")
    assert again.exit_code == 0
    assert again.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        "0 e-mails to send, 2 sent before.\n"
        "Campaign 'nov': 0 sent, 0 failed, 0 skipped, 2 sent before.\n"
    )
    assert len(handler.messages) == 2


def test_send_asks_first(project: Path, server: Controller, handler: Handler, cli) -> None:
    declined = cli(*SEND, "--send", input="n\n")

    assert declined.exit_code == 1
    assert declined.stdout.endswith(
        f"Send 2 e-mails for campaign 'nov' via 127.0.0.1:{server.port} (no TLS)? [y/N]: n\n"
        "Nothing sent.\n"
    )
    assert handler.messages == []
    assert not (project / "brief.sqlite").exists()

    no_answer = cli(*SEND, "--send", input="")
    assert no_answer.exit_code == 1
    assert no_answer.stdout.endswith("Nothing sent.\n")

    accepted = cli(*SEND, "--send", input="y\n")
    assert accepted.exit_code == 0
    assert accepted.stdout.endswith("? [y/N]: y\nCampaign 'nov': 2 sent, 0 failed, 0 skipped.\n")
    assert len(handler.messages) == 2


def test_edited_record_is_reported_not_sent_again(
    project: Path, server: Controller, handler: Handler, cli, utc
) -> None:
    cli(*SEND, "--send", "--yes")
    sent_at = (
        sqlite3.connect("brief.sqlite")
        .execute("SELECT sent_at FROM messages WHERE record = 'K1'")
        .fetchone()[0]
    )
    csv = project / "customers.csv"
    csv.write_text(csv.read_text("utf-8").replace("1.234,56", "1.300,00"), "utf-8")

    result = cli(*SEND)

    assert result.exit_code == 0
    shown = sent_at[:16].replace("T", " ")
    assert result.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        f"Changed since it was sent: K1: sent {shown}; not sent again\n"
        "0 e-mails to send, 2 sent before.\n"
        "Dry run: nothing was sent. Add --send to send.\n"
    )


def test_message_in_flight_when_a_run_died(
    project: Path, server: Controller, handler: Handler, cli
) -> None:
    cli(*SEND, "--send", "--yes")
    db = sqlite3.connect("brief.sqlite")
    db.execute("UPDATE messages SET status = 'queued', sent_at = NULL WHERE record = 'K2'")
    db.commit()

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 0
    assert result.stdout.endswith(
        "Sending again: K2: it was being sent when an earlier run stopped (the customer may get "
        "it twice, with the same Message-ID)\n"
        f"1 e-mail to send via 127.0.0.1:{server.port} (no TLS) from the signers' own "
        "addresses, 1 sent before.\n"
        "Campaign 'nov': 1 sent, 0 failed, 0 skipped, 1 sent before.\n"
    )
    first, second = [m.data for m in handler.messages if m.recipients == ["ayse@example.nl"]]
    assert first == second


def test_permanent_failure_exits_1(
    project: Path, server: Controller, handler: Handler, cli
) -> None:
    handler.permanent.add("jan@example.nl")

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 1
    assert result.stdout.endswith(
        "Failed: K1 <jan@example.nl>: 550 5.1.1 <jan@example.nl>: Recipient address rejected: "
        "User unknown (permanent)\n"
        "Campaign 'nov': 1 sent, 1 failed, 0 skipped.\n"
    )
    again = cli(*SEND, "--retry-failed")
    assert again.exit_code == 0
    assert again.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        "Not retried: K1: failed permanently (550 5.1.1 <jan@example.nl>: Recipient address "
        "rejected: User unknown)\n"
        "0 e-mails to send, 1 sent before, 1 failed before.\n"
        "Dry run: nothing was sent. Add --send to send.\n"
    )
    resent = cli(*SEND, "--send", "--yes", "--retry-failed")
    assert resent.exit_code == 1
    assert resent.stdout.endswith("Campaign 'nov': 0 sent, 1 failed, 0 skipped, 1 sent before.\n")
    assert len(handler.messages) == 1


def test_temporary_failure_and_retry_failed(
    project: Path, server: Controller, handler: Handler, cli
) -> None:
    configure(project, server.port, retries=1)
    handler.temporary["ayse@example.nl"] = 2

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 1
    assert result.stdout.endswith(
        "Failed: K2 <ayse@example.nl>: 451 4.3.0 Try again later (temporary, 2 attempts)\n"
        "Campaign 'nov': 1 sent, 1 failed, 0 skipped.\n"
        "Run it again with --retry-failed to retry the temporary failures.\n"
    )

    plain = cli(*SEND, "--send", "--yes")
    assert plain.exit_code == 1
    assert plain.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        "Not retried: K2: failed temporarily (451 4.3.0 Try again later); --retry-failed "
        "retries it\n"
        "0 e-mails to send, 1 sent before, 1 failed before.\n"
        "Campaign 'nov': 0 sent, 1 failed, 0 skipped, 1 sent before.\n"
        "Run it again with --retry-failed to retry the temporary failures.\n"
    )

    retried = cli(*SEND, "--send", "--yes", "--retry-failed")
    assert retried.exit_code == 0
    assert retried.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        "┏━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┓\n"
        "┃ region ┃ signer                        ┃ to send ┃\n"
        "┡━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━┩\n"
        "│ zuid   │ Ineke de Vries, Bianca Mulder │       1 │\n"
        "├────────┼───────────────────────────────┼─────────┤\n"
        "│ total  │                               │       1 │\n"
        "└────────┴───────────────────────────────┴─────────┘\n"
        "Retrying: K2: 451 4.3.0 Try again later\n"
        f"1 e-mail to send via 127.0.0.1:{server.port} (no TLS) from the signers' own "
        "addresses, 1 sent before.\n"
        "Campaign 'nov': 1 sent, 0 failed, 0 skipped, 1 sent before.\n"
    )
    assert recipients(handler) == {"jan@example.nl": 1, "ayse@example.nl": 1}


class Vanishing(Handler):
    """Keeps the first message, then stops listening and hangs up: the server is gone."""

    listener = None

    async def handle_DATA(self, server, session, envelope):
        if self.data_count >= 1:
            self.listener.close()  # type: ignore[union-attr]
            server.transport.abort()
            return "250 OK"
        return await super().handle_DATA(server, session, envelope)


def test_server_gone_mid_batch(project: Path, cli) -> None:
    customers(project, 4)
    handler = Vanishing()
    with smtp_server(handler) as running:
        handler.listener = running.server
        configure(project, running.port, retries=0)

        result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 1
    lost = (
        "connection lost after the message was sent, before the server confirmed it (it may "
        "have been delivered): Connection unexpectedly closed"
    )
    refused = f"cannot connect to 127.0.0.1:{running.port}: Connection refused"
    assert result.stdout.endswith(
        f"Failed: R2 <r2@example.nl>: {lost} (temporary)\n"
        f"Failed: R3 <r3@example.nl>: {refused} (temporary)\n"
        f"Not sent: 1 e-mail; the batch stopped: {refused}\n"
        "Campaign 'nov': 1 sent, 2 failed, 0 skipped, 1 not sent.\n"
        "Run it again with --retry-failed to retry the temporary failures.\n"
    )
    assert recipients(handler) == {"r1@example.nl": 1}


def test_interrupted(project: Path, server: Controller, cli, monkeypatch) -> None:
    def interrupted(plan, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr("brief.send.deliver", interrupted)

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 130
    assert result.stdout.endswith("Campaign 'nov': 0 sent, 0 failed, 0 skipped.\n")
    assert result.stderr.endswith("Interrupted. Run the same command again to send the rest.\n")


# --- what is not sent -----------------------------------------------------------------------


def test_do_not_send_list(project: Path, server: Controller, handler: Handler, cli) -> None:
    customers(project, 14)
    (project / "dns.txt").write_text("".join(f"R{n}\n" for n in range(1, 13)), encoding="utf-8")

    result = cli(*SEND, "--do-not-send", "dns.txt", "--send", "--yes")

    assert result.exit_code == 0
    skipped = "".join(
        f"Skipped: R{n}: on the do-not-send list (dns.txt:{n})\n" for n in range(1, 11)
    )
    assert result.stdout.endswith(
        "└────────┴────────────────┴─────────┘\n" + skipped + "... and 2 more\n"
        f"2 e-mails to send via 127.0.0.1:{server.port} (no TLS) from the signers' own "
        "addresses, 12 skipped.\n"
        "Campaign 'nov': 2 sent, 0 failed, 12 skipped.\n"
    )
    assert recipients(handler) == {"r13@example.nl": 1, "r14@example.nl": 1}


def test_missing_do_not_send_list(project: Path, server: Controller, cli) -> None:
    result = cli(*SEND, "--do-not-send", "nope.txt")

    assert result.exit_code == 2
    assert result.stderr.endswith("Error: nope.txt: do-not-send list not found\n")


def test_letter_template_is_an_error(project: Path, server: Controller, cli) -> None:
    result = cli("send", "-r", "customers.csv", "-t", "aanmaning", "-c", "nov")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(
        "Error: templates/aanmaning.j2: template 'aanmaning' is a letter (channel: letter); "
        "brief send sends e-mail templates only (channel: email); brief render writes letters\n"
    )


def test_invalid_records_send_nothing(
    project: Path, server: Controller, handler: Handler, cli
) -> None:
    csv = project / "customers.csv"
    csv.write_text(csv.read_text("utf-8").replace("jan@example.nl", "jan-at-example.nl"), "utf-8")

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.endswith(
        "Error: customers.csv:2: record 'K1': field 'email': 'jan-at-example.nl' is not an "
        "e-mail address\n"
        "1 invalid record; nothing was sent (use --skip-invalid to send the valid ones)\n"
    )

    skipping = cli(*SEND, "--send", "--yes", "--skip-invalid")
    assert skipping.exit_code == 1
    assert skipping.stdout.endswith(
        "Rejected: customers.csv:2: record 'K1': field 'email': 'jan-at-example.nl' is not an "
        "e-mail address\n"
        f"1 e-mail to send via 127.0.0.1:{server.port} (no TLS) from the signers' own "
        "addresses, 1 rejected.\n"
        "Campaign 'nov': 1 sent, 0 failed, 0 skipped, 1 rejected.\n"
    )
    assert recipients(handler) == {"ayse@example.nl": 1}


def test_findings_hold_letters_back(project: Path, server: Controller, cli) -> None:
    (project / "templates" / "anoniem.j2").write_text(
        "---\nsubject: Huur\nchannel: email\n---\nBeste {{ customer.name }},\n\n"
        "U moet nog betalen.\n\nMet vriendelijke groet,\n\nTeam Incasso\n",
        encoding="utf-8",
    )

    result = cli("send", "-r", "customers.csv", "-t", "anoniem", "-c", "nov")

    assert result.exit_code == 1
    refusal = (
        "refused by checks: [anonymous-signoff] the closing names no real person: signed by a "
        "team, not a person"
    )
    assert result.stdout.endswith(
        f"Rejected: customers.csv:2: record 'K1': {refusal}\n"
        f"Rejected: customers.csv:3: record 'K2': {refusal}\n"
        "Findings: anonymous-signoff (2), missing-contact (2)\n"
        "2 letters held back by checks (--allow-findings sends them anyway)\n"
        "0 e-mails to send, 2 rejected.\n"
        "Dry run: nothing was sent. Add --send to send.\n"
    )


def test_send_needs_a_server(project: Path, cli) -> None:
    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no SMTP server: set smtp.host in brief.yaml or the environment variable "
        "BRIEF_SMTP_HOST\n"
    )


def test_server_from_the_environment(
    project: Path, handler: Handler, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project / "brief.yaml"
    config.write_text(config.read_text("utf-8") + "smtp:\n  host: smtp.example.nl\n  rate: 0\n")
    with smtp_server(handler) as running:
        monkeypatch.setenv("BRIEF_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("BRIEF_SMTP_PORT", str(running.port))
        monkeypatch.setenv("BRIEF_SMTP_SECURITY", "none")

        result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 0, result.output
    assert len(handler.messages) == 2


def test_cannot_connect(project: Path, cli) -> None:
    with smtp_server(Handler()) as running:
        port = running.port
    configure(project, port)

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: cannot connect to 127.0.0.1:{port}: Connection refused\n"
    )


def test_campaign_date_is_fixed(project: Path, server: Controller, cli) -> None:
    cli(*SEND, "--send", "--yes")

    result = cli(
        "send", "-r", "customers.csv", "-t", "herinnering", "-c", "nov", "--date", "23-11-2026"
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --date: campaign 'nov' has letters dated 2026-11-22; leave out --date to go on "
        "with it, or start a new --campaign\n"
    )


def test_one_send_at_a_time(project: Path, server: Controller, cli) -> None:
    with Journal.open(project / "brief.sqlite") as journal, journal.lock():
        result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: brief.sqlite: another brief send is using this journal; wait for it to finish\n"
    )


# --- TLS and the password ---------------------------------------------------------------------


@pytest.fixture
def tls_server(
    handler: Handler, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Controller, Path]]:
    """STARTTLS with a self-signed certificate and a login (incasso / s3cret-pw)."""
    cert, key = certificate(tmp_path_factory.mktemp("tls"))
    with smtp_server(
        handler,
        tls_context=server_context(cert, key),
        authenticator=authenticator,
        auth_required=True,
    ) as running:
        configure(project, running.port, security="starttls", username="incasso")
        yield running, cert


def test_certificate_is_verified(tls_server, handler: Handler, cli, monkeypatch) -> None:
    running, _ = tls_server
    monkeypatch.setenv("BRIEF_SMTP_PASSWORD", "s3cret-pw")

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot verify the TLS certificate of 127.0.0.1:{running.port}: self-signed "
        "certificate (trust its CA with smtp.ca_file; for a local test relay only: "
        "--insecure-no-verify)\n"
    )
    assert handler.messages == []


def test_insecure_no_verify_is_loud(tls_server, handler: Handler, cli, monkeypatch) -> None:
    running, _ = tls_server
    monkeypatch.setenv("BRIEF_SMTP_PASSWORD", "s3cret-pw")

    result = cli(*SEND, "--send", "--yes", "--insecure-no-verify")

    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Warning: TLS certificate verification is OFF: anyone between here and "
        f"127.0.0.1:{running.port} can read and change these messages; use this only for a "
        "local test relay\n"
    )
    assert "s3cret-pw" not in result.output
    assert len(handler.messages) == 2


def test_trusted_ca_file_and_password_prompt(
    tls_server, handler: Handler, project: Path, cli, monkeypatch
) -> None:
    running, cert = tls_server
    configure(project, running.port, security="starttls", username="incasso", ca_file=str(cert))
    monkeypatch.delenv("BRIEF_SMTP_PASSWORD", raising=False)
    monkeypatch.setattr("brief.commands.send._stdin_is_tty", lambda: True)

    result = cli(*SEND, "--send", input="y\ns3cret-pw\n")

    assert result.exit_code == 0, result.output
    assert result.stderr == "SMTP password for incasso at 127.0.0.1:"
    assert "s3cret-pw" not in result.output
    assert len(handler.messages) == 2


def test_wrong_password(tls_server, handler: Handler, project: Path, cli, monkeypatch) -> None:
    running, _ = tls_server
    monkeypatch.setenv("BRIEF_SMTP_PASSWORD", "not-it")

    result = cli(*SEND, "--send", "--yes", "--insecure-no-verify")

    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: 127.0.0.1:{running.port} refused the login as incasso: 535 5.7.8 "
        "Authentication credentials invalid\n"
    )
    assert "not-it" not in result.output


def test_no_password_and_no_terminal(tls_server, cli, monkeypatch) -> None:
    monkeypatch.delenv("BRIEF_SMTP_PASSWORD", raising=False)

    result = cli(*SEND, "--send", "--yes")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: no SMTP password for incasso: set the environment variable "
        "BRIEF_SMTP_PASSWORD, or run brief send on a terminal to be asked for it\n"
    )


def test_tls_verify_false_in_brief_yaml_warns_too(project: Path, cli) -> None:
    configure(project, 2525, security="starttls", tls_verify="false")

    result = cli(*SEND)

    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: TLS certificate verification is OFF: anyone between here and "
        "127.0.0.1:2525 can read and change these messages; use this only for a local test "
        "relay\n"
    )


def test_password_is_not_an_option(project: Path, cli) -> None:
    result = cli(*SEND, "--password", "s3cret")

    assert result.exit_code == 2
    assert "No such option: --password" in result.stderr


# --- kill -9 in the middle of a batch, and run again --------------------------------------------


def test_killed_mid_batch_and_run_again(project: Path, handler: Handler) -> None:
    """SIGKILL while the server holds a message it has not confirmed yet; then resume.

    The documented guarantee: every record arrives, and exactly once, except the
    one message that was being handed over when the process died, which may
    arrive twice, as the same bytes (same Message-ID).
    """
    count = 10
    customers(project, count)
    handler.delay = 0.25  # between keeping a message and confirming it
    with smtp_server(handler) as running:
        configure(project, running.port)
        args = [str(BRIEF), *SEND, "--send", "--yes"]
        process = subprocess.Popen(
            args, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 30
            while len(handler.messages) < 3 and time.monotonic() < deadline:
                assert process.poll() is None, process.communicate()
                time.sleep(0.01)
            assert len(handler.messages) >= 3, "the first run did not get going"
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)
        assert process.returncode == -signal.SIGKILL
        time.sleep(0.5)  # let the server finish with the dead connection
        before = len(handler.messages)
        assert before < count

        again = run_brief(*SEND, "--send", "--yes", cwd=project)

    assert again.returncode == 0, again.stderr
    received = recipients(handler)
    assert set(received) == {f"r{n}@example.nl" for n in range(1, count + 1)}  # none missing
    twice = [address for address, n in received.items() if n > 1]
    assert len(twice) <= 1 and all(n <= 2 for n in received.values())
    for address in twice:  # the one in the window: the same message again
        first, second = [m.data for m in handler.messages if m.recipients == [address]]
        assert first == second
        record = address.split("@")[0].upper()
        assert f"Sending again: {record}: it was being sent when an earlier run stopped" in (
            again.stdout
        )
    db = sqlite3.connect(project / "brief.sqlite")
    statuses = db.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall()
    assert statuses == [("sent", count)]
    attempts = dict(db.execute("SELECT recipient, attempts FROM messages").fetchall())
    assert attempts == {address: 2 if address in twice else 1 for address in received}


def test_many_rejected(project: Path, server: Controller, cli) -> None:
    rows = "".join(f"R{n};noord;Klant {n};;10;01-11-2026\n" for n in range(1, 13))
    (project / "customers.csv").write_text("id;region;name;email;amount;due_date\n" + rows)

    result = cli(*SEND, "--skip-invalid")

    assert result.exit_code == 1
    rejected = "".join(
        f"Rejected: customers.csv:{n + 1}: record 'R{n}': field 'email': required for an "
        "e-mail template\n"
        for n in range(1, 11)
    )
    assert result.stdout == (
        "Campaign 'nov', letters dated 2026-11-22, journal brief.sqlite\n"
        + rejected
        + "... and 2 more rejected\n"
        "0 e-mails to send, 12 rejected.\n"
        "Dry run: nothing was sent. Add --send to send.\n"
    )
