"""brief.preview: choosing the record, the findings and metrics model, plain text, rich
renderables (exact, through rich's recorded console) and the file watcher."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest

from brief import preview as pv
from brief.checks import LetterText, check_letter
from brief.errors import BriefError, RecordError
from brief.project import Project
from brief.records import Record

TODAY = dt.date(2026, 11, 22)

# A letter with one of everything (the test project's zuid is plain (B1): limits 70 / 12 / 20;
# noord is standard: 60 / 15 / 25):
PROEF = """\
---
subject: Proef {{ customer.id }}
channel: email
---
Beste {{ customer.name }},

Wij hebben je geld nog niet en dat is voor ons een groot probleem.

Als je vandaag niet betaalt dan moeten wij je huis uit en dan heb je geen plek meer om te slapen of te eten.

Indien nodig helpen wij. Dat heten incassokosten.

Incassobureaus hanteren buitengerechtelijke invorderingsprocedures conform wettelijke bepalingen en voorschriften.

Met vriendelijke groet,
{{ signer.name }}
Jan Jansen
"""
FOURTEEN = "Wij hebben je geld nog niet en dat is voor ons een groot probleem."
TWENTY_FOUR = (
    "Als je vandaag niet betaalt dan moeten wij je huis uit en dan heb je geen plek meer om "
    "te slapen of te eten."
)
STIFF = (
    "Incassobureaus hanteren buitengerechtelijke invorderingsprocedures conform wettelijke "
    "bepalingen en voorschriften."
)


@pytest.fixture
def proj(project: Path) -> Project:
    (project / "templates" / "proef.j2").write_text(PROEF, "utf-8")
    return Project.discover()


def record(proj: Project, customer: str = "K2") -> Record:
    items = pv.load_records(proj.settings.samples)
    return pv.choose_record(items, proj.settings.samples, customer=customer)


def build(proj: Project, template: str = "proef", customer: str = "K2", region=None):
    return pv.build_preview(proj, template, record(proj, customer), today=TODAY, region=region)


def marks(preview: pv.Preview) -> list[tuple[str, str]]:
    return [(f.kind, preview.text[f.start : f.end]) for f in preview.findings if f.marked]


# --------------------------------------------------------------------------- records


def write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(["id;region;name", *rows]) + "\n", "utf-8")
    return path


def test_choose_by_id_position_region_or_first(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "A;noord;Anna", "B;zuid;Bert", "C;zuid;Cor")
    items = pv.load_records(path)

    assert pv.choose_record(items, path, customer="C").id == "C"
    assert pv.choose_record(items, path, sample=2).id == "B"
    assert pv.choose_record(items, path, region="zuid").id == "B"
    assert pv.choose_record(items, path, region="oost").id == "A"
    assert pv.choose_record(items, path).id == "A"


def test_choose_errors_name_the_choices(tmp_path: Path) -> None:
    rows = [f"K{n};noord;Klant {n}" for n in range(1, 14)]
    path = write(tmp_path / "r.csv", *rows)
    items = pv.load_records(path)

    with pytest.raises(BriefError) as err:
        pv.choose_record(items, path, customer="K99")
    assert str(err.value) == (
        f"{path}: unknown customer 'K99' (known: K1, K2, K3, K4, K5, K6, K7, K8, K9, K10 "
        "and 3 more)"
    )
    with pytest.raises(BriefError) as err:
        pv.choose_record(items, path, sample=14)
    assert str(err.value) == f"--sample: 14 is out of range ({path} has 13 records)"
    with pytest.raises(BriefError) as err:
        pv.choose_record(items, path, sample=0)
    assert str(err.value) == f"--sample: 0 is out of range ({path} has 13 records)"
    with pytest.raises(BriefError) as err:
        pv.choose_record(items, path, customer="K1", sample=1)
    assert str(err.value) == "--customer and --sample cannot be used together"


def test_an_invalid_chosen_record_shows_its_own_error(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "A;noord;Anna", "B;zuid;")
    items = pv.load_records(path)

    with pytest.raises(RecordError) as by_id:
        pv.choose_record(items, path, customer="B")
    with pytest.raises(RecordError) as by_position:
        pv.choose_record(items, path, sample=2)

    assert str(by_id.value) == f"{path}:3: record 'B': field 'name': required field is missing"
    assert str(by_position.value) == str(by_id.value)


def test_an_empty_records_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv")

    with pytest.raises(BriefError) as err:
        pv.load_records(path)
    assert str(err.value) == f"{path}: no customer records"


def test_moving_a_customer_drops_their_own_contact(proj: Project) -> None:
    own = Record("c.csv", 2, {"id": "X", "region": "noord", "name": "X", "contact": "directeur"})

    same, profile = pv.place(proj, own)
    moved, zuid = pv.place(proj, own, "zuid")

    assert same is own and profile.id == "noord"
    assert moved.fields == {"id": "X", "region": "zuid", "name": "X"}
    assert zuid.variant == "b1"


def test_the_customers_language_applies_in_any_region(proj: Project) -> None:
    english = Record("c.csv", 2, {"id": "X", "region": "noord", "name": "X", "language": "en"})

    _, profile = pv.place(proj, english, "zuid")

    assert (profile.id, profile.language, profile.variant) == ("zuid", "en", None)


def test_a_record_in_an_unknown_region_is_an_error(proj: Project) -> None:
    lost = Record("c.csv", 4, {"id": "X", "region": "oost", "name": "X"})

    with pytest.raises(RecordError) as err:
        pv.place(proj, lost)
    assert str(err.value) == (
        "c.csv:4: record 'X': field 'region': unknown region 'oost' (known: noord, zuid)"
    )


def test_regions_are_checked_and_deduplicated(proj: Project) -> None:
    assert pv.check_regions(proj, ["zuid", "noord", "zuid"], "--compare") == ["zuid", "noord"]
    with pytest.raises(BriefError) as err:
        pv.check_regions(proj, ["noord", "west"], "--compare")
    assert str(err.value) == "--compare: unknown region 'west' (known: noord, zuid)"


# --------------------------------------------------------------------------- findings


def test_findings_in_a_plain_region(proj: Project) -> None:
    preview = build(proj)

    assert marks(preview) == [
        ("hard", FOURTEEN),
        ("very-hard", TWENTY_FOUR),
        ("officialese", "Indien"),
        ("hard", STIFF),
        ("officialese", "conform"),
        ("signature", "Jan Jansen"),
    ]
    assert [
        (f.line, f.template_line, f.rule, f.message)
        for f in preview.findings
        if f.rule != "hard-word"  # test_hard_words_in_a_plain_region
    ] == [
        (3, 7, None, "hard sentence (14 words, average limit 12 for plain (B1) letters)"),
        (5, 9, "long-sentence", "very hard sentence (24 words, limit 20 for plain (B1) letters)"),
        (7, 11, "officialese", "'Indien' is officialese: write 'als'"),
        (9, 13, None, "hard sentence (Flesch-Douma -118.1, minimum 70 for plain (B1) letters)"),
        (9, 13, "officialese", "'conform' is officialese: write 'volgens'"),
        (11, 15, "missing-contact", "no direct phone number or e-mail of Bianca Mulder"),
        (
            13,
            17,
            "unknown-signer",
            "'Jan Jansen' in the signature is not a person in the staff roster (staff.yaml)",
        ),
    ]
    assert [f.alternative for f in preview.findings if f.kind == "officialese"] == [
        "als",
        "volgens",
    ]


#: The hard-word findings on line 9 of the plain-region preview, with their advice.
HARD_WORDS = [
    ("Incassobureaus", ": write 'bedrijf dat het geld voor ons int'"),
    ("hanteren", ": write 'gebruiken'"),
    ("buitengerechtelijke", ": write 'extra'"),
    ("invorderingsprocedures", " ('invordering' is): use a more common word, or explain it"),
    ("bepalingen", ": use a more common word, or explain it"),
    ("voorschriften", ": use a more common word, or explain it"),
]


def test_hard_words_in_a_plain_region(proj: Project) -> None:
    preview = build(proj)

    found = [
        (f.line, f.template_line, f.message) for f in preview.findings if f.rule == "hard-word"
    ]
    assert found == [
        (9, 13, f"{word!r} is a rare word for plain (B1) readers{advice}")
        for word, advice in HARD_WORDS
    ]


def test_findings_in_a_standard_region(proj: Project) -> None:
    preview = build(proj, region="noord")

    # 14 words is within standard's average of 15, 24 within its sentence limit of 25 but
    # over the average; officialese is only checked for plain regions (as in brief lint).
    assert marks(preview) == [("hard", TWENTY_FOUR), ("hard", STIFF), ("signature", "Jan Jansen")]
    assert preview.findings[0].message == (
        "hard sentence (24 words, average limit 15 for standard letters)"
    )


def test_short_sentences_are_judged_by_length_only(proj: Project) -> None:
    preview = build(proj)

    # "Dat heten incassokosten." scores far below 70 but has 3 words.
    assert not [text for _, text in marks(preview) if "incassokosten" in text]


def test_very_hard_sentences_are_the_long_sentence_rules_findings(proj: Project) -> None:
    preview = build(proj)
    zuid = proj.profile("zuid")
    assert zuid is not None
    letter = LetterText(text=preview.text, profile=zuid, roster=proj.roster)

    long_lines = [hit.line for rule, hit in check_letter(letter) if rule.id == "long-sentence"]
    assert long_lines == [f.line for f in preview.findings if f.kind == "very-hard"] == [5]


def test_an_anonymous_closing_marks_the_signature(proj: Project, project: Path) -> None:
    path = project / "templates" / "proef.j2"
    text = path.read_text("utf-8").replace("{{ signer.name }}\nJan Jansen\n", "Team Incasso\n")
    path.write_text(text, "utf-8")

    preview = build(proj)

    signature = [f for f in preview.findings if f.kind == "signature"]
    assert [(preview.text[f.start : f.end], f.line, f.message) for f in signature] == [
        (
            "Met vriendelijke groet,\nTeam Incasso",
            11,
            "the closing names no real person: signed by a team, not a person",
        )
    ]


def test_a_letter_without_closing_is_a_finding_on_its_last_line(
    proj: Project, project: Path
) -> None:
    path = project / "templates" / "proef.j2"
    text = path.read_text("utf-8")
    path.write_text(text[: text.index("Met vriendelijke groet,")], "utf-8")

    preview = build(proj)

    last = len(preview.text.splitlines())
    assert [
        (f.kind, f.line, f.marked, f.message)
        for f in preview.findings
        if f.rule in ("anonymous-signoff", "missing-contact")
    ] == [
        (
            "signature",
            last,
            False,
            "the letter has no closing (such as 'Met vriendelijke groet,') and no signer",
        ),
        ("other", last, False, "no direct phone number or e-mail of Bianca Mulder"),
    ]


def test_suppressed_rules_are_left_out(proj: Project, project: Path) -> None:
    path = project / "templates" / "proef.j2"
    text = path.read_text("utf-8").replace(
        "Indien nodig",
        '{# brief: disable-next-line=officialese reason="a quote" #}\nIndien nodig',
    )
    path.write_text(text, "utf-8")

    preview = build(proj)

    assert "Indien" not in [preview.text[f.start : f.end] for f in preview.findings if f.marked]
    assert ("officialese", "conform") in marks(preview)


def test_metrics_against_the_regions_thresholds(proj: Project) -> None:
    assert build(proj).metrics == (
        pv.Metric("Flesch-Douma", "58.5", "at least 70", False),
        pv.Metric("words per sentence", "10.8", "at most 12", True),
        pv.Metric("longest sentence", "24 words", "at most 20", False),
        pv.Metric("hard sentences", "2 of 5"),
        pv.Metric("very hard sentences", "1", "at most 0", False),
    )
    assert build(proj, region="noord").metrics == (
        pv.Metric("Flesch-Douma", "58.5", "at least 60", False),
        pv.Metric("words per sentence", "10.8", "at most 15", True),
        pv.Metric("longest sentence", "24 words", "at most 25", True),
        pv.Metric("hard sentences", "2 of 5"),
        pv.Metric("very hard sentences", "0", "at most 0", True),
    )


def test_clean_demo_letter(demo: Path) -> None:
    proj = Project.discover()

    preview = pv.build_preview(proj, "betalingsherinnering", record(proj, "K1011"), today=TODAY)

    assert (preview.template_file, preview.region, preview.level) == (
        "betalingsherinnering.b1.j2",
        "zuid",
        "plain (B1)",
    )
    assert preview.findings == ()
    assert [(m.name, m.value, m.passed) for m in preview.metrics] == [
        ("Flesch-Douma", "91.8", True),
        ("words per sentence", "5.6", True),
        ("longest sentence", "8 words", True),
        ("hard sentences", "0 of 23", None),
        ("very hard sentences", "0", True),
    ]
    assert (preview.signer, preview.phone, preview.email) == (
        "Bianca Mulder",
        "06 1234 5603",
        "bianca.mulder@dijkzicht.example",
    )


# --------------------------------------------------------------------------- plain text


def test_plain_text_is_the_letter_then_findings_then_metrics(proj: Project) -> None:
    preview = build(proj, "herinnering", "K1")

    assert pv.plain_text([preview]) == (
        "herinnering for K1 Jan de Vries: templates/herinnering.j2, region noord (Noord), "
        "standard, nl, e-mail\n"
        "From: Ineke de Vries <ineke.devries@dijkzicht.example>\n"
        "To: Jan de Vries <jan@example.nl>\n"
        "Subject: Herinnering K1\n"
        "\n"
        "Geachte Jan de Vries,\n"
        "\n"
        "U hebt € 1.234,56 nog niet betaald.\n"
        "\n"
        "Met vriendelijke groet,\n"
        "Ineke de Vries, Medewerker incasso\n"
        "06 1234 5601\n"
        "\n"
        "Findings: none\n"
        "Metrics:\n"
        "  Flesch-Douma: 111.4 (at least 60) ok\n"
        "  words per sentence: 6.0 (at most 15) ok\n"
        "  longest sentence: 6 words (at most 25) ok\n"
        "  hard sentences: 0 of 1\n"
        "  very hard sentences: 0 (at most 0) ok\n"
        "  signer: Ineke de Vries, Medewerker incasso, 06 1234 5601, "
        "ineke.devries@dijkzicht.example\n"
    )


def test_plain_text_lists_findings_with_letter_and_template_lines(proj: Project) -> None:
    text = pv.plain_text([build(proj)])

    findings = text[text.index("Findings:") : text.index("Metrics:")]
    assert findings.splitlines() == [
        "Findings:",
        "  line 3 (templates/proef.j2:7): hard sentence (14 words, average limit 12 for plain "
        "(B1) letters)",
        "  line 5 (templates/proef.j2:9): very hard sentence (24 words, limit 20 for plain (B1) "
        "letters)",
        "  line 7 (templates/proef.j2:11): 'Indien' is officialese: write 'als'",
        *(
            f"  line 9 (templates/proef.j2:13): {word!r} is a rare word for plain (B1) readers"
            f"{advice}"
            for word, advice in HARD_WORDS
        ),
        "  line 9 (templates/proef.j2:13): hard sentence (Flesch-Douma -118.1, minimum 70 for "
        "plain (B1) letters)",
        "  line 9 (templates/proef.j2:13): 'conform' is officialese: write 'volgens'",
        "  line 11 (templates/proef.j2:15): no direct phone number or e-mail of Bianca Mulder",
        "  line 13 (templates/proef.j2:17): 'Jan Jansen' in the signature is not a person in "
        "the staff roster (staff.yaml)",
    ]
    assert "\x1b" not in text


def test_a_letter_has_no_headers(proj: Project) -> None:
    text = pv.plain_text([build(proj, "aanmaning", "K1")])

    assert text.splitlines()[:3] == [
        "aanmaning for K1 Jan de Vries: templates/aanmaning.j2, region noord (Noord), standard, "
        "nl, letter",
        "",
        "Jan de Vries",
    ]


# --------------------------------------------------------------------------- rich


def recorded(width: int, **options) -> object:
    options.setdefault("color_system", None)
    return pv.make_console(record=True, width=width, file=io.StringIO(), **options)


def screen(previews, width: int) -> str:
    console = recorded(width)
    console.print(pv.renderable(previews, width=width))
    return console.export_text()


def lines(out: str) -> list[str]:
    """The screen's lines without trailing spaces (which the source could not show)."""
    return [line.rstrip() for line in out.splitlines()]


