"""The batch guarantees under hostile input and faults, through the installed ``brief``.

Every case asserts the exit code, the one line that says what was wrong (file, line,
record, field), that no traceback was printed, and that nothing was lost: the letters on
disk are the manifest's, and the messages the SMTP server received are the journal's
``sent``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from test_mail import Handler, smtp_server
from test_send import configure

from conftest import BRIEF, run_brief

HEADER = "id;region;name;email;amount;due_date\n"
BCC = "=?utf-8?q?Anna=0D=0ABcc=3A_evil=40attacker=2Eexample?="
SECOND_TO = "=?utf-8?q?Bob=2C_evil=40attacker=2Eexample?="
MESSAGE_HEADERS = ["From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version"]


def write_records(project: Path, rows: list[str], name: str = "c.csv") -> Path:
    path = project / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), "utf-8")
    return path


def brief(project: Path, *args: str, env: dict[str, str] | None = None):
    result = run_brief(*args, cwd=project, env={"COLUMNS": "200", **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def manifest(folder: Path) -> list[dict]:
    return [
        json.loads(line) for line in (folder / "manifest.jsonl").read_text("utf-8").splitlines()
    ]


def assert_folder_is_the_batch(folder: Path) -> list[dict]:
    """The folder holds exactly the manifest's letters, each once, and nothing else."""
    entries = manifest(folder)
    paths = [e["path"] for e in entries if e["status"] == "rendered"]
    assert len(paths) == len(set(paths)) == len({p.lower() for p in paths})
    on_disk = sorted(p.name for p in folder.iterdir() if p.name != "manifest.jsonl")
    assert on_disk == sorted(paths)
    return entries


def parse_both(data: bytes) -> Iterator:
    for chosen in (policy.default, policy.strict):
        msg = BytesParser(policy=chosen).parsebytes(data)
        assert all(not part.defects for part in msg.walk())
        yield msg


def assert_literal_headers(data: bytes, name: str, email: str, subject: str | None = None) -> None:
    """Exactly brief's headers, one To (the record's), the name as literal text, folded."""
    head = data.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        # 78, unless one word of the name has no space to fold at (one long encoded word)
        assert len(line) <= (78 if max(map(len, name.split())) < 20 else 998), line
    raw_to = BytesParser(policy=policy.compat32).parsebytes(data)["To"]
    if raw_to.startswith("=?"):  # encoded words: what an RFC 2047 decoder shows
        assert str(make_header(decode_header(raw_to))).rsplit(" <", 1) == [name, email + ">"]
    for msg in parse_both(data):
        keys = [k for k in msg if k not in ("Content-Type", "Content-Transfer-Encoding")]
        assert keys == MESSAGE_HEADERS
        (to,) = msg["To"].addresses
        assert to.addr_spec == email
        # Python's address parser keeps the space between two encoded words, which RFC 2047
        # (and the decoder above) drops: brief splits a long name only after a space.
        assert to.display_name.split() == name.split()
        if len(name) < 40:
            assert to.display_name == name
        assert msg.get_all("Bcc") is None and msg.get_all("Cc") is None
        if subject is not None:
            assert str(msg["Subject"]) == subject


# --- 1. headers from data are data ----------------------------------------------------------

NAMES = [
    BCC,
    SECOND_TO,
    "Bob, evil@attacker.example",
    'Anna "de" \\Vries',
    "=?utf-8?b?QmNjOiBldmlsQGF0dGFja2VyLmV4YW1wbGU=?= Ayşe",
    "Ĳsselstein " * 40,
]


