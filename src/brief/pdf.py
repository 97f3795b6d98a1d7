"""Paper letters as print-ready PDF: a Dutch business letter on A4 for window envelopes.

The layout is one Typst file shipped with brief (``brief/data/letter.typ``); the
Typst compiler comes from the ``typst`` wheel, with its own fonts (Libertinus Serif,
which has every Dutch letter, Ĳ and ĳ included) and no system fonts, so a letter
comes out the same on every machine and works offline.

Everything that varies reaches the layout as data: :func:`letter_data` turns a
:class:`~brief.render.Letter` into a JSON object, and the layout shows its strings as
text, never as markup. A customer called ``#set page(width: 1cm)`` or ``*vet*`` gets
exactly that name on the envelope.

What the layout takes from where:

* letterhead and footer: the organisation profile (name, ``logo``, address, phone,
  e-mail, website; IBAN and BIC and the ``footer`` lines under the first page);
* the window: a small return-address line and the customer's address (``name``,
  ``street``, ``postcode`` and ``city`` of the record; the postcode and city as PostNL
  asks, ``4381 EK  VLISSINGEN``), inside the region's ``letter.window``;
* the reference block: the organisation's ``place`` and the letter's date, the
  customer number and the subject (the template's ``subject``);
* the body: the rendered text from its salutation on (``Geachte ...,``, ``Beste ...,``,
  ``Dear ...,``), paragraphs and line breaks as written; what comes before the
  salutation (the letterhead and address typed into a text template) is what the
  layout itself prints, so it is left out. A text without a salutation is the body
  as a whole;
* a scanned signature between the closing phrase and the names, for each roster
  person the closing names who signs and has a ``signature`` file;
* a payment QR code (EPC, "scan to pay") when the template's front matter
  (``payment_qr: true`` or the name of the amount field) or the region's
  ``letter.payment_qr`` asks for it, and the amount is above zero;
* large print (14 pt, wider line spacing) when the record's ``large_print`` is yes
  or the region's ``letter.large_print`` is true.

Letters of more than one page say "Pagina 1 van 2" ("Page 1 of 2") at the foot of
every page; only the first page has the letterhead, the window and the footer. The
document is PDF/A-2b with the subject as title, the signers as author and the
letter's date as its date.

One :class:`Typesetter` per process compiles every letter with the same Typst
compiler (the layout and its fonts are read once); :func:`letter_pdf` and
:func:`print_run` use it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

import segno
import typst

from .errors import BriefError, RecordError
from .formatting import long_date, money
from .profiles import LetterSettings, Organisation, Window
from .records import Record, parse_amount
from .render import Letter
from .signoff import classify, find_signature
from .staff import Roster

__all__ = [
    "LAYOUT",
    "LetterPages",
    "LetterSettings",
    "PdfError",
    "PrintRun",
    "Typesetter",
    "Unfit",
    "Window",
    "address_lines",
    "body_paragraphs",
    "compiled_here",
    "epc_payload",
    "letter_data",
    "letter_pdf",
    "postal_line",
    "print_run",
    "qr_svg",
    "too_wide",
    "typesetter",
    "unprintable",
]

#: The Typst layout every paper letter is set with.
LAYOUT = Path(__file__).parent / "data" / "letter.typ"
#: The PDF standard of every letter (PDF/A-2b: archivable, fonts embedded).
PDF_STANDARD: Final = "a-2b"

#: Body text size and line spacing (in em), normal and large print.
NORMAL = (11.0, 0.6)
LARGE = (14.0, 0.9)
QR_SIZE = 26.0  # millimetres (the EPC guideline: at least 2.5 cm with its quiet zone)
QR_MASK = 7  # the mask pattern of every payment QR code (see _qr)
BODY_TOP = 88.0  # millimetres from the top: where the reference block starts
HEAD_LINE = 80  # characters: a longer line before the salutation is a sentence, not a head

_LABELS = {
    "nl": {
        "date": "Datum",
        "customer": "Klantnummer",
        "subject": "Betreft",
        "page": "Pagina {n} van {m}",
        "scan": "Scan en betaal met uw bank-app",
        "scan-je": "Scan en betaal met je bank-app",  # for a region that says je
        "pay": "{amount} aan",
        "reference": "Omschrijving: {reference}",
    },
    "en": {
        "date": "Date",
        "customer": "Customer number",
        "subject": "Subject",
        "page": "Page {n} of {m}",
        "scan": "Scan to pay with your banking app",
        "pay": "{amount} to",
        "reference": "Reference: {reference}",
    },
}
_SALUTATION = re.compile(
    r"(geachte|beste|lieve|hallo|hoi|goedendag|goedemorgen|goedemiddag|goedenavond"
    r"|dear|hello|hi|to whom)\b.*,\s*$",
    re.IGNORECASE,
)
_DARK = re.compile(rb"\x01+")  # a run of dark modules in a row of a QR code
_DUTCH_POSTCODE = re.compile(r"([1-9][0-9]{3})\s*([A-Za-z]{2})")


class PdfError(BriefError):
    """The layout engine could not make a letter's PDF."""


