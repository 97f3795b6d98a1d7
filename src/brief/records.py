"""Customer records from CSV, JSON, JSON Lines, YAML, Excel and SQL, one at a time.

:func:`read_records` streams a file and yields, for every record in it,
either a :class:`Record` (clean, typed fields) or a :class:`RecordError`
saying why that record cannot be used. A file that cannot be read at all
raises :class:`RecordsFileError`. Memory does not grow with the number of
records. Workbooks and databases are read by :mod:`brief.sources`.

Field conventions, the same for every format:

- names are stripped of surrounding spaces; empty values count as absent;
- ``id``, ``region`` and ``name`` are required;
- ``amount`` and fields ending in ``_amount`` are amounts (``1234.56``,
  ``1.234,56``, ``€ 1234,56``) and become :class:`decimal.Decimal`;
- ``date`` and fields ending in ``_date`` are dates (``2026-11-22``,
  ``22-11-2026``, ``22/11/2026``) and become :class:`datetime.date`;
- no value may hold a control character such as a line break.

Preferences, optional fields brief knows (see :data:`PREFERENCES`):

- ``channel``: ``email`` or ``post``, how the customer wants to hear from
  us; ``email`` needs an ``email`` address in the record;
- ``address``: ``u`` or ``je``, overriding the region's form of address;
- ``language`` (``nl`` or ``en``) and ``contact`` (a staff id), checked
  against the project when the letter is made;
- ``large_print``: a yes or no (``true``/``false``, ``ja``/``nee``,
  ``yes``/``no``, ``1``/``0``), becomes a boolean;
- ``notes``: free text a template may show ("belt liever na 17:00").
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from .errors import BriefError, Place, RecordError, RecordsFileError

if TYPE_CHECKING:
    from .sources import Source

REQUIRED = ("id", "region", "name")
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_CHUNK = 1 << 16
#: Optional fields with a meaning for brief, and what each holds.
PREFERENCES = {
    "channel": "email or post",
    "address": "u or je (the form of address; overrides the region's)",
    "language": "nl or en (overrides the region's)",
    "contact": "a staff id: the customer's own contact person, who signs",
    "large_print": "yes or no: letters in large print",
    "notes": "free text for whoever writes or calls",
}
CHANNELS = ("email", "post")
ADDRESSES = ("u", "je")
_YES = {"true": True, "ja": True, "yes": True, "1": True, "j": True, "y": True}
_NO = {"false": False, "nee": False, "no": False, "0": False, "n": False}
_FLAGS = {**_YES, **_NO}

Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Record:
    """One customer, with the file and line it came from."""

    path: str
    line: int
    fields: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.fields["id"])

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def error(self, message: str, field: str | None = None) -> RecordError:
        """A :class:`RecordError` about this record (and one of its fields)."""
        return RecordError(message, path=self.path, line=self.line, record=self.id, field=field)

    def line_name(self, line: int) -> str:
        """Another line of the same source in words: ``line 7`` of a file, ``row 7`` of a
        sheet or a query's result."""
        return f"row {line}" if isinstance(self.path, Place) else f"line {line}"


#: Where records can come from: a file's path, a database URL, or a :class:`Source`.
Records: TypeAlias = "str | os.PathLike[str] | Source"


