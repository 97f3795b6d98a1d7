"""Region (rayon) style profiles: language, reading level, address, who signs.

One YAML file per region in the regions folder; the file name is the
region's id (``regions/zuid.yaml`` is region ``zuid``). Files whose name
starts with ``_`` are shared bases, not regions; a profile names its base
with ``extends: _base`` and overrides what differs. Nested mappings
(``organisation``, ``thresholds``) merge key by key; lists replace.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from . import yamlfile
from .errors import ConfigError
from .images import image_file
from .staff import Roster

LANGUAGES = {"nl": "nl", "en": "en"}
LEVELS = {
    "standard": "standard",
    "plain": "plain",
    "b1": "plain",
    "very-plain": "very-plain",
    "very plain": "very-plain",
    "a2": "very-plain",
}
ADDRESS = {"u": "u", "je": "je", "you": "u"}

# Readability floors (Flesch-Douma for nl, Flesch Reading Ease for en) and
# sentence-length ceilings per reading level; calibrated on the demo letters. The word
# frequency floor (Zipf) of the hard-word rule, chosen on tests/data/hard-words.yaml
# (README, "Hard words"); standard letters are not checked for hard words.
DEFAULT_THRESHOLDS: Mapping[str, Mapping[str, float]] = {
    "standard": {
        "min_score": 60,
        "max_average_words": 15,
        "max_sentence_words": 25,
        "min_word_frequency": 0,
    },
    "plain": {
        "min_score": 70,
        "max_average_words": 12,
        "max_sentence_words": 20,
        "min_word_frequency": 4.0,
    },
    "very-plain": {
        "min_score": 80,
        "max_average_words": 10,
        "max_sentence_words": 15,
        "min_word_frequency": 4.5,
    },
}

_PROFILE_FIELDS = {
    "extends",
    "name",
    "language",
    "reading_level",
    "address",
    "contacts",
    "team",
    "team_name",
    "organisation",
    "variant",
    "thresholds",
    "allowed_words",
    "letter",
}
_ORG_TEXT = ("name", "short_name", "address", "iban", "bic", "phone", "email", "website", "place")
_ORG_FIELDS = {*_ORG_TEXT, "logo", "footer"}
_LETTER_FIELDS = {"window", "large_print", "payment_qr", "max_pages"}
_WINDOW_FIELDS = ("left", "top", "width", "height")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
A4 = (210.0, 297.0)  # millimetres


@dataclass(frozen=True, slots=True)
class Thresholds:
    min_score: float
    max_average_words: float
    max_sentence_words: float
    min_word_frequency: float = 0.0  # Zipf; a rarer word is a hard word (plain levels)


@dataclass(frozen=True, slots=True)
class Organisation:
    name: str
    short_name: str = ""  # what people call it ("Dijkzicht"); a sign-off line, not a person
    address: str = ""
    iban: str = ""
    bic: str = ""  # the bank's BIC, for the payment QR code
    phone: str = ""
    email: str = ""
    website: str = ""
    place: str = ""  # where letters are written ("Vlissingen"): before the date on paper
    logo: str = ""  # an image file (PNG or JPEG) for the letterhead; absolute path
    footer: tuple[str, ...] = ()  # fixed lines under the first page of a paper letter


@dataclass(frozen=True, slots=True)
class Window:
    """Where a paper letter's address block goes: the part of the page that shows
    through the envelope's window, in millimetres from the page's left and top edges.

    The default lies inside the windows of C5/6, C5 and E6/5 window envelopes (which
    start 15 mm from the left and 40-44 mm from the top), with room to spare.
    """

    left: float = 20.0
    top: float = 46.0
    width: float = 85.0
    height: float = 22.0
    lines: int = 5  # address lines the block holds at most (PostNL)

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True, slots=True)
class LetterSettings:
    """How a region's paper letters look (``letter`` in a region profile)."""

    window: Window = Window()
    large_print: bool = False  # every letter in large print (14 pt), not only on request
    payment_qr: bool = False  # a "scan to pay" code on every letter with an amount
    max_pages: int = 2  # a longer letter is a `layout` finding (brief lint, brief render)


