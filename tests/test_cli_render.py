"""``brief render`` end to end on a small real project (tests/data/project)."""

from __future__ import annotations

import hashlib
import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from conftest import run_brief

HEADER = "id;region;name;email;amount;due_date"


def write_csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text("utf-8").splitlines()]


def parse_eml(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)  # type: ignore[return-value]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render(cli, *args: str):
    return cli("render", "--date", "2026-11-22", "--text", *args)


def test_renders_every_record_with_its_signer(project: Path, cli) -> None:
    result = render(cli, "--records", "customers.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "K1-herinnering.eml",
        "K2-herinnering.eml",
        "manifest.jsonl",
    ]
    assert manifest(project / "out") == [
        {
            "record": "K1",
            "status": "rendered",
            "line": 2,
            "path": "K1-herinnering.eml",
            "template": "herinnering",
            "template_file": "herinnering.j2",
            "region": "noord",
            "language": "nl",
            "channel": "email",
            "channel_reason": "has e-mail",
            "signer": "Ineke de Vries",
            "signers": ["Ineke de Vries"],
            "findings": [],
        },
        {
            "record": "K2",
            "status": "rendered",
            "line": 3,
            "path": "K2-herinnering.eml",
            "template": "herinnering",
            "template_file": "herinnering.b1.j2",
            "region": "zuid",
            "language": "nl",
            "channel": "email",
            "channel_reason": "has e-mail",
            # the b1 template closes with the team: "Groet, Ineke en Bianca - Team Incasso"
            "signer": "Ineke de Vries, Bianca Mulder",
            "signers": ["Ineke de Vries", "Bianca Mulder"],
            "findings": [],
        },
    ]
    assert result.stderr.endswith(
        "2 letters written to out, 0 rejected; manifest: out/manifest.jsonl\n"
    )
    assert "│ noord  │        1 │        0 │ Ineke de Vries (1)                │" in result.stderr
    assert "│ zuid   │        1 │        0 │ Ineke de Vries, Bianca Mulder (1) │" in result.stderr


def test_email_is_standard_multipart_with_signer_as_sender(project: Path, cli) -> None:
    render(cli, "--records", "customers.csv", "--template", "herinnering", "--out", "out")

    msg = parse_eml(project / "out" / "K1-herinnering.eml")
    assert msg["From"] == "Ineke de Vries <ineke.devries@dijkzicht.example>"
    assert msg["Reply-To"] == "Ineke de Vries <ineke.devries@dijkzicht.example>"
    assert msg["To"] == "Jan de Vries <jan@example.nl>"
    assert msg["Subject"] == "Herinnering K1"
    assert msg["Message-ID"].endswith("@dijkzicht.example>")
    assert msg["Date"] is not None
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content() == (
        "Geachte Jan de Vries,\n\n"
        "U hebt € 1.234,56 nog niet betaald.\n\n"
        "Met vriendelijke groet,\n"
        "Ineke de Vries, Medewerker incasso\n"
        "06 1234 5601\n"
    )
    assert "<p>U hebt € 1.234,56 nog niet betaald.</p>" in html.get_content()


def test_non_ascii_names_are_encoded_in_headers(project: Path, cli) -> None:
    render(cli, "--records", "customers.csv", "--template", "herinnering", "--out", "out")

    raw = (project / "out" / "K2-herinnering.eml").read_bytes()
    assert b"To: =?utf-8?q?Ay=C5=9Fe_=C3=96zdemir?= <ayse@example.nl>\r\n" in raw
    assert raw.isascii()
    msg = parse_eml(project / "out" / "K2-herinnering.eml")
    assert msg["To"] == "Ayşe Özdemir <ayse@example.nl>"
    assert msg.get_content_type() == "text/plain"  # the b1 variant has no HTML part
    assert msg.get_content() == (
        "Beste Ayşe Özdemir,\n\n"
        "Je moet nog € 99,50 betalen.\n\n"
        "Groet, Ineke en Bianca - Team Incasso\n"
        "Bel Bianca: 06 1234 5603\n"
    )


