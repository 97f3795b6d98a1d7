"""The Python API: ``import brief``, a project, a letter, its findings, the batch, pickling."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import re
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

import brief

from conftest import REPO, run_brief

MARIA = {
    "id": "K1",
    "region": "zuid",
    "name": "Maria Hendriks",
    "first_name": "Maria",
    "street": "Markt 1",
    "postcode": "4331 LK",
    "city": "Middelburg",
    "amount": "278.40",
    "due_date": "2026-11-01",
}


def _readme_python() -> str:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_the_readme_example_runs(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_readme_python(), "README.md (Python API)", "exec"), {})

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 21
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"The last line it prints:\n\n```\n{lines[-1]}\n```" in readme
    assert lines[0] == "K1001 Ineke de Vries Uw huurachterstand is helemaal betaald"
    assert sorted(p.name for p in demo.iterdir()) == [
        "brief.yaml",
        "examples",
        "regions",
        "templates",
    ]


def test_import_brief_loads_no_other_module_and_exports_what_all_names() -> None:
    code = (
        "import sys, brief; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('brief', 'jinja2', 'yaml', 'rich', 'typer', 'babel')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "['brief']\n"
    assert sorted(brief.__all__) == sorted(["__version__", *brief._EXPORTS])
    for name in brief.__all__:
        assert getattr(brief, name) is not None
    with pytest.raises(AttributeError, match="module 'brief' has no attribute 'render_letter'"):
        brief.render_letter  # noqa: B018


def test_errors_are_brief_errors() -> None:
    names = ["ConfigError", "RecordError", "RecordsFileError", "TemplateError", "InvalidInput"]
    for name in [*names, "MailError"]:
        assert issubclass(getattr(brief, name), brief.BriefError)


def test_open_finds_brief_yaml_in_a_parent_or_takes_the_file(demo: Path) -> None:
    below = demo / "templates"
    for start in (demo, below, demo / "brief.yaml"):
        project = brief.Project.open(start)
        assert project.settings.config is not None
        assert project.settings.config.resolve() == (demo / "brief.yaml").resolve()


def test_a_project_folder_that_is_not_there(demo: Path, cli) -> None:
    with pytest.raises(brief.ConfigError) as err:
        brief.Project.open("nope")
    assert str(err.value) == "nope: project folder not found"
    result = cli("lint", "--project", "nope")
    assert (result.exit_code, result.stderr) == (2, "Error: nope: project folder not found\n")


def test_render_is_the_letter_brief_render_writes(demo: Path) -> None:
    (demo / "one.csv").write_text(
        ";".join(MARIA) + "\n" + ";".join(MARIA.values()) + "\n", encoding="utf-8"
    )
    for out, *text in (("out", "--text"), ("paper",)):
        result = run_brief(
            "render", "-r", "one.csv", "-t", "bedankt", "--date", "2026-12-02", "-o", out,
            "--no-journal", *text, cwd=demo,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    project = brief.Project.open(demo)
    letter = project.render(MARIA, template="bedankt", date="2026-12-02")

    assert letter.text == (demo / "out" / "K1-bedankt.txt").read_text("utf-8")
    # the same document, byte for byte: a PDF depends on the letter only
    assert letter.pdf() == project.pdf(letter) == (demo / "paper" / "K1-bedankt.pdf").read_bytes()
    assert letter.subject == "Je huurachterstand is helemaal betaald"
    assert letter.signer.name == "Bianca Mulder"
    assert letter.channel == "letter" and letter.html is None
    assert letter.findings == ()


def test_render_writes_nothing(demo: Path) -> None:
    before = sorted(p.relative_to(demo) for p in demo.rglob("*"))
    project = brief.Project.open(demo)
    project.render({**MARIA, "email": "m@example.nl"}, template="betalingsherinnering")
    list(project.render_many(brief.read_records("examples/customers.csv"), template="bedankt"))
    assert sorted(p.relative_to(demo) for p in demo.rglob("*")) == before  # no journal either


def test_render_refuses_a_bad_record_date_or_template(demo: Path) -> None:
    project = brief.Project.open(demo)
    with pytest.raises(brief.RecordError) as err:
        project.render({"id": "K9", "name": "Jan"}, template="bedankt")
    assert str(err.value) == "record 'K9': field 'region': required field is missing"
    with pytest.raises(brief.RecordError) as err:
        project.render({**MARIA, "email": "maria"}, template="betalingsherinnering")
    assert str(err.value) == "record 'K1': field 'email': 'maria' is not an e-mail address"
    with pytest.raises(brief.BriefError) as err:
        project.render(MARIA, template="bedankt", date="2 december")
    assert str(err.value) == "date: '2 december' is not a date (write 2026-11-22 or 22-11-2026)"
    with pytest.raises(brief.TemplateError) as err:
        project.render(MARIA, template="aanmaning")
    assert str(err.value) == (
        "templates: unknown template 'aanmaning' (known: 14-dagenbrief, bedankt, "
        "betalingsherinnering, betalingsregeling)"
    )


def test_letter_findings_are_located_in_the_template_as_lint_reports_them(project: Path) -> None:
    proj = brief.Project.open(project)
    record = {"id": "K5", "region": "noord", "name": "Jan", "email": "jan@example.nl",
              "amount": "12,00", "due_date": "01-11-2026", "language": "en"}  # fmt: skip

    letter = proj.render(record, template="herinnering", date="2026-12-02")

    assert [(f.rule, f.severity, f.line, f.message) for f in letter.findings] == [
        ("missing-contact", "warning", 10, "no direct phone number or e-mail of Ineke de Vries")
    ]
    assert letter.findings[0].path == "templates/herinnering.en.j2"
    linted = [f for f in proj.lint() if f.region == "noord"]
    assert [(f.rule, f.path, f.line, f.message) for f in linted] == [
        (f.rule, f.path, f.line, f.message) for f in letter.findings
    ]
    assert proj.render(record, template="herinnering", check=False).findings == ()


def test_render_many_rejects_as_brief_render_does(project: Path) -> None:
    (project / "templates" / "anoniem.j2").write_text(
        "Beste {{ customer.name }},\n\nBetaal alstublieft.\n\nMet vriendelijke groet,\n\n"
        "Team Incasso\n",
        encoding="utf-8",
    )
    (project / "batch.csv").write_text(
        "id;region;name;amount\nK1;noord;Jan;10,00\nK2;oost;Piet;5\nK1;zuid;Kees;5\nK3;zuid;;5\n",
        encoding="utf-8",
    )
    proj = brief.Project.open(project)

    outcomes = list(proj.render_many(brief.read_records("batch.csv"), template="aanmaning"))

    assert [type(o).__name__ for o in outcomes] == ["Letter", "Rejection", "Rejection", "Rejection"]
    assert [str(o) for o in outcomes[1:]] == [
        "batch.csv:3: record 'K2': field 'region': unknown region 'oost' (known: noord, zuid)",
        "batch.csv:4: record 'K1': field 'id': duplicate id (first seen on line 2)",
        "batch.csv:5: record 'K3': field 'name': required field is missing",
    ]
    assert [(o.record, o.line, o.region) for o in outcomes[1:]] == [
        ("K2", 3, "oost"), ("K1", 4, "zuid"), ("K3", 5, None)
    ]  # fmt: skip

    refused = next(proj.render_many(brief.read_records("batch.csv"), template="anoniem"))
    assert isinstance(refused, brief.Rejection) and refused.error is None
    assert refused.reason == (
        "refused by checks: [readability] Flesch-Douma 12.5 is below 60 for standard letters; "
        "[anonymous-signoff] the closing names no real person: signed by a team, not a person"
    )
    assert [f.rule for f in refused.findings] == [
        "readability", "anonymous-signoff", "missing-contact"
    ]  # fmt: skip
    linted = proj.lint(["templates/anoniem.j2"])
    assert {(f.rule, f.line, f.message) for f in linted if f.region == "noord"} == {
        (f.rule, f.line, f.message) for f in refused.findings
    }
    result = run_brief("render", "-r", "batch.csv", "-t", "anoniem", "-o", "out",
                       "--skip-invalid", "--no-journal", cwd=project)  # fmt: skip
    manifest = [json.loads(line) for line in (project / "out" / "manifest.jsonl").open()]
    assert manifest[0]["reason"] == refused.reason
    records = brief.read_records("batch.csv")
    kept = next(proj.render_many(records, template="anoniem", allow_findings=True))
    assert isinstance(kept, brief.Letter)
    assert kept.findings == refused.findings
    assert result.returncode == 1


def test_a_project_renders_in_a_process_pool(demo: Path) -> None:
    project = brief.Project.open(demo)
    records = [
        r for r in brief.read_records("examples/customers.csv") if isinstance(r, brief.Record)
    ]
    here = [project.render(r, template="betalingsherinnering", date="2026-12-02") for r in records]

    spawn = multiprocessing.get_context("spawn")  # nothing inherited: all of it pickled
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        futures = [
            pool.submit(project.render, r, template="betalingsherinnering", date="2026-12-02")
            for r in records
        ]
        there = [f.result() for f in futures]

    assert [(x.record.id, x.subject, x.text, x.html, x.signer) for x in there] == [
        (x.record.id, x.subject, x.text, x.html, x.signer) for x in here
    ]
    again = pickle.loads(pickle.dumps(here[0]))
    assert again.template.path == (demo / "templates" / "betalingsherinnering.j2").resolve()
    assert (again.text, again.html) == (here[0].text, here[0].html)


def test_a_pickled_project_renders_from_another_folder(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = brief.Project.open(demo)
    letter = project.render(MARIA, template="bedankt", date="2026-12-02")
    data = pickle.dumps(project)
    elsewhere = tmp_path / "worker"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a queue worker in another folder

    copy = pickle.loads(data)

    assert copy.render(MARIA, template="bedankt", date="2026-12-02").text == letter.text
    with pytest.raises(brief.RecordError) as err:
        copy.render({**MARIA, "region": "centrum"}, template="bedankt")
    assert str(err.value).startswith("record 'K1': field 'region': unknown region 'centrum'")


def test_render_takes_what_read_records_yields(demo: Path) -> None:
    project = brief.Project.open(demo)
    rows = [";".join(MARIA), ";".join(MARIA.values()), "K2;zuid"]
    (demo / "two.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    good, bad = brief.read_records("two.csv")
    assert isinstance(good, brief.Record)
    assert (
        project.render(good, template="bedankt").text
        == project.render(MARIA, template="bedankt").text
    )
    with pytest.raises(brief.RecordError) as err:
        project.render(bad, template="bedankt")
    assert str(err.value) == "two.csv:3: record 'K2': short row: 2 fields where the header has 9"


def test_notebook_renders_and_lints_the_demo_through_the_api_only(demo: Path) -> None:
    """What a data team's notebook does, cell by cell, with nothing but ``import brief``,
    checked against what the CLI writes and reports."""
    # cell 1: the project
    project = brief.Project.open(demo)

    # cell 2: every demo customer, every template
    letters: dict[tuple[str, str], brief.Letter] = {}
    # (not 14-dagenbrief: it names the reminder before it, and this journal has none)
    for template in ("bedankt", "betalingsherinnering", "betalingsregeling"):
        records = brief.read_records(demo / "examples" / "customers.csv")
        for outcome in project.render_many(records, template=template, date="2026-12-02"):
            assert isinstance(outcome, brief.Letter), outcome
            letters[outcome.record.id, template] = outcome
    assert len(letters) == 60
    signers = {letter.signer.name for letter in letters.values()}
    assert signers == {"Ineke de Vries", "Carina Bakker", "Bianca Mulder", "Linda Jansen"}
    assert all(letter.findings == () for letter in letters.values())

    # cell 3: the lint report
    report = project.lint()
    assert (report.templates, report.letters, len(report)) == (19, 96, 0)

    # the same as the CLI
    cli = run_brief("render", "-r", "examples/customers.csv", "-t", "bedankt",
                    "--date", "2026-12-02", "-o", "out", "--no-journal", cwd=demo)  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    for path in sorted((demo / "out").glob("*.txt")):
        record_id = path.name.split("-", 1)[0]
        assert letters[record_id, "bedankt"].text == path.read_text("utf-8")
    linted = run_brief("lint", "--format", "json", cwd=demo)
    assert json.loads(linted.stdout)["summary"] == {
        "errors": 0, "warnings": 0, "templates": report.templates, "letters": report.letters
    }  # fmt: skip
