"""Templates in a sandbox, and one customer record rendered into a :class:`Letter`.

Template files live in one folder and are named ``NAME[.VARIANT].j2``; the
template's name is the file name up to the first dot. An optional HTML part
for e-mail sits beside it as ``NAME[.VARIANT].html.j2`` and is autoescaped.
Which file a letter uses is decided by :meth:`Templates.select`, in this
order: the region's variant (``betalingsherinnering.b1.j2``), the letter's
language (``betalingsherinnering.en.j2``), the plain name
(``betalingsherinnering.j2``). The chosen file's language (front matter
``language``, default ``nl``) must be the letter's language.

An e-mail template can have a letter version for the customers who want
post or have no e-mail address: ``NAME[.VARIANT].post.j2`` beside the
e-mail's file, chosen in the same order (``betalingsherinnering.b1.post.j2``,
``betalingsherinnering.en.post.j2``, ``betalingsherinnering.post.j2``); see
:meth:`Templates.choose`.

A template may start with YAML front matter::

    ---
    subject: Herinnering huur {{ customer.id }}
    channel: email            # or letter (the default)
    language: nl
    description: Eerste herinnering bij een achterstand
    ---
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import GeneratorType, MappingProxyType
from typing import TYPE_CHECKING, Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import formatting, limits
from .errors import TemplateError
from .history import NONE as NO_HISTORY
from .history import MissingHistory, Past
from .history import Source as HistorySource
from .profiles import LANGUAGES, Organisation, Profile
from .records import Record, parse_amount
from .staff import Roster, StaffMember

if TYPE_CHECKING:
    from .checks import Finding

CHANNELS = ("letter", "email")
POST = "post"  # NAME[.VARIANT].post.j2: the letter version of an e-mail template
#: Why a letter went the way it did (:meth:`Templates.choose`), as the summary counts them.
CHANNEL_REASONS = ("has e-mail", "wants e-mail", "wants post", "no e-mail address", "letter only")
_FRONT_MATTER_KEYS = {"subject", "channel", "language", "description", "payment_qr"}
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n", re.S | re.M)


@dataclass(frozen=True, slots=True)
class Person:
    """A staff member as a template sees them, in the letter's language."""

    id: str
    name: str
    first_name: str
    role: str
    phone: str
    email: str

    @classmethod
    def of(cls, member: StaffMember, language: str) -> Person:
        return cls(
            id=member.id,
            name=member.name,
            first_name=member.first_name,
            role=member.role(language),
            phone=member.phone,
            email=member.email,
        )


@dataclass(frozen=True, slots=True)
class RegionView:
    id: str
    name: str
    language: str
    reading_level: str
    address: str


@dataclass(frozen=True)
class TemplateSpec:
    """One template file, compiled, with its front matter."""

    name: str
    variant: str | None
    path: Path
    channel: str
    language: str
    description: str
    subject: jinja2.Template | None
    body: jinja2.Template
    html: jinja2.Template | None
    # The record field with the amount a paper letter's payment QR code asks for; "" when
    # the front matter says ``payment_qr: false``, None when it does not say (the profile's
    # ``letter.payment_qr`` decides).
    payment_qr: str | None = None

    def __reduce__(self) -> tuple[Callable[..., TemplateSpec], tuple[str, str, limits.Limits]]:
        """Pickled as where it comes from (compiled templates do not pickle): unpickling
        compiles the file again, once per folder and process."""
        bounds = self.body.environment.bounds  # type: ignore[attr-defined]
        return _spec, (str(self.path.parent.absolute()), self.path.name[: -len(".j2")], bounds)


@dataclass(frozen=True)
class Letter:
    """A finished letter or e-mail for one customer."""

    record: Record
    template: TemplateSpec
    profile: Profile
    signer: StaffMember
    language: str
    subject: str
    text: str
    html: str | None
    findings: tuple[Finding, ...] = ()  # the letter rules' findings, when it was checked
    date: dt.date | None = None  # the date the letter carries (``today``)
    # The roster it was rendered with: whose scanned signature a paper letter may show.
    roster: Roster | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def channel(self) -> str:
        return self.template.channel

    def pdf(self) -> bytes:
        """This letter on paper: a PDF/A-2b document (see :mod:`brief.pdf`)."""
        from .pdf import letter_pdf

        return letter_pdf(self, self.roster)


