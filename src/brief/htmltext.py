"""An e-mail's HTML part as a mail program shows it: text, paragraphs and line breaks.

The letter rules judge what the reader reads. For the HTML part that is not the
markup but the text a mail program displays: block elements (``<p>``, ``<div>``,
``<li>``, headings, table rows ...) are paragraphs, ``<br>`` is a line break, a link
is its text, entities are the characters they stand for, and runs of white space
are one space. The contents of ``<head>``, ``<style>``, ``<script>`` and
``<title>`` are not shown, and neither are comments.

Built on the standard library's :mod:`html.parser`: it is tolerant (it never raises on
broken markup: an unclosed ``<p>`` or a stray ``</div>`` still gives text), it decodes
every entity the HTML standard names, and text extraction needs no tree. A line of
plain markup (text and plain tags, no ``&``: what a letter's lines with customer values
mostly are) is cut up by a regular expression instead, which calls the same handlers
with the same arguments as html.parser would (:func:`_read_plain_markup`); any other
line goes to html.parser, so what is shown is decided in one place either way.
:class:`HtmlText` keeps, for every character of the text, the line of the HTML
it came from, so a finding in the text points back at its line of the HTML.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

# Elements that start and end a paragraph of their own.
BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
# Elements whose content a mail program does not show.
HIDDEN = frozenset({"head", "script", "style", "template", "title", "noscript"})
# Table cells: side by side, separated by a space.
CELLS = frozenset({"td", "th"})


@dataclass(frozen=True)
class HtmlText:
    """The displayed text of an HTML document and where each character came from."""

    text: str
    starts: tuple[int, ...]  # text offsets where a new source line begins ...
    lines: tuple[int, ...]  # ... and that 1-based line of the HTML

    def source_line(self, offset: int) -> int:
        """The 1-based HTML line of the character at ``offset`` of :attr:`text`."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.lines[index] if index >= 0 else (self.lines[0] if self.lines else 1)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.size = 0
        self.starts: list[int] = []
        self.lines: list[int] = []
        self.hidden = 0
        self.pre = 0
        self.breaks = 0  # newlines wanted before the next text (2: a paragraph)
        self.space = False  # a space wanted before the next text

    def _block(self) -> None:
        if self.size:
            self.breaks = 2

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.breaks = max(self.breaks, 1) if self.size else self.breaks
            self.space = False
        elif tag in BLOCKS:
            self._block()
            self.pre += tag == "pre"
        elif tag in CELLS:
            self.space = bool(self.size)
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._text(alt, self.getpos()[0])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN:
            self.hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in BLOCKS:
            self._block()
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        line = self.getpos()[0]
        if self.pre:
            for number, piece in enumerate(data.split("\n")):
                if number:
                    self.breaks = max(self.breaks, 1)
                if piece:
                    self._emit(piece, line + number)
            return
        self._text(data, line)

    def _text(self, data: str, line: int) -> None:
        """Add displayed text, white space collapsed; ``line`` is where ``data`` starts.
        The words of one line of ``data`` go in at once, a space between them."""
        for number, segment in enumerate(data.split("\n")):
            if number:
                self.space = True
            words = segment.split()
            if not words:
                self.space = self.space or bool(segment)
                continue
            if segment[0].isspace():
                self.space = True
            self._emit(" ".join(words), line + number)
            if segment[-1].isspace():
                self.space = True

    def _emit(self, word: str, line: int) -> None:
        if self.breaks:
            self._append("\n" * self.breaks)
            self.breaks, self.space = 0, False
        elif self.space and self.size:
            self._append(" ")
        self.space = False
        if not self.lines or self.lines[-1] != line:
            self.starts.append(self.size)
            self.lines.append(line)
        self._append(word)

    def _append(self, text: str) -> None:
        self.out.append(text)
        self.size += len(text)


