"""Print runs: every letter's PDF in one file for the print room, each on an odd page.

A print room prints duplex: a letter that starts on the back of the previous
letter's last sheet goes to the wrong tenant. :class:`PrintRun` therefore
appends a blank page after every letter with an odd number of pages, so the
next one starts on an odd page (a new sheet), and keeps each letter's first
page and page count for the print manifest.

The letters are appended as they come and written straight to the output, so
memory does not grow with the number of letters: each letter's PDF (as typst
writes it: classic cross-reference table, objects ``N 0 obj ... endobj``) is
read through its cross-reference table, its pages and every object they use
(fonts, images, content streams) are copied with new object numbers, and what
belongs to the letter as a document (catalog, document information, XMP
metadata, the tag tree) is left behind. Each letter keeps its own page size,
fonts and content as they are; only the one file's catalog, page tree and
cross-reference table are new. The merged file is for printing: it is not
PDF/A (each letter's own PDF is the archive copy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from .errors import BriefError

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
MANIFEST_FIELDS = ("record", "first_page", "pages", "blank_after", "channel", "template", "region")

_XREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_ROW = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_OBJ = re.compile(rb"(\d+) (\d+) obj\s*")
_REF = re.compile(rb"(\d+) 0 R")
_TRAILER_ROOT = re.compile(rb"/Root (\d+) 0 R")
_KEY_REF = re.compile(rb"/(\w+) ?(\d+) 0 R")
_PARENT = re.compile(rb"/Parent ?\d+ 0 R")
_STRUCT_PARENTS = re.compile(rb"/StructParents ?\d+")
_MEDIABOX = re.compile(rb"/MediaBox ?\[([^\]]*)\]")
_LENGTH = re.compile(rb"/Length (\d+)")


class PdfError(BriefError):
    """A letter's PDF that :class:`PrintRun` cannot read."""


@dataclass(frozen=True)
class Placed:
    """Where one letter went in the print run: its first page (1-based), its page
    count, whether a blank page follows it, and its number in the run (1-based)."""

    first_page: int
    pages: int
    blank_after: bool
    index: int = 0


class _Pdf:
    """One letter's PDF: its objects by number, read through the cross-reference table."""

    def __init__(self, data: bytes):
        self.data = data
        found = _XREF.search(data[-64:])
        if found is None:
            raise PdfError("not a PDF as typst writes it (no startxref at its end)")
        start = int(found.group(1))
        if data[start : start + 4] != b"xref":
            raise PdfError("not a PDF with a classic cross-reference table")
        offsets: dict[int, int] = {}
        head = data.index(b"\n", start) + 1
        first, count = (int(x) for x in data[head : data.index(b"\n", head)].split())
        rows = _XREF_ROW.findall(data, data.index(b"\n", head) + 1)[:count]
        for number, (offset, _, kind) in enumerate(rows, start=first):
            if kind == b"n":
                offsets[number] = int(offset)
        self.offsets = offsets
        trailer = data.find(b"trailer", start)
        root = _TRAILER_ROOT.search(data, trailer)
        if trailer < 0 or root is None:
            raise PdfError("the PDF has no trailer with a /Root")
        self.root = int(root.group(1))

    def split(self, number: int) -> tuple[bytes, bytes]:
        """Object ``number`` as (its dictionary or value, the raw stream with its
        ``stream``/``endstream`` keywords, or ``b""``)."""
        offset = self.offsets.get(number)
        if offset is None:
            raise PdfError(f"object {number} is missing")
        header = _OBJ.match(self.data, offset)
        if header is None or int(header.group(1)) != number:
            raise PdfError(f"object {number} is not where the cross-reference table says")
        body_start = header.end()
        end = self.data.index(b"endobj", body_start)
        body = self.data[body_start:end]
        marker = body.find(b"stream")
        if marker < 0 or not body[:marker].rstrip().endswith(b">>"):
            return body.rstrip(), b""
        head = body[:marker].rstrip()
        length = _LENGTH.search(head)
        if length is None:
            raise PdfError(f"object {number}: a stream without a direct /Length")
        data_start = body_start + marker + len(b"stream")
        if self.data[data_start : data_start + 2] == b"\r\n":
            data_start += 2
        else:
            data_start += 1
        data_end = data_start + int(length.group(1))
        end = self.data.index(b"endobj", data_end)
        return head, b"stream\n" + self.data[data_start:data_end] + b"\nendstream"

    def dictionary(self, number: int) -> bytes:
        return self.split(number)[0]

    def pages(self) -> list[int]:
        """The page objects' numbers, in order."""
        catalog = self.dictionary(self.root)
        pages = _key_ref(catalog, b"Pages")
        if pages is None:
            raise PdfError("the catalog has no /Pages")
        return list(self._leaves(pages, 0))

    def _leaves(self, number: int, depth: int) -> Iterator[int]:
        if depth > 32:
            raise PdfError("the page tree is nested too deeply")
        node = self.dictionary(number)
        if b"/Type/Page" in node.replace(b" ", b"") and b"/Kids" not in node:
            yield number
            return
        kids = re.search(rb"/Kids ?\[([^\]]*)\]", node)
        if kids is None:
            raise PdfError(f"page tree node {number} has no /Kids")
        for kid in _REF.finditer(kids.group(1)):
            yield from self._leaves(int(kid.group(1)), depth + 1)


def _key_ref(dictionary: bytes, key: bytes) -> int | None:
    for found in _KEY_REF.finditer(dictionary):
        if found.group(1) == key:
            return int(found.group(2))
    return None


