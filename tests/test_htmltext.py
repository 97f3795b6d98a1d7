"""brief.htmltext: an HTML part as a mail program shows it, read a line at a time."""

from __future__ import annotations

import random
import re

import pytest

from brief.htmltext import HtmlText, _Extractor, html_text, plain_html_text

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