# -- what goes into the layout ------------------------------------------------------


def postal_line(postcode: str, city: str) -> str:
    """The last address line as PostNL asks: ``4381 EK  VLISSINGEN`` (a Dutch postcode
    written as four digits, a space and two capitals; two spaces; the city in capitals).
    """
    match = _DUTCH_POSTCODE.fullmatch(postcode.strip())
    code = f"{match.group(1)} {match.group(2).upper()}" if match else postcode.strip()
    return f"{code}  {city.strip().upper()}"


def address_lines(record: Record) -> list[str]:
    """The customer's address block as it goes in the envelope window: name, street,
    postcode and city. A missing part is a :class:`~brief.errors.RecordError`."""
    values = {}
    for key in ("name", "street", "postcode", "city"):
        value = record.get(key)
        text = "" if value is None else " ".join(str(value).split())
        if not text:
            raise record.error(
                "a paper letter needs the customer's address (name, street, postcode, city)",
                key,
            )
        values[key] = text
    return [values["name"], values["street"], postal_line(values["postcode"], values["city"])]


def body_paragraphs(text: str) -> list[list[str]]:
    """The letter's body as paragraphs of lines, blank lines between paragraphs, line
    breaks kept as written: from the salutation on, when the text before it is a head
    (short lines: a letterhead, an address, a date, "Betreft") and it comes before the
    closing; otherwise the whole text, so no sentence of the writer's is ever left out."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if line:
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    closing = _closing_at(paragraphs)[0]
    for index, paragraph in enumerate(paragraphs[: closing if closing >= 0 else None]):
        if _SALUTATION.match(paragraph[0]):
            head = [line for lines in paragraphs[:index] for line in lines]
            return (
                paragraphs[index:] if all(len(line) <= HEAD_LINE for line in head) else paragraphs
            )
    return paragraphs


def _closing_at(paragraphs: list[list[str]]) -> tuple[int, int]:
    """Where the closing phrase is: (paragraph, line in it), or (-1, -1)."""
    signature = find_signature("\n\n".join("\n".join(paragraph) for paragraph in paragraphs))
    if signature.closing_line is None:
        return -1, -1
    line = signature.closing_line
    for index, paragraph in enumerate(paragraphs):
        if line < len(paragraph):
            return index, line
        line -= len(paragraph) + 1  # and the blank line after it
    return -1, -1


def epc_payload(
    *, name: str, iban: str, amount: Decimal, text: str, bic: str = "", encoding: int = 1
) -> str:
    """The text of an EPC QR code ("scan to pay", EPC069-12 version 002) for a SEPA
    credit transfer of ``amount`` euro to ``name``'s ``iban`` with ``text`` as the
    unstructured remittance information: the same text :func:`segno.helpers.make_epc_qr`
    encodes for these values with ``encoding=1`` (UTF-8)."""
    amount_text = f"EUR{amount:.2f}".rstrip("0").rstrip(".")
    return "\n".join(
        [
            "BCD",
            "002",
            str(encoding),
            "SCT",
            bic.strip(),
            name.strip(),
            iban.replace(" ", ""),
            amount_text,
            "",  # purpose
            "",  # structured reference
            text.rstrip(),
        ]
    )


def _qr(letter: Letter, settings: LetterSettings) -> dict[str, Any] | None:
    """The payment QR code's SVG and the lines beside it, when the letter asks for one."""
    field = letter.template.payment_qr
    explicit = bool(field)
    if field is None:
        field = "amount" if settings.payment_qr else ""
    if not field:
        return None
    record = letter.record
    value = record.get(field)
    if value is None or value == "":
        if not explicit:
            return None
        raise record.error(f"the payment QR code needs the amount due in field {field!r}", field)
    try:
        amount = value if isinstance(value, Decimal) else parse_amount(str(value))
    except (ValueError, InvalidOperation) as err:
        raise record.error(str(err), field) from None
    if amount <= 0:
        return None
    org = letter.profile.organisation
    if not org.iban:
        raise record.error(
            f"the payment QR code needs the organisation's IBAN (organisation.iban in "
            f"{letter.profile.path})"
        )
    if amount > Decimal("999999999.99"):
        raise record.error(f"{amount} is too large for a payment QR code", field)
    name = org.name[:70]
    iban = org.iban.replace(" ", "")
    reference = record.id[:140]
    payload = epc_payload(name=name, iban=iban, amount=amount, text=reference, bic=org.bic)
    # What segno.helpers.make_epc_qr makes (error correction M, never boosted), with one
    # fixed mask pattern instead of its search for the best of eight: that search costs
    # more than the letter's whole PDF, and every mask makes a valid code any reader reads.
    qr = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False, mask=QR_MASK)
    if not isinstance(qr.version, int) or qr.version > 13:  # EPC069-12: version 13 at most
        raise record.error(f"the payment QR code's text is too long ({len(payload)} bytes)", field)
    labels = _LABELS.get(letter.language, _LABELS["nl"])
    scan = labels.get("scan" if letter.profile.formal else "scan-je", labels["scan"])
    return {
        "svg": qr_svg(qr.matrix),
        "size": QR_SIZE,
        "payload": payload,
        "lines": [
            scan,
            labels["pay"].format(amount=money(amount, letter.language)),
            org.name,
            f"IBAN {org.iban}",
            labels["reference"].format(reference=reference),
        ],
    }


