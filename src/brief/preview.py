"""One letter as its reader gets it, marked up with what the lint rules see in it.

Terminal presentation only. :func:`build_preview` renders one customer's letter
for one region and turns it into a :class:`Preview`: the text, its headers, the
:class:`Finding` objects (with character offsets into the text) and the
:class:`Metric` rows, as plain dataclasses. :func:`plain_text` writes previews
as stable plain text (for pipes and CI logs); :func:`renderable` turns them into
rich renderables for a terminal or a recorded console (:func:`make_console`).

What is marked, per sentence of the body (between salutation and closing):

* **very hard**: more words than the region's ``max_sentence_words``: exactly the
  sentences the ``long-sentence`` rule warns about;
* **hard**: more words than the region's ``max_average_words`` (the sentences that pull
  the average towards the ``readability`` limit), or, for a sentence of at least
  :data:`MIN_SCORED_WORDS` words, a Flesch-Douma (Dutch) or Flesch Reading Ease
  (English) score of its own below the region's ``min_score``. Shorter sentences are
  judged by length only: one long word swings a short sentence's score far below any
  floor ("Dat heten incassokosten." scores -1);
* **officialese**: the words the ``officialese`` rule flags, with their plain
  alternative (plain and very plain regions only, as in ``brief lint``);
* **signature**: an anonymous closing (``anonymous-signoff``), a name that is not on the
  roster (``unknown-signer``) or a signer who is not the reader's contact
  (``distant-signer``).

Every other letter rule's finding is listed with its line. The ``readability`` rule's
finding is the metrics' score and average rows. Findings a template suppresses with
``{# brief: disable-next-line=RULE reason="..." #}`` are left out, as in ``brief lint``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks import LetterText, check_letter, suppressed_lines
from .checks.letter import LEVEL_NAMES
from .checks.readability import SCORE_NAMES
from .errors import BriefError, RecordError
from .history import for_samples
from .profiles import LANGUAGES, Profile, Thresholds
from .project import Project
from .readability import scores_of
from .records import Record, read_records
from .render import (
    Letter,
    Origin,
    context,
    render_letter,
    render_traced,
    resolve_signer,
    split_front_matter,
)
from .signoff import signer_label
from .staff import StaffMember

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

#: Sentences shorter than this are judged by length only, not by their own score.
MIN_SCORED_WORDS = 8
#: How many record ids an "unknown customer" message lists.
SHOWN_CHOICES = 10
#: The width metrics need beside the letter; narrower terminals get them under it.
SIDE_BY_SIDE_WIDTH = 120

KINDS = ("very-hard", "hard", "officialese", "signature", "other")

#: Styles of the marks (rich style names in :data:`THEME`).
THEME = {
    "preview.hard": "black on #ffe08a",
    "preview.very-hard": "bold white on #cc0000",
    "preview.officialese": "bold underline #1f6fd1",
    "preview.alternative": "italic #1f6fd1",
    "preview.signature": "bold white on #8e44ad",
    "preview.other": "bold #d35400",
    "preview.label": "dim",
    "preview.pass": "bold green",
    "preview.fail": "bold red",
}


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Finding:
    """One thing the preview marks: a stretch of the letter text, or the whole letter.

    ``start``/``end`` are offsets into :attr:`Preview.text` (``None`` for a finding about
    the whole letter); ``line`` is the 1-based line of the letter text and
    ``template_line`` the template line it came from.
    """

    kind: str
    rule: str | None
    message: str
    line: int | None
    template_line: int | None = None
    start: int | None = None
    end: int | None = None
    alternative: str | None = None  # officialese: the plain word
    template_file: str | None = None  # when not the letter's template (an included file)

    @property
    def marked(self) -> bool:
        return self.start is not None and self.end is not None


@dataclass(frozen=True)
class Metric:
    """One row of the metrics table; ``passed`` is ``None`` for rows without a limit."""

    name: str
    value: str
    limit: str = ""  # "at least 70", "at most 12", ...
    passed: bool | None = None


@dataclass(frozen=True)
class Preview:
    """One rendered letter with its findings and metrics."""

    template: str
    template_path: str
    record: str
    customer: str
    region: str
    region_name: str
    level: str
    language: str
    channel: str
    headers: tuple[tuple[str, str], ...]
    text: str
    findings: tuple[Finding, ...]
    metrics: tuple[Metric, ...]
    signer: str
    signer_role: str
    phone: str
    email: str
    thresholds: Thresholds
    score_name: str
    # The letter itself, for --export-pdf and --export-png (a paper letter's pages).
    letter: Letter | None = field(default=None, compare=False, repr=False)

    @property
    def template_file(self) -> str:
        return Path(self.template_path).name


# --------------------------------------------------------------------------- records


def load_records(path: Path) -> list[Record | RecordError]:
    """Every item of a records file, valid or not, in file order."""
    items = list(read_records(path))
    if not items:
        raise BriefError("no customer records", path=path)
    return items


def choose_record(
    items: Sequence[Record | RecordError],
    path: Path,
    *,
    customer: str | None = None,
    sample: int | None = None,
    region: str | None = None,
) -> Record:
    """The record to preview: by id, by position (1-based), else the region's first record
    (when ``region`` is given) or the file's first valid one."""
    if customer is not None and sample is not None:
        raise BriefError("--customer and --sample cannot be used together")
    if sample is not None:
        if not 1 <= sample <= len(items):
            raise BriefError(
                f"--sample: {sample} is out of range ({path} has {_plural(len(items), 'record')})"
            )
        return _valid(items[sample - 1])
    records = [item for item in items if isinstance(item, Record)]
    if customer is not None:
        for record in records:
            if record.id == customer:
                return record
        for item in items:
            if isinstance(item, RecordError) and item.record == customer:
                raise item
        known = _choices([r.id for r in records])
        raise BriefError(f"unknown customer {customer!r} (known: {known})", path=path)
    if not records:
        raise next(item for item in items if isinstance(item, RecordError))
    if region is not None:
        for record in records:
            if record.get("region") == region:
                return record
    return records[0]