@lru_cache(maxsize=16)
def html_text(html: str) -> HtmlText:
    """The text a mail program shows for ``html`` (see the module docstring); cached,
    because the letters of one batch share most of their markup.

    The document is read a line at a time: what each line of the HTML gives is cached
    by the line and the state the text before it left (inside ``<pre>`` or a hidden
    element, breaks or a space pending, any text yet), so the static lines of a batch's
    letters are read once, and only those holding a customer's values are read again
    (by :func:`_read_plain_markup` when they are plain markup).
    A line is only cut off where the parser stands between two constructs; a tag,
    comment or ``<script>`` that runs on is read with the lines after it, up to
    :data:`MERGED_LINES` of them, and past that the rest of the document is read at
    once. Every way gives what reading the whole document at once gives
    (:func:`plain_html_text`): tests/test_htmltext.py compares them on thousands of
    documents."""
    if "\n" not in html:
        return plain_html_text(html)
    out: list[str] = []
    starts: list[int] = []
    lines: list[int] = []
    size = 0
    state = _START
    pieces = html.split("\n")
    last = len(pieces) - 1
    index = 0
    while index <= last:
        first, piece = index, pieces[index]
        while True:
            final = index == last
            read = _read_piece(piece if final else piece + "\n", state, final)
            if read is not None:
                break
            index += 1
            if index - first >= MERGED_LINES:  # read the rest at once (not cached)
                index = last
                read = _read_piece.__wrapped__("\n".join(pieces[first:]), state, True)
                break
            piece += "\n" + pieces[index]
        assert read is not None
        text, piece_starts, piece_lines, state = read
        if text:
            out.append(text)
            if len(piece_starts) == 1:  # the usual line: its text from one line
                starts.append(piece_starts[0] + size)
                lines.append(piece_lines[0] + first)  # ``first`` lines before it
            else:
                starts += [start + size for start in piece_starts]
                lines += [line + first for line in piece_lines]
            size += len(text)
        index += 1
    text = "".join(out)
    return HtmlText(text + "\n" if text else "", tuple(starts), tuple(lines))


#: How many lines a construct that runs on over line ends is read with before the rest
#: of the document is read at once.
MERGED_LINES = 8


