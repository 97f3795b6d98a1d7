"""``brief lint`` on the demo project, clean and with copies broken on purpose."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_brief

ANONYMOUS = "templates/betalingsherinnering.j2"
FICTITIOUS = "templates/bedankt.j2"
OFFICIALESE = "templates/14-dagenbrief.b1.j2"
SYNTAX = "templates/betalingsregeling.j2"

STIFF = (
    "Indien u reeds heeft betaald, verzoeken wij u derhalve vriendelijk om deze brief als "
    "niet verzonden te beschouwen en ons alsmede de afdeling administratie middels een "
    "e-mail op de hoogte te stellen van de datum van uw betaling teneinde verwarring te "
    "voorkomen."
)


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` once; return the 1-based line where ``new`` starts."""
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    text = text.replace(old, new, 1)
    path.write_text(text, "utf-8")
    return text[: text.index(new)].count("\n") + 1


def line_of(path: Path, needle: str) -> int:
    text = path.read_text("utf-8")
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def broken(demo: Path) -> dict[str, int]:
    """Break four demo templates; return the line each finding must point at."""
    lines = {}
    herinnering = demo / ANONYMOUS
    edit(
        herinnering, "{{ signer.name }}\n{{ signer.role }}, {{ team_name }}\n", "{{ team_name }}\n"
    )
    lines["anonymous"] = line_of(herinnering, "Met vriendelijke groet,")
    bedankt = demo / FICTITIOUS
    text = bedankt.read_text("utf-8")
    closing = text.index("Met vriendelijke groet,")
    bedankt.write_text(
        text[:closing] + "Met vriendelijke groet,\n\nJan Jansen\nTelefoon: {{ signer.phone }}\n",
        "utf-8",
    )
    lines["fictitious"] = line_of(bedankt, "Jan Jansen")
    lines["officialese"] = edit(
        demo / OFFICIALESE, "Heb je al betaald? Dan hoef je niets te doen.", STIFF
    )
    lines["syntax"] = edit(demo / SYNTAX, "{{ signer.phone }}", "{{ signer.phone }")
    return lines


def lint(cli, *args: str):
    return cli("lint", *args)


def test_demo_templates_lint_clean(demo: Path, cli) -> None:
    result = lint(cli)

    assert result.exit_code == 0, result.stdout
    assert result.stdout == "0 errors, 0 warnings in 19 templates (96 letters checked)\n"


def test_broken_copies_in_text(demo: Path, cli, broken: dict[str, int]) -> None:
    result = lint(cli)

    assert result.exit_code == 1
    out = result.stdout.splitlines()
    samples = "samples K1001, K1002, K1004"
    assert (
        f"{ANONYMOUS}:{broken['anonymous']}: error [anonymous-signoff] the closing names no real "
        f"person: signed by a team, not a person (region noord; {samples})"
    ) in out
    assert (
        f"{FICTITIOUS}:{broken['fictitious']}: error [unknown-signer] 'Jan Jansen' in the "
        "signature is not a person in the staff roster (examples/staff.yaml); did you mean "
        f"Linda Jansen? (region noord; {samples})"
    ) in out
    zuid = "region zuid; samples K1011, K1012, K1013"
    assert (
        f"{OFFICIALESE}:{broken['officialese']}: warning [officialese] 'derhalve' is officialese: "
        f"write 'daarom' ({zuid})"
    ) in out
    assert (
        f"{OFFICIALESE}:{broken['officialese']}: warning [long-sentence] sentence of 42 words "
        f"(limit 20 for plain (B1) letters): 'Indien u reeds heeft betaald, verzoeken ...' ({zuid})"
    ) in out
    assert (
        f"{SYNTAX}:{broken['syntax']}: error [template-syntax] template syntax error: unexpected '}}'"
    ) in out
    assert (
        "templates/betalingsherinnering.html.j2:18: error [parts-differ] the HTML part is signed "
        f"by Ineke de Vries, the text part by nobody (html part; region noord; {samples})"
    ) in out
    assert out[-1] == "10 errors, 8 warnings in 19 templates (87 letters checked)"


def test_broken_copies_in_json(demo: Path, cli, broken: dict[str, int]) -> None:
    result = lint(cli, "--format", "json")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert data["summary"] == {"errors": 10, "warnings": 8, "templates": 19, "letters": 87}
    by_rule = {}
    for finding in data["findings"]:
        by_rule.setdefault(finding["rule"], finding)
    assert by_rule["anonymous-signoff"] == {
        "rule": "anonymous-signoff",
        "severity": "error",
        "path": ANONYMOUS,
        "line": broken["anonymous"],
        "region": "noord",
        "part": "text",
        "samples": ["K1001", "K1002", "K1004"],
        "message": "the closing names no real person: signed by a team, not a person",
    }
    assert by_rule["unknown-signer"]["line"] == broken["fictitious"]
    assert by_rule["officialese"]["line"] == broken["officialese"]
    assert by_rule["long-sentence"]["value"] == 42
    assert by_rule["long-sentence"]["threshold"] == 20
    assert by_rule["template-syntax"]["line"] == broken["syntax"]
    assert by_rule["template-syntax"]["region"] is None


