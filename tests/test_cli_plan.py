"""``brief plan``: the plan of the demo project, its files, its errors, and a quarter day by day."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

from brief.followup import make_plan, write_records
from brief.project import Project

from conftest import REPO, run_brief

D = dt.date.fromisoformat


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_the_demo_plan_on_an_empty_journal(demo: Path, cli) -> None:
    result = cli("plan", "-r", "examples/customers.csv", "--date", "2026-11-22")

    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert out[0] == "Plan for 2026-11-22: 20 customers in examples/customers.csv"
    assert out[2] == "Due today (18):"
    assert out[3] == (
        "  K1001  noord  betalingsherinnering  Ineke de Vries  due date 2026-11-01, 21 days ago: "
        "betalingsherinnering due (7 days after the due date)"
    )
    assert out[-8:] == [
        "Nothing due (2):",
        "  K1017  west  excluded  -  nothing sent: on the do-not-send list "
        "(examples/do-not-send.txt:3)",
        "  K1020  west  excluded  -  nothing sent: on the do-not-send list "
        "(examples/do-not-send.txt:4)",
        "",
        "step                  noord  oost  west  zuid  total",
        "betalingsherinnering      5     5     3     5     18",
        "(excluded)                0     0     2     0      2",
        "total                     5     5     5     5     20",
    ]
    assert "Work list (0):" in out
    assert result.stderr == ""


def test_the_plan_as_records_for_render_and_send(demo: Path, cli) -> None:
    result = cli(
        "plan", "-r", "examples/customers.csv", "--date", "2026-11-22", "--out", "plan.jsonl"
    )

    assert result.exit_code == 0, result.stderr
    assert lines(result.stderr) == [
        "18 letters and e-mails due written to plan.jsonl; render or send them with "
        "--date 2026-11-22",
        "0 on the work list written to plan.worklist.csv",
    ]
    rows = [json.loads(line) for line in (demo / "plan.jsonl").read_text("utf-8").splitlines()]
    assert [row["id"] for row in rows] == [f"K10{n:02d}" for n in range(1, 21) if n not in (17, 20)]
    assert rows[0] == {
        "id": "K1001",
        "region": "noord",
        "name": "Anna de Vries",
        "salutation": "mevrouw De Vries",
        "first_name": "Anna",
        "street": "Lange Delft 41",
        "postcode": "4331 AJ",
        "city": "Middelburg",
        "email": "anna.devries@example.nl",
        "amount": "456.78",
        "due_date": "2026-11-01",
        "instalment_amount": "77.00",
        "instalments": "6",
        "first_instalment_date": "2026-12-01",
        "template": "betalingsherinnering",
        "plan_step": "betalingsherinnering",
        "plan_reason": "due date 2026-11-01, 21 days ago: betalingsherinnering due "
        "(7 days after the due date)",
    }
    assert (demo / "plan.worklist.csv").read_bytes().decode("utf-8-sig") == (
        "step;customer;name;region;amount;wik_amount;wik;due_date;phone;contact;contact_phone;since;reason\r\n"
    )
    rendered = run_brief(
        "render", "-r", "plan.jsonl", "--date", "2026-11-22", "--out", "letters", cwd=demo
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stderr.splitlines()[-1] == (
        "18 letters written to letters, 0 rejected; manifest: letters/manifest.jsonl"
    )
    sent = run_brief(
        "send", "-r", "plan.jsonl", "--campaign", "plan-2026-11-22", "--date", "2026-11-22",
        "--journal", "other.sqlite", cwd=demo,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "17 e-mails to send via smtp.dijkzicht.example:587" in sent.stdout + sent.stderr


def test_json_lines_per_customer(demo: Path, cli) -> None:
    result = cli("plan", "-r", "examples/customers.csv", "--date", "2026-11-22", "--json")

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 20
    assert rows[0] == {
        "record": "K1001",
        "region": "noord",
        "status": "due",
        "step": "betalingsherinnering",
        "template": "betalingsherinnering",
        "action": None,
        "channel": "email",
        "on": "2026-11-08",
        "contact": "Ineke de Vries",
        "phone": "06 1234 5601",
        "reason": "due date 2026-11-01, 21 days ago: betalingsherinnering due "
        "(7 days after the due date)",
    }
    assert rows[16]["record"] == "K1017" and rows[16]["status"] == "excluded"


def test_only_one_channel_into_the_plan(demo: Path, cli) -> None:
    result = cli(
        "plan", "-r", "examples/customers.csv", "--date", "2026-11-22",
        "--out", "letters.jsonl", "--channel", "letter",
    )  # fmt: skip

    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        "0 letters due written to letters.jsonl; render or send them with --date 2026-11-22"
    )
    assert (demo / "letters.jsonl").read_text("utf-8") == ""
    bad = cli("plan", "-r", "examples/customers.csv", "--channel", "fax")  # an Enum option
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--channel': 'fax' is not one of 'letter', 'email'."
    )


def test_a_project_without_follow_up_levels(project: Path, cli) -> None:
    result = cli("plan", "-r", "customers.csv")

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {project.resolve() / 'brief.yaml'}: no follow-up levels: add 'followup:' (a list of steps) to brief.yaml\n"
    )


def test_a_step_with_an_unknown_template_or_rayon(demo: Path, cli) -> None:
    config = demo / "brief.yaml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("template: 14-dagenbrief", "template: 14dagen"), "utf-8")
    line = next(
        n for n, row in enumerate(config.read_text("utf-8").splitlines(), 1) if "14dagen" in row
    )

    result = cli("plan", "-r", "examples/customers.csv")

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {config.resolve()}:{line}: followup[2]: field 'template': unknown template '14dagen' "
        "(known: 14-dagenbrief, bedankt, betalingsherinnering, betalingsregeling)\n"
    )
    config.write_text(text.replace("min_amount: 250", "min_amount: 250\n    rayons: [noordd]"))
    result = cli("plan", "-r", "examples/customers.csv")
    assert result.stderr.endswith(
        "followup[4]: field 'rayons': unknown region 'noordd' (known: noord, oost, west, zuid)\n"
    )


def test_a_letter_that_names_wik_must_say_so(demo: Path, cli) -> None:
    config = demo / "brief.yaml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("    fourteen_day_letter: true\n", ""), "utf-8")
    line = next(
        n
        for n, row in enumerate(config.read_text("utf-8").splitlines(), 1)
        if "template: 14-dagenbrief" in row
    )

    result = cli("plan", "-r", "examples/customers.csv")

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {config.resolve()}:{line}: followup[2]: field 'template': "
        "templates/14-dagenbrief.j2 names collection costs (wik()); say 'charges_wik: true' "
        "if this letter charges them, or 'fourteen_day_letter: true' if it is the 14-day "
        "letter that announces them\n"
    )


def test_an_e_mail_step_for_a_customer_without_an_address(demo: Path, cli) -> None:
    (demo / "open.csv").write_text(
        "id;region;name;amount;due_date\nK1;noord;Anna;10,00;2026-11-01\n", "utf-8"
    )

    result = cli("plan", "-r", "open.csv", "--date", "2026-11-22", "--json")

    assert json.loads(result.stdout)["status"] == "held"
    assert json.loads(result.stdout)["reason"] == (
        "due date 2026-11-01, 21 days ago: betalingsherinnering due (7 days after the due "
        "date), but refused: betalingsherinnering is an e-mail and the record has no e-mail "
        "address (a letter step with 'channel: post' reaches them)"
    )


def test_invalid_records_refuse_the_plan_unless_skipped(demo: Path, cli) -> None:
    (demo / "open.csv").write_text(
        "id;region;name;amount;due_date\n"
        "K1;noord;Anna;10,00;2026-11-01\n"
        "K2;noord;Bert;10,00;\n"
        "K1;noord;Anna;10,00;2026-11-01\n"
        "K3;midden;Cor;10,00;2026-11-01\n",
        "utf-8",
    )

    refused = cli("plan", "-r", "open.csv", "--date", "2026-11-22", "--out", "plan.jsonl")
    skipped = cli("plan", "-r", "open.csv", "--date", "2026-11-22", "--skip-invalid")

    assert refused.exit_code == 2
    assert refused.stderr == (
        "Error: open.csv:3: record 'K2': field 'due_date': required for brief plan (the date "
        "the amount was due)\n"
        "open.csv:4: record 'K1': field 'id': duplicate id (first seen on line 2)\n"
        "open.csv:5: record 'K3': field 'region': unknown region 'midden' (known: noord, oost, "
        "west, zuid)\n"
        "3 invalid records; no plan was written (use --skip-invalid to plan the valid ones)\n"
    )
    assert not (demo / "plan.jsonl").exists()
    assert skipped.exit_code == 1
    assert skipped.stdout.splitlines()[0] == "Plan for 2026-11-22: 1 customer in open.csv"
    assert skipped.stderr.splitlines()[0] == (
        "Rejected: open.csv:3: record 'K2': field 'due_date': required for brief plan "
        "(the date the amount was due)"
    )


def test_the_work_list_is_safe_to_open_in_a_spreadsheet(demo: Path, cli) -> None:
    (demo / "open.csv").write_text(
        "id;region;name;amount;due_date;phone\nK1;noord;=HYPERLINK(1);900,00;2026-09-01;+31 6\n",
        "utf-8",
    )
    history = [("betalingsherinnering", "2026-10-01"), ("14-dagenbrief", "2026-10-15")]
    for template, day in history:
        (demo / "one.jsonl").write_text(
            json.dumps(
                {"id": "K1", "region": "noord", "name": "x", "email": "k1@example.nl",
                 "amount": "900.00", "due_date": "2026-09-01", "salutation": "heer X",
                 "street": "s", "postcode": "p", "city": "c", "template": template}
            ) + "\n", "utf-8",
        )  # fmt: skip
        rendered = cli("render", "-r", "one.jsonl", "--date", day, "--out", f"l-{day}", "-j", "1")
        assert rendered.exit_code == 0, rendered.stderr

    result = cli("plan", "-r", "open.csv", "--date", "2026-11-22", "--worklist", "work.csv")

    assert result.exit_code == 0, result.stderr
    with (demo / "work.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[1] == [
        "hand-over",
        "K1",
        "'=HYPERLINK(1)",
        "noord",
        "900,00",
        "900,00",  # the amount the 14-day letter named: the costs are over that
        "135,00",  # 15 % of it, the WIK scale's first band
        "2026-09-01",
        "'+31 6",
        "Ineke de Vries",
        "06 1234 5601",
        "2026-11-19",
        "call on the work list since 2026-11-05: hand-over since 2026-11-19 (the last step); "
        "collection costs (WIK) over €900.00, the amount the 14-dagenbrief of 2026-10-15 named",
    ]


# -- a quarter, day by day -----------------------------------------------------------------

CUSTOMERS = {
    "K1001": "noord, 456.78 due 2026-11-01",
    "K1002": "noord, due 2026-10-01",
    "K1003": "noord, English, due 2026-10-01",
    "K1004": "noord, 215.00: no hand-over",
    "K1006": "oost, pays on 2026-11-20",
    "K1007": "oost, payment arrangement",
    "K1011": "zuid (plain language), due 2026-11-01",
    "K1017": "west, on the do-not-send list",
}
PAYS = {"K1006": D("2026-11-20")}
FIRST, LAST = D("2026-11-01"), D("2027-01-31")
SUBPROCESS_DAYS = {D("2026-11-01"), D("2026-11-22")}  # the installed brief, as a user runs it


def open_items(demo: Path, day: dt.date) -> Path:
    """Today's open items: the demo customers who have not paid, one with an arrangement."""
    source = (REPO / "examples" / "customers.csv").read_text("utf-8-sig").splitlines()
    header, rows = source[0], source[1:]
    keep = [
        f"{row};{'ja' if row.startswith('K1007;') else ''}"
        for row in rows
        if row.split(";")[0] in CUSTOMERS
        and day < PAYS.get(row.split(";")[0], LAST + dt.timedelta(days=1))
    ]
    path = demo / "open.csv"
    path.write_text("\n".join([f"{header};arrangement", *keep]) + "\n", "utf-8")
    return path