def test_html_part_escapes_customer_data(project: Path, cli) -> None:
    write_csv(
        project / "c.csv", "K9;noord;<script>alert(1)</script> & Co;x@example.nl;10;01-11-2026"
    )

    result = render(cli, "--records", "c.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 0, result.stderr
    html = parse_eml(project / "out" / "K9-herinnering.eml").get_body(("html",))
    assert html is not None
    assert "<p>Geachte &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co,</p>" in html.get_content()


def test_letter_channel_writes_text_with_wik_costs(project: Path, cli) -> None:
    result = render(cli, "--records", "customers.csv", "--template", "aanmaning", "--out", "out")

    assert result.exit_code == 0, result.stderr
    assert (project / "out" / "K1-aanmaning.txt").read_text("utf-8") == (
        "Jan de Vries\n"
        "Betreft: aanmaning van 22 november 2026\n\n"
        "Beste Jan de Vries,\n\n"
        "De kosten zijn € 185,18.\n"
        "Betaal voor 6 december 2026.\n\n"
        "Met vriendelijke groet,\n"
        "Ineke de Vries, 06 1234 5601\n"
    )
    assert "De kosten zijn € 40,00." in (project / "out" / "K2-aanmaning.txt").read_text("utf-8")


def test_english_customer_gets_english_template_and_formats(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K5;noord;Sean O'Neill;sean@example.ie;1234,56;01-11-2026;en",
        header=HEADER + ";language",
    )

    result = render(cli, "--records", "c.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 0, result.stderr
    msg = parse_eml(project / "out" / "K5-herinnering.eml")
    assert msg["Subject"] == "Reminder K5"
    assert msg.get_content() == (
        "Dear Sean O'Neill,\n\n"
        "You still owe €1,234.56, due 1 November 2026.\n\n"
        "Kind regards,\n"
        "Ineke de Vries, Collections officer\n"
    )


def test_customer_contact_wins_over_region_contact(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026;directeur",
        header=HEADER + ";contact",
    )

    result = render(cli, "--records", "c.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 0, result.stderr
    assert manifest(project / "out")[0]["signer"] == "Marleen Visser"
    msg = parse_eml(project / "out" / "K1-herinnering.eml")
    assert msg["From"] == "Marleen Visser <marleen.visser@dijkzicht.example>"


def test_template_column_is_an_alternative_to_the_option(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026;herinnering",
        "K2;noord;Piet;piet@example.nl;20;01-11-2026;aanmaning",
        header=HEADER + ";template",
    )

    result = render(cli, "--records", "c.csv", "--out", "out")

    assert result.exit_code == 0, result.stderr
    assert [e["path"] for e in manifest(project / "out")] == [
        "K1-herinnering.eml",
        "K2-aanmaning.txt",
    ]


def test_ids_cannot_escape_the_output_folder(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "../../evil;noord;Jan;jan@example.nl;10;01-11-2026",
        "/etc/passwd;noord;Jan;jan2@example.nl;10;01-11-2026",
    )

    result = render(cli, "--records", "c.csv", "--template", "aanmaning", "--out", "out")

    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (project / "out").iterdir())
    assert names == [
        f"etc_passwd~{sha256('/etc/passwd')}-aanmaning.txt",
        f"evil~{sha256('../../evil')}-aanmaning.txt",
        "manifest.jsonl",
    ]
    assert not (project.parent / "evil-aanmaning.txt").exists()
    assert sorted(p.name for p in project.parent.iterdir()) == ["project"]


def test_invalid_records_refuse_the_batch_and_write_nothing(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026",
        "K2;centrum;Piet;piet@example.nl;10;01-11-2026",
        "K1;noord;Klaas;klaas@example.nl;10;01-11-2026",
        "K4;noord;;k4@example.nl;10;01-11-2026",
        "K5;noord;Kees",
        '"K6";noord;"Kees\nBcc: x@evil.example";k6@example.nl;10;01-11-2026',
        "K7;noord;Mia;mia@example.nl;12,3x;01-11-2026",
    )

    result = render(cli, "--records", "c.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: c.csv:3: record 'K2': field 'region': unknown region 'centrum' (known: noord, zuid)\n"
        "c.csv:4: record 'K1': field 'id': duplicate id (first seen on line 2)\n"
        "c.csv:5: record 'K4': field 'name': required field is missing\n"
        "c.csv:6: record 'K5': short row: 3 fields where the header has 6\n"
        "c.csv:7: record 'K6': field 'name': contains a line break\n"
        "c.csv:9: record 'K7': field 'amount': '12,3x' is not an amount (write 1234.56 or 1.234,56)\n"
        "6 invalid records; nothing was written (use --skip-invalid to render the valid ones)\n"
    )
    assert not (project / "out").exists()


def test_skip_invalid_renders_the_rest_and_rejects_with_reasons(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026;",
        "K2;noord;Piet;;10;01-11-2026;",
        "K3;zuid;Mia;mia@example.nl;10;01-11-2026;nobody",
        "K4;zuid;Mia;mia@example.nl;10;01-11-2026;sanne",
        header=HEADER + ";contact",
    )

    result = render(
        cli, "--records", "c.csv", "--template", "herinnering", "--out", "out", "--skip-invalid"
    )

    assert result.exit_code == 1
    entries = manifest(project / "out")
    assert [(e["record"], e["status"], e.get("reason")) for e in entries] == [
        ("K1", "rendered", None),
        ("K2", "rejected", "record 'K2': field 'email': required for an e-mail template"),
        (
            "K3",
            "rejected",
            "record 'K3': field 'contact': unknown contact person 'nobody' (not in the staff roster)",
        ),
        (
            "K4",
            "rejected",
            "record 'K4': field 'contact': Sanne Willems (sanne) may not sign letters",
        ),
    ]
    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "K1-herinnering.eml",
        "manifest.jsonl",
    ]
    assert "1 letter written to out, 3 rejected; manifest: out/manifest.jsonl" in result.stderr


def test_missing_value_names_template_line_and_record(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K5;noord;Sean;s@example.ie;10;en",
        header="id;region;name;email;amount;language",
    )

    result = render(cli, "--records", "c.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "Error: c.csv:2: record 'K5': cannot render templates/herinnering.en.j2:8: "
        "the record has no field 'due_date'"
    )


def test_template_sandbox_blocks_python_internals(project: Path, cli) -> None:
    (project / "templates" / "kwaad.j2").write_text(
        "{{ customer.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8"
    )

    result = render(cli, "--records", "customers.csv", "--template", "kwaad", "--out", "out")

    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(
        "Error: customers.csv:2: record 'K1': cannot render templates/kwaad.j2:1: "
    )
    assert "unsafe" in first
    assert not (project / "out").exists()


def test_unknown_template_is_one_line_with_the_choices(project: Path, cli) -> None:
    result = render(cli, "--records", "customers.csv", "--template", "herinering", "--out", "out")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: templates: unknown template 'herinering' (known: aanmaning, herinnering)\n"
    )
    assert not (project / "out").exists()


