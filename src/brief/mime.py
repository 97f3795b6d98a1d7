"""E-mail messages: a letter as the bytes of one MIME message, for render and send alike.

Every header value that comes from data (a record's name and address, the
signer's name and address from the roster, the subject a template made from
the record) is written by brief itself as literal text:

- a display name of plain words stays as it is, other ASCII text is a
  quoted string, and anything else (non-ASCII, a ``=?`` that a decoder
  would take for an encoded word, unusual spacing) becomes RFC 2047
  encoded words, so a reader's mail program shows exactly the text;
- a subject keeps its plain words and encodes the others the same way;
- no value can hold a line break or another control character, and every
  header line is folded to at most 78 characters (an address, which cannot
  be folded, to at most 998): a value brief cannot write that way (a name
  longer than :data:`MAX_TEXT` characters, an address with non-ASCII
  characters, which would need SMTPUTF8) rejects the record with its reason.

So no record can add a header, a recipient or a line. The message is 7-bit
clean (both parts quoted-printable), has the Message-ID and Date it is
given, and a MIME boundary derived from the Message-ID, so the same letter
with the same Message-ID and Date is the same bytes (what a resend needs).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import string
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import Record
    from .render import Letter

#: The one e-mail address pattern (records, the roster, brief.yaml): a local part
#: without spaces, quotes, brackets or separators, and a domain of DNS labels.
EMAIL = re.compile(
    r"^[^@\s<>\"(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
#: Characters a display name or a subject may have at most.
MAX_TEXT = 500
MAX_ADDRESS = 254  # RFC 5321's limit for a path
MAX_LINE = 78  # RFC 5322's "should": what a header line is folded to
HARD_LINE = 998  # RFC 5322's "must"


class HeaderError(ValueError):
    """A header value brief cannot write as literal text; ``field`` names where it came from."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def recipient(record: Record) -> str:
    """The customer's e-mail address, checked: a :class:`RecordError` when missing or bad."""
    address = str(record.get("email") or "")
    if not address:
        raise record.error("required for an e-mail template", "email")
    try:
        return check_address(address)
    except HeaderError as err:
        raise record.error(str(err), "email") from None


def check_address(address: str) -> str:
    """``address`` when brief can write it in a header and an SMTP envelope, else HeaderError."""
    if not EMAIL.match(address):
        raise HeaderError(f"{_short(address)} is not an e-mail address")
    if not address.isascii():
        # It would need SMTPUTF8 (RFC 6531), which brief does not use.
        raise HeaderError(
            f"{_short(address)}: addresses with non-ASCII characters cannot be sent yet"
        )
    if len(address) > MAX_ADDRESS:
        raise HeaderError(f"the address has {len(address)} characters (at most {MAX_ADDRESS})")
    return address


def message_bytes(
    letter: Letter,
    *,
    message_id: str,
    date: str,
    from_address: str | None = None,
    crlf: bool = True,
) -> bytes:
    """The whole message for ``letter``: From and Reply-To the signer (From
    ``from_address`` with the signer's name for an organisation envelope), To the
    customer, the given Message-ID and Date. A value that cannot be written as literal
    text is a :class:`RecordError` of the letter's record.

    Lines end in CRLF, as on the wire; with ``crlf`` false in LF, as an mbox keeps them
    (the message is made with LF and given CRs at the end: no part holds a CR)."""
    record, signer = letter.record, letter.signer
    to = recipient(record)
    try:
        sender = address_header(signer.name, check_address(signer.email), "signer")
        sent_from = (
            sender
            if from_address is None
            else address_header(signer.name, check_address(from_address), "signer")
        )
        customer = address_header(str(record.get("name") or ""), to, "name")
        lines = [
            fold("From", sent_from),
            fold("To", customer),
            fold("Reply-To", sender),
            fold("Subject", unstructured(letter.subject, "subject")),
            f"Date: {_plain(date, 'Date')}",
            f"Message-ID: {_plain(message_id, 'Message-ID')}",
        ]
    except HeaderError as err:
        raise record.error(str(err), None if err.field == "signer" else err.field) from None
    head = "\n".join(lines).encode("ascii")
    body = binascii.b2a_qp(_lines(letter.text), istext=True)
    if letter.html is None:
        message = b"".join((head, b"\n", _TEXT_PART, b"MIME-Version: 1.0\n\n", body))
        return message.replace(b"\n", b"\r\n") if crlf else message
    plain = _TEXT_PART + b"\n" + body
    html = _HTML_PART + binascii.b2a_qp(_lines(letter.html), istext=True)
    # Quoted-printable writes every "=" as "=3D": "=_" occurs in no part, so the boundary
    # cannot either.
    boundary = b"=_brief_" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:24].encode()
    message = b"".join(
        (
            head,
            b'\nMIME-Version: 1.0\nContent-Type: multipart/alternative;\n boundary="',
            boundary,
            b'"\n\n--',
            boundary,
            b"\n",
            plain,
            b"\n--",
            boundary,
            b"\n",
            html,
            b"\n--",
            boundary,
            b"--\n",
        )
    )
    return message.replace(b"\n", b"\r\n") if crlf else message


