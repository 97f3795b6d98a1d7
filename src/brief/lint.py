"""``brief lint``: check templates as source and as the letters they become.

For every template file, the source rules run on its text; then the
template is rendered for every region profile it can go to, with sample
records from that region, and the letter rules run on each letter.
Findings point back at the template line the text came from, name the
region and samples that produced them, and identical findings across
samples are merged.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from .checks import RULES, Finding, Hit, LetterText, Rule, check_letter, severity_rank
from .checks.template import Source
from .errors import BriefError, RecordError
from .profiles import Profile
from .project import Project
from .records import Record, read_records
from .render import (
    Letter,
    Templates,
    TemplateSpec,
    context,
    render_traced,
    resolve_signer,
    split_front_matter,
    template_line,
)

SAMPLES_PER_REGION = 3
LINT_DATE = dt.date(2026, 1, 15)


@dataclass
class LintResult:
    """What ``brief lint`` reports; iterating it gives the findings."""

    findings: list[Finding] = field(default_factory=list)
    templates: int = 0  # template files checked
    letters: int = 0  # letters rendered and checked
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def template_files(paths: Sequence[Path], default: Path) -> list[Path]:
    """The templates named by ``paths`` (files or folders), sorted; HTML parts included."""
    found: set[Path] = set()
    for path in paths or [default]:
        if path.is_dir():
            found.update(path.rglob("*.j2"))
        elif path.is_file():
            if path.suffix != ".j2":
                raise BriefError("not a template (expected a .j2 file or a folder)", path=path)
            found.add(path)
        else:
            raise BriefError("no such file or folder", path=path)
    return sorted(found)


def load_samples(path: Path) -> list[Record]:
    """Sample records; bad ones are skipped (lint checks templates, not data)."""
    return [item for item in read_records(path) if isinstance(item, Record)]


def lint(project: Project, paths: Sequence[Path], *, samples: Path | None = None) -> LintResult:
    """Lint the templates named by ``paths`` (default: the project's templates folder)."""
    files = template_files(paths, project.templates_dir)
    result = LintResult()
    sample_path = samples or project.settings.samples
    if samples or sample_path.is_file():
        records = [(record, _language(project, record)) for record in load_samples(sample_path)]
    else:
        records = []
        result.notes.append(
            f"no sample records ({sample_path} not found; set 'samples' in brief.yaml or pass "
            "--samples): only the template sources were checked"
        )
    folders: dict[Path, Templates] = {}
    for path in files:
        templates = folders.get(path.parent)
        if templates is None:
            templates = folders[path.parent] = Templates(path.parent)
        result.templates += 1
        result.findings.extend(_lint_file(project, templates, path, records, result))
    result.findings.sort(
        key=lambda f: (f.path, f.line or 0, -severity_rank(f.severity), f.rule, f.region or "")
    )
    return result


def _language(project: Project, record: Record) -> str:
    if record.get("language"):
        return str(record.get("language"))
    profile = project.profile(str(record.get("region")))
    return profile.language if profile else "nl"


def _lint_file(
    project: Project,
    templates: Templates,
    path: Path,
    records: list[tuple[Record, str]],
    result: LintResult,
) -> list[Finding]:
    try:
        text, ast = templates.parse(path.name)
        source = Source(path=str(path), text=text, ast=ast)
    except jinja2.TemplateSyntaxError as err:
        text = split_front_matter(path.read_text(encoding="utf-8-sig"))[1]
        source = Source(path=str(path), text=text, error=err)
    findings = [
        _finding(rule, hit, path, hit.line)
        for rule in RULES.values()
        if rule.layer == "source"
        for hit in rule.check(source)
    ]
    if source.error is not None or path.name.endswith(".html.j2"):
        return findings  # an HTML part is checked as source; its letter is the text part's
    try:
        spec = templates.load(path.name[: -len(".j2")])
    except BriefError as err:
        if err.path != str(path):
            return findings  # the HTML part's own error, reported when that file is linted
        return [*findings, Finding("template-syntax", "error", err.message, str(path), err.line)]
    letters: dict[tuple, Finding] = {}
    for profile in _regions(project, templates, spec):
        for record in _samples(records, profile):
            result.letters += 1
            for finding in _lint_letter(project, spec, profile, record):
                key = finding.key()
                if key in letters:
                    merged = letters[key].samples + finding.samples
                    letters[key] = replace(letters[key], samples=merged)
                else:
                    letters[key] = finding
    findings.extend(letters.values())
    return [f for f in findings if f.rule not in source.suppressed.get(f.line or 0, ())]


def _regions(project: Project, templates: Templates, spec: TemplateSpec) -> Iterable[Profile]:
    """Every region profile (in the template's language) whose letters use this file."""
    name = spec.name
    for profile in project.profiles.values():
        candidate = profile.for_language(spec.language)
        try:
            if templates.select(name, candidate).path == spec.path:
                yield candidate
        except BriefError:
            continue


def _samples(records: list[tuple[Record, str]], profile: Profile) -> list[Record]:
    """Up to three records of this region and language, else others moved into it."""
    same_language = [r for r, language in records if language == profile.language]
    exact = [r for r in same_language if r.get("region") == profile.id]
    if exact:
        return exact[:SAMPLES_PER_REGION]
    moved = []
    for record in (same_language or [r for r, _ in records])[:SAMPLES_PER_REGION]:
        fields = {**record.fields, "region": profile.id}
        fields.pop("contact", None)
        moved.append(replace(record, fields=fields))
    return moved


def _lint_letter(
    project: Project, spec: TemplateSpec, profile: Profile, record: Record
) -> list[Finding]:
    path = spec.path
    try:
        signer = resolve_signer(record, profile, project.roster)
        ctx = context(record, profile, signer, project.roster, LINT_DATE)
        text, line_map = render_traced(spec.body, ctx)
    except RecordError as err:
        return [_render_failure("render-error", err.message, path, None, profile, record)]
    except jinja2.UndefinedError as err:
        line = template_line(err, spec.body)
        return [
            _render_failure("undefined-variable", err.message or "", path, line, profile, record)
        ]
    except (jinja2.TemplateError, ValueError, TypeError, ArithmeticError) as err:
        line = template_line(err, spec.body)
        message = getattr(err, "message", None) or str(err)
        return [_render_failure("render-error", message, path, line, profile, record)]
    letter = LetterText(
        text=text,
        profile=profile,
        roster=project.roster,
        signer=signer,
        contact=record.get("contact"),
        customer=record.fields,
    )
    return _located(check_letter(letter), line_map, path, profile, record)


def locate(
    project: Project, letter: Letter, found: list[tuple[Rule, Hit]], today: dt.date
) -> list[Finding]:
    """The letter rules' ``found`` hits on ``letter`` as findings at the template lines
    their text came from, as ``brief lint`` reports them (the letter is traced again)."""
    spec = letter.template
    ctx = context(letter.record, letter.profile, letter.signer, project.roster, today)
    _, line_map = render_traced(spec.body, ctx)
    return _located(found, line_map, spec.path, letter.profile, letter.record)


def _located(
    found: list[tuple[Rule, Hit]],
    line_map: list[int | None],
    path: Path,
    profile: Profile,
    record: Record,
) -> list[Finding]:
    return [
        replace(
            _finding(rule, hit, path, _map_line(line_map, hit.line)),
            region=profile.id,
            samples=(record.id,),
        )
        for rule, hit in found
    ]


def _map_line(line_map: list[int | None], index: int | None) -> int | None:
    if index is None:
        return None
    for mapped in itertools.chain(line_map[index:], reversed(line_map[:index])):
        if mapped is not None:
            return mapped
    return None


def _finding(rule: Rule, hit: Hit, path: Path, line: int | None) -> Finding:
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=hit.message,
        path=str(path),
        line=line,
        value=hit.value,
        threshold=hit.threshold,
    )


def _render_failure(
    rule_id: str, message: str, path: Path, line: int | None, profile: Profile, record: Record
) -> Finding:
    return Finding(
        rule=rule_id,
        severity=RULES[rule_id].severity,
        message=message,
        path=str(path),
        line=line,
        region=profile.id,
        samples=(record.id,),
    )
