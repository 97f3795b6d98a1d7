"""Region profiles: merging with a base, defaults, checks against the roster."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import segno

from brief.errors import ConfigError
from brief.profiles import (
    LetterSettings,
    Organisation,
    Thresholds,
    Window,
    iban_is_valid,
    load_profiles,
)
from brief.staff import Roster, load_roster

KNOWN_STAFF = "bianca, carina, ineke, stagiair"
PROFILE_FIELDS = (
    "address, allowed_words, contacts, extends, language, letter, name, organisation, "
    "reading_level, team, team_name, thresholds, variant"
)
LEVELS = "a2, b1, plain, standard, very plain, very-plain"

# Line numbers matter: the tests below point at them.
BASE = """\
language: nl
reading_level: standard
address: u
team_name: Team Incasso
team: [ineke, carina, bianca]
organisation:
  name: Woningcorporatie Dijkzicht
  address: Dijkzichtplein 1
  iban: NL91 ABNA 0417 1643 00
  phone: 0118 760 000
  email: info@dijkzicht.example
  website: www.dijkzicht.example
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def region(tmp_path: Path, name: str, text: str, *, suffix: str = ".yaml") -> Path:
    return write(tmp_path / "regions" / f"{name}{suffix}", text)


def base(tmp_path: Path, text: str = BASE) -> Path:
    return region(tmp_path, "_base", text)


def person(staff_id: str, name: str, *, signs: bool) -> str:
    return textwrap.dedent(f"""\
          - id: {staff_id}
            name: {name}
            role: {{nl: Medewerker incasso, en: Collections officer}}
            phone: 06 1234 5600
            email: {staff_id}@dijkzicht.example
            signs: {str(signs).lower()}
        """)


@pytest.fixture
def roster(tmp_path: Path) -> Roster:
    path = write(
        tmp_path / "staff.yaml",
        "staff:\n"
        + person("ineke", "Ineke de Vries", signs=True)
        + person("carina", "Carina Bakker", signs=True)
        + person("bianca", "Bianca Mulder", signs=True)
        + person("stagiair", "Sanne de Stagiair", signs=False),
    )
    return load_roster(path)


def load(tmp_path: Path, roster: Roster):
    return load_profiles(tmp_path / "regions", roster)


def error_of(tmp_path: Path, roster: Roster) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, roster)
    return str(info.value)


def regions_dir(tmp_path: Path) -> Path:
    return tmp_path / "regions"


# --- merging with a base -------------------------------------------------------


def test_extends_base_merges_nested_mappings_and_replaces_lists(tmp_path, roster):
    base(tmp_path)
    path = region(
        tmp_path,
        "zuid",
        """\
        extends: _base
        name: Zuid
        reading_level: B1
        address: je
        variant: b1
        contacts: [bianca]
        team: [bianca, carina]
        organisation:
          phone: 0118 760 999
        """,
    )
    zuid = load(tmp_path, roster)["zuid"]

    assert zuid.id == "zuid"
    assert zuid.path == str(path)
    assert zuid.name == "Zuid"
    assert zuid.language == "nl"  # from the base
    assert zuid.team_name == "Team Incasso"  # from the base
    assert zuid.reading_level == "plain"
    assert zuid.address == "je"
    assert zuid.formal is False
    assert zuid.variant == "b1"
    assert zuid.contacts == ("bianca",)
    assert zuid.team == ("bianca", "carina")  # the list replaces the base's list
    assert zuid.organisation == Organisation(
        name="Woningcorporatie Dijkzicht",
        address="Dijkzichtplein 1",
        iban="NL91 ABNA 0417 1643 00",
        phone="0118 760 999",  # overridden, the rest merged key by key
        email="info@dijkzicht.example",
        website="www.dijkzicht.example",
    )