def test_names_that_look_like_encoded_words_stay_text(project: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(HEADER.strip().split(";"))
    for n, name in enumerate(NAMES, 1):
        writer.writerow([f"K{n}", "noord", name.strip(), f"k{n}@example.nl", "10,00", "01-11-2026"])
    (project / "c.csv").write_text(buffer.getvalue(), "utf-8")

    result = brief(project, "render", "-r", "c.csv", "-t", "herinnering", "-o", "out")

    assert result.returncode == 0, result.stderr
    entries = assert_folder_is_the_batch(project / "out")
    assert [e["status"] for e in entries] == ["rendered"] * len(NAMES)
    for n, name in enumerate(NAMES, 1):
        data = (project / "out" / f"K{n}-herinnering.eml").read_bytes()
        assert_literal_headers(data, name.strip(), f"k{n}@example.nl", f"Herinnering K{n}")


def test_a_name_in_the_subject_stays_text(project: Path) -> None:
    template = (project / "templates" / "herinnering.j2").read_text("utf-8")
    (project / "templates" / "herinnering.j2").write_text(
        template.replace(
            "subject: Herinnering {{ customer.id }}", "subject: Voor {{ customer.name }}"
        ),
        "utf-8",
    )
    write_records(project, [f"K1;noord;{BCC};k1@example.nl;10,00;01-11-2026"])

    result = brief(project, "render", "-r", "c.csv", "-t", "herinnering", "-o", "out")

    assert result.returncode == 0, result.stderr
    data = (project / "out" / "K1-herinnering.eml").read_bytes()
    assert_literal_headers(data, BCC, "k1@example.nl", f"Voor {BCC}")


def test_unrepresentable_headers_reject_the_record_not_the_batch(project: Path) -> None:
    write_records(
        project,
        [
            "K1;noord;Jan;jan@example.nl;10,00;01-11-2026",
            "K2;noord;ännä;ännä@example.nl;10,00;01-11-2026",
            f"K3;noord;{'x' * 10_000};k3@example.nl;10,00;01-11-2026",
        ],
    )

    refused = brief(project, "render", "-r", "c.csv", "-t", "herinnering", "-o", "out")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "Error: c.csv:3: record 'K2': field 'email': 'ännä@example.nl': addresses with "
        "non-ASCII characters cannot be sent yet",
        "c.csv:4: record 'K3': field 'name': the name has 10000 characters, too long "
        "for an e-mail header (at most 500)",
        "2 invalid records; nothing was written (use --skip-invalid to render the valid ones)",
    ]
    assert not (project / "out").exists()

    result = brief(
        project, "render", "-r", "c.csv", "-t", "herinnering", "-o", "out", "--skip-invalid"
    )
    assert result.returncode == 1
    entries = assert_folder_is_the_batch(project / "out")
    assert [(e["record"], e["status"]) for e in entries] == [
        ("K1", "rendered"),
        ("K2", "rejected"),
        ("K3", "rejected"),
    ]


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
def server(handler: Handler, project: Path) -> Iterator[Controller]:
    with smtp_server(handler) as running:
        configure(project, running.port)
        yield running


def journal_sent(project: Path) -> dict[str, str]:
    db = sqlite3.connect(project / "brief.sqlite")
    try:
        return dict(
            db.execute(
                "SELECT record, recipient FROM messages WHERE kind = 'send' AND status = 'sent'"
            ).fetchall()
        )
    finally:
        db.close()


def test_the_server_receives_exactly_the_records_recipient(
    project: Path, server: Controller, handler: Handler
) -> None:
    write_records(
        project,
        [
            f"K1;noord;{BCC};anna@example.nl;10,00;01-11-2026",
            f"K2;noord;{SECOND_TO};bob@example.nl;10,00;01-11-2026",
            "K3;noord;ännä;ännä@example.nl;10,00;01-11-2026",
        ],
    )
    send = ("send", "-r", "c.csv", "-t", "herinnering", "-c", "nov", "--send", "--yes")

    result = brief(project, *send, "--skip-invalid")

    assert result.returncode == 1, result.stderr
    assert "c.csv:4: record 'K3': field 'email': 'ännä@example.nl': addresses with non-ASCII" in (
        result.stdout + result.stderr
    )
    received = {m.recipients[0]: m for m in handler.messages}
    assert [m.recipients for m in handler.messages] == [["anna@example.nl"], ["bob@example.nl"]]
    assert journal_sent(project) == {"K1": "anna@example.nl", "K2": "bob@example.nl"}
    assert_literal_headers(received["anna@example.nl"].data, BCC, "anna@example.nl")
    assert_literal_headers(received["bob@example.nl"].data, SECOND_TO, "bob@example.nl")