def qr_svg(matrix: Sequence[bytes | bytearray], border: int = 4) -> str:
    """A QR code's modules (rows of 0 and 1 bytes, as segno's ``matrix``) as one SVG path,
    one rectangle per run of dark modules in a row, with ``border`` modules of quiet zone."""
    size = len(matrix) + 2 * border
    step = len(matrix) + 1  # the rows joined by a light module, so no run crosses a row
    spans = [run.span() for run in _DARK.finditer(b"\x00".join(matrix))]
    path = "".join(
        [f"M{a % step + border} {a // step + border}h{b - a}v1h-{b - a}z" for a, b in spans]
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}">'
        f'<path d="{path}"/></svg>'
    )


def _letterhead(org: Organisation) -> dict[str, Any]:
    lines = [line.strip() for line in org.address.splitlines() if line.strip()]
    lines += [value for value in (org.phone, org.email, org.website) if value]
    return {"name": org.name, "logo": org.logo or None, "lines": lines}


def _footer(org: Organisation) -> list[str]:
    bank = " · ".join(
        part
        for part in (f"IBAN {org.iban}" if org.iban else "", f"BIC {org.bic}" if org.bic else "")
        if part
    )
    return [line for line in (org.name, bank, *org.footer) if line]


def _return_address(org: Organisation) -> str:
    lines = [line.strip() for line in org.address.splitlines() if line.strip()]
    return ", ".join([org.name, *lines])


def _signatures(
    paragraphs: list[list[str]], roster: Roster, org: Organisation
) -> tuple[list[int], list[str], list[str]]:
    """Where the closing phrase is ([paragraph, line]), the signature images of the roster
    people it names who sign, and every person it names (for the document's author)."""
    signature = find_signature("\n\n".join("\n".join(paragraph) for paragraph in paragraphs))
    if signature.closing_line is None:
        return [-1, -1], [], []
    verdict = classify(signature, roster, organisation=(org.name, org.short_name))
    at = list(_closing_at(paragraphs))
    images = [m.signature for m in verdict.signers if m.signs and m.signature]
    names = [m.name for m in verdict.signers] + [name for _, name in verdict.unknown]
    return at, images, names


