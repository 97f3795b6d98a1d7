"""The customer-records loader: every format, encoding and mistake, with exact messages.

Each test works in its own ``tmp_path`` (the current folder), so a message
reads ``c.csv:2: record 'K1': field 'name': ...`` just as a user sees it.
Files whose bytes matter (encodings, byte order marks, CRLF) are written as
bytes or copied from ``tests/data/records``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from brief import records
from brief.errors import RecordError, RecordsFileError
from brief.records import (
    Record,
    detect_encoding,
    make_record,
    parse_amount,
    parse_date,
    read_records,
)

DATA = Path(__file__).parent / "data" / "records"
HEADER = "id,region,name"


@pytest.fixture(autouse=True)
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path, so paths (and messages) are short and relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- helpers ----------------------------------------------------------------


def put(name: str, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8, bytes as they are) to ``name``."""
    path = Path(name)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def copy(name: str, as_name: str | None = None) -> Path:
    """Copy a file from tests/data/records into the current folder."""
    path = Path(as_name or name)
    shutil.copyfile(DATA / name, path)
    return path


def outcome(items: Any) -> list[Any]:
    """Records as ``(line, fields)``, problems as the message a user reads."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, Record):
            out.append((item.line, dict(item.fields)))
        else:
            assert isinstance(item, RecordError), item
            out.append(str(item))
    return out


def load(path: Path, **options: Any) -> list[Any]:
    return outcome(read_records(path, **options))


def file_error(path: Path, **options: Any) -> str:
    """The message of the RecordsFileError that reading ``path`` raises."""
    with pytest.raises(RecordsFileError) as info:
        list(read_records(path, **options))
    return str(info.value)


def csv_file(*rows: str, header: str = HEADER, name: str = "c.csv", end: str = "\n") -> Path:
    return put(name, "".join(line + end for line in (header, *rows)))


def one(*rows: str, header: str = HEADER, name: str = "c.csv") -> Any:
    """The single outcome of a small CSV file."""
    [result] = load(csv_file(*rows, header=header, name=name))
    return result


# -- CSV: encodings -----------------------------------------------------------

UTF8_RECORDS = [
    (
        2,
        {
            "id": "K1",
            "region": "noord",
            "name": "Café De Hoek",
            "amount": Decimal("1234.56"),
            "due_date": dt.date(2026, 11, 22),
        },
    ),
    (
        3,
        {
            "id": "K2",
            "region": "zuid",
            "name": "Zoë Jansen",
            "amount": Decimal("12.50"),
            "due_date": dt.date(2026, 12, 1),
        },
    ),
    (
        4,
        {
            "id": "K3",
            "region": "noord",
            "name": 'Bakkerij "Het Wapen", Ede',
            "amount": Decimal("7.50"),
            "due_date": dt.date(2026, 11, 22),
        },
    ),
]

CP1252_RECORDS = [
    (
        2,
        {
            "id": "K1",
            "region": "noord",
            "name": "Café 't Hoekje",
            "amount": Decimal("1234.56"),
            "due_date": dt.date(2026, 11, 22),
        },
    ),
    (
        3,
        {
            "id": "K2",
            "region": "zuid",
            "name": "Zoë IJsselstein",
            "amount": Decimal("-12.50"),
            "due_date": dt.date(2026, 12, 1),
        },
    ),
    (
        4,
        {
            "id": "K3",
            "region": "noord",
            "name": "Jansen; Piet",
            "amount": Decimal("1234.56"),
            "due_date": dt.date(2026, 11, 22),
        },
    ),
]


def test_utf8_csv_without_bom() -> None:
    path = copy("customers-utf8.csv", "c.csv")
    assert path.read_bytes()[:2] == b"id"

    assert detect_encoding(path) == "utf-8-sig"
    assert load(path) == UTF8_RECORDS


def test_utf8_csv_with_bom_has_a_clean_first_header() -> None:
    path = copy("customers-utf8-bom.csv", "c.csv")
    assert path.read_bytes()[:5] == b"\xef\xbb\xbfid"

    items = list(read_records(path))

    assert [next(iter(item.fields)) for item in items] == ["id", "id", "id"]
    assert outcome(items) == UTF8_RECORDS


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf_8", "utf-8-sig"])
def test_explicit_utf8_also_drops_the_bom(encoding: str) -> None:
    path = copy("customers-utf8-bom.csv", "c.csv")

    assert load(path, encoding=encoding) == UTF8_RECORDS


def test_windows_1252_is_detected() -> None:
    path = copy("customers-cp1252.csv", "c.csv")
    raw = path.read_bytes()
    assert b"Caf\xe9" in raw and b"Zo\xeb" in raw and b"\x80 1.234,56" in raw
    assert b"\r\n" in raw

    assert detect_encoding(path) == "cp1252"
    assert load(path) == CP1252_RECORDS


def test_windows_1252_explicit_encoding() -> None:
    path = copy("customers-cp1252.csv", "c.csv")

    assert load(path, encoding="cp1252") == CP1252_RECORDS
    assert load(path, encoding="windows-1252") == CP1252_RECORDS


def test_explicit_encoding_overrides_detection() -> None:
    utf8 = copy("customers-utf8.csv", "u.csv")
    cp1252 = copy("customers-cp1252.csv", "w.csv")

    # UTF-8 read as Windows-1252 is mojibake, but it is what was asked for.
    assert load(utf8, encoding="cp1252")[0][1]["name"] == "CafÃ© De Hoek"
    # Latin-1 has no euro sign: byte 0x80 becomes the control character U+0080.
    assert load(cp1252, encoding="latin-1")[0] == (
        "w.csv:2: record 'K1': field 'amount': contains a control character (U+0080)"
    )
    assert file_error(cp1252, encoding="utf-8") == (
        "w.csv: cannot decode as utf-8 (invalid continuation byte); pass --encoding"
    )


def test_unknown_encoding_name() -> None:
    path = copy("customers-utf8.csv", "c.csv")

    assert file_error(path, encoding="klingon") == "c.csv: unknown encoding 'klingon'"


def test_bytes_windows_1252_cannot_decode() -> None:
    # 0x81 is not UTF-8 and has no character in Windows-1252 either.
    path = put("c.csv", b"id,region,name\nK1,noord,Jan\x81\n")

    assert detect_encoding(path) == "cp1252"
    assert file_error(path) == (
        "c.csv: cannot decode as cp1252 (character maps to <undefined>); pass --encoding"
    )


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_detected(codec: str) -> None:
    text = "id\tregion\tname\r\nK1\tnoord\tZoë\r\n"
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    path = put("c.csv", bom + text.encode(codec))

    assert detect_encoding(path) == "utf-16"
    assert load(path) == [(2, {"id": "K1", "region": "noord", "name": "Zoë"})]


def test_a_decoding_error_late_in_the_file_comes_after_the_good_records() -> None:
    rows = "".join(f"K{i},noord,Klant {i}\n" for i in range(10_000))  # several chunks
    path = put("c.csv", f"id,region,name\n{rows}".encode() + b"K-last,zuid,Piet\xff\n")
    items = read_records(path, encoding="utf-8")

    assert outcome([next(items)]) == [(2, {"id": "K0", "region": "noord", "name": "Klant 0"})]
    with pytest.raises(RecordsFileError) as info:
        for _ in items:
            pass
    assert str(info.value) == "c.csv: cannot decode as utf-8 (invalid start byte); pass --encoding"


# -- CSV: delimiters and quoting ---------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(delimiter: str) -> None:
    rows = [["id", "region", "name", "amount"], ["K1", "noord", "Jan", "12,50"]]
    # A comma inside a value must be quoted when the comma is the delimiter.
    text = "".join(
        delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in row) + "\n"
        for row in [*rows, ["K2", "zuid", "Piet", "1.234,56"]]
    )
    path = put("c.csv", text)

    assert load(path) == [
        (2, {"id": "K1", "region": "noord", "name": "Jan", "amount": Decimal("12.50")}),
        (3, {"id": "K2", "region": "zuid", "name": "Piet", "amount": Decimal("1234.56")}),
    ]


def test_dutch_excel_semicolons_with_decimal_commas() -> None:
    path = csv_file(
        "K1;noord;Jan;1.234,56;22-11-2026",
        "K2;zuid;Jansen, Piet;12,50;01-12-2026",
        header="id;region;name;amount;due_date",
        end="\r\n",
    )

    assert load(path) == [
        (
            2,
            {
                "id": "K1",
                "region": "noord",
                "name": "Jan",
                "amount": Decimal("1234.56"),
                "due_date": dt.date(2026, 11, 22),
            },
        ),
        (
            3,
            {
                "id": "K2",
                "region": "zuid",
                "name": "Jansen, Piet",
                "amount": Decimal("12.50"),
                "due_date": dt.date(2026, 12, 1),
            },
        ),
    ]


def test_tsv_is_always_tab_separated() -> None:
    path = copy("customers.tsv")

    assert load(path) == [
        (
            2,
            {
                "id": "K1",
                "region": "noord",
                "name": "Jansen, Piet; Kees",
                "amount": Decimal("1234.56"),
            },
        ),
        (3, {"id": "K2", "region": "zuid", "name": "Mia", "amount": Decimal("0.5")}),
    ]


def test_quoted_fields_with_delimiters_and_doubled_quotes() -> None:
    path = csv_file(
        'K1,noord,"Café ""De Hoek"""',
        'K2,zuid,"Jansen, Piet"',
        'K3,noord,"""Quoted"", with, commas"',
    )

    assert load(path) == [
        (2, {"id": "K1", "region": "noord", "name": 'Café "De Hoek"'}),
        (3, {"id": "K2", "region": "zuid", "name": "Jansen, Piet"}),
        (4, {"id": "K3", "region": "noord", "name": '"Quoted", with, commas'}),
    ]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_quoted_field_spanning_lines_keeps_later_line_numbers_right(end: str) -> None:
    path = put(
        "c.csv",
        end.join(
            [
                "id,region,name,note",  # 1
                'K1,noord,Jan,"first',  # 2
                "",  # 3 (inside the quotes)
                'third"',  # 4
                "K2,zuid,Piet,x",  # 5
                "",  # 6
                'K3,noord,"Mia',  # 7
                'Jansen",y',  # 8
                "K4,zuid,Kees,z",  # 9
            ]
        )
        + end,
    )

    assert load(path) == [
        "c.csv:2: record 'K1': field 'note': contains a line break",
        (5, {"id": "K2", "region": "zuid", "name": "Piet", "note": "x"}),
        "c.csv:7: record 'K3': field 'name': contains a line break",
        (9, {"id": "K4", "region": "zuid", "name": "Kees", "note": "z"}),
    ]


