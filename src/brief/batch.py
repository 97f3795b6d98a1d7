"""The main job: a file of customer records in, one finished letter per record out.

:func:`render_batch` streams the records, checks each one against the
project (region, contact person, template, duplicate ids), renders it,
stages the letter and writes ``manifest.jsonl``. Every record ends either
as a letter or as a ``rejected`` manifest line with its reason.

By default one invalid record refuses the whole batch: nothing is written
and :class:`~brief.errors.InvalidInput` lists the problems. With
``skip_invalid`` the valid records are written and the rest are rejected.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import outbox
from .checks import Hit, LetterText, Rule, check_letter
from .errors import BriefError, InvalidInput, Problems, RecordError, TemplateError
from .profiles import LANGUAGES, Profile
from .project import Project
from .records import Record, read_records
from .render import Letter, render_letter, resolve_signer

MANIFEST = "manifest.jsonl"
SHOWN_PROBLEMS = 10


@dataclass
class BatchOptions:
    records: Path
    out: Path
    template: str | None = None
    skip_invalid: bool = False
    encoding: str | None = None
    today: dt.date = field(default_factory=dt.date.today)
    check: bool = True
    allow_findings: bool = False


@dataclass
class RegionCount:
    rendered: int = 0
    rejected: int = 0
    signers: Counter[str] = field(default_factory=Counter)


@dataclass
class BatchResult:
    out: Path
    manifest: Path
    rendered: int = 0
    rejected: int = 0
    refused: int = 0  # rendered, but held back by an error-level finding
    findings: Counter[str] = field(default_factory=Counter)
    regions: dict[str, RegionCount] = field(default_factory=dict)
    templates: Counter[str] = field(default_factory=Counter)
    problems: list[BriefError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.rendered + self.rejected

    def region(self, name: str) -> RegionCount:
        return self.regions.setdefault(name, RegionCount())


OnRecord = Callable[[str], None]


class _Checker:
    """Project-level checks of one record: region, language, template, ids."""

    def __init__(self, project: Project, template: str | None):
        self.project = project
        self.template = template
        self.seen: dict[str, int] = {}

    def __call__(self, record: Record) -> tuple[Profile, str]:
        def fail(message: str, field: str) -> RecordError:
            return RecordError(
                message, path=record.path, line=record.line, record=record.id, field=field
            )

        first = self.seen.setdefault(record.id, record.line)
        if first != record.line:
            raise fail(f"duplicate id (first seen on line {first})", "id")
        region = str(record.get("region"))
        profile = self.project.profile(region)
        if profile is None:
            raise fail(
                f"unknown region {region!r} (known: {self.project.known_regions()})", "region"
            )
        language = record.get("language")
        if language is not None:
            if language not in LANGUAGES:
                raise fail(f"unknown language {language!r} (known: nl, en)", "language")
            profile = profile.for_language(language)
        name = self.template or record.get("template")
        if name is None:
            raise fail("required: pass --template or fill a 'template' column", "template")
        if str(name) not in self.project.templates.names():
            known = ", ".join(self.project.templates.names())
            raise fail(f"unknown template {name!r} (known: {known})", "template")
        return profile, str(name)


def render_one(
    project: Project, record: Record, profile: Profile, template: str, today: dt.date
) -> Letter:
    """Render ``record``; any problem comes back as a :class:`RecordError`."""
    try:
        spec = project.templates.select(template, profile)
    except TemplateError as err:
        raise RecordError(
            err.message, path=record.path, line=record.line, record=record.id, field="template"
        ) from None
    signer = resolve_signer(record, profile, project.roster)
    return render_letter(record, spec, profile, project.roster, today=today, signer=signer)


def render_batch(
    project: Project,
    options: BatchOptions,
    *,
    on_record: OnRecord | None = None,
    warn: Callable[[str], None] | None = None,
) -> BatchResult:
    """Render every record of ``options.records`` into ``options.out``."""
    if options.template is not None:
        project.templates.require(options.template)
    project.profiles  # load and check the project before touching any record  # noqa: B018
    checker = _Checker(project, options.template)
    result = BatchResult(out=options.out, manifest=options.out / MANIFEST)
    with outbox.Staging(options.out) as staging:
        manifest = (staging.folder / MANIFEST).open("w", encoding="utf-8")
        with manifest:
            for item in read_records(options.records, encoding=options.encoding, warn=warn):
                entry = _one(project, item, checker, options, staging, result)
                manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
                if on_record:
                    on_record(entry["status"])
        if result.problems and not options.skip_invalid:
            raise InvalidInput(Problems(result.problems[:SHOWN_PROBLEMS], result.rejected))
        staging.commit(last=MANIFEST)
    return result


def _one(
    project: Project,
    item: Record | RecordError,
    checker: _Checker,
    options: BatchOptions,
    staging: outbox.Staging,
    result: BatchResult,
) -> dict[str, Any]:
    region = str(item.get("region")) if isinstance(item, Record) and item.get("region") else None
    try:
        if isinstance(item, RecordError):
            raise item
        profile, template = checker(item)
        letter = render_one(project, item, profile, template, options.today)
        data = outbox.letter_bytes(letter)
    except RecordError as err:
        result.rejected += 1
        if len(result.problems) < SHOWN_PROBLEMS:
            result.problems.append(err)
        if region is not None:
            result.region(region).rejected += 1
        return {
            "record": err.record,
            "status": "rejected",
            "line": err.line,
            "region": region,
            "reason": err.reason,
        }
    found = check(letter, project) if options.check else []
    for rule, _ in found:
        result.findings[rule.id] += 1
    errors = [f"[{rule.id}] {hit.message}" for rule, hit in found if rule.severity == "error"]
    entry: dict[str, Any] = {"record": letter.record.id}
    if errors and not options.allow_findings:
        result.refused += 1
        result.region(letter.profile.id).rejected += 1
        entry.update(status="rejected", reason="refused by checks: " + "; ".join(errors))
    else:
        name = outbox.letter_filename(letter)
        if not result.problems or options.skip_invalid:
            staging.write(name, data)
        result.rendered += 1
        counts = result.region(letter.profile.id)
        counts.rendered += 1
        counts.signers[letter.signer.name] += 1
        result.templates[letter.template.path.name] += 1
        entry.update(status="rendered", path=name)
    entry.update(
        line=letter.record.line,
        template=letter.template.name,
        template_file=letter.template.path.name,
        region=letter.profile.id,
        language=letter.language,
        channel=letter.channel,
        signer=letter.signer.name,
    )
    if options.check:
        entry["findings"] = [
            {"rule": rule.id, "severity": rule.severity, "message": hit.message}
            for rule, hit in found
        ]
    return entry


def check(letter: Letter, project: Project) -> list[tuple[Rule, Hit]]:
    """The letter rules' findings on one rendered letter."""
    return check_letter(
        LetterText(
            text=letter.text,
            profile=letter.profile,
            roster=project.roster,
            signer=letter.signer,
            contact=letter.record.get("contact"),
        )
    )