def test_highlighted_spans(proj: Project) -> None:
    text = pv.letter_text(build(proj))

    assert [(text.plain[s.start : s.end], s.style) for s in text.spans] == [
        (FOURTEEN, "preview.hard"),
        (TWENTY_FOUR, "preview.very-hard"),
        (STIFF.replace("conform", "conform [→ volgens]"), "preview.hard"),
        ("Jan Jansen", "preview.signature"),
        ("Indien", "preview.officialese"),
        ("conform", "preview.officialese"),
        (" [→ als]", "preview.alternative"),
        (" [→ volgens]", "preview.alternative"),
    ]
    assert "Indien [→ als] nodig helpen wij." in text.plain


def test_colours_of_the_marks(proj: Project) -> None:
    console = recorded(100)
    segments = console.render(pv.letter_text(build(proj)), console.options)

    # Compared as styles, not escape codes: rich caches a style's codes for the first
    # colour system it meets, so codes depend on what the process rendered before.
    styles = [(s.text, str(s.style)) for s in segments if s.style and s.text.strip()]
    hard, very_hard = "black on #ffe08a", "bold white on #cc0000"
    assert styles[:3] == [(FOURTEEN, hard), (TWENTY_FOUR[:-8], very_hard), ("te eten.", very_hard)]
    assert ("Indien", "bold underline #1f6fd1") in styles  # officialese
    assert (" [→ als]", "italic #1f6fd1") in styles  # its plain word
    assert ("conform", "bold underline #1f6fd1 on #ffe08a") in styles  # in a hard sentence
    assert ("Jan Jansen", "bold white on #8e44ad") in styles  # unknown signer


