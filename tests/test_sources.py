"""Records where they live: real .xlsx workbooks written by openpyxl, real SQLite files.

Read through :func:`brief.read_records`, as every command does; every message a user can
see is asserted whole.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

import brief
from brief.errors import BriefError, Place, RecordError, RecordsFileError
from brief.records import Record
from brief.sources import mask, source

HEADER = ["id", "region", "name", "email", "amount", "due_date"]


def workbook(path: Path, *rows: list[object], title: str = "Blad1", more: bool = False) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if more:
        other = book.create_sheet("Noord")
        other.append(HEADER)
        other.append(["N1", "noord", "Nel", None, 12.5, None])
    book.save(path)
    return path


def read(path: object, **options: str) -> list[Record | RecordError]:
    return list(brief.read_records(path, **options))  # type: ignore[arg-type]


def fields(item: Record | RecordError) -> dict[str, object]:
    assert isinstance(item, Record), str(item)
    return dict(item.fields)


# -- workbooks -----------------------------------------------------------------------------


def test_a_workbook_holds_dates_and_numbers_as_excel_stores_them(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "klanten.xlsx",
        [*HEADER, "postcode", "instalments"],
        ["K1", "noord", "Anna", "anna@example.nl", 278.4, dt.date(2026, 11, 1), 4331, 6],
        ["K2", "zuid", "Jan", None, 100, dt.datetime(2026, 11, 15), None, None],
        ["K3", "zuid", "Piet", None, 0.1 + 0.2, "15-11-2026", None, None],
        [1004, "noord", "Mien", None, "1.234,56", None, None, None],
    )

    items = read(path)

    first = fields(items[0])
    assert first == {
        "id": "K1",
        "region": "noord",
        "name": "Anna",
        "email": "anna@example.nl",
        "amount": Decimal("278.40"),
        "due_date": dt.date(2026, 11, 1),
        "postcode": 4331,
        "instalments": 6,
    }
    assert str(first["amount"]) == "278.40"  # never 278.39999999999998
    assert str(fields(items[1])["amount"]) == "100.00"  # an integer amount cell
    assert fields(items[1])["due_date"] == dt.date(2026, 11, 15)  # a date cell, a datetime
    assert str(fields(items[2])["amount"]) == "0.30"  # Excel's 15 digits, not 0.30000000000000004
    assert fields(items[2])["due_date"] == dt.date(2026, 11, 15)  # text, read as in a CSV
    assert fields(items[3])["id"] == "1004"
    assert fields(items[3])["amount"] == Decimal("1234.56")
    assert [(item.path, item.line) for item in items] == [
        (f"{path}: sheet 'Blad1'", row) for row in (2, 3, 4, 5)
    ]
    assert isinstance(items[0].path, Place)


def test_bad_rows_name_their_sheet_and_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    workbook(
        tmp_path / "customers.xlsx",
        [],  # an empty first row: the header is the first row with something in it
        HEADER,
        ["K1", "noord", "Anna", None, 10, None],
        ["K2", "noord", "Jan", None, "12,3x", None],
        [None, None, "   ", None, None, None],  # empty: skipped, the numbers stay right
        ["K3", None, "Piet", None, 5, None],
        ["K4", "zuid", "Mien", None, 5, None, "stray"],
        ["K5", "zuid", "Kees", None, "#N/A", None],
        ["K6", "zuid", "Joop", None, 5, 46327],
        ["K7", "zuid", "Line\nbreak", None, 5, None],
        ["K8", "zuid", "Ria", None, None, None],
        title="Blad1",
    )

    items = read("customers.xlsx")

    assert [str(item) for item in items if isinstance(item, RecordError)] == [
        "customers.xlsx: sheet 'Blad1' row 4: record 'K2': field 'amount': "
        "'12,3x' is not an amount (write 1234.56 or 1.234,56)",
        "customers.xlsx: sheet 'Blad1' row 6: record 'K3': field 'region': "
        "required field is missing",
        "customers.xlsx: sheet 'Blad1' row 7: record 'K4': "
        "a value in column G, which has no name in the header",
        "customers.xlsx: sheet 'Blad1' row 8: record 'K5': field 'amount': "
        "an Excel error value (#N/A)",
        "customers.xlsx: sheet 'Blad1' row 9: record 'K6': field 'due_date': "
        "'46327' is not a date (write 2026-11-22 or 22-11-2026)",
        "customers.xlsx: sheet 'Blad1' row 10: record 'K7': field 'name': contains a line break",
    ]
    assert [(item.id, item.line) for item in items if isinstance(item, Record)] == [
        ("K1", 3),
        ("K8", 11),
    ]


def test_a_formula_cell_is_the_value_excel_saved_with_it(tmp_path: Path) -> None:
    """Excel saves a formula's value with it; openpyxl (like any program that computes
    nothing) saves none, and such a cell reads as empty."""
    path = workbook(
        tmp_path / "c.xlsx",
        HEADER,
        ["K1", "noord", "Anna", None, "=100+178.4", None],
        ["K2", "noord", '="Jan"', None, 5, None],
    )
    items = read(path)
    assert "amount" not in fields(items[0])  # no saved value: empty
    assert str(items[1]) == (
        f"{path}: sheet 'Blad1' row 3: record 'K2': field 'name': required field is missing"
    )

    saved = tmp_path / "saved.xlsx"  # as Excel writes it: the formula and its value
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(saved, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                assert "<f>100+178.4</f><v />" in text
                text = text.replace("<f>100+178.4</f><v />", "<f>100+178.4</f><v>278.4</v>")
                data = text.encode("utf-8")
            new.writestr(info, data)
    assert str(fields(read(saved)[0])["amount"]) == "278.40"


def test_sheet_chooses_the_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    workbook(
        tmp_path / "c.xlsx", HEADER, ["K1", "zuid", "Anna", None, 1, None], title="Zuid", more=True
    )

    assert [item.id for item in read("c.xlsx") if isinstance(item, Record)] == ["K1"]
    noord = read("c.xlsx", sheet="Noord")
    assert [(item.path, item.line) for item in noord] == [("c.xlsx: sheet 'Noord'", 2)]

    with pytest.raises(RecordsFileError) as err:
        read("c.xlsx", sheet="West")
    assert str(err.value) == "c.xlsx: no sheet 'West' (the workbook has 'Zuid', 'Noord')"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "c.xlsx: sheet 'Blad1': empty sheet: no header row"),
        (
            [["id", "region", None, "name"]],
            "c.xlsx: sheet 'Blad1' row 1: column C has no name in the header",
        ),
        (
            [[None], ["id", "name", "region", "name"]],
            "c.xlsx: sheet 'Blad1' row 2: column 'name' appears twice in the header",
        ),
    ],
)
def test_a_sheet_without_a_usable_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[object]], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    workbook(tmp_path / "c.xlsx", *rows)
    with pytest.raises(RecordsFileError) as err:
        read("c.xlsx")
    assert str(err.value) == message


def test_empty_header_cells_right_of_the_table_are_ignored(tmp_path: Path) -> None:
    path = workbook(tmp_path / "c.xlsx", [*HEADER, None, ""], ["K1", "zuid", "A", None, 1, None])
    assert fields(read(path)[0])["id"] == "K1"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.xlsx", b"id;region;name\n", "c.xlsx: not an Excel workbook (.xlsx) (File is not a zip file)"),
        ("c.xls", b"\xd0\xcf\x11\xe0", "c.xls: an Excel 97-2003 workbook (.xls): save it as .xlsx (Excel workbook)"),
    ],
)  # fmt: skip
def test_not_a_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(content)
    with pytest.raises(RecordsFileError) as err:
        read(name)
    assert str(err.value) == message


def test_options_that_do_not_go_with_the_source(tmp_path: Path) -> None:
    workbook(tmp_path / "c.xlsx", HEADER)
    cases = [
        (("c.csv",), {"sheet": "Blad1"}, "c.csv: --sheet is for .xlsx workbooks"),
        (("c.csv",), {"query": "select 1"}, '--query is for a database: --records sqlite:///crm.db --query "select ..."'),
        (("sqlite:///crm.db",), {}, 'sqlite:///crm.db: a database needs --query "select ..."'),
        (("sqlite:///crm.db",), {"query": " "}, 'sqlite:///crm.db: a database needs --query "select ..."'),
        (("sqlite:///crm.db",), {"query": "select 1", "sheet": "x"}, "--sheet is for .xlsx workbooks, not for a database"),
    ]  # fmt: skip
    for args, options, message in cases:
        with pytest.raises(BriefError) as err:
            source(*args, **options)
        assert str(err.value) == message
    with pytest.raises(BriefError) as err:
        read(tmp_path / "c.xlsx", encoding="cp1252")
    assert (
        str(err.value) == f"{tmp_path / 'c.xlsx'}: --encoding is for text files, not for a workbook"
    )


# -- SQLite -----------------------------------------------------------------------------------


def crm(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE klanten (id, region, name, email, amount, due_date, photo)")
    db.executemany(
        "INSERT INTO klanten VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            ("K1", "noord", "Anna", "anna@example.nl", 278.4, "2026-11-01", None),
            ("K2", "noord", None, None, 10, None, None),
            ("K3", "zuid", "Piet", None, "12,3x", None, None),
            (1004, "zuid", "Mien", None, "1.234,56", "15-11-2026", None),
            ("K5", "zuid", "Kees", None, 5, None, b"\x89PNG"),
        ],
    )
    db.commit()
    db.close()
    return path


def test_the_rows_of_a_query_are_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    crm(tmp_path / "crm.db")

    items = read("sqlite:///crm.db", query="SELECT * FROM klanten ORDER BY rowid")

    assert fields(items[0]) == {
        "id": "K1",
        "region": "noord",
        "name": "Anna",
        "email": "anna@example.nl",
        "amount": Decimal("278.40"),
        "due_date": dt.date(2026, 11, 1),
    }
    assert str(fields(items[0])["amount"]) == "278.40"
    assert fields(items[3])["id"] == "1004"
    assert fields(items[3])["amount"] == Decimal("1234.56")
    assert [str(item) for item in items if isinstance(item, RecordError)] == [
        "sqlite:///crm.db: query row 2: record 'K2': field 'name': required field is missing",
        "sqlite:///crm.db: query row 3: record 'K3': field 'amount': "
        "'12,3x' is not an amount (write 1234.56 or 1.234,56)",
        "sqlite:///crm.db: query row 5: record 'K5': field 'photo': "
        "binary data (a BLOB), not text or a number",
    ]
    absolute = read(f"sqlite:///{tmp_path / 'crm.db'}", query="SELECT * FROM klanten LIMIT 1")
    assert fields(absolute[0])["id"] == "K1"  # sqlite:////tmp/.../crm.db


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM klanten",
        "UPDATE klanten SET name = 'x'",
        "INSERT INTO klanten (id) VALUES ('K9')",
        "DROP TABLE klanten",
        "CREATE TABLE t (a)",
        "PRAGMA query_only = 0",
        "ATTACH 'other.db' AS other",
        "SELECT * FROM klanten WHERE id IN (SELECT id FROM pragma_table_info('klanten'))",
    ],
)
def test_a_query_can_only_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    monkeypatch.chdir(tmp_path)
    crm(tmp_path / "crm.db")
    before = (tmp_path / "crm.db").read_bytes()

    with pytest.raises(RecordsFileError) as err:
        read("sqlite:///crm.db", query=query)

    assert str(err.value) == (
        "sqlite:///crm.db: query: not authorized: the query may only read (one select)"
    )
    assert (tmp_path / "crm.db").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.db"]


@pytest.mark.parametrize(
    ("url", "query", "message"),
    [
        ("sqlite:///crm.db", "SELEC * FROM klanten", 'sqlite:///crm.db: query: near "SELEC": syntax error'),
        ("sqlite:///crm.db", "SELECT * FROM nope", "sqlite:///crm.db: query: no such table: nope"),
        ("sqlite:///crm.db", "SELECT 1; DELETE FROM klanten", "sqlite:///crm.db: query: You can only execute one statement at a time (give one select)"),
        ("sqlite:///crm.db", "SELECT id, name AS id FROM klanten", "sqlite:///crm.db: query: column 'id' appears twice in the query's result (name it with AS)"),
        ("sqlite:///gone.db", "SELECT 1", "sqlite:///gone.db: database not found (gone.db)"),
        ("sqlite:///notes.txt", "SELECT * FROM klanten", "sqlite:///notes.txt: query: file is not a database"),
    ],
)  # fmt: skip
def test_query_problems_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, query: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    crm(tmp_path / "crm.db")
    (tmp_path / "notes.txt").write_text("not a database, but long enough to be read as one\n" * 20)
    with pytest.raises(BriefError) as err:
        read(url, query=query)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite://", "sqlite://: name a database file (sqlite:///crm.db, or sqlite:////srv/crm.db for an absolute path)"),
        ("sqlite:///:memory:", "sqlite:///:memory:: name a database file, not an in-memory database"),
    ],
)  # fmt: skip
def test_a_sqlite_url_names_a_file(url: str, message: str) -> None:
    with pytest.raises(BriefError) as err:
        read(url, query="SELECT 1")
    assert str(err.value) == message


def test_sqlalchemy_reads_any_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every URL but sqlite:// goes through SQLAlchemy (the extra brief[sql]); here its own
    SQLite driver, so that the test needs no server."""
    monkeypatch.chdir(tmp_path)
    crm(tmp_path / "crm.db")

    items = read("sqlite+pysqlite:///crm.db", query="SELECT * FROM klanten ORDER BY rowid")

    assert fields(items[0])["amount"] == Decimal("278.40")
    assert str(items[1]) == (
        "sqlite+pysqlite:///crm.db: query row 2: record 'K2': field 'name': "
        "required field is missing"
    )
    before = (tmp_path / "crm.db").read_bytes()
    with pytest.raises(RecordsFileError) as err:
        read("sqlite+pysqlite:///crm.db", query="DELETE FROM klanten")
    assert str(err.value) == (
        "sqlite+pysqlite:///crm.db: query: the query returns no rows (give one select)"
    )
    assert (tmp_path / "crm.db").read_bytes() == before  # rolled back, never committed
    with pytest.raises(RecordsFileError) as err:
        read("sqlite+pysqlite:///crm.db", query="SELEC 1")
    assert str(err.value) == 'sqlite+pysqlite:///crm.db: query: near "SELEC": syntax error'