def split_front_matter(source: str) -> tuple[str, str]:
    """Return ``(front matter, body)``; the body keeps its line numbers."""
    match = _FRONT.match(source)
    if not match:
        return "", source
    return match.group(1), "\n" * match.group(0).count("\n") + source[match.end() :]


class _Loader(jinja2.FileSystemLoader):
    """Loads templates with their front matter replaced by blank lines, and keeps each
    file's text for :func:`render_traced`."""

    def __init__(self, searchpath: str, encoding: str = "utf-8") -> None:
        super().__init__(searchpath, encoding=encoding)
        self.sources: dict[str, str] = {}

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        body = split_front_matter(source)[1]
        if filename is not None:
            self.sources[filename] = body
        return body, filename, uptodate


class _Fields(dict[str, Any]):
    """A record's fields; a missing one names itself in the error. A yes-or-no
    preference brief knows is no when absent (``customer.large_print``)."""

    def __missing__(self, key: str) -> Any:
        if key in _FLAG_PREFERENCES:
            return False
        raise KeyError(key)


_FLAG_PREFERENCES = frozenset({"large_print"})


class _Undefined(jinja2.StrictUndefined):
    """StrictUndefined whose message says which customer field is missing."""

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        if isinstance(self._undefined_obj, _Fields):
            return f"the record has no field {self._undefined_name!r}"
        if self._undefined_obj is jinja2.utils.missing:
            return f"{self._undefined_name!r} is undefined"
        return super()._undefined_message


def _defined(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return value


def _amount(value: Any) -> Decimal:
    value = _defined(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, str):
        return parse_amount(value)
    raise ValueError(f"{value!r} is not an amount")


def _date(value: Any) -> dt.date:
    value = _defined(value)
    if isinstance(value, dt.date):
        return value
    raise ValueError(f"{value!r} is not a date")


@jinja2.pass_context
def _money_filter(context: jinja2.runtime.Context, value: Any) -> str:
    return formatting.money(_amount(value), context["language"])


@jinja2.pass_context
def _date_filter(context: jinja2.runtime.Context, value: Any) -> str:
    return formatting.long_date(_date(value), context["language"])


def _add_days(value: Any, days: int) -> dt.date:
    return _date(value) + dt.timedelta(days=int(days))


@jinja2.pass_context
def _names_filter(context: jinja2.runtime.Context, people: Any) -> str:
    names = [p.first_name if isinstance(p, Person) else str(p) for p in people]
    return formatting.join_names(names, context["language"])


def _wik(principal: Any) -> Decimal:
    return formatting.wik(_amount(principal))


FILTERS: Mapping[str, Callable[..., Any]] = {
    "money": _money_filter,
    "date": _date_filter,
    "add_days": _add_days,
    "names": _names_filter,
}
GLOBALS: Mapping[str, Any] = {"wik": _wik}


def _autoescape(name: str | None) -> bool:
    return bool(name and name.endswith(".html.j2"))


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with its verdict on each attribute kept.

    Jinja's verdict (``is_safe_attribute``: no ``_names``, no internals of
    functions, frames or code, no methods that change a list, dict or set)
    depends only on the object's type and the attribute's name, so it is
    decided once per (type, name) instead of on every ``{{ a.b }}``.
    """

    intercepted_binops = frozenset({"*", "+", "%", "**"})
    bounds = limits.Limits()  # per Templates folder: brief.yaml's limits

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._safe: dict[tuple[type, str], bool] = {}
        self.codes: dict[str, str] = {}  # file name -> generated Python, for traces
        self.traces: dict[str, _Trace] = {}

    def _compile(self, source: str, filename: str) -> Any:
        # Every template the environment loads itself (an include, an imported macro
        # file, an extended base) passes here with its generated code.
        self.codes[filename] = source
        return super()._compile(source, filename)

    def trace(self, filename: str) -> _Trace | None:
        """How the generated code of file ``filename`` maps back to its lines."""
        trace = self.traces.get(filename)
        if trace is None:
            code = self.codes.get(filename)
            source = getattr(self.loader, "sources", {}).get(filename)
            if code is None or source is None:
                return None
            trace = self.traces[filename] = _Trace(source, code)
        return trace

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        limits.check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        limits.check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # ``customer.amount``: a record's field, found without first failing to find a
        # dict attribute of that name (a field named like a dict method, "items" or
        # "keys", is the field). ``signer.phone``: a data field of one of brief's own
        # views, plain values all. Anything else goes through the sandbox's checks.
        kind = type(obj)
        if kind is _Fields and attribute in obj:
            return obj[attribute]
        if attribute in _VIEW_FIELDS.get(kind, ()):
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe


_VIEW_FIELDS: dict[type, frozenset[str]] = {
    view: frozenset(f.name for f in dataclasses.fields(view))
    for view in (Person, RegionView, Organisation, Past)
}


def make_environment(folder: Path, bounds: limits.Limits | None = None) -> _Sandbox:
    """The sandboxed, strict environment every template runs in."""
    env = _Sandbox(
        loader=_Loader(str(folder), encoding="utf-8-sig"),
        undefined=_Undefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    if bounds is not None:
        env.bounds = bounds
    env.filters.update(FILTERS)
    for name, func in list(env.filters.items()):
        env.filters[name] = _bounded_filter(name, func)
    env.globals.update(GLOBALS)
    env.globals.pop("lipsum", None)  # no letter needs lorem ipsum, and it takes any length
    return env


_GROWING_FILTERS = {"center", "indent", "wordwrap", "format", "truncate"}


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with its result held to the size limit (and, for the filters that pad or
    repeat, its arguments checked before it runs)."""

    @functools.wraps(func)  # keeps jinja's pass_context marks
    def run(*args: Any, **kwargs: Any) -> Any:
        if name in _GROWING_FILTERS:
            for value in (*args, *kwargs.values()):
                if isinstance(value, int) and value > limits.current().size:
                    raise limits.too_big(value)
                if name == "format" and isinstance(value, str):
                    limits.check_binop("%", value, ())
        elif name == "replace":
            texts = [a for a in args if isinstance(a, str)]
            if len(texts) >= 3:
                limits.check_call(texts[0].replace, tuple(texts[1:3]), {})
        return limits.check_value(func(*args, **kwargs))

    return run