def test_missing_records_file_is_one_line(project: Path, cli) -> None:
    result = render(cli, "--records", "nope.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 2
    assert result.stderr == "Error: nope.csv: file not found\n"
    assert not (project / "out").exists()


def test_no_staging_folder_is_left_behind(project: Path, cli) -> None:
    render(cli, "--records", "customers.csv", "--template", "herinnering", "--out", "out")
    write_csv(project / "bad.csv", "K1;centrum;Jan;jan@example.nl;10;01-11-2026")
    render(cli, "--records", "bad.csv", "--template", "herinnering", "--out", "out")

    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "K1-herinnering.eml",
        "K2-herinnering.eml",
        "manifest.jsonl",
    ]


def test_json_records(project: Path, cli) -> None:
    (project / "c.json").write_text(
        json.dumps(
            [{"id": 7, "region": "noord", "name": "Jan", "email": "j@example.nl", "amount": 12.5}]
        ),
        encoding="utf-8",
    )

    result = render(cli, "--records", "c.json", "--template", "aanmaning", "--out", "out")

    assert result.exit_code == 0, result.stderr
    assert "De kosten zijn € 40,00." in (project / "out" / "7-aanmaning.txt").read_text("utf-8")


def test_installed_command_runs_as_a_subprocess(project: Path) -> None:
    ok = run_brief(
        "render",
        "--records",
        "customers.csv",
        "--template",
        "herinnering",
        "--out",
        "out",
        cwd=project,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == ""
    assert ok.stderr.endswith(
        "2 letters written to out, 0 rejected; manifest: out/manifest.jsonl\n"
    )

    bad = run_brief(
        "render", "--records", "customers.csv", "--template", "x", "--out", "o2", cwd=project
    )
    assert bad.returncode == 2
    assert bad.stderr == "Error: templates: unknown template 'x' (known: aanmaning, herinnering)\n"
    assert "Traceback" not in bad.stderr


def test_version(cli) -> None:
    from brief import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"brief {__version__}\n"


def anonymous_template(project: Path) -> None:
    (project / "templates" / "anoniem.j2").write_text(
        "Beste {{ customer.name }},\n\nU moet nog betalen.\n\nMet vriendelijke groet,\n\nTeam Incasso\n",
        encoding="utf-8",
    )


def test_letters_with_error_findings_are_refused(project: Path, cli) -> None:
    anonymous_template(project)

    result = render(cli, "--records", "customers.csv", "--template", "anoniem", "--out", "out")

    assert result.exit_code == 1
    first = manifest(project / "out")[0]
    assert first["status"] == "rejected"
    assert first["reason"] == (
        "refused by checks: [anonymous-signoff] the closing names no real person: "
        "signed by a team, not a person"
    )
    assert first["findings"][0] == {
        "rule": "anonymous-signoff",
        "severity": "error",
        "part": "text",
        "message": "the closing names no real person: signed by a team, not a person",
    }
    assert "path" not in first
    assert sorted(p.name for p in (project / "out").iterdir()) == ["manifest.jsonl"]
    assert (
        "2 letters refused by checks (see the manifest; --allow-findings writes them anyway)"
        in (" ".join(result.stderr.split()))
    )


def test_an_anonymous_html_part_refuses_the_e_mail(project: Path, cli) -> None:
    html = project / "templates" / "herinnering.html.j2"
    html.write_text(
        html.read_text("utf-8").replace(
            "{{ signer.name }}, {{ signer.role }}", "<strong>Team Incasso</strong>"
        ),
        "utf-8",
    )

    result = render(cli, "--records", "customers.csv", "--template", "herinnering", "--out", "out")

    assert result.exit_code == 1
    first = manifest(project / "out")[0]
    assert first["status"] == "rejected"
    assert first["reason"] == (
        "refused by checks: [anonymous-signoff] (html part) the closing names no real person: "
        "signed by a team, not a person; [parts-differ] (html part) the HTML part is signed by "
        "nobody, the text part by Ineke de Vries"
    )
    assert [(f["rule"], f["part"]) for f in first["findings"]] == [
        ("anonymous-signoff", "html"),
        ("parts-differ", "html"),
    ]
    # K2 lives in zuid, whose b1 variant has no HTML part
    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "K2-herinnering.eml",
        "manifest.jsonl",
    ]
    assert "1 letter refused by checks (see the manifest; --allow-findings writes them anyway)" in (
        " ".join(result.stderr.split())
    )