def read_records(
    path: Records,
    *,
    encoding: str | None = None,
    warn: Warn | None = None,
    sheet: str | None = None,
    query: str | None = None,
) -> Iterator[Record | RecordError]:
    """Yield every record of ``path`` as a :class:`Record` or a :class:`RecordError`.

    ``path`` is a records file (CSV, JSON, JSON Lines, YAML, an ``.xlsx``
    workbook, of which ``sheet`` or else the first sheet), a database URL
    (``sqlite:///crm.db``) with the ``query`` whose rows are the records, or
    a :class:`~brief.sources.Source` saying all that.
    """
    from .sources import is_url, read_query, read_workbook, source

    where = source(path, sheet=sheet, query=query)  # checks that they go together
    if is_url(where.location):
        assert where.query is not None
        if encoding is not None:
            raise BriefError("--encoding is for text files, not for a database")
        yield from read_query(where.location, where.query, make_record)
        return
    path = Path(where.location)
    if path.suffix.lower() == ".xls":
        raise RecordsFileError(
            "an Excel 97-2003 workbook (.xls): save it as .xlsx (Excel workbook)", path=path
        )
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(FORMATS))
        raise RecordsFileError(f"unknown records format {path.suffix!r} (use {known})", path=path)
    if not path.is_file():
        raise RecordsFileError("file not found", path=path)
    if kind == "xlsx" and encoding is not None:
        raise BriefError("--encoding is for text files, not for a workbook", path=path)
    warn = warn or (lambda message: None)
    if kind == "xlsx":
        items = read_workbook(path, where.sheet, make_record)
    elif kind == "csv":
        items = (item for _, item in _read_csv(path, encoding, warn))
    elif kind == "json":
        items = _read_json(path, encoding)
    elif kind == "jsonl":
        items = _read_jsonl(path, encoding)
    else:
        items = _read_yaml(path, encoding)
    yield from _watched(path, encoding, items)


def csv_file(records: Records) -> Path | None:
    """The CSV or TSV file ``records`` names, or None for any other source."""
    from .sources import is_url, source

    location = source(records).location
    if is_url(location) or FORMATS.get(Path(location).suffix.lower()) != "csv":
        return None
    return Path(location)


def read_csv_part(
    path: Path,
    *,
    encoding: str | None,
    identity: tuple[int, int, int, int],
    keep: Callable[[int], bool],
) -> Iterator[tuple[int, Record | RecordError]]:
    """The records of the CSV file ``path`` whose number (0-based, counting every record
    :func:`read_records` yields) ``keep`` accepts, with that number: what one of several
    processes that share a file's records reads. Every row is parsed, so that the numbers
    and lines are the same as for the whole file; only the kept ones become records.

    ``identity`` is the file's :func:`file_identity` when the batch began: a file that
    changed since is :class:`ChangedWhileRead`, like one that changes while it is read.
    Header warnings are not repeated (whoever read the file first gave them)."""
    if file_identity(path) != identity:
        raise _changed(path)
    yield from _watched(path, encoding, _read_csv(path, encoding, lambda message: None, keep))


def _watched(path: Path, encoding: str | None, items: Iterator[Any]) -> Iterator[Any]:
    """``items`` read from the file ``path``, which must not change meanwhile; the errors
    of reading it as :class:`RecordsFileError`."""
    try:
        before = file_identity(path)
        yield from items
        if file_identity(path) != before:
            raise _changed(path)
    except OSError as err:
        raise RecordsFileError(f"cannot read: {err.strerror or err}", path=path) from None
    except UnicodeError as err:  # a codec that refuses the file as a whole (UTF-16 without BOM)
        chosen = encoding or "the detected encoding"
        raise RecordsFileError(
            f"cannot decode as {chosen} ({err}); check --encoding", path=path
        ) from None


class ChangedWhileRead(RecordsFileError):
    """The records file was written to (rows appended, replaced) while brief read it."""

    exit_code = 1


def _changed(path: Path) -> ChangedWhileRead:
    return ChangedWhileRead(
        "changed while it was read (its size, modification time or inode differ); "
        "nothing was written: run again once nothing writes to it",
        path=path,
    )


def file_identity(path: Path) -> tuple[int, int, int, int]:
    """What tells a file apart from itself after a write: size, time, inode, device."""
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev


# -- fields ---------------------------------------------------------------


# Unicode category Cc (C0 and C1 control characters) and the line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _control_char(value: str) -> str | None:
    found = _CONTROL.search(value)
    if found is None:
        return None
    char = found.group()
    if char in "\r\n\u2028\u2029":
        return "a line break"
    if char == "\t":
        return "a tab"
    return f"a control character (U+{ord(char):04X})"