def test_single_preview_stacks_metrics_under_a_narrow_letter(proj: Project) -> None:
    assert lines(screen([build(proj, "herinnering", "K1")], 70)) == [
        "╭─ herinnering.j2 → K1 Jan de Vries ─────────────────────────────────╮",
        "│ From: Ineke de Vries <ineke.devries@dijkzicht.example>             │",
        "│ To: Jan de Vries <jan@example.nl>                                  │",
        "│ Subject: Herinnering K1                                            │",
        "│ ────────────────────────────────────────────────────────────────── │",
        "│ Geachte Jan de Vries,                                              │",
        "│                                                                    │",
        "│ U hebt € 1.234,56 nog niet betaald.                                │",
        "│                                                                    │",
        "│ Met vriendelijke groet,                                            │",
        "│ Ineke de Vries, Medewerker incasso                                 │",
        "│ 06 1234 5601                                                       │",
        "╰───────────────────────────────── region Noord · standard · e-mail ─╯",
        "metric                  value   limit",
        "─────────────────────────────────────────",
        "Flesch-Douma            111.4   ≥ 60    ✓",
        "words per sentence        6.0   ≤ 15    ✓",
        "longest sentence      6 words   ≤ 25    ✓",
        "hard sentences         0 of 1",
        "very hard sentences         0   ≤ 0     ✓",
        "signer Ineke de Vries (Medewerker incasso)",
        "phone  06 1234 5601",
        "e-mail ineke.devries@dijkzicht.example",
        "region Noord (noord), standard",
        "hard sentence  very hard sentence  officialese  [→ plain word]",
        "anonymous, unknown or distant signer",
        "standard: hard = over 15 words, or 8+ words with Flesch-Douma under",
        "60; very hard = over 25 words",
    ]