def letter_data(letter: Letter, roster: Roster | None = None) -> dict[str, Any]:
    """What the layout gets for one letter (JSON types only). ``roster``: the people
    whose scanned signatures a closing may show (default: the roster the letter was
    rendered with, else only its signer)."""
    roster = roster or letter.roster or Roster(path="", members={letter.signer.id: letter.signer})
    profile = letter.profile
    org = profile.organisation
    settings = profile.letter
    language = letter.language if letter.language in _LABELS else "nl"
    labels = _LABELS[language]
    day = letter.date or dt.date.today()
    paragraphs = body_paragraphs(letter.text)
    at, images, names = _signatures(paragraphs, roster, org)
    large = letter.record.get("large_print") is True or settings.large_print
    size, leading = LARGE if large else NORMAL
    date_text = long_date(day, language)
    reference = [
        [labels["date"], f"{org.place}, {date_text}" if org.place else date_text],
        [labels["customer"], letter.record.id],
    ]
    if letter.subject:
        reference.append([labels["subject"], letter.subject])
    window = settings.window
    return {
        "lang": language,
        "size": size,
        "leading": leading,
        "meta": {
            "title": letter.subject or letter.template.name,
            "authors": names or [letter.signer.name],
            "date": [day.year, day.month, day.day],
        },
        "letterhead": _letterhead(org),
        "window": {
            "left": window.left,
            "top": window.top,
            "width": window.width,
            "height": window.height,
        },
        "return_address": _return_address(org),
        "address": address_lines(letter.record),
        "body_top": BODY_TOP,
        "reference": reference,
        "paragraphs": paragraphs,
        "signature_at": at,
        "signatures": images,
        "qr": _qr(letter, settings),
        "footer": _footer(org),
        "labels": {"page": labels["page"]},
    }


# -- the compiler ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetterPages:
    """Where one letter of a :class:`PrintRun` is: its first page (1-based) and its
    number of pages (without the blank page that may follow it)."""

    first: int
    count: int


@dataclass(frozen=True, slots=True)
class Unfit:
    """An address line wider than the envelope window: letter ``letter`` (its index in
    the document), line ``line`` of its address (-1: the return address), ``width`` mm."""

    letter: int
    line: int
    width: float


@dataclass(frozen=True)
class PrintRun:
    """Many letters in one PDF, each starting on an odd page (for duplex printing)."""

    pdf: bytes
    letters: tuple[LetterPages, ...]
    unfit: tuple[Unfit, ...] = ()  # address lines too wide for the window (cut off)

    @property
    def pages(self) -> int:
        """Pages in the document, blank ones included."""
        if not self.letters:
            return 0
        last = self.letters[-1]
        return last.first + last.count - 1


class Typesetter:
    """One Typst compiler with brief's layout and fonts loaded, reused for every letter."""

    def __init__(self, layout: Path = LAYOUT) -> None:
        layout = layout.absolute()
        # The layout is given as its path: the compiler then reads the 5 kB file again at
        # each compile (to see whether it changed) but keeps its parse and everything it
        # memoised; given as bytes it needs them with every compile (typst 0.15.2 loses
        # bytes given to the constructor after the first compile), which measured slower.
        # The root is the file system's root: the layout reads the logo and signature
        # images the profiles name, wherever they are. Only brief's own layout code
        # reads files; data never becomes a path it did not come from a profile.
        self._compiler = typst.Compiler(str(layout), root=layout.anchor, ignore_system_fonts=True)

    def compile(self, letters: Sequence[dict[str, Any]]) -> bytes:
        """One PDF of the letters (:func:`letter_data` objects), each on a new odd page;
        the document's metadata is the first letter's."""
        if not letters:
            raise PdfError("no letters to typeset")
        data = json.dumps({"letters": list(letters)}, ensure_ascii=False)
        self.used = True
        try:
            pdf = self._compiler.compile(
                format="pdf", sys_inputs={"data": data}, pdf_standards=PDF_STANDARD
            )
        except typst.TypstError as err:
            raise PdfError(f"the PDF layout failed: {err.message}") from None
        assert isinstance(pdf, bytes)
        return pdf

    def unfit(self) -> tuple[Unfit, ...]:
        """The address lines of the last :meth:`compile` that are wider than the window."""
        found = json.loads(self._compiler.query("<brief-unfit>", field="value"))
        return tuple(Unfit(int(f["letter"]), int(f["line"]), float(f["width"])) for f in found)

    def pages(self) -> tuple[LetterPages, ...]:
        """Where each letter of the last :meth:`compile` is."""
        found = json.loads(self._compiler.query("<brief-pages>", field="value"))
        return tuple(LetterPages(first=int(f), count=int(last) - int(f) + 1) for f, last in found)


