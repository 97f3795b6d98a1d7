"""brief's checks: small registered rules over template sources and rendered letters.

Importing this package registers every rule in :data:`RULES`.
"""

from . import limits, readability, signoff, template  # noqa: F401  (registers the rules)
from .base import RULES, SEVERITIES, Finding, Hit, Rule, severity_rank
from .letter import LetterText

__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "Hit",
    "LetterText",
    "Rule",
    "check_letter",
    "severity_rank",
]


def check_letter(letter: LetterText) -> list[tuple[Rule, Hit]]:
    """Run every letter rule on one rendered letter."""
    return [
        (rule, hit)
        for rule in RULES.values()
        if rule.layer == "letter"
        for hit in rule.check(letter)
    ]