def test_wide_terminal_puts_metrics_beside_the_letter(proj: Project) -> None:
    assert lines(screen([build(proj, "herinnering", "K1")], 130)) == [
        "╭─ herinnering.j2 → K1 Jan de Vries ──────────────────────────────────────────────╮ metric                  value   limit",
        "│ From: Ineke de Vries <ineke.devries@dijkzicht.example>                          │ ─────────────────────────────────────────",
        "│ To: Jan de Vries <jan@example.nl>                                               │ Flesch-Douma            111.4   ≥ 60    ✓",
        "│ Subject: Herinnering K1                                                         │ words per sentence        6.0   ≤ 15    ✓",
        "│ ─────────────────────────────────────────────────────────────────────────────── │ longest sentence      6 words   ≤ 25    ✓",
        "│ Geachte Jan de Vries,                                                           │ hard sentences         0 of 1",
        "│                                                                                 │ very hard sentences         0   ≤ 0     ✓",
        "│ U hebt € 1.234,56 nog niet betaald.                                             │ signer Ineke de Vries (Medewerker incasso)",
        "│                                                                                 │ phone  06 1234 5601",
        "│ Met vriendelijke groet,                                                         │ e-mail ineke.devries@dijkzicht.example",
        "│ Ineke de Vries, Medewerker incasso                                              │ region Noord (noord), standard",
        "│ 06 1234 5601                                                                    │",
        "╰────────────────────────────────────────────── region Noord · standard · e-mail ─╯",
        "hard sentence  very hard sentence  officialese  [→ plain word]  anonymous, unknown or distant signer",
        "standard: hard = over 15 words, or 8+ words with Flesch-Douma under 60; very hard = over 25 words",
    ]


