"""Region (rayon) style profiles: language, reading level, address, who signs.

One YAML file per region in the regions folder; the file name is the
region's id (``regions/zuid.yaml`` is region ``zuid``). Files whose name
starts with ``_`` are shared bases, not regions; a profile names its base
with ``extends: _base`` and overrides what differs. Nested mappings
(``organisation``, ``thresholds``) merge key by key; lists replace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import yamlfile
from .errors import ConfigError
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
}
_ORG_FIELDS = {"name", "short_name", "address", "iban", "phone", "email", "website"}


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
    phone: str = ""
    email: str = ""
    website: str = ""


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

    @property
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
    return Organisation(
        **{
            key: fields.text(key, required=key == "name", numbers=key != "phone")
            for key in _ORG_FIELDS
        }
    )


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
