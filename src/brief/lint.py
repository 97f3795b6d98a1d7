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
from typing import Any

import jinja2

from . import limits
from .checks import (
    RULES,
    Finding,
    Found,
    Hit,
    LetterText,
    Rule,
    check_email,
    check_letter,
    severity_rank,
    suppressed_lines,
)
from .checks.template import RenderFailure, Source
from .errors import BriefError, RecordError
from .history import MissingHistory, for_samples
from .history import Source as HistorySource
from .htmltext import HtmlText, html_text
from .profiles import Profile
from .project import Project
from .records import Record, Records, read_records
from .render import (
    POST,
    Letter,
    Origin,
    Templates,
    TemplateSpec,
    context,
    error_origin,
    front_matter_lines,
    render_traced,
    resolve_signer,
    split_front_matter,
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


def load_samples(path: Records) -> list[Record]:
    """Sample records (a file, a workbook's sheet, a query); bad ones are skipped (lint
    checks templates, not data)."""
    return [item for item in read_records(path) if isinstance(item, Record)]


def lint(project: Project, paths: Sequence[Path], *, samples: Records | None = None) -> LintResult:
    """Lint the templates named by ``paths`` (default: the project's templates folder)."""
    files = template_files(paths, project.templates_dir)
    result = LintResult()
    sample_path = project.settings.samples
    if samples is not None or sample_path.is_file():
        found = load_samples(samples if samples is not None else sample_path)
        records = [(record, _language(project, record)) for record in found]
    else:
        records = []
        result.notes.append(
            f"no sample records ({sample_path} not found; set 'samples' in brief.yaml or pass "
            "--samples): only the template sources were checked"
        )
    settings = project.settings
    history = for_samples(settings.journal_path, settings.sample_history)
    folders: dict[Path, Templates] = {}
    for path in files:
        templates = folders.get(path.parent)
        if templates is None:
            templates = folders[path.parent] = Templates(path.parent, project.settings.limits)
        result.templates += 1
        result.findings.extend(_lint_file(project, templates, path, records, result, history))
    result.findings = _unsuppressed(_merge(result.findings))
    result.findings.sort(
        key=lambda f: (
            f.path,
            f.line or 0,
            -severity_rank(f.severity),
            f.rule,
            f.part,
            f.region or "",
        )
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
    history: HistorySource,
) -> list[Finding]:
    try:
        text, ast = templates.parse(path.name)
        source = Source(path=str(path), text=text, ast=ast)
    except jinja2.TemplateSyntaxError as err:
        text = split_front_matter(path.read_text(encoding="utf-8-sig"))[1]
        source = Source(path=str(path), text=text, error=err)
    part = "html" if path.name.endswith(".html.j2") else "text"
    findings = [
        replace(_finding(rule, hit, path, hit.line), part=part)
        for rule in RULES.values()
        if rule.layer == "source"
        for hit in rule.check(source)
    ]
    if source.error is not None or path.name.endswith(".html.j2") or path.name.startswith("_"):
        # An HTML part is checked as a letter with its text part; a partial ("_name.j2")
        # in the letters of the templates that include, import or extend it.
        return findings
    try:
        spec = templates.load(path.name[: -len(".j2")])
    except BriefError as err:
        if err.path != str(path):
            return findings  # the HTML part's own error, reported when that file is linted
        return [*findings, Finding("template-syntax", "error", err.message, str(path), err.line)]
    letters: dict[tuple[object, ...], Finding] = {}
    paper: list[_Paper] = []  # paper letters, laid out below in one go
    for profile in _regions(project, templates, spec):
        for record in _samples(records, profile):
            result.letters += 1
            found = _lint_letter(project, templates, spec, profile, record, history, paper)
            for finding in found:
                key = finding.key()
                if key in letters:
                    merged = letters[key].samples + finding.samples
                    letters[key] = replace(letters[key], samples=merged)
                else:
                    letters[key] = finding
    for finding in _laid_out(project, paper):
        key = finding.key()
        if key in letters:
            letters[key] = replace(letters[key], samples=letters[key].samples + finding.samples)
        else:
            letters[key] = finding
    findings.extend(letters.values())
    return findings


@dataclass
class _Paper:
    """A sample paper letter whose text rendered: to be laid out on paper."""

    letter: Letter
    part: _Part


def _laid_out(project: Project, paper: list[_Paper]) -> list[Finding]:
    """The ``layout`` rule's findings on the sample paper letters of one template, all
    typeset in one compile. A sample that cannot be laid out (it has no address: test and
    example projects often have none) is left out without a word; the README says so."""
    if not paper:
        return []
    from .paper import lay_out_many, layout_found

    findings = []
    for item, page in zip(
        paper, lay_out_many([p.letter for p in paper], project.roster), strict=True
    ):
        letter = item.letter
        if isinstance(page, BriefError):
            continue
        found = layout_found(page)
        findings.extend(_located(found, {"text": item.part}, letter.profile, letter.record))
    return findings


def _unsuppressed(findings: list[Finding]) -> list[Finding]:
    """``findings`` without those a suppression comment in their file switches off."""
    suppressed: dict[str, dict[int, set[str]]] = {}
    kept = []
    for finding in findings:
        lines = suppressed.get(finding.path)
        if lines is None:
            try:
                source = Path(finding.path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                source = ""
            lines = suppressed[finding.path] = suppressed_lines(split_front_matter(source)[1])
        if finding.rule not in lines.get(finding.line or 0, ()):
            kept.append(finding)
    return kept


def _merge(findings: list[Finding]) -> list[Finding]:
    """The same finding from several templates (in a partial they share) once."""
    merged: dict[tuple[object, ...], Finding] = {}
    for finding in findings:
        key = finding.key()
        if key in merged:
            samples = tuple(dict.fromkeys(merged[key].samples + finding.samples))
            merged[key] = replace(merged[key], samples=samples)
        else:
            merged[key] = finding
    return list(merged.values())


def _regions(project: Project, templates: Templates, spec: TemplateSpec) -> Iterable[Profile]:
    """Every region profile (in the template's language) whose letters use this file."""
    name = spec.name
    post = spec.path.name.endswith(f".{POST}.j2")  # the letter version of an e-mail
    for profile in project.profiles.values():
        candidate = profile.for_language(spec.language)
        try:
            if templates.select(name, candidate, post=post).path == spec.path:
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


@dataclass
class _Part:
    """One rendered part of a sample letter, with where each of its lines came from."""

    name: str  # "text" or "html"
    path: Path
    origins: list[Origin | None]
    letter: LetterText
    html: HtmlText | None = None  # the HTML part: its displayed text and source lines

    def locate(self, hit: Hit) -> Origin | None:
        """The template file and line of what ``hit`` points at."""
        if hit.start is not None:
            offset: int | None = hit.start
        elif hit.line is not None and 0 < hit.line <= len(self.letter.lines):
            offset = self.letter.line_starts[hit.line - 1]
        else:
            offset = None
        if offset is None:
            return None
        if self.html is not None:
            index = self.html.source_line(offset) - 1
        else:
            index = self.letter.line_of(offset) - 1
        return _map_line(self.origins, index)


def _lint_letter(
    project: Project,
    templates: Templates,
    spec: TemplateSpec,
    profile: Profile,
    record: Record,
    history: HistorySource,
    paper: list[_Paper] | None = None,
) -> list[Finding]:
    def failure(rule_id: str, message: str, part: str, at: Origin | None, file: Path) -> Finding:
        where, line = (Path(at[0]), at[1]) if at else (file, None)
        return Finding(
            rule=rule_id,
            severity=RULES[rule_id].severity,
            message=message,
            path=str(where),
            line=line,
            region=profile.id,
            samples=(record.id,),
            part=part,
        )

    try:
        signer = resolve_signer(record, profile, project.roster)
    except RecordError as err:
        at = (str(spec.path), 1)
        return [failure("render-error", err.message, "text", at, spec.path)]
    ctx = context(record, profile, signer, project.roster, LINT_DATE, history=history)
    env = templates.env
    parts: list[_Part] = []
    failures: list[Finding] = []
    options: dict[str, Any] = dict(
        profile=profile,
        roster=project.roster,
        signer=signer,
        contact=record.get("contact"),
        customer=record.fields,
    )
    subject = ""
    with limits.bounded(project.settings.limits):  # one budget for the whole letter
        if spec.subject is not None:
            source = spec.path.read_text(encoding="utf-8-sig")
            subject_line = front_matter_lines(source).get("subject")
            try:
                subject = spec.subject.render(ctx).strip()
            except RENDER_ERRORS as err:
                failures.extend(_failed(err, env, "text", (str(spec.path), subject_line or 1)))
        for name, template, file in _sources(spec):
            try:
                rendered, origins = render_traced(template, ctx)
            except RENDER_ERRORS as err:
                origin = error_origin(err, env)
                failures.extend(_failed(err, env, name, origin or (str(file), 1)))
                continue
            parts.append(_part(name, file, rendered, origins, options))
    findings = [replace(f, region=profile.id, samples=(record.id,)) for f in failures]
    by_name = {part.name: part for part in parts}
    if paper is not None and spec.channel == "letter" and "text" in by_name and not failures:
        text = by_name["text"]
        letter = Letter(
            record=record,
            template=spec,
            profile=profile,
            signer=signer,
            language=profile.language,
            subject=subject,
            text=text.letter.text,
            html=None,
            date=LINT_DATE,
            roster=project.roster,
        )
        paper.append(_Paper(letter, text))
    if "text" in by_name:
        found = check_email(
            by_name["text"].letter, by_name["html"].letter if "html" in by_name else None
        )
    else:  # the text part failed: the HTML part's own findings still count
        found = [
            Found(rule, hit, part.name) for part in parts for rule, hit in check_letter(part.letter)
        ]
    return findings + _located(found, by_name, profile, record)


def locate(
    project: Project,
    letter: Letter,
    found: list[Found],
    today: dt.date,
    history: HistorySource | None = None,
) -> list[Finding]:
    """The letter rules' ``found`` hits on ``letter`` as findings at the template files and
    lines their text came from, as ``brief lint`` reports them (both parts are traced
    again, with the same ``history``)."""
    spec = letter.template
    ctx = context(
        letter.record, letter.profile, letter.signer, project.roster, today, history=history
    )
    options = LetterText.options_of(letter, project.roster)
    by_name = {}
    with limits.bounded(project.settings.limits):
        for name, template, file in _sources(spec):
            rendered, origins = render_traced(template, ctx)
            by_name[name] = _part(name, file, rendered, origins, options)
    return _located(found, by_name, letter.profile, letter.record)


def _sources(spec: TemplateSpec) -> list[tuple[str, jinja2.Template, Path]]:
    """The parts of a letter: (part, template, file)."""
    sources = [("text", spec.body, spec.path)]
    if spec.html is not None:
        sources.append(("html", spec.html, Path(str(spec.html.filename))))
    return sources


def _part(
    name: str, file: Path, rendered: str, origins: list[Origin | None], options: dict[str, Any]
) -> _Part:
    if name == "html":
        return _Part(
            name, file, origins, LetterText.from_html(rendered, **options), html_text(rendered)
        )
    return _Part(name, file, origins, LetterText(text=rendered, **options))


def _located(
    found: list[Found], by_name: dict[str, _Part], profile: Profile, record: Record
) -> list[Finding]:
    findings = []
    for rule, hit, part_name in found:
        part = by_name[part_name]
        origin = part.locate(hit)
        where, line = (Path(origin[0]), origin[1]) if origin else (part.path, None)
        finding = _finding(rule, hit, where, line)
        findings.append(replace(finding, region=profile.id, samples=(record.id,), part=part_name))
    return findings


RENDER_ERRORS = (
    jinja2.TemplateError,
    ValueError,
    TypeError,
    ArithmeticError,
    RecordError,
    MissingHistory,
    RecursionError,
)


def _failed(err: BaseException, env: jinja2.Environment, part: str, at: Origin) -> list[Finding]:
    """A failed rendering as findings: a missing field or name, a limit, or another render
    error."""
    if isinstance(err, jinja2.UndefinedError):
        origin = error_origin(err, env) or at
        return [
            Finding(
                "undefined-variable",
                RULES["undefined-variable"].severity,
                err.message or "",
                origin[0],
                origin[1],
                part=part,
            )
        ]
    if isinstance(err, (RecordError, MissingHistory)):
        rule = RULES["render-error"]
        if isinstance(err, RecordError):
            message = err.message
        else:
            message = f"{err} or the sample history (set 'sample_history:' in brief.yaml)"
            at = error_origin(err, env) or at
        return [Finding(rule.id, rule.severity, message, at[0], at[1], part=part)]
    failure = RenderFailure(err, env, at[1])
    return [
        Finding(
            rule.id,
            rule.severity,
            hit.message,
            hit.path or at[0],
            hit.line if hit.path else at[1],
            part=part,
            value=hit.value,
            threshold=hit.threshold,
        )
        for rule in (RULES["render-limit"], RULES["render-error"])
        for hit in rule.check(failure)
    ]


def _map_line(line_map: list[Origin | None], index: int | None) -> Origin | None:
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
