"""Paper letters in a batch: typeset alone (a file each) or many per compile (a print
run), measured, and judged by the ``layout`` rule.

:mod:`brief.pdf` makes a letter's PDF; this module adds what ``brief render``,
``brief lint`` and ``brief preview`` need around it:

* :func:`address_widths`: how wide each address line is as the layout sets it in
  the envelope window. Measured by typst itself (compile-and-measure: a small
  document, ``brief/data/measure.typ``, sets the lines in the layout's address
  font and size and reports ``measure(...)`` of each), so kerning and every
  glyph's real width count; many letters' lines are measured in one compile.
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
from typing import TYPE_CHECKING

import typst

from .checks import RULES, Found
from .checks.layout import PageLayout

if TYPE_CHECKING:
    from .pdf import LetterPages
    from .render import Letter

#: The measuring document (package data).
MEASURE = Path(__file__).parent / "data" / "measure.typ"
#: How letter.typ sets the address block in the window: font and size (points). A test
#: compares these measurements with the address lines' extent in a real letter's PDF.
ADDRESS_FONT = "Libertinus Serif"
ADDRESS_SIZE = 9.5
#: Page limit of a letter when the region's profile sets none (``letter.max_pages``).
MAX_PAGES = 2

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


def address_widths(addresses: Sequence[Sequence[str]]) -> list[tuple[float, ...]]:
    """Each address's lines' widths in millimetres, as the letter layout sets them; all
    of them measured in one compile."""
    lines = [line for address in addresses for line in address]
    if not lines:
        return [() for _ in addresses]
    compiler = _measurer()
    data = json.dumps({"font": ADDRESS_FONT, "size": ADDRESS_SIZE, "lines": lines})
    compiler.compile(format="svg", sys_inputs={"data": data})
    widths = json.loads(compiler.query("<brief-widths>", field="value", one=True))
    result, start = [], 0
    for address in addresses:
        result.append(tuple(float(w) for w in widths[start : start + len(address)]))
        start += len(address)
    return result


def max_pages(letter: Letter) -> int:
    """The region's page limit for paper letters (``letter.max_pages``, default 2)."""
    return int(getattr(letter.profile.letter, "max_pages", MAX_PAGES))


def page_layout(
    letter: Letter,
    address: Sequence[str],
    widths: Sequence[float],
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
        overflow = _overflow_line(letter.text, pdf, pages.first - 1 + limit)
    return PageLayout(
        address=tuple(address),
        widths=tuple(widths),
        window_width=settings.window.width,
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
_PAGE_NUMBER = re.compile(r"^(Pagina|Page) \d+ (van|of) \d+$")


def _overflow_line(text: str, pdf: bytes, page_index: int) -> int | None:
    """The 1-based line of ``text`` whose words start page ``page_index`` (0-based) of
    ``pdf``, or None when the page's first words are not found in the text."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    if page_index >= len(reader.pages):
        return None
    found = reader.pages[page_index].extract_text() or ""
    lines = [
        _SPACES.sub(" ", line).strip()
        for line in found.splitlines()
        if line.strip() and not _PAGE_NUMBER.match(line.strip())
    ]
    if not lines:
        return None
    words = lines[0].split(" ")[:6]
    for size in range(len(words), 0, -1):
        needle = " ".join(words[:size])
        for number, line in enumerate(text.splitlines(), 1):
            if needle in _SPACES.sub(" ", line):
                return number
    return None
