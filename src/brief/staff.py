"""The staff roster: the real people who may sign letters.

A roster is a YAML file with a ``staff`` list; each entry is one person::

    staff:
      - id: ineke
        name: Ineke de Vries
        role: {nl: Medewerker incasso, en: Collections officer}
        phone: 06 1234 5601
        email: ineke.devries@dijkzicht.example
        signs: true
        signature: signatures/ineke.png   # optional: her scanned signature, for paper letters
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import yamlfile
from .errors import ConfigError
from .images import image_file
from .mime import HeaderError, check_address

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,}[0-9]$")


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One real person on the roster."""

    id: str
    name: str
    roles: Mapping[str, str]
    phone: str
    email: str
    signs: bool
    signature: str = ""  # a scanned signature (PNG or JPEG) for paper letters; absolute path

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def role(self, language: str) -> str:
        """The job title in ``language``, falling back to the first one given."""
        return self.roles.get(language) or next(iter(self.roles.values()), "")


@dataclass(frozen=True)
class Roster:
    """Everyone on the roster, by id."""

    path: str
    members: Mapping[str, StaffMember]

    def __iter__(self) -> Iterator[StaffMember]:
        return iter(self.members.values())

    def __len__(self) -> int:
        return len(self.members)

    def get(self, staff_id: str) -> StaffMember | None:
        return self.members.get(staff_id)

    def known_ids(self) -> str:
        return ", ".join(sorted(self.members))


def load_roster(path: Path) -> Roster:
    """Load and check a roster file; every mistake names file, line and field."""
    data = yamlfile.load(path)
    top = yamlfile.Fields(data, path, "the roster")
    top.reject_unknown({"staff"})
    if "staff" not in data:
        raise top.error(None, "field 'staff' is required")
    entries = data["staff"]
    if not isinstance(entries, list) or not entries:
        raise top.error("staff", "must be a list of people")
    members: dict[str, StaffMember] = {}
    for index, entry in enumerate(entries):
        line = entries.line_of_item(index) if isinstance(entries, yamlfile.NodeList) else None
        member = _member(yamlfile.Fields(entry, path, "a staff entry", line=line))
        if member.id in members:
            raise ConfigError(
                f"field 'id': staff id {member.id!r} appears twice",
                path=path,
                line=entry.line_of("id"),
            )
        members[member.id] = member
    return Roster(path=str(path), members=members)


def _member(fields: yamlfile.Fields) -> StaffMember:
    fields.reject_unknown({"id", "name", "role", "phone", "email", "signs", "signature"})
    staff_id = fields.text("id")
    if not _ID.match(staff_id):
        raise fields.error(
            "id", f"{staff_id!r} must be lower-case letters, digits, '-', '_' or '.'"
        )
    name = fields.text("name")
    if len(name.split()) < 2:
        raise fields.error("name", f"{name!r} must be a person's full name (first and last name)")
    role = fields.node.get("role")
    if isinstance(role, str) and role.strip():
        roles = {"nl": role.strip()}
    elif (
        isinstance(role, dict)
        and role
        and all(isinstance(v, str) and v.strip() for v in role.values())
    ):
        roles = {str(k): v.strip() for k, v in role.items()}
    else:
        raise fields.error("role" if role is not None else None, _role_message(role))
    phone = fields.text("phone", numbers=False)
    if not _PHONE.match(phone):
        raise fields.error("phone", f"{phone!r} is not a phone number")
    email = fields.text("email")
    try:
        check_address(email)  # the one address pattern, and what a header can hold
    except HeaderError as err:
        raise fields.error("email", str(err)) from None
    signs = fields.flag("signs", default=False)
    signature = fields.text("signature", required=False, numbers=False)
    if signature and not signs:
        raise fields.error("signature", f"{name} may not sign letters (signs: false)")
    return StaffMember(
        id=staff_id,
        name=name,
        roles=roles,
        phone=phone,
        email=email,
        signs=signs,
        signature=image_file(fields, "signature", signature) if signature else "",
    )


def _role_message(role: object) -> str:
    if role is None:
        return "field 'role' is required"
    return "must be a job title, or one per language ({nl: ..., en: ...})"
