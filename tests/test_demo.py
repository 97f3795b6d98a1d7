"""The demo project renders, every letter signed by a real person with a direct number."""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pdfplumber
import pytest
import yaml

from conftest import REPO, run_brief

TEMPLATES = ["betalingsherinnering", "14-dagenbrief", "betalingsregeling", "bedankt"]


def staff(demo: Path) -> dict[str, dict]:
    data = yaml.safe_load((demo / "examples" / "staff.yaml").read_text("utf-8"))
    return {person["name"]: person for person in data["staff"]}


def letter_text(path: Path) -> str:
    if path.suffix == ".pdf":
        with pdfplumber.open(path) as pdf:
            return "\n".join(page.extract_text() for page in pdf.pages)
    if path.suffix == ".eml":
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = msg.get_body(("plain",))
        assert body is not None
        return body.get_content()
    return path.read_text("utf-8")


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_demo_letter_names_its_real_signer_and_number(
    reminded: Path, cli, template: str
) -> None:
    demo = reminded
    result = cli(
        "render", "--records", "examples/customers.csv", "--template", template, "--out", "out"
    )

    assert result.exit_code == 0, result.stderr
    entries = [
        json.loads(x) for x in (demo / "out" / "manifest.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(entries) == 20
    assert {e["status"] for e in entries} == {"rendered"}
    people = staff(demo)
    for entry in entries:
        text = letter_text(demo / "out" / entry["path"])
        # everyone the closing names is on the roster (a team closing names them all), and
        # the reader can reach one of them directly
        named = [people[name] for name in entry["signers"]]
        assert named and entry["signer"] == ", ".join(entry["signers"]), entry
        assert any(p["phone"] in text and p["email"] in text for p in named), entry
        assert entry["template_file"].endswith(".b1.j2") == (entry["region"] == "zuid"), entry
        assert entry["template_file"].endswith(".en.j2") == (entry["language"] == "en"), entry


def test_signers_follow_rayon_and_own_contact(reminded: Path, cli) -> None:
    demo = reminded
    cli(
        "render",
        "--records",
        "examples/customers.csv",
        "--template",
        "14-dagenbrief",
        "--out",
        "out",
    )

    entries = [
        json.loads(x) for x in (demo / "out" / "manifest.jsonl").read_text("utf-8").splitlines()
    ]
    signers = {e["record"]: e["signer"] for e in entries}
    assert signers["K1001"] == "Ineke de Vries"  # noord
    assert signers["K1005"] == "Linda Jansen"  # noord, but Linda is their own contact
    assert signers["K1007"] == "Carina Bakker"  # oost
    assert signers["K1011"] == "Bianca Mulder"  # zuid
    assert signers["K1017"] == "Linda Jansen"  # west


def test_readme_quick_start_command(demo: Path) -> None:
    """The README's first command, as a real subprocess of the installed ``brief``."""
    result = run_brief(
        "render",
        "--records",
        "examples/customers.csv",
        "--out",
        "out",
        "--template",
        "betalingsherinnering",
        cwd=demo,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(
        "20 letters written to out, 0 rejected; manifest: out/manifest.jsonl\n"
    )
    assert len(list((demo / "out").glob("*.eml"))) == 19
    assert [p.name for p in (demo / "out").glob("*.pdf")] == ["K1004-betalingsherinnering.pdf"]
    readme = (REPO / "README.md").read_text("utf-8")
    summary = readme.split("and prints a summary per region:\n\n```\n", 1)[1].split("```")[0]
    assert result.stderr == summary  # the README shows the output as it is


def test_readme_send_example_is_a_dry_run_with_the_post_listed(demo: Path) -> None:
    """The README's ``brief send`` example on the demo: the reminder's letter versions
    (``.post.j2``, also the plain-language ``.b1.post.j2``) are its post, not a refusal."""
    readme = (REPO / "README.md").read_text("utf-8")
    command = "brief send --records examples/customers.csv --template betalingsherinnering "
    assert command in readme
    result = run_brief(
        *command.split()[1:], "--campaign", "herinnering-2026-11", "--date", "2026-11-06", cwd=demo
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(
        "Skipped: K1017: on the do-not-send list (examples/do-not-send.txt:3)\n"
        "Skipped: K1020: on the do-not-send list (examples/do-not-send.txt:4)\n"
        "By post: K1004: wants post: its letter is printed with brief render, not e-mailed\n"
        "17 e-mails to send via smtp.dijkzicht.example:587 (STARTTLS) from the signers' own "
        "addresses, 2 skipped, 1 by post.\n"
        "Dry run: nothing was sent. Add --send to send.\n"
    )
    assert not (demo / "brief.sqlite").exists()  # a dry run journals nothing
