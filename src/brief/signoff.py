"""Who signs a letter: find the closing and tell real signers from anonymous sign-offs.

Every letter brief sends must be signed by a real, named person from the staff
roster. ``brief lint`` uses this module for two rules:

* ``anonymous-signoff``: :attr:`Verdict.anonymous` is set (the closing names no person);
* ``unknown-signer``: :attr:`Verdict.unknown` is not empty (a person-like name that is
  not on the roster: a made-up or stock name, or a first name two people share).

Two steps, both pure and linear in the length of the text:

:func:`find_signature`
    Finds the closing phrase ("Met vriendelijke groet,", "Hoogachtend", "Kind regards",
    ...; Dutch and English, case-insensitive) and the signature block after it.

:func:`classify`
    Reads the block against a :class:`~brief.staff.Roster`.

Decisions
---------

Finding the closing

* A closing phrase counts only at the start of a line (after HTML tags and markdown
  emphasis are stripped) and only as a whole phrase: "Many thanks for your payment."
  and "Regardless of ..." are body text. Text after the phrase on the same line is
  part of the signature when it follows punctuation or a dash ("Met vriendelijke
  groet, Ineke, Carina, Bianca en Linda — Team Incasso") or, after a plain space,
  when it looks like a name ("Met vriendelijke groet Ineke de Vries"). A same-line
  remainder that is a sentence ("Thanks, we have received your payment.") means the
  line is not a closing.
* The LAST closing wins (bilingual letters, quoted closings earlier in the text),
  except that closings inside a postscript are ignored: once a closing has been
  seen, a "P.S." line ends the search.
* The signature block is every non-empty line after the closing up to the end of the
  letter or to a postscript / note / enclosure line ("P.S.", "N.B.", "Bijlage(n)",
  "Enclosure(s)", "Cc:", a quoted reply). Line texts are stored cleaned: known HTML
  tags removed, ``<br>`` turned into ``" | "``, entities decoded, spaces collapsed.
  Placeholders that look like tags (``<naam>``) are kept.
* No closing phrase: ``Signature(None, None, ())``; :func:`classify` then reports
  ``"no closing phrase"`` (a letter without a sign-off is not signed by a person).

Classifying the block

* Each line is split into segments at commas, semicolons, "|", "/", "·", brackets,
  dashes between spaces, em/en dashes, " en ", " and ", "&", and at mandate formulas.
* Ignored (neither signer nor unknown): contact lines and segments (a contact label
  such as "Telefoon:", "E-mail:", "Tel.", "T", "www.", anything with a digit, an
  e-mail address, a URL or a domain: phone numbers, addresses, postcodes, IBAN,
  KvK), sentences (any lower-case word that is not a name particle), and team, role
  and organisation text. Role text is a built-in Dutch/English vocabulary plus every
  ``roles`` value on the roster ("Medewerker incasso", "Collections officer").
* Roster matching (case- and accent-insensitive): the full name; a first name that
  exactly one roster person has; initials plus surname ("I. de Vries", "I. De Vries",
  "I.de Vries", "I.J. de Vries", "I. (Ineke) de Vries"); a first name plus the
  surname's initial ("Carina B."); surname first when that is the whole line
  ("Jansen, Linda", "De Vries, I."). Never a surname alone ("De Vries", "Bakker"),
  and a different first name with a roster surname ("Piet de Vries") is not that
  person. Honorifics, degrees and possessives ("Mw.", "Dhr.", "drs.", "Mr", "MSc",
  "Uw", "Jullie") are ignored. Unknown names are reported as written, minus those.
* A first name two roster people share ("Mark") is not a match: it is reported as
  unknown under the name as written; :func:`candidates` lists whom it could mean, for
  the lint message. The same helper explains a surname alone.
* ``signers`` holds every roster person named, including people with
  ``signs: false``: whether they may sign is a different rule's business.
* A team, role or organisation AFTER (or beside) a name is fine: "Ineke, Carina,
  Bianca en Linda — Team Incasso" has four signers. A name glued to a role without a
  separator ("Ineke de Vries Medewerker incasso") is still found.
* ``anonymous`` is ``None`` as soon as the block names a person, on the roster or
  not; a made-up name is the ``unknown-signer`` rule's finding, not also an
  anonymous one. Otherwise it is a short reason, the first that applies of:
  ``"unfilled placeholder"`` ("[Naam]", "<naam>", "{{ signature }}", "XXX", "NAAM",
  "Your Name"), ``"no-reply address"`` ("noreply@...", "do not reply", "niet
  beantwoorden"), ``"mandate formula without a signer"`` ("namens dezen", "i.o. de
  directeur", "p.p. the director", "on behalf of"), ``"a job title without a name"``
  ("De directeur", "Manager incasso", "Head of Finance", "Het hoofd van het
  kantoor"), ``"signed by a team, not a person"`` ("Team Incasso", "De directie",
  "Raad van bestuur", "Customer Service", "The Management"), ``"signed by the
  organisation, not a person"`` ("Woningcorporatie Dijkzicht"), ``"closing with no
  name after it"`` (nothing, or only contact details).
* So a real person beside a no-reply address, a placeholder or a mandate formula
  passes ("Ineke de Vries" + "noreply@...", "namens dezen, Ineke de Vries", "Ineke de
  Vries" + "{{ signer.role }}"): those are reported as anonymous only when nobody is
  named. (An unfilled placeholder next to a name is a rendering bug for another rule.)
* A capitalised word is not a person by default. A name-shaped segment (1-4
  capitalised words with initials and particles) is a person only when it is a roster
  name, starts with a first name (a roster first name or one of the ~6,000 Dutch,
  Belgian, Moroccan, Turkish, British and American first names in
  ``brief/data/first-names.txt``, built by tools/build_first_names.py from the
  names-dataset package), starts with initials ("P.P. Jansen"), follows an honorific
  ("Dhr. Pietersen") or is a roster surname alone ("De Vries": reported, with whom it
  could mean). Everything else after the closing is a place, a team or a role people
  write capitalised ("Vlissingen", "Oost-Souburg", "Credit Control", "Rent Account
  Officer"): neither a signer nor an unknown name.
* ``classify(..., organisation=(name, short_name))`` is told the organisation's names
  (the profile's ``organisation.name`` and ``short_name``): a segment that is one of
  them ("Dijkzicht") is the organisation, so a block with only that is
  ``"signed by the organisation, not a person"``.
* A single unknown word after an address or phone number on the same line is a place
  ("Dijkzichtplein 1, Vlissingen"), not a person; before it, it is a name ("Henk, 06
  1234 5601" -> unknown "Henk").
* Known limits: a made-up name whose first word is not in the first-name list
  ("Xylia Brandsma") is not reported; a place or product that is also a first name
  ("Florence") under a signer is reported as an unknown name.

Performance: one pass over the lines with precompiled regular expressions. The roster
index is cached per roster content, the verdict per (signature lines, roster content),
so classifying thousands of letters with the same few signature blocks is cheap.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .staff import Roster, StaffMember

__all__ = [
    "REASONS",
    "Signature",
    "Verdict",
    "candidates",
    "classify",
    "find_signature",
]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Signature:
    """The closing of a letter and the signature block after it."""

    closing: str | None
    closing_line: int | None
    lines: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Verdict:
    """Who signs: roster people, unknown names, or why nobody does."""

    signers: tuple[StaffMember, ...]
    unknown: tuple[tuple[int, str], ...]
    anonymous: str | None


#: Short key -> the reason text :attr:`Verdict.anonymous` carries.
REASONS: dict[str, str] = {
    "no-closing": "no closing phrase",
    "placeholder": "unfilled placeholder",
    "noreply": "no-reply address",
    "mandate": "mandate formula without a signer",
    "title": "a job title without a name",
    "team": "signed by a team, not a person",
    "org": "signed by the organisation, not a person",
    "empty": "closing with no name after it",
}
_PRIORITY = ("placeholder", "noreply", "mandate", "title", "team", "org")


# --------------------------------------------------------------------------- cleaning

_TAGS = (
    "p|br|div|span|strong|b|i|em|u|a|font|small|big|sub|sup|table|tbody|thead|tfoot|tr|td|th"
    "|ul|ol|li|h[1-6]|body|html|head|meta|style|img|hr|section|article|header|footer|address"
    "|blockquote|center|pre|code|o:p"
)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)")
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(rf"</?(?:{_TAGS})(?:\s[^<>]*)?/?>", re.I)
_SPACES = re.compile(r"\s+")
_EXTRA_SPACE = re.compile(r"\s{2,}|[^\S ]")  # what _SPACES changes; single spaces are kept


@lru_cache(maxsize=2048)
def _clean(line: str) -> str:
    """One line as a reader sees it: no HTML tags, entities decoded, spaces collapsed."""
    if "<" in line:
        line = _COMMENT.sub("", line)
        line = _BR.sub(" | ", line)
        line = _TAG.sub(" ", line)
    if "&" in line:
        line = html.unescape(line)
    if "  " in line or not line.isprintable():  # every other white space is unprintable
        line = _EXTRA_SPACE.sub(" ", line)
    line = line.strip().strip("*_").strip()
    return line.strip("| ").strip() if "|" in line else line


# --------------------------------------------------------------------------- closings

_CLOSING_PHRASES = (
    # Dutch
    r"met\s+(?:(?:zeer|heel|hele|veel|de)\s+)?(?:vriendelijke|hartelijke|beste|warme|lieve"
    r"|collegiale|respectvolle|oprechte|goede|zonnige|fijne)\s+groet(?:en)?",
    r"(?:vriendelijke|hartelijke|beste|warme|lieve|collegiale|zonnige|fijne|hele\s+fijne)"
    r"\s+groet(?:en|jes)?",
    r"groet(?:en|jes)?",
    r"met\s+(?:de\s+)?(?:meeste|alle|gepaste|bijzondere)\s+hoogachting",
    r"hoogachtend",
    r"met\s+(?:vriendelijke\s+)?dank(?:\s+en\s+groet(?:en)?)?",
    r"(?:alvast|nogmaals|hartelijk|heel\s+erg|erg|heel)\s+bedankt",
    r"bedankt",
    r"dank\s+(?:u|je|jullie)\s+wel",
    r"m\.?\s?v\.?\s?g\.?",
    # English
    r"(?:with\s+)?(?:kind|kindest|best|warm|warmest|many|warm\s+and\s+kind)\s+regards",
    r"(?:with\s+)?regards",
    r"(?:with\s+)?(?:best|warm|warmest|kind|kindest|good)\s+wishes",
    r"yours\s+(?:sincerely|faithfully|truly|respectfully)",
    r"(?:very\s+)?(?:sincerely|faithfully|truly|respectfully|cordially)(?:\s+yours)?",
    r"(?:with\s+)?many\s+thanks",
    r"with\s+(?:thanks|gratitude|appreciation)",
    r"thanks(?:\s+again)?",
    r"thank\s+you(?:\s+(?:again|very\s+much))?",
    r"all\s+the\s+best",
    r"take\s+care",
    r"yours",
    r"best",
    r"cheers",
)
_CLOSING = re.compile(
    r"(?P<phrase>(?:" + "|".join(_CLOSING_PHRASES) + r"))(?![\w'’])(?P<punct>[,;:!.]*)(?P<rest>.*)",
    re.I,
)
# Single words that are only a closing when punctuation or the line end follows.
_NEEDS_PUNCT = {"best", "cheers", "thanks", "yours", "bedankt"}
_DASH_SEP = re.compile(r"^\s*[—–-]+\s*")

_POSTSCRIPT = re.compile(r"^(?:p\.\s?p\.\s?s\.?|p\.\s?s\.?|pps|ps)(?=[\s:.]|$)", re.I)
_BLOCK_END = re.compile(
    r"^(?:p\.\s?p\.\s?s\.?|p\.\s?s\.?|pps|ps|n\.\s?b\.?|nb)(?=[\s:.]|$)"
    r"|^(?:bijlagen?|enclosures?|encl\.|attachments?|bijgevoegd)\b"
    r"|^(?:cc|bcc|kopie\s+aan)\s*:"
    r"|^>"
    r"|^-{2,}\s*(?:original\s+message|oorspronkelijk\s+bericht|forwarded)",
    re.I,
)


@lru_cache(maxsize=2048)
def _closing(line: str) -> tuple[str, str] | None:
    """``(closing phrase with its punctuation, same-line rest)`` when ``line`` opens with one."""
    m = _CLOSING.match(line)
    if m is None:
        return None
    phrase, punct, rest = m["phrase"], m["punct"], m["rest"]
    dash = _DASH_SEP.match(rest)
    separated = bool(punct) or bool(dash)
    if dash:
        rest = rest[dash.end() :]
    rest = rest.strip()
    if not rest:
        return (phrase + punct).strip(), ""
    words = rest.split()
    if separated:
        lower = [w for w in words if w[:1].islower() and w.lower() not in _PARTICLES]
        if rest[-1] in ".?!" and len(words) >= 5 and len(lower) >= 3:
            return None  # "Thanks, we have received your payment."
        return (phrase + punct).strip(), rest
    # Only a space between phrase and rest: the rest must look like a name.
    if _norm(phrase) in _NEEDS_PUNCT or len(words) > 6:
        return None
    if any(w[:1].islower() and w.lower() not in _PARTICLES for w in words):
        return None
    return phrase.strip(), rest


def find_signature(text: str) -> Signature:
    """The last closing phrase in ``text`` and the non-empty lines of the block after it."""
    return signature_of(text.splitlines())


def signature_of(lines: Sequence[str]) -> Signature:
    """:func:`find_signature` of the text whose ``splitlines()`` is ``lines``.

    The closing is looked for from the last line up, where it stands in a letter, so
    the body's lines (which hold the customer's values and differ from letter to
    letter) are not read one by one. The last closing of the text is the one
    :func:`find_signature` finds unless a postscript comes before it (a closing in a
    postscript does not count): when any line up to it could be one (see
    :data:`_MAYBE_POSTSCRIPT`), every line is read in order as before
    (:func:`plain_signature_of`)."""
    closing_at = len(lines) - 1
    while closing_at >= 0:
        if _line(lines[closing_at])[1] is not None:
            break
        closing_at -= 1
    else:
        return Signature(closing=None, closing_line=None, lines=())  # no closing anywhere
    head = lines[: closing_at + 1]
    joined = "\n".join(head)
    if "<" in joined or "&" in joined or any(map(_MAYBE_POSTSCRIPT.match, head)):
        return plain_signature_of(lines)
    return _block(lines, closing_at)


# What a line that :func:`_clean` turns into a postscript line ("P.S.", "PPS") starts
# with, read on the line as written: only spaces, "*", "_" and "|" before it (what
# _clean strips), any white space between its letters (what _clean collapses). That
# holds for a line without a tag or an entity ("<", "&"); with one, a line may become
# anything once cleaned.
_MAYBE_POSTSCRIPT = re.compile(r"[\s*_|]*p[\s.]*p?[\s.]*s", re.I)


def _block(lines: Sequence[str], index: int) -> Signature:
    """The signature whose closing is on line ``index``, with the block after it."""
    closing = _line(lines[index])[1]
    assert closing is not None
    phrase, rest = closing
    block: list[tuple[int, str]] = [(index, rest)] if rest else []
    for j in range(index + 1, len(lines)):
        line, _, _, block_end = _line(lines[j])
        if not line:
            continue
        if block_end:
            break
        block.append((j, line))
    return Signature(closing=phrase, closing_line=index, lines=tuple(block))


def plain_signature_of(lines: Sequence[str]) -> Signature:
    """:func:`signature_of` reading every line from the first: the last closing before
    a postscript that follows a closing."""
    read = [_line(line) for line in lines]
    found: int | None = None  # the line of the last closing so far
    for index, (line, closing, postscript, _) in enumerate(read):
        if not line:
            continue
        if found is not None and postscript:
            break
        if closing is not None:
            found = index
    if found is None:
        return Signature(closing=None, closing_line=None, lines=())
    return _block(lines, found)


@lru_cache(maxsize=2048)
def _line(raw: str) -> tuple[str, tuple[str, str] | None, bool, bool]:
    """What :func:`find_signature` asks of one line: its cleaned text, the closing phrase
    it opens with, and whether it starts a postscript or ends the signature block.
    Cached: most lines are in every letter of a batch."""
    line = _clean(raw)
    if not line:
        return "", None, False, False
    return line, _closing(line), bool(_POSTSCRIPT.match(line)), bool(_BLOCK_END.match(line))


# --------------------------------------------------------------------------- vocabulary


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PARTICLES = _words(
    "van de der den ter te ten 't vd v.d. v/d la le du da di dos del della von zu d' l' "
    "op in aan uit bij el al"
)
# Particles that only count when another particle or a name follows ("op de", "in 't").
_WEAK_PARTICLES = frozenset({"op", "in", "aan", "uit", "bij"})

_HONORIFICS = _words(
    "dhr dhr. heer mevr mevr. mevrouw mw mw. mr mr. mrs mrs. ms ms. miss mx mx. drs drs. dr "
    "dr. ir ir. ing ing. prof prof. bc bc. sir madam"
)
_POSSESSIVES = _words("uw je jouw jullie your our onze yours")
_DEGREES = _words("msc msc. bsc bsc. ma ma. ba ba. mba mba. llm ll.m. phd phd. ra rc jr jr. sr sr.")

_TITLE_WORDS = _words(
    """directeur director directrice bestuurder manager hoofd head medewerker medewerkster
    officer teamleider teamlead leader coordinator coördinator coordinatrice voorzitter chair
    chairman chairwoman chairperson secretaris secretary adviseur advisor adviser consulent
    woonconsulent consultant specialist assistent assistant ceo cfo coo cto cio president
    supervisor leidinggevende afdelingshoofd administrateur administrator controller treasurer
    penningmeester functionaris behandelaar dossierbehandelaar casemanager contactpersoon
    aanspreekpunt representative vertegenwoordiger gemachtigde procuratiehouder executive
    chief clerk agent deurwaarder jurist lawyer advocaat accountant boekhouder bookkeeper
    receptionist baliemedewerker stagiair trainee vice deputy adjunct plaatsvervangend
    plaatsvervangende waarnemend waarnemende interim senior junior managing"""
)
_TITLE_STEMS = (
    "directeur",
    "director",
    "manager",
    "medewerk",
    "coordinat",
    "coördinat",
    "consulent",
    "adviseur",
    "advisor",
    "specialist",
    "assistent",
    "assistant",
    "behandelaar",
    "officer",
    "leider",
    "leidinggevend",
)
_TEAM_WORDS = _words(
    """team teams afdeling department dept division unit directie bestuur board management
    mt rvb rvc raad commissarissen toezicht committee commissie klantcontact klantenservice
    klantenteam servicedesk helpdesk support kantoor office incasso collections finance
    financiën financien administratie debiteuren debiteurenbeheer huuradministratie
    huurincasso staff personeel medewerkers employees colleagues collega's collega’s iedereen
    everyone allemaal crew desk service services customer customers rayon regio district
    wijkteam frontoffice backoffice directors managers bestuurders directeuren trustees accounts receivable legal secretariaat bureau dienst
    diensten operations sales verhuur beheer vastgoed control recovery loket"""
)
_TEAM_STEMS = (
    "team",
    "afdeling",
    "directie",
    "bestuur",
    "incasso",
    "klantcontact",
    "klantenservice",
    "administratie",
    "debiteur",
    "secretariaat",
    "department",
    "management",
    "helpdesk",
    "servicedesk",
    "loket",
)
_ORG_WORDS = _words(
    """woningcorporatie woningbouwcorporatie woningbouwvereniging woningstichting
    wooncorporatie woonstichting corporatie stichting vereniging housing association
    corporation company bv b.v. nv n.v. ltd ltd. limited inc inc. llc gmbh holding groep
    group gemeente municipality trust wonen woningen huisvesting"""
)
# Capitalised words that are not names (greetings, closings, days, labels, pronouns).
_NOT_NAMES = _words(
    """the a an het een namens dezen deze bijlage bijlagen postbus pagina page dank bedankt
    thanks thank you hallo hoi beste dear geachte fijne prettige goede tot ziens groet
    groeten regards kind best sincerely yours faithfully hoogachtend met vriendelijke
    hartelijke all alle uw your je jouw onze our mijn my wij we ik u zie see ook also en and
    of or maandag dinsdag woensdag donderdag vrijdag zaterdag zondag ma di wo do vr za zo
    monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
    januari februari maart april juni juli augustus september oktober november december
    cc bcc re fw fwd aan to from datum date onderwerp subject handtekening signature getekend
    signed ondertekend nederland netherlands ps nb tel telefoon phone email mail web website
    internet adres address iban kvk fax mobiel mobile"""
)

_PLACEHOLDER = re.compile(
    # Bounded lengths keep every alternative linear on pathological lines.
    r"\{\{[^{}]{0,200}(?:\}\}|$)|\{%[^{}]{0,200}(?:%\}|$)|\{#[^{}]{0,200}(?:#\}|$)"  # Jinja
    r"|\$\{[^}]{0,100}\}|\$[A-Za-z_]\w*(?:\.\w+)*|%[A-Za-z_][\w.]*%|\{[A-Za-z_][\w.]*\}"
    r"|\[\[?[^\[\]]{0,100}\]\]?"  # [Your Name], [Naam], [[naam]]
    r"|<<?\s*[A-Za-z][^<>@:]{0,100}>>?"  # <naam>, <<Name>>
    r"|\b(?:X{2,}|x{3,})\b|\b(?:X\.){2,}"
    r"|\b(?:NAAM|NAME|VOORNAAM|ACHTERNAAM|HANDTEKENING|SIGNATURE|ONDERTEKENAAR|SIGNER"
    r"|AFZENDER|FUNCTIE|NN|N\.N\.)(?![\w.])"
    r"|(?i:\b(?:your|uw|je|jouw)\s+(?:full\s+)?(?:name|naam)\b"
    r"|\b(?:voornaam|first\s*name)\s+(?:achternaam|last\s*name|surname)\b"
    r"|\bnaam\s+(?:medewerker|afzender|ondertekenaar|behandelaar)\b"
    r"|\blorem\s+ipsum\b)"
)
_PLACEHOLDER_SEGMENTS = _words(
    "naam name handtekening signature ondertekenaar signer afzender sender n.n."
)
_NOREPLY = re.compile(
    r"no[-_. ]?reply|do[-_. ]?not[-_. ]?reply|don'?t[-\s]reply|do\s+not\s+respond"
    r"|not\s+(?:be\s+)?monitored|unmonitored|automatically\s+(?:generated|sent)"
    r"|automatisch\s+(?:gegenereerd|verzonden|verstuurd|aangemaakt)"
    r"|(?:niet|geen)\s+(?:\S+\s+){0,4}?(?:be)?(?:antwoorden|reageren)\b"
    r"|(?:(?:be)?antwoorden|reageren|reply)\s+(?:\S+\s+){0,6}?(?:is\s+)?niet\s+mogelijk",
    re.I,
)
_MANDATE = re.compile(
    r"(?i:\b(?:namens\s+dezen?|namens|voor\s+dezen?|in\s+opdracht(?:\s+van)?"
    r"|bij\s+afwezigheid(?:\s+van)?|bij\s+volmacht|per\s+procuratie"
    r"|(?:for\s+and\s+)?on\s+behalf\s+of|by\s+order\s+of|per\s+pro(?:curationem)?)\b)"
    r"|(?<![\w.])(?:[iI]\.\s?o\.|[pP]\.\s?p\.|[qQ]\.\s?q\.|[pP]\.\s?o\.)"
    r"|(?<![\w.])(?:I\.\s?O\.|P\.\s?P\.|Q\.\s?Q\.)(?=\s+[a-z])"
)
_SIGNED = re.compile(r"(?<![\w.])[wW]\.\s?g\.")  # "w.g." (was getekend): a real signer follows
_SPLIT = re.compile(r"\s*(?:[,;|/·•+&()\[\]{}<>\"“”]|\s[-~]+\s|[—–]+|\s(?:en|and|und|et)\s)\s*")
_CONTACT_LINE = re.compile(
    r"^(?:tel(?:efoon|ephone)?|phone|mobiel|mobile|mob|gsm|fax|e-?mail|mail|web(?:site)?"
    r"|internet|adres|address|bezoekadres|postadres|iban|bic|kvk(?:-nummer)?|btw(?:-nummer)?"
    r"|vat|bereikbaar(?:heid)?|werkdagen|werktijden|openingstijden|kantoortijden"
    r"|office\s+hours|hours|aanwezig|available|linkedin|twitter|whatsapp)\b\.?\s*(?::|\s|$)",
    re.I,
)
_CONTACT = re.compile(
    r"\d|@|www\.|https?:|://|\b[\w-]{2,}\.(?:nl|com|org|net|eu|be|de|example|info|io|co\.uk)\b",
    re.I,
)
_LABEL = re.compile(r"^(?P<label>[^:]{1,30}?)\s*:\s*(?P<value>.*)$")
_GLUED_INITIAL = re.compile(r"\b((?:IJ|[A-Z][a-z]{0,2})\.)(?=[A-Za-z])")
_INITIALS_GAP = re.compile(r"(?<=\.) (?=(?:IJ|[A-Z][a-z]{0,2})\.)")
# "I. (Ineke) de Vries": initials with the name people call her.
_CALLED = re.compile(r"(?:\b(?:IJ|[A-Z][a-z]{0,2})\.\s?)+\(\s*([A-Z][a-z]+)\s*\)")
_INITIAL = re.compile(r"^(?:IJ|[A-Z][a-z]{0,2})\.$|^[A-Z]$")


@lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text.replace("’", "'").replace("‘", "'")).strip().lower()


def _is_particle(tokens: list[str], i: int) -> bool:
    word = _norm(tokens[i])
    if word not in _PARTICLES:
        return False
    if word in _WEAK_PARTICLES:
        return i + 1 < len(tokens) and _norm(tokens[i + 1]) in _PARTICLES
    return True


def _is_initial(token: str) -> bool:
    return bool(_INITIAL.match(token)) and _norm(token.rstrip(".")) not in _HONORIFIC_STEMS


_HONORIFIC_STEMS = frozenset(h.rstrip(".") for h in _HONORIFICS) | {"tel", "afd", "st", "nr"}


def _is_name_word(token: str) -> bool:
    bare = token.replace("-", "").replace("'", "").replace("’", "")
    if not bare.isalpha() or not token[0].isupper():
        return False
    return _norm(token) not in _NOT_NAMES


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The first names a name-shaped line may start with (normalised), from
    ``brief/data/first-names.txt`` (built by tools/build_first_names.py). Read once."""
    text = resources.files("brief").joinpath("data/first-names.txt").read_text(encoding="utf-8")
    return frozenset(
        _norm(line) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


# --------------------------------------------------------------------------- roster index


class _Index:
    """The roster, pre-digested for matching. Built once per roster content."""

    def __init__(self, fingerprint: tuple[tuple[str, str, tuple[str, ...]], ...]):
        self.full: dict[str, str] = {}
        self.first: dict[str, list[str]] = {}
        self.surname: dict[str, list[tuple[str, str]]] = {}
        self.surname_letter: dict[str, str] = {}
        role_words: set[str] = set()
        roles: set[str] = set()
        for staff_id, name, member_roles in fingerprint:
            tokens = name.split()
            given, surname = _split_name(tokens)
            self.full[_norm(name)] = staff_id
            first = _norm(given[0]) if given else _norm(tokens[0])
            self.first.setdefault(first, []).append(staff_id)
            if surname:
                key = _norm(" ".join(surname))
                self.surname.setdefault(key, []).append((first, staff_id))
                main = [t for i, t in enumerate(surname) if not _is_particle(surname, i)]
                self.surname_letter[staff_id] = _norm(main[0] if main else surname[-1])[:1]
            for role in member_roles:
                roles.add(_norm(role))
                for word in re.split(r"[\s\-/,]+", _norm(role)):
                    if word and word not in _PARTICLES and word not in _NOT_NAMES:
                        role_words.add(word)
        self.roles = frozenset(roles)
        self.role_words = frozenset(role_words)

    def match(self, tokens: list[str]) -> tuple[str, ...]:
        """Roster ids ``tokens`` may name: one is a match, several are ambiguous."""
        if not tokens:
            return ()
        full = _norm(" ".join(tokens))
        if full in self.full:
            return (self.full[full],)
        if len(tokens) == 2 and _is_initial(tokens[1]) and not _is_initial(tokens[0]):
            # "Carina B.": a first name and the initial of the surname.
            letter = _norm(tokens[1].rstrip("."))[:1]
            people = self.first.get(_norm(tokens[0]), [])
            return tuple(i for i in people if self.surname_letter.get(i) == letter)
        given, surname = _split_name(tokens)
        if not surname:
            if len(given) == 1 and not _is_initial(given[0]):
                return tuple(self.first.get(_norm(given[0]), ()))
            return ()
        if not given:
            return ()  # a surname alone never matches
        bearers = self.surname.get(_norm(" ".join(surname)), [])
        first = given[0]
        if _is_initial(first) or (len(first) == 1 and first.isalpha()):
            letters = _norm(first.rstrip("."))
            return tuple(i for name, i in bearers if name.startswith(letters))
        return tuple(i for name, i in bearers if name == _norm(first))

    def keyword(self, tokens: list[str]) -> tuple[str | None, int]:
        """The segment's kind (title/team/org) and the position of its first keyword."""
        kinds: set[str] = set()
        first = len(tokens)
        for position, token in enumerate(tokens):
            for word in re.split(r"[-/]+", _norm(token).strip(".,;:!?")):
                if not word:
                    continue
                kind = _word_kind(word) or ("title" if word in self.role_words else None)
                if kind:
                    kinds.add(kind)
                    first = min(first, position)
        if not kinds and _norm(" ".join(tokens)) in self.roles:
            kinds.add("title")
            first = 0
        for kind in ("title", "team", "org"):
            if kind in kinds:
                return kind, first
        return None, first


@lru_cache(maxsize=4096)
def _word_kind(word: str) -> str | None:
    if word in _TITLE_WORDS:
        return "title"
    if word in _TEAM_WORDS:
        return "team"  # before the stems: "medewerkers" is a team, "medewerker" a title
    if any(stem in word for stem in _TITLE_STEMS) or word.startswith("hoofd"):
        return "title"
    if word.endswith("hoofd"):
        return "title"
    if any(stem in word for stem in _TEAM_STEMS):
        return "team"
    if word in _ORG_WORDS or word.startswith(("woning", "woon")) or word.endswith("wonen"):
        return "org"
    return None


def _split_name(tokens: list[str]) -> tuple[list[str], list[str]]:
    """``(given names or initials, surname with its particles)``; no surname for one word."""
    if not tokens:
        return [], []
    if _is_particle(tokens, 0) and len(tokens) > 1:
        return [], tokens
    for k in range(1, len(tokens)):
        if _is_particle(tokens, k):
            return tokens[:k], tokens[k:]
    if len(tokens) == 1:
        return tokens, []
    # "I. J. Bakker": all initials before the surname.
    return tokens[:-1], tokens[-1:]


def _person_like(tokens: list[str]) -> bool:
    """1-4 capitalised name words, with initials and Dutch particles; nothing else."""
    if not tokens or len(tokens) > 8:
        return False
    words = 0
    for i, token in enumerate(tokens):
        if _is_particle(tokens, i):
            continue
        if _is_initial(token):
            continue
        if token.isupper() and len(token) > 1:
            # "INEKE DE VRIES" may be a name; a lone "KVK" or "MT" is not.
            if _norm(token) in _NOT_NAMES or len(tokens) < 2:
                return False
            words += 1
            continue
        if not _is_name_word(token):
            return False
        words += 1
    if not 1 <= words <= 4:
        return False
    last = len(tokens) - 1
    if _is_initial(tokens[last]):  # "Henk B." yes, "J." no
        return last > 0 and _is_name_word(tokens[last - 1])
    return not _is_particle(tokens, last)


@lru_cache(maxsize=16)
def _index(fingerprint: tuple[tuple[str, str, tuple[str, ...]], ...]) -> _Index:
    return _Index(fingerprint)


def _fingerprint(roster: Roster) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple((m.id, m.name, tuple(m.roles.values())) for m in roster)


# Per roster object (kept alive by its entry, so its id is not reused): its index and
# its people by id, which :func:`classify` needs for every letter of a batch.
_DIGESTS: dict[int, tuple[Roster, _Index, dict[str, StaffMember]]] = {}


def _digest(roster: Roster) -> tuple[_Index, dict[str, StaffMember]]:
    found = _DIGESTS.get(id(roster))
    if found is None:
        if len(_DIGESTS) >= 64:
            _DIGESTS.clear()
        by_id = {member.id: member for member in roster}
        found = _DIGESTS[id(roster)] = (roster, _index(_fingerprint(roster)), by_id)
    return found[1], found[2]


# --------------------------------------------------------------------------- classify


class _Reader:
    """One pass over a signature block, collecting signers, unknown names and flags."""

    def __init__(self, index: _Index, organisation: frozenset[str] = frozenset()):
        self.index = index
        self.organisation = organisation
        self.signers: list[str] = []
        self.unknown: list[tuple[int, str]] = []
        self.seen: set[str] = set()
        self.flags: set[str] = set()
        self.places = False

    def line(self, number: int, text: str) -> None:
        text = _clean(text)
        if not text:
            return
        if _NOREPLY.search(text):
            self.flags.add("noreply")
        if _CONTACT_LINE.match(text):
            return
        text, count = _PLACEHOLDER.subn(" | ", text)
        if count:
            self.flags.add("placeholder")
        parts = _MANDATE.split(text)
        if len(parts) > 1:
            self.flags.add("mandate")
            text = " | ".join(parts)
        text = _SIGNED.sub(" ", text)
        text = _CALLED.sub(r"\1 ", text)
        segments = _SPLIT.split(text)
        if len(segments) == 2 and self.surname_first(number, segments):
            return
        # After an address or phone number a lone unknown word is a place ("Dijkzichtplein
        # 1, Vlissingen"), not a person.
        self.places = False
        for segment in segments:
            self.segment(number, segment)

    def named(self, tokens: list[str]) -> bool:
        """Whether a name-shaped segment is a person: it starts with a first name (the
        roster's or the first-name list's), with initials before a surname, or it is a
        roster surname alone. Otherwise a capitalised line is a place, a team or a
        product ("Vlissingen", "Credit Control"), not somebody who signs."""
        first = _norm(tokens[0])
        if _is_initial(tokens[0]):
            return len(tokens) > 1
        known = first_names()
        if first in known or first in self.index.first:
            return True
        if "-" in first and first.split("-")[0] in known:
            return True  # "Anne-Marie", "Jan-Willem"
        given, surname = _split_name(tokens)
        return _norm(" ".join(surname or given)) in self.index.surname

    def surname_first(self, number: int, segments: list[str]) -> bool:
        """``Jansen, Linda`` / ``De Vries, I.``: one roster person, surname first."""
        surname, given = (_GLUED_INITIAL.sub(r"\1 ", s).split() for s in segments)
        if not surname or not given or len(surname) + len(given) > 6:
            return False
        ids = self.index.match([*_strip_titles(given), *surname])
        if len(ids) != 1 or self.index.match(surname):
            return False
        if ids[0] not in self.signers:
            self.signers.append(ids[0])
        return True

    def segment(self, number: int, segment: str) -> None:
        segment = _GLUED_INITIAL.sub(r"\1 ", segment).strip(" \t\"'*_,;:!?")
        if not segment or not any(ch.isalpha() for ch in segment):
            return
        if _NOREPLY.search(segment) or _CONTACT.search(segment):
            self.places = True
            return
        label = _LABEL.match(segment)
        if label:
            if _CONTACT_LINE.match(label["label"] + ":"):
                return
            self.words(number, label["label"], names=False)
            segment = label["value"]
        self.words(number, segment, names=True)

    def words(self, number: int, text: str, *, names: bool) -> None:
        text = _GLUED_INITIAL.sub(r"\1 ", text).strip(" \t,;:!?")
        raw = text.split()
        tokens = _strip_titles(raw)
        if not tokens:
            return
        titled = _norm(raw[0]) in _HONORIFICS or (len(raw) > 1 and _norm(raw[1]) == "heer")
        if _norm(" ".join(tokens)).rstrip(".") in self.organisation:
            self.flags.add("org")  # "Dijkzicht", the organisation's own (short) name
            return
        if names and _norm(" ".join(tokens)).rstrip(".") in _PLACEHOLDER_SEGMENTS:
            self.flags.add("placeholder")
            return
        if tokens[-1].endswith(".") and not _is_initial(tokens[-1]):
            tokens[-1] = tokens[-1].rstrip(".")
        kind, first = self.index.keyword(tokens)
        if kind:
            self.flags.add(kind)
            # A name before the role or team: "Ineke de Vries Medewerker incasso",
            # "Ineke from Team Incasso".
            head = tokens[:first]
            cut = 0
            while cut < len(head) and (
                head[cut][:1].isupper() or _is_particle(head, cut) or _is_initial(head[cut])
            ):
                cut += 1
            tokens = head[:cut]
            while tokens and _is_particle(tokens, len(tokens) - 1):
                tokens.pop()
            if not tokens:
                return
        if not names:
            return
        ids = self.index.match(tokens)
        if len(ids) == 1:
            if ids[0] not in self.signers:
                self.signers.append(ids[0])
            return
        if ids or (_person_like(tokens) and (titled or self.named(tokens))):
            # A name prefix before a role ("Jane Smith Collections Officer"), or a name on
            # an address line, needs two words.
            if (kind or self.places) and not ids and sum(map(_is_name_word, tokens)) < 2:
                return
            name = _INITIALS_GAP.sub("", " ".join(tokens))  # "P. P. Jansen" -> "P.P. Jansen"
            if name not in self.seen:
                self.seen.add(name)
                self.unknown.append((number, name))


def _strip_titles(tokens: list[str]) -> list[str]:
    start = 0
    while start < len(tokens):
        word = _norm(tokens[start])
        if word in _HONORIFICS or word in _POSSESSIVES:
            start += 1
        elif word == "de" and start + 1 < len(tokens) and _norm(tokens[start + 1]) == "heer":
            start += 2
        else:
            break
    end = len(tokens)
    while end > start and _norm(tokens[end - 1]) in _DEGREES:
        end -= 1
    return tokens[start:end]


@lru_cache(maxsize=4096)
def _read(
    has_closing: bool,
    lines: tuple[tuple[int, str], ...],
    index: _Index,
    organisation: frozenset[str] = frozenset(),
) -> tuple[tuple[str, ...], tuple[tuple[int, str], ...], str | None]:
    if not has_closing and not lines:
        return (), (), REASONS["no-closing"]
    reader = _Reader(index, organisation)
    for number, text in lines:
        reader.line(number, text)
    if reader.signers or reader.unknown:
        reason = None
    else:
        key = next((k for k in _PRIORITY if k in reader.flags), "empty")
        reason = REASONS[key]
    return tuple(reader.signers), tuple(reader.unknown), reason


def classify(signature: Signature, roster: Roster, *, organisation: Iterable[str] = ()) -> Verdict:
    """Who signs ``signature``: roster people, unknown names, or why nobody does.

    ``organisation`` is the organisation's names (the profile's full ``name`` and its
    ``short_name``): a line that is one of them is the organisation, not a person.

    A batch's letters end in a few signature blocks, one per signer and template: the
    verdict is kept per (roster, block as read, organisation's names), so a letter
    whose block was seen before costs one look-up (:func:`plain_classify` reads it)."""
    names = tuple(organisation)
    key = (id(roster), signature.closing is not None, signature.lines, names)
    try:
        found = _VERDICTS.get(key)
    except TypeError:  # a signature made by hand, with lists for tuples
        return plain_classify(signature, roster, organisation=names)
    if found is not None and found[0] is roster:
        return found[1]
    verdict = plain_classify(signature, roster, organisation=names)
    if len(_VERDICTS) >= 1024:
        _VERDICTS.clear()
    _VERDICTS[key] = (roster, verdict)  # the roster stays alive while its entry does
    return verdict


_VERDICTS: dict[tuple[object, ...], tuple[Roster, Verdict]] = {}


def plain_classify(
    signature: Signature, roster: Roster, *, organisation: Iterable[str] = ()
) -> Verdict:
    """:func:`classify` without its cache of verdicts."""
    index, by_id = _digest(roster)
    lines = tuple((int(number), str(text)) for number, text in signature.lines)
    names = frozenset(_norm(name).rstrip(".") for name in organisation if name.strip())
    ids, unknown, reason = _read(signature.closing is not None, lines, index, names)
    signers = tuple(by_id[i] for i in ids)
    return Verdict(signers=signers, unknown=unknown, anonymous=reason)


#: How brief shows a closing that names nobody (the manifest's ``signer`` is then "").
ANONYMOUS = "(anonymous)"


def signed_by(text: str, roster: Roster) -> tuple[str, ...]:
    """The people the closing of letter ``text`` names: roster people by their full name,
    then names that are not on the roster as written; empty for an anonymous closing."""
    verdict = classify(find_signature(text), roster)
    return (*(member.name for member in verdict.signers), *(name for _, name in verdict.unknown))


def signer_label(names: tuple[str, ...] | list[str]) -> str:
    """``names`` for a table or a preview: joined by commas, or :data:`ANONYMOUS`."""
    return ", ".join(names) if names else ANONYMOUS


def candidates(name: str, roster: Roster) -> tuple[StaffMember, ...]:
    """Roster people an unmatched ``name`` could mean, for a helpful message.

    A shared first name ("Mark") gives everyone with it; a surname alone ("De Vries")
    or initials that do not fit give everyone with that surname.
    """
    index, by_id = _digest(roster)
    tokens = _strip_titles(_GLUED_INITIAL.sub(r"\1 ", name).split())
    ids: Iterable[str] = index.match(tokens)
    if not ids:
        given, surname = _split_name(tokens)
        if surname:
            ids = [i for _, i in index.surname.get(_norm(" ".join(surname)), [])]
        elif given:
            ids = index.first.get(_norm(given[0]), [])
    return tuple(by_id[i] for i in ids)
