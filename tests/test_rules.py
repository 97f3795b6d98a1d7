"""Every registered rule with labelled passing and failing examples (proselint's habit):
a rule without examples fails this file. Also the one finding model: hits carry 1-based
lines and, where the preview marks them, spans into the letter text."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
import pdfplumber
import pytest

from brief.checks import MARKS, RULES, Hit, LetterText, Rule
from brief.checks.layout import PageLayout
from brief.checks.template import RenderFailure, Source, find_suppressions, suppressed_lines
from brief.paper import lay_out
from brief.profiles import Window
from brief.project import Project
from brief.records import Record, make_record
from brief.render import Templates, render_letter, resolve_signer

CLOSING = "Met vriendelijke groet,\n\n"
BODY = "Geachte Jan de Vries,\n\nU moet nog € 12,00 betalen. Bel mij gerust.\n\n"
CLEAN = BODY + CLOSING + "Ineke de Vries\nTelefoon: 06 1234 5601\n"
CLEAN_HTML = (
    "<p>Geachte Jan de Vries,</p>\n<p>U moet nog <strong>€ 12,00</strong> betalen. Bel mij "
    "gerust.</p>\n<p>Met vriendelijke groet,</p>\n<p>Ineke de Vries<br>\n"
    'Telefoon: <a href="tel:0612345601">06 1234 5601</a></p>\n'
)
LONG = (
    "Wij vragen u vriendelijk doch dringend om het openstaande bedrag zo spoedig als het u "
    "maar enigszins mogelijk is over te maken zodat wij geen verdere stappen hoeven te zetten."
)
HARD = (
    "Incassowerkzaamheden veroorzaken buitengerechtelijke invorderingskosten. "
    "Betalingsachterstanden resulteren onherroepelijk in deurwaardersexploten."
)


def letter(text: str, *, contact: str | None = None) -> tuple[str, str, str | None]:
    return ("letter", text, contact)


def numbered(count: int) -> str:
    """``count`` paragraphs of the long sentence, numbered: ``Punt 1. Wij vragen ...``."""
    return "".join(f"Punt {n}. {LONG}\n\n" for n in range(1, count + 1))


WIDE_STREET = "Burgemeester Jhr. Mr. Dr. Van Walsum-Kortenhoevenstraat 1234 bis"


def paper(
    *, street: str = "Lange Delft 41", text: str = CLEAN, window: Window | None = None
) -> dict[str, Any]:
    """A layout example: a paper letter for Jan de Vries at ``street``, 4331 AJ
    Middelburg, with ``text``, in a region with ``window`` (default: the default one)."""
    return {"street": street, "text": text, "window": window}


# Per rule: the region the examples are judged for, and texts it passes and fails. Letter
# rules get a letter's text (signed for the customer by Ineke, noord's contact, unless
# the example names the customer's own contact); parts rules a (text, HTML) pair; source
# rules a template's source; render-error a template rendered for a sample.
EXAMPLES: dict[str, dict[str, Any]] = {
    "anonymous-signoff": {
        "passing": [CLEAN, BODY + CLOSING + "Ineke, Bianca - Team Incasso\n06 1234 5601\n"],
        "failing": [
            BODY + CLOSING + "Team Incasso\n",
            BODY + CLOSING + "De directie\n",
            BODY + "Tot ziens.\n",
        ],
    },
    "unknown-signer": {
        "passing": [CLEAN],
        "failing": [BODY + CLOSING + "Jan Jansen\nTelefoon: 06 1234 5601\n"],
    },
    "distant-signer": {
        "passing": [
            CLEAN,  # the region's contact
            BODY + CLOSING + "Ineke de Vries en Marleen Visser\nTelefoon: 06 1234 5601\n",
            letter(BODY + CLOSING + "Marleen Visser\n0118 760 100\n", contact="directeur"),
        ],
        "failing": [
            BODY + CLOSING + "Marleen Visser\nDirecteur-bestuurder\n0118 760 100\n",
            BODY + CLOSING + "Bianca Mulder\n06 1234 5603\n",  # on the team, not a contact
            BODY + CLOSING + "Marleen Visser en Sanne Willems\n0118 760 100\n",
        ],
    },
    "missing-contact": {
        "passing": [CLEAN, BODY + CLOSING + "Ineke de Vries\nineke.devries@dijkzicht.example\n"],
        "failing": [BODY + CLOSING + "Ineke de Vries\nTelefoon: 0118 760 000\n"],
    },
    "readability": {
        "passing": [CLEAN],
        "failing": [
            BODY.replace("U moet nog € 12,00 betalen. Bel mij gerust.", HARD)
            + CLOSING
            + "Ineke de Vries\n06 1234 5601\n"
        ],
    },
    "long-sentence": {
        "passing": [CLEAN],
        "failing": [BODY + LONG + "\n\n" + CLOSING + "Ineke de Vries\n06 1234 5601\n"],
    },
    "officialese": {
        "region": "zuid",
        "passing": [CLEAN.replace("Ineke de Vries", "Bianca Mulder").replace("5601", "5603")],
        "failing": [
            BODY
            + "Indien u al heeft betaald, is alles goed.\n\n"
            + CLOSING
            + "Bianca Mulder\n06 1234 5603\n"
        ],
    },
    "hard-word": {
        "region": "zuid",
        "passing": [
            CLEAN.replace("Ineke de Vries", "Bianca Mulder").replace("5601", "5603"),
            BODY
            + "Dan krijgt u een sommatie. Dat betekent: een laatste brief.\n\n"
            + CLOSING
            + "Bianca Mulder\n06 1234 5603\n",
        ],
        "failing": [
            BODY + "Dan krijgt u een sommatie.\n\n" + CLOSING + "Bianca Mulder\n06 1234 5603\n"
        ],
    },
    "parts-differ": {
        "passing": [(CLEAN, CLEAN_HTML)],
        "failing": [
            (CLEAN, CLEAN_HTML.replace("€ 12,00", "€ 21,00")),
            (CLEAN, CLEAN_HTML.replace("06 1234 5601</a>", "0118 760 000</a>")),
            (CLEAN, CLEAN_HTML.replace("Ineke de Vries<br>", "<strong>Team Incasso</strong><br>")),
        ],
    },
    "template-syntax": {
        "passing": ["Geachte {{ customer.name }},\n"],
        "failing": ["Geachte {{ customer.name },\n", "{% if formal %}Geachte\n"],
    },
    "undefined-variable": {
        "passing": ["{{ signer.name }}\n"],
        "failing": ["{{ signr.name }}\n"],
    },
    "hardcoded-signer": {
        "passing": [CLOSING + "{{ signer.name }}\n{{ signer.phone }}\n"],
        "failing": [CLOSING + "Ineke de Vries\n06 1234 5601\n"],
    },
    "bad-suppression": {
        "passing": ['{# brief: disable-next-line=long-sentence reason="wettekst" #}\nTekst.\n'],
        "failing": [
            "{# brief: disable-next-line=long-sentence #}\nTekst.\n",
            '{# brief: disable-next-line=long-sentenc reason="typo" #}\nTekst.\n',
        ],
    },
    "render-limit": {
        "passing": ["{% for i in range(3) %}{{ i }}{% endfor %}\n", "{{ 'x' * 80 }}\n"],
        "failing": [
            "{{ 'x' * 10**9 }}\n",  # a value over the size limit
            (
                "{% for i in range(1000) %}{% for j in range(1000) %}xxxxxxxxxx"
                "{% endfor %}{% endfor %}\n"
            ),  # a letter over it
            "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n",  # recursion without end
            '{% include "x.j2" %}\n',  # an include of itself
        ],
    },
    "layout": {
        # A paper letter laid out by the real layout: the record's address (name, street,
        # postcode, city), the letter's text, and the region's window when it is not the
        # default one.
        "passing": [
            paper(),
            paper(street="Burgemeester van Walsumweg 112"),
            paper(text=BODY + numbered(20) + CLOSING + "Ineke de Vries\n"),  # 2 pages
        ],
        "failing": [
            paper(street=WIDE_STREET),  # too wide for the window
            paper(street=WIDE_STREET, window=Window(lines=3)),  # and so it needs 4 lines
            paper(text=BODY + numbered(40) + CLOSING + "Ineke de Vries\n"),  # 3 pages
        ],
    },
    "render-error": {
        "passing": ["{{ 12 | money }}\n", "{{ customer.name }}\n"],
        "failing": [
            "{{ customer.name | money }}\n",  # text where an amount belongs
            "{{ [].append(1) }}\n",  # the sandbox refuses
            "{{ signer.__class__ }}\n",
        ],
    },
}


@pytest.fixture
def proj(project: Path) -> Project:
    return Project.discover()


def hits(proj: Project, rule: Rule, example: Any, region: str, tmp_path: Path) -> list[Hit]:
    profile = proj.profile(region)
    assert profile is not None
    roster = proj.roster
    if rule.layer in ("letter", "parts"):
        contact = None
        if isinstance(example, tuple) and example[0] == "letter":
            _, example, contact = example
        signer = roster.get(contact or profile.contacts[0])
        options: dict[str, Any] = dict(
            profile=profile, roster=roster, signer=signer, contact=contact
        )
        if rule.layer == "parts":
            text, html = example
            return list(
                rule.check(LetterText(text=text, **options), LetterText.from_html(html, **options))
            )
        return list(rule.check(LetterText(text=example, **options)))
    if rule.layer == "layout":
        return list(rule.check(laid_out(proj, example, region)[1]))
    folder = tmp_path / f"t{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / "x.j2").write_text(example, "utf-8")
    templates = Templates(folder)
    if rule.layer == "source":
        try:
            text, ast = templates.parse("x.j2")
            source = Source(path="x.j2", text=text, ast=ast)
        except jinja2.TemplateSyntaxError as err:
            source = Source(path="x.j2", text=example, error=err)
        return list(rule.check(source))
    assert rule.layer == "render"
    from brief.render import Person, render_traced

    template = templates.load("x").body
    member = roster.get(profile.contacts[0])
    assert member is not None
    ctx = {"customer": {"name": "Jan de Vries"}, "signer": Person.of(member, "nl")}
    ctx.update(language="nl")
    try:
        render_traced(template, ctx)
    except Exception as err:  # what lint hands the rule
        return list(rule.check(RenderFailure(err, templates.env)))
    return []


def laid_out(proj: Project, example: dict[str, Any], region: str) -> tuple[bytes, PageLayout]:
    """A layout example as the real layout sets it: its PDF and what the rule judges."""
    profile = proj.profile(region)
    assert profile is not None
    if example["window"] is not None:
        profile = replace(profile, letter=replace(profile.letter, window=example["window"]))
    if example.get("max_pages") is not None:
        profile = replace(profile, letter=replace(profile.letter, max_pages=example["max_pages"]))
    record = make_record(
        {
            "id": "K1",
            "region": region,
            "name": "Jan de Vries",
            "street": example["street"],
            "postcode": "4331AJ",
            "city": "Middelburg",
            "amount": "12",
        },
        "customers.csv",
        2,
    )
    assert isinstance(record, Record)
    spec = proj.templates.load("aanmaning")
    roster = proj.roster
    signer = resolve_signer(record, profile, roster)
    made = render_letter(record, spec, profile, roster, today=dt.date(2026, 11, 22), signer=signer)
    return lay_out(replace(made, text=example["text"]), roster)


def test_every_registered_rule_has_passing_and_failing_examples() -> None:
    assert sorted(EXAMPLES) == sorted(RULES)
    for rule_id, examples in EXAMPLES.items():
        assert examples["passing"] and examples["failing"], rule_id


CASES = [
    (rule_id, label, index)
    for rule_id, examples in sorted(EXAMPLES.items())
    for label in ("passing", "failing")
    for index in range(len(examples[label]))
]


@pytest.mark.parametrize(
    ("rule_id", "label", "index"), CASES, ids=[f"{r}-{label}-{i}" for r, label, i in CASES]
)
def test_rule_example(proj: Project, tmp_path: Path, rule_id: str, label: str, index: int) -> None:
    examples = EXAMPLES[rule_id]
    rule = RULES[rule_id]
    found = hits(proj, rule, examples[label][index], examples.get("region", "noord"), tmp_path)

    if label == "passing":
        assert found == []
    else:
        assert found, f"{rule_id} missed failing example {index}"
        for hit in found:
            assert hit.line is None or hit.line >= 1  # 1-based, like every rule's


def test_every_rule_says_how_the_preview_marks_it() -> None:
    for rule in RULES.values():
        assert rule.mark in MARKS
    assert RULES["long-sentence"].mark == "very-hard"
    assert RULES["officialese"].mark == "word"
    assert {RULES[r].mark for r in ("anonymous-signoff", "unknown-signer", "distant-signer")} == {
        "signature"
    }
    assert RULES["readability"].mark == "metrics"


@pytest.mark.parametrize(
    "rule_id", sorted(r for r in RULES if RULES[r].layer == "letter" and RULES[r].mark != "line")
)
def test_marked_hits_carry_their_span(proj: Project, tmp_path: Path, rule_id: str) -> None:
    examples = EXAMPLES[rule_id]
    region = examples.get("region", "noord")
    for example in examples["failing"]:
        text = example[1] if isinstance(example, tuple) else example
        for hit in hits(proj, RULES[rule_id], example, region, tmp_path):
            if RULES[rule_id].mark == "metrics":
                assert hit.start is None and hit.line is not None
                continue
            if hit.start is None:  # a letter without closing: about its last line
                assert hit.line == len(text.splitlines())
                continue
            assert hit.end is not None and 0 <= hit.start < hit.end <= len(text)
            letter_text = LetterText(text=text, profile=proj.profile(region), roster=proj.roster)
            assert hit.line == letter_text.line_of(hit.start)


def test_hit_spans_point_at_the_words(proj: Project, tmp_path: Path) -> None:
    (officialese,) = hits(
        proj, RULES["officialese"], EXAMPLES["officialese"]["failing"][0], "zuid", tmp_path
    )
    text = EXAMPLES["officialese"]["failing"][0]
    assert text[officialese.start : officialese.end] == "Indien"
    assert officialese.replacement == "als"
    assert officialese.line == 5

    (long,) = hits(
        proj, RULES["long-sentence"], EXAMPLES["long-sentence"]["failing"][0], "noord", tmp_path
    )
    text = EXAMPLES["long-sentence"]["failing"][0]
    assert text[long.start : long.end] == LONG

    (unknown,) = hits(
        proj, RULES["unknown-signer"], EXAMPLES["unknown-signer"]["failing"][0], "noord", tmp_path
    )
    text = EXAMPLES["unknown-signer"]["failing"][0]
    assert text[unknown.start : unknown.end] == "Jan Jansen"
    assert unknown.line == 7


def test_distant_signer_messages(proj: Project, tmp_path: Path) -> None:
    rule = RULES["distant-signer"]
    director, bianca, pair = EXAMPLES["distant-signer"]["failing"]

    assert [h.message for h in hits(proj, rule, director, "noord", tmp_path)] == [
        "signed by Marleen Visser (Directeur-bestuurder), who is not a contact for region "
        "'noord' (contacts: Ineke de Vries)"
    ]
    assert [h.message for h in hits(proj, rule, bianca, "noord", tmp_path)] == [
        "signed by Bianca Mulder (Medewerker incasso), who is not a contact for region 'noord' "
        "(contacts: Ineke de Vries)"
    ]
    assert [h.message for h in hits(proj, rule, pair, "noord", tmp_path)] == [
        "signed by Marleen Visser (Directeur-bestuurder), who is not a contact for region "
        "'noord' (contacts: Ineke de Vries)",
        "signed by Sanne Willems (Medewerker klantcontact), who is not a contact for region "
        "'noord' (contacts: Ineke de Vries)",
    ]
    # Bianca is zuid's contact: the same closing is near there.
    assert hits(proj, rule, bianca, "zuid", tmp_path) == []


def test_hardcoded_signer_points_at_the_closing(proj: Project, tmp_path: Path) -> None:
    (hit,) = hits(
        proj,
        RULES["hardcoded-signer"],
        EXAMPLES["hardcoded-signer"]["failing"][0],
        "noord",
        tmp_path,
    )
    assert hit.line == 1
    assert hit.message.startswith("the signature is written out in the template")


def test_render_error_names_the_line_and_the_refusal(proj: Project, tmp_path: Path) -> None:
    rule = RULES["render-error"]
    source = "Beste {{ customer.name }},\n\nU moet {{ customer.name | money }} betalen.\n"
    (hit,) = hits(proj, rule, source, "noord", tmp_path)
    assert (hit.line, hit.message) == (
        3,
        "'Jan de Vries' is not an amount (write 1234.56 or 1.234,56)",
    )
    assert hit.path is not None and hit.path.endswith("x.j2")
    (hit,) = hits(proj, rule, "Hallo\n\n{{ [].append(1) }}\n", "noord", tmp_path)
    assert (hit.line, hit.message) == (
        3,
        "access to attribute 'append' of 'list' object is unsafe.",
    )


def test_suppressions_are_parsed_once_for_lint_and_preview() -> None:
    text = (
        "Tekst\n"
        '{# brief: disable-next-line=long-sentence, officialese reason="wettekst" #}\n'
        "Lange zin\n"
        "{# brief: disable-next-line=readability #}\n"
    )
    found = find_suppressions(text)
    assert [(s.line, sorted(s.rules), s.reason) for s in found] == [
        (2, ["long-sentence", "officialese"], "wettekst"),
        (4, ["readability"], ""),
    ]
    assert suppressed_lines(text) == {3: {"long-sentence", "officialese"}, 5: {"readability"}}


def test_layout_messages_and_the_line_that_starts_the_page_too_many(proj: Project) -> None:
    rule = RULES["layout"]
    wide, wrapped, long = EXAMPLES["layout"]["failing"]
    street = f"address line 2 {WIDE_STREET!r} is 93.0 mm wide at 9.5 pt, the envelope window "
    assert [(h.message, h.line) for h in rule.check(laid_out(proj, wide, "noord")[1])] == [
        (street + "has room for 83 mm (letter.window.width)", None)
    ]
    assert [(h.message, h.line) for h in rule.check(laid_out(proj, wrapped, "noord")[1])] == [
        (
            "the address block needs 4 lines (a line too wide wraps), the envelope window holds "
            "3 (letter.window.lines)",
            None,
        ),
        (street + "has room for 83 mm (letter.window.width)", None),
    ]
    pdf, page = laid_out(proj, long, "noord")
    assert (page.pages, page.max_pages) == (3, 2)
    (hit,) = rule.check(page)
    assert hit.message == "the letter runs to 3 pages, more than letter.max_pages (2)"
    # the line of the text that page 3 starts with (read back from the PDF here too)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        third = (document.pages[2].extract_text() or "").splitlines()[0]
    assert third.startswith("Punt ")
    assert long["text"].splitlines()[hit.line - 1].startswith(third[:40])
    assert hit.line > 40  # past the first two pages' paragraphs


def test_address_measurements_match_the_letter_as_printed(proj: Project) -> None:
    """The widths the layout rule judges are those of the address lines in the PDF."""
    pdf, page = laid_out(proj, EXAMPLES["layout"]["passing"][1], "noord")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        lines = {
            line["text"]: (line["x1"] - line["x0"]) * 25.4 / 72
            for line in document.pages[0].extract_text_lines()
        }
    for text, width in zip(page.address, page.widths, strict=True):
        printed = lines[" ".join(text.split())]  # pdfplumber reads two spaces as one
        assert abs(printed - width) < 0.1, (text, printed, width)


def test_the_page_limit_is_the_regions(proj: Project) -> None:
    """``letter.max_pages`` in the profile: three pages are fine where the limit is 3."""
    long = EXAMPLES["layout"]["failing"][2]
    assert list(RULES["layout"].check(laid_out(proj, {**long, "max_pages": 3}, "noord")[1])) == []
    (hit,) = RULES["layout"].check(laid_out(proj, {**long, "max_pages": 1}, "noord")[1])
    assert hit.message == "the letter runs to 3 pages, more than letter.max_pages (1)"
    assert long["text"].splitlines()[hit.line - 1].startswith("Punt ")