def test_allow_findings_writes_them_with_findings_recorded(project: Path, cli) -> None:
    anonymous_template(project)

    result = render(
        cli,
        "--records",
        "customers.csv",
        "--template",
        "anoniem",
        "--out",
        "out",
        "--allow-findings",
    )

    assert result.exit_code == 0, result.stderr
    first = manifest(project / "out")[0]
    assert first["status"] == "rendered"
    assert [f["rule"] for f in first["findings"]] == ["anonymous-signoff", "missing-contact"]
    assert (project / "out" / "K1-anoniem.txt").is_file()


def test_no_check_skips_the_rules(project: Path, cli) -> None:
    anonymous_template(project)

    result = render(
        cli, "--records", "customers.csv", "--template", "anoniem", "--out", "out", "--no-check"
    )

    assert result.exit_code == 0, result.stderr
    assert "findings" not in manifest(project / "out")[0]


def test_date_option_takes_dutch_and_iso_dates(project: Path, cli) -> None:
    ok = cli(
        "render",
        "-r",
        "customers.csv",
        "-t",
        "aanmaning",
        "-o",
        "out",
        "--text",
        "--date",
        "22-11-2026",
    )
    assert ok.exit_code == 0, ok.stderr
    assert (
        "Betreft: aanmaning van 22 november 2026"
        in (project / "out" / "K1-aanmaning.txt").read_text()
    )

    bad = cli(
        "render", "-r", "customers.csv", "-t", "aanmaning", "-o", "o2", "--date", "2026-13-01"
    )
    assert bad.exit_code == 2
    assert (
        bad.stderr == "Error: --date: '2026-13-01' is not a date (write 2026-11-22 or 22-11-2026)\n"
    )


