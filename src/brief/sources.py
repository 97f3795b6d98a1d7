"""Customer records where they live: Excel workbooks and SQL databases.

:func:`brief.records.read_records` reads text files itself and hands these
to this module; each record goes through the same
:func:`~brief.records.make_record` as a CSV row, so the same fields are
required and typed the same way. Errors name the row, not a line:
``customers.xlsx: sheet 'Blad1' row 5: record 'K1': field 'amount': ...``,
``sqlite:///crm.db: query row 5: ...`` (see :class:`~brief.errors.Place`).

Workbooks (``.xlsx``) are read with openpyxl in read-only mode, a row at a
time: the first sheet, or the one named by ``sheet``. The first row that is
not empty is the header. A cell holds what Excel stores: a date cell is a
date, a number a number (read to Excel's 15 significant digits, so 278.4
is 278.40 as an amount and never 278.39999999999998), a formula the value
Excel computed and saved with it. A workbook written by a program that
computes nothing (openpyxl itself) has no saved value for its formulas:
such a cell reads as empty. An error cell (``#N/A``, ``#DIV/0!``) rejects
its record.

Databases: ``sqlite:///crm.db`` (relative to the current folder) or
``sqlite:////srv/crm.db`` (absolute) is opened with the standard library's
sqlite3, read-only (``mode=ro``, ``PRAGMA query_only``, and an authorizer
that allows reading and nothing else), and ``query`` must be one
``select``. Every other database URL goes through SQLAlchemy, the optional
extra ``brief[sql]``, imported only then; its transaction is rolled back,
never committed. A URL's password is never shown: every message and label
masks it (:func:`mask`).

Rows are fetched in small batches: memory does not grow with the number of
records.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from .errors import BriefError, Place, RecordError, RecordsFileError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_FETCH = 500  # rows fetched from a database at a time
WORKBOOKS = (".xlsx", ".xlsm")


@dataclass(frozen=True, repr=False)
class Source:
    """Where records live: a file (``location`` a path), one sheet of a workbook, or the
    rows of an SQL ``query`` on a database (``location`` its URL)."""

    location: str
    sheet: str | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        if is_url(self.location):
            if self.sheet is not None:
                raise BriefError("--sheet is for .xlsx workbooks, not for a database")
            if not self.query or not self.query.strip():
                raise BriefError(f'{mask(self.location)}: a database needs --query "select ..."')
            return
        if self.query is not None:
            raise BriefError(
                '--query is for a database: --records sqlite:///crm.db --query "select ..."'
            )
        if self.sheet is not None and Path(self.location).suffix.lower() not in WORKBOOKS:
            raise BriefError("--sheet is for .xlsx workbooks", path=self.location)

    def __str__(self) -> str:
        """The location as messages show it: a path, or a :class:`~brief.errors.Place`
        (``sqlite:///crm.db: query``, without a password) whose locations name the row."""
        if is_url(self.location):
            return Place(f"{mask(self.location)}: query")
        if Path(self.location).suffix.lower() in WORKBOOKS:
            return Place(f"{self.location}: {_sheet(self.sheet)}")
        return self.location

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value in (("sheet", self.sheet), ("query", self.query))
            if value is not None
        )
        shown = mask(self.location) if is_url(self.location) else self.location
        return f"Source({shown!r}{extra})"


def _sheet(name: str | None) -> str:
    return "first sheet" if name is None else f"sheet {name!r}"


def source(
    location: str | os.PathLike[str] | Source, *, sheet: str | None = None, query: str | None = None
) -> Source:
    """``location`` (a path, a database URL or a :class:`Source`) with ``sheet`` and
    ``query`` as one :class:`Source`."""
    if isinstance(location, Source):
        if sheet is None and query is None:
            return location
        return Source(location.location, sheet or location.sheet, query or location.query)
    return Source(os.fspath(location), sheet, query)


def is_url(location: str) -> bool:
    """Whether ``location`` is a database URL (``sqlite:///crm.db``), not a path."""
    return bool(_URL.match(location))


