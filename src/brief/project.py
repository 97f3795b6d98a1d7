"""A brief project: where its templates, region profiles and roster live.

Settings come from ``brief.yaml``, found in the current folder or the
nearest parent; without one, the defaults below apply to the current
folder. Paths in ``brief.yaml`` are relative to the file itself::

    templates: templates
    regions: regions
    staff: examples/staff.yaml
    samples: examples/customers.csv
    journal: brief.sqlite           # the send and contact journal (SQLite)
    do_not_send: do-not-send.txt    # customer ids and addresses never to e-mail
    sample_history: history.yaml    # earlier letters for brief lint and preview
    smtp:                           # the mail server brief send uses
      host: smtp.example.nl
      username: incasso@example.nl

``smtp`` holds plain values only; :mod:`brief.mail` adds the environment
(``BRIEF_SMTP_HOST`` ...) and the password, which never comes from a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import yamlfile
from .errors import ConfigError
from .limits import DEFAULT_SECONDS, DEFAULT_SIZE, Limits

if TYPE_CHECKING:
    import datetime as dt
    import os
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import Any

    from .batch import BatchOptions, BatchResult, Rejection, Renderer
    from .errors import RecordError
    from .followup import Followup
    from .lint import LintResult
    from .pdf import PrintRun
    from .profiles import Profile
    from .records import Record, Records
    from .render import Letter, Templates
    from .staff import Roster

CONFIG_NAME = "brief.yaml"
DEFAULTS = {
    "templates": "templates",
    "regions": "regions",
    "staff": "staff.yaml",
    "samples": "examples/customers.csv",
}
JOURNAL = "brief.sqlite"
# default: brief.sqlite next to brief.yaml; none; none
OPTIONAL_PATHS = ("journal", "do_not_send", "sample_history")
SECURITY = ("starttls", "tls", "none")
ENVELOPES = ("signer", "organisation")


@dataclass(frozen=True)
class SmtpSettings:
    """The ``smtp:`` mapping of brief.yaml, checked but not yet combined with the environment."""

    host: str | None = None
    port: int | None = None  # default: 587 (starttls), 465 (tls), 25 (none)
    security: str = "starttls"  # starttls, tls (implicit TLS) or none
    username: str | None = None  # no login when unset
    password_env: str = "BRIEF_SMTP_PASSWORD"  # the environment variable holding the password
    tls_verify: bool = True  # false only for a local test relay, with a warning
    ca_file: Path | None = None  # extra trusted certificates (an internal CA), PEM
    timeout: float = 30.0  # seconds for connecting and for each reply
    rate: float = 30.0  # messages per minute; 0 for no limit
    retries: int = 3  # further attempts after a temporary failure
    backoff: float = 5.0  # seconds before the first retry, doubling after each
    envelope: str = "signer"  # signer, or organisation (organisation_address)
    organisation_address: str | None = None  # envelope sender and From address for organisation


SMTP_KEYS = (
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "tls_verify",
    "ca_file",
    "timeout",
    "rate",
    "retries",
    "backoff",
    "envelope",
    "organisation_address",
)


@dataclass(frozen=True)
class Settings:
    root: Path
    config: Path | None
    templates: Path
    regions: Path
    staff: Path
    samples: Path
    journal: Path | None = None  # None: brief.sqlite next to brief.yaml (see journal_path)
    do_not_send: Path | None = None
    sample_history: Path | None = None  # earlier letters for lint and preview (brief.history)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    limits: Limits = field(default_factory=Limits)
    followup: Followup | None = None  # the follow-up levels brief plan uses

    @property
    def journal_path(self) -> Path:
        """The journal file: ``journal:`` from brief.yaml, else ``brief.sqlite`` beside it."""
        return self.journal or _relative(self.root / JOURNAL)


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(start: Path | None = None) -> Settings:
    """Find ``brief.yaml`` from ``start`` (default: the current folder) upwards."""
    start = (start or Path.cwd()).resolve()
    config = find_config(start)
    values = dict(DEFAULTS)
    optional: dict[str, Path | None] = dict.fromkeys(OPTIONAL_PATHS)
    smtp = SmtpSettings()
    bounds = Limits()
    followup = None
    root = start
    if config is not None:
        root = config.parent
        data = yamlfile.load(config)
        if data is not None:
            fields = yamlfile.Fields(data, config, "brief.yaml")
            fields.reject_unknown([*DEFAULTS, *OPTIONAL_PATHS, "smtp", "limits", "followup"])
            for key in DEFAULTS:
                values[key] = fields.text(key, default=DEFAULTS[key])
            for key in OPTIONAL_PATHS:
                value = fields.text(key, required=False)
                optional[key] = _relative(root / value) if value else None
            if data.get("smtp") is not None:
                smtp = _smtp(data["smtp"], config, root, data.line_of("smtp"))
            if data.get("limits") is not None:
                bounds = _limits(data["limits"], config, data.line_of("limits"))
            if "followup" in data:
                from .followup import parse_followup

                followup = parse_followup(data["followup"], config, data.line_of("followup"))
    return Settings(
        root=root,
        config=config,
        **{key: _relative(root / value) for key, value in values.items()},
        journal=optional["journal"],
        do_not_send=optional["do_not_send"],
        sample_history=optional["sample_history"],
        smtp=smtp,
        limits=bounds,
        followup=followup,
    )


def _limits(node: object, config: Path, line: int) -> Limits:
    """``limits:``: ``render_seconds`` and ``letter_size`` for each letter's rendering."""
    fields = yamlfile.Fields(node, config, "field 'limits'", line=line)
    fields.reject_unknown(("render_seconds", "letter_size"))
    seconds = _number(fields, "render_seconds", float, low=0.01, high=3600)
    size = _number(fields, "letter_size", int, low=1000, high=10**9)
    return Limits(
        seconds=DEFAULT_SECONDS if seconds is None else seconds,
        size=DEFAULT_SIZE if size is None else int(size),
    )