def test_underscore_files_are_not_regions(tmp_path, roster):
    base(tmp_path)  # has no contacts: would fail as a region
    region(tmp_path, "_shared", "organisation: {name: Dijkzicht}\n")
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\n")
    region(tmp_path, "noord", "extends: _base\ncontacts: ineke\n", suffix=".yml")
    profiles = load(tmp_path, roster)
    assert sorted(profiles) == ["noord", "zuid"]
    assert profiles["noord"].contacts == ("ineke",)  # one name may be written without a list
    assert profiles["noord"].path == str(regions_dir(tmp_path) / "noord.yml")


def test_extends_chain_of_bases(tmp_path, roster):
    base(tmp_path)
    region(tmp_path, "_plain", "extends: _base\nreading_level: plain\naddress: je\n")
    region(tmp_path, "zuid", "extends: _plain\ncontacts: [bianca]\nname: Rayon Zuid\n")
    zuid = load(tmp_path, roster)["zuid"]
    assert (zuid.name, zuid.reading_level, zuid.address) == ("Rayon Zuid", "plain", "je")
    assert zuid.organisation.name == "Woningcorporatie Dijkzicht"


def test_same_region_as_yaml_and_yml(tmp_path, roster):
    base(tmp_path)
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\n")
    region(tmp_path, "zuid", "extends: _base\ncontacts: [ineke]\n", suffix=".yml")
    assert error_of(tmp_path, roster) == (
        f"{regions_dir(tmp_path)}: region 'zuid' is defined twice (zuid.yaml and zuid.yml)"
    )


# --- defaults and aliases ---------------------------------------------------------


def test_defaults(tmp_path, roster):
    region(
        tmp_path,
        "west",
        """\
        contacts: [ineke]
        team_name: Team West
        organisation: {name: Dijkzicht}
        """,
    )
    west = load(tmp_path, roster)["west"]
    assert west.name == "West"  # from the file name
    assert west.language == "nl"
    assert west.reading_level == "standard"
    assert west.address == "u"
    assert west.formal is True
    assert west.variant is None
    assert west.team == ("ineke",)  # team defaults to the contacts
    assert west.threshold_overrides == {}
    assert west.organisation == Organisation(name="Dijkzicht")


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("B1", "plain"),
        ("b1", "plain"),
        ("plain", "plain"),
        ("A2", "very-plain"),
        ("very-plain", "very-plain"),
        ("Very Plain", "very-plain"),
        ("Standard", "standard"),
    ],
)
def test_reading_level_aliases(tmp_path, roster, written, level):
    base(tmp_path)
    region(tmp_path, "zuid", f"extends: _base\ncontacts: [bianca]\nreading_level: {written}\n")
    assert load(tmp_path, roster)["zuid"].reading_level == level


@pytest.mark.parametrize(
    ("language", "address", "expected"),
    [("EN", "you", ("en", "u")), ("nl", "JE", ("nl", "je")), ("en", "u", ("en", "u"))],
)
def test_language_and_address_are_normalised(tmp_path, roster, language, address, expected):
    base(tmp_path)
    region(
        tmp_path,
        "zuid",
        f"extends: _base\ncontacts: [bianca]\nlanguage: {language}\naddress: {address}\n",
    )
    zuid = load(tmp_path, roster)["zuid"]
    assert (zuid.language, zuid.address) == expected


# --- thresholds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("standard", Thresholds(60, 15, 25)),
        ("plain", Thresholds(70, 12, 20, 4.0)),
        ("very-plain", Thresholds(80, 10, 15, 4.5)),
    ],
)
def test_thresholds_per_level(tmp_path, roster, level, expected):
    base(tmp_path)
    region(tmp_path, "zuid", f"extends: _base\ncontacts: [bianca]\nreading_level: {level}\n")
    assert load(tmp_path, roster)["zuid"].thresholds == expected


