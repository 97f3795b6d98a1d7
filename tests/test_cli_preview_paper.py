"""``brief preview --export-pdf / --export-png``: the paper letter a writer sees before it is
printed, read back as a real PDF and a real PNG; and the README's picture."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from conftest import REPO

DATE = ("--date", "2026-11-22")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking it is a PNG)."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_export_pdf_and_png_of_the_demo_14_day_letter(demo: Path, cli) -> None:
    result = cli(
        "preview", "14-dagenbrief", "--customer", "K1001", *DATE,
        "--export-pdf", "out/K1001.pdf", "--export-png", "out/K1001.png",
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("14-dagenbrief for K1001 Anna de Vries: ")  # still shown
    assert result.stderr == (
        "Paper letter written to out/K1001.pdf (1 page)\n"
        "Paper letter written to out/K1001.png (page 1 of 1 page)\n"
    )
    data = (demo / "out" / "K1001.pdf").read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 1
    with pdfplumber.open(io.BytesIO(data)) as document:
        first = document.pages[0].extract_text() or ""
    for line in ("Anna de Vries", "Lange Delft 41", "4331 AJ MIDDELBURG"):  # the window
        assert line in first
    assert "Geachte mevrouw De Vries," in first
    assert png_size((demo / "out" / "K1001.png").read_bytes()) == (1191, 1684)  # A4, 144 ppi


def test_the_exported_pdf_is_the_letter_brief_render_writes(demo: Path, cli) -> None:
    """Same layout, same data: the preview's PDF has the same pages and text as the one in
    a print run of the same customer."""
    (demo / "one.csv").write_text(
        (demo / "examples" / "customers.csv").read_text("utf-8-sig").splitlines()[0]
        + "\n"
        + (demo / "examples" / "customers.csv").read_text("utf-8-sig").splitlines()[10]
        + "\n",
        "utf-8",
    )
    exported = cli(
        "preview", "bedankt", "-c", "K1010", "-r", "one.csv", *DATE, "--export-pdf", "p.pdf"
    )
    assert exported.exit_code == 0, exported.stderr
    rendered = cli(
        "render", "-r", "one.csv", "-t", "bedankt", *DATE, "--stream", "run.pdf", "--no-journal"
    )
    assert rendered.exit_code == 0, rendered.stderr

    def texts(name: str) -> list[str]:
        with pdfplumber.open(demo / name) as document:
            return [page.extract_text() or "" for page in document.pages]

    assert texts("run.pdf") == [*texts("p.pdf"), ""]  # one page, then the blank back


def test_a_layout_finding_is_told_with_the_export(demo: Path, cli) -> None:
    records = demo / "examples" / "customers.csv"
    text = records.read_text("utf-8-sig").replace(
        "Lange Delft 41", "Burgemeester Jhr. Mr. Dr. Van Walsum-Kortenhoevenstraat 1234 bis"
    )
    records.write_text(text, "utf-8")

    result = cli("preview", "bedankt", "-c", "K1001", *DATE, "--export-png", "a.png")

    assert result.exit_code == 0, result.stderr  # the preview shows, brief render refuses
    assert result.stderr == (
        "Paper letter written to a.png (page 1 of 1 page)\n"
        "layout: address line 2 'Burgemeester Jhr. Mr. Dr. Van Walsum-Kortenhoevenstraat 1234 "
        "bis' is 93.0 mm wide at 9.5 pt, the envelope window has room for 83 mm (letter.window.width)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["betalingsherinnering", "-c", "K1001", "--export-pdf", "a.pdf"],
            "--export-pdf: template 'betalingsherinnering' is an e-mail for customer 'K1001' "
            "(PDF and PNG are for paper letters)",
        ),
        (
            ["bedankt", "--compare", "noord,zuid", "--export-png", "a.png"],
            "--export-png writes one letter: leave out --compare (or use --region)",
        ),
        (
            ["bedankt", "--watch", "--export-pdf", "a.pdf"],
            "--watch and --export-pdf cannot be used together",
        ),
        (
            ["bedankt", "--export-pdf", "examples/customers.csv/a.pdf"],
            "examples/customers.csv/a.pdf: cannot write: File exists",
        ),
    ],
)
def test_export_errors_are_one_line(demo: Path, cli, args: list[str], message: str) -> None:
    result = cli("preview", *args, *DATE)

    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert not (demo / "a.pdf").exists() and not (demo / "a.png").exists()


def test_the_readme_picture_is_a_page_made_by_the_readme_command() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    (command,) = re.findall(
        r"^brief preview 14-dagenbrief [^\n]*--export-png docs/\S+$", readme, re.M
    )
    picture = command.rsplit(" ", 1)[1]
    assert f"]({picture})" in readme  # shown in the README
    assert png_size((REPO / picture).read_bytes()) == (1191, 1684)