def test_a_password_is_never_shown() -> None:
    with pytest.raises(BriefError) as err:
        read("mysql://brief:s3cr%40t@db.example/crm", query="SELECT 1")
    assert str(err.value) == (
        "mysql://brief:***@db.example/crm: the mysql driver is not installed "
        "(No module named 'MySQLdb'); install it with pip"
    )
    assert mask("postgresql://brief:s3cret@db.example:5432/crm") == (
        "postgresql://brief:***@db.example:5432/crm"
    )
    assert mask("mssql+pyodbc://db.example/crm?user=b&password=s3cret&x=1") == (
        "mssql+pyodbc://db.example/crm?user=b&password=***&x=1"
    )
    assert mask("sqlite:///crm.db") == "sqlite:///crm.db"
    assert repr(source("postgresql://b:s3cret@h/crm", query="SELECT 1")) == (
        "Source('postgresql://b:***@h/crm', query='SELECT 1')"
    )


def test_cells_that_are_not_text_dates_or_numbers(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "c.xlsx",
        [*HEADER, "large_print", "call_at"],
        ["K1", "noord", "Anna", None, 1, None, True, None],
        ["K2", "noord", "Jan", None, 1, None, "nee", dt.time(17, 30)],
    )
    items = read(path)
    assert fields(items[0])["large_print"] is True  # a TRUE cell
    assert str(items[1]) == (
        f"{path}: sheet 'Blad1' row 3: record 'K2': field 'call_at': "
        "a time (17:30:00), not a date or text"
    )


