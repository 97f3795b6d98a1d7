"""``brief history`` without a customer: the team's overview, and the filters
(``--region``, ``--since``, ``--until``, ``--template``), from a real journal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from brief.journal import Journal, Outgoing, Rendered

from conftest import run_brief


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=10)
        return self.now


def letter(record: str, template: str, region: str, signer: str, date: str) -> Rendered:
    return Rendered(record, template, "letter", region, signer, letter_date=date)


def email(record: str, region: str, signer: str | None) -> Outgoing:
    return Outgoing(
        record=record,
        template="herinnering",
        rayon=region,
        signer=signer,
        recipient=f"{record.lower()}@example.nl",
        content_hash="h",
    )


def fill(path: Path) -> None:
    """Noord: K1 (a reminder in October, a letter and a failed e-mail in November), K3 (a
    letter, an e-mail that went on the second attempt); zuid: K2 (a letter, a skip)."""
    with Journal.open(path, clock=Clock()) as journal:
        journal.record_rendered(
            None,
            [
                letter("K1", "herinnering", "noord", "Ineke de Vries", "2026-10-20"),
                letter("K2", "aanmaning", "zuid", "Bianca Mulder", "2026-11-02"),
            ],
        )
        journal.record_rendered(
            "nov",
            [
                letter("K1", "aanmaning", "noord", "Ineke de Vries", "2026-11-03"),
                letter("K3", "aanmaning", "noord", "Linda Jansen", "2026-11-03"),
            ],
        )
        journal.start_campaign("mail-nov", dt.date(2026, 11, 10))
        failed = journal.claim("mail-nov", email("K1", "noord", "Ineke de Vries"), allow=set())
        assert failed is not None
        journal.finish(failed.id, "failed-permanent", "550 5.1.1 User unknown")
        first = journal.claim("mail-nov", email("K3", "noord", "Linda Jansen"), allow=set())
        assert first is not None
        journal.finish(first.id, "failed-temporary", "451 4.3.0 Try again later")
        again = journal.claim(
            "mail-nov", email("K3", "noord", "Linda Jansen"), allow={"failed-temporary"}
        )
        assert again is not None
        journal.finish(again.id, "sent", "250 2.0.0 Ok: queued")
        journal.skip("mail-nov", email("K2", "zuid", None), "on the do-not-send list (dns.txt:1)")


HEADER = (
    "customer  region  letters  latest      template     channel  signer          "
    "status            failed  detail"
)


def test_the_overview_of_a_region_since_a_day(project: Path, cli) -> None:
    fill(project / "brief.sqlite")

    result = cli("history", "--region", "noord", "--since", "2026-11-01")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"{HEADER}\n"
        "K1        noord         2  2026-11-10  herinnering  email    Ineke de Vries  "
        "failed-permanent       1  550 5.1.1 User unknown\n"
        "K3        noord         2  2026-11-10  herinnering  email    Linda Jansen    "
        "sent                   1\n"
        "2 customers, 4 letters and e-mails in region 'noord' dated 2026-11-01 or later; "
        "2 failed attempts to send.\n"
    )
    assert result.stderr == ""


def test_every_filter(project: Path, cli) -> None:
    fill(project / "brief.sqlite")

    everyone = cli("history").stdout.splitlines()
    assert [line.split()[0] for line in everyone[1:-1]] == ["K1", "K2", "K3"]
    assert everyone[-1] == "3 customers, 7 letters and e-mails; 2 failed attempts to send."
    until = cli("history", "--until", "2026-10-31").stdout.splitlines()
    assert [line.split()[:4] for line in until[1:-1]] == [["K1", "noord", "1", "2026-10-20"]]
    assert until[-1] == (
        "1 customer, 1 letter and e-mails dated 2026-10-31 or earlier; 0 failed attempts to send."
    )
    between = cli(
        "history", "--template", "aanmaning", "--since", "2026-11-01", "--until", "03-11-2026"
    ).stdout.splitlines()
    assert [line.split()[:5] for line in between[1:-1]] == [
        ["K1", "noord", "1", "2026-11-03", "aanmaning"],
        ["K2", "zuid", "1", "2026-11-02", "aanmaning"],
        ["K3", "noord", "1", "2026-11-03", "aanmaning"],
    ]
    assert between[-1].startswith(
        "3 customers, 3 letters and e-mails of template 'aanmaning' dated 2026-11-01 to 2026-11-03;"
    )
    zuid = cli("history", "--region", "zuid").stdout.splitlines()
    assert zuid[1].split("  ")[-1] == "on the do-not-send list (dns.txt:1)"  # why it was skipped


def test_the_filters_apply_to_one_customers_log(project: Path, cli) -> None:
    fill(project / "brief.sqlite")

    result = cli("history", "K1", "--since", "2026-11-01", "--template", "aanmaning")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[1].split()[2:4] == ["nov", "aanmaning"]
    nothing = cli("history", "K1", "--region", "zuid")
    assert (nothing.exit_code, nothing.stdout) == (0, "")
    assert nothing.stderr == "No letters or e-mails to 'K1' in region 'zuid' in brief.sqlite.\n"


def test_the_overview_as_json(project: Path, cli) -> None:
    fill(project / "brief.sqlite")

    result = cli("history", "--region", "noord", "--since", "2026-11-01", "--json")

    assert result.exit_code == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(i["record"], i["region"], i["letters"], i["failed"]) for i in items] == [
        ("K1", "noord", 2, 1),
        ("K3", "noord", 2, 1),
    ]
    first = items[0]
    assert [
        (e["template"], e["channel"], e["letter_date"], e["status"]) for e in first["entries"]
    ] == [
        ("aanmaning", "letter", "2026-11-03", "rendered"),
        ("herinnering", "email", "2026-11-10", "failed-permanent"),
    ]
    assert first["latest"] == first["entries"][-1]
    assert first["latest"]["reply"] == "550 5.1.1 User unknown"
    assert first["latest"]["signer"] == "Ineke de Vries"


def test_nothing_in_the_period(project: Path, cli) -> None:
    fill(project / "brief.sqlite")

    result = cli("history", "--region", "zuid", "--since", "2027-01-01")

    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (
        "No letters or e-mails in region 'zuid' dated 2027-01-01 or later in brief.sqlite.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--region", "nord"), "--region: unknown region 'nord' (known: noord, zuid)"),
        (("--since", "2026-13-01"), "--since: '2026-13-01' is not a date (write 2026-11-22 or 22-11-2026)"),
        (("--until", "gisteren"), "--until: 'gisteren' is not a date (write 2026-11-22 or 22-11-2026)"),
        (("--since", "2026-12-01", "--until", "2026-11-01"), "--since 2026-12-01 is after --until 2026-11-01: nothing can match"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line(project: Path, args: tuple[str, ...], message: str) -> None:
    fill(project / "brief.sqlite")

    result = run_brief("history", *args, cwd=project)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message}\n"


def test_a_region_of_the_project_without_letters_yet_is_known(project: Path) -> None:
    """noord and zuid are the test project's regions; a journal that knows only zuid."""
    with Journal.open(project / "brief.sqlite", clock=Clock()) as journal:
        journal.record_rendered(None, [letter("K2", "aanmaning", "zuid", "B", "2026-11-02")])

    known = run_brief("history", "--region", "noord", cwd=project)
    assert (known.returncode, known.stdout) == (0, "")
    assert known.stderr == "No letters or e-mails in region 'noord' in brief.sqlite.\n"

    elsewhere = project.parent / "elsewhere"
    elsewhere.mkdir()
    alone = run_brief(
        "history", "--region", "noord", "--journal", str(project / "brief.sqlite"), cwd=elsewhere
    )
    assert (alone.returncode, alone.stderr) == (
        2,
        "Error: --region: unknown region 'noord' (known: zuid)\n",
    )  # no project here: the journal's regions are all brief knows
