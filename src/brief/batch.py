"""The main job: a file of customer records in, one finished letter per record out.

:func:`render_batch` streams the records, checks each one against the
project (region, contact person, template, duplicate ids), renders it,
runs the letter rules on it, writes it and its ``manifest.jsonl`` line.
Every record ends either as a letter or as a ``rejected`` manifest line
with its reason.

Letters go to a folder, one file each (``options.out``), or into one
stream (``options.stream``: a file, or standard output for ``-``): e-mails
as an mbox, letters with a form feed between them (see
:class:`brief.outbox.Stream`).

By default one invalid record refuses the whole batch: nothing is written
and :class:`~brief.errors.InvalidInput` lists the problems. With
``skip_invalid`` the valid records are written and the rest are rejected.
Standard output cannot be taken back, so for it the records are checked
in a first pass before any letter is printed; a record that fails only
while rendering stops the letters after the ones already printed.

With ``jobs`` above 1 the records are rendered by that many forked
worker processes once a batch passes :data:`POOL_AFTER` records (all but the
first few, up to the first letter of each template they use, rendered here
before the workers start, so they inherit what it loads; a batch of PDF
letters from its first record, see :func:`_outcomes`). From a CSV file the
workers read the records themselves, each rendering every ``jobs``-th chunk,
and this process takes their chunks in turn and checks each id against the
ones before it (:func:`_read_apart`); from any other source this process
reads the records and sends them out (:func:`_pooled`). The stream, the
manifest and the counts stay in this process, in record order; letters for a
folder are written by the process that rendered them. Nothing is kept per
record and every cache is bounded, so peak memory does not grow with the
number of records (bench/RESULTS.md: under 100 MB for 100,000 records with
the checks on).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import sqlite3
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, count, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import mime, outbox
from .checks import Finding, Found, LetterText, check_email
from .errors import BriefError, InvalidInput, Problems, RecordError, TemplateError
from .history import Source as HistorySource
from .journal import Rendered, RenderLog, amount_named
from .profiles import LANGUAGES, Profile
from .project import Project
from .records import Record, Records, csv_file, file_identity, read_csv_part, read_records
from .render import Letter, TemplateSpec, render_letter, resolve_signer
from .signoff import signed_by, signer_label
from .staff import StaffMember

if TYPE_CHECKING:
    from .pdf import LetterPages
    from .printrun import Placed

MANIFEST = "manifest.jsonl"
SHOWN_PROBLEMS = 10
STDOUT = Path("-")
#: A batch of at most this many records is rendered in this process whatever ``jobs``
#: says: small batches never pay for the processes.
POOL_AFTER = 256
CHUNK = 64  # records per task sent to a worker
#: Paper letters typeset in one compile in a print run: measured on the demo 14-dagenbrief,
#: 16 a compile takes half the CPU of one a compile, and typst's memory stays flat (about
#: 250 MB); 64 a compile is no faster and takes 750 MB.
PRINT_CHUNK = 16


@dataclass(kw_only=True)
class RenderOptions:
    """How records become letters: the template, the date they carry, the checks."""

    template: str | None = None  # else each record's ``template`` field
    today: dt.date = field(default_factory=dt.date.today)
    check: bool = True  # run the letter rules on every letter
    allow_findings: bool = False  # keep letters with error-level findings instead of refusing
    history: Path | None = None  # the journal templates' ``history`` comes from (default: none)
    text: bool = False  # paper letters as plain text, not as PDF (brief render --text)
    print_run: bool = False  # PDF letters go into one print run: typeset many per compile


@dataclass(kw_only=True)
class BatchOptions(RenderOptions):
    records: Records  # a path, a database URL or a sources.Source
    out: Path | None = None  # a folder: one file per letter, and manifest.jsonl
    skip_invalid: bool = False
    encoding: str | None = None
    stream: Path | None = None  # one file for every letter; STDOUT for standard output
    manifest: Path | None = None  # with ``stream``: where the manifest goes (default: none)
    jobs: int = 1  # worker processes; 0: one per core
    journal: Path | None = None  # record the rendered letters in this journal

    def validate(self) -> None:
        if (self.out is None) == (self.stream is None):
            raise BriefError(
                "pass --out DIR (a file per letter) or --stream FILE (every letter in one file)"
            )
        if self.out == STDOUT:
            raise BriefError("--out: use --stream - to write every letter to standard output")
        if self.manifest is not None and self.stream is None:
            raise BriefError(f"--manifest is for --stream; --out writes {MANIFEST} in the folder")
        if self.manifest == STDOUT:
            raise BriefError("--manifest: give a file (standard output is for the letters)")
        if self.jobs < 0:
            raise BriefError(f"--jobs: {self.jobs} is not a number of processes (0: all cores)")
        if self.text and self.stream is not None and self.stream.suffix.lower() == ".pdf":
            raise BriefError(
                "--text writes plain text, and a stream named *.pdf is a print run of PDF "
                "letters: leave out --text, or give the stream another name"
            )

    @property
    def pdf(self) -> bool:
        """Whether paper letters become PDF files: in a folder, or in a stream whose name
        ends in ``.pdf`` (a print run), unless ``text``."""
        if self.text:
            return False
        return self.out is not None or (
            self.stream is not None and self.stream.suffix.lower() == ".pdf"
        )


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class RegionCount:
    rendered: int = 0
    rejected: int = 0
    signers: Counter[str] = field(default_factory=Counter)


@dataclass
class BatchResult:
    out: Path | None  # the folder or stream file; None for standard output
    manifest: Path | None
    print_manifest: Path | None = None  # beside a print run (PDF letters in a stream file)
    rendered: int = 0
    rejected: int = 0
    refused: int = 0  # rendered, but held back by an error-level finding
    findings: Counter[str] = field(default_factory=Counter)
    regions: dict[str, RegionCount] = field(default_factory=dict)  # rejected: with refused
    templates: Counter[str] = field(default_factory=Counter)
    channels: Counter[tuple[str, str]] = field(default_factory=Counter)  # (channel, why)
    problems: list[BriefError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.rendered + self.rejected

    @property
    def target(self) -> str:
        """Where the letters went, for messages."""
        return "standard output" if self.out is None else str(self.out)

    def region(self, name: str) -> RegionCount:
        counts = self.regions.get(name)
        if counts is None:  # not setdefault: that would make a RegionCount for every letter
            counts = self.regions[name] = RegionCount()
        return counts


OnRecord = Callable[[str], None]
#: The summary row of records rejected before their region was read (no region field,
#: an unreadable line), so that the rows add up to the totals.
NO_REGION = "(no region)"


def stream_stopped(problems: Problems, printed: int) -> InvalidInput:
    """Problems found while rendering, after letters went to standard output."""
    return InvalidInput(
        problems,
        consequence=f"the {printed} letter{'s' if printed != 1 else ''} before the first one "
        "went to standard output, the rest did not",
        advice="use --skip-invalid to render the valid ones, or --stream FILE to write all "
        "or nothing",
    )


# -- duplicate ids -----------------------------------------------------------


class SeenIds:
    """Every record id seen so far and the line it was first seen on.

    A dict of a million ids takes about 100 MB; this keeps them in a
    private temporary SQLite database (on disk, deleted when closed) with a
    small page cache, so memory stays flat and the answer stays exact.
    """

    def __init__(self) -> None:
        # "" is a private temporary database; the pool's feeder never touches it, but the
        # first pass and the main pass may run on different threads of a test runner.
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-4096"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")
        self.db.execute("BEGIN")

    def first(self, record_id: str, line: int) -> int | None:
        """None the first time ``record_id`` comes; after that, the line it first came on."""
        try:
            self.db.execute("INSERT INTO seen VALUES (?, ?)", (record_id, line))
            return None
        except sqlite3.IntegrityError:
            row = self.db.execute("SELECT line FROM seen WHERE id = ?", (record_id,)).fetchone()
            return int(row[0])

    def close(self) -> None:
        self.db.close()


def duplicate(record: Record, first: int) -> RecordError:
    return record.error(f"duplicate id (first seen on {record.line_name(first)})", "id")


def _duplicate_in_file(path: str, record: str, line: int, first: int) -> RecordError:
    """:func:`duplicate` of a record of a text file, from its id and line."""
    return duplicate(Record(path=path, line=line, fields={"id": record}), first)


# -- one record ----------------------------------------------------------------


class _Lookup:
    """The project-level checks of one record (region, language, template), with the
    answers that are the same for every record of a region cached."""

    def __init__(self, project: Project, template: str | None):
        self.project = project
        self.template = template
        self.names = frozenset(project.templates.names())
        self._profiles: dict[tuple[str, str | None, str | None], Profile] = {}
        self._specs: dict[tuple[Any, ...], tuple[TemplateSpec, str] | TemplateError] = {}

    def profile(self, record: Record) -> Profile:
        region = str(record.get("region"))
        language = record.get("language")
        address = record.get("address")  # u or je, checked when the record was read
        key = (region, language if isinstance(language, str) else None, address)
        profile = self._profiles.get(key) if language is None or key[1] else None
        if profile is not None:
            return profile
        profile = self.project.profile(region)
        if profile is None:
            raise record.error(
                f"unknown region {region!r} (known: {self.project.known_regions()})", "region"
            )
        if language is not None:
            if not isinstance(language, str) or language not in LANGUAGES:
                raise record.error(f"unknown language {language!r} (known: nl, en)", "language")
            profile = profile.for_language(language)
        if address is not None:
            profile = profile.for_address(str(address))
        self._profiles[key] = profile  # known regions and languages only
        return profile

    def template_name(self, record: Record) -> str:
        name = self.template or record.get("template")
        if name is None:
            raise record.error("required: pass --template or fill a 'template' column", "template")
        if str(name) not in self.names:
            known = ", ".join(sorted(self.names))
            raise record.error(f"unknown template {name!r} (known: {known})", "template")
        return str(name)

    def spec(self, record: Record, name: str, profile: Profile) -> tuple[TemplateSpec, str]:
        """The template file for this customer, on their channel, and why that channel."""
        channel = record.get("channel")
        key = (name, profile.id, profile.language, channel, bool(record.get("email")))
        spec = self._specs.get(key)
        if spec is None:
            try:
                spec = self.project.templates.choose(name, profile, record)
            except TemplateError as err:
                spec = err
            self._specs[key] = spec
        if isinstance(spec, TemplateError):
            field = "channel" if spec.message.startswith("wants post") else "template"
            raise record.error(spec.message, field)
        return spec


class RecordChecker:
    """Project-level checks of one record: region, language, template, ids.

    Calling it registers the record's id, so a later record with the same
    id is refused as a duplicate.
    """

    def __init__(self, project: Project, template: str | None):
        self.lookup = _Lookup(project, template)
        self.seen = SeenIds()

    def __call__(self, record: Record) -> tuple[Profile, str]:
        first = self.seen.first(record.id, record.line)
        if first is not None:
            raise duplicate(record, first)
        profile = self.lookup.profile(record)
        return profile, self.lookup.template_name(record)


def render_one(
    project: Project,
    record: Record,
    profile: Profile,
    template: str,
    today: dt.date,
    *,
    history: HistorySource | None = None,
) -> Letter:
    """Render ``record`` on its channel; any problem comes back as a :class:`RecordError`."""
    try:
        spec, _ = project.templates.choose(template, profile, record)
    except TemplateError as err:
        field = "channel" if err.message.startswith("wants post") else "template"
        raise record.error(err.message, field) from None
    signer = resolve_signer(record, profile, project.roster)
    return render_letter(
        record, spec, profile, project.roster, today=today, signer=signer, history=history
    )


def check(letter: Letter, project: Project) -> list[Found]:
    """The letter rules' findings on one rendered letter: its text part and, for an
    e-mail with one, its HTML part as a mail program shows it, and whether the two agree."""
    options = LetterText.options_of(letter, project.roster)
    text = LetterText(text=letter.text, **options)
    html = LetterText.from_html(letter.html, **options) if letter.html is not None else None
    return check_email(text, html)


def described(found: Found) -> str:
    """``[rule] message``, with the part when it is the HTML part's."""
    return _described(found.rule.id, found.hit.message, found.part)