_AMOUNT = re.compile(r"[+-]?(\d+|\d{1,3}([.,]\d{3})+)([.,]\d+)?")
_THOUSANDS_HEAD = re.compile(r"[+-]?[1-9]\d{0,2}")


def parse_amount(text: str) -> Decimal:
    """Read an amount as exported by Dutch or English software.

    ``1234.56``, ``1234,56``, ``1.234,56``, ``1,234.56`` and ``€ 1.234,56``
    are all 1234.56. ``1.234`` and ``1,234`` are ambiguous (a thousands
    separator or a decimal mark?) and rejected; ``1234.567`` and ``0,125``
    are not (no thousands group looks like that).
    """
    cleaned = text.replace("€", "").replace("EUR", "")
    for space in (" ", "\u00a0", "\u202f"):
        cleaned = cleaned.replace(space, "")
    not_an_amount = ValueError(f"{text!r} is not an amount (write 1234.56 or 1.234,56)")
    if not _AMOUNT.fullmatch(cleaned):
        raise not_an_amount
    last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_mark = "." if last_dot > last_comma else ","
        if cleaned.count(decimal_mark) > 1:  # 1,234.567.89: separators mixed up
            raise not_an_amount
    elif last_dot >= 0 or last_comma >= 0:
        mark = "." if last_dot >= 0 else ","
        head, _, tail = cleaned.rpartition(mark)
        if cleaned.count(mark) > 1:
            if len(tail) != 3:  # 1,234,56: the thousands separator as decimal mark
                raise not_an_amount
            decimal_mark = ""  # 1.234.567: thousands separators only
        elif len(tail) == 3 and _THOUSANDS_HEAD.fullmatch(head):
            raise ValueError(f"{text!r} is ambiguous (write 1234 or 1234,00)")
        else:
            decimal_mark = mark
    else:
        decimal_mark = ""
    thousands = {".": ",", ",": ".", "": ".,"}[decimal_mark]
    for sep in thousands:
        cleaned = cleaned.replace(sep, "")
    cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern above rules this out
        raise not_an_amount from None


_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")


@lru_cache(maxsize=1024)  # a batch has few distinct dates, and strptime is slow
def parse_date(text: str) -> dt.date:
    """Read ``2026-11-22``, ``22-11-2026``, ``22/11/2026`` or ``22.11.2026``."""
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (write 2026-11-22 or 22-11-2026)")


def as_date(value: str | dt.date | None, option: str) -> dt.date:
    """A date given to brief (``--date``, ``date=``) as a date; today when None."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return parse_date(value)
    except ValueError as err:
        raise BriefError(f"{option}: {err}") from None


def _kind(value: Any) -> str:
    """What a value is, in the words of someone who writes records files."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return "a date"
    return type(value).__name__


def _channel(value: str) -> str:
    channel = value.strip().lower()
    if channel not in CHANNELS:
        raise ValueError(f"{value!r} is not email or post")
    return channel


def _address(value: str) -> str:
    address = value.strip().lower()
    if address not in ADDRESSES:
        raise ValueError(f"{value!r} is not u or je")
    return address


def _flag(value: str) -> bool:
    flag = _FLAGS.get(value.strip().lower())
    if flag is None:
        raise ValueError(f"{value!r} is not yes or no (write true/false, ja/nee or 1/0)")
    return flag


_PREFERENCE_PARSERS: dict[str, Callable[[str], Any]] = {
    "channel": _channel,
    "address": _address,
    "large_print": _flag,
}


def _preference(name: str, value: Any) -> Any:
    if name == "large_print" and isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {_kind(value)}")
    return _PREFERENCE_PARSERS[name](value)


def contradiction(fields: Mapping[str, Any]) -> tuple[str, str] | None:
    """A preference the record's own data contradicts: ``(field, message)``, or None."""
    if fields.get("channel") == "email" and not fields.get("email"):
        return "channel", "email wanted, but the record has no 'email' address"
    return None