_typesetters: dict[int, Typesetter] = {}


def compiled_here() -> bool:
    """Whether this process has compiled a PDF. Typst then runs threads of its own, and a
    process forked from this one would hang at its first compile: fork workers first."""
    found = _typesetters.get(os.getpid())
    return found is not None and found.used


def typesetter() -> Typesetter:
    """This process's :class:`Typesetter` (a forked worker makes its own)."""
    pid = os.getpid()
    found = _typesetters.get(pid)
    if found is None:
        _typesetters.clear()
        found = _typesetters[pid] = Typesetter()
    return found


def letter_pdf(letter: Letter, roster: Roster | None = None) -> bytes:
    """``letter`` as a PDF/A-2b document (``roster``: see :func:`letter_data`). A letter
    the layout cannot print (a character no font of the layout has) is a
    :class:`~brief.errors.RecordError` naming the field it is in."""
    data = letter_data(letter, roster)
    setter = typesetter()
    try:
        pdf = setter.compile([data])
    except PdfError as err:
        raise unprintable(letter.record, err) from None
    unfit = setter.unfit()
    if unfit:
        raise too_wide(letter, unfit[0])
    return pdf


_ADDRESS_FIELDS = ("name", "street", "city")  # what each address line shows, as a field


def too_wide(letter: Letter, unfit: Unfit) -> RecordError:
    """An address line that does not fit in the window, as the record's error (the return
    address, which comes from the profile, names the profile)."""
    window = letter.profile.letter.window
    room = f"{window.width - 2:g} mm"
    if unfit.line < 0:
        return letter.record.error(
            f"the return address ({_return_address(letter.profile.organisation)!r}) is "
            f"{unfit.width:g} mm wide, the envelope window has room for {room} "
            f"(organisation.address or letter.window in {letter.profile.path})"
        )
    line = address_lines(letter.record)[unfit.line]
    return letter.record.error(
        f"{line!r} is {unfit.width:g} mm wide, the envelope window has room for {room}",
        _ADDRESS_FIELDS[min(unfit.line, len(_ADDRESS_FIELDS) - 1)],
    )


_NO_GLYPH = re.compile(r'the text `"(.+?)"` could not be displayed with font `"(.+?)"`')


def unprintable(record: Record, err: PdfError) -> RecordError:
    """Why a record's letter has no PDF, as a record error: the field holding a character
    the letter's font lacks (Typst refuses it for PDF/A rather than print a box)."""
    found = _NO_GLYPH.search(err.message)
    if found is None:
        return record.error(f"cannot make the PDF: {err.message}")
    text, font = found.groups()
    field = next(
        (key for key, value in record.fields.items() if value is not None and text in str(value)),
        None,
    )
    return record.error(
        f"{text!r} cannot be printed on paper: the letter's font ({font}) has no such character",
        field,
    )


def print_run(letters: Iterable[Letter], roster: Roster | None = None) -> PrintRun:
    """Every letter in one PDF, each starting on an odd page, with where each one is.
    The document's metadata (title, author, date) is the first letter's."""
    data = [letter_data(letter, roster) for letter in letters]
    setter = typesetter()
    pdf = setter.compile(data)
    return PrintRun(pdf=pdf, letters=setter.pages(), unfit=setter.unfit())