class Outcome(NamedTuple):
    """What became of one record, as the writing side needs it.

    ``entry`` is its manifest line without the letter's location; ``data``
    the letter's bytes when it is to be written (empty when the renderer wrote
    it already); ``error`` the problem when the record was rejected (None for a
    letter refused by the checks).
    """

    entry: dict[str, Any]
    data: bytes | None = None
    error: RecordError | None = None
    name: str = ""  # the letter's file name
    staged: bool = False  # written into the staging folder by the renderer
    amount: str | None = None  # the amount the letter names, for the journal
    # A print run's chunk: its first letter's outcome carries the chunk's PDF (``data``)
    # and where each of its letters is in it; the others are ``chunked``, without data.
    pages: tuple[LetterPages, ...] = ()
    chunked: bool = False
    # Rendered from a record a worker read itself (see _read_apart): whether its id is
    # another record's is for the writing side to say.
    unscreened: bool = False


def rejected(error: RecordError, region: str | None) -> Outcome:
    entry = {
        "record": error.record,
        "status": "rejected",
        "line": error.line,
        "region": region,
        "reason": error.reason,
    }
    return Outcome(entry, error=error)


class Renderer:
    """Turns records into :class:`Outcome` s: checks, render, letter rules (and, for a
    folder, the letter's file in the staging folder).

    The same object renders in this process and, forked, in every worker.
    """

    def __init__(self, project: Project, options: RenderOptions):
        self.project = project
        self.options = options
        self.lookup = _Lookup(project, options.template)
        self.history = HistorySource(options.history)
        # Letters for a folder are written where they are rendered (in a worker, when
        # there are workers): the writing side then only keeps the manifest, instead of
        # receiving every letter's bytes and creating every file itself.
        self.staging: outbox.Staging | None = None
        # E-mails for a stream are made into mbox entries where they are rendered.
        self.mbox = False
        # Paper letters as PDF (brief.pdf), compiled where they are rendered.
        self.pdf = isinstance(options, BatchOptions) and options.pdf

    def prepare(
        self, record: Record, *, recipient: bool = False
    ) -> tuple[Profile, TemplateSpec, StaffMember, str]:
        """What about ``record`` can be known without rendering it, with why it goes on
        its channel (and, with ``recipient``, its e-mail address checked; otherwise that
        comes after rendering)."""
        lookup = self.lookup
        profile = lookup.profile(record)
        spec, reason = lookup.spec(record, lookup.template_name(record), profile)
        signer = resolve_signer(record, profile, self.project.roster)
        if recipient and spec.channel == "email":
            mime.recipient(record)
        return profile, spec, signer, reason

    def letter(self, record: Record) -> Letter:
        """``record`` rendered (without its checks); a problem is a :class:`RecordError`."""
        profile, spec, signer, _ = self.prepare(record)
        roster = self.project.roster
        today = self.options.today
        return render_letter(
            record, spec, profile, roster, today=today, signer=signer, history=self.history
        )

    def checked(self, record: Record) -> Letter:
        """``record`` rendered as ``brief render`` renders it, with its findings located in
        the template: a letter that cannot be written (a bad e-mail address) is a
        :class:`RecordError` too. Writes nothing."""
        letter = self.letter(record)
        outbox.letter_bytes(letter)
        if not self.options.check:
            return letter
        found = check(letter, self.project)
        if not found:
            return letter
        from .lint import locate

        findings = locate(self.project, letter, found, self.options.today, self.history)
        return dataclasses.replace(letter, findings=tuple(findings))

    def letters(self, items: Iterable[Record | RecordError]) -> Iterator[Letter | Rejection]:
        """Every item as a letter or a :class:`Rejection`, in order, as ``brief render``
        decides (duplicate ids, and letters refused by error-level findings unless
        ``allow_findings``). Writes nothing."""
        for item in _screened(items):
            if isinstance(item, Outcome):
                assert item.error is not None
                yield Rejection.of(item.error, item.entry["region"])
                continue
            try:
                letter = self.checked(item)
            except RecordError as err:
                yield Rejection.of(err, _region(item))
                continue
            errors = _refusal([(f.rule, f.severity, f.message, f.part) for f in letter.findings])
            if errors and not self.options.allow_findings:
                yield Rejection(
                    record=item.id,
                    line=item.line,
                    region=letter.profile.id,
                    reason=errors,
                    findings=letter.findings,
                )
            else:
                yield letter

    def many(self, items: list[Record | Outcome]) -> list[Outcome]:
        """Each item's :class:`Outcome`, in order.

        A chunk of records goes through one stage at a time (render them all, then
        encode them all, then check them all): each stage's code stays warm in the
        processor's caches, which measured about a fifth faster than taking every
        record through every stage in turn.
        """
        options = self.options
        done: list[Outcome | None] = []  # None: rendered, its outcome comes below
        letters: list[tuple[int, Letter]] = []
        reasons: dict[int, str] = {}  # why each letter goes on its channel, by index
        for item in items:
            if isinstance(item, Outcome):
                done.append(item)
                continue
            try:
                profile, spec, signer, reasons[len(done)] = self.prepare(item)
                letter = render_letter(
                    item,
                    spec,
                    profile,
                    self.project.roster,
                    today=options.today,
                    signer=signer,
                    history=self.history,
                )
            except RecordError as err:
                done.append(_rejected(err, item))
                continue
            letters.append((len(done), letter))
            done.append(None)
        encoded: list[tuple[int, Letter, bytes]] = []
        for index, letter in letters:
            if self._on_paper(letter):  # typeset below, once its text passed the checks
                encoded.append((index, letter, b""))
                continue
            try:
                encoded.append((index, letter, outbox.letter_bytes(letter, crlf=not self.mbox)))
            except RecordError as err:
                done[index] = _rejected(err, letter.record)
        paper: list[tuple[int, Letter, list[Found]]] = []
        for index, letter, data in encoded:
            found = check(letter, self.project) if options.check else []
            if self._on_paper(letter):
                paper.append((index, letter, found))
                continue
            done[index] = self._outcome(letter, data, found, reasons[index])
        if paper:
            self._typeset(paper, reasons, done)
        return done  # type: ignore[return-value]  # every None has been replaced

    def _on_paper(self, letter: Letter) -> bool:
        """Whether ``letter`` is typeset as a PDF (a paper letter, not ``--text``)."""
        return self.pdf and letter.channel == "letter"

    def _typeset(
        self,
        paper: list[tuple[int, Letter, list[Found]]],
        reasons: dict[int, str],
        done: list[Outcome | None],
    ) -> None:
        """The paper letters of a chunk as PDFs, with the ``layout`` rule's findings: a file
        each, or (a print run) :data:`PRINT_CHUNK` to a compile."""
        from .paper import layout_found, measure_addresses, page_layout, window_block
        from .pdf import PdfError, letter_data, typesetter, unprintable

        options, roster = self.options, self.project.roster
        ready: list[tuple[int, Letter, list[Found], dict[str, Any]]] = []
        for index, letter, found in paper:
            if self._refused(found):  # refused by its text: no need to typeset it
                done[index] = self._outcome(letter, b"", found, reasons[index], suffix="pdf")
                continue
            try:
                ready.append((index, letter, found, letter_data(letter, roster)))
            except RecordError as err:
                done[index] = _rejected(err, letter.record)
        setter = typesetter()
        if options.check:
            blocks = [window_block(letter, data["address"]) for _, letter, _, data in ready]
            widths = measure_addresses(blocks)
        else:
            widths = []
        if not options.print_run:
            for number, (index, letter, found, data) in enumerate(ready):
                try:
                    pdf = setter.compile([data])
                except PdfError as err:  # a character no font of the layout has
                    done[index] = _rejected(unprintable(letter.record, err), letter.record)
                    continue
                if options.check:
                    (pages,) = setter.pages()
                    page = page_layout(letter, data["address"], widths[number], pages, pdf)
                    found = found + layout_found(page)
                done[index] = self._outcome(letter, pdf, found, reasons[index], suffix="pdf")
            return
        measured = dict(zip((index for index, *_ in ready), widths, strict=False))
        for start in range(0, len(ready), PRINT_CHUNK):
            self._print_chunk(ready[start : start + PRINT_CHUNK], measured, reasons, done)

    def _print_chunk(
        self,
        ready: list[tuple[int, Letter, list[Found], dict[str, Any]]],
        measured: dict[int, tuple[tuple[float, int], ...]],
        reasons: dict[int, str],
        done: list[Outcome | None],
    ) -> None:
        """Letters of a print run typeset in one compile; set again without those the
        layout rule refuses."""
        from .paper import layout_found, page_layout
        from .pdf import PdfError, typesetter, unprintable

        options, setter = self.options, typesetter()
        while ready:
            try:
                pdf = setter.compile([data for *_, data in ready])
            except PdfError:  # some letter cannot be printed: find it, set the rest
                printable = []
                for item in ready:
                    try:
                        setter.compile([item[3]])
                    except PdfError as err:
                        done[item[0]] = _rejected(unprintable(item[1].record, err), item[1].record)
                        continue
                    printable.append(item)
                if len(printable) == len(ready):
                    raise  # not one letter's fault
                ready = printable
                continue
            placed = setter.pages()
            kept: list[tuple[int, Letter, list[Found], dict[str, Any]]] = []
            outcomes: list[tuple[int, Letter, list[Found]]] = []
            for (index, letter, found, data), pages in zip(ready, placed, strict=True):
                if options.check:
                    page = page_layout(letter, data["address"], measured[index], pages, pdf)
                    found = found + layout_found(page)
                if self._refused(found):
                    done[index] = self._outcome(letter, b"", found, reasons[index], suffix="pdf")
                else:
                    kept.append((index, letter, found, data))
                    outcomes.append((index, letter, found))
            if len(kept) < len(ready):  # set again without the refused letters
                ready = kept
                continue
            for number, (index, letter, found) in enumerate(outcomes):
                outcome = self._outcome(letter, b"", found, reasons[index], suffix="pdf")
                if number == 0:  # the chunk's PDF goes with its first letter
                    outcome = outcome._replace(data=pdf, pages=placed)
                else:
                    outcome = outcome._replace(chunked=True)
                done[index] = outcome
            return

    def _refused(self, found: list[Found]) -> bool:
        """Whether error-level findings refuse a letter (never with ``allow_findings``)."""
        if self.options.allow_findings:
            return False
        return any(f.rule.severity == "error" for f in found)

    def _outcome(
        self,
        letter: Letter,
        data: bytes,
        found: list[Found],
        reason: str,
        *,
        suffix: str | None = None,
    ) -> Outcome:
        options, record, spec = self.options, letter.record, letter.template
        errors = _refusal([(f.rule.id, f.rule.severity, f.hit.message, f.part) for f in found])
        entry: dict[str, Any] = {"record": record.id}
        refused = bool(errors) and not options.allow_findings
        if refused:
            entry.update(status="rejected", reason=errors)
        else:
            entry["status"] = "rendered"
        signers = signed_by(letter.text, self.project.roster)
        entry.update(
            line=record.line,
            template=spec.name,
            template_file=spec.path.name,
            region=letter.profile.id,
            language=letter.language,
            channel=spec.channel,
            channel_reason=reason,
            signer=", ".join(signers),  # the people the closing names; "" for nobody
            signers=list(signers),
        )
        if options.check:
            entry["findings"] = [
                {"rule": rule.id, "severity": rule.severity, "part": part, "message": hit.message}
                for rule, hit, part in found
            ]
        if refused:
            return Outcome(entry)
        # A paper letter's PDF was typeset by _typeset (after its text passed the checks).
        name = outbox.letter_filename(letter, suffix)
        amount = amount_named(letter)
        if self.staging is not None:
            try:
                self.staging.write(name, data)
            except outbox.NameTaken:  # the writing side says by which letter (_Folder.taken)
                pass
            else:
                return Outcome(entry, b"", name=name, staged=True, amount=amount)
        elif self.mbox and spec.channel == "email":
            data = outbox.mbox_entry(data, letter.signer.email)
        return Outcome(entry, data, name=name, amount=amount)


