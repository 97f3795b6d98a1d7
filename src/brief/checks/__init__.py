"""brief's checks: small registered rules over template sources and rendered letters.

Importing this package registers every rule in :data:`RULES`.
"""

from __future__ import annotations

from typing import NamedTuple

from . import layout, limits, parts, readability, signoff, template  # noqa: F401  (registers the rules)
from .base import MARKS, PARTS, RULES, SEVERITIES, Finding, Hit, Rule, rules_of, severity_rank
from .letter import LetterText
from .template import Suppression, find_suppressions, suppressed_lines

__all__ = [
    "MARKS",
    "PARTS",
    "RULES",
    "SEVERITIES",
    "Finding",
    "Found",
    "Hit",
    "LetterText",
    "Rule",
    "Suppression",
    "check_email",
    "check_letter",
    "find_suppressions",
    "rules_of",
    "severity_rank",
    "suppressed_lines",
]


class Found(NamedTuple):
    """A rule's hit in one part of a letter."""

    rule: Rule
    hit: Hit
    part: str  # "text" or "html"


def check_letter(letter: LetterText) -> list[tuple[Rule, Hit]]:
    """Run every letter rule on one rendered letter part."""
    return [(rule, hit) for rule in rules_of("letter") for hit in rule.check(letter)]


def check_email(text: LetterText, html: LetterText | None = None) -> list[Found]:
    """Every letter rule on the text part and on the HTML part (when there is one), then
    the rules that compare the two parts."""
    in_text = check_letter(text)
    found = [Found(rule, hit, "text") for rule, hit in in_text]
    if html is None:
        return found
    # An HTML part that reads exactly as the text part, for the same reader, has the text
    # part's hits: a letter rule judges a part's text and options, never which part it is.
    in_html = in_text if html.share(text) else check_letter(html)
    found.extend(Found(rule, hit, "html") for rule, hit in in_html)
    found.extend(
        Found(rule, hit, hit.part or "html")
        for rule in rules_of("parts")
        for hit in rule.check(text, html)
    )
    return found
