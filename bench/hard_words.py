"""Precision and recall of the hard-word rule's frequency test on tests/data/hard-words.yaml.

For each threshold: a labelled word is flagged when brief.hardwords.difficulty() (its
Zipf frequency, or for a Dutch compound that of the rarest part of its best split) is
below it. "frequency" is that test alone; "with lists" also counts a word flagged when
brief/data/plain-words.yaml or officialese.yaml lists it (the lint flags those words at
any threshold: plain-words by ``hard-word``, officialese by ``officialese``). The lists
were written with the labels in view, so "with lists" is the optimistic figure.

    python bench/hard_words.py [--errors THRESHOLD]

prints a Markdown table (the one in the README); ``--errors 4.0`` lists the words each
test gets wrong at that threshold.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from brief.hardwords import alternative, difficulty
from brief.readability import officialese

ROOT = Path(__file__).resolve().parent.parent
THRESHOLDS = (3.0, 3.25, 3.5, 3.75, 4.0, 4.25, 4.5, 4.75, 5.0)


def labelled() -> list[tuple[str, bool]]:
    data = yaml.safe_load((ROOT / "tests" / "data" / "hard-words.yaml").read_text("utf-8"))
    return [(w, True) for w in data["hard"]] + [(w, False) for w in data["fine"]]


def frequency(word: str) -> float:
    """The word's frequency as the rule judges it: a hyphenated word by its parts of four
    letters or more ("e-mail" by "mail")."""
    parts = [p for p in word.split("-") if len(p) >= 4] or [word]
    return min(difficulty(part, "nl")[0] for part in parts)


def listed(word: str) -> bool:
    return alternative(word, "nl") is not None or word.lower() in officialese("nl")[1]


def figures(words: list[tuple[str, bool]], threshold: float, lists: bool) -> tuple[int, ...]:
    tp = fp = fn = 0
    for word, hard in words:
        flagged = frequency(word) < threshold or (lists and listed(word))
        tp += flagged and hard
        fp += flagged and not hard
        fn += hard and not flagged
    return tp, fp, fn


def main() -> None:
    words = labelled()
    hard = sum(h for _, h in words)
    print(f"{len(words)} words: {hard} hard, {len(words) - hard} fine for a B1 reader\n")
    if "--errors" in sys.argv:
        threshold = float(sys.argv[sys.argv.index("--errors") + 1])
        for word, is_hard in words:
            value, part = difficulty(word, "nl")
            if (frequency(word) < threshold) != is_hard:
                kind = "missed" if is_hard else "false alarm"
                print(f"{kind:<12} {word} ({value:.1f}, {part})")
        return
    print(
        "| threshold (Zipf) | frequency: precision | recall | F1 | with lists: precision | recall | F1 |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for threshold in THRESHOLDS:
        cells = [f"{threshold:g}"]
        for lists in (False, True):
            tp, fp, fn = figures(words, threshold, lists)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            cells += [f"{precision:.2f}", f"{recall:.2f}", f"{f1:.2f}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