def _refusal(found: list[tuple[str, str, str, str]]) -> str | None:
    """Why a letter with error-level findings (rule, severity, message, part) is refused."""
    errors = [
        _described(rule, message, part)
        for rule, severity, message, part in found
        if severity == "error"
    ]
    return "refused by checks: " + "; ".join(errors) if errors else None


def _described(rule: str, message: str, part: str) -> str:
    """``[rule] message``, with the part when it is the HTML part's."""
    return f"[{rule}]{' (html part)' if part != 'text' else ''} {message}"


def _region(record: Record) -> str | None:
    region = record.get("region")
    return str(region) if region else None


def _rejected(error: RecordError, record: Record) -> Outcome:
    return rejected(error, _region(record))


@dataclass(frozen=True)
class Rejection:
    """A record that became no letter, and why (as its manifest line says)."""

    record: str | None  # its id, when it has one
    line: int | None  # in the records file
    region: str | None
    reason: str  # "record 'K1': field 'region': unknown region ...", or "refused by checks: ..."
    error: RecordError | None = None  # None for a letter refused by its findings
    findings: tuple[Finding, ...] = ()  # the findings that refused it

    @classmethod
    def of(cls, error: RecordError, region: str | None) -> Rejection:
        return cls(error.record, error.line, region, error.reason, error)

    def __str__(self) -> str:
        return str(self.error) if self.error is not None else self.reason


