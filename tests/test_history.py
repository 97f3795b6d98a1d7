"""``history`` in templates: a customer's earlier letters from the journal, newest first."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from brief.errors import ConfigError
from brief.history import History, MissingHistory, Past, Source, load_samples
from brief.journal import Journal, Outgoing, Rendered

from conftest import run_brief

NOV = dt.date(2026, 11, 20)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(hours=1)
        return self.now


def fill(path: Path) -> None:
    """K1: two reminders (letter and e-mail), a failed e-mail, a letter dated later; K2: one."""
    with Journal.open(path, clock=Clock()) as journal:
        journal.record_rendered(
            None,
            [
                Rendered("K1", "herinnering", "letter", "noord", "Ineke", letter_date="2026-11-02"),
                Rendered("K2", "herinnering", "letter", "zuid", "Bianca", letter_date="2026-11-03"),
                Rendered("K1", "aanmaning", "letter", "noord", "Ineke", letter_date="2026-12-01"),
            ],
        )
        journal.start_campaign("nov", dt.date(2026, 11, 9))
        mail = Outgoing("K1", "herinnering", "noord", "Linda", "jan@example.nl", "h")
        entry = journal.claim("nov", mail, allow=set())
        assert entry is not None
        journal.finish(entry.id, "sent", "250 OK")
        journal.start_campaign("nov-2", dt.date(2026, 11, 12))
        failed = journal.claim("nov-2", mail, allow=set())
        assert failed is not None
        journal.finish(failed.id, "failed-permanent", "550 no such user")


def test_history_from_the_journal_newest_first(tmp_path: Path) -> None:
    fill(tmp_path / "brief.sqlite")
    source = Source(tmp_path / "brief.sqlite")

    history = source.history("K1", NOV)

    assert list(history) == [
        Past(dt.date(2026, 11, 9), "nov", "herinnering", "email", "Linda", "sent"),
        Past(dt.date(2026, 11, 2), None, "herinnering", "letter", "Ineke", "rendered"),
    ]  # not the failed e-mail, not the letter dated after this one
    assert history.last("herinnering").date == dt.date(2026, 11, 9)
    assert history.last("herinnering").signer == "Linda"
    assert history.last().template == "herinnering"
    assert history.has("herinnering") and not history.has("aanmaning")
    assert len(history) == 2 and history[1].channel == "letter"
    assert [p.date.day for p in history.all("herinnering")] == [9, 2]
    assert source.history("K1", dt.date(2026, 12, 1)).last().template == "aanmaning"
    assert list(source.history("K9", NOV)) == []
    with pytest.raises(MissingHistory) as info:
        source.history("K2", NOV).last("aanmaning")
    assert str(info.value) == "no earlier 'aanmaning' in the journal"
    source.close()


def test_a_campaign_is_not_its_own_history(tmp_path: Path) -> None:
    fill(tmp_path / "brief.sqlite")

    history = Source(tmp_path / "brief.sqlite", campaign="nov").history("K1", NOV)

    assert [p.campaign for p in history] == [None]


def test_history_loads_only_when_used(tmp_path: Path) -> None:
    calls = []
    history = History(lambda: calls.append(1) or ())
    assert calls == []
    assert not history and len(history) == 0
    assert calls == [1]  # once


def test_no_journal_is_no_history(tmp_path: Path) -> None:
    assert list(Source(tmp_path / "none.sqlite").history("K1", NOV)) == []
    assert not (tmp_path / "none.sqlite").exists()


def test_sample_history_file(tmp_path: Path) -> None:
    path = tmp_path / "history.yaml"
    path.write_text(
        '"*":\n  - {template: herinnering, date: 2026-11-02, signer: Ineke}\n'
        "K2:\n  - {template: herinnering, date: 2026-11-01, channel: email, status: rendered}\n"
        "  - {template: herinnering, date: 2026-11-05, campaign: nov}\n",
        "utf-8",
    )
    samples = load_samples(path)
    assert samples["*"] == [
        Past(dt.date(2026, 11, 2), None, "herinnering", "letter", "Ineke", "sent")
    ]
    assert [p.date.day for p in samples["K2"]] == [5, 1]  # newest first
    source = Source(tmp_path / "none.sqlite", samples)
    assert source.history("K7", NOV).last().signer == "Ineke"
    assert source.history("K2", NOV).last().campaign == "nov"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n", "sample history must map customer ids to lists of letters"),
        ("K1: herinnering\n", "1: customer 'K1': must be a list of letters"),
        (
            "K1:\n  - {template: herinnering}\n",
            "2: field 'date': must be a date such as 2026-11-02, not None",
        ),
        (
            "K1:\n  - template: herinnering\n    date: 2026-11-02\n    kanaal: post\n",
            "4: field 'kanaal': unknown field (known: campaign, channel, date, signer, status, "
            "template)",
        ),
        (
            "K1:\n  - {template: herinnering, date: 2026-11-02, status: failed-permanent}\n",
            "2: field 'status': 'failed-permanent' is not one of rendered, sent",
        ),
    ],
)
def test_bad_sample_history(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "history.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_samples(path)
    assert str(info.value) == f"{path}:{message}" if message[0].isdigit() else f"{path}: {message}"


# -- templates, through the installed brief ----------------------------------------


def write(project: Path, name: str, body: str) -> None:
    (project / "templates" / name).write_text(body, "utf-8")


FOLLOW_UP = (
    "---\nsubject: Aanmaning\n---\n"
    "Beste {{ customer.name }},\n"
    '{% set reminder = history.last("herinnering") %}\n'
    "Op {{ reminder.date | date }} schreef {{ reminder.signer }} u al.\n"
    "Met vriendelijke groet,\n"
    "{{ signer.name }}, {{ signer.phone }}\n"
)


def test_a_letter_names_the_reminder_it_follows(project: Path) -> None:
    fill(project / "brief.sqlite")
    write(project, "aanmaning.j2", FOLLOW_UP)
    customers = project / "customers.csv"
    customers.write_text(customers.read_text("utf-8").splitlines()[0] + "\n"
                         "K1;noord;Jan de Vries;jan@example.nl;1.234,56;01-11-2026\n", "utf-8")  # fmt: skip

    result = run_brief(
        "render", "-r", "customers.csv", "-t", "aanmaning", "-o", "out", "--text", "--date", "2026-11-20",
        cwd=project,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    text = (project / "out" / "K1-aanmaning.txt").read_text("utf-8")
    assert "Op 9 november 2026 schreef Linda u al.\n" in text


def test_no_earlier_letter_is_a_rejection_with_the_template_line(project: Path) -> None:
    fill(project / "brief.sqlite")
    write(project, "aanmaning.j2", FOLLOW_UP.replace('"herinnering"', '"aanmaning"'))

    result = run_brief(
        "render", "-r", "customers.csv", "-t", "aanmaning", "-o", "out", "--text", "--date", "2026-11-20",
        "--skip-invalid", cwd=project, env={"COLUMNS": "200"},
    )  # fmt: skip

    assert result.returncode == 1
    rejected = (
        "record 'K1': no earlier 'aanmaning' in the journal (templates/aanmaning.j2:5)",
        "record 'K2': no earlier 'aanmaning' in the journal (templates/aanmaning.j2:5)",
    )
    assert f"Rejected: customers.csv:2: {rejected[0]}\n" in result.stderr
    assert f"Rejected: customers.csv:3: {rejected[1]}\n" in result.stderr
    manifest = [json.loads(line) for line in (project / "out" / "manifest.jsonl").open()]
    assert [(e["status"], e["reason"]) for e in manifest] == [("rejected", r) for r in rejected]
    assert not list((project / "out").glob("*.txt"))  # never a letter with a hole


def test_the_line_of_an_included_template(project: Path) -> None:
    fill(project / "brief.sqlite")
    write(project, "_vorige.j2", 'Eerder:\n{{ history.last("bedankt").date | date }}\n')
    write(project, "aanmaning.j2", "---\nsubject: A\n---\nBeste,\n{% include '_vorige.j2' %}\n")

    result = run_brief("render", "-r", "customers.csv", "-t", "aanmaning", "-o", "out", cwd=project)

    assert result.returncode == 2
    assert result.stderr.startswith(
        "Error: customers.csv:2: record 'K1': no earlier 'bedankt' in the journal "
        "(templates/_vorige.j2:2)\n"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("history._load", "access to attribute '_load' of 'History' object is unsafe."),
        ("history.__class__", "access to attribute '__class__' of 'History' object is unsafe."),
        ("history.last().__init__", "access to attribute '__init__' of 'Past' object is unsafe."),
    ],
)
def test_history_is_safe_in_the_sandbox(project: Path, expression: str, message: str) -> None:
    fill(project / "brief.sqlite")
    write(project, "aanmaning.j2", f"---\nsubject: A\n---\n{{{{ {expression} }}}}\n")

    result = run_brief(
        "render", "-r", "customers.csv", "-t", "aanmaning", "-o", "out", "--date", "2026-11-20",
        cwd=project,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.startswith(
        f"Error: customers.csv:2: record 'K1': cannot render templates/aanmaning.j2:4: {message}\n"
    )


def test_history_in_worker_processes(project: Path) -> None:
    """Past the first records the workers render: each opens the journal itself."""
    rows = [f"R{n};noord;Klant {n};r{n}@example.nl;10,00;01-11-2026" for n in range(1, 401)]
    (project / "many.csv").write_text(
        "id;region;name;email;amount;due_date\n" + "\n".join(rows) + "\n", "utf-8"
    )
    with Journal.open(project / "brief.sqlite") as journal:
        journal.record_rendered(
            None,
            [
                Rendered(
                    f"R{n}", "herinnering", "letter", "noord", f"S{n}", letter_date="2026-11-02"
                )
                for n in range(1, 401)
            ],
        )
    write(project, "aanmaning.j2", FOLLOW_UP)

    result = run_brief(
        "render", "-r", "many.csv", "-t", "aanmaning", "--stream", "all.txt", "--jobs", "2",
        "--date", "2026-11-20", "--no-check", cwd=project,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    letters = (project / "all.txt").read_text("utf-8").split("\f")
    assert len(letters) == 400
    assert all(f"schreef S{n} u al." in letters[n - 1] for n in range(1, 401))


# -- the demo ------------------------------------------------------------------------


def test_demo_14_dagenbrief_names_the_reminder_and_its_signer(demo: Path) -> None:
    first = run_brief(
        "render", "--records", "examples/customers.csv", "--template", "14-dagenbrief",
        "--out", "out", cwd=demo,
    )  # fmt: skip
    assert first.returncode == 2  # a fresh clone: no reminder in the journal yet
    assert (
        "examples/customers.csv:4: record 'K1003': no earlier 'betalingsherinnering' in the "
        "journal (templates/14-dagenbrief.en.j2:7)\n"
    ) in first.stderr

    reminders = run_brief(
        "render", "--records", "examples/customers.csv", "--template", "betalingsherinnering",
        "--out", "reminders", "--date", "2026-11-06", cwd=demo,
    )  # fmt: skip
    assert reminders.returncode == 0, reminders.stderr
    letters = run_brief(
        "render", "--records", "examples/customers.csv", "--template", "14-dagenbrief",
        "--out", "out", "--text", "--date", "2026-11-20", cwd=demo,
    )  # fmt: skip
    assert letters.returncode == 0, letters.stderr

    def text(record: str) -> str:
        return (demo / "out" / f"{record}-14-dagenbrief.txt").read_text("utf-8")

    assert "Op 6 november 2026 heeft Ineke de Vries u hierover een herinnering gestuurd." in (
        text("K1001")
    )
    assert "Op 6 november 2026 kreeg je van Bianca Mulder al een herinnering." in text("K1011")
    assert "On 6 November 2026, Ineke de Vries sent you a reminder about this." in text("K1003")


def test_lint_checks_history_against_the_sample_history(demo: Path) -> None:
    clean = run_brief("lint", "templates/14-dagenbrief.j2", cwd=demo)
    assert clean.returncode == 0, clean.stdout
    assert clean.stdout.endswith("0 errors, 0 warnings in 1 template (9 letters checked)\n")

    config = demo / "brief.yaml"
    config.write_text(config.read_text("utf-8").replace("sample_history:", "#"), "utf-8")
    bare = run_brief("lint", "templates/14-dagenbrief.j2", cwd=demo)
    assert bare.returncode == 1
    assert (
        "templates/14-dagenbrief.j2:7: error [render-error] no earlier 'betalingsherinnering' in "
        "the journal or the sample history (set 'sample_history:' in brief.yaml) (region noord; "
        "samples K1001, K1002, K1004)\n"
    ) in bare.stdout

    config.write_text(config.read_text("utf-8") + "sample_history: gone.yaml\n", "utf-8")
    missing = run_brief("lint", "templates/14-dagenbrief.j2", cwd=demo)
    assert missing.returncode == 2
    assert missing.stderr == (
        "Error: gone.yaml: sample history not found (set 'sample_history:' in brief.yaml)\n"
    )