def _valid(item: Record | RecordError) -> Record:
    if isinstance(item, RecordError):
        raise item
    return item


def _choices(values: Sequence[str]) -> str:
    if not values:
        return "none"
    shown = ", ".join(values[:SHOWN_CHOICES])
    more = len(values) - SHOWN_CHOICES
    return f"{shown} and {more} more" if more > 0 else shown


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def check_regions(project: Project, regions: Iterable[str], option: str) -> list[str]:
    """``regions`` without duplicates, each one a region of the project."""
    chosen: list[str] = []
    for region in regions:
        if project.profile(region) is None:
            raise BriefError(
                f"{option}: unknown region {region!r} (known: {project.known_regions()})"
            )
        if region not in chosen:
            chosen.append(region)
    return chosen


def place(project: Project, record: Record, region: str | None = None) -> tuple[Record, Profile]:
    """The record as if it lived in ``region`` (its own region by default), and the profile
    its letter uses: the region's, in the customer's own language.

    A record moved into another region loses its own contact person, as ``brief lint``'s
    samples do: the new region's contact signs.
    """
    if region is not None and region != record.get("region"):
        fields = {**record.fields, "region": region}
        fields.pop("contact", None)
        record = replace(record, fields=fields)

    def fail(message: str, field: str) -> RecordError:
        return RecordError(
            message, path=record.path, line=record.line, record=record.id, field=field
        )

    region_id = str(record.get("region"))
    profile = project.profile(region_id)
    if profile is None:
        raise fail(f"unknown region {region_id!r} (known: {project.known_regions()})", "region")
    language = record.get("language")
    if language is not None:
        if language not in LANGUAGES:
            raise fail(f"unknown language {language!r} (known: nl, en)", "language")
        profile = profile.for_language(str(language))
    if record.get("address") is not None:
        profile = profile.for_address(str(record.get("address")))
    return record, profile


# --------------------------------------------------------------------------- building