# -- the batch -----------------------------------------------------------------


def render_batch(
    project: Project,
    options: BatchOptions,
    *,
    on_record: OnRecord | None = None,
    warn: Callable[[str], None] | None = None,
) -> BatchResult:
    """Render every record of ``options.records`` into ``options.out`` or ``options.stream``."""
    options.validate()
    if options.stream is not None and options.pdf:  # a print run: typeset many per compile
        options = dataclasses.replace(options, print_run=True)
    if options.template is not None:
        project.templates.require(options.template)
    project.profiles  # load and check the project before touching any record  # noqa: B018
    renderer = Renderer(project, options)
    to_stdout = options.stream == STDOUT
    if to_stdout and not options.skip_invalid:
        _first_pass(renderer, options, warn)  # nothing may be printed for a refused batch
        warn = None  # said once, in the first pass
    result = BatchResult(
        out=options.out or (None if to_stdout else options.stream),
        manifest=options.out / MANIFEST if options.out else options.manifest,
    )
    with _journal(options) as log, _sink(options) as sink:
        renderer.staging = sink.staging if isinstance(sink, _Folder) else None
        renderer.mbox = isinstance(sink, _Stream)
        removed = sink.staging.removed if isinstance(sink, _Folder) else 0
        if removed and warn is not None:
            warn(
                f"removed {removed} letter{'s' if removed != 1 else ''} that an interrupted "
                f"run had left in a staging folder beside {options.out}"
            )
        seen = SeenIds()  # every id read, by this process or (with --jobs) by the workers
        reading = _Reading.of(options)
        batch = _Batch(result, sink, options, log, seen, reading)
        outcomes = _outcomes(renderer, _items(options, warn, seen), options.jobs, sink, reading)
        try:
            for outcome in outcomes:
                status = batch.add(outcome)
                if on_record:
                    on_record(status)
            if result.problems and not options.skip_invalid:
                problems = Problems(result.problems[:SHOWN_PROBLEMS], result.rejected)
                if to_stdout and sink.written:
                    raise stream_stopped(problems, sink.written)
                raise InvalidInput(problems)
            sink.commit()
            if isinstance(sink, _Stream) and sink.print_manifest is not None:
                result.print_manifest = sink.print_manifest.path
        except OSError as err:  # a full disk, a folder that went away: nothing is kept
            what = "" if err.filename is None else f" {Path(err.filename).name}"
            raise BriefError(
                f"cannot write{what}: {err.strerror}; nothing was written",
                path=options.out or options.stream,
            ) from None
        finally:
            outcomes.close()  # stops the workers now, also when writing failed
            renderer.history.close()
            seen.close()
        if log is not None:  # only now that the letters are in place
            assert options.journal is not None
            log.commit(options.journal)
    return result