# --- 2. unique file names -------------------------------------------------------------------


def test_file_names_are_unique_by_construction(project: Path) -> None:
    (project / "templates" / "14-dagenbrief.j2").write_text("Brief {{ customer.id }}\n", "utf-8")
    (project / "templates" / "dagenbrief.j2").write_text("Brief {{ customer.id }}\n", "utf-8")
    (project / "c.csv").write_text(
        "id;region;name;template\n"
        "Z9;noord;Jan;14-dagenbrief\n"
        "Z9-14;noord;Piet;dagenbrief\n"
        "k1;noord;Kees;dagenbrief\n"
        "K1;noord;Klaas;dagenbrief\n"
        "CON;noord;Con;dagenbrief\n",
        "utf-8",
    )

    result = brief(project, "render", "-r", "c.csv", "-o", "out", "--no-check", "--text")

    assert result.returncode == 0, result.stderr
    entries = assert_folder_is_the_batch(project / "out")
    assert [e["path"] for e in entries] == [
        "Z9-14-dagenbrief.txt",
        "Z9_14~fb17215700825a8f-dagenbrief.txt",
        "k1~6ab9f1eb8f7d3388-dagenbrief.txt",
        "K1-dagenbrief.txt",
        "CON~a3dbc4b644a9a2c5-dagenbrief.txt",
    ]
    for entry in entries:
        text = (project / "out" / entry["path"]).read_text("utf-8")
        assert text == f"Brief {entry['record']}\n"


def test_a_taken_name_is_refused_never_overwritten(tmp_path: Path) -> None:
    from brief import outbox
    from brief.batch import _Folder

    folder = _Folder(tmp_path / "out", tmp_path / "c.csv")
    try:
        folder.staging.write("K1-x.txt", b"first")
        with pytest.raises(outbox.NameTaken):
            folder.staging.write("K1-x.txt", b"second")
        assert (folder.staging.folder / "K1-x.txt").read_bytes() == b"first"
        assert folder.taken("K1-x.txt", 2) is None
        assert (
            folder.taken("k1-X.txt", 5) == "file name 'k1-X.txt' is taken by the letter of line 2"
        )
    finally:
        folder.close()
    assert not (tmp_path / "out").exists()


# --- 3. the output folder is the batch --------------------------------------------------------


def many(project: Path, count: int, name: str = "c.csv", start: int = 1) -> Path:
    rows = [
        f"R{n};noord;Klant {n};r{n}@example.nl;10,00;01-11-2026"
        for n in range(start, start + count)
    ]
    return write_records(project, rows, name)


def test_a_new_batch_replaces_the_earlier_one_as_a_whole(project: Path) -> None:
    many(project, 20)
    first = brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text")
    assert first.returncode == 0, first.stderr
    assert len(assert_folder_is_the_batch(project / "out")) == 20

    many(project, 5, start=101)
    again = brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text")

    assert again.returncode == 0, again.stderr
    entries = assert_folder_is_the_batch(project / "out")
    assert [e["record"] for e in entries] == ["R101", "R102", "R103", "R104", "R105"]
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_a_refused_batch_leaves_the_earlier_one(project: Path) -> None:
    many(project, 3)
    assert (
        brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text").returncode
        == 0
    )
    before = {p.name: p.read_bytes() for p in (project / "out").iterdir()}
    write_records(project, ["R9;nergens;Jan;j@example.nl;10,00;01-11-2026"])

    result = brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text")

    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "Error: c.csv:2: record 'R9': field 'region': unknown region 'nergens' (known: noord, zuid)"
    )
    assert {p.name: p.read_bytes() for p in (project / "out").iterdir()} == before