# -- one stream (--stream), the manifest elsewhere (--manifest), --jobs ----------------------


def test_stream_file_is_an_mbox_with_a_manifest_pointing_into_it(project: Path, cli) -> None:
    result = render(
        cli,
        "-r",
        "customers.csv",
        "-t",
        "herinnering",
        "--stream",
        "all.mbox",
        "--manifest",
        "m.jsonl",
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.endswith("2 letters written to all.mbox, 0 rejected; manifest: m.jsonl\n")
    assert sorted(p.name for p in project.iterdir() if p.name.endswith(("mbox", "jsonl"))) == [
        "all.mbox",
        "m.jsonl",
    ]
    data = (project / "all.mbox").read_bytes()
    assert data.startswith(b"From ineke.devries@dijkzicht.example ")
    assert b"\r" not in data  # an mbox has LF line ends
    entries = [json.loads(line) for line in (project / "m.jsonl").read_text("utf-8").splitlines()]
    assert [(e["record"], e["status"], e["index"]) for e in entries] == [
        ("K1", "rendered", 1),
        ("K2", "rendered", 2),
    ]
    assert list(entries[0])[:5] == ["record", "status", "index", "offset", "length"]
    assert "path" not in entries[0]
    for entry in entries:
        piece = data[entry["offset"] : entry["offset"] + entry["length"]]
        assert piece.startswith(b"From ") and piece.endswith(b"\n\n")
        msg = BytesParser(policy=policy.default).parsebytes(piece.split(b"\n", 1)[1])
        assert msg["To"].addresses[0].username in ("jan", "ayse")
    import mailbox

    box = mailbox.mbox(project / "all.mbox")
    assert [m["Subject"] for m in box] == ["Herinnering K1", "Je huur K2"]


def test_stream_to_stdout_separates_letters_with_a_form_feed(project: Path, cli) -> None:
    result = render(cli, "-r", "customers.csv", "-t", "aanmaning", "--stream", "-")

    assert result.exit_code == 0, result.stderr
    letters = result.stdout.split("\f")
    assert len(letters) == 2
    assert letters[0].startswith("Jan de Vries\nBetreft: aanmaning van 22 november 2026\n")
    assert letters[1].startswith("Ayşe Özdemir\n")
    assert result.stderr.endswith("2 letters written to standard output, 0 rejected; no manifest\n")


def test_mbox_quotes_body_lines_that_start_with_from(project: Path, cli) -> None:
    (project / "templates" / "van.j2").write_text(
        "---\nsubject: Van ons\nchannel: email\n---\nBeste {{ customer.name }},\n\n"
        "From now on, pay on time.\n>From the archive.\n\nMet vriendelijke groet,\n"
        "{{ signer.name }}, {{ signer.phone }}\n",
        encoding="utf-8",
    )

    result = render(cli, "-r", "customers.csv", "-t", "van", "--stream", "-", "--no-check")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum(line.startswith("From ") for line in lines) == 2  # the separators only
    assert ">From now on, pay on time." in lines
    assert ">>From the archive." in lines


def test_refused_stream_writes_no_file(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026",
        "K1;noord;Klaas;klaas@example.nl;10;01-11-2026",
    )

    result = render(
        cli, "-r", "c.csv", "-t", "herinnering", "--stream", "out/all.mbox", "--manifest", "m.jsonl"
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: c.csv:3: record 'K1': field 'id': duplicate id (first seen on line 2)\n"
        "1 invalid record; nothing was written (use --skip-invalid to render the valid ones)\n"
    )
    assert not (project / "m.jsonl").exists()
    assert list((project / "out").iterdir()) == []


def test_stdout_prints_nothing_when_a_record_is_invalid(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026",
        "K2;noord;Piet;;10;01-11-2026",
        "K3;centrum;Mia;mia@example.nl;10;01-11-2026",
    )

    result = render(cli, "-r", "c.csv", "-t", "herinnering", "--stream", "-")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: c.csv:3: record 'K2': field 'email': required for an e-mail template\n"
        "c.csv:4: record 'K3': field 'region': unknown region 'centrum' (known: noord, zuid)\n"
        "2 invalid records; nothing was written (use --skip-invalid to render the valid ones)\n"
    )