def _typed(name: str, value: Any) -> Any:
    if name in _PREFERENCE_PARSERS:
        return _preference(name, value)
    if name == "amount" or name.endswith("_amount"):
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not an amount")
        if isinstance(value, int | float | Decimal):
            # A JSON or YAML number is never ambiguous: 1.234 is 1.234.
            amount = value if isinstance(value, Decimal) else Decimal(str(value))
            if not amount.is_finite():
                raise ValueError(f"{value!r} is not an amount")
            return amount
        return parse_amount(str(value))
    if name == "date" or name.endswith("_date"):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return parse_date(str(value))
    return value


def _check_strings(value: Any) -> str | None:
    if isinstance(value, str):
        return _control_char(value)
    if isinstance(value, Mapping):
        for item in value.values():
            if found := _check_strings(item):
                return found
    if isinstance(value, list):
        for item in value:
            if found := _check_strings(item):
                return found
    return None


def make_record(raw: Mapping[str, Any], path: Path | str, line: int) -> Record | RecordError:
    """Clean and type one record's fields, or say what is wrong with it (``path`` ""
    and ``line`` 0 for a record that comes from no file)."""
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).strip()
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        if value is None:
            continue
        fields[name] = value
    record_id = fields.get("id")
    label = str(record_id) if record_id is not None else None
    if isinstance(record_id, int | float | Decimal) and not isinstance(record_id, bool):
        fields["id"] = str(record_id)

    def error(message: str, field: str | None = None) -> RecordError:
        return RecordError(message, path=path, line=line, record=label, field=field)

    for name in REQUIRED:
        if name not in fields:
            return error("required field is missing", name)
    for name, value in fields.items():
        if problem := _check_strings(value):
            return error(f"contains {problem}", name)
        if name in REQUIRED and not isinstance(value, str):
            return error(f"must be text, not {_kind(value)}", name)
        try:
            fields[name] = _typed(name, value)
        except ValueError as err:
            return error(str(err), name)
    if found := contradiction(fields):
        return error(found[1], found[0])
    return Record(path=path if isinstance(path, str) else str(path), line=line, fields=fields)


