"""Floor P: a bare typst compile of brief's letter layout with the inputs brief gives it.

``prepare`` (not timed, once per size) has brief render the records with the template
and write each letter's layout input (:func:`brief.pdf.letter_data`, the JSON the layout
reads) as one line of a file. The floors then do only what typst does, with no brief
around it: read those lines as they are and compile them with the same layout
(``brief/data/letter.typ``), fonts and PDF standard (PDF/A-2b) brief uses:

- ``P``: one compile per letter, each PDF written to its own file (what ``brief render
  --out DIR`` does for paper letters, without rendering, checks, the layout rule, the
  manifest or atomic writes);
- ``P16``: 16 letters per compile (the chunks a print run typesets), each chunk's PDF
  written to its own file (what ``brief render --stream print.pdf`` does, without joining
  the chunks into one file).

    python bench/floor_pdf.py prepare RECORDS INPUTS.jsonl --template 14-dagenbrief
    python bench/floor_pdf.py P INPUTS.jsonl --out DIR
    python bench/floor_pdf.py P16 INPUTS.jsonl --out DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import typst

from brief.pdf import LAYOUT, PDF_STANDARD

CHUNK = 16  # brief.batch.PRINT_CHUNK


def prepare(records: Path, inputs: Path, template: str, date: str) -> None:
    from brief import Project, read_records
    from brief.batch import Rejection
    from brief.pdf import letter_data

    project = Project.discover()
    letters = project.render_many(read_records(records), template=template, date=date, check=False)
    with inputs.open("w", encoding="utf-8") as handle:
        for letter in letters:
            if isinstance(letter, Rejection):
                raise SystemExit(f"not a letter: {letter}")
            handle.write(json.dumps(letter_data(letter, project.roster), ensure_ascii=False))
            handle.write("\n")


def compile_all(inputs: Path, out: Path, per_compile: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    layout = LAYOUT.absolute()
    compiler = typst.Compiler(str(layout), root=layout.anchor, ignore_system_fonts=True)
    batch: list[str] = []
    count = 0

    def flush() -> None:
        nonlocal count
        data = '{"letters": [' + ",".join(batch) + "]}"
        pdf = compiler.compile(format="pdf", sys_inputs={"data": data}, pdf_standards=PDF_STANDARD)
        assert isinstance(pdf, bytes)
        count += 1
        (out / f"{count:07d}.pdf").write_bytes(pdf)
        batch.clear()

    with inputs.open(encoding="utf-8") as handle:
        for line in handle:
            batch.append(line.rstrip("\n"))
            if len(batch) == per_compile:
                flush()
    if batch:
        flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["prepare", "P", "P16"])
    parser.add_argument("source", type=Path, help="records (prepare) or the inputs file")
    parser.add_argument("inputs", type=Path, nargs="?", help="prepare: the inputs file to write")
    parser.add_argument("--template", default="14-dagenbrief")
    parser.add_argument("--date", default="2026-11-22")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.mode == "prepare":
        prepare(args.source, args.inputs, args.template, args.date)
    else:
        compile_all(args.source, args.out, 1 if args.mode == "P" else CHUNK)


if __name__ == "__main__":
    main()