def test_malformed_quotes_are_a_file_error_with_the_line() -> None:
    assert file_error(csv_file("K1,noord,Jan", 'K2,noord,"Piet"x')) == (
        "c.csv:3: malformed CSV: ',' expected after '\"'"
    )
    assert file_error(csv_file("K1,noord,Jan", 'K2,noord,"Piet')) == (
        "c.csv:3: malformed CSV: unexpected end of data"
    )


# -- CSV: header ------------------------------------------------------------


def test_header_with_stray_spaces_warns_and_strips() -> None:
    warnings: list[str] = []
    path = csv_file("K1; noord ;  Jan  ", header="id; region ; name")

    items = load(path, warn=warnings.append)

    assert warnings == [
        "c.csv:1: header ' region ' has stray spaces; using 'region'",
        "c.csv:1: header ' name' has stray spaces; using 'name'",
    ]
    assert items == [(2, {"id": "K1", "region": "noord", "name": "Jan"})]


def test_header_warning_without_a_callback_is_silent() -> None:
    path = csv_file("K1,noord,Jan", header="id , region,name")

    assert load(path) == [(2, {"id": "K1", "region": "noord", "name": "Jan"})]


def test_duplicate_header_column() -> None:
    assert file_error(csv_file("K1,noord,Jan,Piet", header="id,region,name,name")) == (
        "c.csv:1: column 'name' appears twice in the header"
    )
    # Equal once stripped: still the same column twice.
    assert file_error(csv_file("K1,noord,Jan,Piet", header="id,region,name, name")) == (
        "c.csv:1: column 'name' appears twice in the header"
    )


@pytest.mark.parametrize(
    ("header", "column"), [("id,,name", 2), ("id,region,name,", 4), (" ,id,region,name", 1)]
)
def test_empty_header_name(header: str, column: int) -> None:
    path = csv_file("K1,noord,Jan,x", header=header)

    assert file_error(path) == f"c.csv:1: column {column} has no name in the header"


@pytest.mark.parametrize("content", [b"", b"\n\n", b"  \r\n\t\n", b"\xef\xbb\xbf"])
def test_empty_file(content: bytes) -> None:
    assert file_error(put("c.csv", content)) == "c.csv: empty file: no header row"


def test_header_only_has_no_records() -> None:
    assert load(put("c.csv", "id,region,name\n")) == []
    assert load(put("c.csv", "id,region,name")) == []