def test_threshold_override_of_one_value(tmp_path, roster):
    base(tmp_path)
    region(
        tmp_path,
        "zuid",
        """\
        extends: _base
        contacts: [bianca]
        reading_level: plain
        thresholds:
          max_sentence_words: 18
        """,
    )
    zuid = load(tmp_path, roster)["zuid"]
    assert zuid.threshold_overrides == {"max_sentence_words": 18.0}
    assert zuid.thresholds == Thresholds(
        min_score=70, max_average_words=12, max_sentence_words=18, min_word_frequency=4.0
    )


def test_threshold_overrides_merge_with_the_base(tmp_path, roster):
    base(tmp_path, BASE + "thresholds: {min_score: 55, max_average_words: 14}\n")
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nthresholds: {min_score: 65.5}\n")
    zuid = load(tmp_path, roster)["zuid"]
    assert zuid.thresholds == Thresholds(
        min_score=65.5, max_average_words=14, max_sentence_words=25
    )


@pytest.mark.parametrize("value", ["0", "-5", "'60'", "true", "[60]"])
def test_threshold_must_be_a_positive_number(tmp_path, roster, value):
    base(tmp_path)
    path = region(
        tmp_path,
        "zuid",
        f"""\
        extends: _base
        contacts: [bianca]
        thresholds:
          max_average_words: 12
          min_score: {value}
        """,
    )
    shown = {"0": "0", "-5": "-5", "'60'": "'60'", "true": "True", "[60]": "[60]"}[value]
    assert error_of(tmp_path, roster) == (
        f"{path}:5: field 'min_score': must be a positive number, not {shown}"
    )


def test_unknown_threshold(tmp_path, roster):
    base(tmp_path)
    path = region(
        tmp_path,
        "zuid",
        "extends: _base\ncontacts: [bianca]\nthresholds:\n  min_words: 5\n",
    )
    assert error_of(tmp_path, roster) == (
        f"{path}:4: field 'min_words': unknown field "
        "(known: max_average_words, max_sentence_words, min_score, min_word_frequency)"
    )


def test_thresholds_must_be_a_mapping(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nthresholds: 70\n")
    assert error_of(tmp_path, roster) == f"{path}:3: thresholds must be a mapping"


def test_bad_threshold_in_base_points_at_base(tmp_path, roster):
    base_path = base(tmp_path, BASE + "thresholds:\n  min_score: -1\n")
    region(
        tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nthresholds: {max_average_words: 9}\n"
    )
    assert error_of(tmp_path, roster) == (
        f"{base_path}:14: field 'min_score': must be a positive number, not -1"
    )


# --- for_language ----------------------------------------------------------------------


def test_for_language(tmp_path, roster):
    base(tmp_path)
    region(
        tmp_path,
        "zuid",
        "extends: _base\ncontacts: [bianca]\nreading_level: B1\naddress: je\nvariant: b1\n",
    )
    zuid = load(tmp_path, roster)["zuid"]

    assert zuid.for_language("nl") is zuid

    english = zuid.for_language("en")
    assert english.language == "en"
    assert english.variant is None
    assert english.reading_level == "plain"
    assert english.address == "je"
    assert english.contacts == zuid.contacts
    assert english.team == zuid.team
    assert english.organisation == zuid.organisation
    assert english.thresholds == zuid.thresholds
    assert (english.id, english.name, english.path) == (zuid.id, zuid.name, zuid.path)
    assert zuid.language == "nl"  # the original is unchanged
    assert zuid.variant == "b1"


# --- who may sign -----------------------------------------------------------------------


def test_unknown_staff_id_in_contacts(tmp_path, roster):
    base(tmp_path)
    path = region(
        tmp_path,
        "zuid",
        """\
        # Rayon Zuid
        extends: _base
        name: Zuid
        reading_level: plain
        contacts: [ineke2]
        """,
    )
    assert error_of(tmp_path, roster) == (
        f"{path}:5: field 'contacts': unknown staff id 'ineke2' "
        f"(not in {tmp_path}/staff.yaml; known: {KNOWN_STAFF})"
    )


def test_unknown_staff_id_in_team(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nteam: [bianca, piet]\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'team': unknown staff id 'piet' "
        f"(not in {tmp_path}/staff.yaml; known: {KNOWN_STAFF})"
    )


def test_unknown_staff_id_in_team_of_base_points_at_base(tmp_path, roster):
    base_path = base(tmp_path, BASE.replace("team: [ineke, carina, bianca]", "team: [ineke, kees]"))
    region(tmp_path, "zuid", "extends: _base\nname: Zuid\ncontacts: [bianca]\n")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:5: field 'team': unknown staff id 'kees' "
        f"(not in {tmp_path}/staff.yaml; known: {KNOWN_STAFF})"
    )


