"""The pieces every check shares: a finding, a rule, and the registry.

A rule is a small function registered with :func:`rule`; it gets what it
inspects (a rendered letter, or a template's source) and yields
:class:`Hit` objects. The framework turns hits into :class:`Finding`
objects with the template path, line and region filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("warning", "error")
LAYERS = ("source", "letter", "render")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Hit:
    """What a rule saw: a message and where in its input (0-based line)."""

    message: str
    line: int | None = None
    value: float | None = None
    threshold: float | None = None


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

    def key(self) -> tuple[Any, ...]:
        """Findings with the same key are the same problem seen in other samples."""
        return (self.path, self.line, self.rule, self.region, self.message)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "region": self.region,
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


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, *, severity: str, layer: str, summary: str
) -> Callable[[Callable[..., Iterator[Hit]]], Callable[..., Iterator[Hit]]]:
    """Register a check; its docstring is the explanation ``brief lint --explain`` shows."""
    assert severity in SEVERITIES and layer in LAYERS

    def register(func: Callable[..., Iterator[Hit]]) -> Callable[..., Iterator[Hit]]:
        explanation = " ".join((func.__doc__ or "").split())
        RULES[rule_id] = Rule(rule_id, severity, layer, summary, explanation, func)
        return func

    return register