def test_blank_lines_before_the_header_are_skipped() -> None:
    warnings: list[str] = []
    path = put("c.csv", "\n\r\nid, region,name\nK1,noord,Jan\n")

    assert load(path, warn=warnings.append) == [(4, {"id": "K1", "region": "noord", "name": "Jan"})]
    assert warnings == ["c.csv:3: header ' region' has stray spaces; using 'region'"]
    assert file_error(put("c.csv", "\n\nid,,name\n")) == (
        "c.csv:3: column 2 has no name in the header"
    )


# -- CSV: rows ----------------------------------------------------------------


def test_blank_lines_and_empty_rows_are_skipped() -> None:
    path = put(
        "c.csv",
        "id,region,name\n"  # 1
        "\n"  # 2
        "K1,noord,Jan\n"  # 3
        "   \n"  # 4
        ",,\n"  # 5: a spreadsheet's empty row
        " , ,\n"  # 6
        "\n"  # 7
        "K2,zuid,Piet\n",  # 8
    )

    assert load(path) == [
        (3, {"id": "K1", "region": "noord", "name": "Jan"}),
        (8, {"id": "K2", "region": "zuid", "name": "Piet"}),
    ]


def test_short_and_long_rows() -> None:
    path = csv_file(
        "K1,noord,Jan",  # 2
        "K2,zuid",  # 3
        "K3,noord,Piet,extra",  # 4
        ",zuid",  # 5: no id to name
        "K5",  # 6
        "K6,zuid,Mia,,",  # 7: empty extra cells still make a long row
        "K7,noord,Kees",  # 8
    )

    assert load(path) == [
        (2, {"id": "K1", "region": "noord", "name": "Jan"}),
        "c.csv:3: record 'K2': short row: 2 fields where the header has 3",
        "c.csv:4: record 'K3': long row: 4 fields where the header has 3",
        "c.csv:5: short row: 2 fields where the header has 3",
        "c.csv:6: record 'K5': short row: 1 fields where the header has 3",
        "c.csv:7: record 'K6': long row: 5 fields where the header has 3",
        (8, {"id": "K7", "region": "noord", "name": "Kees"}),
    ]


def test_short_row_names_the_id_wherever_its_column_is() -> None:
    path = csv_file("noord,K1", "noord", header="region,id,name")

    assert load(path) == [
        "c.csv:2: record 'K1': short row: 2 fields where the header has 3",
        "c.csv:3: short row: 1 fields where the header has 3",
    ]


def test_cells_are_stripped_and_empty_cells_are_absent() -> None:
    path = csv_file(" K1 ,  noord,Jan  ,,   ,x", header="id,region,name,amount,due_date,note")

    items = list(read_records(path))

    assert outcome(items) == [(2, {"id": "K1", "region": "noord", "name": "Jan", "note": "x"})]
    record = items[0]
    assert isinstance(record, Record)
    assert (record.id, record.path, record.get("amount"), record.get("amount", 0)) == (
        "K1",
        "c.csv",
        None,
        0,
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("K1,noord,", "c.csv:2: record 'K1': field 'name': required field is missing"),
        ('K1,noord,"   "', "c.csv:2: record 'K1': field 'name': required field is missing"),
        ("K1,,Jan", "c.csv:2: record 'K1': field 'region': required field is missing"),
        (",noord,Jan", "c.csv:2: field 'id': required field is missing"),
    ],
)
def test_empty_required_cell(row: str, message: str) -> None:
    assert one(row) == message


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        ("region,name", "noord,Jan", "c.csv:2: field 'id': required field is missing"),
        ("id,name", "K1,Jan", "c.csv:2: record 'K1': field 'region': required field is missing"),
        ("id,region", "K1,noord", "c.csv:2: record 'K1': field 'name': required field is missing"),
    ],
)
def test_required_column_missing(header: str, row: str, message: str) -> None:
    assert one(row, header=header) == message


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"Jan\nJansen"', "contains a line break"),
        ('"Jan\r\nJansen"', "contains a line break"),
        ('"Jan\rJansen"', "contains a line break"),
        ("Jan\tJansen", "contains a tab"),
        ("Jan\x07Jansen", "contains a control character (U+0007)"),
        ("Jan\x00Jansen", "contains a control character (U+0000)"),
        ("Jan\x1bJansen", "contains a control character (U+001B)"),
        ("Jan\x7fJansen", "contains a control character (U+007F)"),
        ("Jan\x85Jansen", "contains a control character (U+0085)"),
        ("Jan\u2028Jansen", "contains a line break"),
        ("Jan\u2029Jansen", "contains a line break"),
    ],
)
def test_control_characters_in_a_value(value: str, problem: str) -> None:
    assert one(f"K1,noord,{value}") == f"c.csv:2: record 'K1': field 'name': {problem}"


def test_control_characters_at_the_ends_are_stripped_like_spaces() -> None:
    assert one('K1,noord,"\tJan\r\n"') == (2, {"id": "K1", "region": "noord", "name": "Jan"})


def test_control_character_in_an_optional_field_is_still_refused() -> None:
    path = csv_file("K1,noord,Jan,Dorpsstraat\t1", header="id,region,name,street")

    assert load(path) == ["c.csv:2: record 'K1': field 'street': contains a tab"]


def test_unicode_text_is_kept() -> None:
    assert one("K1,noord,Zoë Ĳsselstein – café ☕") == (
        2,
        {"id": "K1", "region": "noord", "name": "Zoë Ĳsselstein – café ☕"},
    )


def test_record_error_parts() -> None:
    [error] = read_records(csv_file("K1;noord;Jan;12,3x", header="id;region;name;amount"))

    assert isinstance(error, RecordError)
    assert (error.path, error.line, error.record, error.field) == ("c.csv", 2, "K1", "amount")
    assert error.reason == (
        "record 'K1': field 'amount': '12,3x' is not an amount (write 1234.56 or 1.234,56)"
    )
    assert str(error) == f"c.csv:2: {error.reason}"