def test_team_may_hold_people_who_do_not_sign(tmp_path, roster):
    base(tmp_path)
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nteam: [bianca, stagiair]\n")
    assert load(tmp_path, roster)["zuid"].team == ("bianca", "stagiair")


def test_contact_who_may_not_sign(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\nname: Zuid\ncontacts: [bianca, stagiair]\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'contacts': Sanne de Stagiair (stagiair) may not sign letters "
        "(signs: false)"
    )


def test_no_contacts(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "# Rayon Zuid\nextends: _base\nname: Zuid\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:2: field 'contacts' is required: "
        "the staff id of the person who signs for this region"
    )


def test_empty_contacts(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\nname: Zuid\ncontacts: []\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'contacts': must name at least one staff id"
    )


def test_contacts_must_be_names(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [{id: bianca}]\n")
    assert error_of(tmp_path, roster) == f"{path}:2: field 'contacts': must be a list of names"


# --- extends ------------------------------------------------------------------------------


def test_unknown_extends_target(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "name: Zuid\nextends: _basis\ncontacts: [bianca]\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:2: field 'extends': no profile '_basis' in the regions folder (known: _base, zuid)"
    )


def test_circular_extends(tmp_path, roster):
    region(tmp_path, "a", "contacts: [ineke]\nextends: b\n")
    b = region(tmp_path, "b", "# b\ncontacts: [carina]\nextends: a\n")
    assert error_of(tmp_path, roster) == f"{b}:3: field 'extends': circular (a -> b -> a)"


def test_circular_extends_through_bases(tmp_path, roster):
    region(tmp_path, "zuid", "extends: _one\ncontacts: [bianca]\n")
    region(tmp_path, "_one", "extends: _two\n")
    two = region(tmp_path, "_two", "team_name: T\nextends: _one\n")
    assert error_of(tmp_path, roster) == (
        f"{two}:2: field 'extends': circular (zuid -> _one -> _two -> _one)"
    )


def test_extends_itself(tmp_path, roster):
    path = region(tmp_path, "zuid", "extends: zuid\ncontacts: [bianca]\n")
    assert error_of(tmp_path, roster) == f"{path}:1: field 'extends': circular (zuid -> zuid)"


# --- other fields ---------------------------------------------------------------------------


def test_unknown_field(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nreadinglevel: B1\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'readinglevel': unknown field (known: {PROFILE_FIELDS})"
    )


def test_unknown_field_in_base_points_at_base(tmp_path, roster):
    base_path = base(tmp_path, BASE + "signature: Team Incasso\n")
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\n")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:13: field 'signature': unknown field (known: {PROFILE_FIELDS})"
    )


def test_bad_language(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nlanguage: de\n")
    assert error_of(tmp_path, roster) == f"{path}:3: field 'language': 'de' is not one of en, nl"


def test_bad_reading_level(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nreading_level: C1\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'reading_level': 'C1' is not one of {LEVELS}"
    )


def test_bad_reading_level_in_base_points_at_base(tmp_path, roster):
    base_path = base(tmp_path, BASE.replace("reading_level: standard", "reading_level: simple"))
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\n")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:2: field 'reading_level': 'simple' is not one of {LEVELS}"
    )