def _refs(dictionary: bytes) -> list[int]:
    """The objects a dictionary or value refers to (outside its strings)."""
    return [int(found.group(1)) for found in _REF.finditer(_without_strings(dictionary))]


_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)", re.S)


def _without_strings(value: bytes) -> bytes:
    """``value`` with its literal strings blanked (to their length), so that text like
    ``(12 0 R)`` is not read as a reference; nested parentheses are blanked inside out."""
    previous = None
    while previous != value and b"(" in value:
        previous = value
        value = _STRING.sub(lambda m: b" " * len(m.group(0)), value)
    return value


def _renumbered(value: bytes, numbers: dict[int, int]) -> bytes:
    """``value`` with every reference outside its strings renumbered by ``numbers``."""
    masked = _without_strings(value)
    pieces, last = [], 0
    for found in _REF.finditer(masked):
        pieces.append(value[last : found.start()])
        pieces.append(b"%d 0 R" % numbers[int(found.group(1))])
        last = found.end()
    pieces.append(value[last:])
    return b"".join(pieces)


class PrintRun:
    """Letters' PDFs appended into one PDF written to ``handle``, each starting on an odd
    page. Call :meth:`add` per letter, then :meth:`finish` once."""

    def __init__(self, handle: IO[bytes], *, title: str = "Print run"):
        self.handle = handle
        self.title = title
        self.offsets: list[int] = [0]  # object number -> offset; 0 is the free entry
        self.page_refs: list[int] = []
        self.written = 0
        self.letters = 0
        self.pages_root = self._reserve()
        self._write(HEADER)

    @property
    def page_count(self) -> int:
        return len(self.page_refs)

    def _reserve(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.written += len(data)

    def _object(self, number: int, body: bytes, stream: bytes = b"") -> None:
        self.offsets[number] = self.written
        self._write(
            b"%d 0 obj\n" % number + body + (b"\n" + stream if stream else b"") + b"\nendobj\n"
        )

    def add(self, pdf: bytes) -> Placed:
        """Append one letter's PDF; returns where it went."""
        source = _Pdf(pdf)
        pages = source.pages()
        if not pages:
            raise PdfError("the letter's PDF has no pages")
        # Every object the pages use, except their parent (the letter's own page tree).
        needed: list[int] = []
        seen = set(pages)
        todo = list(pages)
        bodies: dict[int, tuple[bytes, bytes]] = {}
        while todo:
            number = todo.pop()
            body, stream = source.split(number)
            if number in pages:
                body = _STRUCT_PARENTS.sub(b"", _PARENT.sub(b"", body))
            bodies[number] = (body, stream)
            needed.append(number)
            for ref in _refs(body):
                if ref not in seen:
                    seen.add(ref)
                    todo.append(ref)
        numbers = {old: self._reserve() for old in sorted(needed)}
        first = self.page_count + 1
        last_box = b"0 0 595.2756 841.8898"
        for old in sorted(needed):
            body, stream = bodies[old]
            body = _renumbered(body, numbers)
            if old in pages:
                box = _MEDIABOX.search(body)
                if box is not None:
                    last_box = box.group(1)
                body = body[:-2] + b"/Parent %d 0 R>>" % self.pages_root
            self._object(numbers[old], body, stream)
        self.page_refs.extend(numbers[old] for old in pages)
        blank = len(pages) % 2 == 1
        if blank:
            number = self._reserve()
            self._object(
                number,
                b"<</Type/Page/Parent %d 0 R/MediaBox[%s]/Resources<<>>>>"
                % (self.pages_root, last_box),
            )
            self.page_refs.append(number)
        self.letters += 1
        return Placed(first, len(pages), blank, self.letters)

    def add_chunk(self, pdf: bytes, letters: Sequence[tuple[int, int]]) -> list[Placed]:
        """Append one PDF that holds several letters, each starting on an odd page of it;
        ``letters``: each one's first page in it (1-based) and page count, in order.
        Returns where each letter went."""
        base = self.page_count
        whole = self.add(pdf)
        self.letters += len(letters) - 1
        end = whole.pages + (1 if whole.blank_after else 0)
        placed = []
        for number, (first, count) in enumerate(letters):
            if first % 2 == 0 or first < 1 or first + count - 1 > whole.pages:
                raise PdfError(f"letter {number + 1} of the chunk is not on an odd page of it")
            following = letters[number + 1][0] if number + 1 < len(letters) else end + 1
            index = self.letters - len(letters) + number + 1
            placed.append(Placed(base + first, count, following > first + count, index))
        return placed

    def finish(self) -> None:
        """Write the page tree, catalog, document information and cross-reference table."""
        kids = b" ".join(b"%d 0 R" % ref for ref in self.page_refs)
        self._object(
            self.pages_root, b"<</Type/Pages/Count %d/Kids[%s]>>" % (len(self.page_refs), kids)
        )
        catalog = self._reserve()
        self._object(catalog, b"<</Type/Catalog/Pages %d 0 R>>" % self.pages_root)
        info = self._reserve()
        title = self.title.encode("ascii", "replace").replace(b"\\", b"\\\\")
        title = title.replace(b"(", b"\\(").replace(b")", b"\\)")
        self._object(info, b"<</Title(%s)/Creator(brief)>>" % title)
        xref = self.written
        rows = [b"xref\n0 %d\n" % len(self.offsets), b"0000000000 65535 f \n"]
        rows.extend(b"%010d 00000 n \n" % offset for offset in self.offsets[1:])
        rows.append(
            b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), catalog, info, xref)
        )
        self._write(b"".join(rows))