# -- amounts and dates --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("€ 1.234,56", "1234.56"),
        ("€1.234,56", "1234.56"),
        ("1.234,56 EUR", "1234.56"),
        ("EUR 12,50", "12.50"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1.234.567", "1234567"),
        ("1,234,567", "1234567"),
        ("-1.234,56", "-1234.56"),
        ("-12,50", "-12.50"),
        ("€ -12,50", "-12.50"),
        ("+7", "7"),
        ("0", "0"),
        ("0,5", "0.5"),
        ("12", "12"),
        ("1234", "1234"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1234.567", "1234.567"),  # four digits before the mark: not a thousands group
        ("0,125", "0.125"),  # nor is a leading zero
        ("-0.125", "-0.125"),
        ("1.234,567", "1234.567"),  # both marks: the last one is the decimal mark
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    amount = parse_amount(text)

    assert isinstance(amount, Decimal)
    assert str(amount) == expected


@pytest.mark.parametrize("text", ["1.234", "1,234", "12.345", "-123,456", "€ 1.234"])
def test_parse_amount_ambiguous(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_amount(text)
    assert str(info.value) == f"{text!r} is ambiguous (write 1234 or 1234,00)"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "€",
        "abc",
        "12,3x",
        "1.2.3",
        "1,234,56",  # the thousands separator used as decimal mark too
        "1.234.56",
        "1,234.567.89",  # mixed up separators
        "1.234,567,89",
        "12.34.56",
        "1234.567,89",
        ".5",
        "5.",
        "--5",
        "5-",
        "1e3",
        "5\n",
        "NaN",
        "Infinity",
        "12 euro",
        "$12",
    ],
)
def test_parse_amount_junk(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_amount(text)
    assert str(info.value) == f"{text!r} is not an amount (write 1234.56 or 1.234,56)"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "1.234", "'1.234' is ambiguous (write 1234 or 1234,00)"),
        ("open_amount", "1,234", "'1,234' is ambiguous (write 1234 or 1234,00)"),
        ("amount", "12,3x", "'12,3x' is not an amount (write 1234.56 or 1.234,56)"),
        ("paid_amount", "veel", "'veel' is not an amount (write 1234.56 or 1.234,56)"),
        ("due_date", "31-02-2026", "'31-02-2026' is not a date (write 2026-11-22 or 22-11-2026)"),
        ("date", "gisteren", "'gisteren' is not a date (write 2026-11-22 or 22-11-2026)"),
        ("sent_date", "11/22/2026", "'11/22/2026' is not a date (write 2026-11-22 or 22-11-2026)"),
    ],
)
def test_typed_field_errors_in_a_csv(field: str, value: str, message: str) -> None:
    assert one(f"K1;noord;Jan;{value}", header=f"id;region;name;{field}") == (
        f"c.csv:2: record 'K1': field '{field}': {message}"
    )


def test_typed_fields_by_name() -> None:
    path = put(
        "c.csv",
        "id;region;name;amount;open_amount;due_date;date;sent_date;update;amounts\n"
        "K1;noord;Jan;12,50;1.234,56;22-11-2026;2026-12-01;01/12/2026;22-11-2026;12,50\n",
    )

    assert load(path) == [
        (
            2,
            {
                "id": "K1",
                "region": "noord",
                "name": "Jan",
                "amount": Decimal("12.50"),
                "open_amount": Decimal("1234.56"),
                "due_date": dt.date(2026, 11, 22),
                "date": dt.date(2026, 12, 1),
                "sent_date": dt.date(2026, 12, 1),
                "update": "22-11-2026",  # not a date field: no underscore
                "amounts": "12,50",  # not an amount field
            },
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22", dt.date(2026, 11, 22)),
        ("22-11-2026", dt.date(2026, 11, 22)),
        ("22/11/2026", dt.date(2026, 11, 22)),
        ("22.11.2026", dt.date(2026, 11, 22)),
        (" 22-11-2026 ", dt.date(2026, 11, 22)),
        ("1-2-2026", dt.date(2026, 2, 1)),
        ("29-02-2028", dt.date(2028, 2, 29)),
        ("2026-02-01", dt.date(2026, 2, 1)),
    ],
)
def test_parse_date(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31-02-2026",
        "29-02-2026",
        "2026-13-01",
        "32/01/2026",
        "22-11-26",
        "2026/11/22",
        "11/22/2026",
        "22 november 2026",
        "",
        "morgen",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert str(info.value) == f"{text!r} is not a date (write 2026-11-22 or 22-11-2026)"


def test_make_record_directly() -> None:
    raw = {" id ": 7, "region": " noord ", "name": "Jan", "amount": 12, "note": None, "x": " "}

    record = make_record(raw, Path("c.json"), 3)

    assert isinstance(record, Record)
    assert (record.path, record.line, record.id) == ("c.json", 3, "7")
    assert record.fields == {"id": "7", "region": "noord", "name": "Jan", "amount": Decimal(12)}


@pytest.mark.parametrize(
    ("value", "kind"),
    [(True, "a boolean"), (12, "a number"), ([1], "a list"), ({"a": 1}, "a mapping")],
)
def test_make_record_required_fields_must_be_text(value: Any, kind: str) -> None:
    error = make_record({"id": "K1", "region": "noord", "name": value}, Path("c.json"), 2)

    assert str(error) == f"c.json:2: record 'K1': field 'name': must be text, not {kind}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "True is not an amount"),
        (float("nan"), "nan is not an amount"),
        (float("inf"), "inf is not an amount"),
        (Decimal("NaN"), "Decimal('NaN') is not an amount"),
    ],
)
def test_make_record_refuses_non_amounts(value: Any, message: str) -> None:
    error = make_record({"id": "K1", "region": "n", "name": "J", "amount": value}, Path("c"), 2)

    assert str(error) == f"c:2: record 'K1': field 'amount': {message}"


def test_make_record_checks_nested_strings() -> None:
    raw = {"id": "K1", "region": "n", "name": "J", "lines": [{"text": "a\x07"}]}

    assert str(make_record(raw, Path("c.json"), 2)) == (
        "c.json:2: record 'K1': field 'lines': contains a control character (U+0007)"
    )


# -- JSON ---------------------------------------------------------------------


def test_json_array_records_with_lines_and_exact_numbers() -> None:
    path = copy("customers.json", "c.json")

    items = load(path)

    assert items == [
        (
            2,
            {
                "id": "K1",
                "region": "noord",
                "name": "Jan",
                "amount": Decimal("0.1"),
                "due_date": dt.date(2026, 11, 22),
            },
        ),
        (3, {"id": "17", "region": "zuid", "name": "Zoë", "amount": Decimal("1234.567")}),
        "c.json:10: a record must be an object, not an array",
        (
            11,
            {
                "id": "K3",
                "region": "noord",
                "name": "Piet",
                "amount": Decimal("1234.56"),
                "open_amount": Decimal("12"),
            },
        ),
    ]
    # Exactly 0.1, not the float 0.1000000000000000055511151231257827...
    assert str(items[0][1]["amount"]) == "0.1"
    assert str(items[1][1]["amount"]) == "1234.567"


