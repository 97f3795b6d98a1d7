"""Rules about how hard the letter is to read for the rayon it goes to."""

from __future__ import annotations

from collections.abc import Iterator

from ..hardwords import alternative, explained, family
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


@rule(
    "hard-word",
    severity="warning",
    layer="letter",
    summary="a rare word a plain-language reader may not know",
    mark="line",  # listed with its line; the hit's span is there for a mark of its own
)
def hard_word(letter: LetterText) -> Iterator[Hit]:
    """Readers at B1 and A2 level stop at rare words ("ingebrekestelling", "sommatie",
    "incassotraject") more than at long sentences. A word is hard when it is rarer than
    the region's `min_word_frequency` (a Zipf frequency from the wordfreq lists: 4.0 for
    plain (B1), 4.5 for very plain (A2) letters), or when brief/data/plain-words.yaml
    gives a plainer word for it. Compounds are judged by their parts, as a reader reads
    them: "huurachterstand" is fine, "incassotraject" is not. Names (roster, customer
    fields), amounts, dates, codes, web and e-mail addresses, the organisation's own words
    and the region's `allowed_words` are never hard; officialese is left to the
    `officialese` rule. Write the plain word, or explain the hard one: a word the letter
    introduces ("Dat heten incassokosten.", "(in Dutch: schuldhulpverlening)") or explains
    ("incassokosten (extra kosten)", "... een aanmaning. Dat betekent: ...") is fine
    everywhere in that letter.
    Only checked for plain (B1) and very plain (A2) regions."""
    if letter.profile.reading_level not in PLAIN_LEVELS:
        return
    language = letter.language
    threshold = letter.profile.thresholds.min_word_frequency
    taken = [(start, end) for start, end, _ in letter.counts.officialese()]
    stiff = officialese_words(language)[1]
    body = letter.body
    found_words = [
        found
        for found in letter.hard_words
        if not any(s < found.end and found.start < e for s, e in taken)
    ]
    if found_words:  # the letter's own words are only gathered when there is a candidate
        own = letter.own_words
        found_words = [found for found in found_words if found.word.lower() not in own]
    told = {family(found.word) for found in found_words if explained(body, found)}
    seen: set[tuple[int, str]] = set()
    for found in found_words:
        lowered = found.word.lower()
        if family(lowered) in told:
            continue
        line = letter.body_line(found.start)
        if (line, lowered) in seen:
            continue
        seen.add((line, lowered))
        message = f"{found.word!r} is a rare word for {letter.level} readers"
        plain = alternative(found.word, language, stiff)
        if plain:
            message += f": write {plain!r}"
        else:
            if found.part != lowered:
                message += f" ({found.part!r} is)"
            message += ": use a more common word, or explain it"
        yield Hit(
            message,
            line + 1,
            value=found.frequency,
            threshold=threshold,
            start=letter.from_body(found.start),
            end=letter.from_body(found.end),
            replacement=plain or None,
        )