def test_a_quarter_day_by_day(demo: Path, cli) -> None:
    project = Project.discover(demo)
    # customer id -> (day, status, step) for every day of the quarter
    planned: dict[str, list[tuple[dt.date, str, str | None]]] = defaultdict(list)
    day = FIRST
    while day <= LAST:
        open_items(demo, day)
        date = day.isoformat()
        args = ("plan", "-r", "open.csv", "--date", date, "--out", "plan.jsonl", "--json")
        if day in SUBPROCESS_DAYS:
            result = run_brief(*args, cwd=demo)
            assert result.returncode == 0, (date, result.stderr)
            decisions = [json.loads(line) for line in result.stdout.splitlines()]
        else:  # the library in-process, the project loaded once
            plan = make_plan(project, Path("open.csv"), day)
            write_records(plan.due(), Path("plan.jsonl"))
            decisions = [
                {"record": d.record.id, "status": d.status, "step": d.step and d.step.name}
                for d in plan.decisions
            ]
        ids = [d["record"] for d in decisions]
        present = [c for c in CUSTOMERS if day < PAYS.get(c, LAST + dt.timedelta(days=1))]
        assert ids == present, date  # no customer skipped or doubled
        for d in decisions:
            planned[d["record"]].append((day, d["status"], d["step"]))
        due = [d for d in decisions if d["status"] == "due"]
        written = (demo / "plan.jsonl").read_text("utf-8").splitlines()
        assert [json.loads(row)["id"] for row in written] == [d["record"] for d in due]
        if due:
            render = ("render", "-r", "plan.jsonl", "--date", date, "--out", f"out/{date}")
            if day in SUBPROCESS_DAYS:
                rendered = run_brief(*render, cwd=demo)
                assert rendered.returncode == 0, rendered.stderr
            else:
                assert cli(*render, "--jobs", "1").exit_code == 0
        day += dt.timedelta(days=1)

    letters: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with sqlite3.connect(demo / "brief.sqlite") as db:
        for record, template, letter_date in db.execute(
            "SELECT record, template, letter_date FROM messages ORDER BY letter_date, id"
        ):
            letters[record].append((letter_date, template))

    reminder, notice = "betalingsherinnering", "14-dagenbrief"
    assert dict(letters) == {
        # Overdue since October: the reminder on the first day, the 14-day letter two weeks on.
        "K1002": [("2026-11-01", reminder), ("2026-11-15", notice)],
        "K1003": [("2026-11-01", reminder), ("2026-11-15", notice)],
        # Due on 1 November: the reminder a week later.
        "K1001": [("2026-11-08", reminder), ("2026-11-22", notice)],
        "K1004": [("2026-11-08", reminder), ("2026-11-22", notice)],
        "K1011": [("2026-11-08", reminder), ("2026-11-22", notice)],
        # Paid before the 14-day letter: nothing further.
        "K1006": [("2026-11-08", reminder)],
        # A payment arrangement: its confirmation, no collection letter.
        "K1007": [("2026-11-01", "betalingsregeling")],
        # K1017 is on the do-not-send list: nothing at all.
    }
    for record, sent in letters.items():
        days = [D(d) for d, _ in sent]
        assert all((b - a).days >= 7 for a, b in itertools.pairwise(days)), record
        assert len({t for _, t in sent}) == len(sent), record  # never the same step twice

    def runs(record: str) -> list[tuple[str, str | None, str, str]]:
        """The plan's days for one customer, as (status, step, first day, last day) runs."""
        out: list[tuple[str, str | None, str, str]] = []
        for day, status, step in planned[record]:
            if out and out[-1][:2] == (status, step):
                out[-1] = (status, step, out[-1][2], day.isoformat())
            else:
                out.append((status, step, day.isoformat(), day.isoformat()))
        return out

    assert runs("K1001") == [
        ("waiting", reminder, "2026-11-01", "2026-11-07"),
        ("due", reminder, "2026-11-08", "2026-11-08"),
        ("waiting", notice, "2026-11-09", "2026-11-21"),
        ("due", notice, "2026-11-22", "2026-11-22"),
        ("waiting", "call", "2026-11-23", "2026-12-12"),
        ("work", "call", "2026-12-13", "2026-12-26"),
        ("work", "hand-over", "2026-12-27", "2027-01-31"),
    ]
    assert runs("K1002")[-2:] == [
        ("work", "call", "2026-12-06", "2026-12-19"),
        ("work", "hand-over", "2026-12-20", "2027-01-31"),
    ]
    assert runs("K1004")[-1] == ("work", "call", "2026-12-13", "2027-01-31")
    assert runs("K1006") == [
        ("waiting", reminder, "2026-11-01", "2026-11-07"),
        ("due", reminder, "2026-11-08", "2026-11-08"),
        ("waiting", notice, "2026-11-09", "2026-11-19"),
    ]
    assert runs("K1007") == [
        ("due", "betalingsregeling", "2026-11-01", "2026-11-01"),
        ("finished", None, "2026-11-02", "2027-01-31"),
    ]
    assert runs("K1017") == [("excluded", None, "2026-11-01", "2027-01-31")]