def _items(
    options: BatchOptions, warn: Callable[[str], None] | None, seen: SeenIds
) -> Iterator[Record | Outcome]:
    """The records to render, in order; what is rejected before rendering as an Outcome."""
    items = read_records(options.records, encoding=options.encoding, warn=warn)
    return _screened(items, seen)


def _screened(
    items: Iterable[Record | RecordError], seen: SeenIds | None = None
) -> Iterator[Record | Outcome]:
    """``items`` in order; unreadable records and duplicate ids (the ids go into ``seen``,
    else into a table of their own) as rejected Outcomes."""
    ids = SeenIds() if seen is None else seen
    try:
        for item in items:
            if isinstance(item, RecordError):
                yield rejected(item, None)
                continue
            first = ids.first(item.id, item.line)
            if first is not None:
                yield _rejected(duplicate(item, first), item)
                continue
            yield item
    finally:
        if seen is None:
            ids.close()


def _first_pass(
    renderer: Renderer, options: BatchOptions, warn: Callable[[str], None] | None
) -> None:
    """Refuse the batch before printing anything when a record is invalid."""
    problems: list[BriefError] = []
    total = 0
    for item in _screened(read_records(options.records, encoding=options.encoding, warn=warn)):
        error = item.error if isinstance(item, Outcome) else None
        if isinstance(item, Record):
            try:
                renderer.prepare(item, recipient=True)
            except RecordError as err:
                error = err
        if error is not None:
            total += 1
            if len(problems) < SHOWN_PROBLEMS:
                problems.append(error)
    if total:
        raise InvalidInput(Problems(problems, total))


@contextmanager
def _journal(options: BatchOptions) -> Iterator[RenderLog | None]:
    """The batch's letters for the journal (None: no journal), until it is committed."""
    if options.journal is None:
        yield None
        return
    log = RenderLog()
    try:
        yield log
    finally:
        log.close()