def test_stdout_says_what_was_printed_when_rendering_fails(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026;",
        "K5;noord;Sean;s@example.ie;10;;en",
        "K6;noord;Mia;mia@example.nl;10;01-11-2026;",
        header=HEADER + ";language",
    )

    result = render(cli, "-r", "c.csv", "-t", "herinnering", "--stream", "-")

    assert result.exit_code == 2
    assert result.stdout.count("\nFrom ") + result.stdout.startswith("From ") == 1
    assert "To: Jan <jan@example.nl>" in result.stdout
    assert result.stderr == (
        "Error: c.csv:3: record 'K5': cannot render templates/herinnering.en.j2:8: "
        "the record has no field 'due_date'\n"
        "1 invalid record; the 1 letter before the first one went to standard output, the rest "
        "did not (use --skip-invalid to render the valid ones, or --stream FILE to write all or "
        "nothing)\n"
    )


def test_a_stream_holds_one_kind_of_letter(project: Path, cli) -> None:
    write_csv(
        project / "c.csv",
        "K1;noord;Jan;jan@example.nl;10;01-11-2026;herinnering",
        "K2;noord;Piet;piet@example.nl;20;01-11-2026;aanmaning",
        header=HEADER + ";template",
    )

    result = render(
        cli, "-r", "c.csv", "--stream", "all.mbox", "--manifest", "m.jsonl", "--skip-invalid"
    )

    assert result.exit_code == 1
    entries = [json.loads(line) for line in (project / "m.jsonl").read_text("utf-8").splitlines()]
    assert entries[1] == {
        "record": "K2",
        "status": "rejected",
        "line": 3,
        "region": "noord",
        "reason": "record 'K2': field 'template': this template makes letters, and this "
        "stream already holds e-mails (write e-mails and letters to separate streams)",
    }


def test_output_options_are_checked(project: Path, cli) -> None:
    def error(*args: str) -> str:
        result = render(cli, "-r", "customers.csv", "-t", "aanmaning", *args)
        assert result.exit_code == 2
        return result.stderr

    assert error() == (
        "Error: pass --out DIR (a file per letter) or --stream FILE (every letter in one file)\n"
    )
    assert error("--out", "o", "--stream", "s.txt").startswith("Error: pass --out DIR")
    assert error("--out", "-") == (
        "Error: --out: use --stream - to write every letter to standard output\n"
    )
    assert error("--out", "o", "--manifest", "m.jsonl") == (
        "Error: --manifest is for --stream; --out writes manifest.jsonl in the folder\n"
    )
    assert error("--stream", "-", "--manifest", "-") == (
        "Error: --manifest: give a file (standard output is for the letters)\n"
    )
    assert error("--out", "o", "--jobs", "-1") == (
        "Error: --jobs: -1 is not a number of processes (0: all cores)\n"
    )
    assert not (project / "o").exists()