def build_preview(
    project: Project,
    template: str,
    record: Record,
    *,
    today: dt.date,
    region: str | None = None,
) -> Preview:
    """Render ``record`` with ``template`` (as if in ``region``) and find what to mark."""
    project.templates.require(template)
    record, profile = place(project, record, region)
    try:
        spec, _ = project.templates.choose(template, profile, record)  # on their channel
    except BriefError as err:
        if not err.message.startswith("wants post"):
            raise
        raise record.error(err.message, "channel") from None
    roster = project.roster
    signer = resolve_signer(record, profile, roster)
    settings = project.settings
    history = for_samples(settings.journal_path, settings.sample_history)
    letter = render_letter(
        record, spec, profile, roster, today=today, signer=signer, history=history
    )
    ctx = context(record, profile, signer, roster, today, history=history)
    traced, line_map = render_traced(spec.body, ctx)
    if traced != letter.text:  # should not happen; then no template lines rather than wrong ones
        line_map = [None] * len(letter.text.splitlines())
    text = LetterText(text=letter.text, **LetterText.options_of(letter, roster))
    found = find_findings(text, line_map, suppressed=_suppressions(spec.path), path=str(spec.path))
    headers: tuple[tuple[str, str], ...] = ()
    if spec.channel == "email":
        email = str(record.get("email") or "")
        to = f"{record.get('name')} <{email}>" if email else f"{record.get('name')} (no e-mail)"
        headers = (
            ("From", f"{signer.name} <{signer.email}>"),
            ("To", to),
            ("Subject", letter.subject),
        )
    return Preview(
        template=spec.name,
        template_path=str(spec.path),
        record=record.id,
        customer=str(record.get("name")),
        region=profile.id,
        region_name=profile.name,
        level=LEVEL_NAMES[profile.reading_level],
        language=profile.language,
        channel=spec.channel,
        headers=headers,
        text=letter.text,
        findings=tuple(found),
        metrics=tuple(measure(text, found)),
        **_signer_fields(text),
        thresholds=profile.thresholds,
        score_name=SCORE_NAMES[profile.language],
        letter=letter,
    )


def _signer_fields(letter: LetterText) -> dict[str, str]:
    """Who the preview says signs: the people the closing names (all of them for a team
    closing, "(anonymous)" for nobody). The role of a single roster person; the phone and
    e-mail of the one the reader can call: that person, or the customer's contact when a
    team closing names them."""
    verdict = letter.verdict
    names = [m.name for m in verdict.signers] + [name for _, name in verdict.unknown]
    member: StaffMember | None
    if len(names) == 1 and verdict.signers:
        member = verdict.signers[0]
        role = member.role(letter.language)
    else:
        contact = letter.signer
        member = contact if contact is not None and contact in verdict.signers else None
        role = ""
    return dict(
        signer=signer_label(names),
        signer_role=role,
        phone=member.phone if member else "",
        email=member.email if member else "",
    )


def _suppressions(path: Path) -> dict[int, set[str]]:
    """Template line -> rules a ``brief: disable-next-line`` comment switches off there."""
    try:
        source = split_front_matter(path.read_text(encoding="utf-8-sig"))[1]
    except (OSError, UnicodeDecodeError):
        return {}
    return suppressed_lines(source)


def find_findings(
    letter: LetterText,
    line_map: Sequence[Origin | None] = (),
    *,
    suppressed: dict[int, set[str]] | None = None,
    path: str | None = None,
) -> list[Finding]:
    """Every finding of the lint rules on ``letter``, marked where the rules' hits say
    (each rule's ``mark``), and the hard sentences the preview marks on its own.

    ``line_map`` gives the template file and line of each letter line (from
    :func:`~brief.render.render_traced`); ``suppressed`` maps lines of the template
    ``path`` to the rules switched off there.
    """
    found = [*_hard_sentences(letter), *_rules(letter)]
    result = []
    for finding in found:
        origin = _map_line(line_map, finding.line - 1 if finding.line is not None else None)
        template_line = origin[1] if origin is not None else None
        if (
            finding.rule
            and (path is None or origin is None or origin[0] == path)
            and finding.rule in (suppressed or {}).get(template_line or 0, ())
        ):
            continue
        template_file = origin[0] if origin is not None and origin[0] != path else None
        result.append(replace(finding, template_line=template_line, template_file=template_file))
    result.sort(key=lambda f: (f.line is None, f.line or 0, f.start or 0, KINDS.index(f.kind)))
    return result


