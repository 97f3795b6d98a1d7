"""A rendered letter part as the letter rules see it: lines, body, signature.

The text part is the letter as rendered; the HTML part of an e-mail is the text a
mail program shows for it (:func:`brief.htmltext.html_text`), so that every rule
reads what the reader reads.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .. import hardwords, readability
from ..hardwords import HardWord
from ..profiles import Profile
from ..readability import Counts, Fact
from ..staff import Roster, StaffMember

if TYPE_CHECKING:  # imported when first used: signoff is not needed to load the rules
    from ..render import Letter
    from ..signoff import Signature, Verdict

_SALUTATION = re.compile(
    r"^\s*(geachte|beste|lieve|hallo|hoi|dag|goedemorgen|goedemiddag|dear|hello|hi)\b.*,\s*$",
    re.IGNORECASE,
)
LEVEL_NAMES = {"standard": "standard", "plain": "plain (B1)", "very-plain": "very plain (A2)"}

T = TypeVar("T")


class _lazy(Generic[T]):
    """:func:`functools.cached_property` without its lock (Python 3.11 takes one on every
    first look-up, which costs more than most of what a letter's properties find)."""

    def __init__(self, func: Callable[[Any], T]):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _lazy[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object, owner: type | None = None) -> T | _lazy[T]:
        if instance is None:
            return self
        found = instance.__dict__
        twin = found.get("_twin")  # see LetterText.share
        if twin is None:
            value = found[self.name] = self.func(instance)
            return value
        value = twin.__dict__.get(self.name, _MISSING)
        if value is _MISSING:
            value = twin.__dict__[self.name] = self.func(instance)
        found[self.name] = value
        return value


_MISSING: Any = object()


@dataclass
class LetterText:
    """One rendered letter, with what the rules need to judge it."""

    text: str
    profile: Profile
    roster: Roster
    signer: StaffMember | None = None
    contact: str | None = None  # the customer's own contact person, if any
    customer: Mapping[str, Any] = field(default_factory=dict)  # the record's fields
    part: str = "text"  # "html": the displayed text of the e-mail's HTML part
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()

    @classmethod
    def from_html(cls, html: str, **options: Any) -> LetterText:
        """The HTML part ``html`` as a mail program shows it."""
        return cls(text=_htmltext().html_text(html).text, part="html", **options)

    @staticmethod
    def options_of(letter: Letter, roster: Roster) -> dict[str, Any]:
        """What the rules need to judge a part of ``letter`` besides its text: the options
        of :class:`LetterText` and :meth:`from_html`."""
        return dict(
            profile=letter.profile,
            roster=roster,
            signer=letter.signer,
            contact=letter.record.get("contact"),
            customer=letter.record.fields,
        )

    @_lazy
    def line_starts(self) -> list[int]:
        """The text offset where each line starts."""
        starts, offset = [], 0
        for line in self.lines:
            starts.append(offset)
            offset += len(line) + 1
        return starts

    def line_of(self, offset: int) -> int:
        """The 1-based line of the character at text offset ``offset``."""
        return max(bisect.bisect_right(self.line_starts, offset), 1)

    def line_span(self, index: int, first: int | None = None) -> tuple[int, int]:
        """Text offsets of line ``index`` (0-based) without its outer spaces; from line
        ``first`` on when given."""
        text = self.lines[index]
        begin_index = index if first is None else first
        begin_text = self.lines[begin_index]
        begin = self.line_starts[begin_index] + len(begin_text) - len(begin_text.lstrip())
        return begin, self.line_starts[index] + len(text.rstrip())

    def find_on(self, indexes: list[int], needle: str) -> tuple[int, int] | None:
        """Text offsets of ``needle`` on the first of the lines ``indexes`` that holds it."""
        for index in indexes:
            column = self.lines[index].find(needle)
            if column >= 0:
                begin = self.line_starts[index] + column
                return begin, begin + len(needle)
        return None

    @property
    def language(self) -> str:
        return self.profile.language

    @property
    def level(self) -> str:
        return LEVEL_NAMES[self.profile.reading_level]

    @_lazy
    def signature(self) -> Signature:
        return _signoff().signature_of(self.lines)

    @_lazy
    def verdict(self) -> Verdict:
        org = self.profile.organisation
        return _signoff().classify(
            self.signature, self.roster, organisation=(org.name, org.short_name)
        )

    @_lazy
    def facts(self) -> list[Fact]:
        """The amounts, dates, IBANs, phone numbers and e-mail addresses in the text."""
        return readability.facts(self.text)

    @_lazy
    def fact_keys(self) -> frozenset[tuple[str, str]]:
        """``(kind, key)`` of every fact in the text, for comparing the parts."""
        return readability.fact_keys(self.text)

    @_lazy
    def own_words(self) -> frozenset[str]:
        """Lower-case words that are names or the organisation's own, never hard words:
        the roster's names, the customer's field values, the organisation's details, the
        region's and team's names and the region's ``allowed_words``."""
        values = [_value_words(str(value)) for value in self.customer.values() if value is not None]
        return _fixed_words(self.profile, self.roster).union(*values)

    @_lazy
    def body_range(self) -> tuple[int, int]:
        """Line indexes [start, end) of the body: after the salutation, before the closing."""
        end = self.signature.closing_line
        if end is None:
            end = len(self.lines)
        start = 0
        for index, line in enumerate(self.lines[:end]):
            if _SALUTATION.match(line):
                start = index + 1
                break
        return start, end

    @_lazy
    def body(self) -> str:
        start, end = self.body_range
        return "\n".join(self.lines[start:end])

    @_lazy
    def counts(self) -> Counts:
        """The body's sentences with their words and syllables, found once for every rule."""
        return readability.count_sentences(self.body, self.language)

    @_lazy
    def hard_words(self) -> tuple[HardWord, ...]:
        """The body's words rarer than the region's ``min_word_frequency`` (or with a plain
        alternative): the hard-word rule's candidates."""
        threshold = self.profile.thresholds.min_word_frequency
        return hardwords.hard_words(self.body, self.language, threshold)

    @_lazy
    def _body_line_starts(self) -> list[int]:
        starts, offset = [], 0
        for line in self.lines[self.body_range[0] : self.body_range[1]]:
            starts.append(offset)
            offset += len(line) + 1
        return starts

    def body_line(self, offset: int) -> int:
        """The letter line index of a character offset into :attr:`body`."""
        return self.body_range[0] + bisect.bisect_right(self._body_line_starts, offset) - 1

    def from_body(self, offset: int) -> int:
        """The text offset of a character offset into :attr:`body`."""
        index = max(bisect.bisect_right(self._body_line_starts, offset) - 1, 0)
        line = self.body_range[0] + index
        if line >= len(self.lines):
            return len(self.text)
        column = min(offset - self._body_line_starts[index], len(self.lines[line]))
        return self.line_starts[line] + column

    def reads_as(self, other: LetterText) -> bool:
        """Whether ``other`` is the same letter part for the same reader: the same text
        and options (an e-mail's HTML part that a mail program shows exactly as the text
        part reads). Every property above is found from those alone, never from
        :attr:`part`, so it is the same in both."""
        return (
            other.text == self.text
            and other.profile is self.profile
            and other.roster is self.roster
            and other.signer is self.signer
            and other.contact == self.contact
            and other.customer is self.customer
        )

    def share(self, other: LetterText) -> bool:
        """Use what ``other`` finds, and find things for it, when it :meth:`reads_as` this
        part: what either finds first holds for both. (Only this object points to
        ``other``: no reference cycle to collect.) Whether they are the same."""
        if other is not self and self.reads_as(other):
            self.__dict__["_twin"] = other
            return True
        return False


# Modules imported when first used (an import statement in a property would look them
# up again for every letter).


@cache
def _signoff() -> ModuleType:
    from .. import signoff

    return signoff


@cache
def _htmltext() -> ModuleType:
    from .. import htmltext

    return htmltext


@lru_cache(maxsize=1024)
def _value_words(value: str) -> frozenset[str]:
    """:func:`~brief.hardwords.words_of` one customer value: cities, streets and the
    signer's details repeat from record to record."""
    return hardwords.words_of((value,))


_FIXED_WORDS: dict[tuple[int, int], tuple[Profile, Roster, frozenset[str]]] = {}


def _fixed_words(profile: Profile, roster: Roster) -> frozenset[str]:
    """The own words that are the same in every letter of a region: found once per
    (profile, roster), which stay alive as long as their entry does."""
    key = (id(profile), id(roster))
    found = _FIXED_WORDS.get(key)
    if found is not None and found[0] is profile and found[1] is roster:
        return found[2]
    org = profile.organisation
    words = hardwords.words_of(
        (
            *(member.name for member in roster),
            org.name,
            org.short_name,
            org.address,
            org.website,
            org.email,
            profile.name,
            profile.team_name,
            *profile.allowed_words,
        )
    )
    if len(_FIXED_WORDS) >= 256:
        _FIXED_WORDS.clear()
    _FIXED_WORDS[key] = (profile, roster, words)
    return words