@functools.cache
def _folder(folder: str, bounds: limits.Limits) -> Templates:
    return Templates(Path(folder), bounds)


def _spec(folder: str, stem: str, bounds: limits.Limits) -> TemplateSpec:
    """A pickled :class:`TemplateSpec`, compiled again (with its folder's limits)."""
    return _folder(folder, bounds).load(stem)


class Templates:
    """The templates folder: names, variants, selection and compiled templates."""

    def __init__(self, folder: Path, bounds: limits.Limits | None = None):
        if not folder.is_dir():
            raise TemplateError("templates folder not found", path=folder)
        self.folder = folder
        self.env = make_environment(folder, bounds)
        self._specs: dict[str, TemplateSpec] = {}
        self._parsed: dict[str, tuple[str, jinja2.nodes.Template]] = {}
        # A file whose name starts with "_" is a partial: included, imported or extended
        # by other templates, never a letter of its own.
        self.files = {p.name for p in folder.glob("*.j2") if not p.name.startswith("_")}

    def names(self) -> list[str]:
        return sorted({name.split(".", 1)[0] for name in self.files})

    def variants(self, name: str) -> list[str]:
        """Every file stem of template ``name`` (``betalingsherinnering.b1`` ...)."""
        return sorted(
            f[: -len(".j2")]
            for f in self.files
            if f.split(".", 1)[0] == name and not f.endswith(".html.j2")
        )

    def require(self, name: str) -> None:
        if not self.variants(name):
            known = ", ".join(self.names()) or "none"
            raise TemplateError(f"unknown template {name!r} (known: {known})", path=self.folder)

    def select(self, name: str, profile: Profile, *, post: bool = False) -> TemplateSpec:
        """The template file a letter of ``name`` uses for ``profile`` (see module doc);
        with ``post``, its letter version (``NAME[.VARIANT].post.j2``)."""
        self.require(name)
        suffixes = [s for s in (profile.variant, profile.language) if s]
        tail = f".{POST}" if post else ""
        for suffix in [*suffixes, None]:
            stem = (f"{name}.{suffix}" if suffix else name) + tail
            if f"{stem}.j2" in self.files:
                spec = self.load(stem)
                if spec.language != profile.language:
                    raise TemplateError(
                        f"template {name!r} has no {profile.language!r} "
                        f"{'letter ' if post else ''}version "
                        f"(add {self.folder / f'{name}.{profile.language}{tail}.j2'})"
                    )
                return spec
        tried = ", ".join([*(f"{name}.{s}{tail}.j2" for s in suffixes), f"{name}{tail}.j2"])
        what = "letter version" if post else "version"
        raise TemplateError(
            f"template {name!r} has no {what} for region {profile.id!r} (tried {tried})",
            path=self.folder,
        )

    def has_post(self, name: str) -> bool:
        """Whether template ``name`` has a letter version beside its e-mail."""
        return any(stem.endswith(f".{POST}") for stem in self.variants(name))

    def choose(self, name: str, profile: Profile, record: Record) -> tuple[TemplateSpec, str]:
        """The file a letter of ``name`` uses for this customer, on their channel, and why
        (see :data:`CHANNEL_REASONS`).

        A template that is an e-mail goes as an e-mail to whoever has an address and does
        not want post; the others get its letter version (``NAME.post.j2``), or, when it
        has none, a customer who asked for post is refused. A letter is a letter for all.
        """
        spec = self.select(name, profile)
        wanted = record.get("channel")
        if spec.channel == "letter":
            return spec, "letter only"
        if wanted != "post" and record.get("email"):
            return spec, "wants e-mail" if wanted == "email" else "has e-mail"
        reason = "wants post" if wanted == "post" else "no e-mail address"
        if not self.has_post(name):
            if wanted == "post":
                raise TemplateError(
                    f"wants post, and template {name!r} is an e-mail without a letter version "
                    f"(add {self.folder / f'{name}.{POST}.j2'})"
                )
            return spec, reason  # no address: refused where the address is needed
        return self.select(name, profile, post=True), reason

    def load(self, stem: str) -> TemplateSpec:
        """Compile ``STEM.j2`` (and ``STEM.html.j2`` if present), once."""
        spec = self._specs.get(stem)
        if spec is None:
            spec = self._specs[stem] = self._compile(stem)
        return spec

    def _compile(self, stem: str) -> TemplateSpec:
        path = self.folder / f"{stem}.j2"
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise TemplateError(f"cannot read template: {err}", path=path) from None
        front = _front_matter(source, path)
        name, _, variant = stem.partition(".")
        html_name = f"{stem}.html.j2"
        subject_source = front.get("subject")
        return TemplateSpec(
            name=name,
            variant=variant or None,
            path=path,
            channel=front.get("channel", "letter"),
            language=front.get("language", "nl"),
            description=front.get("description", ""),
            subject=(
                self._from_string(subject_source, path, front_matter_lines(source).get("subject"))
                if subject_source
                else None
            ),
            body=self._get(f"{stem}.j2"),
            html=self._get(html_name) if html_name in self.files else None,
            payment_qr=front.get("payment_qr"),
        )

    def parse(self, filename: str) -> tuple[str, jinja2.nodes.Template]:
        """The source (front matter blanked out) and syntax tree of a file, parsed once.

        Raises :class:`jinja2.TemplateSyntaxError`.
        """
        parsed = self._parsed.get(filename)
        if parsed is None:
            source, path, _ = self.env.loader.get_source(self.env, filename)  # type: ignore[union-attr]
            parsed = self._parsed[filename] = (source, self.env.parse(source, filename, path))
        return parsed

    def _get(self, filename: str) -> jinja2.Template:
        """Compile a file: one parse and one code generation, shared with :func:`render_traced`."""
        path = str(self.folder / filename)
        try:
            _, ast = self.parse(filename)
        except jinja2.TemplateSyntaxError as err:
            raise TemplateError(
                f"template syntax error: {err.message}",
                path=self.folder / filename,
                line=err.lineno,
            ) from None
        raw = self.env.compile(ast, filename, path, raw=True)
        self.env.codes[path] = raw
        code = compile(raw, path, "exec")
        return self.env.template_class.from_code(self.env, code, self.env.make_globals(None))

    def _from_string(self, source: str, path: Path, line: int | None) -> jinja2.Template:
        try:
            return self.env.from_string(source)
        except jinja2.TemplateSyntaxError as err:
            raise TemplateError(
                f"front matter 'subject': {err.message}", path=path, line=line or 2
            ) from None