@pytest.mark.parametrize("stranger", ["notes.txt", "R1-aanmaning.txt", ".hidden"])
def test_a_folder_with_other_files_is_refused_and_kept(project: Path, stranger: str) -> None:
    many(project, 3)
    assert (
        brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text").returncode
        == 0
    )
    if stranger == "R1-aanmaning.txt":  # a letter the manifest does not list
        lines = (project / "out" / "manifest.jsonl").read_text("utf-8").splitlines()
        (project / "out" / "manifest.jsonl").write_text("\n".join(lines[1:]) + "\n", "utf-8")
    else:
        (project / "out" / stranger).write_text("mine\n", "utf-8")
    before = {p.name: p.read_bytes() for p in (project / "out").iterdir()}

    result = brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text")

    assert result.returncode == 2
    assert result.stderr == (
        "Error: out: holds files that are not an earlier batch of brief (its manifest.jsonl "
        "and the letters it lists); brief replaces only such a batch: give a new or empty "
        "folder\n"
    )
    assert {p.name: p.read_bytes() for p in (project / "out").iterdir()} == before


# --- 4. crashes and full disks leave nothing behind -------------------------------------------


def letters_in(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.name != "manifest.jsonl")


def test_kill_9_leaves_letters_that_the_next_run_removes(project: Path) -> None:
    many(project, 20_000)
    process = subprocess.Popen(
        [str(BRIEF), "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text", "-j", "1"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging: list[Path] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        staging = list(project.glob(f".out.brief-staging-{process.pid}-*"))
        if staging and letters_in(staging[0]) > 100:
            break
        time.sleep(0.01)
    process.kill()
    process.wait()
    assert staging, "the render ended before it could be killed"
    left = letters_in(staging[0])
    assert left > 100 and not (project / "out").exists()

    many(project, 2)
    result = brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", "out", "--text")

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"Warning: removed {left} letters that an interrupted run had left in a staging "
        "folder beside out"
    )
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []
    assert [e["record"] for e in assert_folder_is_the_batch(project / "out")] == ["R1", "R2"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs of the test's own, or skip where mounting is not allowed."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_is_one_line_and_leaves_nothing(
    project: Path, small_disk: Path, jobs: str
) -> None:
    many(project, 3000)
    out = small_disk / "out"

    result = brief(
        project, "render", "-r", "c.csv", "-t", "aanmaning", "-o", str(out), "--text", "-j", jobs
    )

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(
        rf"Error: {re.escape(str(out))}: cannot write( R\d+-aanmaning\.txt)?: No space left on "
        r"device; nothing was written",
        line,
    ), line
    assert list(small_disk.iterdir()) == []
    assert not (project / "brief.sqlite").exists()  # the journal has no letter that is not on disk


# --- 5. bounded work for hostile templates ----------------------------------------------------

HOSTILE = {
    "loop": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        2,
        "rendering took longer than 0.5 s (limits.render_seconds in brief.yaml; a loop "
        "without end?)",
    ),
    "output": (
        "{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxx{% endfor %}"
        "{% endfor %}",
        2,
        "the letter would be over 100,000 characters (100,006; limits.letter_size in brief.yaml)",
    ),
    "multiply": (
        "{{ 'x' * 10**9 }}",
        2,
        "the letter would be over 100,000 characters (1,000,000,000; limits.letter_size in "
        "brief.yaml)",
    ),
    "double": (
        "{% set s = namespace(t='xx') %}{% for i in range(64) %}{% set s.t = s.t + s.t %}"
        "{% endfor %}",
        2,
        "the letter would be over 100,000 characters (131,072; limits.letter_size in brief.yaml)",
    ),
    "pad": (
        "{{ 'x'.center(10**9) }}",
        2,
        "the letter would be over 100,000 characters (1,000,000,000; limits.letter_size in "
        "brief.yaml)",
    ),
    "power": ("{{ 10 ** (10 ** 10) }}", 2, "10 ** 10000000000 is too large a number"),
    "macro": (
        "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}\n{{ m(1) }}",
        2,  # the line where the macro calls itself
        "a macro or include calls itself without end (recursion too deep)",
    ),
    "include": (
        '{% include "include.j2" %}',
        2,
        "a macro or include calls itself without end (recursion too deep)",
    ),
}


