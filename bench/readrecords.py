"""What the ``--jobs`` parent cannot hand to its workers today: read the records.

Reads and checks every record of a CSV file and looks for duplicate ids, as the parent
of ``brief render --jobs N`` does before it sends a record to a worker, and renders
nothing. bench/run.py compares its CPU with the parent's own share of a ``--jobs 2``
run: what is left of the parent's share beyond it is start-up, receiving the letters
and writing them.

    python bench/readrecords.py /tmp/customers.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

from brief.batch import _screened
from brief.records import read_records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    args = parser.parse_args()
    count = sum(1 for _ in _screened(read_records(args.records)))
    print(f"{count} records read")


if __name__ == "__main__":
    main()