def test_a_duplicate_id_names_the_row_it_was_first_seen_on(project: Path, cli) -> None:
    workbook(
        project / "c.xlsx",
        HEADER,
        ["K1", "noord", "Anna", "anna@example.nl", 1, None],
        ["K1", "zuid", "Jan", "jan@example.nl", 2, None],
    )

    result = cli("render", "-r", "c.xlsx", "-t", "herinnering", "-o", "out")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "Error: c.xlsx: sheet 'Blad1' row 3: record 'K1': field 'id': "
        "duplicate id (first seen on row 2)"
    )


def replace_sheet(path: Path, change: object) -> Path:
    """``path`` with its first sheet's XML passed through ``change``, as ``bad.xlsx``."""
    bad = path.with_name("bad.xlsx")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode("utf-8")).encode("utf-8")  # type: ignore[operator]
            new.writestr(info, data)
    return bad


def test_a_damaged_or_hostile_workbook_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = workbook(tmp_path / "c.xlsx", HEADER, ["K1", "noord", "Anna", None, 1, None])
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)).replace(
        "&lol0;", "lol"
    )
    bomb = replace_sheet(
        path,
        lambda xml: (
            f"<!DOCTYPE worksheet [{entities}]>" + xml.replace("<t>Anna</t>", "<t>&lol9;</t>")
        ),
    )
    with pytest.raises(RecordsFileError) as err:
        read(bomb.name)
    assert str(err.value).startswith(
        "bad.xlsx: sheet 'Blad1': damaged sheet (limit on input amplification factor "
        "(from DTD and entities) breached"
    )  # a billion laughs: expat refuses to expand them

    cut = replace_sheet(path, lambda xml: xml[: len(xml) // 2])
    with pytest.raises(RecordsFileError) as err:
        read(cut.name)
    assert str(err.value).startswith("bad.xlsx: sheet 'Blad1': damaged sheet (")

    (tmp_path / "half.xlsx").write_bytes(path.read_bytes()[:2000])
    with pytest.raises(RecordsFileError) as err:
        read("half.xlsx")
    assert str(err.value) == "half.xlsx: not an Excel workbook (.xlsx) (File is not a zip file)"


def test_the_demo_workbook_holds_the_demo_customers(demo: Path) -> None:
    """examples/customers.xlsx (tools/build_demo_workbook.py) against examples/customers.csv:
    the same records, typed the same, and the same letters from every template that needs
    no earlier letter."""

    def typed(item: Record | RecordError) -> dict[str, object]:
        return {
            name: value if isinstance(value, Decimal | dt.date) else str(value)
            for name, value in fields(item).items()
        }

    from_csv = read("examples/customers.csv")
    from_sheet = read("examples/customers.xlsx", sheet="Klanten")
    assert [typed(item) for item in from_sheet] == [typed(item) for item in from_csv]
    assert len(from_csv) == 20

    project = brief.Project.open(demo)
    for template in ("betalingsherinnering", "betalingsregeling", "bedankt"):
        letters = [
            [
                (letter.record.id, letter.channel, letter.subject, letter.text, letter.html)
                for letter in project.render_many(
                    records, template=template, date="2026-11-22", check=False
                )
                if isinstance(letter, brief.Letter)
            ]
            for records in (from_csv, from_sheet)
        ]
        assert len(letters[0]) == 20
        assert letters[1] == letters[0], template
