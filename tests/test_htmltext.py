"""brief.htmltext: an HTML part as a mail program shows it, read a line at a time."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import brief
from brief import htmltext
from brief.htmltext import (
    HtmlText,
    _Extractor,
    _read_plain_markup,
    html_text,
    plain_html_text,
)

_SPACE = re.compile(r"\s+")


class WordAtATime(_Extractor):
    """The extractor as it was first written: each word added on its own (the reference
    for the one that adds a line's words at once)."""

    def _text(self, data: str, line: int) -> None:
        position = 0
        for match in _SPACE.finditer(data):
            word = data[position : match.start()]
            if word:
                self._emit(word, line + data.count("\n", 0, position))
            self.space = True
            position = match.end()
        word = data[position:]
        if word:
            self._emit(word, line + data.count("\n", 0, position))


def word_at_a_time(html: str) -> HtmlText:
    parser = WordAtATime()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    return HtmlText(text + "\n" if text else "", tuple(parser.starts), tuple(parser.lines))


def test_blocks_breaks_entities_and_hidden_content() -> None:
    html = (
        "<html><head><title>Herinnering</title><style>p {}</style></head>\n"
        "<body><p>Geachte  heer\nJansen,</p>\n\n"
        "<p>Er staat &euro;&nbsp;12,50 open.<br>Betaal <a href='x'>hier</a>.</p>\n\n"
        "<!-- niet\n\ngetoond -->\n\n"
        "<table><tr><td>Bedrag</td><td>12,50</td></tr></table>\n\n"
        "<pre>a\n  b</pre></body></html>\n"
    )
    shown = html_text(html)
    assert shown.text == (
        "Geachte heer Jansen,\n\nEr staat € 12,50 open.\nBetaal hier.\n\nBedrag 12,50\n\na\n  b\n"
    )
    assert shown.source_line(shown.text.index("Jansen")) == 3
    assert shown.source_line(shown.text.index("Betaal")) == 5
    assert shown.source_line(shown.text.index("Bedrag")) == 11
    assert shown.source_line(shown.text.index("  b")) == 14
    assert shown == plain_html_text(html) == word_at_a_time(html)


# Pieces of markup, many of them hostile to reading a paragraph at a time: blank lines
# inside tags, comments, <script>, <pre>, attributes and character references, unclosed
# and stray elements.
FRAGMENTS = [
    "<p>", "</p>", "<div>", "</div>", "<br>", "<br/>", "<li>", "<td>", "<th>", "<tr>",
    "<pre>", "</pre>", "<head>", "</head>", "<title>", "</title>", "<script>", "</script>",
    "<style>", "</style>", "<img alt='Logo\n\nCorp'>", "<img alt=''>", "<img src=x/>",
    "<!--", "-->", "<!-- c -->", "<!DOCTYPE html>", "<?php ?>", "<![CDATA[x]]>", "<",
    ">", "</", "<p class='a\n\nb'>", "<a href=\"tel:06\">", "</a>", "<strong>", "</strong>",
    "&amp;", "&euro;", "&nbsp;", "&#8364;", "&#x20AC;", "&amp", "&", "&#", "&#12", "&bogus;",
    "Geachte", "heer", "Jansen,", "€ 12,50", "K0001", "06 1234 5678", "a@b.nl", "Dat",
    " ", "  ", "\t", "\n", "\n\n", "\n\n\n", "\r\n", "\xa0", "\u2028", "\x0b\x1c", "\x85", ".", ",",
]  # fmt: skip


def random_documents(count: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 60))) for _ in range(count)]


@pytest.mark.parametrize("document", random_documents(4000))
def test_read_a_line_at_a_time_as_the_whole_document(document: str) -> None:
    """The cut and cached path gives exactly what reading the whole document at once
    gives: the text and the HTML line of every character."""
    expected = word_at_a_time(document)
    assert plain_html_text(document) == expected
    assert html_text(document) == expected