class _Batch:
    """The writing side: counts, letters to the sink, manifest lines and the journal's
    rows, in record order."""

    def __init__(
        self,
        result: BatchResult,
        sink: _Folder | _Stream,
        options: BatchOptions,
        log: RenderLog | None,
        seen: SeenIds,
        reading: _Reading | None,
    ):
        self.result = result
        self.sink = sink
        self.seen = seen  # the ids read so far, for outcomes that are ``unscreened``
        self.reading = reading  # the file the workers read, if they do
        self.skip_invalid = options.skip_invalid
        self.letter_date = options.today.isoformat()
        self.folder = options.out
        self.log = log

    def add(self, outcome: Outcome) -> str:
        result = self.result
        if outcome.unscreened:
            outcome = self._screened(outcome)
        entry = outcome.entry
        if outcome.error is None and outcome.data is not None:
            mismatch = self.sink.mismatch(_kind(outcome)) or self.sink.taken(
                outcome.name, entry["line"]
            )
            if mismatch:
                error = RecordError(
                    mismatch,
                    path=self.sink.records,
                    line=entry["line"],
                    record=entry["record"],
                    field="id" if mismatch.startswith("file name") else "template",
                )
                if outcome.staged:
                    self.sink.unstage(outcome.name)
                outcome = rejected(error, entry["region"])
                entry = outcome.entry
        for finding in entry.get("findings", ()):
            result.findings[finding["rule"]] += 1
        region = entry.get("region") or NO_REGION
        if outcome.error is not None:
            result.rejected += 1
            if len(result.problems) < SHOWN_PROBLEMS:
                result.problems.append(outcome.error)
            result.region(region).rejected += 1
        elif outcome.data is None:
            result.refused += 1
            result.region(entry["region"]).rejected += 1  # rendered, so its region is known
        else:
            write = not result.problems or self.skip_invalid
            entry = _located(entry, self.sink.write(outcome, write=write))
            result.rendered += 1
            counts = result.region(entry["region"])
            counts.rendered += 1
            counts.signers[signer_label(entry["signers"])] += 1
            result.templates[entry["template_file"]] += 1
            result.channels[entry["channel"], entry["channel_reason"]] += 1
            if self.log is not None:
                self.log.add(self._rendered(entry, outcome.amount))
        self.sink.manifest(entry)
        return str(entry["status"])

    def _screened(self, outcome: Outcome) -> Outcome:
        """``outcome``, or its record refused as a duplicate id (its letter unstaged)."""
        entry = outcome.entry
        line = entry["line"]
        first = self.seen.first(entry["record"], line)
        if first is None or first == line:  # read here already, before the workers began
            return outcome
        if outcome.staged:
            self.sink.unstage(outcome.name)
        assert self.reading is not None  # only workers that read send unscreened outcomes
        error = _duplicate_in_file(str(self.reading.path), entry["record"], line, first)
        return rejected(error, entry["region"])

    def _rendered(self, entry: dict[str, Any], amount: str | None) -> Rendered:
        name = entry.get("path")
        return Rendered(
            record=entry["record"],
            template=entry["template"],
            channel=entry["channel"],
            rayon=entry["region"],
            signer=entry["signer"],
            path=str(self.folder / name) if self.folder is not None and name else None,
            letter_date=self.letter_date,
            amount=amount,
        )


def _located(entry: dict[str, Any], location: dict[str, Any]) -> dict[str, Any]:
    """``entry`` with the letter's location right after its status."""
    placed = {"record": entry["record"], "status": entry["status"], **location}
    placed.update(entry)
    return placed


class _Folder:
    """Letters as files in a folder, staged until the batch is accepted."""

    def __init__(self, out: Path, records: Records):
        self.records = str(records)
        self.staging = outbox.Staging(out, last=MANIFEST)
        try:
            self.handle = (self.staging.folder / MANIFEST).open("w", encoding="utf-8")
        except OSError as err:
            self.staging.abort()
            raise BriefError(f"cannot write: {err.strerror}", path=out) from None
        self.written = 0
        self.names = SeenIds()  # every letter's file name, lower-cased
        self.reclaimed: set[str] = set()  # names written over a later letter's file

    def mismatch(self, channel: str) -> str | None:
        return None

    def taken(self, name: str, line: int) -> str | None:
        """Why no letter may have ``name``: another one has it, perhaps in other case."""
        first = self.names.first(name.lower(), line)
        if first is None:
            return None
        return f"file name {name!r} is taken by the letter of line {first}"

    def unstage(self, name: str) -> None:
        """Remove the letter a refused outcome staged, unless a letter before it has that
        name now (see :meth:`write`)."""
        if name not in self.reclaimed:
            (self.staging.folder / name).unlink(missing_ok=True)

    def write(self, outcome: Outcome, *, write: bool) -> dict[str, Any]:
        if outcome.staged:
            self.written += 1
        elif write:
            try:
                self.staging.write(outcome.name, outcome.data or b"")
            except outbox.NameTaken:
                # The names table gave this letter the name, so what holds it was staged
                # by a later record with the same id, rendered first by another worker:
                # that one is refused as a duplicate when its turn comes.
                self.staging.replace(outcome.name, outcome.data or b"")
                self.reclaimed.add(outcome.name)
            self.written += 1
        return {"path": outcome.name}

    def manifest(self, entry: dict[str, Any]) -> None:
        self.handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        self.handle.flush()

    def commit(self) -> None:
        self.handle.close()
        self.staging.commit()

    def close(self) -> None:
        self.handle.close()
        self.names.close()
        self.staging.abort()  # nothing left to remove after a commit


def _kind(outcome: Outcome) -> str:
    """What a stream holds: ``email``, ``letter`` (text) or ``pdf`` (PDF letters)."""
    return "pdf" if outcome.name.endswith(".pdf") else str(outcome.entry["channel"])


def print_manifest_path(stream: Path) -> Path:
    """The print manifest beside a PDF stream: ``print.pdf`` -> ``print.manifest.csv``."""
    return stream.with_name(f"{stream.stem}.manifest.csv")


#: The print manifest's columns: one row per letter in the print run, in print order.
PRINT_COLUMNS = ("record", "first_page", "pages", "blank_after", "channel", "template", "region")