def front_matter_lines(source: str) -> dict[str, int]:
    """The 1-based file line of each top-level front matter key (``subject`` -> 2)."""
    return dict(_front_matter_lines(source))


@functools.lru_cache(maxsize=64)  # lint asks for every letter of a template
def _front_matter_lines(source: str) -> tuple[tuple[str, int], ...]:
    text, _ = split_front_matter(source)
    lines: dict[str, int] = {}
    try:
        node = yaml.compose(text) if text else None
    except yaml.YAMLError:
        return ()
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(str(key.value), key.start_mark.line + 2)
    return tuple(lines.items())


def _front_matter(source: str, path: Path) -> dict[str, str]:
    text, _ = split_front_matter(source)
    if not text:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        if mark is not None and mark.line >= text.count("\n"):
            # Past the end (an unclosed bracket or quote): where it was opened.
            mark = getattr(err, "context_mark", None) or mark
        line = mark.line + 2 if mark else 1
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise TemplateError(
            f"front matter: invalid YAML: {problem}", path=path, line=line
        ) from None
    if not isinstance(data, dict):
        raise TemplateError("front matter must be a mapping", path=path, line=2)
    lines = front_matter_lines(source)
    for key in data:
        if key not in _FRONT_MATTER_KEYS:
            known = ", ".join(sorted(_FRONT_MATTER_KEYS))
            raise TemplateError(
                f"front matter: unknown key {key!r} (known: {known})",
                path=path,
                line=lines.get(str(key)),
            )
    if data.get("channel", "letter") not in CHANNELS:
        raise TemplateError(
            f"front matter 'channel': {data['channel']!r} is not letter or email",
            path=path,
            line=lines.get("channel"),
        )
    if path.name.endswith(f".{POST}.j2") and data.get("channel", "letter") != "letter":
        raise TemplateError(
            f"front matter 'channel': a .{POST}.j2 file is the letter version, not {data['channel']!r}",
            path=path,
        )
    if str(data.get("language", "nl")) not in LANGUAGES:
        raise TemplateError(
            f"front matter 'language': {data['language']!r} is not one of nl, en",
            path=path,
            line=lines.get("language"),
        )
    if "payment_qr" in data:
        data["payment_qr"] = _payment_qr(data["payment_qr"], path, lines.get("payment_qr"))
    return {key: str(value) for key, value in data.items()}