# -- CSV --------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252.

    Reads the file in chunks, so it costs no memory; Dutch Excel and old
    housing systems write Windows-1252, everything else writes UTF-8. A
    UTF-16 byte order mark (Excel's "Unicode text") means UTF-16.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        head = stream.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        try:
            decoder.decode(head)
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in ",;\t"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _codec(path: Path, encoding: str) -> str:
    """The codec to read ``encoding`` with: UTF-8 always drops a byte order mark."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise RecordsFileError(f"unknown encoding {encoding!r}", path=path) from None
    return "utf-8-sig" if name == "utf-8" else encoding


def _open_text(path: Path, encoding: str | None) -> tuple[TextIO, str]:
    chosen = encoding or detect_encoding(path)
    return path.open(encoding=_codec(path, chosen), newline=""), chosen


def _decode_error(path: Path, chosen: str, err: UnicodeDecodeError) -> RecordsFileError:
    return RecordsFileError(f"cannot decode as {chosen} ({err.reason}); pass --encoding", path=path)


def _every(index: int) -> bool:
    return True


def _read_csv(
    path: Path, encoding: str | None, warn: Warn, keep: Callable[[int], bool] = _every
) -> Iterator[tuple[int, Record | RecordError]]:
    """Each record that ``keep`` accepts, with its number (see :func:`read_csv_part`)."""
    stream, chosen = _open_text(path, encoding)
    with stream:
        try:
            sample = stream.read(_CHUNK)
            stream.seek(0)
            if not sample.strip():
                raise RecordsFileError("empty file: no header row", path=path)
            delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(sample)
            reader = csv.reader(stream, delimiter=delimiter, strict=True)
            first = next(row for row in reader if not _blank(row))  # the sample is not blank
            header = _csv_header(first, path, reader.line_num, warn)
            kinds = [_parser(name) for name in header]
            id_column = header.index("id") if "id" in header else None
            start = reader.line_num + 1
            index = -1
            for row in reader:
                line, start = start, reader.line_num + 1
                if _blank(row):
                    continue
                index += 1
                if not keep(index):
                    continue
                if len(row) != len(header):
                    record = None
                    if id_column is not None and id_column < len(row):
                        record = row[id_column].strip() or None
                    kind = "short" if len(row) < len(header) else "long"
                    yield (
                        index,
                        RecordError(
                            f"{kind} row: {len(row)} fields where the header has {len(header)}",
                            path=path,
                            line=line,
                            record=record,
                        ),
                    )
                    continue
                yield index, _csv_record(header, kinds, row, path, line)
        except UnicodeDecodeError as err:
            raise _decode_error(path, chosen, err) from None
        except csv.Error as err:
            raise RecordsFileError(
                f"malformed CSV: {err}", path=path, line=reader.line_num
            ) from None


def _parser(name: str) -> Callable[[str], Any] | None:
    """How :func:`make_record` types a text field of this name (None: it stays text)."""
    if name in _PREFERENCE_PARSERS:
        return _PREFERENCE_PARSERS[name]
    if name == "amount" or name.endswith("_amount"):
        return parse_amount
    if name == "date" or name.endswith("_date"):
        return parse_date
    return None


def _csv_record(
    header: list[str],
    kinds: list[Callable[[str], Any] | None],
    row: list[str],
    path: Path,
    line: int,
) -> Record | RecordError:
    """:func:`make_record` of one CSV row, quicker for the usual row (no control
    characters, the required fields there, amounts and dates that read); any other row
    goes through :func:`make_record`, which says what is wrong with it."""
    if not _CONTROL.search(" ".join(row)):
        fields: dict[str, Any] = {}
        try:
            for name, kind, value in zip(header, kinds, row, strict=True):
                value = value.strip()
                if value:
                    fields[name] = kind(value) if kind else value
        except ValueError:
            pass
        else:
            if all(name in fields for name in REQUIRED) and not contradiction(fields):
                return Record(path=str(path), line=line, fields=fields)
    return make_record(dict(zip(header, row, strict=True)), path, line)


def _blank(row: list[str]) -> bool:
    """A blank line, or a row of empty cells (``;;;``, as spreadsheets export them)."""
    return not any(cell.strip() for cell in row)


def _csv_header(row: list[str], path: Path, line: int, warn: Warn) -> list[str]:
    header: list[str] = []
    for column, name in enumerate(row, start=1):
        stripped = name.strip()
        if not stripped:
            raise RecordsFileError(
                f"column {column} has no name in the header", path=path, line=line
            )
        if stripped != name:
            warn(f"{path}:{line}: header {name!r} has stray spaces; using {stripped!r}")
        if stripped in header:
            raise RecordsFileError(
                f"column {stripped!r} appears twice in the header", path=path, line=line
            )
        header.append(stripped)
    return header


# -- JSON and JSON Lines ------------------------------------------------------


def _read_jsonl(path: Path, encoding: str | None) -> Iterator[Record | RecordError]:
    stream, chosen = _open_text(path, encoding)
    with stream:
        try:
            for line_no, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line, parse_float=Decimal)
                except json.JSONDecodeError as err:
                    yield RecordError(f"invalid JSON: {_json_msg(err)}", path=path, line=line_no)
                    continue
                except RecursionError:
                    yield RecordError(_TOO_DEEP, path=path, line=line_no)
                    continue
                yield _json_item(value, path, line_no)
        except UnicodeDecodeError as err:
            raise _decode_error(path, chosen, err) from None


def _json_msg(err: json.JSONDecodeError) -> str:
    """The decoder's message without its dangling "at" (the line is given separately)."""
    return err.msg.removesuffix(" at").removesuffix(" starting")


def _json_item(value: Any, path: Path, line: int) -> Record | RecordError:
    if not isinstance(value, dict):
        return RecordError(
            f"a record must be an object, not {_json_type(value)}", path=path, line=line
        )
    if _depth(value) > MAX_DEPTH:
        return RecordError(_TOO_DEEP, path=path, line=line)
    return make_record(value, path, line)


MAX_DEPTH = 32  # levels a record's values may nest: records are flat, this is far above
_TOO_DEEP = f"a record nested more than {MAX_DEPTH} levels deep"


def _depth(value: Any) -> int:
    """How deep ``value`` nests (1: a flat object), counted without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _read_json(path: Path, encoding: str | None) -> Iterator[Record | RecordError]:
    stream, chosen = _open_text(path, encoding)
    try:
        yield from _json_array(path, stream)
    except UnicodeDecodeError as err:
        raise _decode_error(path, chosen, err) from None


# A syntax error this close to the end of the buffer may only be a value cut
# off by the chunk boundary (``tru``, ``-Infinit``, ``"\ud83d\ude0``).
_CUT_OFF = 16


def _json_array(path: Path, stream: TextIO) -> Iterator[Record | RecordError]:
    """Stream the objects of a top-level JSON array without loading the whole file."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    with stream:
        buf = stream.read(_CHUNK)
        pos, line, eof = 0, 1, not buf

        def skip_ws() -> None:
            nonlocal buf, pos, line, eof
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n\ufeff":
                    if buf[pos] == "\n":
                        line += 1
                    pos += 1
                if pos < len(buf) or eof:
                    return
                buf, pos = stream.read(_CHUNK), 0
                eof = not buf

        def fail(message: str, at_line: int | None = None) -> RecordsFileError:
            return RecordsFileError(f"invalid JSON: {message}", path=path, line=at_line or line)

        def close() -> None:
            nonlocal pos
            pos += 1
            skip_ws()
            if pos < len(buf):
                raise fail("extra data after the array")

        skip_ws()
        if pos >= len(buf) or buf[pos] != "[":
            raise fail("expected an array of records")
        pos += 1
        skip_ws()
        if buf[pos : pos + 1] == "]":
            close()
            return
        while True:
            skip_ws()
            while True:
                try:
                    value, end = decoder.raw_decode(buf, pos)
                    if end < len(buf) or eof:
                        break
                except RecursionError:
                    raise RecordsFileError(
                        f"invalid JSON: {_TOO_DEEP}", path=path, line=line
                    ) from None
                except json.JSONDecodeError as err:
                    cut = err.pos >= len(buf) - _CUT_OFF or err.msg.startswith("Unterminated")
                    if eof or not cut:  # a real mistake: do not read the rest of the file
                        raise fail(_json_msg(err), line + buf.count("\n", pos, err.pos)) from None
                more = stream.read(_CHUNK)
                buf, pos, eof = buf[pos:] + more, 0, not more
            yield _json_item(value, path, line)
            line += buf.count("\n", pos, end)
            pos = end
            skip_ws()
            if buf[pos : pos + 1] == "]":
                close()
                return
            if buf[pos : pos + 1] != ",":
                raise fail("expected ',' or ']' after a record")
            pos += 1


# -- YAML -------------------------------------------------------------------


def _read_yaml(path: Path, encoding: str | None) -> Iterator[Record | RecordError]:
    from . import yamlfile

    codec = _codec(path, encoding) if encoding else "utf-8-sig"
    try:
        for line, value in yamlfile.iter_sequence(path, encoding=codec):
            if not isinstance(value, dict):
                yield RecordError(
                    f"a record must be a mapping, not {_kind(value)}", path=path, line=line
                )
                continue
            yield make_record(value, path, line)
    except UnicodeDecodeError as err:
        if encoding:
            raise _decode_error(path, encoding, err) from None
        raise RecordsFileError(f"not UTF-8 text ({err.reason})", path=path) from None