def test_bad_address(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\naddress: jij\n")
    assert (
        error_of(tmp_path, roster) == f"{path}:3: field 'address': 'jij' is not one of je, u, you"
    )


def test_team_name_is_required(tmp_path, roster):
    path = region(tmp_path, "zuid", "contacts: [bianca]\norganisation: {name: Dijkzicht}\n")
    assert error_of(tmp_path, roster) == f"{path}:1: field 'team_name' is required"


@pytest.mark.parametrize("variant", ["b1.x", "../b1", "html"])
def test_invalid_variant(tmp_path, roster, variant):
    base(tmp_path)
    path = region(tmp_path, "zuid", f"extends: _base\ncontacts: [bianca]\nvariant: '{variant}'\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'variant': {variant!r} must be a plain word such as 'b1'"
    )


# --- organisation -----------------------------------------------------------------------------


def test_missing_organisation(tmp_path, roster):
    path = region(tmp_path, "zuid", "# Zuid\ncontacts: [bianca]\nteam_name: Team Zuid\n")
    assert error_of(tmp_path, roster) == f"{path}:2: field 'organisation' is required"


def test_organisation_must_be_a_mapping(tmp_path, roster):
    path = region(tmp_path, "zuid", "contacts: [bianca]\nteam_name: T\norganisation: Dijkzicht\n")
    assert error_of(tmp_path, roster) == f"{path}:3: organisation must be a mapping"


def test_organisation_name_is_required(tmp_path, roster):
    path = region(
        tmp_path,
        "zuid",
        """\
        contacts: [bianca]
        team_name: T
        organisation:
          iban: NL91ABNA0417164300
        """,
    )
    assert error_of(tmp_path, roster) == f"{path}:4: field 'name' is required"


def test_unknown_organisation_field(tmp_path, roster):
    base(tmp_path)
    path = region(
        tmp_path,
        "zuid",
        "extends: _base\ncontacts: [bianca]\norganisation:\n  webiste: dijkzicht.example\n",
    )
    assert error_of(tmp_path, roster) == (
        f"{path}:4: field 'webiste': unknown field "
        "(known: address, bic, email, footer, iban, logo, name, phone, place, short_name, website)"
    )


def test_organisation_short_name_and_allowed_words(tmp_path, roster):
    base(tmp_path)
    region(
        tmp_path,
        "zuid",
        "extends: _base\ncontacts: [bianca]\norganisation:\n  short_name: Dijkzicht\n"
        "allowed_words: [huurtoeslag, Zeeuwse]\n",
    )
    zuid = load_profiles(tmp_path / "regions", roster)["zuid"]
    assert zuid.organisation.short_name == "Dijkzicht"
    assert zuid.organisation.name == "Woningcorporatie Dijkzicht"  # merged from the base
    assert zuid.allowed_words == ("huurtoeslag", "Zeeuwse")


def test_allowed_words_are_single_words(tmp_path, roster):
    base(tmp_path)
    path = region(
        tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nallowed_words: [huur toeslag]\n"
    )
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'allowed_words': 'huur toeslag' must be one word"
    )


def test_allowed_words_must_be_a_list_of_words(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nallowed_words: {a: 1}\n")
    assert error_of(tmp_path, roster) == (
        f"{path}:3: field 'allowed_words': must be a list of names"
    )


def test_invalid_iban_in_region(tmp_path, roster):
    base(tmp_path)
    path = region(
        tmp_path,
        "zuid",
        """\
        extends: _base
        contacts: [bianca]
        organisation:
          name: Dijkzicht Zuid
          iban: NL91 ABNA 0417 1643 01
        """,
    )
    assert error_of(tmp_path, roster) == (
        f"{path}:5: field 'iban': 'NL91 ABNA 0417 1643 01' is not a valid IBAN "
        "(check digits do not match)"
    )


def test_invalid_iban_in_base_points_at_base(tmp_path, roster):
    base_path = base(tmp_path, BASE.replace("1643 00", "1634 00"))
    # The region merges into the organisation, but the IBAN was written in the base.
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\norganisation: {phone: 0118 1}\n")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:9: field 'iban': 'NL91 ABNA 0417 1634 00' is not a valid IBAN "
        "(check digits do not match)"
    )