def test_another_journal_and_do_not_send_list(demo: Path, cli) -> None:
    (demo / "open.csv").write_text(
        "id;region;name;email;amount;due_date\n"
        "K1;noord;Anna;k1@example.nl;100,00;2026-11-01\n"
        "K2;oost;Bert;k2@example.nl;100,00;2026-11-01\n",
        "utf-8",
    )
    (demo / "stop.txt").write_text("# niet sturen\nk2@example.nl\n", "utf-8")
    (demo / "one.jsonl").write_text(
        json.dumps(
            {"id": "K1", "region": "noord", "name": "Anna", "email": "k1@example.nl",
             "salutation": "mevrouw A", "amount": "100.00", "due_date": "2026-11-01",
             "template": "betalingsherinnering"}
        ) + "\n", "utf-8",
    )  # fmt: skip
    rendered = cli(
        "render", "-r", "one.jsonl", "--date", "2026-11-18", "--out", "l", "-j", "1",
        "--journal", "other.sqlite",
    )  # fmt: skip
    assert rendered.exit_code == 0, rendered.stderr

    result = cli(
        "plan", "-r", "open.csv", "--date", "2026-11-22", "--journal", "other.sqlite",
        "--do-not-send", "stop.txt",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[:8] == [
        "Plan for 2026-11-22: 2 customers in open.csv",
        "",
        "Due today (0):",
        "",
        "Work list (0):",
        "",
        "Nothing due (2):",
        "  K1  noord  waiting   -  betalingsherinnering sent 2026-11-18 by Ineke de Vries, "
        "4 days ago: 14-dagenbrief due on 2026-12-02 (in 10 days)",
    ]
    assert lines(result.stdout)[8] == (
        "  K2  oost   excluded  -  nothing sent: on the do-not-send list (stop.txt:2)"
    )


def test_hostile_languages_are_refused_each_time(demo: Path, cli) -> None:
    (demo / "open.jsonl").write_text(
        "\n".join(
            json.dumps(
                {"id": f"K{n}", "region": "noord", "name": "A", "email": "a@example.nl",
                 "amount": "10.00", "due_date": "2026-11-01", **extra}
            )
            for n, extra in enumerate(({}, {"language": ["nl"]}, {"language": "de"}), 1)
        ) + "\n", "utf-8",
    )  # fmt: skip

    result = cli("plan", "-r", "open.jsonl", "--date", "2026-11-22")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: open.jsonl:2: record 'K2': field 'language': unknown language ['nl'] "
        "(known: nl, en)\n"
        "open.jsonl:3: record 'K3': field 'language': unknown language 'de' (known: nl, en)\n"
        "2 invalid records; no plan was written (use --skip-invalid to plan the valid ones)\n"
    )
