"""The letter rules' shortcuts find exactly what the plain rules find.

A batch's letters share most of their text: the signature block is the same for every
letter of one (template, region, signer, contact), and an e-mail's HTML part often reads
exactly as its text part. The letter rules pay for those once (see
brief.signoff.signature_of and classify, LetterText.reads_as, Counts.scores, the
missing-contact rule's look-up of an address as written, readability.shape and
checks.rules_of). Here every shortcut is checked
against the plain function it stands in for: on thousands of generated signature blocks
and texts, and on thousands of letters rendered from templates that put hostile customer
values (names that are closings, postscripts, signers, team names or phone numbers) in
the address block, the body, a postscript and the signature block itself.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from brief import readability, signoff
from brief.batch import check
from brief.checks import letter as letter_module
from brief.checks import signoff as signoff_rules
from brief.hardwords import words_of
from brief.htmltext import html_text
from brief.project import Project
from brief.staff import load_roster

from conftest import load_generate, render_proef

REPO = Path(__file__).parent.parent
ROSTER = load_roster(REPO / "examples" / "staff.yaml")

#: Customer names (and first names) that read as something else in a letter.
HOSTILE_NAMES = (
    "Met vriendelijke groet",
    "Groeten",
    "Hoogachtend",
    "Bedankt",
    "Kind regards",
    "Team Incasso",
    "De directie",
    "P.S. Jansen",
    "Ps Jansen",
    "PPS",
    "Ineke de Vries",
    "Carina",
    "Mark",
    "06 1234 5601",
    "Bijlage",
    "Cc: Jan",
    "namens dezen",
    "<b>Mark</b>",
    "Jan &amp; Piet",
    "noreply@dijkzicht.example",
    "Woningcorporatie Dijkzicht",
)

TEXT = """---
subject: "Huur {{ customer.id }}"
channel: email
language: nl
---
{{ customer.name }}
{{ customer.street }}

Geachte {{ customer.salutation }},

Indien u het bedrag van {{ customer.amount | money }} niet voor \
{{ customer.due_date | date }} betaalt, volgt een ingebrekestelling en daarna een \
sommatie, conform het incassotraject dat wij hanteren voor alle huurders.

{{ customer.city }} is uw woonplaats. Bel {% if customer.id[-1] == "1" %}ons{% else %}{{ signer.phone }}{% endif %}\
{% if customer.id[-1] in "02" %} of mail {{ signer.email }}\
{% elif customer.id[-1] == "9" %} of mail {{ signer.email | upper }}{% endif %}.
{% if customer.id[-1] == "3" %}

P.S. {{ customer.first_name }}, u kunt ook langskomen.
{% endif %}

{% if customer.id[-1] == "4" %}Groeten,{% else %}Met vriendelijke groet,{% endif %}


{{ signer.name }}
{% if customer.id[-1] in "56" %}namens {{ customer.name }}
{% endif %}{% if customer.id[-1] == "7" %}{{ customer.first_name }}
{% endif %}Team Incasso
{% if customer.id[-1] == "8" %}

PS {{ customer.name }}
{% endif %}
"""

# The same letter as HTML: a mail program shows it as the text part reads, except for
# three customers in ten: another amount, or another name under the signer's.
HTML = """<!DOCTYPE html>
<html lang="{{ language }}"><body>
<p>{{ customer.name }}<br>
{{ customer.street }}</p>

<p>Geachte {{ customer.salutation }},</p>

<p>Indien u het bedrag van {% if customer.id[-2] in "12" %}{{ (customer.amount * 2) | money }}\
{% else %}{{ customer.amount | money }}{% endif %} niet voor {{ customer.due_date | date }} betaalt, volgt een ingebrekestelling en daarna een \
sommatie, conform het incassotraject dat wij hanteren voor alle huurders.</p>

