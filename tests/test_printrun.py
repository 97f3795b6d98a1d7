"""brief.printrun: letters' PDFs (real ones, compiled by typst) merged into one print file,
read back with pypdf and pdfplumber."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pdfplumber
import pypdf
import pytest
import typst

from brief.printrun import PdfError, PrintRun

DOC = b"""
#let d = json(bytes(sys.inputs.data))
#set page(paper: d.paper, margin: 20mm)
#set text(size: 11pt)
#for n in range(d.pages) {
  if n > 0 { pagebreak() }
  [#d.name: pagina #(n + 1)]
}
"""


def letter_pdf(name: str, pages: int, *, paper: str = "a4", standard: bool = False) -> bytes:
    data = json.dumps({"name": name, "pages": pages, "paper": paper})
    return typst.compile(DOC, sys_inputs={"data": data}, pdf_standards=["a-2b"] if standard else [])


def merged(*pdfs: bytes) -> tuple[bytes, list[tuple[int, int, bool]]]:
    buffer = io.BytesIO()
    run = PrintRun(buffer, title="Print run test")
    placed = [run.add(pdf) for pdf in pdfs]
    run.finish()
    return buffer.getvalue(), [(p.first_page, p.pages, p.blank_after) for p in placed]


def page_texts(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [(page.extract_text() or "") for page in document.pages]


def test_every_letter_starts_on_an_odd_page() -> None:
    data, placed = merged(
        letter_pdf("Anna", 1), letter_pdf("Bram", 2), letter_pdf("Cas", 3), letter_pdf("Dirk", 1)
    )
    assert placed == [(1, 1, True), (3, 2, False), (5, 3, True), (9, 1, True)]
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 10
    assert page_texts(data) == [
        "Anna: pagina 1",
        "",
        "Bram: pagina 1",
        "Bram: pagina 2",
        "Cas: pagina 1",
        "Cas: pagina 2",
        "Cas: pagina 3",
        "",
        "Dirk: pagina 1",
        "",
    ]
    assert reader.metadata is not None and reader.metadata.title == "Print run test"


def test_each_letter_keeps_its_page_size_and_fonts() -> None:
    data, placed = merged(letter_pdf("Groot", 1, paper="a3"), letter_pdf("Klein", 2))
    assert placed == [(1, 1, True), (3, 2, False)]
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    assert sizes == [(842, 1191), (842, 1191), (595, 842), (595, 842)]  # the blank page too
    for page in (reader.pages[0], reader.pages[2]):
        fonts = page["/Resources"]["/Font"]
        for font in fonts.values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile3" in descendant["/FontDescriptor"] or (
                "/FontFile2" in descendant["/FontDescriptor"]
            )


def test_text_that_looks_like_pdf_syntax_is_copied_as_it_is() -> None:
    hostile = "(12 0 R) >>stream endobj %%EOF \\ )("
    data, _ = merged(letter_pdf(hostile, 1, standard=True), letter_pdf("Na", 1))
    assert page_texts(data)[0] == f"{hostile}: pagina 1"
    assert page_texts(data)[2] == "Na: pagina 1"


def test_pdf_a_letters_merge_too_and_nothing_of_their_tag_tree_is_kept() -> None:
    data, placed = merged(letter_pdf("Een", 2, standard=True), letter_pdf("Twee", 1, standard=True))
    assert placed == [(1, 2, False), (3, 1, True)]
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    assert "/StructTreeRoot" not in reader.trailer["/Root"]
    assert all("/StructParents" not in page for page in reader.pages)


def test_an_empty_run_is_a_valid_pdf_without_pages(tmp_path: Path) -> None:
    data, placed = merged()
    assert placed == []
    assert len(pypdf.PdfReader(io.BytesIO(data), strict=True).pages) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello", "not a PDF as typst writes it (no startxref at its end)"),
        (b"%PDF-1.7\nstartxref\n9\n%%EOF\n", "not a PDF with a classic cross-reference table"),
    ],
)
def test_what_is_not_a_typst_pdf_is_refused(data: bytes, message: str) -> None:
    run = PrintRun(io.BytesIO())
    with pytest.raises(PdfError) as caught:
        run.add(data)
    assert caught.value.message == message