@pytest.mark.parametrize(
    ("item", "kind"),
    [('"K1"', "a string"), ("5", "a number"), ("1.5", "a number"), ("true", "a boolean"),
     ("null", "null"), ("[]", "an array")],
)  # fmt: skip
def test_json_item_that_is_not_an_object(item: str, kind: str) -> None:
    path = put("c.json", f'[\n  {{"id": "K1", "region": "noord", "name": "Jan"}},\n  {item}\n]\n')

    assert load(path) == [
        (2, {"id": "K1", "region": "noord", "name": "Jan"}),
        f"c.json:3: a record must be an object, not {kind}",
    ]


def test_json_number_ids_and_amounts() -> None:
    path = put(
        "c.json",
        '[{"id": 17, "region": "n", "name": "J", "amount": 1.234, "open_amount": 1e3},\n'
        ' {"id": 1.50, "region": "n", "name": "J", "amount": -0.10, "paid_amount": 0}]',
    )

    assert load(path) == [
        (
            1,
            {
                "id": "17",
                "region": "n",
                "name": "J",
                "amount": Decimal("1.234"),  # a JSON number is never ambiguous
                "open_amount": Decimal("1E+3"),
            },
        ),
        (
            2,
            {
                "id": "1.50",
                "region": "n",
                "name": "J",
                "amount": Decimal("-0.10"),
                "paid_amount": Decimal("0"),
            },
        ),
    ]


def test_json_wrong_types_for_text_fields() -> None:
    path = put(
        "c.json",
        "[\n"
        '{"id": "K1", "region": "n", "name": true},\n'
        '{"id": "K2", "region": {"a": 1}, "name": "J"},\n'
        '{"id": [1], "region": "n", "name": "J"},\n'
        '{"id": "K4", "region": "n", "name": "J", "amount": true},\n'
        '{"id": "K5", "region": "n", "name": "J", "amount": NaN}\n'
        "]",
    )

    assert load(path) == [
        "c.json:2: record 'K1': field 'name': must be text, not a boolean",
        "c.json:3: record 'K2': field 'region': must be text, not a mapping",
        "c.json:4: record '[1]': field 'id': must be text, not a list",
        "c.json:5: record 'K4': field 'amount': True is not an amount",
        "c.json:6: record 'K5': field 'amount': nan is not an amount",
    ]


def test_json_null_and_empty_strings_are_absent() -> None:
    path = put("c.json", '[{"id": "K1", "region": "n", "name": null, "note": "", "x": null}]')

    assert load(path) == ["c.json:1: record 'K1': field 'name': required field is missing"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "c.json:1: invalid JSON: expected an array of records"),
        ("\n\n  ", "c.json:3: invalid JSON: expected an array of records"),
        ('{"id": "K1"}', "c.json:1: invalid JSON: expected an array of records"),
        ('\n\n"records"', "c.json:3: invalid JSON: expected an array of records"),
        ("[", "c.json:1: invalid JSON: Expecting value"),
        ('[\n{"id": "K1"}', "c.json:2: invalid JSON: expected ',' or ']' after a record"),
        ('[\n{"id": "K1"}\n\n', "c.json:4: invalid JSON: expected ',' or ']' after a record"),
        ('[\n{"id": "K1"}\n{"id": "K2"}\n]', "c.json:3: invalid JSON: expected ',' or ']' after a record"),
        ('[\n{"id": "K1"},\n]', "c.json:3: invalid JSON: Expecting value"),
        ('[\n{"id": "K1",\n "name": "J",,\n "x": 1}]',
         "c.json:3: invalid JSON: Expecting property name enclosed in double quotes"),
        ('[\n{"id": "K1", "name": "J\nK"}]', "c.json:2: invalid JSON: Invalid control character"),
        ('[\n{"id": "K1", "name": "J}]', "c.json:2: invalid JSON: Unterminated string"),
        ('[\n{"id": "K1", "name": "J\\x"}]', "c.json:2: invalid JSON: Invalid \\escape"),
        ("[\n{'id': 'K1'}]", "c.json:2: invalid JSON: Expecting property name enclosed in double quotes"),
        ('[{"id": "K1"}]\n\nx', "c.json:3: invalid JSON: extra data after the array"),
        ("[]\n[]", "c.json:2: invalid JSON: extra data after the array"),
    ],
)  # fmt: skip
def test_json_syntax_errors(text: str, message: str) -> None:
    assert file_error(put("c.json", text)) == message


def test_json_records_before_a_syntax_error_are_yielded_first() -> None:
    path = put(
        "c.json",
        '[\n{"id": "K1", "region": "n", "name": "J"},\n{"id": "K2", "region": "n" "name": "P"}\n]',
    )
    items = read_records(path)

    assert outcome([next(items)]) == [(2, {"id": "K1", "region": "n", "name": "J"})]
    with pytest.raises(RecordsFileError) as info:
        next(items)
    assert str(info.value) == "c.json:3: invalid JSON: Expecting ',' delimiter"


@pytest.mark.parametrize("text", ["[]", "[ ]", "\n[\n\n]\n", "\ufeff[]"])
def test_json_empty_array(text: str) -> None:
    assert load(put("c.json", text)) == []


def test_json_with_bom_and_crlf() -> None:
    path = put("c.json", b'\xef\xbb\xbf[\r\n{"id": "K1", "region": "n", "name": "J"}\r\n]\r\n')

    assert load(path) == [(2, {"id": "K1", "region": "n", "name": "J"})]


def test_json_windows_1252_is_detected() -> None:
    path = put("c.json", '[{"id": "K1", "region": "n", "name": "Zoë"}]'.encode("cp1252"))

    assert load(path) == [(1, {"id": "K1", "region": "n", "name": "Zoë"})]
    assert file_error(path, encoding="utf-8") == (
        "c.json: cannot decode as utf-8 (invalid continuation byte); pass --encoding"
    )


def big_json(count: int) -> tuple[str, list[int]]:
    """A JSON array of ``count`` records in varying layouts, and the line of each."""
    parts, lines, line = ["[\n"], [], 2
    for i in range(count):
        record = {
            "id": f"K{i}",
            "region": "noord" if i % 2 else "zuid",
            "name": f"Klant {i} \u00e9\u20ac\\u00eb",  # multi-byte, and an escape to split
            "amount": f"{i}.5" if i % 3 else f"{i},25",
            "note": "x" * (i % 97),
        }
        if i % 5 == 0:  # spread over several lines
            text = json.dumps(record, indent=2, ensure_ascii=False)
        else:
            text = json.dumps(record, ensure_ascii=False)
        text = text.replace("\\\\u00eb", "\\u00eb")
        lines.append(line)
        sep = ",\n" if i % 7 else ",\n\n"
        if i == count - 1:
            sep = "\n"
        parts.append(text + sep)
        line += text.count("\n") + sep.count("\n")
    parts.append("]\n")
    return "".join(parts), lines


