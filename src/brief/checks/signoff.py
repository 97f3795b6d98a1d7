"""Rules about who signs: a real, known, nearby person who can be reached."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .base import Hit, rule
from .letter import LetterText

_DIGITS = re.compile(r"\D+")
_JOINERS = re.compile(r"(?<=\d)[ ().-]+(?=\d)")


@rule(
    "anonymous-signoff",
    severity="error",
    layer="letter",
    summary="the closing names no real person",
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
        yield Hit("the letter has no closing (such as 'Met vriendelijke groet,') and no signer")
        return
    reason = letter.verdict.anonymous
    if reason:
        yield Hit(f"the closing names no real person: {reason}", signature.closing_line)


@rule(
    "unknown-signer",
    severity="error",
    layer="letter",
    summary="a name in the signature is not a person on the staff roster",
)
def unknown_signer(letter: LetterText) -> Iterator[Hit]:
    """Every name under a letter must be a real person on the staff roster, so that the
    reader can ask for them by name. A made-up or stock name ("Jan Jansen", "John Doe") or
    someone who has left is worse than no name: the reader calls and nobody knows them.
    Names match as a full name, a first name that is unique on the roster, or initials
    plus surname; a surname alone never matches."""
    from ..signoff import candidates

    roster_path = letter.roster.path
    for line, name in letter.verdict.unknown:
        message = f"{name!r} in the signature is not a person in the staff roster ({roster_path})"
        maybe = candidates(name, letter.roster)
        if maybe:
            message += f"; did you mean {' or '.join(m.name for m in maybe)}?"
        yield Hit(message, line)


@rule(
    "distant-signer",
    severity="warning",
    layer="letter",
    summary="signed by someone who is not a contact for this rayon or customer",
)
def distant_signer(letter: LetterText) -> Iterator[Hit]:
    """The person who signs should be the one the reader can actually reach about their
    case: the customer's own contact person or a contact of their rayon. A payment reminder
    signed by the director creates distance and sends calls to someone who cannot help."""
    nearby = {*letter.profile.contacts, *letter.profile.team}
    if letter.contact:
        nearby.add(letter.contact)
    contacts = ", ".join(
        m.name for m in map(letter.roster.get, letter.profile.contacts) if m is not None
    )
    for member in letter.verdict.signers:
        if member.id not in nearby:
            yield Hit(
                f"signed by {member.name} ({member.role(letter.language)}), who is not a contact "
                f"for region {letter.profile.id!r} (contacts: {contacts})",
                letter.signature.closing_line,
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
    lowered = letter.text.lower()
    if any(member.email.lower() in lowered for member in people):
        return
    compact = _JOINERS.sub("", letter.text)
    if any(_DIGITS.sub("", member.phone) in compact for member in people):
        return
    names = ", ".join(m.name for m in people)
    yield Hit(f"no direct phone number or e-mail of {names}", letter.signature.closing_line)