_TEXT_PART = (
    b'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n'
)
_HTML_PART = (
    b'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
)

# RFC 5322 atext: characters a display name may hold without quotes.
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_QUOTABLE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")  # printable ASCII, single spaces
_PLAIN_WORD = re.compile(r"[\x21-\x7e]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# RFC 2047 "Q" for a word in a phrase: letters, digits and !*+-/ stay, a space is "_".
_Q_SAFE = frozenset(string.ascii_letters + string.digits + "!*+-/")
_Q = [chr(b) if chr(b) in _Q_SAFE else f"={b:02X}" for b in range(256)]
_Q[32] = "_"
_ENCODED_WORD = 75  # RFC 2047's limit for one encoded word


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _check_text(text: str, field: str) -> None:
    what = "the signer's name" if field == "signer" else f"the {field}"
    if _CONTROL.search(text):
        raise HeaderError(f"{what} holds a line break or other control character", field)
    if len(text) > MAX_TEXT:
        raise HeaderError(
            f"{what} has {len(text)} characters, too long for an e-mail header "
            f"(at most {MAX_TEXT})",
            field,
        )


def address_header(name: str, address: str, field: str) -> str:
    """``Name <address>`` as one header value, the name as literal text."""
    _check_text(name, field)
    if not name:
        return f"<{address}>"
    short = all(len(word) <= MAX_LINE - 10 for word in name.split(" "))
    if "=?" not in name and short and _ATOMS.fullmatch(name):
        return f"{name} <{address}>"
    if "=?" not in name and _QUOTABLE.fullmatch(name) and len(name) < MAX_LINE - 10:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    return " ".join([*encode_words(name, field), f"<{address}>"])


def unstructured(text: str, field: str) -> str:
    """A subject as header text: plain words as they are, the run from the first to the
    last other word (non-ASCII, ``=?``, too long to fold) as encoded words."""
    _check_text(text, field)
    if not text:
        return ""
    words = text.split(" ")
    if text != text.strip() or "" in words:  # spacing only an encoded word keeps
        return " ".join(encode_words(text, field))
    odd = [
        i
        for i, word in enumerate(words)
        if "=?" in word or not _PLAIN_WORD.fullmatch(word) or len(word) > MAX_LINE - 10
    ]
    if not odd:
        return text
    first, last = odd[0], odd[-1]
    encoded = encode_words(" ".join(words[first : last + 1]), field)
    return " ".join([*words[:first], *encoded, *words[last + 1 :]])


def encode_words(text: str, field: str | None = None) -> list[str]:
    """``text`` as RFC 2047 encoded words, split after spaces (each space kept inside).

    A word is at most 75 characters where the text has a space to split at; a
    longer stretch without one stays one longer word (within the 998 a line may
    have), because decoders disagree about splits inside a word: Python's
    address parser shows a space there. Q or B as the email package chooses: Q
    unless it is 5 or more characters longer.
    """
    pieces = [word + " " for word in text.split(" ")]
    pieces[-1] = pieces[-1][:-1]
    words: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(_encoded(current + piece)) > _ENCODED_WORD:
            words.append(_encoded(current))
            current = ""
        current += piece
    if current or not words:
        words.append(_encoded(current))
    for word in words:
        if len(word) > HARD_LINE - 10:
            raise HeaderError(
                f"the {field or 'text'} has a word too long for an e-mail header", field
            )
    return words


def _encoded(text: str) -> str:
    data = text.encode("utf-8")
    q = "".join(_Q[b] for b in data)
    if len(q) - (len(data) + 2) // 3 * 4 < 5:
        return f"=?utf-8?q?{q}?="
    return f"=?utf-8?b?{base64.b64encode(data).decode()}?="


def fold(name: str, value: str) -> str:
    """``Name: value``, folded at spaces to lines of at most 78 characters.

    Every word brief writes fits a line, except an address (up to 254 characters),
    which gets a line of its own, within the 998 RFC 5322 allows.
    """
    line = f"{name}: {value}" if value else f"{name}:"
    if len(line) <= MAX_LINE:
        return line
    lines: list[str] = []
    current = f"{name}:"
    for word in value.split(" "):
        if len(current) + 1 + len(word) > MAX_LINE and current != f"{name}:":
            lines.append(current)
            current = ""
        current += " " + word
    lines.append(current)
    assert all(len(line) <= HARD_LINE for line in lines)
    return "\n".join(lines)  # message_bytes makes the line ends CRLF


def _plain(value: str, name: str) -> str:
    """A header value brief made itself (a Date, a Message-ID): printable ASCII, one line."""
    if not _QUOTABLE.fullmatch(value) or len(value) > HARD_LINE - len(name) - 2:
        raise HeaderError(f"{name} {value!r} is not a header value")
    return value


def _lines(text: str) -> bytes:
    """`text` in UTF-8 with ``\n`` line ends and a final one, as the encoder wants it."""
    data = text.encode("utf-8")
    if b"\r" in data:
        return b"\n".join(data.splitlines()) + b"\n"
    return data if data.endswith(b"\n") else data + b"\n"