def _map_line(line_map: Sequence[Origin | None], index: int | None) -> Origin | None:
    """The template line of letter line ``index``: its own, else the nearest one after it,
    else the nearest before it (a blank output line has none)."""
    if index is None or not line_map:
        return None
    for mapped in [*line_map[index:], *reversed(line_map[:index])]:
        if mapped is not None:
            return mapped
    return None


def _sentence_reasons(
    letter: LetterText, count: int, syllables: int, *, very: bool
) -> tuple[bool, list[str]]:
    """Whether a sentence scores low on its own, and what the preview says of it."""
    limits = letter.profile.thresholds
    value = scores_of(1, count, syllables, count, letter.counts.language).score
    low = count >= MIN_SCORED_WORDS and value < limits.min_score
    reasons = []
    if very:
        reasons.append(f"{count} words, limit {limits.max_sentence_words:g}")
    elif count > limits.max_average_words:
        reasons.append(f"{count} words, average limit {limits.max_average_words:g}")
    if low:
        reasons.append(f"{SCORE_NAMES[letter.language]} {value:.1f}, minimum {limits.min_score:g}")
    return low, reasons


def _hard_sentences(letter: LetterText) -> Iterable[Finding]:
    """Hard sentences: not over the ``long-sentence`` limit (that rule's hits are the very
    hard ones), but over the average limit or scoring low on their own (see the module
    docstring). No rule reports these; the preview marks them to show where to start."""
    limits = letter.profile.thresholds
    for sentence, count, syllables in letter.counts.sentences():
        if not count or count > limits.max_sentence_words:
            continue
        low, reasons = _sentence_reasons(letter, count, syllables, very=False)
        if count > limits.max_average_words or low:
            yield Finding(
                kind="hard",
                rule=None,
                message=f"hard sentence ({'; '.join(reasons)} for {letter.level} letters)",
                line=letter.body_line(sentence.start) + 1,
                start=letter.from_body(sentence.start),
                end=letter.from_body(sentence.end),
            )


def _rules(letter: LetterText) -> Iterable[Finding]:
    """The letter rules' own hits, marked as each rule says (:data:`brief.checks.MARKS`)."""
    sentences = None
    for rule, hit in check_letter(letter):
        mark = rule.mark
        if mark in ("metrics", "none"):
            continue  # the readability rule is the metrics' score and average rows
        if mark == "very-hard":
            if sentences is None:
                sentences = {
                    letter.from_body(s.start): (count, syllables)
                    for s, count, syllables in letter.counts.sentences()
                }
            count, syllables = sentences.get(hit.start or 0, (int(hit.value or 0), 0))
            _, reasons = _sentence_reasons(letter, count, syllables, very=True)
            message = f"very hard sentence ({'; '.join(reasons)} for {letter.level} letters)"
            yield Finding("very-hard", rule.id, message, hit.line, start=hit.start, end=hit.end)
        elif mark == "word":
            yield Finding(
                "officialese",
                rule.id,
                hit.message,
                hit.line,
                start=hit.start,
                end=hit.end,
                alternative=hit.replacement,
            )
        elif mark == "signature":
            yield Finding("signature", rule.id, hit.message, hit.line, start=hit.start, end=hit.end)
        else:
            yield Finding(kind="other", rule=rule.id, message=hit.message, line=hit.line)