def mask(url: str) -> str:
    """``url`` as it may be shown: its password (and any ``password=`` parameter) as ``***``."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, host = netloc.rpartition("@")
            if ":" in userinfo:
                user = userinfo.split(":", 1)[0]
                netloc = f"{user}:***@{host}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(_secret(key) for key, _ in pairs):
                query = urlencode(
                    [(key, "***" if _secret(key) else value) for key, value in pairs], safe="*"
                )
        if (netloc, query) == (parts.netloc, parts.query):
            return url  # nothing secret (and sqlite:///crm.db keeps its three slashes)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:  # not even a URL: show the scheme only
        return url.split("://", 1)[0] + "://***"


def _secret(key: str) -> bool:
    return key.lower() in ("password", "pass", "pwd", "passwd", "secret", "token")


def _secrets(url: str) -> list[str]:
    """The secret parts of ``url``, as written and decoded, to blank out of messages."""
    found = []
    try:
        parts = urlsplit(url)
        if parts.password:
            found += [parts.password, unquote(parts.password)]
        found += [v for k, v in parse_qsl(parts.query) if _secret(k) and v]
    except ValueError:
        pass
    return [secret for secret in found if secret]


def _clean(message: str, url: str) -> str:
    """A driver's message on one line, without the URL's secrets."""
    line = " ".join(str(message).split())
    for secret in _secrets(url):
        line = line.replace(secret, "***")
    return line


# -- values ------------------------------------------------------------------------


class BadValue(ValueError):
    """A cell or column value no record may hold (an Excel error, binary data)."""


def excel_number(value: float) -> Decimal:
    """A number as Excel shows it: 15 significant digits, so 278.4 is 278.4 and the
    float noise of a formula (0.30000000000000004) goes."""
    return Decimal(format(value, ".15g"))


def _is_amount(name: str) -> bool:
    return name == "amount" or name.endswith("_amount")


def _cents(name: str, value: Any) -> Any:
    """An amount with fewer than two decimals gets two (278.4 -> 278.40, 100 -> 100.00)."""
    if _is_amount(name) and isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if _is_amount(name) and isinstance(value, Decimal) and value.is_finite():
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent > -2:
            return value.quantize(Decimal("0.01"))
    return value


# -- workbooks ---------------------------------------------------------------------


def read_workbook(
    path: Path, sheet: str | None, make: Callable[[dict[str, Any], str, int], Any]
) -> Iterator[Any]:
    """Every record of one sheet of the workbook at ``path``; ``make`` is
    :func:`~brief.records.make_record`."""
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # What a damaged or hostile workbook raises: not a zip, a part missing, broken or
    # compressed XML, an entity bomb (refused by expat's amplification limit).
    damaged = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ParseError)
    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (*damaged, InvalidFileException, ValueError, TypeError) as err:
        raise RecordsFileError(
            f"not an Excel workbook (.xlsx) ({_one_line(err)})", path=path
        ) from None
    try:
        names = book.sheetnames
        if sheet is None:
            if not names:
                raise RecordsFileError("the workbook has no sheets", path=path)
            sheet = names[0]
        elif sheet not in names:
            known = ", ".join(repr(name) for name in names)
            raise RecordsFileError(f"no sheet {sheet!r} (the workbook has {known})", path=path)
        worksheet = book[sheet]
        if not hasattr(worksheet, "reset_dimensions"):  # a chart sheet
            raise RecordsFileError(f"sheet {sheet!r} is a chart, not a table", path=path)
        worksheet.reset_dimensions()  # the stored size is often wrong: read every row
        place = Place(f"{path}: sheet {sheet!r}")
        try:
            yield from _sheet_records(worksheet.iter_rows(), place, make)
        except damaged as err:
            raise RecordsFileError(f"damaged sheet ({_one_line(err)})", path=place) from None
    finally:
        book.close()


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _sheet_records(
    rows: Iterable[Sequence[Any]], place: Place, make: Callable[[dict[str, Any], str, int], Any]
) -> Iterator[Any]:
    from openpyxl.utils import get_column_letter

    header: list[str] | None = None
    for number, cells in enumerate(rows, start=1):
        values = [_cell(cell) for cell in cells]
        if all(_blank(value) for value in values):
            continue
        if header is None:
            header = _sheet_header(values, place, number, get_column_letter)
            continue
        fields: dict[str, Any] = {}
        problem: tuple[str, str | None] | None = None
        for column, value in enumerate(values):
            if _blank(value):
                continue
            if column >= len(header):
                problem = (
                    f"a value in column {get_column_letter(column + 1)}, "
                    "which has no name in the header",
                    None,
                )
                continue
            name = header[column]
            if isinstance(value, BadValue):
                problem = problem or (str(value), name)
                continue
            fields[name] = _cents(name, value)
        if problem is not None:
            yield _row_error(problem, place, number, fields)
            continue
        yield make(fields, place, number)
    if header is None:
        raise RecordsFileError("empty sheet: no header row", path=place)


def _cell(cell: Any) -> Any:
    """A worksheet cell's value as a record holds it."""
    value = cell.value
    if value is None:
        return None
    kind = getattr(cell, "data_type", "n")
    if kind == "e":
        return BadValue(f"an Excel error value ({value})")
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return excel_number(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.time | dt.timedelta):
        return BadValue(f"a time ({value}), not a date or text")
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_header(
    values: list[Any], place: Place, row: int, letter: Callable[[int], str]
) -> list[str]:
    while values and _blank(values[-1]):  # formatted but empty cells right of the table
        values.pop()
    header: list[str] = []
    for column, value in enumerate(values, start=1):
        if _blank(value):
            raise RecordsFileError(
                f"column {letter(column)} has no name in the header", path=place, line=row
            )
        if isinstance(value, BadValue):
            raise RecordsFileError(
                f"column {letter(column)}: {value} in the header", path=place, line=row
            )
        name = str(value).strip()
        if name in header:
            raise RecordsFileError(
                f"column {name!r} appears twice in the header", path=place, line=row
            )
        header.append(name)
    return header