def test_broken_copies_as_github_annotations(demo: Path, cli, broken: dict[str, int]) -> None:
    result = lint(cli, "--format", "github")

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 18
    levels = [line.split(" ", 1)[0] for line in lines]
    assert levels == ["::error"] * 10 + ["::warning"] * 8  # errors first
    assert (
        f"::error file={ANONYMOUS},line={broken['anonymous']},title=brief anonymous-signoff::"
        "the closing names no real person%3A signed by a team%2C not a person" not in lines
    )  # only properties escape ':' and ','
    assert (
        f"::error file={ANONYMOUS},line={broken['anonymous']},title=brief anonymous-signoff::"
        "the closing names no real person: signed by a team, not a person "
        "(region noord; samples K1001, K1002, K1004)"
    ) in lines
    assert (
        f"::error file={SYNTAX},line={broken['syntax']},title=brief template-syntax::"
        "template syntax error: unexpected '}'"
    ) in lines


def test_broken_copies_as_sarif(demo: Path, cli, broken: dict[str, int]) -> None:
    result = lint(cli, "--format", "sarif")

    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "brief"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert {"anonymous-signoff", "unknown-signer", "readability", "officialese"} <= set(rule_ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    assert len(run["results"]) == 18
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note", "none")
        assert res["message"]["text"]
        location = res["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1
    syntax = next(r for r in run["results"] if r["ruleId"] == "template-syntax")
    assert syntax["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": SYNTAX},
        "region": {"startLine": broken["syntax"]},
    }


def test_output_file_keeps_the_exit_code(demo: Path, cli, broken: dict[str, int]) -> None:
    result = lint(cli, "--format", "json", "--output", "report/lint.json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "10 errors, 8 warnings in 19 templates (87 letters checked); report written to report/lint.json\n"
    )
    assert json.loads((demo / "report" / "lint.json").read_text("utf-8"))["summary"]["errors"] == 10


@pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("warning", 1), ("never", 0)])
def test_fail_on(demo: Path, cli, fail_on: str, code: int) -> None:
    edit(demo / OFFICIALESE, "Heb je al betaald? Dan hoef je niets te doen.", STIFF)

    result = lint(cli, "--fail-on", fail_on)

    assert result.exit_code == (0 if fail_on == "error" else code)


def test_lint_one_file(demo: Path, cli, broken: dict[str, int]) -> None:
    result = lint(cli, SYNTAX)

    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "1 error, 0 warnings in 1 template (0 letters checked)"


def test_suppression_with_reason_hides_the_finding(demo: Path, cli) -> None:
    path = demo / OFFICIALESE
    edit(
        path,
        "Heb je al betaald? Dan hoef je niets te doen.",
        '{# brief: disable-next-line=long-sentence,officialese reason="test wording" #}\n' + STIFF,
    )

    result = lint(cli, OFFICIALESE)

    assert result.exit_code == 0, result.stdout
    assert result.stdout == "0 errors, 0 warnings in 1 template (3 letters checked)\n"
    assert "brief:" not in _rendered_zuid_letter(demo, cli)


def _rendered_zuid_letter(demo: Path, cli) -> str:
    reminder = ("-r", "examples/customers.csv", "-t", "betalingsherinnering", "-o", "reminders")
    assert cli("render", *reminder).exit_code == 0
    result = cli(
        "render",
        "--records",
        "examples/customers.csv",
        "--template",
        "14-dagenbrief",
        "--out",
        "out",
        "--text",
    )
    assert result.exit_code == 0, result.stderr
    return (demo / "out" / "K1011-14-dagenbrief.txt").read_text("utf-8")


def test_suppression_without_reason_is_reported(demo: Path, cli) -> None:
    line = edit(
        demo / OFFICIALESE,
        "Heb je al betaald? Dan hoef je niets te doen.",
        "{# brief: disable-next-line=long-sentence #}\n" + STIFF,
    )

    result = lint(cli, OFFICIALESE)

    assert result.exit_code == 1
    assert (
        f'{OFFICIALESE}:{line}: error [bad-suppression] suppression without a reason (add reason="...")'
    ) in result.stdout.splitlines()
    assert "[long-sentence]" not in result.stdout


def test_undefined_variable_in_source(demo: Path, cli) -> None:
    line = edit(demo / SYNTAX, "{{ signer.phone }}", "{{ signr.phone }}")

    result = lint(cli, SYNTAX)

    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{SYNTAX}:{line}: error [undefined-variable] 'signr' is undefined (templates get: customer, "
        "formal, history, language, org, region, signer, team, team_name, today, wik)"
    )


def test_explain(cli) -> None:
    result = lint(cli, "--explain", "anonymous-signoff")

    assert result.exit_code == 0
    assert result.stdout.startswith(
        "anonymous-signoff (error): the closing names no real person\n\n"
    )
    assert "Ineke, Carina, Bianca en Linda — Team Incasso" in result.stdout