def test_organisation_phone_read_as_a_number_must_be_quoted(tmp_path, roster):
    base(tmp_path)
    path = region(
        tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\norganisation:\n  phone: 0201234567\n"
    )
    # YAML reads 0201234567 as an octal number; the letter would show 33896823.
    assert error_of(tmp_path, roster) == (
        f"{path}:4: field 'phone': must be in quotes (YAML reads it as the number 33896823)"
    )


# --- the folder and its files ------------------------------------------------------------------


def test_empty_regions_folder(tmp_path, roster):
    folder = regions_dir(tmp_path)
    folder.mkdir()
    (folder / "README.txt").write_text("not a profile\n")
    assert error_of(tmp_path, roster) == (
        f"{folder}: no region profiles (*.yaml) in the regions folder"
    )


def test_only_bases_in_regions_folder(tmp_path, roster):
    base(tmp_path)
    assert error_of(tmp_path, roster) == (
        f"{regions_dir(tmp_path)}: no region profiles (*.yaml) in the regions folder"
    )


def test_missing_regions_folder(tmp_path, roster):
    assert error_of(tmp_path, roster) == f"{regions_dir(tmp_path)}: regions folder not found"


def test_profile_must_be_a_mapping(tmp_path, roster):
    path = region(tmp_path, "zuid", "- contacts: [bianca]\n")
    assert error_of(tmp_path, roster) == f"{path}:1: a region profile must be a mapping"


def test_broken_base_is_reported_even_if_unused(tmp_path, roster):
    base_path = base(tmp_path, "language: nl\nteam: [ineke\n")
    region(tmp_path, "zuid", "contacts: [bianca]\nteam_name: T\norganisation: {name: D}\n")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:3: invalid YAML: expected ',' or ']', but got '<stream end>'"
    )


def test_duplicate_key_in_profile(tmp_path, roster):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\ncontacts: [ineke]\n")
    assert error_of(tmp_path, roster) == f"{path}:3: duplicate key 'contacts'"


# --- iban_is_valid --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "nl91 abna 0417 1643 00",
        "GB82 WEST 1234 5698 7654 32",
    ],
)
def test_valid_iban(iban):
    assert iban_is_valid(iban)


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164301",  # one digit changed
        "NL91ABNA0417164310",  # two digits swapped
        "NL92ABNA0417164300",  # check digits changed
        "NL91ABNA04171",  # too short
        "",
        "NL91-ABNA-0417-1643-00",
        "91NLABNA0417164300",
        "NLABABNA0417164300",  # check digits must be digits
        "NL91ABNA041716430é",  # non-ASCII: False, not a crash
        "NL91ABNA0417164300" + "0" * 17,  # longer than 34
    ],
)
def test_invalid_iban(iban):
    assert not iban_is_valid(iban)


# --- paper letters: letter.window, bic, place, logo, footer ----------------------


def test_paper_letter_settings_default_and_merge(tmp_path, roster):
    base(tmp_path, BASE + "  bic: ABNANL2A\n  place: Vlissingen\n  footer: [KvK 123]\n")
    region(tmp_path, "noord", "extends: _base\ncontacts: [ineke]\n")
    region(
        tmp_path,
        "zuid",
        "extends: _base\ncontacts: [bianca]\n"
        "letter:\n  window: {left: 22, top: 50.5}\n  large_print: true\n  payment_qr: true\n",
    )
    profiles = load(tmp_path, roster)
    noord, zuid = profiles["noord"], profiles["zuid"]
    assert noord.letter == LetterSettings(window=Window(20, 46, 85, 22), large_print=False)
    assert zuid.letter == LetterSettings(
        window=Window(left=22, top=50.5, width=85, height=22), large_print=True, payment_qr=True
    )
    assert (zuid.letter.window.right, zuid.letter.window.bottom) == (107, 72.5)
    assert (noord.letter.max_pages, noord.letter.window.lines) == (2, 5)
    org = zuid.organisation
    assert (org.bic, org.place, org.footer, org.logo) == (
        "ABNANL2A",
        "Vlissingen",
        ("KvK 123",),
        "",
    )