<p>{{ customer.city }} is uw woonplaats. Bel {% if customer.id[-1] == "1" %}ons{% else %}{{ signer.phone }}{% endif %}\
{% if customer.id[-1] in "02" %} of mail {{ signer.email }}\
{% elif customer.id[-1] == "9" %} of mail {{ signer.email | upper }}{% endif %}.</p>
{% if customer.id[-1] == "3" %}
<p>P.S. {{ customer.first_name }}, u kunt ook langskomen.</p>
{% endif %}
<p>{% if customer.id[-1] == "4" %}Groeten,{% else %}Met vriendelijke groet,{% endif %}</p>

<p>{{ signer.name }}<br>
{% if customer.id[-1] in "56" %}namens {{ customer.name }}<br>
{% endif %}{% if customer.id[-1] == "7" %}{{ customer.first_name }}<br>
{% endif %}{% if customer.id[-2] == "3" %}Jan Jansen<br>
{% endif %}Team Incasso</p>
{% if customer.id[-1] == "8" %}
<p>PS {{ customer.name }}</p>
{% endif %}
</body></html>
"""


def hostile_records(path: Path, count: int) -> None:
    """``count`` generated customers; every third has a hostile name."""
    load_generate().generate(count, path, seed=23)  # type: ignore[attr-defined]
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = rows[0]
    name, first, salutation = (header.index(f) for f in ("name", "first_name", "salutation"))
    rng = random.Random(23)
    for row in rows[1::3]:
        row[name] = rng.choice(HOSTILE_NAMES)
        row[first] = rng.choice(HOSTILE_NAMES)
        row[salutation] = rng.choice(HOSTILE_NAMES)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


def render_letters(root: Path, count: int = 3000) -> tuple[Project, list[object]]:
    templates = root / "templates"
    for variant in ("", ".b1"):
        (templates / f"proef{variant}.j2").write_text(TEXT, encoding="utf-8")
        (templates / f"proef{variant}.html.j2").write_text(HTML, encoding="utf-8")
    (templates / "proef.en.j2").write_text(TEXT.replace("language: nl", "language: en"))
    (templates / "proef.en.html.j2").write_text(HTML, encoding="utf-8")
    records = root / "customers.csv"
    hostile_records(records, count)
    return render_proef(root, records)


def findings(project: Project, letters: list[object]) -> list[list[tuple[str, str, object]]]:
    return [
        [(found.rule.id, found.part, found.hit) for found in check(letter, project)]  # type: ignore[arg-type]
        for letter in letters
    ]


def plain_scores(counts: readability.Counts) -> readability.Scores:
    pieces = [piece for _, piece in counts.pieces]
    return readability.scores_of(
        sum(p.counted for p in pieces),
        sum(p.words for p in pieces),
        sum(p.syllables for p in pieces),
        max((p.longest for p in pieces), default=0),
        counts.language,
    )


def test_fast_letter_rules_find_what_the_plain_rules_find(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, rendered = render_letters(demo)
    assert len(rendered) > 2500
    same = sum(html_text(letter.html).text == letter.text for letter in rendered)  # type: ignore[attr-defined]
    assert 1000 < same < len(rendered) - 300, same  # parts shared, and parts that differ
    fast = findings(project, rendered)
    again = findings(project, rendered)  # every cache warm
    with monkeypatch.context() as plain:
        plain.setattr(signoff, "signature_of", signoff.plain_signature_of)
        plain.setattr(signoff, "classify", signoff.plain_classify)
        plain.setattr(letter_module.LetterText, "reads_as", lambda self, other: False)
        plain.setattr(letter_module, "_value_words", lambda value: words_of((value,)))
        plain.setattr(readability.Counts, "scores", plain_scores)
        plain.setattr(signoff_rules, "_written", lambda email, text: False)
        slow = findings(project, rendered)
    assert fast == slow
    assert again == slow
    seen = Counter((rule, part) for letter in fast for rule, part, _ in letter)
    for rule in ("anonymous-signoff", "unknown-signer", "missing-contact", "hard-word"):
        assert seen[rule, "text"] > 30 and seen[rule, "html"] > 30, seen
    assert seen["parts-differ", "html"] > 50, seen
    assert seen["readability", "text"] > 500 and seen["long-sentence", "html"] > 500, seen


# --------------------------------------------------------------------------- signatures

#: Lines a letter's end is made of, and lines that look like its end but are not.
LINES = (
    "",
    "   ",
    "Geachte heer Jansen,",
    "Bel ons op 06 1234 5601 of mail ineke.devries@dijkzicht.example.",
    "Met vriendelijke groet,",
    "Met vriendelijke groet, Ineke de Vries",
    "Met vriendelijke groet Ineke",
    "met  vriendelijke   groet",
    "**Met vriendelijke groet,**",
    "| Groeten,",
    "Groeten",
    "Hoogachtend,",
    "Bedankt!",
    "Bedankt voor uw betaling.",
    "Dank u wel!",
    "Kind regards,",
    "Thanks, we have received your payment in full today.",
    "M.v.g.",
    "m.  v.  g.",
    "P.S. Bel gerust.",
    "PS: ook op zaterdag",
    "p. s. vergeet het niet",
    "P.  S. twee spaties",
    "*P.S.* morgen",
    "| ps",
    "  **PPS** nog iets",
    "p.p.s. en nog iets",
    "_ps_",
    "Psalm 23",
    "pssst",
    "Piet",
    "<b>P.S.</b> in een tag",
    "&#80;.S. als entiteit",
    "<p>Met vriendelijke groet,</p>",
    "Ineke &amp; Carina",
    "N.B. let op",
    "Bijlage: overzicht",
    "Cc: Team Incasso",
    "> Met vriendelijke groet,",
    "-- Original message",
    "Team Incasso",
    "De directie",
    "namens dezen",
    "Ineke de Vries",
    "Carina Bakker",
    "Mark",
    "Jan Jansen",
    "Medewerker incasso, Team Incasso",
    "Woningcorporatie Dijkzicht",
    "Dijkzicht",
    "Telefoon: 06 1234 5601",
    "noreply@dijkzicht.example",
    "[Naam]",
)
BREAKS = ("\n", "\n", "\n", "\n\n", "\r\n", "\r", "\x0b", "\u2028")


def generated_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        lines = [rng.choice(LINES) for _ in range(rng.randint(0, 14))]
        if rng.random() < 0.6:  # most letters end in a closing and a block
            lines += ["", rng.choice(LINES[4:19]), "", *rng.sample(LINES[40:], 3)]
        text = ""
        for line in lines:
            text += line + rng.choice(BREAKS)
        texts.append(text)
    return texts


def test_signature_from_the_last_line_up_is_the_signature_read_from_the_first() -> None:
    texts = generated_texts(6000, seed=7)
    shortcut = 0
    kinds: Counter[str] = Counter()
    for text in texts:
        lines = text.splitlines()
        plain = signoff.plain_signature_of(lines)
        assert signoff.signature_of(lines) == plain, text
        assert signoff.find_signature(text) == plain, text
        head = "\n".join(lines[: (plain.closing_line or 0) + 1])
        if plain.closing is not None and not signoff._MAYBE_POSTSCRIPT.search(head):
            shortcut += "<" not in head and "&" not in head
        kinds["closing" if plain.closing else "none"] += 1
        # The closing the shortcut would take is not the one found: a postscript before it.
        last = max(
            (i for i, line in enumerate(lines) if signoff._line(line)[1] is not None), default=None
        )
        if plain.closing_line != last:
            kinds["postscript"] += 1
    assert shortcut > 1500, shortcut
    assert kinds["closing"] > 3000 and kinds["none"] > 500 and kinds["postscript"] > 100, kinds


def test_verdicts_kept_per_block_are_the_verdicts_read() -> None:
    texts = generated_texts(3000, seed=11)
    organisations = [(), ("Woningcorporatie Dijkzicht", "Dijkzicht"), ("Dijkzicht",)]
    reasons: Counter[str | None] = Counter()
    for round_ in range(2):  # the second round from the kept verdicts
        for text in texts:
            signature = signoff.find_signature(text)
            for organisation in organisations:  # the same block, another organisation
                verdict = signoff.classify(signature, ROSTER, organisation=organisation)
                assert verdict == signoff.plain_classify(
                    signature, ROSTER, organisation=organisation
                ), text
                reasons[verdict.anonymous] += not round_
    assert len(reasons) >= 5, reasons
    # Another roster with the same people is another roster: its own verdicts.
    other = load_roster(REPO / "examples" / "staff.yaml")
    signature = signoff.find_signature("Groeten,\n\nIneke de Vries\n")
    assert signoff.classify(signature, other).signers[0] is other.get("ineke")
    assert signoff.classify(signature, ROSTER).signers[0] is ROSTER.get("ineke")


# --------------------------------------------------------------------------- addresses

EMAILS = (
    "ineke.devries@dijkzicht.example",
    "Ineke.DeVries@Dijkzicht.example",
    "INEKE@DIJKZICHT.EXAMPLE",
    "İnci@dijkzicht.example",  # lower case is "i̇nci": two characters for one
    "straße@dijkzicht.example",
    "ΣΟΦΙΑ@dijkzicht.example",
    "\u212aees@dijkzicht.example",  # the Kelvin sign lowers to an ASCII "k"
    "",
)


def test_an_address_found_as_written_is_found_in_lower_case() -> None:
    rng = random.Random(5)
    pieces = [*EMAILS, "Mail ", " of bel ", "E-MAIL: ", "ΣΣ ", "İ", "ß", "\u212a", "\n"]
    found = Counter()
    for _ in range(20000):
        email = rng.choice(EMAILS)
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        plain = email.lower() in text.lower()
        written = signoff_rules._written(email, text)
        assert not written or plain, (email, text)
        found[written, plain] += 1
    assert found[True, True] > 1000 and found[False, True] > 1000, found


# --------------------------------------------------------------------------- shapes


def test_shape_is_the_plain_shape() -> None:
    """shape() splits a text at its numbers and shapes them in one pass; a body's first
    paragraph, which is the letter's with a line break before it, is shaped as the
    paragraph with the line break put back. Both as the plain shape (one number at a time,
    by regular expression) makes it, also for numbers before periods, other digits
    ("²", "٣") and numbers that touch."""
    rng = random.Random(3)
    parts = ["\n", "\n\n", " ", ".", ". ", ".²", ".٣", ",", "-", "€ ", "06 ", "0800", "nov. "]
    checked = 0
    for _ in range(5000):
        text = rng.choice(("", "\n", "\n\n")) + "".join(
            str(rng.randint(0, 10 ** rng.randint(1, 6))).zfill(rng.randint(1, 3))
            if rng.random() < 0.5
            else rng.choice(parts)
            for _ in range(rng.randint(0, 12))
        )
        assert readability.shape(text) == readability.plain_shape(text), text
        checked += text.startswith("\n")
    assert checked > 3000


# --------------------------------------------------------------------------- registry


def test_the_rules_of_a_layer_are_the_registry_s() -> None:
    from brief.checks import RULES, base, rules_of

    for layer in base.LAYERS:
        assert rules_of(layer) == tuple(r for r in RULES.values() if r.layer == layer)
    assert [r.id for r in rules_of("parts")] == ["parts-differ"]
    before = rules_of("letter")
    try:

        @base.rule("x-test", severity="warning", layer="letter", summary="a test rule")
        def x_test(letter: object) -> object:
            """A rule registered after the others ran."""
            return iter(())

        assert rules_of("letter") == (*before, RULES["x-test"])
    finally:
        RULES.pop("x-test", None)
        base._LAYER_RULES.clear()
    assert rules_of("letter") == before
