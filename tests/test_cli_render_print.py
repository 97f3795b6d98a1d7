"""``brief render --stream print.pdf``: one PDF for the print room, every letter on an odd
page, and the print manifest beside it; read back with pypdf and pdfplumber."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pdfplumber
import pypdf
import pytest
import typst

from conftest import run_brief

DATE = ("--date", "2026-11-22")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def page_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as document:
        return [page.extract_text() or "" for page in document.pages]


def body_sizes(path: Path, page: int) -> set[float]:
    """The font sizes of the salutation's line on ``page`` (1-based): the body's size."""
    with pdfplumber.open(path) as document:
        lines = document.pages[page - 1].extract_text_lines(return_chars=True)
        (line,) = [line for line in lines if line["text"].startswith(("Geachte", "Beste"))]
        return {round(c["size"], 1) for c in line["chars"]}


def write_records(demo: Path, lines: list[tuple[str, dict[str, str]]]) -> Path:
    """``run.csv``: the demo customers with these ids (``Z...``: a copy of K1001 with that
    id), each with the changes given (``template``, ``large_print``, ``street``, ...)."""
    with (demo / "examples" / "customers.csv").open(encoding="utf-8-sig", newline="") as handle:
        demo_rows = {row["id"]: row for row in csv.DictReader(handle, delimiter=";")}
    fields = [*demo_rows["K1001"], "template", "large_print"]
    path = demo / "run.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, delimiter=";")
        writer.writeheader()
        for record_id, changes in lines:
            row = dict(demo_rows.get(record_id, demo_rows["K1001"]), id=record_id)
            writer.writerow({**row, "template": "bedankt", **changes})
    return path


LONG_LETTER = """---
subject: Uitleg over uw huur
channel: letter
---
Geachte {{ customer.salutation }},

{% for i in range(1, 36) %}
Dit is punt {{ i }} van deze brief. Wij leggen het kort uit. Bel ons als u vragen heeft.

{% endfor %}
Met vriendelijke groet,