@dataclass(frozen=True)
class Profile:
    """How letters to one region are written and who signs them."""

    id: str
    path: str
    name: str
    language: str
    reading_level: str
    address: str
    contacts: tuple[str, ...]
    team: tuple[str, ...]
    team_name: str
    organisation: Organisation
    variant: str | None = None
    threshold_overrides: Mapping[str, float] = field(default_factory=dict)
    allowed_words: tuple[str, ...] = ()  # words the hard-word rule lets pass in this region
    letter: LetterSettings = LetterSettings()

    @cached_property  # asked several times for every letter; a profile does not change
    def thresholds(self) -> Thresholds:
        values = dict(DEFAULT_THRESHOLDS[self.reading_level])
        values.update(self.threshold_overrides)
        return Thresholds(**values)

    @property
    def formal(self) -> bool:
        return self.address == "u"

    def for_language(self, language: str) -> Profile:
        """This profile for a customer who reads another language.

        The region's variant only applies in the region's own language; a
        customer in another language gets that language's template.
        """
        if language == self.language:
            return self
        return dataclasses.replace(self, language=language, variant=None)

    def for_address(self, address: str) -> Profile:
        """This profile for a customer who asked to be addressed as ``u`` or ``je``."""
        if address == self.address:
            return self
        return dataclasses.replace(self, address=address)


def load_profiles(folder: Path, roster: Roster) -> dict[str, Profile]:
    """Load every region profile in ``folder`` and check it against the roster."""
    if not folder.is_dir():
        raise ConfigError("regions folder not found", path=folder)
    files: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        if path.stem in files:
            raise ConfigError(
                f"region {path.stem!r} is defined twice ({files[path.stem].name} and {path.name})",
                path=folder,
            )
        files[path.stem] = path
    nodes: dict[str, yamlfile.Node] = {}
    for stem, path in files.items():
        data = yamlfile.load(path)
        yamlfile.Fields(data, path, "a region profile")
        nodes[stem] = data
    profiles = {
        stem: _profile(stem, files[stem], _resolve(stem, nodes, files, ()), roster)
        for stem in nodes
        if not stem.startswith("_")
    }
    if not profiles:
        raise ConfigError("no region profiles (*.yaml) in the regions folder", path=folder)
    return profiles


def _resolve(
    stem: str, nodes: Mapping[str, yamlfile.Node], files: Mapping[str, Path], seen: tuple[str, ...]
) -> yamlfile.Node:
    node = nodes[stem]
    base = node.get("extends")
    if base is None:
        return node
    if not isinstance(base, str) or base not in nodes:
        known = ", ".join(sorted(nodes))
        raise ConfigError(
            f"field 'extends': no profile {base!r} in the regions folder (known: {known})",
            path=files[stem],
            line=node.line_of("extends"),
        )
    if base in (*seen, stem):
        chain = " -> ".join((*seen, stem, base))
        raise ConfigError(
            f"field 'extends': circular ({chain})", path=files[stem], line=node.line_of("extends")
        )
    return _resolve(base, nodes, files, (*seen, stem)).merged(node)


def _profile(stem: str, path: Path, node: yamlfile.Node, roster: Roster) -> Profile:
    fields = yamlfile.Fields(node, path, "a region profile")
    fields.reject_unknown(_PROFILE_FIELDS)
    language = fields.choice("language", LANGUAGES, default="nl")
    contacts = fields.text_list("contacts")
    if not contacts:
        raise fields.error("contacts" if "contacts" in node else None, _no_contacts(node))
    for staff_id in contacts:
        _check_staff(fields, "contacts", staff_id, roster, must_sign=True)
    team = fields.text_list("team") or contacts
    for staff_id in team:
        _check_staff(fields, "team", staff_id, roster, must_sign=False)
    variant = fields.text("variant", required=False) or None
    if variant is not None and ("." in variant or "/" in variant or variant in ("html", "post")):
        raise fields.error("variant", f"{variant!r} must be a plain word such as 'b1'")
    return Profile(
        id=stem,
        path=str(path),
        name=fields.text("name", default=stem.capitalize()),
        language=language,
        reading_level=fields.choice("reading_level", LEVELS, default="standard"),
        address=fields.choice("address", ADDRESS, default="u"),
        contacts=tuple(contacts),
        team=tuple(team),
        team_name=fields.text("team_name"),
        organisation=_organisation(node, path),
        variant=variant,
        threshold_overrides=_thresholds(node, path),
        allowed_words=_allowed_words(fields),
        letter=_letter(node, path),
    )


def _no_contacts(node: yamlfile.Node) -> str:
    if "contacts" in node:
        return "must name at least one staff id"
    return "field 'contacts' is required: the staff id of the person who signs for this region"


def _check_staff(
    fields: yamlfile.Fields, key: str, staff_id: str, roster: Roster, *, must_sign: bool
) -> None:
    member = roster.get(staff_id)
    if member is None:
        raise fields.error(
            key,
            f"unknown staff id {staff_id!r} (not in {roster.path}; known: {roster.known_ids()})",
        )
    if must_sign and not member.signs:
        raise fields.error(key, f"{member.name} ({staff_id}) may not sign letters (signs: false)")