def measure(letter: LetterText, findings: Sequence[Finding]) -> list[Metric]:
    """Score, words per sentence, longest sentence and (very) hard sentences against the region's
    thresholds (as the ``readability`` and ``long-sentence`` rules judge them)."""
    stats = letter.counts.scores()
    limits = letter.profile.thresholds
    name = SCORE_NAMES[letter.language]
    if not stats.sentences:
        return [Metric(name, "no sentences", f"at least {limits.min_score:g}", True)]
    hard = sum(1 for f in findings if f.kind == "hard")
    very_hard = sum(1 for f in findings if f.kind == "very-hard")
    return [
        Metric(
            name,
            f"{stats.score:.1f}",
            f"at least {limits.min_score:g}",
            stats.score >= limits.min_score,
        ),
        Metric(
            "words per sentence",
            f"{stats.words_per_sentence:.1f}",
            f"at most {limits.max_average_words:g}",
            stats.words_per_sentence <= limits.max_average_words,
        ),
        Metric(
            "longest sentence",
            _plural(stats.longest, "word"),
            f"at most {limits.max_sentence_words:g}",
            stats.longest <= limits.max_sentence_words,
        ),
        Metric("hard sentences", f"{hard} of {stats.sentences}"),
        Metric("very hard sentences", str(very_hard), "at most 0", very_hard == 0),
    ]


# --------------------------------------------------------------------------- plain text


def plain_text(previews: Sequence[Preview]) -> str:
    """Previews as plain text: the letter as sent, then its findings and metrics.

    The format is stable (tests and CI logs rely on it)::

        TEMPLATE for ID NAME: TEMPLATE FILE, region REGION (Name), LEVEL, LANGUAGE, CHANNEL
        From: ... (e-mail only: From, To, Subject)

        <the letter text>

        Findings:
          line 3 (templates/x.j2:8): hard sentence (14 words, average limit 12 ...)
        Metrics:
          Flesch-Douma: 74.2 (at least 70) ok
          ...
          signer: Ineke de Vries, Medewerker incasso, 06 1234 5601, ineke@...
    """
    return "\n".join(_plain_one(preview) for preview in previews)


def _plain_one(p: Preview) -> str:
    channel = "e-mail" if p.channel == "email" else "letter"
    out = [
        f"{p.template} for {p.record} {p.customer}: {p.template_path}, region {p.region} "
        f"({p.region_name}), {p.level}, {p.language}, {channel}"
    ]
    out.extend(f"{name}: {value}" for name, value in p.headers)
    out.append("")
    out.append(p.text.rstrip("\n"))
    out.append("")
    if p.findings:
        out.append("Findings:")
        out.extend(f"  {_where(p, f)}: {f.message}" for f in p.findings)
    else:
        out.append("Findings: none")
    out.append("Metrics:")
    for metric in p.metrics:
        mark = {True: " ok", False: " FAIL", None: ""}[metric.passed]
        limit = f" ({metric.limit})" if metric.limit else ""
        out.append(f"  {metric.name}: {metric.value}{limit}{mark}")
    details = [part for part in (p.signer_role, p.phone, p.email) if part]
    out.append(f"  signer: {', '.join([p.signer, *details])}")
    return "\n".join(out) + "\n"


def _where(p: Preview, finding: Finding) -> str:
    if finding.line is None:
        return "letter"
    if finding.template_line is None:
        return f"line {finding.line}"
    return (
        f"line {finding.line} ({finding.template_file or p.template_path}:{finding.template_line})"
    )


# --------------------------------------------------------------------------- rich


def make_console(**options: Any) -> Console:
    """A rich console with the preview's styles (every console that shows a preview needs
    them); ``options`` go to :class:`rich.console.Console`."""
    from rich.console import Console
    from rich.theme import Theme

    options.setdefault("highlight", False)
    return Console(theme=Theme(THEME), **options)


