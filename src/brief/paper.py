"""Paper letters in a batch: typeset alone (a file each) or many per compile (a print
run), measured, and judged by the ``layout`` rule.

:mod:`brief.pdf` makes a letter's PDF; this module adds what ``brief render``,
``brief lint`` and ``brief preview`` need around it:

* :func:`measure_addresses`: how wide each address line is as the layout sets it
  in the envelope window, and how many lines it takes there. Measured by typst
  itself (compile-and-measure: a small document, ``brief/data/measure.typ``, sets
  the lines in the layout's address font, size and line spacing and reports
  ``measure(...)`` of each), so kerning and every glyph's real width count; many
  letters' lines are measured in one compile.
* :func:`page_layout`: a letter's :class:`~brief.checks.layout.PageLayout` (its
  address, the widths, the window of its region, its page count and limit), and
  when it runs past its limit, the line of its text that starts the page after
  the limit (read back from the PDF).
* :func:`layout_found`: the ``layout`` rule's hits on it, as the other rules'.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typst

from .checks import RULES, Found
from .checks.layout import PageLayout

if TYPE_CHECKING:
    from .errors import RecordError
    from .pdf import LetterPages
    from .render import Letter
    from .staff import Roster

#: The measuring document (package data).
MEASURE = Path(__file__).parent / "data" / "measure.typ"
#: How letter.typ sets the address block in the window: font and size (points). A test
#: compares these measurements with the address lines' extent in a real letter's PDF.
ADDRESS_FONT = "Libertinus Serif"
ADDRESS_SIZE = 9.5
#: Page limit of a letter when the region's profile sets none (``letter.max_pages``).
MAX_PAGES = 2
#: Millimetres of the window an address line leaves free at its right edge: the same room
#: letter.typ's own check gives a line (brief.pdf.too_wide), so both say the same.
WINDOW_MARGIN = 2.0

_measurers: dict[int, typst.Compiler] = {}


def _measurer() -> typst.Compiler:
    """This process's measuring compiler (a forked worker makes its own)."""
    pid = os.getpid()
    found = _measurers.get(pid)
    if found is None:
        _measurers.clear()
        found = _measurers[pid] = typst.Compiler(
            str(MEASURE.absolute()), root=MEASURE.absolute().anchor, ignore_system_fonts=True
        )
    return found


def measure_addresses(
    blocks: Sequence[tuple[float, Sequence[str]]],
) -> list[tuple[tuple[float, int], ...]]:
    """For each (window width in mm, address lines): each line's width in millimetres on
    one line, and how many lines it takes when set in the window's width, as the letter
    layout sets them; all of them measured in one compile."""
    if not any(lines for _, lines in blocks):
        return [() for _ in blocks]
    compiler = _measurer()
    data = json.dumps(
        {
            "font": ADDRESS_FONT,
            "size": ADDRESS_SIZE,
            "blocks": [{"width": width, "lines": list(lines)} for width, lines in blocks],
        }
    )
    compiler.compile(format="svg", sys_inputs={"data": data})
    found = json.loads(compiler.query("<brief-widths>", field="value", one=True))
    return [tuple((float(w), int(n)) for w, n in block) for block in found]


def window_block(letter: Letter, address: Sequence[str]) -> tuple[float, Sequence[str]]:
    """What :func:`measure_addresses` measures for ``letter``: its window's width and
    its address lines."""
    return letter.profile.letter.window.width, address


def max_pages(letter: Letter) -> int:
    """The region's page limit for paper letters (``letter.max_pages``, default 2)."""
    return letter.profile.letter.max_pages


def page_layout(
    letter: Letter,
    address: Sequence[str],
    measured: Sequence[tuple[float, int]],
    pages: LetterPages,
    pdf: bytes | None = None,
) -> PageLayout:
    """``letter`` as laid out: ``pages`` is where it is in ``pdf`` (the letter's own PDF,
    or a print run's); the PDF is read back only when the letter runs past its limit, to
    find the line of its text that starts the first page too many."""
    settings = letter.profile.letter
    limit = max_pages(letter)
    overflow = None
    if pages.count > limit and pdf is not None:
        overflow = _overflow_line(letter.text, pdf, pages.first - 1, limit)
    return PageLayout(
        address=tuple(address),
        widths=tuple(width for width, _ in measured),
        wrapped=tuple(lines for _, lines in measured),
        window_width=settings.window.width - WINDOW_MARGIN,
        window_lines=settings.window.lines,
        font_size=ADDRESS_SIZE,
        pages=pages.count,
        max_pages=limit,
        overflow_line=overflow,
    )


def layout_found(page: PageLayout) -> list[Found]:
    """The ``layout`` rule's hits on a laid-out letter (in its text part)."""
    rule = RULES["layout"]
    return [Found(rule, hit, "text") for hit in rule.check(page)]


_SPACES = re.compile(r"\s+")


