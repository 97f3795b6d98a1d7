"""Findings for people and machines: text, json, github annotations and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from . import __version__
from .checks import RULES, Finding, severity_rank
from .lint import LintResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def summary_line(result: LintResult) -> str:
    return (
        f"{_plural(result.count('error'), 'error')}, {_plural(result.count('warning'), 'warning')} "
        f"in {_plural(result.templates, 'template')} ({_plural(result.letters, 'letter')} checked)"
    )


def _where(finding: Finding) -> str:
    parts = []
    if finding.part != "text":
        parts.append(f"{finding.part} part")
    if finding.region:
        parts.append(f"region {finding.region}")
    if finding.samples:
        parts.append(
            f"sample{'s' if len(finding.samples) > 1 else ''} {', '.join(finding.samples)}"
        )
    return f" ({'; '.join(parts)})" if parts else ""


def as_text(result: LintResult) -> str:
    lines = [
        f"{f.path}:{f.line or 0}: {f.severity} [{f.rule}] {f.message}{_where(f)}"
        for f in result.findings
    ]
    return "\n".join([*lines, summary_line(result)]) + "\n"


def as_json(result: LintResult) -> str:
    data = {
        "version": 1,
        "findings": [f.to_dict() for f in result.findings],
        "summary": {
            "errors": result.count("error"),
            "warnings": result.count("warning"),
            "templates": result.templates,
            "letters": result.letters,
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(result: LintResult) -> str:
    """GitHub Actions workflow commands, errors first."""
    ordered = sorted(result.findings, key=lambda f: -severity_rank(f.severity))
    lines = []
    for f in ordered:
        props = [f"file={_escape_property(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f'brief {f.rule}')}")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(f.message + _where(f))}")
    return "\n".join(lines) + ("\n" if lines else "")


def as_sarif(result: LintResult) -> str:
    """A SARIF 2.1.0 log that GitHub code scanning accepts."""
    rule_ids = sorted(RULES)
    rules = [
        {
            "id": rule_id,
            "name": "".join(part.capitalize() for part in rule_id.split("-")),
            "shortDescription": {"text": RULES[rule_id].summary},
            "fullDescription": {"text": RULES[rule_id].explanation},
            "help": {"text": RULES[rule_id].explanation},
            "defaultConfiguration": {"level": RULES[rule_id].severity},
        }
        for rule_id in rule_ids
    ]
    results = []
    for f in result.findings:
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": PurePath(f.path).as_posix()},
            }
        }
        if f.line:
            location["physicalLocation"]["region"] = {"startLine": f.line}
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": f.severity,
            "message": {"text": f.message + _where(f)},
            "locations": [location],
            "properties": {"region": f.region, "part": f.part, "samples": list(f.samples)},
        }
        if f.value is not None:
            entry["properties"].update(value=f.value, threshold=f.threshold)
        results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "brief",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[str, Callable[[LintResult], str]] = {
    "text": as_text,
    "json": as_json,
    "github": as_github,
    "sarif": as_sarif,
}