def letter_text(preview: Preview) -> Text:
    """The letter text with its findings as styled spans; an officialese word is followed
    by its plain alternative (``[→ als]``)."""
    from rich.text import Text

    body = preview.text.rstrip("\n")
    inserts = sorted(
        (f.end, f" [→ {f.alternative}]")
        for f in preview.findings
        if f.kind == "officialese" and f.end is not None and f.alternative
    )
    positions = [at for at, _ in inserts]
    sizes = [0]
    for _, insert in inserts:
        sizes.append(sizes[-1] + len(insert))

    def moved(offset: int, *, end: bool) -> int:
        before = (bisect.bisect_left if end else bisect.bisect_right)(positions, offset)
        return offset + sizes[before]

    pieces, last = [], 0
    for at, insert in inserts:
        pieces.append(body[last:at])
        pieces.append(insert)
        last = at
    pieces.append(body[last:])
    text = Text("".join(pieces))
    order = {"hard": 0, "very-hard": 0, "other": 1, "signature": 2, "officialese": 3}
    for finding in sorted(preview.findings, key=lambda f: order[f.kind]):
        if finding.start is None or finding.end is None:
            continue
        start = moved(finding.start, end=False)
        end = moved(min(finding.end, len(body)), end=True)
        text.stylize(f"preview.{finding.kind}", start, end)
    for at, insert in inserts:
        start = moved(at, end=True)
        text.stylize("preview.alternative", start, start + len(insert))
    return text


def letter_panel(preview: Preview, *, compact: bool = False) -> RenderableType:
    """The letter in a panel: e-mail headers, a rule, the text."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    parts: list[RenderableType] = []
    if preview.headers:
        headers = Text()
        for index, (name, value) in enumerate(preview.headers):
            if index:
                headers.append("\n")
            headers.append(f"{name}: ", style="preview.label")
            headers.append(value, style="bold" if name == "Subject" else "")
        parts += [headers, Rule(style="preview.label")]
    parts.append(letter_text(preview))
    channel = "e-mail" if preview.channel == "email" else "letter"
    if compact:
        title = f"{preview.region_name}: {preview.template_file}"
    else:
        title = f"{preview.template_file} → {preview.record} {preview.customer}"
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        subtitle=f"region {preview.region_name} · {preview.level} · {channel}",
        subtitle_align="right",
        padding=(0, 1),
    )


def metrics_table(preview: Preview) -> RenderableType:
    """The metrics against the region's thresholds, then the signer and the region."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("limit")
    table.add_column("", justify="center")
    for metric in preview.metrics:
        mark = ""
        if metric.passed is not None:
            mark = "[preview.pass]✓[/]" if metric.passed else "[preview.fail]✗[/]"
        table.add_row(metric.name, metric.value, _short_limit(metric.limit), mark)
    people = Table.grid(padding=(0, 1))
    people.add_column(style="preview.label")
    people.add_column()
    role = f" ({preview.signer_role})" if preview.signer_role else ""
    people.add_row("signer", f"{preview.signer}{role}")
    people.add_row("phone", preview.phone)
    people.add_row("e-mail", preview.email)
    people.add_row("region", f"{preview.region_name} ({preview.region}), {preview.level}")
    return Group(table, people)


def _short_limit(limit: str) -> str:
    return limit.replace("at least ", "≥ ").replace("at most ", "≤ ")


def legend(previews: Sequence[Preview]) -> RenderableType:
    """What the colours mean, with the thresholds when all previews share them."""
    from rich.text import Text

    text = Text()
    for style, label in (
        ("preview.hard", "hard sentence"),
        ("preview.very-hard", "very hard sentence"),
        ("preview.officialese", "officialese"),
        ("preview.alternative", "[→ plain word]"),
        ("preview.signature", "anonymous, unknown or distant signer"),
    ):
        if text:
            text.append("  ")
        text.append(label, style=style)
    text.append("\n")
    first = previews[0]
    key = (first.thresholds, first.score_name, first.level)
    if all((p.thresholds, p.score_name, p.level) == key for p in previews):
        t = first.thresholds
        text.append(
            f"{first.level}: hard = over {t.max_average_words:g} words, or {MIN_SCORED_WORDS}+ "
            f"words with {first.score_name} under {t.min_score:g}; very hard = over "
            f"{t.max_sentence_words:g} words",
            style="preview.label",
        )
    else:
        text.append(
            "hard = more words than the region's average limit, or "
            f"{MIN_SCORED_WORDS}+ words scoring under its minimum; very hard = more words "
            "than its sentence limit",
            style="preview.label",
        )
    return text


