"""A rendered letter as the letter rules see it: lines, body, signature."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..profiles import Profile
from ..readability import Counts
from ..staff import Roster, StaffMember

if TYPE_CHECKING:  # imported when first used: signoff is not needed to load the rules
    from ..signoff import Signature, Verdict

_SALUTATION = re.compile(
    r"^\s*(geachte|beste|lieve|hallo|hoi|dag|goedemorgen|goedemiddag|dear|hello|hi)\b.*,\s*$",
    re.IGNORECASE,
)
LEVEL_NAMES = {"standard": "standard", "plain": "plain (B1)", "very-plain": "very plain (A2)"}


@dataclass
class LetterText:
    """One rendered letter, with what the rules need to judge it."""

    text: str
    profile: Profile
    roster: Roster
    signer: StaffMember | None = None
    contact: str | None = None  # the customer's own contact person, if any
    customer: Mapping[str, Any] = field(default_factory=dict)  # the record's fields
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines()

    @property
    def language(self) -> str:
        return self.profile.language

    @property
    def level(self) -> str:
        return LEVEL_NAMES[self.profile.reading_level]

    @cached_property
    def signature(self) -> Signature:
        from ..signoff import find_signature

        return find_signature(self.text)

    @cached_property
    def verdict(self) -> Verdict:
        from ..signoff import classify

        org = self.profile.organisation
        return classify(self.signature, self.roster, organisation=(org.name, org.short_name))

    @cached_property
    def own_words(self) -> frozenset[str]:
        """Lower-case words that are names or the organisation's own, never hard words:
        the roster's names, the customer's field values, the organisation's details, the
        region's and team's names and the region's ``allowed_words``."""
        from ..hardwords import words_of

        org = self.profile.organisation
        return words_of(
            (
                *(member.name for member in self.roster),
                *self.customer.values(),
                org.name,
                org.short_name,
                org.address,
                org.website,
                org.email,
                self.profile.name,
                self.profile.team_name,
                *self.profile.allowed_words,
            )
        )

    @cached_property
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

    @cached_property
    def body(self) -> str:
        start, end = self.body_range
        return "\n".join(self.lines[start:end])

    @cached_property
    def counts(self) -> Counts:
        """The body's sentences with their words and syllables, found once for every rule."""
        from ..readability import count_sentences

        return count_sentences(self.body, self.language)

    @cached_property
    def _body_line_starts(self) -> list[int]:
        starts, offset = [], 0
        for line in self.lines[self.body_range[0] : self.body_range[1]]:
            starts.append(offset)
            offset += len(line) + 1
        return starts

    def body_line(self, offset: int) -> int:
        """The letter line index of a character offset into :attr:`body`."""
        return self.body_range[0] + bisect.bisect_right(self._body_line_starts, offset) - 1