def limited(project: Path) -> None:
    config = project / "brief.yaml"
    config.write_text(
        config.read_text("utf-8") + "limits:\n  render_seconds: 0.5\n  letter_size: 100000\n",
        "utf-8",
    )


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_template_is_bounded(project: Path, name: str) -> None:
    body, line, reason = HOSTILE[name]
    limited(project)
    (project / "templates" / f"{name}.j2").write_text(f"Hallo\n{body}\n", "utf-8")
    path = f"templates/{name}.j2"

    result = brief(
        project, "render", "-r", "customers.csv", "-t", name, "-o", "out", "--skip-invalid"
    )

    assert result.returncode == 1, result.stderr
    assert [e["reason"] for e in assert_folder_is_the_batch(project / "out")] == [
        f"record 'K1': cannot render {path}:{line}: {reason}",
        f"record 'K2': cannot render {path}:{line}: {reason}",
    ]

    linted = brief(project, "lint", path, "--format", "json")
    assert linted.returncode == 1, linted.stderr
    findings = json.loads(linted.stdout)["findings"]
    assert {(f["rule"], f["line"], f["message"]) for f in findings} == {
        ("render-limit", line, reason)
    }


def test_workers_are_bounded_too(project: Path) -> None:
    limited(project)
    loop = HOSTILE["loop"][0]
    (project / "templates" / "some.j2").write_text(
        f"Hallo\n{{% if customer.id == 'R300' %}}{loop}{{% endif %}}\n", "utf-8"
    )
    many(project, 400)

    result = brief(
        project,
        "render",
        "-r",
        "c.csv",
        "-t",
        "some",
        "-o",
        "out",
        "--text",
        "--skip-invalid",
        "-j",
        "2",
        "--no-check",
    )

    assert result.returncode == 1, result.stderr
    entries = assert_folder_is_the_batch(project / "out")
    assert [(e["record"], e["reason"]) for e in entries if e["status"] == "rejected"] == [
        ("R300", "record 'R300': cannot render templates/some.j2:2: " + HOSTILE["loop"][2])
    ]
    assert len(entries) == 400


def test_render_limit_is_explained(project: Path) -> None:
    result = brief(project, "lint", "--explain", "render-limit")

    assert result.returncode == 0
    assert "limits.render_seconds" in result.stdout and "range(100000)" in result.stdout


# --- 6. bounded input -----------------------------------------------------------------------

ROW = {"id": "K1", "region": "noord", "name": "Jan", "amount": "10,00"}
BOMB = (
    "- &a [x, x, x, x, x, x, x, x, x]\n"
    "- &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "- &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "- &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
)
INPUTS = {
    "deep.json": (
        "[" + json.dumps(ROW)[:-1] + ', "x": ' + "[" * 1000 + "]" * 1000 + "}]",
        "Error: deep.json:1: invalid JSON: a record nested more than 32 levels deep",
    ),
    "deep.jsonl": (
        json.dumps(ROW)[:-1] + ', "x": ' + "[" * 1000 + "]" * 1000 + "}\n",
        "Error: deep.jsonl:1: a record nested more than 32 levels deep",
    ),
    "deep.yaml": (
        "- " + "[" * 100_000 + "]" * 100_000 + "\n",
        "Error: deep.yaml:1: a record nested more than 32 levels deep",
    ),
    "bomb.yaml": (
        BOMB,
        "Error: bomb.yaml:1: YAML anchors (&a) are not allowed in a records file; write the "
        "values out",
    ),
    "merge.yaml": (
        "- id: K1\n  region: noord\n  name: Jan\n  <<: {amount: '10,00'}\n",
        "Error: merge.yaml:4: YAML merge keys (<<) are not allowed in a records file; write "
        "the fields out",
    ),
}