def check_big_json(items: list[Any], lines: list[int], start: int = 0) -> None:
    assert [item.line for item in items] == lines
    assert all(isinstance(item, Record) for item in items)
    assert [item.id for item in items] == [f"K{i}" for i in range(start, start + len(lines))]
    for i, item in enumerate(items, start=start):
        assert item.fields["name"] == f"Klant {i} é€ë"
        assert item.fields["amount"] == (Decimal(f"{i}.5") if i % 3 else Decimal(f"{i}.25"))
        assert item.get("note") == ("x" * (i % 97) or None)


def test_json_big_array_crosses_chunk_boundaries() -> None:
    text, lines = big_json(5000)
    path = put("c.json", text)
    assert len(path.read_bytes()) > 8 * records._CHUNK  # many chunks, objects across their edges

    check_big_json(list(read_records(path)), lines)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000])
def test_json_tiny_chunks(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # With tiny chunks every token, number, escape and multi-byte character is cut somewhere.
    monkeypatch.setattr(records, "_CHUNK", chunk)
    text, lines = big_json(60)
    text = text.replace('"amount": "0,25"', '"amount": -1.5e2, "flag": true, "none": null')
    path = put("c.json", text)

    items = list(read_records(path))

    assert [item.line for item in items] == lines
    assert items[0].fields["amount"] == Decimal("-150")
    assert items[0].fields["flag"] is True
    assert "none" not in items[0].fields
    check_big_json(items[1:], lines[1:], start=1)


@pytest.mark.parametrize("chunk", [1, 5, 1 << 16])
def test_json_syntax_error_line_with_any_chunk_size(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "_CHUNK", chunk)
    text, lines = big_json(30)
    text = text.replace('"id": "K20",', '"id": "K20",,', 1)

    items = read_records(put("c.json", text))

    assert [next(items).line for _ in range(20)] == lines[:20]
    with pytest.raises(RecordsFileError) as info:
        next(items)
    assert str(info.value) == (
        f"c.json:{lines[20] + 1}: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_json_syntax_error_early_in_a_big_file_does_not_read_it_all() -> None:
    text, lines = big_json(2000)
    text = text.replace('"id": "K1"', '"id": "K1",,', 1)
    path = put("c.json", text * 8)  # more than 2 MB after the mistake
    assert path.stat().st_size > 2_000_000

    tracemalloc.start()
    try:
        message = file_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert message == (
        f"c.json:{lines[1]}: invalid JSON: Expecting property name enclosed in double quotes"
    )
    assert peak < 1_000_000


# -- JSON Lines ---------------------------------------------------------------


def test_json_lines() -> None:
    path = copy("customers.jsonl", "c.jsonl")

    assert load(path) == [
        (1, {"id": "K1", "region": "noord", "name": "Jan"}),
        (3, {"id": "K2", "region": "zuid", "name": "Piet", "amount": Decimal("0.1")}),
        "c.jsonl:4: invalid JSON: Expecting value",
        "c.jsonl:5: a record must be an object, not an array",
        (7, {"id": "K6", "region": "zuid", "name": "Zoë"}),
    ]


def test_json_lines_ndjson_crlf_and_bom() -> None:
    path = put(
        "c.ndjson",
        b'\xef\xbb\xbf{"id": 1, "region": "n", "name": "J"}\r\n\r\n'
        b'{"id": 2, "region": "n", "name": "P", "amount": 1.234}\r\n'
        b'{"id": 3, "region": "n", "name": "K"} x\r\n'
        b'"K4"\r\n',
    )

    assert load(path) == [
        (1, {"id": "1", "region": "n", "name": "J"}),
        (3, {"id": "2", "region": "n", "name": "P", "amount": Decimal("1.234")}),
        "c.ndjson:4: invalid JSON: Extra data",
        "c.ndjson:5: a record must be an object, not a string",
    ]


def test_json_lines_explicit_utf8_with_bom() -> None:
    path = put("c.jsonl", b'\xef\xbb\xbf{"id": "K1", "region": "n", "name": "J"}\n')

    assert load(path, encoding="utf-8") == [(1, {"id": "K1", "region": "n", "name": "J"})]


def test_json_lines_decoding_error_is_a_file_error() -> None:
    path = put("c.jsonl", b'{"id": "K1", "region": "n", "name": "J"}\n{"name": "\xe9"}\n')

    assert file_error(path, encoding="utf-8") == (
        "c.jsonl: cannot decode as utf-8 (invalid continuation byte); pass --encoding"
    )
    assert load(path) == [
        (1, {"id": "K1", "region": "n", "name": "J"}),
        "c.jsonl:2: field 'id': required field is missing",
    ]


def test_json_lines_empty_file() -> None:
    assert load(put("c.jsonl", "")) == []
    assert load(put("c.jsonl", "\n\n \n")) == []


# -- YAML ---------------------------------------------------------------------


def test_yaml_list_of_mappings() -> None:
    path = copy("customers.yaml", "c.yaml")

    assert load(path) == [
        (
            2,
            {
                "id": "K1",
                "region": "noord",
                "name": "Jan",
                "due_date": dt.date(2026, 11, 22),  # a YAML date
                "amount": Decimal("1234.56"),  # a YAML float, as written
            },
        ),
        (
            7,
            {
                "id": "17",
                "region": "zuid",
                "name": "Zoë",
                "amount": Decimal("1234.56"),
                "sent_date": dt.date(2026, 11, 22),
            },
        ),
        "c.yaml:12: a record must be a mapping, not text",
        "c.yaml:13: a record must be a mapping, not null",
        "c.yaml:14: a record must be a mapping, not a list",
        "c.yaml:15: record 'K5': field 'name': must be text, not a mapping",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22", dt.date(2026, 11, 22)),
        ("'2026-11-22'", dt.date(2026, 11, 22)),
        ("22-11-2026", dt.date(2026, 11, 22)),
        ("22.11.2026", dt.date(2026, 11, 22)),
        ("2026-11-22 10:30:00", dt.date(2026, 11, 22)),  # a timestamp: the date of it
        ("2026-11-22T10:30:00+01:00", dt.date(2026, 11, 22)),
    ],
)
def test_yaml_dates(value: str, expected: dt.date) -> None:
    path = put("c.yaml", f"- id: K1\n  region: n\n  name: J\n  due_date: {value}\n")

    [(line, fields)] = load(path)

    assert (line, fields["due_date"]) == (1, expected)
    assert type(fields["due_date"]) is dt.date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", "12"),
        ("12.50", "12.5"),
        ("1.234", "1.234"),  # a YAML number, not text: never ambiguous
        ("'1.234,56'", "1234.56"),
        ("€ 12,50", "12.50"),
        ("-0.1", "-0.1"),
        ("1_000", "1000"),
    ],
)
def test_yaml_amounts(value: str, expected: str) -> None:
    path = put("c.yaml", f"- id: K1\n  region: n\n  name: J\n  amount: {value}\n")

    [(_, fields)] = load(path)

    assert str(fields["amount"]) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("'1,234'", "'1,234' is ambiguous (write 1234 or 1234,00)"),
        ("yes", "True is not an amount"),
        (".inf", "inf is not an amount"),
        (".nan", "nan is not an amount"),
        ("[1]", "'[1]' is not an amount (write 1234.56 or 1.234,56)"),
    ],
)
def test_yaml_amount_errors(value: str, message: str) -> None:
    path = put("c.yaml", f"- id: K1\n  region: n\n  name: J\n  amount: {value}\n")

    assert load(path) == [f"c.yaml:1: record 'K1': field 'amount': {message}"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: K1\nregion: n\n", "c.yaml:1: expected a list of records"),
        ("# comment\n\n{records: []}\n", "c.yaml:3: expected a list of records"),
        ("just text\n", "c.yaml:1: expected a list of records"),
        ("--- 5\n", "c.yaml:1: expected a list of records"),
        ("---\n", "c.yaml:2: expected a list of records"),  # an empty document is null
    ],
)
def test_yaml_top_level_must_be_a_list(text: str, message: str) -> None:
    assert file_error(put("c.yaml", text)) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- id: K1\n  name: [Jan\n- id: K2\n",
            "c.yaml:3: invalid YAML: expected ',' or ']', but got ':'",
        ),
        (
            "- id: K1\n  name: Jan\n region: n\n",
            "c.yaml:3: invalid YAML: expected <block end>, but found '<block mapping start>'",
        ),
        ("- id: K1\n  name: Jan: Piet\n", "c.yaml:2: invalid YAML: mapping values are not allowed here"),
        (
            "- id: K1\n\tname: Jan\n",
            "c.yaml:2: invalid YAML: found character '\\t' that cannot start any token",
        ),
        # At the end of the file PyYAML points just past the last line.
        ('- id: K1\n  name: "Jan\n', "c.yaml:3: invalid YAML: found unexpected end of stream"),
        (
            "- id: K1\n  region: n\n  name: J\n- {id: K2,\n   region: n\n",
            "c.yaml:6: invalid YAML: expected ',' or '}', but got '<stream end>'",
        ),
        (
            "- id: K1\n  name: *nobody\n",
            "c.yaml:2: YAML aliases (*nobody) are not allowed in a records file; write the "
            "values out",
        ),
        (
            "- id: K1\n  name: !!python/name:os.system\n",
            "c.yaml:2: invalid YAML: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/name:os.system'",
        ),
    ],
)  # fmt: skip
def test_yaml_syntax_errors(text: str, message: str) -> None:
    assert file_error(put("c.yaml", text)) == message