def test_compare_puts_the_regions_side_by_side(proj: Project) -> None:
    previews = [build(proj, "herinnering", "K1", region) for region in ("noord", "zuid")]

    assert lines(screen(previews, 100)) == [
        "╭─ Noord: herinnering.j2 ───────────────────────╮ ╭─ Zuid: herinnering.b1.j2 ──────────────────────╮",
        "│ From: Ineke de Vries                          │ │ From: Bianca Mulder                            │",
        "│ <ineke.devries@dijkzicht.example>             │ │ <bianca.mulder@dijkzicht.example>              │",
        "│ To: Jan de Vries <jan@example.nl>             │ │ To: Jan de Vries <jan@example.nl>              │",
        "│ Subject: Herinnering K1                       │ │ Subject: Je huur K1                            │",
        "│ ───────────────────────────────────────────── │ │ ────────────────────────────────────────────── │",
        "│ Geachte Jan de Vries,                         │ │ Beste Jan de Vries,                            │",
        "│                                               │ │                                                │",
        "│ U hebt € 1.234,56 nog niet betaald.           │ │ Je moet nog € 1.234,56 betalen.                │",
        "│                                               │ │                                                │",
        "│ Met vriendelijke groet,                       │ │ Groet, Ineke en Bianca - Team Incasso          │",
        "│ Ineke de Vries, Medewerker incasso            │ │ Bel Bianca: 06 1234 5603                       │",
        "│ 06 1234 5601                                  │ ╰──────────── region Zuid · plain (B1) · e-mail ─╯",
        "╰──────────── region Noord · standard · e-mail ─╯",
        "metric                  value   limit             metric                  value   limit",
        "─────────────────────────────────────────         ─────────────────────────────────────────",
        "Flesch-Douma            111.4   ≥ 60    ✓         Flesch-Douma             94.4   ≥ 70    ✓",
        "words per sentence        6.0   ≤ 15    ✓         words per sentence        5.0   ≤ 12    ✓",
        "longest sentence      6 words   ≤ 25    ✓         longest sentence      5 words   ≤ 20    ✓",
        "hard sentences         0 of 1                     hard sentences         0 of 1",
        "very hard sentences         0   ≤ 0     ✓         very hard sentences         0   ≤ 0     ✓",
        "signer Ineke de Vries (Medewerker incasso)        signer Ineke de Vries, Bianca Mulder",
        "phone  06 1234 5601                               phone  06 1234 5603",
        "e-mail ineke.devries@dijkzicht.example            e-mail bianca.mulder@dijkzicht.example",
        "region Noord (noord), standard                    region Zuid (zuid), plain (B1)",
        "hard sentence  very hard sentence  officialese  [→ plain word]  anonymous, unknown or distant signer",
        "hard = more words than the region's average limit, or 8+ words scoring under its minimum; very hard",
        "= more words than its sentence limit",
    ]