{{ signer.name }}
Telefoon: {{ signer.phone }}
"""


@pytest.fixture
def mixed(reminded: Path) -> Path:
    """Records for a print run of one- and two-page letters (bedankt: 1 page; uitleg, a
    long letter: 2), one in large print."""
    (reminded / "templates" / "uitleg.j2").write_text(LONG_LETTER, "utf-8")
    return write_records(
        reminded,
        [
            ("K1001", {}),
            ("K1002", {"template": "uitleg"}),
            ("K1005", {"large_print": "ja"}),
            ("K1008", {"template": "uitleg"}),
            ("K1007", {}),
        ],
    )


def test_a_print_run_starts_every_letter_on_an_odd_page(reminded: Path, mixed: Path, cli) -> None:
    result = cli("render", "-r", "run.csv", *DATE, "--stream", "print.pdf", "--no-journal")

    assert result.exit_code == 0, result.stderr
    assert " ".join(result.stderr.split()).endswith(  # the summary's last line, wrapped
        "5 letters written to print.pdf, 0 rejected; no manifest; "
        "print manifest: print.manifest.csv"
    )
    manifest = rows(reminded / "print.manifest.csv")
    assert [
        (r["record"], r["first_page"], r["pages"], r["blank_after"], r["template"])
        for r in manifest
    ] == [
        ("K1001", "1", "1", "yes", "bedankt"),
        ("K1002", "3", "2", "no", "uitleg"),
        ("K1005", "5", "1", "yes", "bedankt"),
        ("K1008", "7", "2", "no", "uitleg"),
        ("K1007", "9", "1", "yes", "bedankt"),
    ]
    assert {r["channel"] for r in manifest} == {"letter"}
    pdf = reminded / "print.pdf"
    reader = pypdf.PdfReader(pdf, strict=True)
    assert len(reader.pages) == 10
    texts = page_texts(pdf)
    names = [_name(reminded, r["record"]) for r in manifest]
    for row, name in zip(manifest, names, strict=True):
        first = int(row["first_page"])
        assert first % 2 == 1
        assert name in texts[first - 1]  # the window's address, on the letter's first page
        if row["blank_after"] == "yes":
            assert texts[first - 1 + int(row["pages"])] == ""
    # page 2 of a long letter is its own, without the letterhead
    assert (
        "Pagina 2 van 2" in texts[3]
        and "Woningcorporatie Dijkzicht\nDijkzichtplein" not in (texts[3])
    )
    # the large-print letter keeps its size in the run
    assert body_sizes(pdf, 5) == {14.0}
    assert body_sizes(pdf, 1) == {11.0}


def _name(demo: Path, record_id: str) -> str:
    with (demo / "run.csv").open(encoding="utf-8", newline="") as handle:
        return next(
            r["name"] for r in csv.DictReader(handle, delimiter=";") if r["id"] == record_id
        )


def test_the_manifest_file_says_the_same_pages(reminded: Path, mixed: Path, cli) -> None:
    result = cli(
        "render", "-r", "run.csv", *DATE, "--stream", "print.pdf", "--manifest", "run.jsonl",
        "--no-journal",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    entries = [json.loads(line) for line in (reminded / "run.jsonl").read_text().splitlines()]
    printed = rows(reminded / "print.manifest.csv")
    assert [
        (e["record"], e["index"], e["first_page"], e["pages"], e["blank_after"]) for e in entries
    ] == [
        (r["record"], n, int(r["first_page"]), int(r["pages"]), r["blank_after"] == "yes")
        for n, r in enumerate(printed, 1)
    ]


def test_a_letter_the_layout_refuses_is_left_out(reminded: Path, cli) -> None:
    wide = "Burgemeester Jhr. Mr. Dr. Van Walsum-Kortenhoevenstraat 1234 bis"
    write_records(reminded, [("K1001", {}), ("K1002", {"street": wide}), ("K1003", {})])

    result = cli("render", "-r", "run.csv", *DATE, "--stream", "print.pdf", "--no-journal")

    assert result.exit_code == 1
    assert "Findings: layout (1)" in result.stderr
    assert [(r["record"], r["first_page"]) for r in rows(reminded / "print.manifest.csv")] == [
        ("K1001", "1"),
        ("K1003", "3"),
    ]
    texts = page_texts(reminded / "print.pdf")
    assert len(texts) == 4 and "Tomasz Nowak" in texts[2]
    assert not any("Jan van den Berg" in text for text in texts)

    result = cli(
        "render", "-r", "run.csv", *DATE, "--stream", "all.pdf", "--manifest", "all.jsonl",
        "--no-journal", "--allow-findings",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    entries = [json.loads(line) for line in (reminded / "all.jsonl").read_text().splitlines()]
    assert entries[1]["findings"] == [
        {
            "rule": "layout",
            "severity": "error",
            "part": "text",
            "message": f"address line 2 {wide!r} is 93.0 mm wide at 9.5 pt, the envelope "
            "window has room for 83 mm (letter.window.width)",
        }
    ]
    assert entries[1]["first_page"] == 3


def test_the_refusal_reason_names_the_layout(reminded: Path, cli) -> None:
    wide = "Burgemeester Jhr. Mr. Dr. Van Walsum-Kortenhoevenstraat 1234 bis"
    write_records(reminded, [("K1002", {"street": wide})])

    result = cli("render", "-r", "run.csv", *DATE, "--out", "letters", "--no-journal")

    assert result.exit_code == 1
    (entry,) = [
        json.loads(line)
        for line in (reminded / "letters" / "manifest.jsonl").read_text().splitlines()
    ]
    assert entry["status"] == "rejected"
    assert entry["reason"] == (
        f"refused by checks: [layout] address line 2 {wide!r} is 93.0 mm wide at 9.5 pt, the "
        "envelope window has room for 83 mm (letter.window.width)"
    )
    assert list((reminded / "letters").iterdir()) == [reminded / "letters" / "manifest.jsonl"]


def test_an_invalid_record_leaves_no_print_run_behind(reminded: Path, mixed: Path, cli) -> None:
    write_records(reminded, [("K1001", {}), ("K1002", {"street": ""}), ("K1003", {})])
    before = sorted(p.name for p in reminded.iterdir())

    result = cli("render", "-r", "run.csv", *DATE, "--stream", "print.pdf", "--no-journal")

    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: run.csv:3: record 'K1002': cannot render templates/bedankt.j2:11: the record "
        "has no field 'street'\n"
    )
    assert sorted(p.name for p in reminded.iterdir()) == before  # no PDF, no CSV, no temp file


def test_e_mails_do_not_go_into_a_print_run(reminded: Path, cli) -> None:
    write_records(reminded, [("K1001", {}), ("K1002", {"template": "betalingsherinnering"})])

    result = cli(
        "render", "-r", "run.csv", *DATE, "--stream", "print.pdf", "--no-journal", "--skip-invalid"
    )

    assert result.exit_code == 1
    assert (
        "field 'template': this template makes e-mails, and this stream already holds PDF "
        "letters (write e-mails and letters to separate streams)"
    ) in " ".join(result.stderr.split())  # the summary wraps at 80 columns
    assert [r["record"] for r in rows(reminded / "print.manifest.csv")] == ["K1001"]


def test_the_print_manifest_never_replaces_the_records(reminded: Path, mixed: Path, cli) -> None:
    (reminded / "run.csv").rename(reminded / "print.manifest.csv")

    result = cli(
        "render", "-r", "print.manifest.csv", *DATE, "--stream", "print.pdf", "--no-journal"
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: print.manifest.csv: the print manifest print.manifest.csv would replace the "
        "records file; give the stream another name\n"
    )
    assert (reminded / "print.manifest.csv").read_text("utf-8").startswith("id;")  # untouched
    assert not (reminded / "print.pdf").exists()


@pytest.mark.parametrize("how", ["subprocess", "in-process"])
def test_a_large_run_in_two_processes_keeps_record_order(reminded: Path, cli, how: str) -> None:
    """A batch of PDF letters is typeset in the --jobs workers from its first record (a
    process forked after typst ran in its parent would hang); in a process that already
    runs typst's threads (this test process, after the other tests) it is rendered in that
    process instead. Both give the same run."""
    lines = [
        (f"Z{n:04d}", {"name": f"Klant {n}", "large_print": "ja" if n % 97 == 0 else ""})
        for n in range(1, 301)
    ]
    write_records(reminded, lines)
    args = ("render", "-r", "run.csv", *DATE, "--stream", "print.pdf", "--no-journal", "-j", "2")

    if how == "subprocess":
        done = run_brief(*args, cwd=reminded)
        assert done.returncode == 0, done.stderr
    else:
        typst.compile(b"#lorem(5)")  # typst's threads now run in this process
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
    manifest = rows(reminded / "print.manifest.csv")
    assert [r["record"] for r in manifest] == [f"Z{n:04d}" for n in range(1, 301)]
    assert [int(r["first_page"]) for r in manifest] == list(range(1, 600, 2))
    reader = pypdf.PdfReader(reminded / "print.pdf")
    assert len(reader.pages) == 600
    for n in (1, 257, 300):
        assert f"Klant {n}\n" in (reader.pages[2 * n - 2].extract_text() or "")
    assert pypdf.PdfReader(io.BytesIO((reminded / "print.pdf").read_bytes()), strict=True)


def test_a_letter_the_font_cannot_print_is_rejected_and_the_rest_printed(
    reminded: Path, cli
) -> None:
    write_records(reminded, [("K1001", {}), ("K1002", {"name": "王"}), ("K1003", {})])

    result = cli(
        "render", "-r", "run.csv", *DATE, "--stream", "print.pdf", "--no-journal", "--skip-invalid"
    )

    assert result.exit_code == 1
    assert (
        "Rejected: run.csv:3: record 'K1002': field 'name': '王' cannot be printed on paper: the "
        "letter's font (Libertinus Serif) has no such character"
    ) in " ".join(result.stderr.split())
    assert [r["record"] for r in rows(reminded / "print.manifest.csv")] == ["K1001", "K1003"]
    assert len(pypdf.PdfReader(reminded / "print.pdf").pages) == 4


def test_text_letters_are_not_written_into_a_file_named_pdf(demo: Path, cli) -> None:
    result = cli(
        "render", "-r", "examples/customers.csv", "-t", "bedankt", "--text", "--stream", "a.pdf"
    )

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --text writes plain text, and a stream named *.pdf is a print run of PDF "
        "letters: leave out --text, or give the stream another name\n"
    )
    assert not (demo / "a.pdf").exists()
