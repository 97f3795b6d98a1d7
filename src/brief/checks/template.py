"""Rules about a template's source: syntax, unknown names, written-out signers, suppressions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import jinja2
from jinja2 import meta, nodes

from .base import RULES, Hit, rule

# Names a template gets from brief (see brief.render.context) and its globals.
CONTEXT_NAMES = frozenset(
    {
        "customer",
        "history",
        "signer",
        "team",
        "team_name",
        "region",
        "org",
        "formal",
        "language",
        "today",
        "wik",
    }
)
_SUPPRESSION = re.compile(
    r"\{#-?\s*brief:\s*disable-next-line\s*=\s*(?P<rules>[\w,\s-]*?)"
    r"(?:\s+reason\s*=\s*\"(?P<reason>[^\"]*)\")?\s*-?#\}"
)


@dataclass(frozen=True)
class Suppression:
    """One ``{# brief: disable-next-line=RULE reason="..." #}`` comment."""

    line: int  # the 1-based line of the comment; it switches rules off on the next one
    rules: frozenset[str]
    reason: str


def find_suppressions(text: str) -> list[Suppression]:
    """Every suppression comment in a template's text, in order."""
    found = []
    for match in _SUPPRESSION.finditer(text):
        rules = frozenset(r.strip() for r in match.group("rules").split(",") if r.strip())
        line = text.count("\n", 0, match.start()) + 1
        found.append(Suppression(line, rules, (match.group("reason") or "").strip()))
    return found


def suppressed_lines(text: str) -> dict[int, set[str]]:
    """Template line -> the rules a suppression comment on the line before switches off."""
    lines: dict[int, set[str]] = {}
    for suppression in find_suppressions(text):
        lines.setdefault(suppression.line + 1, set()).update(suppression.rules)
    return lines


@dataclass
class Source:
    """A template's text (front matter blanked out, line numbers kept) and its parse."""

    path: str
    text: str
    ast: nodes.Template | None = None
    error: jinja2.TemplateSyntaxError | None = None
    suppressed: dict[int, set[str]] = field(default_factory=dict)


@rule(
    "template-syntax", severity="error", layer="source", summary="the template is not valid Jinja"
)
def template_syntax(source: Source) -> Iterator[Hit]:
    """The template cannot be parsed, so no letter can be made from it. The message is
    Jinja's own, on the line where the parser gave up (an unclosed tag is often opened
    earlier)."""
    if source.error is not None:
        yield Hit(f"template syntax error: {source.error.message}", source.error.lineno)


@rule(
    "undefined-variable", severity="error", layer="source", summary="a name or field no letter has"
)
def undefined_variable(source: Source) -> Iterator[Hit]:
    """Templates render with strict undefined values: a name brief does not provide (a
    typo such as `signr.name`), or a customer field that the sample records lack, stops
    the letter instead of printing an empty gap or "None". Top-level names are checked
    from the source; customer fields when the letter is rendered for the samples."""
    if source.ast is None:
        return
    unknown = meta.find_undeclared_variables(source.ast) - CONTEXT_NAMES
    seen: set[str] = set()
    for node in source.ast.find_all(nodes.Name):
        if node.name in unknown and node.name not in seen:
            seen.add(node.name)
            known = ", ".join(sorted(CONTEXT_NAMES))
            yield Hit(f"{node.name!r} is undefined (templates get: {known})", node.lineno)


@rule(
    "hardcoded-signer",
    severity="warning",
    layer="source",
    summary="the signature is written out instead of taken from the roster",
)
def hardcoded_signer(source: Source) -> Iterator[Hit]:
    """A name typed into the template signs every letter with that one person, in every
    rayon, and stays there after they leave. Use `{{ signer.name }}`, `{{ signer.phone }}`
    and `{{ team | names }}` so that each letter is signed by the customer's own contact."""
    from ..signoff import find_signature

    signature = find_signature(source.text)
    if signature.closing_line is None:
        return
    lines = source.text.splitlines()
    block = [lines[signature.closing_line], *(text for _, text in signature.lines)]
    if not any("{{" in text for text in block):
        yield Hit(
            "the signature is written out in the template; use {{ signer.name }} and "
            "{{ signer.phone }} so each letter is signed by the customer's own contact",
            signature.closing_line + 1,
        )


@rule(
    "bad-suppression",
    severity="error",
    layer="source",
    summary="a suppression without a reason, or for no rule",
)
def bad_suppression(source: Source) -> Iterator[Hit]:
    """Findings can be switched off for one line with a Jinja comment on the line
    before it, which never reaches the letter:
    `{# brief: disable-next-line=long-sentence reason="statutory wording" #}`.
    The reason is required, so that the next writer knows why; a suppression without one,
    or naming a rule that does not exist, is itself reported."""
    for suppression in find_suppressions(source.text):
        line = suppression.line
        source.suppressed.setdefault(line + 1, set()).update(suppression.rules)
        if not suppression.rules:
            yield Hit("suppression names no rule (disable-next-line=RULE)", line)
        for rule_id in sorted(suppression.rules - RULES.keys()):
            yield Hit(f"suppression names unknown rule {rule_id!r}", line)
        if not suppression.reason:
            yield Hit('suppression without a reason (add reason="...")', line)


@dataclass(frozen=True)
class RenderFailure:
    """Rendering one part of a letter (or its subject) for a sample record failed."""

    error: BaseException
    environment: jinja2.Environment
    line: int | None = None  # where the failing text is, when the traceback cannot say


@rule(
    "render-error",
    severity="error",
    layer="render",
    summary="the template fails for a sample record",
)
def render_error(failure: RenderFailure) -> Iterator[Hit]:
    """Rendering the template for a sample record failed: a filter got a value it cannot
    format (text where an amount belongs), a contact person in the sample is unknown, or
    the sandbox refused an unsafe operation (`{{ customer.__class__ }}`, a method that
    changes a list). The letter would be rejected at render time too. The finding names
    the file and line of the expression that failed: in an included file, an imported
    macro or an extended base when that is where it stands."""
    from ..limits import RenderLimit
    from ..render import error_origin

    error = failure.error
    if isinstance(error, jinja2.UndefinedError):
        return  # a missing field or name: undefined-variable's
    if isinstance(error, (RenderLimit, RecursionError)):
        return  # render-limit's
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    origin = error_origin(error, failure.environment)
    if origin is None:
        yield Hit(message, failure.line)
    else:
        yield Hit(message, origin[1], path=origin[0])