def plain_html_text(html: str) -> HtmlText:
    """:func:`html_text` without its cache: the whole document read at once."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    return HtmlText(text + "\n" if text else "", tuple(parser.starts), tuple(parser.lines))


#: What the text before a piece leaves for it: hidden and pre depth, pending breaks and
#: space, and whether there is any text yet.
_State = tuple[int, int, int, bool, bool]
_START: _State = (0, 0, 0, False, False)


@lru_cache(maxsize=2048)
def _read_piece(
    piece: str, state: _State, final: bool
) -> tuple[str, tuple[int, ...], tuple[int, ...], _State] | None:
    """The text of ``piece`` read after ``state``, with its line starts (relative to the
    piece) and the state after it; ``None`` when the parser does not stand clear at its
    end (a tag, comment, character reference or ``<script>`` runs on past it)."""
    parser = _Extractor()
    parser.hidden, parser.pre, parser.breaks, parser.space, any_text = state
    if any_text:
        parser.size = 1  # only ever compared with 0; the offsets below are relative
    if not _read_plain_markup(parser, piece):
        parser.feed(piece)
        if final:
            parser.close()
        elif parser.rawdata or parser.cdata_elem is not None:
            return None
    offset = 1 if any_text else 0
    return (
        "".join(parser.out),
        tuple(start - offset for start in parser.starts),
        tuple(parser.lines),
        (parser.hidden, parser.pre, parser.breaks, parser.space, parser.size > 0),
    )


# The plain markup :func:`_read_plain_markup` reads itself: text without ``<`` or ``&``,
# end tags ``</name>``, and start tags whose attributes are a name, or a name, ``=`` and
# a value in quotes or bare, with white space before each attribute. No ``&`` anywhere,
# so no character reference is held back or decoded (nor decoded differently in an
# attribute, as the 2025 html.parser changes do). Every Python since 3.11 reads these
# alike: those changes also narrowed the white space in a tag to ``[\t\n\r\f ]`` (a
# bare value ended at any ``\s`` before) and ``=`` to one (``b==c`` now gives ``=c``), so
# only those spaces, one ``=`` with none around it, and a bare value without white space
# of any kind. A bare value holds no ``/`` either (``<img src=x/>`` is a start tag whose
# value is ``x/``, not an empty element), nor a quote, ``=`` or backquote.
_SPACES = "[\t\n\r\f ]"
_ATTRIBUTE_NAME = "[a-zA-Z_:][-a-zA-Z0-9_:.]*"
# Elements whose content html.parser reads as raw text in some Python version (CDATA,
# and RCDATA since the 2025 changes), and the foreign content it tracks since then
# (``<svg>``, ``<math>``): their tags are not plain markup.
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"}
    | {"textarea", "title", "svg", "math"}
    | set(HTMLParser.CDATA_CONTENT_ELEMENTS)
    | set(getattr(HTMLParser, "RCDATA_CONTENT_ELEMENTS", ()))
)
# A tag of plain markup, as a whole and in parts: a start tag's name, its attributes,
# its ``/`` (an empty element: ``<br/>``), or an end tag's name.
_PLAIN_TAG = re.compile(
    f"(<(?!/?(?i:{'|'.join(map(re.escape, sorted(_RAW_TEXT)))})[\\t\\n\\r\\f />])"
    "(?:([a-zA-Z][a-zA-Z0-9]*)("
    f"(?:{_SPACES}+{_ATTRIBUTE_NAME}"
    "(?:=(?:\"[^\"<>&]*\"|'[^'<>&]*'|[^\\s\"'`=<>&/]+(?=[\t\n\r\f >])))?)*"
    f"){_SPACES}*(/?)"
    "|/([a-zA-Z][a-zA-Z0-9]*))>)"
)
# One attribute of a start tag :data:`_PLAIN_TAG` matched: its name and its value as
# written (with its quotes; empty when it has none).
_PLAIN_ATTRIBUTE = re.compile(
    f"{_SPACES}+({_ATTRIBUTE_NAME})(?:=(\"[^\"]*\"|'[^']*'|[^\t\n\r\f >]+))?"
)


def _read_plain_markup(parser: HTMLParser, piece: str) -> bool:
    """Feed ``piece`` to a fresh ``parser`` when it is plain markup (see
    :data:`_PLAIN_TAG`), calling the handlers html.parser would call, in its order, with
    its arguments and :meth:`~HTMLParser.getpos`; ``False``, and no handler called, when
    it is not (the parser is then fed as usual). Cheaper than html.parser: one split by
    a regular expression, then a handler call for each tag and each run of text."""
    if "&" in piece:
        return False
    # text, a tag in five parts, text, ...: all the text between two tags (or the ends)
    # is one handle_data, as html.parser gives it
    parts = _PLAIN_TAG.split(piece)
    if "<" in "".join(parts[::6]):
        return False
    across = piece.find("\n", 0, -1) >= 0  # lines to count: a line end before the last
    handle_data = parser.handle_data
    text = parts[0]
    if text:
        handle_data(text)  # at (1, 0)
    position = len(text)
    tags = iter(parts)
    next(tags)
    for whole, start, attributes, empty, end, text in zip(
        tags, tags, tags, tags, tags, tags, strict=True
    ):
        if across:
            _stand_at(parser, piece, position)
        else:
            parser.offset = position
        if end is not None:
            parser.handle_endtag(end.lower())
        else:
            attrs = (
                [
                    (name.lower(), _attribute_value(value))
                    for name, value in _PLAIN_ATTRIBUTE.findall(attributes)
                ]
                if attributes
                else []
            )
            if empty:
                parser.handle_startendtag(start.lower(), attrs)
            else:
                parser.handle_starttag(start.lower(), attrs)
        position += len(whole)
        if text:
            if across:
                _stand_at(parser, piece, position)
            else:
                parser.offset = position
            handle_data(text)
            position += len(text)
    _stand_at(parser, piece, position)
    return True


def _stand_at(parser: HTMLParser, piece: str, position: int) -> None:
    """Set where ``parser`` stands (:meth:`~HTMLParser.getpos`) to ``position`` of
    ``piece``, as html.parser counts: line (from 1) and column (from 0)."""
    parser.lineno = 1 + piece.count("\n", 0, position)
    parser.offset = position - piece.rfind("\n", 0, position) - 1


def _attribute_value(written: str) -> str | None:
    """An attribute's value as html.parser gives it: ``None`` for none, else unquoted."""
    if not written:
        return None
    return written[1:-1] if written[0] in "\"'" else written
