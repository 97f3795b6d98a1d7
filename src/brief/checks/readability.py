"""Rules about how hard the letter is to read for the rayon it goes to."""

from __future__ import annotations

from collections.abc import Iterator

from ..readability import officialese as officialese_words
from .base import Hit, rule
from .letter import LetterText

SCORE_NAMES = {"nl": "Flesch-Douma", "en": "Flesch Reading Ease"}
PLAIN_LEVELS = ("plain", "very-plain")


@rule(
    "readability",
    severity="error",
    layer="letter",
    summary="the body is too hard for the region's reading level",
    mark="metrics",
)
def readability(letter: LetterText) -> Iterator[Hit]:
    """The letter body (without salutation and signature) must reach the region's reading
    level: Flesch-Douma for Dutch and Flesch Reading Ease for English, at least 60 for
    standard, 70 for plain (B1) and 80 for very plain (A2) letters, with on average at most
    15, 12 and 10 words per sentence. About one in four Dutch adults reads with difficulty;
    a letter they cannot follow is a letter they do not answer. Thresholds can be set per
    region under `thresholds:` (min_score, max_average_words, max_sentence_words)."""
    stats = letter.counts.scores()
    if not stats.sentences:
        return
    limits = letter.profile.thresholds
    start = letter.body_range[0] + 1
    name = SCORE_NAMES[letter.language]
    if stats.score < limits.min_score:
        yield Hit(
            f"{name} {stats.score:.1f} is below {limits.min_score:g} for {letter.level} letters",
            start,
            value=round(stats.score, 1),
            threshold=limits.min_score,
        )
    if stats.words_per_sentence > limits.max_average_words:
        yield Hit(
            f"{stats.words_per_sentence:.1f} words per sentence on average, above "
            f"{limits.max_average_words:g} for {letter.level} letters",
            start,
            value=round(stats.words_per_sentence, 1),
            threshold=limits.max_average_words,
        )


@rule(
    "long-sentence",
    severity="warning",
    layer="letter",
    summary="one sentence is over the region's length limit",
    mark="very-hard",
)
def long_sentence(letter: LetterText) -> Iterator[Hit]:
    """A single long sentence can lose a reader even when the letter scores well on
    average. Split it: one idea per sentence. The limit is 25 words for standard, 20 for
    plain (B1) and 15 for very plain (A2) letters, or the region's `max_sentence_words`."""
    limit = letter.profile.thresholds.max_sentence_words
    for sentence, count in letter.counts.longer_than(limit):
        preview = " ".join(sentence.text.split()[:6])
        yield Hit(
            f"sentence of {count} words (limit {limit:g} for {letter.level} letters): "
            f"'{preview} ...'",
            letter.body_line(sentence.start) + 1,
            value=count,
            threshold=limit,
            start=letter.from_body(sentence.start),
            end=letter.from_body(sentence.end),
        )


@rule(
    "officialese",
    severity="warning",
    layer="letter",
    summary="a stiff word with a plainer alternative",
    mark="word",
)
def officialese(letter: LetterText) -> Iterator[Hit]:
    """Plain-language letters avoid officialese ("ambtelijke taal"): words such as
    "indien", "alsmede", "derhalve" and "teneinde" have everyday alternatives ("als", "en",
    "daarom", "om") that every reader knows. The list lives in brief/data/officialese.yaml.
    Only checked for plain (B1) and very plain (A2) regions."""
    if letter.profile.reading_level not in PLAIN_LEVELS:
        return
    alternatives = officialese_words(letter.language)[1]
    for start, end, word in letter.counts.officialese():
        alternative = alternatives[word.lower()]
        yield Hit(
            f"{word!r} is officialese: write {alternative!r}",
            letter.body_line(start) + 1,
            start=letter.from_body(start),
            end=letter.from_body(end),
            replacement=alternative,
        )