def test_explain_unknown_rule(cli) -> None:
    result = lint(cli, "--explain", "nope")

    assert result.exit_code == 2
    assert re.fullmatch(
        r"Error: --explain: unknown rule 'nope' \(known: .*anonymous-signoff.*\)\n", result.stderr
    )


def test_usage_errors_exit_2(demo: Path, cli) -> None:
    # --format and --fail-on are Enum options: click refuses the value, as for any usage error
    bad_format = lint(cli, "--format", "xml")
    assert bad_format.exit_code == 2
    assert bad_format.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--format' / '-f': "
        "'xml' is not one of 'text', 'json', 'github', 'sarif'."
    )
    bad_level = lint(cli, "--fail-on", "info")
    assert bad_level.exit_code == 2
    assert bad_level.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--fail-on': 'info' is not one of 'error', 'warning', 'never'."
    )
    missing = lint(cli, "templates/nope.j2")
    assert missing.exit_code == 2
    assert missing.stderr == "Error: templates/nope.j2: no such file or folder\n"


def test_installed_lint_as_subprocess(demo: Path, broken: dict[str, int]) -> None:
    result = run_brief("lint", "--format", "github", cwd=demo)

    assert result.returncode == 1
    assert result.stdout.startswith("::error file=")
    assert "Traceback" not in result.stderr


def test_html_part_is_checked_as_source(demo: Path, cli) -> None:
    html = "templates/betalingsherinnering.html.j2"
    line = edit(demo / html, "{{ signer.phone }}", "{{ signer.phone ")

    result = lint(cli)

    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(
        f"{html}:{line}: error [template-syntax] template syntax error: "
    )
    assert (
        result.stdout.splitlines()[-1] == "1 error, 0 warnings in 19 templates (87 letters checked)"
    )


def test_without_samples_only_the_sources_are_checked(demo: Path, cli) -> None:
    (demo / "examples" / "customers.csv").unlink()

    result = lint(cli)

    assert result.exit_code == 0
    assert result.stderr == (
        "Note: no sample records (examples/customers.csv not found; set 'samples' in brief.yaml "
        "or pass --samples): only the template sources were checked\n"
    )
    assert result.stdout == "0 errors, 0 warnings in 19 templates (0 letters checked)\n"


def test_roles_teams_places_and_the_short_name_under_a_signer_are_not_people(
    demo: Path, cli
) -> None:
    path = demo / FICTITIOUS
    edit(
        path,
        "{{ team | names }}\n{{ team_name }}, {{ org.name }}\n",
        "{{ signer.name }}\nCredit Control Team\n{{ org.short_name }}\nVlissingen\n",
    )
    result = lint(cli, FICTITIOUS)

    assert result.exit_code == 0, result.stdout
    assert result.stdout == "0 errors, 0 warnings in 1 template (9 letters checked)\n"


def test_a_letter_signed_by_the_short_name_only_is_anonymous(demo: Path, cli) -> None:
    path = demo / FICTITIOUS
    edit(path, "{{ team | names }}\n{{ team_name }}, {{ org.name }}\n", "{{ org.short_name }}\n")
    closing = line_of(path, "Met vriendelijke groet,")
    result = lint(cli, FICTITIOUS, "--format", "json")

    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"], f["region"], f["message"]) for f in findings] == [
        (
            "anonymous-signoff",
            closing,
            region,
            "the closing names no real person: signed by the organisation, not a person",
        )
        for region in ("noord", "oost", "west")
    ]


def test_hard_words_in_a_plain_template(demo: Path, cli) -> None:
    line = edit(
        demo / OFFICIALESE,
        "Heb je al betaald? Dan hoef je niets te doen.",
        "Heb je al betaald? Dan stoppen we de sommatie.",
    )
    result = lint(cli, OFFICIALESE)

    assert result.exit_code == 0  # warnings only: --fail-on error
    assert result.stdout.splitlines() == [
        f"{OFFICIALESE}:{line}: warning [hard-word] 'sommatie' is a rare word for plain (B1) "
        "readers: write 'laatste waarschuwing' (region zuid; samples K1011, K1012, K1013)",
        "0 errors, 1 warning in 1 template (3 letters checked)",
    ]
    assert lint(cli, OFFICIALESE, "--fail-on", "warning").exit_code == 1


def test_allowed_words_let_a_word_pass(demo: Path, cli) -> None:
    edit(
        demo / OFFICIALESE,
        "Heb je al betaald? Dan hoef je niets te doen.",
        "Heb je al betaald? Dan stoppen we de sommatie.",
    )
    (demo / "regions" / "zuid.yaml").write_text(
        (demo / "regions" / "zuid.yaml").read_text("utf-8") + "allowed_words: [sommatie]\n",
        "utf-8",
    )
    result = lint(cli, OFFICIALESE)

    assert result.stdout == "0 errors, 0 warnings in 1 template (3 letters checked)\n"


def test_explain_hard_word(cli) -> None:
    result = lint(cli, "--explain", "hard-word")

    assert result.exit_code == 0
    assert result.stdout.startswith(
        "hard-word (warning): a rare word a plain-language reader may not know\n\n"
    )
    assert '"huurachterstand" is fine, "incassotraject" is not' in result.stdout