class _Stream:
    """Every letter in one stream; the manifest, if asked for, in its own file. PDF
    letters go into one print run, with a print manifest (CSV) beside a file target."""

    def __init__(self, target: Path, manifest: Path | None, records: Records):
        self.records = str(records)
        self.target = target
        self.manifest_path = manifest
        self.stream = outbox.Stream(None if target == STDOUT else target)
        try:
            self.manifest_file = outbox.AtomicFile(manifest, text=True) if manifest else None
        except BriefError:
            self.stream.abort()
            raise
        self.handle = self.manifest_file.handle if self.manifest_file else None
        self.print_manifest: outbox.AtomicFile | None = None
        self.print_rows: Any = None  # a csv writer on the print manifest
        self.pending: deque[Placed] = deque()  # where the letters of the last chunk went

    @property
    def written(self) -> int:
        return self.stream.count

    def taken(self, name: str, line: int) -> str | None:
        return None  # letters in a stream have no file names

    def unstage(self, name: str) -> None:
        pass

    def mismatch(self, channel: str) -> str | None:
        held = self.stream.channel
        if held is None or held == channel:
            return None
        kinds = {"email": "e-mails", "letter": "text letters", "pdf": "PDF letters"}
        if {held, channel} == {"email", "letter"}:
            kinds["letter"] = "letters"
        return (
            f"this template makes {kinds[channel]}, and this stream already holds "
            f"{kinds[held]} (write e-mails and letters to separate streams)"
        )

    def write(self, outcome: Outcome, *, write: bool) -> dict[str, Any]:
        if not write:
            return {}
        if _kind(outcome) == "pdf":
            return self._write_pdf(outcome)
        index, offset, length = self.stream.write(outcome.entry["channel"], outcome.data or b"")
        return {"index": index, "offset": offset, "length": length}

    def _write_pdf(self, outcome: Outcome) -> dict[str, Any]:
        if outcome.pages:  # a print run's chunk: its PDF, with where each letter is
            self.pending.extend(self.stream.write_pdf_chunk(outcome.data or b"", outcome.pages))
        if outcome.pages or outcome.chunked:
            placed = self.pending.popleft()
        else:
            placed = self.stream.write_pdf(outcome.data or b"")
        location = {
            "index": placed.index,
            "first_page": placed.first_page,
            "pages": placed.pages,
            "blank_after": placed.blank_after,
        }
        if self.target != STDOUT:
            if self.print_rows is None:
                self._open_print_manifest()
            entry = outcome.entry
            self.print_rows.writerow(
                (
                    entry["record"],
                    placed.first_page,
                    placed.pages,
                    "yes" if placed.blank_after else "no",
                    entry["channel"],
                    entry["template"],
                    entry["region"],
                )
            )
        return location

    def _open_print_manifest(self) -> None:
        import csv

        path = print_manifest_path(self.target)
        for taken, what in (
            (Path(self.records), "the records file"),
            (self.manifest_path, "--manifest"),
        ):
            if taken is not None and path.absolute() == taken.absolute():
                raise BriefError(
                    f"the print manifest {path.name} would replace {what}; give the stream "
                    "another name",
                    path=path,
                )
        self.print_manifest = outbox.AtomicFile(path, text=True)
        self.print_rows = csv.writer(self.print_manifest.handle, lineterminator="\n")
        self.print_rows.writerow(PRINT_COLUMNS)

    def manifest(self, entry: dict[str, Any]) -> None:
        if self.handle is not None:
            self.handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        self.stream.flush()
        if self.handle is not None:
            self.handle.flush()
        if self.print_manifest is not None:
            self.print_manifest.handle.flush()

    def commit(self) -> None:
        self.stream.commit()
        if self.manifest_file is not None:
            self.manifest_file.commit()
        if self.print_manifest is not None:
            self.print_manifest.commit()

    def close(self) -> None:
        self.stream.abort()
        if self.manifest_file is not None:
            self.manifest_file.abort()
        if self.print_manifest is not None:
            self.print_manifest.abort()


@contextmanager
def _sink(options: BatchOptions) -> Iterator[_Folder | _Stream]:
    """Where the letters go; whatever was not committed is removed on the way out."""
    if options.out is not None:
        sink: _Folder | _Stream = _Folder(options.out, options.records)
    else:
        assert options.stream is not None
        sink = _Stream(options.stream, options.manifest, options.records)
    try:
        yield sink
    finally:
        sink.close()


# -- worker processes ----------------------------------------------------------

_RENDERER: Renderer | None = None  # what a forked worker renders with


@dataclass(frozen=True)
class _Reading:
    """A CSV file whose records the workers read themselves (:func:`_read_apart`)."""

    path: Path
    encoding: str | None
    identity: tuple[int, int, int, int]  # the file when the batch began

    @classmethod
    def of(cls, options: BatchOptions) -> _Reading | None:
        """How the workers read ``options.records``; None: this process reads them and
        sends them to the workers (any other source, and a print run, whose letters are
        typeset many to a compile: their ids are checked before they are rendered)."""
        path = csv_file(options.records)
        if path is None or options.print_run:
            return None
        try:
            return cls(path, options.encoding, file_identity(path))
        except OSError:  # said when it is read
            return None


def _outcomes(
    renderer: Renderer,
    items: Iterator[Record | Outcome],
    jobs: int,
    sink: _Folder | _Stream,
    reading: _Reading | None = None,
) -> Generator[Outcome, None, None]:
    """Every item rendered, in order: here, or, in a batch of more than :data:`POOL_AFTER`
    records, by ``jobs`` forked workers after the few that warm up (:func:`_warm_up`).
    With ``reading`` the workers read the records file themselves and this process only
    orders what they send back (:func:`_read_apart`); else it reads the records and sends
    them to the workers (:func:`_pooled`).

    Typst compiles with threads, and a process forked from one that has them hangs at its
    own first compile. So nothing is typeset here before the workers start (the warm-up
    stops before the first paper letter), no worker is forked from a process that has
    compiled a PDF already, and none from a process that runs other threads (a program
    that typeset letters before calling brief): then every letter is rendered here.
    """
    jobs = jobs or cores()
    import multiprocessing

    ahead = list(islice(items, POOL_AFTER + 1))
    fork = (
        jobs > 1 and len(ahead) > POOL_AFTER and "fork" in multiprocessing.get_all_start_methods()
    )
    if fork and renderer.pdf:
        from .pdf import compiled_here

        fork = not compiled_here()
    here = _warm_up(renderer, ahead) if fork else 0
    rest = chain(ahead[here:], items)
    for chunk in _chunks(ahead[:here], CHUNK):
        yield from renderer.many(chunk)
    with _settled_heap():
        if fork and _one_thread() and reading is not None:
            if isinstance(items, Generator):
                items.close()  # the workers read the rest
            yield from _read_apart(renderer, reading, here, jobs, sink)
        elif fork and _one_thread():
            yield from _pooled(renderer, rest, jobs, sink)
        else:  # threads of typst (or any other) run here
            for chunk in _chunks(rest, CHUNK):
                yield from renderer.many(chunk)


