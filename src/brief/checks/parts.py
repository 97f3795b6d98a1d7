"""Rules about an e-mail's two parts: the text part and the HTML part must agree."""

from __future__ import annotations

from collections.abc import Iterator

from ..readability import Fact
from .base import Hit, rule
from .letter import LetterText


@rule(
    "parts-differ",
    severity="error",
    layer="parts",
    summary="the text and HTML parts of an e-mail name different facts or signers",
)
def parts_differ(text: LetterText, html: LetterText) -> Iterator[Hit]:
    """An e-mail has a text part and an HTML part, and the reader's mail program shows one
    of them: a tenant with an HTML mail program must not read another amount or deadline
    than one without. Both parts must name the same amounts, dates, IBANs, phone numbers
    and e-mail addresses (each compared as written in the part the reader sees, numbers by
    their digits), and be signed by the same people. Each value that only one part names is
    reported in that part."""
    if html.reads_as(text):  # the same text for the same reader: the same facts and signers
        return
    in_text, in_html = text.fact_keys, html.fact_keys
    if in_text != in_html:  # where each value stands is only looked up when one differs
        for part, other, mine, theirs in (
            ("html", "text", html, in_text),
            ("text", "html", text, in_html),
        ):
            for fact in _first(mine.facts):
                if (fact.kind, fact.key) not in theirs:
                    yield Hit(
                        f"the {_PART[part]} part names {fact.kind} {fact.text!r}, the "
                        f"{_PART[other]} part does not",
                        mine.line_of(fact.start),
                        start=fact.start,
                        end=fact.end,
                        part=part,
                    )
    signed_text = {m.id: m for m in text.verdict.signers}
    signed_html = {m.id: m for m in html.verdict.signers}
    if signed_text.keys() != signed_html.keys():
        closing = html.signature.closing_line
        yield Hit(
            f"the HTML part is signed by {_names(signed_html.values())}, the text part by "
            f"{_names(signed_text.values())}",
            closing + 1 if closing is not None else (len(html.lines) or None),
            part="html",
        )


_PART = {"text": "text", "html": "HTML"}


def _first(found: list[Fact]) -> Iterator[Fact]:
    """Each value once, where it first stands."""
    seen: set[tuple[str, str]] = set()
    for fact in found:
        if (fact.kind, fact.key) not in seen:
            seen.add((fact.kind, fact.key))
            yield fact


def _names(members: object) -> str:
    names = [m.name for m in members]  # type: ignore[attr-defined]
    return ", ".join(names) if names else "nobody"
