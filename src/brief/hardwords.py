"""Hard words for plain-language readers: rare words, judged as a reader would.

A word is hard for a reading level when it is rare: its Zipf frequency (log10 of its
occurrences per billion words of ordinary text; "de" is 7.6, "huur" 4.5, "sommatie" 2.1)
is below the level's threshold. The frequencies come from the wordfreq package's "large"
lists, shipped as ``brief/data/zipf-nl.txt.gz`` and ``zipf-en.txt.gz`` (built by
tools/build_word_frequencies.py; words at Zipf 2.0 or more, anything rarer counts as 0).
They are read on first use, in about 0.06 s per language; wordfreq itself is not needed.

Dutch glues words together, and a reader reads a compound by its parts: "huurachterstand"
is rare as a whole (Zipf 2.4) but "huur" and "achterstand" are everyday words, while in
"incassotraject" the part "incasso" is the stumbling block. So a Dutch word that is rarer
than its parts is judged by its best split into known words (with the linking "s", "e" or
"en" between them: "betaling-s-regeling"): the split whose rarest part is most frequent,
and that part's frequency is the word's. Parts are at least four letters; a word splits
into at most four parts. Inflected forms are read as the word they come from
("betalingen" as "betaling", "juridische" as "juridisch") when that is more frequent.

:func:`hard_words` finds the candidates in a text; what is a name, an amount, a code or
the organisation's own word is left out by the ``hard-word`` rule (brief.checks), which
knows the letter's roster, customer and region.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

from .readability import shape

__all__ = [
    "HardWord",
    "alternative",
    "difficulty",
    "explained",
    "family",
    "frequencies",
    "hard_words",
    "words_of",
    "zipf",
]

_LINKS = ("s", "en", "e")  # linking sounds between the parts of a Dutch compound
_MIN_PART = 4
_MIN_STEM = 3  # "belt" is read as "bel"
# Endings a reader looks through to the word they know: plurals, inflected adjectives,
# past tenses ("betalingen" is read as "betaling", "juridische" as "juridisch",
# "agreeing" as "agree").
_ENDINGS = {
    "nl": ("en", "es", "s", "e", "n", "de", "te", "d", "t"),
    "en": ("s", "es", "ed", "d", "ing", "ly", "er", "est"),
}
_MAX_PARTS = 4
_MIN_LENGTH = 4  # shorter words are abbreviations or names, not hard words


@cache
def frequencies(language: str) -> dict[str, float]:
    """Zipf frequency per lower-case word of ``language`` ("nl" or "en"), read once."""
    path = resources.files("brief").joinpath(f"data/zipf-{language}.txt.gz")
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    table: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        value, _, words = line.partition("\t")
        table.update(dict.fromkeys(words.split(), float(value)))
    return table


def zipf(word: str, language: str) -> float:
    """The Zipf frequency of ``word`` (0 when rarer than the list goes)."""
    return frequencies(language).get(word.lower(), 0.0)


@lru_cache(maxsize=65536)
def difficulty(word: str, language: str) -> tuple[float, str]:
    """``(frequency, rarest part)`` as a reader meets ``word``: its own frequency, or for a
    Dutch compound the frequency of the rarest part of its best split when that is higher.
    """
    lowered = word.lower()
    own = _known(lowered, language) or 0.0
    best = (own, lowered)
    if language == "nl" and len(lowered) >= 2 * _MIN_PART:
        split = _split(lowered, language, _MAX_PARTS)
        if split is not None and split[0] > own:
            best = split
    return best


@lru_cache(maxsize=65536)
def _split(word: str, language: str, parts: int) -> tuple[float, str] | None:
    """The best split of ``word`` into at most ``parts`` known words: (rarest part's
    frequency, that part), or None when it does not split."""
    table = frequencies(language)
    best: tuple[float, str] | None = None
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head = _head(word[:i], table)
        if head is None:
            continue
        tail = word[i:]
        candidates: list[tuple[float, str]] = []
        known = _known(tail, language)
        if known is not None:
            candidates.append((known, tail))
        if parts > 2 and len(tail) >= 2 * _MIN_PART:
            rest = _split(tail, language, parts - 1)
            if rest is not None:
                candidates.append(rest)
        for candidate in candidates:
            found = min(head, candidate)
            if best is None or found[0] > best[0]:
                best = found
    return best


def _head(head: str, table: dict[str, float]) -> tuple[float, str] | None:
    """The frequency of a compound's first part, with or without a linking sound."""
    found = [(table[head], head)] if head in table else []
    for link in _LINKS:
        stem = head[: -len(link)]
        if head.endswith(link) and len(stem) >= _MIN_PART and stem in table:
            found.append((table[stem], stem))
    return max(found) if found else None


