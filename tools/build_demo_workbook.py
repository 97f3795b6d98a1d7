"""Build examples/customers.xlsx, the demo's customers as a workbook would hold them.

The same customers as examples/customers.csv, on a sheet named ``Klanten``: amounts as
numbers, dates as date cells, counts as numbers, the rest as text, the way someone who
keeps the list in Excel types it. ``tests/test_sources.py`` checks that both give the same
records and the same letters, so run this after every change to the CSV:
``python tools/build_demo_workbook.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from brief.records import parse_amount, parse_date

ROOT = Path(__file__).resolve().parent.parent
NUMBERS = {"instalments"}


def cell(name: str, value: str) -> object:
    if not value:
        return None
    if name == "amount" or name.endswith("_amount"):
        return float(parse_amount(value))
    if name == "date" or name.endswith("_date"):
        return parse_date(value)
    if name in NUMBERS:
        return int(value)
    return value


def main() -> None:
    source = ROOT / "examples" / "customers.csv"
    with source.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    header, records = rows[0], rows[1:]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Klanten"
    sheet.append(header)
    for column in sheet[1]:
        column.font = Font(bold=True)
    for record in records:
        sheet.append([cell(name, value) for name, value in zip(header, record, strict=True)])
        for name, written in zip(header, sheet[sheet.max_row], strict=True):
            if name.endswith("date"):
                written.number_format = "DD-MM-YYYY"
            elif name.endswith("amount"):
                written.number_format = "#,##0.00"
    book.save(ROOT / "examples" / "customers.xlsx")


if __name__ == "__main__":
    main()