def _smtp(node: object, config: Path, root: Path, line: int) -> SmtpSettings:
    """Check the ``smtp:`` mapping; every mistake names brief.yaml's line."""
    from .mime import EMAIL

    fields = yamlfile.Fields(node, config, "field 'smtp'", line=line)
    fields.reject_unknown(SMTP_KEYS)
    default = SmtpSettings()
    port = _number(fields, "port", int, low=1, high=65535)
    organisation = fields.text("organisation_address", required=False) or None
    envelope = fields.choice("envelope", {e: e for e in ENVELOPES}, default=default.envelope)
    if organisation is not None and not EMAIL.match(organisation):
        raise fields.error("organisation_address", f"{organisation!r} is not an e-mail address")
    if envelope == "organisation" and organisation is None:
        raise fields.error(
            "envelope", "'organisation' needs organisation_address (the address to send from)"
        )
    ca_file = fields.text("ca_file", required=False)
    return SmtpSettings(
        host=fields.text("host", required=False) or None,
        port=int(port) if port is not None else None,
        security=fields.choice("security", {s: s for s in SECURITY}, default=default.security),
        username=fields.text("username", required=False) or None,
        password_env=fields.text("password_env", default=default.password_env),
        tls_verify=fields.flag("tls_verify", default=True),
        ca_file=_relative(root / ca_file) if ca_file else None,
        timeout=_number(fields, "timeout", float, low=0.1) or default.timeout,
        rate=_or(_number(fields, "rate", float, low=0), default.rate),
        retries=int(_or(_number(fields, "retries", int, low=0, high=20), default.retries)),
        backoff=_or(_number(fields, "backoff", float, low=0, high=3600), default.backoff),
        envelope=envelope,
        organisation_address=organisation,
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _number(
    fields: yamlfile.Fields,
    key: str,
    kind: type[int] | type[float],
    *,
    low: float,
    high: float | None = None,
) -> float | None:
    value = fields.node.get(key)
    if value is None:
        return None
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not numeric or (kind is int and not isinstance(value, int)):
        what = "a whole number" if kind is int else "a number"
        raise fields.error(key, f"must be {what}, not {value!r}")
    if value < low or (high is not None and value > high):
        limits = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        raise fields.error(key, f"must be {limits}, not {value!r}")
    return float(value)


def _relative(path: Path) -> Path:
    """Show paths relative to the current folder when they are below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


class Project:
    """Everything a render needs, loaded once and checked on load.

    This is brief's Python API (see the README, "Python API"): the commands are
    built on the same methods. A project pickles (as its settings: the roster,
    profiles and templates are loaded again on first use), so a process pool can
    render through it.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        templates: Path | None = None,
        regions: Path | None = None,
        staff: Path | None = None,
    ):
        self.settings = settings
        self.templates_dir = templates or settings.templates
        self.regions_dir = regions or settings.regions
        self.staff_path = staff or settings.staff
        self._renderers: dict[tuple[Any, ...], Renderer] = {}

    @classmethod
    def discover(cls, start: Path | None = None, **overrides: Path | None) -> Project:
        return cls(load_settings(start), **overrides)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        staff: Path | None = None,
        regions: Path | None = None,
        templates: Path | None = None,
    ) -> Project:
        """The project of the ``brief.yaml`` in ``path`` (default: the current folder)
        or its nearest parent, as the commands find it; ``path`` may be that file."""
        start = Path(path) if path is not None else None
        if start is not None and start.name == CONFIG_NAME and start.is_file():
            start = start.parent
        if start is not None and not start.is_dir():
            raise ConfigError("project folder not found", path=start)
        return cls.discover(start, staff=staff, regions=regions, templates=templates)

    def __getstate__(self) -> dict[str, Any]:
        """The settings with absolute paths: a worker may run in another folder."""
        settings = self.settings
        smtp = settings.smtp
        if smtp.ca_file is not None:
            smtp = replace(smtp, ca_file=smtp.ca_file.absolute())
        paths = ("config", "templates", "regions", "staff", "samples", "journal", "do_not_send")
        absolute = {
            name: path.absolute() for name in paths if (path := getattr(settings, name)) is not None
        }
        return {
            "settings": replace(settings, root=settings.root.absolute(), smtp=smtp, **absolute),
            "templates_dir": self.templates_dir.absolute(),
            "regions_dir": self.regions_dir.absolute(),
            "staff_path": self.staff_path.absolute(),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._renderers = {}

    def render(
        self,
        record: Mapping[str, Any] | Record | RecordError,
        *,
        template: str | None = None,
        date: str | dt.date | None = None,
        check: bool = True,
    ) -> Letter:
        """One record (a mapping of fields, or a :class:`~brief.records.Record`) as the
        letter ``brief render`` would write, with its findings (``check=False``: none).
        Writes no file and no journal row. A problem with the record is a
        :class:`~brief.errors.RecordError`; a letter with error-level findings is
        returned with them (``brief render`` would refuse it)."""
        from .errors import RecordError
        from .records import Record, make_record

        if isinstance(record, RecordError):  # as brief.read_records yields a bad record
            raise record
        if not isinstance(record, Record):
            made = make_record(record, "", 0)
            if not isinstance(made, Record):
                raise made
            record = made
        return self._renderer(template, date, check, allow_findings=True).checked(record)

    def pdf(self, letter: Letter) -> bytes:
        """A paper letter (``channel: letter``, as :meth:`render` returns it) as the
        PDF/A-2b document ``brief render`` writes, with the scanned signature of each
        roster person its closing names who has one (see :mod:`brief.pdf`)."""
        from .pdf import letter_pdf

        return letter_pdf(letter, self.roster)

    def print_run(self, letters: Iterable[Letter]) -> PrintRun:
        """Letters in one PDF for the print room, each starting on an odd page, with
        the first page and page count of each (:class:`brief.pdf.PrintRun`)."""
        from .pdf import print_run

        return print_run(letters, self.roster)

    def render_many(
        self,
        records: Iterable[Record | RecordError],
        *,
        template: str | None = None,
        date: str | dt.date | None = None,
        check: bool = True,
        allow_findings: bool = False,
    ) -> Iterator[Letter | Rejection]:
        """Each record (as :func:`brief.read_records` yields them) as a letter or a
        :class:`~brief.batch.Rejection` with its reason, in order, as ``brief render
        --skip-invalid`` decides: duplicate ids and letters with error-level findings
        (unless ``allow_findings``) are rejected. Writes nothing."""
        self.profiles  # load and check the project before the first record  # noqa: B018
        renderer = self._renderer(template, date, check, allow_findings=allow_findings)
        return renderer.letters(records)

    def render_batch(
        self,
        options: BatchOptions,
        *,
        on_record: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> BatchResult:
        """What ``brief render`` does: every record of ``options.records`` written to a
        folder or a stream, with the manifest (see :mod:`brief.batch`)."""
        from .batch import render_batch

        return render_batch(self, options, on_record=on_record, warn=warn)

    def lint(
        self, paths: Sequence[str | os.PathLike[str]] = (), *, samples: Records | None = None
    ) -> LintResult:
        """What ``brief lint`` reports: the findings on the templates named by ``paths``
        (default: the project's templates folder), as rendered for every region."""
        from .lint import lint

        return lint(self, [Path(p) for p in paths], samples=samples)

    def _renderer(
        self, template: str | None, date: str | dt.date | None, check: bool, *, allow_findings: bool
    ) -> Renderer:
        from .batch import Renderer, RenderOptions
        from .records import as_date

        today = as_date(date, "date")
        key = (template, today, check, allow_findings)
        renderer = self._renderers.get(key)
        if renderer is None:
            if template is not None:
                self.templates.require(template)
            options = RenderOptions(
                template=template,
                today=today,
                check=check,
                allow_findings=allow_findings,
                history=self.settings.journal_path,  # read only: render writes no journal
            )
            if len(self._renderers) >= 16:
                self._renderers.clear()
            renderer = self._renderers[key] = Renderer(self, options)
        return renderer

    @cached_property
    def roster(self) -> Roster:
        from .staff import load_roster

        if not self.staff_path.is_file():
            raise ConfigError(
                "staff roster not found (set 'staff:' in brief.yaml or pass --staff)",
                path=self.staff_path,
            )
        return load_roster(self.staff_path)

    @cached_property
    def profiles(self) -> dict[str, Profile]:
        from .profiles import load_profiles

        return load_profiles(self.regions_dir, self.roster)

    @cached_property
    def templates(self) -> Templates:
        from .render import Templates

        return Templates(self.templates_dir, self.settings.limits)

    def profile(self, region: str) -> Profile | None:
        return self.profiles.get(region)

    def known_regions(self) -> str:
        return ", ".join(sorted(self.profiles))