def test_pieces_shared_by_documents_read_alike() -> None:
    """The pieces are cached by what comes before them: the same paragraph after other
    text (a pending break, inside <pre>, inside a hidden element) reads as it should."""
    paragraph = "<p>Heeft u al betaald?  Dan\nkunt u dit vergeten.</p>\n\n"
    for before in ("", "<pre>\n\n", "<head>\n\n", "tekst\n\n", "<td>x\n\n", "<br>x<br>\n\n"):
        for after in ("", "<p>slot</p>", "</pre>", "</head>z"):
            document = before + paragraph + after
            assert html_text(document) == word_at_a_time(document), document


class Recording(HTMLParser):
    """Every handler html.parser calls, with its arguments and where the parser stood."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[object, ...]] = []

    def _record(self, *event: object) -> None:
        self.events.append((*event, self.getpos()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record("start", tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record("startend", tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._record("end", tag)

    def handle_data(self, data: str) -> None:
        self._record("data", data)

    def handle_comment(self, data: str) -> None:
        self._record("comment", data)

    def handle_decl(self, decl: str) -> None:
        self._record("decl", decl)

    def handle_pi(self, data: str) -> None:
        self._record("pi", data)

    def unknown_decl(self, data: str) -> None:
        self._record("unknown decl", data)

    def handle_charref(self, name: str) -> None:
        self._record("charref", name)

    def handle_entityref(self, name: str) -> None:
        self._record("entityref", name)


# What the plain markup reader reads itself: any line made of these is plain markup.
PLAIN = [
    "Geachte heer Jansen,", "€ 12,50", "K0001", " ", "  ", "\t", "a > b", "x=y", "/", "'t",
    '"quoted"', "\xa0", "\u2028", "\x0b", "\r", "\x00", "<p>", "</p>", "<P>", "</P>",
    "<strong>", "</strong>", "<br>", "<br/>", "<br />", "<BR/>", "<li>", "<td>", "</td>",
    "<h1>", '<a href="tel:0612345601">', '<A HREF="mailto:x@y.nl">', "</a>",
    "<img alt='Logo' src=logo.png>", "<img alt=Logo />", "<img alt=''>", '<img alt="">',
    '<td class="x" id=y>', "<input disabled>", "<input disabled/>", "<input DISABLED >",
    "<div\tdata-x='1'  title=\"a b\"\t>", '<span style="color: #222; font: 15px/1.5">',
    "<a b='c' />", "<p a:b=c>", "<p\n>", "<br\n/>", "<p class='a\nb'>", "<p\r\n id=a>",
    "<p\fid=a>", "<a b=c\t>", "<a b_c=d>", '<a b="=">', "<a b='\"'>", '<a b="\'">',
    '<a b="x/y">', "<a b=-1>", "<a b=c.d:e>", "<h2 id=x class=y>", "</h2>", "\n", "<hr/>", "<p >", "<a b c/>",
]  # fmt: skip
# Near misses: markup html.parser reads, in some Python version, other than it looks.
NEAR = [
    "<a href=x/>", "<img src=x/>", "<p/ >", "< p>", "<1>", "<a b='>'>", '<a b=">">',
    "</p >", "</ p>", "</p\n>", "<a b = 'c'>", "<a b=='c'>", "<a b= c>", "<a b ='c'>",
    "<a b='c'd=e>", "<a b=`c`>", "<a b=c\"d>", "<a b=c'd>", "<a =b>", "<a b=>", "<a b=c/d>",
    "<a\x0bb=c>", "<a b=c\x0b>", "<a\xa0b=c>", "<p\x00>", "<a-b>", "<a b=\"c\"\"d\">",
    "<a 'b'>", "<a b/c>", "<a/b>", "<!-- c -->", "<!DOCTYPE html>", "<?php ?>",
    "<![CDATA[x]]>", "</>", "<", "</", "<p", "<a b='c", "&amp;", "&euro;", "&#8364;", "&",
    "&amp", "<a b='&amp;'>", "<a b=&quot;>", "<script>", "</script>", "<Script>", "<style>",
    "<title>", "<TITLE>", "</title>", "<textarea>", "<xmp>", "<iframe>", "<noembed>",
    "<noframes>", "<noscript>", "<plaintext>", "<svg>", "<math>", "</svg>", "<svg/>", "<x:y>",
    "<a b='c'/ >", "<br/ >", "<a b=c/>", "<a b=\"c\"/x>", "<a b\n=c>", "<a b=\nc>",
]  # fmt: skip


def plain_markup_lines(count: int, seed: int = 17) -> list[tuple[str, bool]]:
    """Lines (with their ``\\n``, or the last one without) of plain markup only, then of
    plain markup and near misses mixed; each with whether it is all plain markup."""
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        near = number % 2 == 1
        parts = [
            rng.choice(NEAR if near and rng.random() < 0.3 else PLAIN)
            for _ in range(rng.randint(0, 12))
        ]
        end = "" if rng.random() < 0.2 else "\n"
        lines.append(("".join(parts) + end, not near))
    return lines


@pytest.mark.parametrize("final", [False, True])
def test_plain_markup_reader_calls_what_html_parser_calls(final: bool) -> None:
    """The reader of plain markup calls the very handlers html.parser calls for a piece,
    in its order, with its arguments and line numbers; anything else it leaves to
    html.parser before calling any."""
    read = 0
    for line, plain in plain_markup_lines(6000) + [(part, False) for part in PLAIN + NEAR]:
        fast, slow = Recording(), Recording()
        slow.feed(line)
        if final:
            slow.close()
        if _read_plain_markup(fast, line):
            read += 1
            assert fast.events == slow.events, repr(line)
            assert fast.getpos() == slow.getpos(), repr(line)
            assert slow.rawdata == "" and slow.cdata_elem is None, repr(line)
        else:
            assert not plain, repr(line)  # every line of plain markup is read
            assert fast.events == [], repr(line)
    assert read > 3000


def test_near_misses_are_left_to_html_parser() -> None:
    """A near miss on its own (each reads differently in some Python version, or holds a
    character reference, a comment or raw text) is never read as plain markup."""
    for part in NEAR:
        assert not _read_plain_markup(Recording(), f"x{part}y\n"), repr(part)


def demo_letters(folder: Path) -> list[str]:
    project = brief.Project.open(folder)
    records = brief.read_records(folder / "examples" / "customers.csv")
    letters = [
        project.render(record, template="betalingsherinnering", date="2026-11-22", check=False)
        for record in records
    ]
    return [letter.html for letter in letters if letter.html is not None]


def test_demo_letters_read_alike_with_and_without_the_plain_markup_reader(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's HTML e-mails give the same text with the plain markup reader as
    without it, and the lines with the customer's name, amount and number are read by
    the plain markup reader (but for a name with an apostrophe, escaped as ``&#39;``)."""
    letters = demo_letters(demo)
    assert len(letters) == 19  # one customer gets a paper letter
    assert "<p>Geachte mevrouw De Vries,</p>\n" in letters[0]
    fed: list[str] = []
    feed = htmltext._Extractor.feed

    def counted_feed(parser: htmltext._Extractor, data: str) -> None:
        fed.append(data)
        feed(parser, data)

    monkeypatch.setattr(htmltext._Extractor, "feed", counted_feed)
    html_text.cache_clear()
    htmltext._read_piece.cache_clear()
    fast = [html_text(letter) for letter in letters]
    # the DOCTYPE, and the one name with a character reference (an apostrophe, escaped)
    assert fed == ["<!DOCTYPE html>\n", "<p>Dear Ms O&#39;Neill,</p>\n"]
    misses = htmltext._read_piece.cache_info().misses  # every piece read, by either reader
    assert misses > 19 * 3  # the salutation, amount and customer number lines at least
    assert any("Geachte mevrouw De Vries," in shown.text for shown in fast)

    monkeypatch.setattr(htmltext, "_read_plain_markup", lambda parser, piece: False)
    html_text.cache_clear()
    htmltext._read_piece.cache_clear()
    fed.clear()
    slow = [html_text(letter) for letter in letters]
    assert len(fed) == htmltext._read_piece.cache_info().misses == misses
    assert fast == slow
    monkeypatch.undo()
    assert [plain_html_text(letter) for letter in letters] == fast
    html_text.cache_clear()
    htmltext._read_piece.cache_clear()
