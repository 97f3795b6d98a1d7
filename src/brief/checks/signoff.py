"""Rules about who signs: a real, known, nearby person who can be reached."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .base import Hit, rule
from .letter import LetterText

_DIGITS = re.compile(r"\D+")
_JOINERS = re.compile(r"(?<=\d)[ ().-]+(?=\d)")


def _written(email: str, text: str) -> bool:
    """Whether ``text`` holds ``email`` as written in lower-case ASCII: then its lower
    case holds it too (lowering changes no ASCII letter's place), without lowering it."""
    lowered = email.lower()
    return lowered.isascii() and lowered in text


@rule(
    "anonymous-signoff",
    severity="error",
    layer="letter",
    summary="the closing names no real person",
    mark="signature",
)
def anonymous_signoff(letter: LetterText) -> Iterator[Hit]:
    """A letter signed by "Team Incasso", "De directie", a job title, the organisation,
    a mandate formula such as "namens dezen" or "i.o. de directeur", a no-reply address, an
    unfilled placeholder, or nothing at all, puts no person behind the letter. Readers wait
    longer, feel talked down to, and people with debts stay silent out of shame. Close with
    the name of the person who handles the case (a team name after real names is fine:
    "Ineke, Carina, Bianca en Linda — Team Incasso")."""
    signature = letter.signature
    if signature.closing is None:
        # On the last line: where the closing belongs.
        yield Hit(
            "the letter has no closing (such as 'Met vriendelijke groet,') and no signer",
            len(letter.lines) or None,
        )
        return
    reason = letter.verdict.anonymous
    closing = signature.closing_line
    if reason and closing is not None:
        last = max([closing, *(number for number, _ in signature.lines)])
        start, end = letter.line_span(last, first=closing)  # the closing and its block
        yield Hit(f"the closing names no real person: {reason}", closing + 1, start=start, end=end)


@rule(
    "unknown-signer",
    severity="error",
    layer="letter",
    summary="a name in the signature is not a person on the staff roster",
    mark="signature",
)
def unknown_signer(letter: LetterText) -> Iterator[Hit]:
    """Every name under a letter must be a real person on the staff roster, so that the
    reader can ask for them by name. A made-up or stock name ("Jan Jansen", "John Doe") or
    someone who has left is worse than no name: the reader calls and nobody knows them.
    Names match as a full name, a first name that is unique on the roster, or initials
    plus surname; a surname alone never matches."""
    unknown = letter.verdict.unknown
    if not unknown:
        return
    from ..signoff import candidates

    roster_path = letter.roster.path
    for line, name in unknown:
        message = f"{name!r} in the signature is not a person in the staff roster ({roster_path})"
        maybe = candidates(name, letter.roster)
        if maybe:
            message += f"; did you mean {' or '.join(m.name for m in maybe)}?"
        start, end = letter.find_on([line], name) or letter.line_span(line)
        yield Hit(message, line + 1, start=start, end=end)


@rule(
    "distant-signer",
    severity="warning",
    layer="letter",
    summary="signed by one person who is not a contact for this rayon or customer",
    mark="signature",
)
def distant_signer(letter: LetterText) -> Iterator[Hit]:
    """The person who signs should be the one the reader can actually reach about their
    case. A letter signed by one person (from the roster) who is neither one of the
    `contacts:` of the customer's region nor the customer's own contact person (the
    record's `contact` field) is distant: a payment reminder signed by the director
    creates distance and sends calls to someone who cannot help. A closing that names
    several real people is fine when one of them is such a contact ("Ineke, Carina en
    Bianca"); when none of them is, it is distant too. Membership of the region's `team:`
    alone does not count. Anonymous closings and unknown names are the other rules'."""
    nearby = set(letter.profile.contacts)
    if letter.contact:
        nearby.add(str(letter.contact))
    signers = letter.verdict.signers
    if not signers or any(member.id in nearby for member in signers):
        return
    contacts = ", ".join(
        m.name for m in map(letter.roster.get, letter.profile.contacts) if m is not None
    )
    closing = letter.signature.closing_line
    lines = [number for number, _ in letter.signature.lines]
    for member in signers:
        start, end = letter.find_on(lines, member.name) or letter.line_span(closing or 0)
        yield Hit(
            f"signed by {member.name} ({member.role(letter.language)}), who is not a contact "
            f"for region {letter.profile.id!r} (contacts: {contacts})",
            letter.line_of(start),
            start=start,
            end=end,
        )


@rule(
    "missing-contact",
    severity="warning",
    layer="letter",
    summary="no direct phone number or e-mail of the person who signs",
)
def missing_contact(letter: LetterText) -> Iterator[Hit]:
    """A named signer only helps when the reader can reach them: give the direct phone
    number (a business mobile is best) or e-mail address of the person who signs, not only
    the switchboard."""
    people = list(letter.verdict.signers) or ([letter.signer] if letter.signer else [])
    if not people:
        return
    text = letter.text
    if any(_written(member.email, text) for member in people):
        return
    lowered = text.lower()
    if any(member.email.lower() in lowered for member in people):
        return
    compact = _JOINERS.sub("", letter.text)
    if any(_DIGITS.sub("", member.phone) in compact for member in people):
        return
    names = ", ".join(m.name for m in people)
    closing = letter.signature.closing_line
    yield Hit(
        f"no direct phone number or e-mail of {names}",
        (closing + 1) if closing is not None else (len(letter.lines) or None),
    )