# -- databases -------------------------------------------------------------------


def read_query(
    url: str, query: str, make: Callable[[dict[str, Any], str, int], Any]
) -> Iterator[Any]:
    """Every row of ``query`` on the database at ``url`` as a record."""
    place = Place(f"{mask(url)}: query")
    scheme = url.split("://", 1)[0].lower()
    rows = _sqlite_rows(url, query) if scheme == "sqlite" else _sqlalchemy_rows(url, query)
    columns = next(rows)
    for number, row in enumerate(rows, start=1):
        fields: dict[str, Any] = {}
        problem: tuple[str, str] | None = None
        for name, value in zip(columns, row, strict=True):
            if value is None:
                continue
            if isinstance(value, bytes | bytearray | memoryview):
                problem = problem or ("binary data (a BLOB), not text or a number", name)
                continue
            if isinstance(value, float):
                value = Decimal(repr(value))
            elif isinstance(value, dt.datetime) and value.time() == dt.time():
                value = value.date()
            fields[name] = _cents(name, value)
        if problem is not None:
            yield _row_error(problem, place, number, fields)
            continue
        yield make(fields, place, number)


def _columns(names: Iterable[Any], place: str) -> list[str]:
    columns: list[str] = []
    for name in names:
        text = str(name).strip()
        if text in columns:
            raise RecordsFileError(
                f"column {text!r} appears twice in the query's result (name it with AS)",
                path=place,
            )
        columns.append(text)
    return columns


# What a read-only query may do: read tables, call functions, select, recurse.
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, 33}  # RECURSIVE


def _authorize(action: int, *_: object) -> int:
    return sqlite3.SQLITE_OK if action in _ALLOWED else sqlite3.SQLITE_DENY


