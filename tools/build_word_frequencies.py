"""Build src/brief/data/zipf-nl.txt.gz and zipf-en.txt.gz, the word frequencies the
``hard-word`` rule reads.

Source: the ``wordfreq`` package (version 3.1.1, Apache-2.0 licence, Robyn Speer;
https://github.com/rspeer/wordfreq; its data is CC BY-SA 4.0), the "large" word list of
each language: Zipf frequencies (log10 of occurrences per billion words; 7 is "de", 3 is a
word seen about once per million words) estimated from subtitles, Wikipedia, news, books,
web text and social media.

What is kept: every word of letters only (with an inner hyphen or apostrophe) at Zipf 2.0
or more, rounded to one decimal, grouped by value: one line per value, ``value<TAB>word
word ...``, most frequent first, gzip-compressed. brief never imports wordfreq: reading
this file takes a fraction of the time wordfreq takes to import and load a language, and
the file is a fraction of the package's size (see README, "hard-word").

Run when the list should change: ``pip install wordfreq==3.1.1`` then
``python tools/build_word_frequencies.py``.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from pathlib import Path

from wordfreq import iter_wordlist, zipf_frequency

LANGUAGES = ("nl", "en")
FLOOR = 2.0
WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")
DATA = Path(__file__).resolve().parent.parent / "src" / "brief" / "data"


def build(language: str) -> int:
    groups: dict[float, list[str]] = defaultdict(list)
    for word in iter_wordlist(language, "large"):
        value = round(zipf_frequency(word, language, "large"), 1)
        if value < FLOOR:
            break  # the list is ordered, most frequent first
        if WORD.match(word):
            groups[value].append(word)
    header = (
        f"# Zipf word frequencies for {language!r} from wordfreq 3.1.1 (Apache-2.0; data CC"
        f" BY-SA 4.0), words at {FLOOR} or more; built by tools/build_word_frequencies.py\n"
    )
    lines = [f"{value:.1f}\t{' '.join(words)}\n" for value, words in sorted(groups.items())[::-1]]
    path = DATA / f"zipf-{language}.txt.gz"
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write((header + "".join(lines)).encode("utf-8"))  # mtime=0: the same bytes each run
    return sum(len(words) for words in groups.values())


def main() -> None:
    for language in LANGUAGES:
        count = build(language)
        print(f"{language}: {count} words")


if __name__ == "__main__":
    main()