def _known(word: str, language: str) -> float | None:
    """The frequency of ``word`` or of the form it is inflected from, whichever is higher."""
    table = frequencies(language)
    values = [table[word]] if word in table else []
    for ending in _ENDINGS[language]:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= _MIN_STEM and stem in table:
            values.append(table[stem])
    return max(values) if values else None


class HardWord(NamedTuple):
    """A rare word in a text: where, as written, its frequency and its rarest part."""

    start: int
    end: int
    word: str
    frequency: float
    part: str


_CHUNK = re.compile(r"\S+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_NOT_WORDS = re.compile(r"\d|@|://|www\.|\.[a-z]{2,}(?:/|$)", re.I)
_SENTENCE_END = frozenset(".!?:;")
_OPENERS = "\"'‘“([«"


def hard_words(text: str, language: str, threshold: float) -> tuple[HardWord, ...]:
    """Every word in ``text`` rarer than ``threshold``, or listed in
    brief/data/plain-words.yaml (words with a plain alternative are hard at any
    frequency: "overeenkomst" is frequent in contracts, not in a B1 reader's week), with
    its offsets.

    Left out: words of fewer than four letters, words in a chunk with a digit, "@" or a
    web address (amounts, dates, codes, addresses), words in capitals or with a capital
    inside ("WIK", "KvK", "iDEAL": codes and names), a capitalised word that does not
    start a sentence (a name: "Vlissingen", "Ineke"), and in English text a Dutch word
    (more frequent in Dutch than in English by a factor of ten: the name of a Dutch law or
    service, quoted on purpose). A hyphenated word is judged by its parts ("WIK-kosten",
    "e-mail").

    The text is judged paragraph by paragraph (pieces between blank lines), each kept in a
    cache: most paragraphs of a batch's letters are the same, while every whole letter
    differs. What is found in a piece does not depend on what came before it as long as
    it starts on a line of its own (only spaces, tabs and line breaks before its first
    word), which holds after a blank line; a text with any other piece is judged whole.
    A piece with digits is judged by its :func:`~brief.readability.shape` (its numbers
    made alike, so that a paragraph that only names another amount or date is found in
    the cache): a chunk with a digit is never judged, and a digit only ever becomes
    another digit. tests/test_hardwords.py compares both ways on thousands of generated
    texts.
    """
    pieces = text.split("\n\n")
    if len(pieces) == 1:
        return _hard_words(text, language, threshold)
    found: list[HardWord] = []
    offset = 0
    for index, piece in enumerate(pieces):
        if index and not _starts_a_line(piece):
            return _hard_words(text, language, threshold)
        if _HAS_DIGIT.search(piece):
            piece_words = _hard_words(shape(piece), language, threshold)
        else:
            piece_words = _hard_words(piece, language, threshold)
        for start, end, word, frequency, part in piece_words:
            found.append(HardWord(start + offset, end + offset, word, frequency, part))
        offset += len(piece) + 2
    return tuple(found)


_LEADING_SPACE = re.compile(r"\s*")
_HAS_DIGIT = re.compile(r"[0-9]")


def _starts_a_line(piece: str) -> bool:
    """Whether the first word of ``piece``, put after a blank line, is judged as if the
    piece stood alone: nothing but spaces, tabs and line breaks before it."""
    lead = _LEADING_SPACE.match(piece)
    return lead is None or not lead.group().strip(" \t\n")


@lru_cache(maxsize=4096)
def _hard_words(text: str, language: str, threshold: float) -> tuple[HardWord, ...]:
    """:func:`hard_words` of ``text`` judged whole (the plain way)."""
    found: list[HardWord] = []
    starts_sentence = True
    for chunk in _CHUNK.finditer(text):
        value = chunk.group()
        first = starts_sentence or _after_newline(text, chunk.start())
        starts_sentence = value.rstrip("\"'’”)»")[-1:] in _SENTENCE_END
        if _NOT_WORDS.search(value):
            continue
        for match in _WORD.finditer(value):
            word = match.group()
            if len(word) < _MIN_LENGTH or not _judged(word, first and match.start() <= 1):
                continue
            frequency, part = _frequency(word, language)
            if frequency >= threshold and alternative(word, language) is None:
                continue
            if language == "en" and _frequency(word, "nl")[0] > frequency + 1:
                continue  # a Dutch term in an English letter ("schuldhulpverlening")
            start = chunk.start() + match.start()
            found.append(HardWord(start, start + len(word), word, frequency, part))
    return tuple(found)


_SKIPPED = frozenset(" \t" + _OPENERS)


def _after_newline(text: str, start: int) -> bool:
    """Whether only spaces, tabs and opening quotes or brackets stand between the start of
    the text or a line break and ``start``: ``text[:start].rstrip(" \t" + _OPENERS)`` is
    empty or ends in a line break, found without copying the text before ``start``."""
    index = start - 1
    while index >= 0 and text[index] in _SKIPPED:
        index -= 1
    return index < 0 or text[index] == "\n"


def _judged(word: str, sentence_start: bool) -> bool:
    """Whether ``word`` is judged at all: not a code, not a name."""
    if any(ch.isupper() for ch in word[1:]):
        return False  # "WIK", "KvK", "iDEAL"
    if word[0].isupper() and not sentence_start:
        return False  # a name in mid-sentence
    return not word[0].isupper() or word[1:].islower()


def _frequency(word: str, language: str) -> tuple[float, str]:
    frequency, part = difficulty(word, language)
    if frequency == 0 and word[-2:] in ("'s", "’s"):
        return difficulty(word[:-2], language)  # "auto's"
    return frequency, part


# A word being introduced or explained: "Dat heten incassokosten.", "(in Dutch:
# schuldhulpverlening)", "incassokosten (extra kosten)", "... een aanmaning. Dat betekent".
_CUE_BEFORE = re.compile(
    r"(?:\b(?:heet|heten|noemen\s+(?:we|wij)|noemt\s+(?:men|u|je)|(?:is|are|be)\s+called"
    r"|known\s+as|in\s+(?:Dutch|het\s+Nederlands))\b)[\s:\"'‘“]*(?:[^\W\d_]+\s+){0,5}$"
    r"|\((?:[^\W\d_]+\s+){0,3}$",  # the term in brackets after the plain words
    re.I,
)
_CUE_AFTER = re.compile(
    r"^[\"'’”]?\s*(?:\(|[,:]?\s*(?:dat|dit|that|this)\s+(?:betekent|wil\s+zeggen|means)\b"
    r"|[.:]\s*(?:dat|dit|that|this)\s+(?:betekent|wil\s+zeggen|means|is)\b)",
    re.I,
)


def explained(text: str, word: HardWord) -> bool:
    """Whether the text introduces or explains ``word`` where it stands: after "heet",
    "heten", "noemen we", "called", "in Dutch:", in brackets after the plain words ("in
    rent (rent arrears)"), or followed by a bracket or "dat betekent" / "that means". A
    reader who is told what a word means may meet it again."""
    before = text[max(0, word.start - 80) : word.start]
    cut = max(before.rfind(". "), before.rfind("? "), before.rfind("! "), before.rfind("\n"))
    if _CUE_BEFORE.search(before[cut + 1 :]):
        return True
    return bool(_CUE_AFTER.match(text[word.end : word.end + 40]))


def family(word: str) -> str:
    """The key a word and its plural share ("instalment", "instalments")."""
    lowered = word.lower()
    for ending in ("en", "es", "s"):
        if lowered.endswith(ending) and len(lowered) - len(ending) >= _MIN_PART:
            return lowered[: -len(ending)]
    return lowered


@cache
def _alternatives(language: str) -> dict[str, str]:
    import yaml

    data = yaml.safe_load(
        resources.files("brief").joinpath("data/plain-words.yaml").read_text("utf-8")
    )
    return {str(k).lower(): str(v) for k, v in (data.get(language) or {}).items()}


def alternative(word: str, language: str, officialese: dict[str, str] | None = None) -> str | None:
    """A plain word for ``word`` from brief/data/plain-words.yaml, else from the officialese
    list (``officialese``: its word -> alternative mapping)."""
    lowered = word.lower()
    forms = [lowered] + [
        lowered[: -len(ending)]
        for ending in _ENDINGS.get(language, ())
        if lowered.endswith(ending) and len(lowered) - len(ending) >= _MIN_PART
    ]
    for table in (_alternatives(language), officialese or {}):
        for form in forms:
            if form in table:
                return table[form]
    return None


def words_of(values: Iterable[object]) -> frozenset[str]:
    """The lower-case words of some values (names, addresses), to leave out as hard words."""
    return frozenset(
        match.group().lower()
        for value in values
        if value is not None
        for match in _WORD.finditer(str(value))
    )