def _payment_qr(value: object, path: Path, line: int | None) -> str:
    """Front matter ``payment_qr``: true (the ``amount`` field), false, or a field name."""
    if value is True:
        return "amount"
    if value is False:
        return ""
    if isinstance(value, str) and _FIELD_NAME.fullmatch(value):
        return value
    raise TemplateError(
        f"front matter 'payment_qr': {value!r} is not true, false or the name of the "
        "field with the amount",
        path=path,
        line=line,
    )


# -- rendering ------------------------------------------------------------


def resolve_signer(record: Record, profile: Profile, roster: Roster) -> StaffMember:
    """The customer's own contact person if they have one, else the region's first contact."""
    contact = record.get("contact")
    if contact is not None:
        member = roster.get(str(contact))
        if member is None:
            raise record.error(
                f"unknown contact person {contact!r} (not in the staff roster)", "contact"
            )
        if not member.signs:
            raise record.error(f"{member.name} ({member.id}) may not sign letters", "contact")
        return member
    member = roster.get(profile.contacts[0])
    assert member is not None  # checked when the profile was loaded
    return member


def context(
    record: Record,
    profile: Profile,
    signer: StaffMember,
    roster: Roster,
    today: dt.date,
    env_globals: Mapping[str, Any] | None = None,
    *,
    history: HistorySource | None = None,
) -> dict[str, Any]:
    """Everything a template can use (with ``env_globals``, also the environment's
    globals, for :func:`_render`); ``history`` from ``history`` (default: none)."""
    ctx = dict(_base_context(profile, signer, roster, today, env_globals or _NO_GLOBALS))
    ctx["customer"] = _Fields(record.fields)
    ctx["history"] = (history or NO_HISTORY).history(record.id, today)
    return ctx


# The context without the customer, per (profile, signer, roster, today, globals): a
# batch has a handful of these, and building one takes longer than rendering a letter.
# Each entry holds its key objects, so an id in a key is never reused while it lives.
_BASES: dict[tuple[int, int, int, dt.date, int], tuple[object, ...]] = {}
_MAX_BASES = 1024
_NO_GLOBALS: Mapping[str, Any] = MappingProxyType({})


