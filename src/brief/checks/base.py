"""The pieces every check shares: a finding, a rule, and the registry.

A rule is a small function registered with :func:`rule`; it gets what it
inspects (a rendered letter part, or a template's source) and yields
:class:`Hit` objects. The framework turns hits into :class:`Finding`
objects with the template path, line, part and region filled in.

A letter rule judges a part's text and the options it came with
(:class:`~brief.checks.letter.LetterText`), never which part it is: an e-mail's HTML
part that reads exactly as its text part gets the text part's hits without being
judged again (:func:`brief.checks.check_email`).

Every rule says how ``brief preview`` marks its hits (``mark=``, one of
:data:`MARKS`), and has labelled passing and failing examples in
tests/test_rules.py (a test fails for a registered rule that has none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("warning", "error")
#: What a rule inspects: a template's source, one rendered part of a letter (the text,
#: or the HTML part as a mail program shows it), both parts of one e-mail, or the
#: rendering itself (reported by the renderer), or a paper letter as laid out on its
#: pages (:class:`brief.checks.layout.PageLayout`).
LAYERS = ("source", "letter", "parts", "render", "layout")
PARTS = ("text", "html")
#: How the preview marks a rule's hits: the whole sentence (very hard), the word (with
#: its plain replacement), the name or lines in the signature, listed with its line
#: only, or shown as the metrics rows; "none" for rules the preview does not run.
MARKS = ("very-hard", "word", "signature", "line", "metrics", "none")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Hit:
    """What a rule saw, and where in its input.

    ``line`` is 1-based: the line of the template source for a source rule, the line of
    the letter part's text for a letter rule. ``start`` and ``end`` are character offsets
    into the letter part's text of what is marked (``None``: the hit is about the line, or
    the whole letter). ``replacement`` is a plainer word to write instead, if any.
    """

    message: str
    line: int | None = None
    value: float | None = None
    threshold: float | None = None
    start: int | None = None
    end: int | None = None
    replacement: str | None = None
    part: str | None = None  # a parts rule: which part the hit is in
    path: str | None = None  # a render failure: the template file it stands in


@dataclass(frozen=True)
class Finding:
    """One problem, located in a template file."""

    rule: str
    severity: str
    message: str
    path: str
    line: int | None
    region: str | None = None
    samples: tuple[str, ...] = ()
    value: float | None = None
    threshold: float | None = None
    part: str = "text"  # the e-mail part the finding is in: text or html

    def key(self) -> tuple[Any, ...]:
        """Findings with the same key are the same problem seen in other samples."""
        return (self.path, self.line, self.rule, self.region, self.part, self.message)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "region": self.region,
            "part": self.part,
            "samples": list(self.samples),
            "message": self.message,
        }
        if self.value is not None:
            data["value"] = self.value
            data["threshold"] = self.threshold
        return data


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    layer: str
    summary: str
    explanation: str
    check: Callable[..., Iterator[Hit]] = field(repr=False)
    mark: str = "line"


RULES: dict[str, Rule] = {}
# The rules of each layer in registry order, found on first use after a registration
# (the letter rules run twice for every e-mail of a batch).
_LAYER_RULES: dict[str, tuple[Rule, ...]] = {}


def rules_of(layer: str) -> tuple[Rule, ...]:
    """The registered rules of ``layer``, in the order of :data:`RULES`."""
    found = _LAYER_RULES.get(layer)
    if found is None:
        found = _LAYER_RULES[layer] = tuple(r for r in RULES.values() if r.layer == layer)
    return found


def rule(
    rule_id: str,
    *,
    severity: str,
    layer: str,
    summary: str,
    mark: str = "line",
) -> Callable[[Callable[..., Iterator[Hit]]], Callable[..., Iterator[Hit]]]:
    """Register a check; its docstring is the explanation ``brief lint --explain`` shows.

    ``mark`` says how ``brief preview`` marks its hits (see :data:`MARKS`).
    """
    assert severity in SEVERITIES and layer in LAYERS and mark in MARKS

    def register(func: Callable[..., Iterator[Hit]]) -> Callable[..., Iterator[Hit]]:
        explanation = " ".join((func.__doc__ or "").split())
        RULES[rule_id] = Rule(rule_id, severity, layer, summary, explanation, func, mark)
        _LAYER_RULES.clear()
        return func

    return register