def test_new_folder_and_stream_file_get_the_usual_permissions(project: Path, cli) -> None:
    import os
    import stat

    umask = os.umask(0o022)
    try:
        render(cli, "-r", "customers.csv", "-t", "aanmaning", "--out", "out")
        render(cli, "-r", "customers.csv", "-t", "aanmaning", "--stream", "all.txt")
    finally:
        os.umask(umask)

    assert stat.S_IMODE((project / "out").stat().st_mode) == 0o755
    assert stat.S_IMODE((project / "out" / "K1-aanmaning.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((project / "all.txt").stat().st_mode) == 0o644


def many_records(path: Path, count: int) -> Path:
    rows = [
        f"K{i:05d};{'noord' if i % 3 else 'zuid'};Klant {i};k{i}@example.nl;{i % 900 + 10},50;"
        f"01-11-2026"
        for i in range(count)
    ]
    return write_csv(path, *rows)


def test_jobs_render_the_same_letters_in_record_order(project: Path, cli) -> None:
    from brief.batch import POOL_AFTER

    many_records(project / "many.csv", POOL_AFTER + 300)

    for jobs in ("1", "2"):
        result = render(cli, "-r", "many.csv", "-t", "aanmaning", "--out", f"out{jobs}", "-j", jobs)
        assert result.exit_code == 0, result.stderr

    one, two = manifest(project / "out1"), manifest(project / "out2")
    assert one == two
    assert [e["record"] for e in two] == [f"K{i:05d}" for i in range(POOL_AFTER + 300)]
    for entry in two:
        name = entry["path"]
        assert (project / "out1" / name).read_bytes() == (project / "out2" / name).read_bytes()


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "existing folder"])
def test_workers_letters_go_when_a_late_record_refuses_the_batch(
    project: Path, cli, existing: bool
) -> None:
    """With --jobs the workers write the letters into the staging folder themselves; a bad
    record after them still refuses the whole batch, and none of them is left behind."""
    from brief.batch import POOL_AFTER

    path = many_records(project / "many.csv", POOL_AFTER + 300)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("K99999;noord;Laatste;l@example.nl;12,3x;01-11-2026\n")
    if existing:
        (project / "out").mkdir()
    before = sorted(p.name for p in project.iterdir())

    result = render(cli, "-r", "many.csv", "-t", "aanmaning", "--out", "out", "-j", "2")

    assert result.exit_code == 2
    assert "K99999" in result.stderr and "'amount'" in result.stderr
    assert sorted(p.name for p in project.iterdir()) == before  # no staging folder beside it
    if existing:
        assert list((project / "out").iterdir()) == []  # nor inside it


def test_rendered_emails_parse_back_to_the_letter(demo: Path, cli) -> None:
    """The e-mails are written by brief.mime, not by email.message: parsed back with the
    default and the strict policy, each holds exactly its letter's headers and parts."""
    from brief.batch import BatchOptions, Renderer
    from brief.project import Project
    from brief.records import read_records
    from brief.render import render_letter

    result = cli(
        "render", "-r", "examples/customers.csv", "-t", "betalingsherinnering", "-o", "out"
    )
    assert result.exit_code == 0, result.stderr

    project = Project.discover(demo)
    options = BatchOptions(records=demo, out=demo, template="betalingsherinnering")
    renderer = Renderer(project, options)
    for record in read_records(demo / "examples" / "customers.csv"):
        assert not isinstance(record, Exception)
        profile, spec, signer, _ = renderer.prepare(record)
        if spec.channel == "letter":  # K1004 asked for post
            continue
        letter = render_letter(
            record, spec, profile, project.roster, today=options.today, signer=signer
        )
        written = (demo / "out" / f"{record.id}-betalingsherinnering.eml").read_bytes()
        for chosen in (policy.default, policy.strict):
            msg = BytesParser(policy=chosen).parsebytes(written)
            assert [k for k in msg if k not in ("Date", "Message-ID")] == [
                "From", "To", "Reply-To", "Subject", "MIME-Version", "Content-Type"
            ]  # fmt: skip
            (to,) = msg["To"].addresses
            assert (to.display_name, to.addr_spec) == (record.get("name"), record.get("email"))
            (sender,) = msg["From"].addresses
            assert (sender.display_name, sender.addr_spec) == (signer.name, signer.email)
            assert str(msg["Subject"]) == letter.subject
            text, html = (p for p in msg.walk() if not p.is_multipart())
            assert text.get_content().replace("\r\n", "\n") == letter.text
            assert html.get_content().replace("\r\n", "\n") == letter.html
            assert all(not p.defects for p in msg.walk()), record.id