def test_yaml_records_before_a_syntax_error_are_yielded_first() -> None:
    path = put("c.yaml", "- id: K1\n  region: n\n  name: J\n- id: K2\n  name: [x\n")
    items = read_records(path)

    assert outcome([next(items)]) == [(1, {"id": "K1", "region": "n", "name": "J"})]
    with pytest.raises(RecordsFileError) as info:
        next(items)
    assert str(info.value) == "c.yaml:6: invalid YAML: expected ',' or ']', but got '<stream end>'"


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing yet\n", "[]\n", "--- []\n"])
def test_yaml_empty(text: str) -> None:
    assert load(put("c.yaml", text)) == []


def test_yaml_flow_style_and_line_of_each_item() -> None:
    path = put(
        "c.yml",
        "---\n"  # 1
        "- {id: K1, region: n, name: J}\n"  # 2
        "-\n"  # 3
        "  id: K2\n"  # 4
        "  region: n\n"
        "  name: P\n"
        "- id: 3\n"  # 7
        "  region: n\n"
        "  name: 'Jan\\n'\n",  # single quotes: a backslash and an n, no line break
    )

    assert load(path) == [
        (2, {"id": "K1", "region": "n", "name": "J"}),
        (4, {"id": "K2", "region": "n", "name": "P"}),
        (7, {"id": "3", "region": "n", "name": "Jan\\n"}),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- &noord\n  id: K1\n  region: noord\n  name: Jan\n- *noord\n",
            "c.yaml:1: YAML anchors (&noord) are not allowed in a records file; write the "
            "values out",
        ),
        (
            "- id: K1\n  region: noord\n  name: Jan\n  <<: {email: j@example.nl}\n",
            "c.yaml:4: YAML merge keys (<<) are not allowed in a records file; write the "
            "fields out",
        ),
        (
            "- id: K1\n  region: noord\n  name: " + "[" * 40 + "]" * 40 + "\n",
            "c.yaml:3: a record nested more than 32 levels deep",
        ),
    ],
    ids=["anchor", "merge key", "nested"],
)
def test_yaml_anchors_merge_keys_and_deep_nesting_are_refused(text: str, message: str) -> None:
    """Records never need them, and an alias bomb expands a few lines to billions of values."""
    path = put("c.yaml", text)

    with pytest.raises(RecordsFileError) as info:
        list(read_records(path))
    assert str(info.value) == message


def test_yaml_second_document_is_refused() -> None:
    path = put(
        "c.yaml", "- id: K1\n  region: n\n  name: J\n---\n- id: K2\n  region: n\n  name: P\n"
    )
    items = read_records(path)

    assert outcome([next(items)]) == [(1, {"id": "K1", "region": "n", "name": "J"})]
    with pytest.raises(RecordsFileError) as info:
        next(items)
    assert str(info.value) == "c.yaml:4: expected one list of records, but found a second document"


def test_yaml_duplicate_key_is_a_records_file_error() -> None:
    path = put("c.yaml", "- id: K1\n  region: n\n  name: J\n  name: P\n")

    assert file_error(path) == "c.yaml:4: duplicate key 'name'"