@pytest.mark.parametrize("name", list(INPUTS))
def test_hostile_records_files_are_one_line(project: Path, name: str) -> None:
    text, message = INPUTS[name]
    (project / name).write_text(text, "utf-8")

    result = brief(project, "render", "-r", name, "-t", "aanmaning", "-o", "out", "--text")

    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == message
    assert not (project / "out").exists()


def test_a_misread_encoding_names_the_option(project: Path) -> None:
    result = brief(
        project,
        "render",
        "-r",
        "customers.csv",
        "-t",
        "aanmaning",
        "-o",
        "out",
        "--encoding",
        "utf-16",
    )

    assert result.returncode == 2
    assert result.stderr == (
        "Error: customers.csv: cannot decode as utf-16 (UTF-16 stream does not start with BOM); "
        "check --encoding\n"
    )
    assert not (project / "out").exists()


def test_a_records_file_that_changes_while_read_is_refused(project: Path) -> None:
    path = many(project, 30_000)
    process = subprocess.Popen(
        [
            str(BRIEF),
            "render",
            "-r",
            "c.csv",
            "-t",
            "aanmaning",
            "-o",
            "out",
            "--text",
            "-j",
            "1",
            "--no-check",
        ],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until letters are being written: reading has begun
        staging = list(project.glob(".out.brief-staging-*"))
        if staging and sum(1 for _ in staging[0].iterdir()) > 100:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the render ended before the file could be changed"
    with path.open("a", encoding="utf-8") as handle:  # a row appended during the run
        handle.write("R99999;noord;Laat;laat@example.nl;10,00;01-11-2026\n")
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == (
        "Error: c.csv: changed while it was read (its size, modification time or inode "
        "differ); nothing was written: run again once nothing writes to it"
    )
    assert sorted(p.name for p in project.iterdir() if p.name.startswith((".", "out"))) == []


# --- 7. suppression lists add up --------------------------------------------------------------


def test_do_not_send_lists_add_up(project: Path, server: Controller, handler: Handler) -> None:
    many(project, 5)
    (project / "standing.txt").write_text("# under administration\nR1\n", "utf-8")
    (project / "bounced.txt").write_text("r2@example.nl\n", "utf-8")
    (project / "extra.txt").write_text("\nR3\n", "utf-8")
    config = project / "brief.yaml"
    config.write_text("do_not_send: standing.txt\n" + config.read_text("utf-8"), "utf-8")
    send = ("send", "-r", "c.csv", "-t", "herinnering", "-c", "nov", "--send", "--yes")

    result = brief(project, *send, "--do-not-send", "bounced.txt", "--do-not-send", "extra.txt")

    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    for line in (
        "Skipped: R1: on the do-not-send list (standing.txt:2)",
        "Skipped: R2: on the do-not-send list (bounced.txt:1)",
        "Skipped: R3: on the do-not-send list (extra.txt:2)",
    ):
        assert line in out.splitlines(), out
    assert [m.recipients for m in handler.messages] == [["r4@example.nl"], ["r5@example.nl"]]
    assert journal_sent(project) == {"R4": "r4@example.nl", "R5": "r5@example.nl"}


# --- 8. retries that match the docs -----------------------------------------------------------

SEND_NOV = ("send", "-r", "c.csv", "-t", "herinnering", "-c", "nov", "--send", "--yes")


def journal_row(project: Path, record: str) -> tuple | None:
    db = sqlite3.connect(project / "brief.sqlite", timeout=10)
    try:
        return db.execute(
            "SELECT status, recipient, reply FROM messages WHERE kind = 'send' AND record = ?",
            (record,),
        ).fetchone()
    finally:
        db.close()


def test_a_kill_during_the_back_off_is_retried_by_the_plain_rerun(
    project: Path, server: Controller, handler: Handler
) -> None:
    many(project, 1)
    configure(project, server.port, retries=3, backoff=600)
    handler.temporary["r1@example.nl"] = 1
    process = subprocess.Popen(
        [str(BRIEF), *SEND_NOV], cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    row = None
    while time.monotonic() < deadline and process.poll() is None:
        if (project / "brief.sqlite").exists():
            with contextlib.suppress(sqlite3.OperationalError):  # the tables are being made
                row = journal_row(project, "R1")
            if row is not None and row[2]:
                break  # the server said 451: brief waits 600 s before the next attempt
        time.sleep(0.02)
    process.kill()
    process.wait()
    assert row == ("queued", "r1@example.nl", "451 4.3.0 Try again later")
    assert handler.messages == []

    configure(project, server.port, retries=3, backoff=0)
    result = brief(project, *SEND_NOV)

    assert result.returncode == 0, result.stderr
    assert [m.recipients for m in handler.messages] == [["r1@example.nl"]]
    assert journal_sent(project) == {"R1": "r1@example.nl"}


def test_a_permanent_failure_is_retried_once_the_address_changed(
    project: Path, server: Controller, handler: Handler
) -> None:
    write_records(project, ["R1;noord;Jan;jan@oud.example;10,00;01-11-2026"])
    handler.permanent.add("jan@oud.example")

    first = brief(project, *SEND_NOV)
    assert first.returncode == 1
    assert journal_row(project, "R1")[:2] == ("failed-permanent", "jan@oud.example")

    same = brief(project, *SEND_NOV)
    assert same.returncode == 1  # the same address is not tried again
    assert handler.messages == []

    write_records(project, ["R1;noord;Jan;jan@nieuw.example;10,00;01-11-2026"])
    dry = brief(project, *SEND_NOV[:-2])
    assert dry.returncode == 0, dry.stdout
    assert "1 e-mail to send" in dry.stdout

    fixed = brief(project, *SEND_NOV)

    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert [m.recipients for m in handler.messages] == [["jan@nieuw.example"]]
    assert journal_sent(project) == {"R1": "jan@nieuw.example"}


def test_a_template_that_keeps_timing_out_is_not_rendered_again(project: Path) -> None:
    limited(project)
    (project / "templates" / "loop.j2").write_text(f"Hallo\n{HOSTILE['loop'][0]}\n", "utf-8")
    many(project, 6)

    result = brief(
        project, "render", "-r", "c.csv", "-t", "loop", "-o", "out", "--skip-invalid", "-j", "1"
    )

    assert result.returncode == 1, result.stderr
    reasons = [e["reason"] for e in assert_folder_is_the_batch(project / "out")]
    late = f"cannot render templates/loop.j2:2: {HOSTILE['loop'][2]}"
    again = (
        "not rendered: 3 letters of templates/loop.j2 went over the time limit in this run "
        "already (limits.render_seconds in brief.yaml)"
    )
    assert reasons == [f"record 'R{n}': {late}" for n in (1, 2, 3)] + [
        f"record 'R{n}': {again}" for n in (4, 5, 6)
    ]


def test_a_full_disk_under_a_stream_is_one_line_and_leaves_nothing(
    project: Path, small_disk: Path
) -> None:
    many(project, 3000)
    target = small_disk / "all.txt"

    result = brief(project, "render", "-r", "c.csv", "-t", "aanmaning", "--stream", str(target))

    assert result.returncode == 2
    assert result.stderr == (
        f"Error: {target}: cannot write: No space left on device; nothing was written\n"
    )
    assert list(small_disk.iterdir()) == []