def _base_context(
    profile: Profile,
    signer: StaffMember,
    roster: Roster,
    today: dt.date,
    env_globals: Mapping[str, Any],
) -> Mapping[str, Any]:
    key = (id(profile), id(signer), id(roster), today, id(env_globals))
    found = _BASES.get(key)
    if found is not None:
        return found[-1]  # type: ignore[return-value]
    language = profile.language
    base = {
        **env_globals,
        "signer": Person.of(signer, language),
        "team": tuple(Person.of(m, language) for m in map(roster.get, profile.team) if m),
        "team_name": profile.team_name,
        "region": RegionView(
            id=profile.id,
            name=profile.name,
            language=language,
            reading_level=profile.reading_level,
            address=profile.address,
        ),
        "org": profile.organisation,
        "formal": profile.formal,
        "language": language,
        "today": today,
    }
    if len(_BASES) >= _MAX_BASES:
        _BASES.clear()
    _BASES[key] = (profile, signer, roster, env_globals, base)
    return base


def error_origin(err: BaseException, environment: jinja2.Environment) -> Origin | None:
    """The template file and line where ``err`` was raised: the innermost frame of a
    template's code (an included file, an imported macro or an extended base, too).

    A traceback straight from the generated code is mapped back through its line table;
    one that Jinja already rewrote (``handle_exception``) holds template lines.
    """
    found: Origin | None = None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        filename = frame.f_code.co_filename
        if not filename.endswith(".j2"):
            continue
        trace = environment.trace(filename) if isinstance(environment, _Sandbox) else None
        if frame.f_code.co_name in ("root", "macro") or frame.f_code.co_name.startswith("block_"):
            line = trace.template_line(lineno) if trace is not None else lineno
        else:
            line = lineno  # a frame Jinja rewrote to the template's own line
        found = (filename, line)
    return found


def template_line(err: BaseException, template: jinja2.Template) -> int | None:
    """The line of ``template`` where ``err`` was raised (see :func:`error_origin`)."""
    origin = error_origin(err, template.environment)
    return origin[1] if origin is not None else None


def innermost_template_line(err: BaseException) -> str:
    """``file:line`` of the template (also an included one or a macro's) that raised ``err``."""
    found = ""
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f"{filename}:{lineno}"
    return found or "a template"


def _render(template: jinja2.Template, ctx: dict[str, Any], record: Record) -> str:
    """``template.render(ctx)`` for a context that already holds the environment's globals
    (see :func:`render_letter`): Jinja then uses it as it is instead of merging a copy,
    which took a third of the time of rendering a letter's text."""
    try:
        try:
            run = template.root_render_func(template.new_context(ctx, shared=True))
            return _joined(run, template)
        except RecursionError:
            raise
        except Exception:
            template.environment.handle_exception()  # as render() does: template lines
    except MissingHistory as err:
        raise record.error(f"{err} ({innermost_template_line(err)})") from None
    except RecursionError as err:  # not rewritten by Jinja: error_origin maps its lines
        message, line = RECURSION, template_line(err, template)
    except (jinja2.TemplateError, ValueError, TypeError, ArithmeticError) as err:
        message = getattr(err, "message", None) or str(err) or type(err).__name__
        line = getattr(err, "template_line", None) or template_line(err, template)
        if isinstance(err, limits.TooSlow):
            limits.note_slow(template)
    location = f"{template.filename}:{line}" if line else str(template.filename)
    raise record.error(f"cannot render {location}: {message}") from None


RECURSION = "a macro or include calls itself without end (recursion too deep)"


def _joined(pieces: Any, template: jinja2.Template) -> str:
    """The pieces of output joined, each checked against the letter's limits."""
    try:
        return limits.joined(pieces)
    except limits.RenderLimit as err:  # raised here, not in the template: say where it was
        frame = getattr(pieces, "gi_frame", None)
        if frame is not None:
            err.template_line = template.get_corresponding_lineno(frame.f_lineno)  # type: ignore[attr-defined]
            err.template_file = str(template.filename)  # type: ignore[attr-defined]
        raise


#: Where a piece of a letter comes from: a template file and a 1-based line of it.
Origin = tuple[str, int]
_DEBUG_INFO = re.compile(r"^debug_info = '([0-9=&]*)'", re.M)