def test_a_language_that_is_not_text_is_refused(project: Path, cli) -> None:
    row = {"region": "noord", "name": "Jan", "email": "j@example.nl", "amount": 1}
    (project / "c.json").write_text(
        json.dumps([{"id": "1", **row, "language": ["en"]}, {"id": "2", **row}]), "utf-8"
    )

    result = render(cli, "-r", "c.json", "-t", "aanmaning", "-o", "out", "--skip-invalid")

    assert result.exit_code == 1
    assert manifest(project / "out")[0]["reason"] == (
        "record '1': field 'language': unknown language ['en'] (known: nl, en)"
    )


def _summary(stderr: str) -> tuple[list[tuple[str, int, int]], tuple[int, int]]:
    """The summary table's rows (region, rendered, rejected) and its footer."""
    rows = []
    for line in stderr.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 4 and cells[1].isdigit():
            rows.append((cells[0], int(cells[1]), int(cells[2])))
    *body, (name, rendered, rejected) = rows
    assert name == "total"
    return body, (rendered, rejected)


def test_summary_rows_add_up_to_the_totals(project: Path, cli) -> None:
    (project / "c.csv").write_text(
        "id;region;name;email;amount;due_date\n"
        "K1;noord;Jan de Vries;jan@example.nl;1.234,56;01-11-2026\n"
        "K2;zuid;Ayşe Özdemir;ayse@example.nl;99,5;15-11-2026\n"
        "K3;;Piet Jansen;piet@example.nl;12,00;15-11-2026\n"
        "K4;west;Kees Bakker;kees@example.nl;12,00;15-11-2026\n"
        "K1;noord;Jan de Vries;jan@example.nl;1.234,56;01-11-2026\n"
        "K5;noord;Anna Smit;anna@example.nl;twaalf;15-11-2026\n",
        "utf-8",
    )

    result = render(
        cli, "--records", "c.csv", "--template", "herinnering", "--out", "out", "--skip-invalid"
    )

    assert result.exit_code == 1, result.stderr
    rows, totals = _summary(result.stderr)
    # K3 has no region; K5 is invalid, rejected as it is read: neither has a region row
    assert rows == [("noord", 1, 1), ("west", 0, 1), ("zuid", 1, 0), ("(no region)", 0, 2)]
    assert totals == (2, 4)
    assert (sum(r[1] for r in rows), sum(r[2] for r in rows)) == totals
    assert "2 letters written to out, 4 rejected" in result.stderr


def test_summary_counts_refused_letters_in_their_rows_and_total(project: Path, cli) -> None:
    anonymous_template(project)

    result = render(cli, "--records", "customers.csv", "--template", "anoniem", "--out", "out")

    assert result.exit_code == 1
    rows, totals = _summary(result.stderr)
    assert rows == [("noord", 0, 1), ("zuid", 0, 1)]
    assert totals == (0, 2)
    assert (sum(r[1] for r in rows), sum(r[2] for r in rows)) == totals
    assert "0 letters written to out, 2 rejected" in result.stderr