def test_yaml_control_characters() -> None:
    # Escaped in double quotes: valid YAML, but not a valid name.
    escaped = put("c.yaml", '- id: K1\n  region: n\n  name: "Jan\\aJansen"\n')
    assert load(escaped) == [
        "c.yaml:1: record 'K1': field 'name': contains a control character (U+0007)"
    ]
    folded = put("c.yaml", '- id: K1\n  region: n\n  name: "Jan\\nJansen"\n')
    assert load(folded) == ["c.yaml:1: record 'K1': field 'name': contains a line break"]
    # Written raw: YAML itself refuses the file, on the right line even far down.
    body = "".join(f"- id: K{i}\n  region: n\n  name: J\n" for i in range(2000))
    raw = put("c.yaml", body + '- id: X\n  region: n\n  name: "Jan\x07"\n')
    assert file_error(raw) == "c.yaml:6003: invalid YAML: character U+0007 is not allowed"
    first = put("c.yaml", "\x07- id: K1\n")
    assert file_error(first) == "c.yaml:1: invalid YAML: character U+0007 is not allowed"


def test_yaml_encodings() -> None:
    text = "- id: K1\n  region: n\n  name: Zoë\n"
    assert load(put("c.yaml", b"\xef\xbb\xbf" + text.encode())) == [
        (1, {"id": "K1", "region": "n", "name": "Zoë"})
    ]
    cp1252 = put("c.yaml", text.encode("cp1252"))
    assert file_error(cp1252) == "c.yaml: not UTF-8 text (invalid continuation byte)"
    assert load(cp1252, encoding="cp1252") == [(1, {"id": "K1", "region": "n", "name": "Zoë"})]
    assert file_error(cp1252, encoding="utf-8") == (
        "c.yaml: cannot decode as utf-8 (invalid continuation byte); pass --encoding"
    )
    assert file_error(cp1252, encoding="klingon") == "c.yaml: unknown encoding 'klingon'"


# -- the file itself ----------------------------------------------------------


@pytest.mark.parametrize("name", ["c.txt", "c", "c.ods", "c.csv.gz"])
def test_unknown_extension(name: str) -> None:
    path = put(name, "id,region,name\n")
    suffix = Path(name).suffix

    assert file_error(path) == (
        f"{name}: unknown records format {suffix!r} "
        "(use .csv, .json, .jsonl, .ndjson, .tsv, .xlsm, .xlsx, .yaml, .yml)"
    )  # a workbook (.xlsx) is read: tests/test_sources.py


@pytest.mark.parametrize("name", ["nope.csv", "nope.json", "nope.jsonl", "nope.yaml", "sub/n.csv"])
def test_missing_file(name: str) -> None:
    assert file_error(Path(name)) == f"{name}: file not found"


def test_a_folder_is_not_a_records_file() -> None:
    Path("c.csv").mkdir()

    assert file_error(Path("c.csv")) == "c.csv: file not found"


def test_unreadable_file(monkeypatch: pytest.MonkeyPatch) -> None:
    path = csv_file("K1,noord,Jan")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)

    assert file_error(path) == "c.csv: cannot read: Permission denied"


def test_extension_case_and_str_paths() -> None:
    copy("customers-utf8.csv", "C.CSV")

    assert load(Path("C.CSV")) == UTF8_RECORDS
    assert outcome(read_records("C.CSV")) == UTF8_RECORDS  # type: ignore[arg-type]


# -- streaming ----------------------------------------------------------------

ROWS = 200_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 rows (about 4 MB)."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("id,region,name\n")
        for start in range(0, ROWS, 10_000):
            stream.write("".join(f"K{i},noord,Klant {i}\n" for i in range(start, start + 10_000)))
    return path


def test_reading_is_lazy(big_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    real = records._csv_record

    def counting(*args: Any) -> Any:
        made.append(args[-1])  # the line
        return real(*args)

    monkeypatch.setattr(records, "_csv_record", counting)

    items = read_records(big_csv)
    assert made == []  # nothing happens before the first next()
    first = next(items)
    second = next(items)
    items.close()

    assert outcome([first, second]) == [
        (2, {"id": "K0", "region": "noord", "name": "Klant 0"}),
        (3, {"id": "K1", "region": "noord", "name": "Klant 1"}),
    ]
    assert made == [2, 3]


def test_first_record_comes_before_a_problem_at_the_end(big_csv: Path) -> None:
    path = Path("c.csv")
    shutil.copyfile(big_csv, path)
    with path.open("ab") as stream:
        stream.write(b"K-last,noord,\xff\n")

    items = read_records(path, encoding="utf-8")
    first = next(items)

    assert outcome([first]) == [(2, {"id": "K0", "region": "noord", "name": "Klant 0"})]
    items.close()


def test_json_is_lazy_too() -> None:
    text, lines = big_json(3000)
    head = text.removesuffix("]\n") + ",\n"
    path = put("c.json", head + "{oops}]\n")
    items = read_records(path)

    assert next(items).line == lines[0]  # long before the mistake at the end is seen
    with pytest.raises(RecordsFileError) as info:
        for _ in items:
            pass
    line = head.count("\n") + 1
    assert str(info.value) == (
        f"c.json:{line}: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_memory_stays_flat_over_200000_rows(big_csv: Path) -> None:
    count = 0
    last: Any = None
    tracemalloc.start()
    try:
        for item in read_records(big_csv):
            count += 1
            last = item
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert count == ROWS
    assert isinstance(last, Record)
    assert (last.line, last.id) == (ROWS + 1, f"K{ROWS - 1}")
    assert peak < 20_000_000
    assert big_csv.stat().st_size > 3_000_000


def test_csv_rows_read_as_make_record_reads_them(tmp_path: Path) -> None:
    """The quick path for usual CSV rows gives what make_record gives, and hands every
    other row to it (so its messages stay the same)."""
    path = tmp_path / "c.csv"
    path.write_text(
        "id;region;name;amount;due_date;note\n"
        "K1;noord;Jan; € 1.234,56 ;22-11-2026;\n"
        "K2;zuid;Piet;12,50;2026-11-01;  met  spaties  \n"
        "K3;oost;Kees;1.234;22-11-2026;ambiguous amount\n"
        "K4;west;;1,00;22-11-2026;no name\n"
        "K5;west;Bep;1,00;31-02-2026;no such day\n"
        "K6;west;Bep\x07;1,00;01-02-2026;bell\n",
        encoding="utf-8",
    )
    header = ["id", "region", "name", "amount", "due_date", "note"]
    rows = [line.split(";") for line in path.read_text("utf-8").splitlines()[1:]]
    got = list(read_records(path))
    assert len(got) == len(rows) == 6
    for line, (item, row) in enumerate(zip(got, rows, strict=True), start=2):
        expected = records.make_record(dict(zip(header, row, strict=True)), path, line)
        assert type(item) is type(expected)
        if isinstance(item, Record):
            assert item == expected
        else:
            assert str(item) == str(expected)
    assert [type(i).__name__ for i in got] == ["Record", "Record"] + ["RecordError"] * 4
