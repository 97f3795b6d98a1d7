"""The staff roster loader: every mistake names file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from brief.errors import ConfigError
from brief.staff import load_roster

INEKE = """\
  - id: ineke
    name: Ineke de Vries
    role: {nl: Medewerker incasso, en: Collections officer}
    phone: 06 1234 5601
    email: ineke.devries@dijkzicht.example
    signs: true
"""


def write(tmp_path: Path, text: str, name: str = "staff.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def roster_with(tmp_path: Path, entries: str) -> Path:
    """A roster whose ``staff`` list is ``entries`` (dedented; items start on line 2)."""
    return write(tmp_path, "staff:\n" + textwrap.indent(textwrap.dedent(entries), "  "))


def entry(**changes: str | None) -> str:
    """One staff entry (lines 2-7 when first), with fields changed or (None) left out."""
    fields = {
        "id": "ineke",
        "name": "Ineke de Vries",
        "role": "{nl: Medewerker incasso, en: Collections officer}",
        "phone": "06 1234 5601",
        "email": "ineke.devries@dijkzicht.example",
        "signs": "true",
    }
    fields.update(changes)
    lines = [f"{key}: {value}" for key, value in fields.items() if value is not None]
    return "- " + "\n  ".join(lines) + "\n"


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_roster(path)
    return str(info.value)


# --- a valid roster ---------------------------------------------------------


def test_valid_roster(tmp_path):
    path = write(
        tmp_path,
        """\
        staff:
          - id: ineke
            name: Ineke de Vries
            role: {nl: Medewerker incasso, en: Collections officer}
            phone: 06 1234 5601
            email: ineke.devries@dijkzicht.example
            signs: true
          - id: team.incasso-2
            name: "  Jan  van der Berg "
            role: Medewerker incasso
            phone: "+31 (0)20 123-4567"
            email: jan@dijkzicht.example
        """,
    )
    roster = load_roster(path)

    assert roster.path == str(path)
    assert len(roster) == 2
    assert [m.id for m in roster] == ["ineke", "team.incasso-2"]
    assert roster.known_ids() == "ineke, team.incasso-2"
    assert roster.get("nobody") is None

    ineke = roster.get("ineke")
    assert ineke is not None
    assert ineke.name == "Ineke de Vries"
    assert ineke.first_name == "Ineke"
    assert ineke.phone == "06 1234 5601"
    assert ineke.email == "ineke.devries@dijkzicht.example"
    assert ineke.signs is True
    assert ineke.roles == {"nl": "Medewerker incasso", "en": "Collections officer"}
    assert ineke.role("nl") == "Medewerker incasso"
    assert ineke.role("en") == "Collections officer"
    assert ineke.role("de") == "Medewerker incasso"  # falls back to the first one given

    jan = roster.get("team.incasso-2")
    assert jan is not None
    assert jan.name == "Jan  van der Berg"  # stripped
    assert jan.first_name == "Jan"
    assert jan.roles == {"nl": "Medewerker incasso"}  # a plain title is Dutch
    assert jan.role("en") == "Medewerker incasso"
    assert jan.phone == "+31 (0)20 123-4567"
    assert jan.signs is False  # signs defaults to false


def test_role_fallback_is_first_language_given(tmp_path):
    path = roster_with(tmp_path, entry(role="{en: Collections officer, nl: Incassomedewerker}"))
    member = load_roster(path).get("ineke")
    assert member is not None
    assert member.role("nl") == "Incassomedewerker"
    assert member.role("fr") == "Collections officer"


def test_yaml_merge_keys_may_be_overridden(tmp_path):
    path = write(
        tmp_path,
        """\
        staff:
          - &ineke
            id: ineke
            name: Ineke de Vries
            role: Medewerker incasso
            phone: 06 1234 5601
            email: ineke@dijkzicht.example
          - <<: *ineke
            id: carina
            name: Carina Bakker
            signs: true
        """,
    )
    roster = load_roster(path)
    carina = roster.get("carina")
    assert carina is not None
    assert (carina.name, carina.phone, carina.signs) == ("Carina Bakker", "06 1234 5601", True)


def test_bom_is_ignored(tmp_path):
    path = roster_with(tmp_path, INEKE)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert [m.id for m in load_roster(path)] == ["ineke"]


# --- the file and its top level ----------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert error_of(path) == f"{path}: file not found"


def test_not_utf8(tmp_path):
    path = tmp_path / "staff.yaml"
    path.write_bytes(b"staff:\n  - name: J\xe9r\xf4me\n")
    assert error_of(path) == f"{path}: not UTF-8 text (invalid continuation byte at byte 18)"


def test_yaml_syntax_error_has_line(tmp_path):
    path = write(
        tmp_path,
        """\
        staff:
          - id: ineke
            role: {nl: Medewerker incasso, en: Collections officer
            phone: 06 1234 5601
        """,
    )
    assert error_of(path) == f"{path}:4: invalid YAML: expected ',' or '}}', but got ':'"


def test_bad_indentation_has_line(tmp_path):
    path = write(
        tmp_path,
        """\
        staff:
          - id: ineke
             name: Ineke de Vries
        """,
    )
    assert error_of(path) == f"{path}:3: invalid YAML: mapping values are not allowed here"


def test_top_level_list(tmp_path):
    path = write(tmp_path, INEKE)
    assert error_of(path) == f"{path}:1: the roster must be a mapping"


def test_empty_file(tmp_path):
    path = write(tmp_path, "# nobody yet\n")
    assert error_of(path) == f"{path}: the roster must be a mapping"


def test_no_staff_key(tmp_path):
    path = write(tmp_path, "# the roster\n{}\n")
    assert error_of(path) == f"{path}:2: field 'staff' is required"


def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, "staff:\n" + INEKE + "people: []\n")
    assert error_of(path) == f"{path}:8: field 'people': unknown field (known: staff)"


@pytest.mark.parametrize(
    "value",
    ["", "[]", "ineke", "{ineke: Ineke de Vries}"],
    ids=["empty", "empty-list", "text", "mapping"],
)
def test_staff_not_a_list_or_empty(tmp_path, value):
    path = write(tmp_path, f"# roster\nstaff: {value}\n")
    assert error_of(path) == f"{path}:2: field 'staff': must be a list of people"


def test_duplicate_yaml_key(tmp_path):
    path = write(tmp_path, "staff:\n" + INEKE + "staff: []\n")
    assert error_of(path) == f"{path}:8: duplicate key 'staff'"


def test_duplicate_yaml_key_in_entry(tmp_path):
    path = roster_with(tmp_path, entry() + "  name: Ineke Jansen\n")
    assert error_of(path) == f"{path}:8: duplicate key 'name'"


# --- one entry ---------------------------------------------------------------


def test_entry_not_a_mapping(tmp_path):
    path = roster_with(tmp_path, entry() + "- carina\n")
    assert error_of(path) == f"{path}:8: a staff entry must be a mapping"


def test_unknown_field(tmp_path):
    path = roster_with(tmp_path, entry(phone=None) + "  phnoe: 06 1234 5601\n")
    assert error_of(path) == (
        f"{path}:7: field 'phnoe': unknown field (known: email, id, name, phone, role, signature, signs)"
    )


@pytest.mark.parametrize("missing", ["id", "name", "phone", "email", "role"])
def test_missing_field(tmp_path, missing):
    path = roster_with(tmp_path, entry() + entry(**{"id": "carina", missing: None}))
    # The second entry starts on line 8; that is where a missing field is reported.
    assert error_of(path) == f"{path}:8: field {missing!r} is required"


@pytest.mark.parametrize("missing", ["name", "phone", "email"])
def test_empty_field_is_missing(tmp_path, missing):
    path = roster_with(tmp_path, entry(**{missing: '""'}))
    assert error_of(path) == f"{path}:2: field {missing!r} is required"


def test_one_word_name_is_not_a_person(tmp_path):
    path = roster_with(tmp_path, entry(name="Incasso"))
    assert error_of(path) == (
        f"{path}:3: field 'name': 'Incasso' must be a person's full name (first and last name)"
    )


@pytest.mark.parametrize("bad_id", ["Ineke", "ineke de vries", "-ineke", "ineke!"])
def test_bad_id(tmp_path, bad_id):
    path = roster_with(tmp_path, entry(id=f"'{bad_id}'"))
    assert error_of(path) == (
        f"{path}:2: field 'id': {bad_id!r} must be lower-case letters, digits, '-', '_' or '.'"
    )


@pytest.mark.parametrize("phone", ["12345", "06-1234-560x", "bel maar"])
def test_bad_phone(tmp_path, phone):
    path = roster_with(tmp_path, entry(phone=f"'{phone}'"))
    assert error_of(path) == f"{path}:5: field 'phone': {phone!r} is not a phone number"


@pytest.mark.parametrize(
    ("written", "read_as"),
    [("0201234567", 33896823), ("+31201234567", 31201234567)],
    ids=["octal", "plus-lost"],
)
def test_phone_read_as_a_number_must_be_quoted(tmp_path, written, read_as):
    path = roster_with(tmp_path, entry(phone=written))
    assert error_of(path) == (
        f"{path}:5: field 'phone': must be in quotes (YAML reads it as the number {read_as})"
    )


def test_quoted_phone_is_kept_as_written(tmp_path):
    path = roster_with(tmp_path, entry(phone="'0201234567'"))
    member = load_roster(path).get("ineke")
    assert member is not None
    assert member.phone == "0201234567"


@pytest.mark.parametrize(
    "email", ["ineke", "ineke@dijkzicht", "ineke@@dijkzicht.example", "ineke de vries@x.nl"]
)
def test_bad_email(tmp_path, email):
    path = roster_with(tmp_path, entry(email=f"'{email}'"))
    assert error_of(path) == f"{path}:6: field 'email': {email!r} is not an e-mail address"


@pytest.mark.parametrize("role", ["''", "[Medewerker]", "{nl: 5}", "{}", "{nl: ''}"])
def test_bad_role(tmp_path, role):
    path = roster_with(tmp_path, entry(role=role))
    assert error_of(path) == (
        f"{path}:4: field 'role': must be a job title, or one per language ({{nl: ..., en: ...}})"
    )


def test_signs_must_be_a_flag(tmp_path):
    path = roster_with(tmp_path, entry(signs="misschien"))
    assert error_of(path) == f"{path}:7: field 'signs': must be true or false, not 'misschien'"


def test_name_must_be_text(tmp_path):
    path = roster_with(tmp_path, entry(name="[Ineke, de Vries]"))
    assert error_of(path) == f"{path}:3: field 'name': must be text, not a list"


def test_duplicate_id_has_line_of_second(tmp_path):
    path = roster_with(tmp_path, entry() + entry(name="Ineke Jansen", email="ij@x.nl"))
    assert error_of(path) == f"{path}:8: field 'id': staff id 'ineke' appears twice"


def test_a_non_ascii_email_is_refused_at_load(tmp_path):
    path = roster_with(tmp_path, entry(email="'ïneke@dijkzicht.example'"))
    assert error_of(path) == (
        f"{path}:6: field 'email': 'ïneke@dijkzicht.example': addresses with non-ASCII "
        "characters cannot be sent yet"
    )
