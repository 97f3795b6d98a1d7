"""Where the time of one letter goes: each stage of ``brief render`` timed on its own.

Runs the stages the batch runs for every record, in this process, without
writing anything, and prints microseconds per record for each:

    python bench/stages.py bench/work/customers-10000.csv

Use it to see what to work on; bench/run.py measures the real command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from brief import outbox
from brief.batch import BatchOptions, Renderer, check
from brief.project import Project
from brief.records import Record, read_records
from brief.render import render_letter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    parser.add_argument("--template", default="betalingsherinnering")
    parser.add_argument("--date", default="2026-11-22")
    args = parser.parse_args()
    project = Project.discover(None)
    options = BatchOptions(
        records=args.records,
        template=args.template,
        today=dt.date.fromisoformat(args.date),
        stream=Path("/dev/null"),
    )
    renderer = Renderer(project, options)
    clock = time.process_time  # CPU time: steady while the machine is busy

    start = clock()
    records = [item for item in read_records(args.records) if isinstance(item, Record)]
    stages = {"read records": clock() - start}

    start = clock()
    prepared = [renderer.prepare(record) for record in records]
    stages["prepare (profile, template, signer)"] = clock() - start

    start = clock()
    letters = [
        render_letter(record, spec, profile, project.roster, today=options.today, signer=signer)
        for record, (profile, spec, signer, _) in zip(records, prepared, strict=True)
    ]
    stages["render (subject, text, html)"] = clock() - start

    start = clock()
    for letter in letters:
        outbox.letter_bytes(letter)
    stages["e-mail bytes"] = clock() - start

    start = clock()
    for letter in letters:
        check(letter, project)
    stages["letter checks"] = clock() - start

    start = clock()
    for letter in letters:
        check(letter, project)
    stages["letter checks, again (all cached)"] = clock() - start

    count = len(records)
    for name, seconds in stages.items():
        print(f"{name:<40} {seconds / count * 1e6:8.1f} µs/record")


if __name__ == "__main__":
    main()