def _warm_up(renderer: Renderer, ahead: list[Record | Outcome]) -> int:
    """How many of the first records this process renders before the workers start: up
    to the first letter of each template the first records use, so that the workers
    inherit what rendering and checking needs (compiled templates, locale data, word
    lists) instead of each loading it again, and this process renders no more. It stops
    before the first letter that would be typeset (see :func:`_outcomes`)."""
    seen: set[Path] = set()
    upto = 0
    for index, item in enumerate(ahead):
        if not isinstance(item, Record):
            continue
        try:
            spec = renderer.prepare(item)[1]
        except RecordError:
            continue
        if renderer.pdf and spec.channel == "letter":
            break
        if spec.path not in seen:
            seen.add(spec.path)
            upto = index + 1
    return upto


def _one_thread() -> bool:
    """Whether this process runs one thread only (forking it is then safe); outside Linux,
    where threads cannot be counted this way, whether Python runs one."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        import threading

        return threading.active_count() == 1


@contextmanager
def _settled_heap() -> Iterator[None]:
    """Keep the garbage collector off what the first letters set up.

    By now the project, the compiled templates, babel's locale data and the
    checks' caches are loaded: tens of thousands of long-lived objects that
    every full collection would walk again (measured: a third of the time per
    letter). Frozen, the collector skips them, and forked workers share their
    pages instead of copying them. Letters free their own memory by reference
    counting either way; the heap is unfrozen when the batch ends.
    """
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _pooled(
    renderer: Renderer, items: Iterator[Record | Outcome], jobs: int, sink: _Folder | _Stream
) -> Iterator[Outcome]:
    import multiprocessing

    global _RENDERER
    sink.flush()  # a forked worker must not inherit unwritten buffers
    _RENDERER = renderer
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_ignore_sigint) as pool:
            pending: deque[Any] = deque()
            for chunk in _chunks(items, CHUNK):
                pending.append(pool.apply_async(_render_chunk, (chunk,)))
                if len(pending) >= 4 * jobs:
                    yield from pending.popleft().get()
            while pending:
                yield from pending.popleft().get()
    finally:
        _RENDERER = None


def _read_apart(
    renderer: Renderer, reading: _Reading, start: int, jobs: int, sink: _Folder | _Stream
) -> Iterator[Outcome]:
    """The outcomes of the records from number ``start`` on, rendered by ``jobs`` forked
    workers that each read the records file themselves and render every ``jobs``-th
    :data:`CHUNK` of them (:func:`_render_part`): nothing goes to a worker, and this
    process takes their chunks in turn, so in record order. It checks the ids of what
    they rendered against the ones before (:meth:`_Batch._screened`)."""
    import multiprocessing

    global _RENDERER
    context = multiprocessing.get_context("fork")
    sink.flush()  # a forked worker must not inherit unwritten buffers
    _RENDERER = renderer
    pipes: list[Any] = []
    workers: list[Any] = []
    try:
        for worker in range(jobs):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_render_part, args=(reading, start, jobs, worker, send), daemon=True
            )
            process.start()
            send.close()  # the worker's now: its end of file is the worker's end
            pipes.append(receive)
            workers.append(process)
        for number in count():
            worker = number % jobs
            try:
                kind, value = pipes[worker].recv()
            except EOFError:
                workers[worker].join()
                raise BriefError(
                    f"worker process {worker + 1} of {jobs} stopped "
                    f"(exit code {workers[worker].exitcode}); nothing was written"
                ) from None
            if kind == "error":
                raise value
            if kind == "end":
                return
            yield from value
    finally:
        _RENDERER = None
        for process in workers:
            if process.is_alive():
                process.terminate()
            process.join()
        for pipe in pipes:
            pipe.close()


def _render_part(reading: _Reading, start: int, jobs: int, worker: int, pipe: Any) -> None:
    """In worker ``worker`` (of ``jobs``): read the records file, and render and send each
    chunk of records from number ``start`` on that is this worker's; then say ``end``.
    A problem that ends the batch (the file cannot be read, changed) is sent instead."""
    _ignore_sigint()
    renderer = _RENDERER
    assert renderer is not None

    def mine(index: int) -> bool:
        return index >= start and (index - start) // CHUNK % jobs == worker

    def send(chunk: list[Record | Outcome]) -> None:
        outcomes = renderer.many(chunk)
        for at, item in enumerate(chunk):
            if isinstance(item, Record):  # its id is checked where the outcomes go
                outcomes[at] = outcomes[at]._replace(unscreened=True)
        pipe.send(("letters", outcomes))

    try:
        chunk: list[Record | Outcome] = []
        number = -1
        part = read_csv_part(
            reading.path, encoding=reading.encoding, identity=reading.identity, keep=mine
        )
        for index, item in part:
            if chunk and (index - start) // CHUNK != number:
                send(chunk)
                chunk = []
            number = (index - start) // CHUNK
            chunk.append(rejected(item, None) if isinstance(item, RecordError) else item)
        if chunk:
            send(chunk)
        pipe.send(("end", None))
    except Exception as err:  # the process that orders says it
        try:
            pipe.send(("error", err))
        except Exception:  # an error that does not pickle: its text then
            pipe.send(("error", RuntimeError(f"{type(err).__name__}: {err}")))
    finally:
        pipe.close()


def _chunks(items: Iterable[Record | Outcome], size: int) -> Iterator[list[Record | Outcome]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _render_chunk(chunk: list[Record | Outcome]) -> list[Outcome]:
    assert _RENDERER is not None
    return _RENDERER.many(chunk)


def _ignore_sigint() -> None:
    """Ctrl-C is the parent's to handle: it stops the pool and removes what was staged."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