def _letter_level(preview: Preview) -> RenderableType | None:
    from rich.text import Text

    rest = [f for f in preview.findings if not f.marked]
    if not rest:
        return None
    text = Text()
    for index, finding in enumerate(rest):
        if index:
            text.append("\n")
        where = f"line {finding.line}: " if finding.line is not None else ""
        text.append("! ", style="preview.other")
        text.append(f"{where}{finding.message}")
    return text


def renderable(previews: Sequence[Preview], *, width: int) -> RenderableType:
    """One preview (metrics beside the letter from :data:`SIDE_BY_SIDE_WIDTH` columns,
    else under it), or several side by side (``--compare``) with their metrics under
    each; the legend at the bottom."""
    from rich.console import Group
    from rich.table import Table

    parts: list[RenderableType] = []
    if len(previews) == 1:
        preview = previews[0]
        if width >= SIDE_BY_SIDE_WIDTH:
            grid = Table.grid(padding=(0, 1), expand=True)
            grid.add_column(ratio=1)
            grid.add_column(width=46)
            grid.add_row(letter_panel(preview), metrics_table(preview))
            parts.append(grid)
        else:
            parts += [letter_panel(preview), metrics_table(preview)]
        extra = _letter_level(preview)
        if extra is not None:
            parts.append(extra)
    else:
        grid = Table.grid(padding=(0, 1), expand=True)
        for _ in previews:
            grid.add_column(ratio=1)
        grid.add_row(*(letter_panel(p, compact=True) for p in previews))
        grid.add_row(*(metrics_table(p) for p in previews))
        if any(_letter_level(p) for p in previews):
            grid.add_row(*(_letter_level(p) or "" for p in previews))
        parts.append(grid)
    parts.append(legend(previews))
    return Group(*parts)


def export(previews: Sequence[Preview], path: Path, *, fmt: str, width: int, title: str) -> None:
    """Write a picture of the preview as ``svg`` or ``html`` (rich's recorded console)."""
    import io

    console = make_console(
        record=True,
        file=io.StringIO(),
        width=width,
        force_terminal=True,
        color_system="truecolor",
    )
    console.print(renderable(previews, width=width))
    data = console.export_svg(title=title) if fmt == "svg" else console.export_html()
    from .outbox import write_atomic

    write_atomic(path, data.encode("utf-8"))


# --------------------------------------------------------------------------- watching


def watched_files(project: Project, records: Path) -> list[Path]:
    """What a preview depends on: templates, region profiles, roster, records, brief.yaml."""
    files: set[Path] = {project.staff_path, records}
    if project.settings.config is not None:
        files.add(project.settings.config)
    for folder, patterns in (
        (project.templates_dir, ("*.j2",)),
        (project.regions_dir, ("*.yaml", "*.yml")),
    ):
        if folder.is_dir():
            for pattern in patterns:
                files.update(folder.glob(pattern))
    return sorted(files)


class Watcher:
    """Polls files (and the folders they are in, for new files) for changes.

    Standard library only: a ``stat`` of every file every ``interval`` seconds, which
    is nothing for the few dozen files of a project and works on every file system.
    """

    def __init__(self, files: Sequence[Path]):
        self.files = list(files)
        self.folders = sorted({f.parent for f in self.files})
        self.state = self._snapshot()

    def _snapshot(self) -> dict[Path, tuple[int, int, int] | None]:
        state: dict[Path, tuple[int, int, int] | None] = {}
        for path in self.files:
            try:
                st = os.stat(path)
            except OSError:
                state[path] = None
            else:
                state[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
        for folder in self.folders:
            try:
                state[folder] = (os.stat(folder).st_mtime_ns, 0, 0)
            except OSError:
                state[folder] = None
        return state

    def changed(self) -> list[Path]:
        """The files (or folders) changed since the last call."""
        state = self._snapshot()
        changes = [path for path in state if state[path] != self.state.get(path)]
        self.state = state
        return changes

    def wait(self, interval: float = 0.25) -> list[Path]:
        """Block until something changes; return what did."""
        import time

        while True:
            time.sleep(interval)
            changes = self.changed()
            if changes:
                time.sleep(min(interval, 0.1))  # let an editor finish writing
                self.changed()
                return changes