def _overflow_line(text: str, pdf: bytes, first: int, limit: int) -> int | None:
    """The 1-based line of ``text`` whose words start the page after the first ``limit``
    pages of the letter that begins on page ``first`` (0-based) of ``pdf``; None when
    they are not found in the text.

    The pages' text lines are followed through the letter's text in order (each found
    after the one before), so a sentence that the letter repeats is found where the
    page really is.
    """
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    plain, lines = _normalised(text)
    cursor = 0
    for index in range(first, min(first + limit + 1, len(reader.pages))):
        for raw in (reader.pages[index].extract_text() or "").splitlines():
            piece = _SPACES.sub(" ", raw).strip()
            if not piece:
                continue
            found = plain.find(piece, cursor)
            if found < 0:
                continue  # the letterhead, the reference block, a page number
            if index == first + limit:
                return lines[found]
            cursor = found + len(piece)
    return None


def _normalised(text: str) -> tuple[str, list[int]]:
    """``text`` with every run of white space as one space, and the 1-based line of each
    of its characters."""
    out: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        piece = _SPACES.sub(" ", line).strip()
        if not piece:
            continue
        if out:
            out.append(" ")
            lines.append(number)
        out.append(piece)
        lines.extend([number] * len(piece))
    return "".join(out), lines


def lay_out(letter: Letter, roster: Roster | None = None) -> tuple[bytes, PageLayout]:
    """``letter`` typeset on its own (its PDF) and measured for the ``layout`` rule."""
    from .pdf import letter_data, typesetter

    data = letter_data(letter, roster)
    setter = typesetter()
    pdf = setter.compile([data])
    (pages,) = setter.pages()
    (measured,) = measure_addresses([window_block(letter, data["address"])])
    return pdf, page_layout(letter, data["address"], measured, pages, pdf)


def lay_out_many(
    letters: Sequence[Letter], roster: Roster | None = None
) -> list[PageLayout | RecordError]:
    """Each letter measured for the ``layout`` rule, all typeset in one compile (as a print
    run sets them); a letter that cannot be typeset (no address) as its
    :class:`~brief.errors.RecordError`."""
    from .errors import RecordError
    from .pdf import letter_data, typesetter

    results: list[PageLayout | RecordError | None] = [None] * len(letters)
    ready: list[tuple[int, dict[str, Any]]] = []
    for index, letter in enumerate(letters):
        try:
            ready.append((index, letter_data(letter, roster)))
        except RecordError as err:
            results[index] = err
    if ready:
        setter = typesetter()
        pdf = setter.compile([data for _, data in ready])
        placed = setter.pages()
        blocks = [window_block(letters[index], data["address"]) for index, data in ready]
        for (index, data), pages, measured in zip(
            ready, placed, measure_addresses(blocks), strict=True
        ):
            results[index] = page_layout(letters[index], data["address"], measured, pages, pdf)
    return results  # type: ignore[return-value]  # every None has been replaced


#: Pixels per inch of an exported page picture (A4: 1191 x 1684 pixels).
PNG_PPI = 144.0
_pictures: dict[int, typst.Compiler] = {}


def page_picture(letter: Letter, roster: Roster | None = None, *, ppi: float = PNG_PPI) -> bytes:
    """The first page of ``letter`` on paper as a PNG picture, set by the same layout as its
    PDF (typst renders the page itself)."""
    from .pdf import LAYOUT, PdfError, letter_data

    pid = os.getpid()
    compiler = _pictures.get(pid)
    if compiler is None:
        _pictures.clear()
        layout = LAYOUT.absolute()
        compiler = _pictures[pid] = typst.Compiler(
            str(layout), root=layout.anchor, ignore_system_fonts=True
        )
    data = json.dumps({"letters": [letter_data(letter, roster)]}, ensure_ascii=False)
    try:
        pages = compiler.compile(format="png", ppi=ppi, sys_inputs={"data": data})
    except typst.TypstError as err:
        raise PdfError(f"the PDF layout failed: {err.message}") from None
    if isinstance(pages, list):
        return pages[0]
    assert isinstance(pages, bytes)
    return pages


def export_paper(letter: Letter, path: Path, fmt: str) -> list[str]:
    """Write ``letter`` on paper to ``path``: its PDF (``fmt`` "pdf", as ``brief render``
    writes it) or a PNG picture of its first page ("png"). Returns what to tell the
    writer: where it went, with its pages, and the ``layout`` rule's findings."""
    from . import outbox
    from .errors import BriefError

    option = f"--export-{fmt}"
    if letter.channel != "letter":
        raise BriefError(
            f"{option}: template {letter.template.name!r} is an e-mail for customer "
            f"{letter.record.id!r} (PDF and PNG are for paper letters)"
        )
    roster = letter.roster
    pdf, page = lay_out(letter, roster)
    data = pdf if fmt == "pdf" else page_picture(letter, roster)
    outbox.write_atomic(path, data)  # a BriefError naming the file when it cannot
    count = f"{page.pages} page{'s' if page.pages != 1 else ''}"
    what = f"{count}" if fmt == "pdf" else f"page 1 of {count}"
    told = [f"Paper letter written to {path} ({what})"]
    told += [f"layout: {found.hit.message}" for found in layout_found(page)]
    return told