def sqlite_path(url: str) -> Path:
    """The file of ``sqlite:///relative.db`` or ``sqlite:////absolute.db``."""
    rest = url.split("://", 1)[1]
    if not rest.startswith("/") or rest in ("/", ""):
        raise BriefError(
            f"{mask(url)}: name a database file (sqlite:///crm.db, or sqlite:////srv/crm.db "
            "for an absolute path)"
        )
    name = unquote(rest[1:].split("?", 1)[0])
    if not name or name == ":memory:":
        raise BriefError(f"{mask(url)}: name a database file, not an in-memory database")
    return Path(name)


def _sqlite_rows(url: str, query: str) -> Iterator[Any]:
    path = sqlite_path(url)
    label = mask(url)
    if not path.is_file():
        raise RecordsFileError(f"database not found ({path})", path=label)
    try:
        db = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, check_same_thread=False
        )
    except sqlite3.Error as err:
        raise RecordsFileError(f"cannot open the database: {_one_line(err)}", path=label) from None
    try:
        try:
            db.execute("PRAGMA query_only = 1")
            db.set_authorizer(_authorize)
            cursor = db.execute(query)
        except sqlite3.ProgrammingError as err:  # more than one statement
            raise RecordsFileError(
                f"{_one_line(err).rstrip('.')} (give one select)", path=f"{label}: query"
            ) from None
        except sqlite3.DatabaseError as err:
            raise RecordsFileError(_query_problem(err), path=f"{label}: query") from None
        if cursor.description is None:
            raise RecordsFileError(
                "the query returns no rows (give one select)", path=f"{label}: query"
            )
        yield _columns((column[0] for column in cursor.description), f"{label}: query")
        try:
            while batch := cursor.fetchmany(_FETCH):
                yield from batch
        except sqlite3.DatabaseError as err:
            raise RecordsFileError(_query_problem(err), path=f"{label}: query") from None
    finally:
        db.close()


def _query_problem(err: sqlite3.Error) -> str:
    message = _one_line(err)
    if "not authorized" in message or "readonly" in message or "query_only" in message:
        return f"{message}: the query may only read (one select)"
    return message


def _sqlalchemy_rows(url: str, query: str) -> Iterator[Any]:
    label = mask(url)
    scheme = url.split("://", 1)[0]
    try:
        import sqlalchemy
    except ImportError:
        raise BriefError(
            f"{label}: a {scheme} database needs SQLAlchemy: pip install 'brief[sql]' "
            "(sqlite:/// works without it)"
        ) from None
    try:
        engine = sqlalchemy.create_engine(url)
    except ImportError as err:  # the driver for this database is not installed
        raise BriefError(
            f"{label}: the {scheme} driver is not installed ({_clean(str(err), url)}); "
            "install it with pip"
        ) from None
    except (sqlalchemy.exc.ArgumentError, ValueError) as err:
        raise BriefError(f"{label}: not a database URL ({_clean(str(err), url)})") from None
    try:
        with engine.connect() as connection:
            try:
                result = connection.execution_options(stream_results=True).execute(
                    sqlalchemy.text(query)
                )
                if not result.returns_rows:
                    raise RecordsFileError(
                        "the query returns no rows (give one select)", path=f"{label}: query"
                    )
                yield _columns(result.keys(), f"{label}: query")
                while batch := result.fetchmany(_FETCH):
                    yield from batch
            finally:
                connection.rollback()  # whatever the query did, nothing is committed
    except sqlalchemy.exc.DBAPIError as err:
        raise RecordsFileError(
            _clean(str(err.orig), url) if err.orig is not None else _clean(str(err), url),
            path=f"{label}: query",
        ) from None
    except sqlalchemy.exc.SQLAlchemyError as err:
        raise RecordsFileError(_clean(str(err).split("\n")[0], url), path=label) from None
    finally:
        engine.dispose()


def _row_error(
    problem: tuple[str, str | None], place: Place, number: int, fields: dict[str, Any]
) -> RecordError:
    """The first ``(message, field)`` problem of a sheet's or a query's row, naming the row
    and, when it has one, the record's id."""
    found = fields.get("id")
    return RecordError(
        problem[0],
        path=place,
        line=number,
        record=str(found).strip() if found is not None else None,
        field=problem[1],
    )