class _Trace:
    """What is needed to map output back to template lines, per template file."""

    def __init__(self, source: str, code: str):
        self.source = source
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
        self.lines = len(self.line_starts) - (1 if source.endswith("\n") else 0)
        self.constant = {
            number
            for number, text in enumerate(code.splitlines(), start=1)
            if text.lstrip().startswith(("yield '", 'yield "'))
        }
        match = _DEBUG_INFO.search(code)
        pairs = match.group(1).split("&") if match and match.group(1) else []
        self.debug = [(int(a), int(b)) for a, b in (pair.split("=") for pair in pairs)]
        self.code_lines = [code_line for _, code_line in self.debug]

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def template_line(self, code_line: int) -> int:
        """Like ``Template.get_corresponding_lineno``, without re-parsing its table."""
        index = bisect.bisect_right(self.code_lines, code_line) - 1
        line = self.debug[index][0] if index >= 0 else 1
        return min(max(line, 1), max(self.lines, 1))


class _Chain:
    """The generators that produced the chunk the root template's generator just
    yielded: down through ``yield from`` (an extended base, a block) and through an
    ``include`` (``for event in gen``). Kept from chunk to chunk, so finding the frame
    costs the change in depth, not the depth (an include that includes itself is a
    chain hundreds deep)."""

    def __init__(self, root: GeneratorType[Any, Any, Any]):
        self.gens = [root]

    def innermost(self) -> Any:
        gens = self.gens
        while len(gens) > 1 and gens[-1].gi_frame is None:  # finished: back up
            gens.pop()
        gen = gens[-1]
        frame = gen.gi_frame
        while frame is not None:
            inner = gen.gi_yieldfrom
            if inner is None:
                local = frame.f_locals.get("gen")
                if isinstance(local, GeneratorType) and local is not gen:
                    inner = local
            if not isinstance(inner, GeneratorType) or inner.gi_frame is None:
                return frame
            gens.append(inner)
            gen, frame = inner, inner.gi_frame
        return None


def render_traced(
    template: jinja2.Template, ctx: Mapping[str, Any]
) -> tuple[str, list[Origin | None]]:
    """Render ``template`` and say, for each output line, the template file and line it
    came from.

    Literal text maps to the exact line it is written on, also in an included file or
    an extended base; a value maps to the line of its ``{{ ... }}``; a line of a macro's
    output maps to the line of the macro file where that text is written when it is
    written there literally, else to the line of the call. Leading and trailing blank
    lines are dropped as in :func:`render_letter`. Errors are raised as they come from
    the template's code: :func:`error_origin` finds their file and line.
    """
    env = template.environment
    if not isinstance(env, _Sandbox) or env.trace(str(template.filename)) is None:
        raise ValueError("render_traced needs a template compiled by Templates")
    gen = template.root_render_func(template.new_context(dict(ctx)))
    if not isinstance(gen, GeneratorType):  # jinja2 compiles the root render function as one
        raise TypeError("render_traced needs jinja2's generator render functions")
    try:
        return _traced(template, gen, env)
    except BaseException as err:
        _close_suspended(gen, err)
        raise


def _close_suspended(gen: GeneratorType[Any, Any, Any], err: BaseException) -> None:
    """Close the template generators a failed rendering left suspended, innermost first.

    An include that includes itself is a chain of generators each iterating the next;
    when a limit stops it, or resuming the chain hits the recursion limit, the chain stays
    suspended, and finalising it later recurses as deep again ("Exception ignored" on
    stderr). Closing the innermost first keeps each close shallow.
    """
    chain: list[GeneratorType[Any, Any, Any]] = [gen]
    for frame, _ in traceback.walk_tb(err.__traceback__):
        local = frame.f_locals.get("gen")
        if isinstance(local, GeneratorType) and local not in chain:
            chain.append(local)
    while chain and chain[-1].gi_frame is not None:
        inner = chain[-1].gi_yieldfrom or chain[-1].gi_frame.f_locals.get("gen")
        if not isinstance(inner, GeneratorType) or inner in chain:
            break
        chain.append(inner)
    for gen in reversed(chain):
        gen.close()