def _organisation(node: yamlfile.Node, path: Path) -> Organisation:
    if "organisation" not in node:
        raise yamlfile.Fields(node, path, "").error(None, "field 'organisation' is required")
    fields = yamlfile.Fields(
        node["organisation"],
        node.source_of("organisation"),
        "organisation",
        line=node.line_of("organisation"),
    )
    fields.reject_unknown(_ORG_FIELDS)
    iban = fields.text("iban", required=False)
    if iban and not iban_is_valid(iban):
        raise fields.error("iban", f"{iban!r} is not a valid IBAN (check digits do not match)")
    bic = fields.text("bic", required=False)
    if bic and not _BIC.fullmatch(bic):
        raise fields.error("bic", f"{bic!r} is not a BIC (8 or 11 capitals and digits)")
    text = {
        key: fields.text(key, required=key == "name", numbers=key != "phone") for key in _ORG_TEXT
    }
    logo = fields.text("logo", required=False, numbers=False)
    footer = fields.node.get("footer", [])
    if isinstance(footer, str):
        footer = footer.splitlines()
    if not isinstance(footer, list) or not all(isinstance(line, str) for line in footer):
        raise fields.error("footer", "must be a list of lines")
    return Organisation(
        **text,
        logo=image_file(fields, "logo", logo) if logo else "",
        footer=tuple(line.strip() for line in footer if line.strip()),
    )


def _letter(node: yamlfile.Node, path: Path) -> LetterSettings:
    raw = node.get("letter")
    if raw is None:
        return LetterSettings()
    fields = yamlfile.Fields(raw, node.source_of("letter"), "letter", line=node.line_of("letter"))
    fields.reject_unknown(_LETTER_FIELDS)
    return LetterSettings(
        window=_window(raw) if "window" in raw else Window(),
        large_print=fields.flag("large_print", default=False),
        payment_qr=fields.flag("payment_qr", default=False),
        max_pages=_whole(fields, "max_pages", 2, 1, 100),
    )


def _whole(fields: yamlfile.Fields, key: str, default: int, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high`` (``default`` when not given)."""
    value = fields.node.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fields.error(key, f"must be a whole number from {low} to {high}, not {value!r}")
    return value


def _window(node: yamlfile.Node) -> Window:
    """``letter.window``: where the address block goes, in millimetres; checked to lie on
    an A4 page and to be large enough for five address lines."""
    fields = yamlfile.Fields(
        node["window"], node.source_of("window"), "letter.window", line=node.line_of("window")
    )
    fields.reject_unknown((*_WINDOW_FIELDS, "lines"))
    default = Window()
    values: dict[str, float] = {}
    for key in _WINDOW_FIELDS:
        value = fields.node.get(key, getattr(default, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise fields.error(key, f"must be a number of millimetres, not {value!r}")
        values[key] = float(value)
    window = Window(
        left=values["left"],
        top=values["top"],
        width=values["width"],
        height=values["height"],
        lines=_whole(fields, "lines", default.lines, 1, 10),
    )
    if window.right > A4[0]:
        raise fields.error(
            "width" if "width" in fields.node else "left",
            f"the window ends {window.right:g} mm from the left edge, past the A4 page (210 mm)",
        )
    if window.bottom > A4[1] / 2:
        raise fields.error(
            "height" if "height" in fields.node else "top",
            f"the window ends {window.bottom:g} mm from the top, below the top half of the page",
        )
    if window.width < MIN_WINDOW[0] or window.height < MIN_WINDOW[1]:
        key = "width" if window.width < MIN_WINDOW[0] else "height"
        raise fields.error(
            key,
            f"{getattr(window, key):g} mm is too small for an address block of five lines "
            f"(at least {MIN_WINDOW[0]:g} mm wide and {MIN_WINDOW[1]:g} mm high)",
        )
    return window


#: The smallest window (width, height in mm) five address lines and a return address fit in.
MIN_WINDOW = (60.0, 22.0)


def _allowed_words(fields: yamlfile.Fields) -> tuple[str, ...]:
    words = fields.text_list("allowed_words")
    for word in words:
        if not word or len(word.split()) != 1:
            raise fields.error("allowed_words", f"{word!r} must be one word")
    return tuple(words)


def _thresholds(node: yamlfile.Node, path: Path) -> dict[str, float]:
    raw = node.get("thresholds")
    if raw is None:
        return {}
    fields = yamlfile.Fields(
        raw, node.source_of("thresholds"), "thresholds", line=node.line_of("thresholds")
    )
    fields.reject_unknown(DEFAULT_THRESHOLDS["standard"].keys())
    out = {}
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise fields.error(key, f"must be a positive number, not {value!r}")
        out[key] = float(value)
    return out


def iban_is_valid(iban: str) -> bool:
    """Check an IBAN's mod-97 check digits (ISO 13616)."""
    compact = iban.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    if not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1
