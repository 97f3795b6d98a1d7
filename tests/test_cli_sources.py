"""``--records`` from a workbook (``--sheet``) or a database (``--query``), through the
installed ``brief`` in a subprocess: render, send, plan and lint read them as they read a
CSV file, and a mistake is one line and exit 2."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import run_brief

HEADER = ["id", "region", "name", "email", "amount", "due_date"]
# tests/data/project/customers.csv, as a workbook and a database would hold it
ROWS = [
    ["K1", "noord", "Jan de Vries", "jan@example.nl", 1234.56, "2026-11-01"],
    ["K2", "zuid", "Ayşe Özdemir", "ayse@example.nl", 99.5, "2026-11-15"],
]


def workbook(path: Path, *rows: list[object], title: str = "Klanten") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Leeg"  # the first sheet is not the one with the customers
    data = book.create_sheet(title)
    for row in rows:
        data.append(row)
    book.save(path)
    return path


def database(path: Path, *rows: list[object]) -> Path:
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE open_items ({', '.join(HEADER)})")
    db.executemany("INSERT INTO open_items VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    return path


QUERY = "SELECT * FROM open_items ORDER BY id"
FOLLOWUP = "followup:\n  - template: herinnering\n    after_days: 7\n    from: due_date\n"


@pytest.fixture
def project(project: Path) -> Path:
    """The test project with one follow-up level, for brief plan."""
    with (project / "brief.yaml").open("a", encoding="utf-8") as config:
        config.write(FOLLOWUP)
    return project


RENDER = ("render", "-t", "aanmaning", "--date", "2026-11-22", "--no-journal", "--stream", "-")


def test_a_workbook_and_a_database_make_the_letters_a_csv_makes(project: Path) -> None:
    workbook(project / "klanten.xlsx", HEADER, *ROWS)
    database(project / "crm.db", *ROWS)

    from_csv = run_brief(*RENDER, "-r", "customers.csv", cwd=project)
    from_sheet = run_brief(*RENDER, "-r", "klanten.xlsx", "--sheet", "Klanten", cwd=project)
    from_query = run_brief(*RENDER, "-r", "sqlite:///crm.db", "--query", QUERY, cwd=project)

    assert from_csv.returncode == 0, from_csv.stderr
    assert "De kosten zijn € 185,18." in from_csv.stdout  # WIK over 1.234,56
    assert (from_sheet.returncode, from_sheet.stdout) == (0, from_csv.stdout)
    assert (from_query.returncode, from_query.stdout) == (0, from_csv.stdout)


def test_bad_rows_stop_the_batch_with_their_row(project: Path) -> None:
    workbook(
        project / "klanten.xlsx",
        HEADER,
        ROWS[0],
        [],
        ["K2", "zuid", "Ayşe Özdemir", None, "99,5x", None],
        ["K3", None, "Piet", None, 5, None],
    )
    result = run_brief(
        "render", "-r", "klanten.xlsx", "--sheet", "Klanten", "-t", "aanmaning", "-o", "out",
        "--text",
        cwd=project,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr == (
        "Error: klanten.xlsx: sheet 'Klanten' row 4: record 'K2': field 'amount': "
        "'99,5x' is not an amount (write 1234.56 or 1.234,56)\n"
        "klanten.xlsx: sheet 'Klanten' row 5: record 'K3': field 'region': "
        "required field is missing\n"
        "2 invalid records; nothing was written (use --skip-invalid to render the valid ones)\n"
    )
    assert not (project / "out").exists()


def test_skip_invalid_keeps_the_query_rows_in_the_manifest(project: Path) -> None:
    database(project / "crm.db", *ROWS, ["K3", "noord", None, None, 5, None])

    result = run_brief(
        "render", "-r", "sqlite:///crm.db", "--query", QUERY, "-t", "aanmaning", "-o", "out",
        "--skip-invalid", "--no-journal", "--text", cwd=project, env={"COLUMNS": "200"},
    )  # fmt: skip

    assert result.returncode == 1
    assert (
        "sqlite:///crm.db: query row 3: record 'K3': field 'name': required field is missing\n"
        in result.stderr
    )
    manifest = [json.loads(line) for line in (project / "out/manifest.jsonl").open()]
    assert [(m["record"], m["line"], m["status"]) for m in manifest] == [
        ("K1", 1, "rendered"),
        ("K2", 2, "rendered"),
        ("K3", 3, "rejected"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-r", "klanten.xlsx", "--sheet", "West"), "klanten.xlsx: no sheet 'West' (the workbook has 'Leeg', 'Klanten')"),
        (("-r", "klanten.xlsx"), "klanten.xlsx: sheet 'Leeg': empty sheet: no header row"),
        (("-r", "customers.csv", "--sheet", "Klanten"), "customers.csv: --sheet is for .xlsx workbooks"),
        (("-r", "sqlite:///crm.db"), 'sqlite:///crm.db: a database needs --query "select ..."'),
        (("-r", "customers.csv", "--query", QUERY), '--query is for a database: --records sqlite:///crm.db --query "select ..."'),
        (("-r", "sqlite:///crm.db", "--query", "DELETE FROM open_items"), "sqlite:///crm.db: query: not authorized: the query may only read (one select)"),
        (("-r", "sqlite:///crm.db", "--query", "SELECT * FROM open_items;\nDROP TABLE open_items"), "sqlite:///crm.db: query: You can only execute one statement at a time (give one select)"),
        (("-r", "sqlite:///crm.db", "--query", "SELECT *\nFROM open_items\nWHERE"), 'sqlite:///crm.db: query: incomplete input'),
    ],
)  # fmt: skip
def test_source_mistakes_are_one_line(project: Path, args: tuple[str, ...], message: str) -> None:
    workbook(project / "klanten.xlsx", HEADER, *ROWS)
    database(project / "crm.db", *ROWS)
    before = (project / "crm.db").read_bytes()

    for command in (
        ("render", "-t", "aanmaning", "-o", "out"),
        ("send", "-t", "herinnering", "-c", "nov"),
        ("plan", "--date", "2026-11-22"),
    ):
        result = run_brief(*command, *args, cwd=project)
        assert (result.returncode, result.stderr) == (2, f"Error: {message}\n"), command
        assert result.stdout == ""
    assert not (project / "out").exists()
    assert not (project / "brief.sqlite").exists()
    assert (project / "crm.db").read_bytes() == before


def test_send_and_plan_read_a_query(project: Path) -> None:
    database(project / "crm.db", *ROWS)

    dry = run_brief(
        "send", "-r", "sqlite:///crm.db", "--query", QUERY, "-t", "herinnering", "-c", "nov",
        "--date", "2026-11-22", cwd=project, env={"COLUMNS": "120"},
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "2 e-mails to send" in dry.stdout

    plan = run_brief(
        "plan", "-r", "sqlite:///crm.db", "--query", QUERY, "--date", "2026-11-22", cwd=project
    )
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.splitlines()[0] == (
        "Plan for 2026-11-22: 2 customers in sqlite:///crm.db: query"
    )


def test_lint_renders_the_samples_of_a_sheet_or_a_query(project: Path) -> None:
    workbook(project / "klanten.xlsx", HEADER, *ROWS)
    database(project / "crm.db", *ROWS)
    from_csv = run_brief("lint", "--no-cache", cwd=project)

    sheet = run_brief("lint", "--samples", "klanten.xlsx", "--sheet", "Klanten", cwd=project)
    query = run_brief(
        "lint", "--samples", "sqlite:///crm.db", "--query", QUERY, "--no-cache", cwd=project
    )
    noord = run_brief(
        "lint", "--samples", "sqlite:///crm.db", "--no-cache",
        "--query", "SELECT * FROM open_items WHERE region = 'noord'", cwd=project,
    )  # fmt: skip

    assert from_csv.returncode == 0, from_csv.stderr
    assert (sheet.returncode, sheet.stdout) == (0, from_csv.stdout)
    assert (query.returncode, query.stdout) == (0, from_csv.stdout)
    assert noord.returncode == 0
    assert noord.stdout != from_csv.stdout  # fewer letters checked: the query was used
    wrong = run_brief("lint", "--samples", "klanten.xlsx", "--sheet", "West", cwd=project)
    assert (wrong.returncode, wrong.stderr) == (
        2,
        "Error: klanten.xlsx: no sheet 'West' (the workbook has 'Leeg', 'Klanten')\n",
    )


def test_without_sqlalchemy_another_database_is_one_line_without_its_password(
    project: Path,
) -> None:
    """As after ``pip install brief`` without the ``sql`` extra: SQLAlchemy cannot be
    imported (blocked here in the child process) and only sqlite:/// works."""
    database(project / "crm.db", *ROWS)
    run = (
        "import sys; sys.modules['sqlalchemy'] = None; "
        "from brief.entry import main; sys.argv[0] = 'brief'; main()"
    )

    def brief(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", run, *args], cwd=project, capture_output=True, text=True
        )

    result = brief(
        "render", "-r", "postgresql://brief:s3cret@db.example/crm", "--query", QUERY,
        "-t", "aanmaning", "-o", "out",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        "Error: postgresql://brief:***@db.example/crm: a postgresql database needs SQLAlchemy: "
        "pip install 'brief[sql]' (sqlite:/// works without it)\n"
    )
    assert "s3cret" not in result.stdout + result.stderr
    works = brief(*RENDER, "-r", "sqlite:///crm.db", "--query", QUERY)
    assert works.returncode == 0, works.stderr
    assert "De kosten zijn € 185,18." in works.stdout


def test_the_python_api_reads_a_sheet_and_a_query(project: Path) -> None:
    workbook(project / "klanten.xlsx", HEADER, *ROWS)
    database(project / "crm.db", *ROWS)
    script = (
        "import brief\n"
        "project = brief.Project.open('.')\n"
        "for records in (brief.read_records('klanten.xlsx', sheet='Klanten'),\n"
        "                brief.read_records('sqlite:///crm.db', query='SELECT * FROM open_items')):\n"
        "    for outcome in project.render_many(records, template='aanmaning', date='2026-11-22'):\n"
        "        costs = [line for line in outcome.text.splitlines() if 'kosten' in line]\n"
        "        print(outcome.record.id, *costs)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("K1 De kosten zijn € 185,18.\nK2 De kosten zijn € 40,00.\n" * 2)