def test_letter_level_findings_are_listed_under_the_letter(proj: Project) -> None:
    out = screen([build(proj)], 100)

    assert "! line 11: no direct phone number or e-mail of Bianca Mulder\n" in out


def test_export_writes_svg_and_html(proj: Project, tmp_path: Path) -> None:
    previews = [build(proj, "herinnering", "K1")]

    pv.export(previews, tmp_path / "p.svg", fmt="svg", width=80, title="brief preview")
    pv.export(previews, tmp_path / "p.html", fmt="html", width=80, title="brief preview")

    svg = (tmp_path / "p.svg").read_text("utf-8")
    assert svg.startswith("<svg") and "brief&#160;preview" in svg and "Geachte" in svg
    html = (tmp_path / "p.html").read_text("utf-8")
    assert "<html>" in html and "Geachte Jan de Vries," in html


# --------------------------------------------------------------------------- watching


def test_watched_files_are_what_a_preview_depends_on(proj: Project, project: Path) -> None:
    files = pv.watched_files(proj, Path("customers.csv"))

    assert [os.path.relpath(f, project) for f in files] == [
        "brief.yaml",
        "customers.csv",
        "regions/_base.yaml",
        "regions/noord.yaml",
        "regions/zuid.yaml",
        "staff.yaml",
        "templates/aanmaning.j2",
        "templates/herinnering.b1.j2",
        "templates/herinnering.en.j2",
        "templates/herinnering.html.j2",
        "templates/herinnering.j2",
        "templates/proef.j2",
    ]


def test_watcher_sees_changes_new_files_and_deletions(tmp_path: Path) -> None:
    one = tmp_path / "one.j2"
    one.write_text("a", "utf-8")
    watcher = pv.Watcher([one])
    assert watcher.changed() == []

    one.write_text("ab", "utf-8")
    assert watcher.changed() == [one]
    assert watcher.changed() == []

    os.utime(one, ns=(0, 0))
    assert watcher.changed() == [one]

    (tmp_path / "two.j2").write_text("new", "utf-8")
    os.utime(tmp_path, ns=(1, 1))  # a new file changes its folder
    assert watcher.changed() == [tmp_path]

    one.unlink()
    assert one in watcher.changed()


def test_watcher_wait_returns_what_changed(tmp_path: Path) -> None:
    import threading

    one = tmp_path / "one.j2"
    one.write_text("a", "utf-8")
    watcher = pv.Watcher([one])
    timer = threading.Timer(0.1, lambda: one.write_text("changed", "utf-8"))
    timer.start()
    try:
        assert watcher.wait(0.02) == [one]
    finally:
        timer.cancel()
