"""Preferences in customer records: channel, address, language, contact, large_print, notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brief.errors import RecordError
from brief.records import Record, read_records

from conftest import run_brief

HEADER = "id;region;name;email;amount;channel;address;large_print;notes\n"


def items(tmp_path: Path, text: str, name: str = "c.csv") -> list[Record | RecordError]:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return list(read_records(path))


def test_preferences_are_typed(tmp_path: Path) -> None:
    (first, second) = items(
        tmp_path,
        HEADER + "K1;noord;Jan;jan@example.nl;10,00;EMAIL;JE;ja;belt liever na 17:00\n"
        "K2;noord;Ayşe;;10,00;post;u;0;\n",
    )
    assert isinstance(first, Record) and isinstance(second, Record)
    assert {k: first.fields[k] for k in ("channel", "address", "large_print", "notes")} == {
        "channel": "email",
        "address": "je",
        "large_print": True,
        "notes": "belt liever na 17:00",
    }
    assert (second.fields["channel"], second.fields["large_print"]) == ("post", False)
    assert "notes" not in second.fields


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "K1;noord;Jan;;10,00;email;;;",
            "record 'K1': field 'channel': email wanted, but the record has no 'email' address",
        ),
        (
            "K1;noord;Jan;j@x.nl;10,00;fax;;;",
            "record 'K1': field 'channel': 'fax' is not email or post",
        ),
        ("K1;noord;Jan;j@x.nl;10,00;;jij;;", "record 'K1': field 'address': 'jij' is not u or je"),
        (
            "K1;noord;Jan;j@x.nl;10,00;;;misschien;",
            "record 'K1': field 'large_print': 'misschien' is not yes or no "
            "(write true/false, ja/nee or 1/0)",
        ),
    ],
)
def test_a_preference_that_does_not_hold_is_a_rejection(
    tmp_path: Path, row: str, message: str
) -> None:
    (item,) = items(tmp_path, HEADER + row + "\n")
    assert isinstance(item, RecordError)
    assert str(item) == f"{tmp_path / 'c.csv'}:2: {message}"


def test_preferences_in_json_and_yaml(tmp_path: Path) -> None:
    (good, bad, wrong_kind) = items(
        tmp_path,
        '[{"id": "K1", "region": "noord", "name": "Jan", "channel": "post", '
        '"large_print": true},\n'
        ' {"id": "K2", "region": "noord", "name": "Ayşe", "channel": "email"},\n'
        ' {"id": "K3", "region": "noord", "name": "Kees", "address": 1}]\n',
        "c.json",
    )
    assert isinstance(good, Record) and good.fields["large_print"] is True
    assert str(bad) == (
        f"{tmp_path / 'c.json'}:2: record 'K2': field 'channel': email wanted, but the record "
        "has no 'email' address"
    )
    assert str(wrong_kind) == (
        f"{tmp_path / 'c.json'}:3: record 'K3': field 'address': must be text, not a number"
    )
    (flag,) = items(
        tmp_path, "- {id: K1, region: noord, name: Jan, large_print: 'nee'}\n", "c.yaml"
    )
    assert isinstance(flag, Record) and flag.fields["large_print"] is False


# -- through the installed brief -------------------------------------------------------


def test_the_batch_refuses_a_contradicting_preference(project: Path) -> None:
    (project / "customers.csv").write_text(
        "id;region;name;email;amount;due_date;channel\n"
        "K1;noord;Jan de Vries;jan@example.nl;1.234,56;01-11-2026;email\n"
        "K2;zuid;Ayşe Özdemir;;99,5;15-11-2026;email\n",
        "utf-8",
    )

    result = run_brief(
        "render", "-r", "customers.csv", "-t", "aanmaning", "-o", "out", "--text", cwd=project
    )

    assert result.returncode == 2
    assert result.stderr == (
        "Error: customers.csv:3: record 'K2': field 'channel': email wanted, but the record has "
        "no 'email' address\n"
        "1 invalid record; nothing was written (use --skip-invalid to render the valid ones)\n"
    )
    assert not (project / "out").exists()


def test_address_notes_and_large_print_reach_the_template(project: Path) -> None:
    (project / "templates" / "aanmaning.j2").write_text(
        "---\nsubject: A\n---\n"
        "{{ 'Geachte' if formal else 'Beste' }} {{ customer.name }},\n"
        "{{ '(grote letter)' if customer.large_print else '(gewone letter)' }}\n"
        "Notitie: {{ customer.notes | default('-') }}\n"
        "Met vriendelijke groet,\n{{ signer.name }}, {{ signer.phone }}\n",
        "utf-8",
    )
    (project / "customers.csv").write_text(
        "id;region;name;amount;address;large_print;notes\n"
        "K1;noord;Jan de Vries;10,00;je;ja;belt liever na 17:00\n"
        "K2;noord;Ayşe Özdemir;10,00;;;\n",
        "utf-8",
    )

    result = run_brief(
        "render",
        "-r",
        "customers.csv",
        "-t",
        "aanmaning",
        "-o",
        "out",
        "--no-check",
        "--text",
        cwd=project,
    )

    assert result.returncode == 0, result.stderr
    first = (project / "out" / "K1-aanmaning.txt").read_text("utf-8")
    assert first.startswith("Beste Jan de Vries,\n(grote letter)\nNotitie: belt liever na 17:00\n")
    second = (project / "out" / "K2-aanmaning.txt").read_text("utf-8")
    assert second.startswith("Geachte Ayşe Özdemir,\n(gewone letter)\nNotitie: -\n")
    manifest = [json.loads(line) for line in (project / "out" / "manifest.jsonl").open()]
    assert [e["status"] for e in manifest] == ["rendered", "rendered"]
