"""The letter checks' fast path finds exactly what the plain path finds, letter by letter.

The checks of a batch read each HTML line, paragraph and signature once where they can
(see brief.htmltext, brief.readability.facts and fact_keys, brief.hardwords.hard_words and
LetterText.own_words). Here thousands of generated customers (bench/generate.py) are
rendered with templates written to trip every letter rule and the parts rule (hard and
stiff words, long sentences, customer values in the body, parts that disagree, an
unknown signer, HTML comments and <pre> across lines), and each letter is
checked twice: as ``brief render`` checks it, and with every cache and shortcut swapped
for the plain function it stands in for. Both must give the same findings.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from brief import hardwords, htmltext, readability
from brief.batch import check
from brief.checks import letter as letter_module
from brief.project import Project

from conftest import load_generate, render_proef

TEXT = """---
subject: "Uw huur {{ customer.id }}"
channel: email
language: nl
---
Geachte {{ customer.salutation }},

Indien u het bedrag van {{ customer.amount | money }} niet voor {{ customer.due_date | date }} \
betaalt, volgt een ingebrekestelling en daarna een sommatie, conform het incassotraject dat \
wij hanteren voor alle huurders in {{ customer.city }} en omgeving, zoals vastgelegd in de \
algemene voorwaarden van de huurovereenkomst die u met ons heeft gesloten.

Uw klantnummer is {{ customer.id }}. U woont aan de {{ customer.street }} in \
{{ customer.city }}. Bel {{ signer.phone }} of mail {{ signer.email }}.
{% if customer.amount > 1000 %}

Dat heten incassokosten. U betaalt {{ customer.amount | money }} plus incassokosten.
{% endif %}

Met vriendelijke groet,

{{ signer.name }}
{% if customer.contact is defined %}Jan Jansen
{% endif %}
"""

HTML = """<!DOCTYPE html>
<html lang="{{ language }}"><head><title>Huur
{{ customer.id }}</title></head>
<body>
<p>Geachte {{ customer.salutation }},</p>

<p>Indien u het bedrag van <strong>{% if customer.id[-1] in "37" %}{{ (customer.amount * 2) \
| money }}{% else %}{{ customer.amount | money }}{% endif %}</strong> niet voor
{{ customer.due_date | date }} betaalt, volgt een ingebrekestelling en daarna een sommatie,
conform het incassotraject dat wij hanteren voor alle huurders in {{ customer.city }} en
omgeving, zoals vastgelegd in de algemene voorwaarden van de huurovereenkomst die u met ons
heeft gesloten.</p>
<!-- {{ customer.id }}

niet getoond -->
<p>Uw klantnummer is {{ customer.id }}. U woont aan de {{ customer.street }} in
{{ customer.city }}. Bel <a href="tel:{{ signer.phone }}">{{ signer.phone }}</a>
{% if customer.id[-1] != "5" %}of mail {{ signer.email }}{% endif %}.</p>
<pre>
  {{ customer.name }}
  {{ customer.postcode }}  {{ customer.city }}
</pre>
{% if customer.amount > 1000 %}
<p>Dat heten incassokosten. U betaalt {{ customer.amount | money }} plus incassokosten.</p>
{% endif %}
<p>Met vriendelijke groet,</p>

<p>{{ signer.name }}<br>
{% if customer.contact is defined %}Jan Jansen{% endif %}</p>
</body></html>
"""

ENGLISH = """---
subject: "Your rent {{ customer.id }}"
channel: email
language: en
---
Dear {{ customer.first_name }},

Notwithstanding our previous correspondence, the outstanding amount of \
{{ customer.amount | money }}, which was due on {{ customer.due_date | date }}, remains \
unpaid, and we are therefore obliged to inform you that a formal notice of default will \
follow if payment is not received forthwith.

Your customer number is {{ customer.id }}. Call {{ signer.phone }}.

Kind regards,

{{ signer.name }}
"""


@pytest.fixture
def letters(demo: Path) -> tuple[Project, list[object]]:
    templates = demo / "templates"
    for variant in ("", ".b1"):
        (templates / f"proef{variant}.j2").write_text(TEXT, encoding="utf-8")
        (templates / f"proef{variant}.html.j2").write_text(HTML, encoding="utf-8")
    (templates / "proef.en.j2").write_text(ENGLISH, encoding="utf-8")
    records = demo / "customers.csv"
    load_generate().generate(3000, records, seed=17)  # type: ignore[attr-defined]
    return render_proef(demo, records)


def plain_hard_words(text: str, language: str, threshold: float) -> tuple[object, ...]:
    return hardwords._hard_words.__wrapped__(text, language, threshold)  # type: ignore[attr-defined]


def plain_fact_keys(text: str) -> frozenset[tuple[str, str]]:
    return frozenset((fact.kind, fact.key) for fact in readability.plain_facts(text))


def plain_fixed_words(profile: object, roster: object) -> frozenset[str]:
    org = profile.organisation  # type: ignore[attr-defined]
    return hardwords.words_of(
        (
            *(member.name for member in roster),  # type: ignore[attr-defined]
            org.name,
            org.short_name,
            org.address,
            org.website,
            org.email,
            profile.name,  # type: ignore[attr-defined]
            profile.team_name,  # type: ignore[attr-defined]
            *profile.allowed_words,  # type: ignore[attr-defined]
        )
    )


def findings(project: Project, letters: list[object]) -> list[list[tuple[str, str, object]]]:
    return [
        [(found.rule.id, found.part, found.hit) for found in check(letter, project)]  # type: ignore[arg-type]
        for letter in letters
    ]


def test_fast_checks_find_what_the_plain_checks_find(
    letters: tuple[Project, list[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, rendered = letters
    assert len(rendered) > 2500
    fast = findings(project, rendered)
    with monkeypatch.context() as plain:
        plain.setattr(htmltext, "html_text", htmltext.plain_html_text)
        plain.setattr(readability, "facts", readability.plain_facts)
        plain.setattr(readability, "fact_keys", plain_fact_keys)
        plain.setattr(hardwords, "hard_words", plain_hard_words)
        plain.setattr(letter_module, "_fixed_words", plain_fixed_words)
        slow = findings(project, rendered)
    assert fast == slow
    seen = Counter((rule, part) for letter in fast for rule, part, _ in letter)
    for rule in ("readability", "long-sentence", "officialese", "hard-word"):
        assert seen[rule, "text"] > 500 and seen[rule, "html"] > 500, seen
    assert seen["parts-differ", "html"] > 300 and seen["parts-differ", "text"] > 300, seen
    assert seen["unknown-signer", "text"] > 50 and seen["unknown-signer", "html"] > 50, seen