def _traced(
    template: jinja2.Template, gen: GeneratorType[str, Any, Any], env: _Sandbox
) -> tuple[str, list[Origin | None]]:
    out: list[str] = []
    lines: list[Origin | None] = []
    current: Origin | None = None
    buffer: list[str] = []
    size = 0
    searched: dict[str, int] = {}  # file -> offset after the last literal text found there
    chain = _Chain(gen)
    for chunk in gen:
        frame = chain.innermost()
        if frame is None:
            continue
        filename = frame.f_code.co_filename
        trace = env.trace(filename)
        if trace is None:  # not a template's code (cannot happen); keep the root's lines
            filename = str(template.filename)
            trace = env.trace(filename)
            assert trace is not None
        code_line = frame.f_lineno
        size += len(chunk)
        try:
            limits.check_output(size)
        except limits.RenderLimit as err:  # said at the letter's own line, as render does
            root = env.trace(str(template.filename))
            assert root is not None and gen.gi_frame is not None
            err.template_line = root.template_line(gen.gi_frame.f_lineno)  # type: ignore[attr-defined]
            err.template_file = str(template.filename)  # type: ignore[attr-defined]
            raise
        line = trace.template_line(code_line)
        constant = code_line in trace.constant
        call = not constant and "(" in _source_line(trace, line)
        search_from = max(trace.line_starts[max(line - 1, 0)], searched.get(filename, 0))
        for index, piece in enumerate(chunk.split("\n")):
            if index:
                out.append("".join(buffer))
                lines.append(current)
                buffer, current = [], None
            if current is None and piece.strip():
                current = (filename, line)
                needle = piece.strip()
                if constant:
                    # Jinja joins literal text across comments and trimmed tags into one
                    # chunk: find each line's own text in the source.
                    found = trace.source.find(needle, search_from)
                    if found >= 0:
                        current = (filename, trace.line_at(found))
                        search_from = searched[filename] = found + len(needle)
                elif call:
                    current = _literal_origin(env, needle, filename) or current
            buffer.append(piece)
    if buffer:
        out.append("".join(buffer))
        lines.append(current)
    while out and out[0] == "":
        out.pop(0)
        lines.pop(0)
    while out and out[-1] == "":
        out.pop()
        lines.pop()
    return "\n".join(out) + "\n", lines


def _source_line(trace: _Trace, line: int) -> str:
    start = trace.line_starts[line - 1] if 0 < line <= len(trace.line_starts) else 0
    end = trace.source.find("\n", start)
    return trace.source[start : end if end >= 0 else len(trace.source)]


def _literal_origin(env: _Sandbox, needle: str, caller: str) -> Origin | None:
    """Where the output line ``needle`` of a macro call is written literally: in one
    other template file the environment loaded that defines macros, on one line."""
    found: list[Origin] = []
    for filename, code in env.codes.items():
        trace = env.trace(filename)
        if filename == caller or trace is None or "def macro(" not in code:
            continue
        at = trace.source.find(needle)
        if at >= 0 and "\n" not in needle:
            found.append((filename, trace.line_at(at)))
    return found[0] if len(found) == 1 else None


def render_letter(
    record: Record,
    spec: TemplateSpec,
    profile: Profile,
    roster: Roster,
    *,
    today: dt.date,
    signer: StaffMember | None = None,
    history: HistorySource | None = None,
) -> Letter:
    """Render one record with one template for one region profile (``history``: where
    the customer's earlier letters come from; default: none)."""
    signer = signer or resolve_signer(record, profile, roster)
    ctx = context(record, profile, signer, roster, today, spec.body.globals, history=history)
    slow = max(limits.slow_letters(t) for t in (spec.body, spec.subject, spec.html) if t)
    if slow >= limits.MAX_SLOW:
        raise record.error(
            f"not rendered: {slow} letters of {spec.path} went over the time limit in this "
            "run already (limits.render_seconds in brief.yaml)"
        )
    with limits.bounded(spec.body.environment.bounds):  # type: ignore[attr-defined]
        text = _render(spec.body, ctx, record).strip("\n") + "\n"
        subject = _render(spec.subject, ctx, record).strip() if spec.subject else ""
        if "\n" in subject or "\r" in subject:
            raise record.error("the subject holds a line break")
        html = _render(spec.html, ctx, record) if spec.html else None
    return Letter(
        record=record,
        template=spec,
        profile=profile,
        signer=signer,
        language=profile.language,
        subject=subject,
        text=text,
        html=html,
        date=today,
        roster=roster,
    )


__all__ = [
    "Letter",
    "Organisation",
    "Person",
    "TemplateSpec",
    "Templates",
    "context",
    "make_environment",
    "render_letter",
    "resolve_signer",
]
