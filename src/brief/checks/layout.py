"""``layout``: a paper letter whose address does not fit the envelope window, or that runs
past its page limit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .base import Hit, rule


@dataclass(frozen=True)
class PageLayout:
    """A letter as laid out on paper, measured by the layout engine itself.

    ``widths`` are the address lines' widths in millimetres as typst sets them (the
    layout's own font, size and kerning: compile-and-measure, no font metrics of our
    own), ``wrapped`` the lines each takes when set in the window's width (a line too
    wide for it wraps); ``overflow_line`` is the 1-based line of the letter's text that
    first lands on the page after ``max_pages`` (None: it fits, or it cannot be found).
    """

    address: tuple[str, ...]
    widths: tuple[float, ...]
    wrapped: tuple[int, ...]  # the lines each address line takes in the window's width
    window_width: float  # mm: the room for an address line (the window less its margin)
    window_lines: int  # address lines the window holds
    font_size: float  # pt: the address block's font size
    pages: int
    max_pages: int
    overflow_line: int | None = None


#: Text is measured to a tenth of a millimetre; a line that fits to within that fits.
TOLERANCE_MM = 0.05


@rule("layout", severity="error", layer="layout", summary="the letter does not fit the paper")
def layout(page: PageLayout) -> Iterator[Hit]:
    """A paper letter goes in a window envelope: the customer's address block must fit
    in the window (by default 20-105 mm from the left edge and 46-68 mm from the top,
    at most 5 lines; `letter.window` in the organisation's profile), or the postman
    sees half an address. Each address line is measured as the letter sets it (the
    layout's font and size, by typst itself), so a long street name or a name with
    wide letters is caught before it is printed. A letter also may not run past
    `letter.max_pages` pages (default 2): a tenant reads the first page, and the print
    room pays per sheet. Shorten the address (a shorter street spelling, initials) or
    the text; a large-print letter gets more pages, so give it a higher limit in the
    profile of the customers who ask for it."""
    needed = sum(page.wrapped)
    if needed > page.window_lines:
        wraps = " (a line too wide wraps)" if needed > len(page.address) else ""
        yield Hit(
            f"the address block needs {needed} lines{wraps}, the envelope window holds "
            f"{page.window_lines} (letter.window.lines)",
            value=needed,
            threshold=page.window_lines,
        )
    for number, (line, width) in enumerate(zip(page.address, page.widths, strict=True), 1):
        if width > page.window_width + TOLERANCE_MM:
            yield Hit(
                f"address line {number} {line!r} is {width:.1f} mm wide at "
                f"{page.font_size:g} pt, the envelope window has room for "
                f"{page.window_width:g} mm (letter.window.width)",
                value=round(width, 1),
                threshold=page.window_width,
            )
    if page.pages > page.max_pages:
        yield Hit(
            f"the letter runs to {page.pages} pages, more than letter.max_pages ({page.max_pages})",
            page.overflow_line,
            value=page.pages,
            threshold=page.max_pages,
        )