def test_page_limit_and_window_lines_are_set_per_region(tmp_path, roster):
    base(tmp_path)
    region(
        tmp_path,
        "zuid",
        "extends: _base\ncontacts: [bianca]\nletter:\n  max_pages: 3\n  window: {lines: 4}\n",
    )
    zuid = load(tmp_path, roster)["zuid"]
    assert (zuid.letter.max_pages, zuid.letter.window.lines) == (3, 4)


@pytest.mark.parametrize(
    ("letter", "line", "message"),
    [
        ("  window: {left: -1}\n", 4, "field 'left': must be a number of millimetres, not -1"),
        ("  window: {top: ten}\n", 4, "field 'top': must be a number of millimetres, not 'ten'"),
        (
            "  window: {width: true}\n",
            4,
            "field 'width': must be a number of millimetres, not True",
        ),
        (
            "  window:\n    left: 150\n    width: 85\n",
            6,
            "field 'width': the window ends 235 mm from the left edge, past the A4 page (210 mm)",
        ),
        (
            "  window:\n    top: 140\n",
            5,
            "field 'top': the window ends 162 mm from the top, below the top half of the page",
        ),
        (
            "  window: {height: 15}\n",
            4,
            "field 'height': 15 mm is too small for an address block of five lines "
            "(at least 60 mm wide and 22 mm high)",
        ),
        (
            "  window: {depth: 3}\n",
            4,
            "field 'depth': unknown field (known: height, left, lines, top, width)",
        ),
        ("  large_print: ja\n", 4, "field 'large_print': must be true or false, not 'ja'"),
        (
            "  qr: true\n",
            4,
            "field 'qr': unknown field (known: large_print, max_pages, payment_qr, window)",
        ),
        (
            "  max_pages: 0\n",
            4,
            "field 'max_pages': must be a whole number from 1 to 100, not 0",
        ),
        (
            "  max_pages: 2.5\n",
            4,
            "field 'max_pages': must be a whole number from 1 to 100, not 2.5",
        ),
        (
            "  window: {lines: 11}\n",
            4,
            "field 'lines': must be a whole number from 1 to 10, not 11",
        ),
    ],
)
def test_bad_letter_settings_are_located(tmp_path, roster, letter, line, message):
    base(tmp_path)
    path = region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\nletter:\n" + letter)
    assert error_of(tmp_path, roster) == f"{path}:{line}: {message}"


def test_bic_is_checked(tmp_path, roster):
    base_path = base(tmp_path, BASE + "  bic: abna nl 2a\n")
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\n")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:13: field 'bic': 'abna nl 2a' is not a BIC (8 or 11 capitals and digits)"
    )


def test_logo_is_a_png_or_jpeg_beside_the_profile(tmp_path, roster):
    base_path = base(tmp_path, BASE + "  logo: logo.png\n")
    region(tmp_path, "zuid", "extends: _base\ncontacts: [bianca]\n")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:13: field 'logo': cannot read image 'logo.png': No such file or directory"
    )
    (tmp_path / "regions" / "logo.png").write_bytes(b"GIF89a not a png")
    assert error_of(tmp_path, roster) == (
        f"{base_path}:13: field 'logo': 'logo.png' is not a PNG or JPEG image"
    )
    segno.make("Dijkzicht").save(tmp_path / "regions" / "logo.png", kind="png")
    logo = load(tmp_path, roster)["zuid"].organisation.logo
    assert logo == str((tmp_path / "regions" / "logo.png").absolute())
