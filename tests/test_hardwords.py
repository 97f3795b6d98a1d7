"""brief.hardwords and the hard-word rule: rare words for plain-language readers."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
import yaml

from brief.checks import RULES, LetterText
from brief.hardwords import (
    HardWord,
    alternative,
    difficulty,
    explained,
    family,
    frequencies,
    hard_words,
    zipf,
)
from brief.profiles import DEFAULT_THRESHOLDS, Organisation, Profile
from brief.readability import officialese
from brief.staff import Roster, StaffMember

LABELLED = yaml.safe_load(
    (Path(__file__).parent / "data" / "hard-words.yaml").read_text(encoding="utf-8")
)
B1 = DEFAULT_THRESHOLDS["plain"]["min_word_frequency"]


# --------------------------------------------------------------------------- frequencies


def test_frequency_files_are_read_from_the_package() -> None:
    nl = frequencies("nl")
    assert len(nl) > 100_000
    assert zipf("de", "nl") > 7
    assert zipf("Huur", "nl") == zipf("huur", "nl") > 4
    assert zipf("ingebrekestelling", "nl") == 2.0
    assert zipf("incassotraject", "nl") == 0  # rarer than the file goes (Zipf 2)
    assert zipf("the", "en") > 7


@pytest.mark.parametrize(
    ("word", "frequency", "part"),
    [
        ("huur", 4.5, "huur"),
        ("huurachterstand", 4.5, "huur"),  # huur + achterstand (4.0 is achterstand's)
        ("betalingsregeling", 4.1, "betaling"),  # betaling + s + regeling
        ("incassotraject", 3.3, "incasso"),
        ("ingebrekestelling", 2.0, "ingebrekestelling"),
        ("sommatie", 2.1, "sommatie"),
        ("betalingen", 4.1, "betalingen"),  # read as "betaling"
        ("budgetcoaches", 4.3, "budget"),  # budget + coach(es)
    ],
)
def test_difficulty_reads_compounds_and_inflections_as_a_reader(
    word: str, frequency: float, part: str
) -> None:
    value, rarest = difficulty(word, "nl")
    assert (round(value, 1), rarest) == (frequency, part)


def test_huurachterstand_is_fine_and_incassotraject_is_hard_for_b1() -> None:
    assert difficulty("huurachterstand", "nl")[0] >= B1
    assert difficulty("incassotraject", "nl")[0] < B1
    assert difficulty("ingebrekestelling", "nl")[0] < B1


def test_english_words_do_not_split_but_inflect() -> None:
    assert difficulty("agreeing", "en")[0] == zipf("agree", "en")
    assert difficulty("arrears", "en")[0] < B1


def test_the_default_threshold_on_the_labelled_b1_list() -> None:
    """The README's figures at the default ("with lists": the rule flags listed words at
    any frequency): keep them and the code in step."""
    hard, fine = LABELLED["hard"], LABELLED["fine"]
    assert len(hard) + len(fine) >= 300
    assert not set(hard) & set(fine)
    stiff = officialese("nl")[1]

    def flagged(word: str) -> bool:  # by hard-word, or by the officialese rule
        return bool(words(word, threshold=B1)) or word in stiff

    assert (len(hard), len(fine), sum(map(flagged, hard)), sum(map(flagged, fine))) == (
        180,
        219,
        149,
        21,
    )


# --------------------------------------------------------------------------- finding


def words(text: str, language: str = "nl", threshold: float = B1) -> list[str]:
    return [w.word for w in hard_words(text, language, threshold)]


def test_hard_words_with_offsets() -> None:
    text = "Wij sturen een sommatie. Daarna volgt een dagvaarding."
    found = hard_words(text, "nl", B1)
    assert found == (
        HardWord(15, 23, "sommatie", 2.1, "sommatie"),
        HardWord(42, 53, "dagvaarding", 3.3, "dagvaarding"),
    )
    assert [text[w.start : w.end] for w in found] == ["sommatie", "dagvaarding"]


def test_names_codes_amounts_and_addresses_are_not_hard_words() -> None:
    text = (
        "Bel Ineke in Vlissingen over de WIK, je KvK-nummer of iDEAL. Betaal € 1.234,56 op "
        "NL91ABNA0417164300 voor 22-11-2026, kijk op www.dijkzicht.example of mail "
        "info@dijkzicht.example."
    )
    assert words(text) == []


def test_a_capitalised_word_that_starts_a_sentence_is_judged() -> None:
    assert words("Sommatie. Dagvaarding volgt.\nOntruiming ook.") == [
        "Sommatie",
        "Dagvaarding",
        "Ontruiming",
    ]


def test_a_listed_word_is_hard_at_any_frequency() -> None:
    # "overeenkomst" is frequent (4.6) in the lists, but B1 lists say "afspraak".
    assert difficulty("overeenkomst", "nl")[0] > B1
    assert words("Lees de overeenkomst.") == ["overeenkomst"]
    assert words("Lees de overeenkomsten.") == ["overeenkomsten"]


def test_a_dutch_term_in_an_english_letter_is_quoted_on_purpose() -> None:
    text = "Ask for schuldhulpverlening under the Besluit vergoeding voor incassokosten."
    assert words(text, "en") == []
    assert words("Please pay the arrears.", "en") == ["arrears"]


def test_hyphenated_words_are_judged_by_their_parts() -> None:
    assert words("De sommatie-brief en de e-mail.") == ["sommatie"]


@pytest.mark.parametrize(
    ("text", "word", "told"),
    [
        ("Dan komen er kosten bij. Dat heten incassokosten.", "incassokosten", True),
        ("Vraag om hulp (in Dutch: schuldhulpverlening).", "schuldhulpverlening", True),
        ("Je betaalt incassokosten (extra kosten).", "incassokosten", True),
        ("You owe us € 20 in rent (rent arrears).", "arrears", True),
        ("Je krijgt een sommatie. Dat betekent: betaal nu.", "sommatie", True),
        ("Je betaalt incassokosten. De wet heet WIK.", "incassokosten", False),
        ("Je krijgt een sommatie.", "sommatie", False),
    ],
)
def test_explained(text: str, word: str, told: bool) -> None:
    found = next(w for w in hard_words(text, "nl", 5) if w.word == word)
    assert explained(text, found) is told


def test_alternative_from_plain_words_then_officialese() -> None:
    assert alternative("Ingebrekestelling", "nl") == "laatste waarschuwing"
    assert alternative("aanmaningen", "nl") == "herinnering"
    assert alternative("derhalve", "nl", {"derhalve": "daarom"}) == "daarom"
    assert alternative("huur", "nl") is None
    assert family("instalments") == family("instalment") == "instalment"


# --------------------------------------------------------------------------- the rule

INEKE = StaffMember(
    id="ineke",
    name="Ineke de Vries",
    roles={"nl": "Medewerker incasso", "en": "Collections officer"},
    phone="06 1234 5601",
    email="ineke@dijkzicht.example",
    signs=True,
)
ROSTER = Roster(path="staff.yaml", members={"ineke": INEKE})
ZUID = Profile(
    id="zuid",
    path="regions/zuid.yaml",
    name="Zuid",
    language="nl",
    reading_level="plain",
    address="je",
    contacts=("ineke",),
    team=("ineke",),
    team_name="Team Incasso",
    organisation=Organisation(name="Woningcorporatie Dijkzicht", short_name="Dijkzicht"),
)


def letter(body: str, profile: Profile = ZUID, **customer: str) -> LetterText:
    text = (
        f"Beste Sommeling,\n\n{body}\n\nMet vriendelijke groet,\n\nIneke de Vries\n06 1234 5601\n"
    )
    return LetterText(text=text, profile=profile, roster=ROSTER, customer=customer)


def hits(letter_text: LetterText) -> list[tuple[str, int | None, str]]:
    rule = RULES["hard-word"]
    return [(rule.id, hit.line, hit.message) for hit in rule.check(letter_text)]


def test_rule_is_registered_as_a_warning() -> None:
    rule = RULES["hard-word"]
    assert (rule.severity, rule.layer) == ("warning", "letter")
    assert "huurachterstand" in rule.explanation and "allowed_words" in rule.explanation


def test_rule_fails_on_rare_words_with_their_lines_and_advice() -> None:
    found = hits(
        letter(
            "Je hebt een huurachterstand.\n"
            "Dit is een ingebrekestelling.\n"
            "Het incassotraject begint morgen. Een sommatie volgt."
        )
    )
    rare = "is a rare word for plain (B1) readers"
    assert found == [
        ("hard-word", 4, f"'ingebrekestelling' {rare}: write 'laatste waarschuwing'"),
        (
            "hard-word",
            5,
            f"'incassotraject' {rare}: write 'de stappen die we zetten om het geld te krijgen'",
        ),
        ("hard-word", 5, f"'sommatie' {rare}: write 'laatste waarschuwing'"),
    ]


def test_rule_names_the_rare_part_of_a_compound_without_an_alternative() -> None:
    assert hits(letter("Het incassodossier is klaar.")) == [
        (
            "hard-word",
            3,
            "'incassodossier' is a rare word for plain (B1) readers ('incasso' is): use a more "
            "common word, or explain it",
        )
    ]


def test_rule_passes_plain_letters() -> None:
    body = (
        "Je hebt een huurachterstand van € 250,00. Betaal dat voor 1 december.\n"
        "Lukt dat niet? Bel Ineke. Dan maken we een betalingsregeling."
    )
    assert hits(letter(body)) == []


def test_names_own_words_allowed_words_and_officialese_are_left_out() -> None:
    body = "Sommeling, de huurtoeslag van Dijkzicht komt indien nodig later."
    rare = "is a rare word for plain (B1) readers"
    assert hits(letter(body)) == [
        ("hard-word", 3, f"'Sommeling' {rare} ('somme' is): use a more common word, or explain it"),
        (
            "hard-word",
            3,
            f"'huurtoeslag' {rare} ('toeslag' is): use a more common word, or explain it",
        ),
    ]
    # The customer's name, the region's allowed words; 'indien' is the officialese rule's.
    allowed = dataclasses.replace(ZUID, allowed_words=("Huurtoeslag",))
    assert hits(letter(body, allowed, name="Fam. Sommeling")) == []


def test_an_explained_word_is_fine_everywhere_in_the_letter() -> None:
    body = "Er komen kosten bij. Dat heten incassokosten.\nDe incassokosten zijn € 40."
    assert hits(letter(body)) == []


def test_standard_regions_are_not_checked() -> None:
    standard = dataclasses.replace(ZUID, reading_level="standard")
    assert hits(letter("Dit is een ingebrekestelling.", standard)) == []


def test_very_plain_regions_flag_more_words() -> None:
    a2 = dataclasses.replace(ZUID, reading_level="very-plain")
    body = "Wij sturen een herinnering."
    assert hits(letter(body)) == []
    assert hits(letter(body, a2)) == [
        (
            "hard-word",
            3,
            "'herinnering' is a rare word for very plain (A2) readers: use a more common word, "
            "or explain it",
        )
    ]


# --------------------------------------------------------------------------- per paragraph

_VOCABULARY = [
    "de",
    "huur",
    "betaling",
    "betalingsregeling",
    "huurachterstand",
    "incassotraject",
    "ingebrekestelling",
    "sommatie",
    "Vlissingen",
    "Ineke",
    "WIK",
    "KvK",
    "iDEAL",
    "e-mail",
    "WIK-kosten",
    "auto's",
    "overeenkomst",
    "schuldhulpverlening",
    "instalments",
    "arrears",
    "rent",
    "payment",
    "the",
    "agreement",
    "juridische",
    "betalingen",
    "Dijkzicht",
    "€",
    "1.234,56",
    "15-12-2026",
    "K1011",
    "info@dijkzicht.nl",
    "www.dijkzicht.nl",
    "https://dijkzicht.nl/betalen",
    "heet",
    "heten",
    "incassokosten",
    "(extra",
    "kosten)",
    "dat",
    "betekent",
]
_PUNCTUATION = ("", "", "", ".", ",", "!", "?", ":", ";", ".)", "”", "'")
_OPENING = ("", "", "", "(", "“", "«", "'", '"')
_SPACES = (
    " ",
    " ",
    " ",
    " ",
    "\n",
    "\n\n",
    "\n\n",
    "\n\n\n",
    "\t",
    "\n\n ",
    "\r",
    "\xa0",
    "\n\n\r",
    "\n\n\xa0",
    "\n\n(",
    "\u2028",
)


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 60)):
            word = rng.choice(_VOCABULARY)
            if rng.random() < 0.2:
                word = word.capitalize()
            parts.append(rng.choice(_OPENING) + word + rng.choice(_PUNCTUATION))
            parts.append(rng.choice(_SPACES))
        texts.append(rng.choice(("", " ", "\n", "\n\n")) + "".join(parts))
    return texts


@pytest.mark.parametrize("language", ["nl", "en"])
def test_paragraph_by_paragraph_finds_what_the_whole_text_does(language: str) -> None:
    from brief.hardwords import _hard_words

    plain = _hard_words.__wrapped__  # the whole text at once, uncached
    texts = _texts(3000, seed=17 if language == "nl" else 18)
    assert sum("\n\n" in t for t in texts) > 2500  # the split path, not only the whole one
    for text in texts:
        for threshold in (B1, 3.0):
            assert hard_words(text, language, threshold) == plain(text, language, threshold), repr(
                text
            )


_NUMBERS = (
    "€ 1.234,56", "€ 0,99", "12-11-2026", "22 november 2026", "K0001234", "06-12345678",
    "0800-1234", "2026", "3e", "10%", "1.", "2)", "NL91 ABNA 0417 1643 00", "k12@x.nl",
    "A4", "9.00", "07.30-17.00", "5000", "99.",
)  # fmt: skip


@pytest.mark.parametrize("language", ["nl", "en"])
def test_paragraphs_with_numbers_are_judged_by_their_shape(language: str) -> None:
    """A paragraph with digits is looked up by its shape (numbers made alike): it finds
    what the whole text, read as written, does."""
    from brief.hardwords import _hard_words

    plain = _hard_words.__wrapped__
    rng = random.Random(23 if language == "nl" else 24)
    texts = []
    for text in _texts(2000, seed=25 if language == "nl" else 26):
        words = text.split(" ")
        for _ in range(rng.randint(1, 6)):
            number = rng.choice(_NUMBERS)
            number = "".join(str(rng.randint(0, 9)) if c.isdigit() else c for c in number)
            words.insert(rng.randint(0, len(words)), number + rng.choice(("", ".", ",", ":")))
        texts.append(" ".join(words))
    for text in texts:
        for threshold in (B1, 3.0):
            assert hard_words(text, language, threshold) == plain(text, language, threshold), repr(
                text
            )


def test_after_newline_is_the_stripped_text_before() -> None:
    from brief.hardwords import _OPENERS, _after_newline

    rng = random.Random(19)
    alphabet = " \t\n\r\xa0x.(“«'\"" + _OPENERS
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for start in range(len(text) + 1):
            before = text[:start].rstrip(" \t" + _OPENERS)
            assert _after_newline(text, start) == (not before or before.endswith("\n"))
