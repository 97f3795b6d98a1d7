"""A second opinion on brief's Flesch-Douma: brief.readability against textstat 0.7.8.

textstat 0.7.8 with ``set_lang("nl")`` uses the Flesch-Douma constants (206.835 - 0.93 *
words per sentence - 77 * syllables per word, its ``LANG_CONFIGS["nl"]``), the same
formula as brief; the scores differ only by how the two count. textstat splits sentences
with the regular expression ``\\b[^.!?]+[.!?]*`` and drops "sentences" of two words or
fewer from the count, counts words after stripping punctuation, and counts Dutch
syllables as pyphen's ``nl`` hyphenation points plus one. brief splits with its Dutch
splitter (abbreviations, amounts, times, dates, e-mail and web addresses neither end nor
split a sentence; each counts as one word of one syllable) and counts syllables by rule.

Texts: the body (salutation to closing) of every Dutch demo letter, for the first sample
customer of a standard and of the plain (B1) rayon, and the 20 paragraphs of
bench/data/nl-paragraphs.txt. Run from the repository root::

    python bench/flesch_douma.py

prints a Markdown table (bench/FLESCH_DOUMA.md has it with the explanation).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import textstat

from brief import preview
from brief.checks import LetterText
from brief.project import Project
from brief.readability import score

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)


def demo_bodies() -> list[tuple[str, str]]:
    os.chdir(ROOT)
    project = Project.discover()
    items = preview.load_records(project.settings.samples)
    bodies = []
    for region, customer in (("noord", "K1001"), ("zuid", "K1011")):
        record = preview.choose_record(items, project.settings.samples, customer=customer)
        for template in ("betalingsherinnering", "14-dagenbrief", "betalingsregeling", "bedankt"):
            built = preview.build_preview(project, template, record, today=TODAY, region=region)
            _, profile = preview.place(project, record, region)
            letter = LetterText(text=built.text, profile=profile, roster=project.roster)
            bodies.append((f"{template} ({region})", letter.body))
    return bodies


def paragraphs() -> list[tuple[str, str]]:
    text = (ROOT / "bench" / "data" / "nl-paragraphs.txt").read_text("utf-8")
    blocks = [b.strip() for b in text.split("\n\n") if b.strip() and not b.startswith("#")]
    return [(f"paragraph {i}", " ".join(b.split())) for i, b in enumerate(blocks, 1)]


def main() -> None:
    textstat.set_lang("nl")
    rows = []
    for name, text in [*demo_bodies(), *paragraphs()]:
        ours = score(text, "nl")
        theirs = textstat.flesch_reading_ease(text)
        rows.append(
            (
                name,
                ours.score,
                theirs,
                (ours.sentences, textstat.sentence_count(text)),
                (ours.words, textstat.lexicon_count(text)),
                (ours.syllables, textstat.syllable_count(text)),
            )
        )
    print("| text | brief | textstat | difference | sentences | words | syllables |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, ours, theirs, sentences, words, syllables in rows:
        cells = [f"{a} / {b}" for a, b in (sentences, words, syllables)]
        print(
            f"| {name} | {ours:.1f} | {theirs:.1f} | {ours - theirs:+.1f} | "
            + " | ".join(cells)
            + " |"
        )
    differences = [abs(ours - theirs) for _, ours, theirs, *_ in rows]
    print(
        f"\n{len(rows)} texts; mean absolute difference {sum(differences) / len(rows):.1f}, "
        f"largest {max(differences):.1f} (counts: brief / textstat)"
    )


if __name__ == "__main__":
    main()
