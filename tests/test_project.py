"""Project settings: finding brief.yaml, paths relative to it, loading on demand."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from brief.errors import ConfigError
from brief.project import Project, Settings, find_config, load_settings

ROSTER = """\
staff:
  - id: ineke
    name: Ineke de Vries
    role: {nl: Medewerker incasso, en: Collections officer}
    phone: 06 1234 5601
    email: ineke.devries@dijkzicht.example
    signs: true
"""

REGION = """\
name: Zuid
contacts: [ineke]
team_name: Team Incasso
organisation: {name: Woningcorporatie Dijkzicht}
"""

CONFIG = """\
# brief settings
templates: tpl
regions: conf/regions
staff: people/staff.yaml
samples: data/customers.csv
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """``tmp_path`` without symlinks, as :func:`load_settings` resolves its start."""
    tmp = tmp_path.resolve()
    if find_config(tmp) is not None:
        pytest.skip(f"a brief.yaml above the test folder: {find_config(tmp)}")
    return tmp


def project_dir(tmp: Path, config: str | None = CONFIG) -> Path:
    """A project in ``tmp/proj`` with a roster and one region, where CONFIG puts them."""
    root = tmp / "proj"
    (root / "sub" / "deeper").mkdir(parents=True)
    if config is not None:
        write(root / "brief.yaml", config)
    write(root / "people" / "staff.yaml", ROSTER)
    write(root / "conf" / "regions" / "zuid.yaml", REGION)
    return root


def project_error(project: Project, what: str) -> str:
    """The message of the error raised when ``project.<what>`` is first loaded."""
    with pytest.raises(ConfigError) as info:
        getattr(project, what)
    return str(info.value)


def settings_error(start: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(start)
    return str(info.value)


# --- find_config ---------------------------------------------------------------


def test_find_config_in_start_folder(tmp):
    config = write(tmp / "brief.yaml", "{}\n")
    assert find_config(tmp) == config


def test_find_config_in_nearest_parent(tmp):
    write(tmp / "brief.yaml", "{}\n")
    inner = write(tmp / "a" / "brief.yaml", "{}\n")
    (tmp / "a" / "b" / "c").mkdir(parents=True)
    assert find_config(tmp / "a" / "b" / "c") == inner


def test_find_config_skips_a_folder_named_brief_yaml(tmp):
    (tmp / "a" / "brief.yaml").mkdir(parents=True)
    config = write(tmp / "brief.yaml", "{}\n")
    assert find_config(tmp / "a") == config


def test_find_config_none(tmp):
    assert find_config(tmp) is None


# --- load_settings ---------------------------------------------------------------


def test_brief_yaml_in_parent_paths_relative_to_it(tmp, monkeypatch):
    root = project_dir(tmp)
    monkeypatch.chdir(tmp)
    settings = load_settings(root / "sub" / "deeper")
    assert settings == Settings(
        root=root,
        config=root / "brief.yaml",
        # Shown relative to the current folder, which holds the project.
        templates=Path("proj/tpl"),
        regions=Path("proj/conf/regions"),
        staff=Path("proj/people/staff.yaml"),
        samples=Path("proj/data/customers.csv"),
    )


def test_start_defaults_to_current_folder(tmp, monkeypatch):
    root = project_dir(tmp)
    monkeypatch.chdir(root / "sub")
    settings = load_settings()
    assert settings.root == root
    assert settings.config == root / "brief.yaml"
    # Not below the current folder: shown in full, still relative to brief.yaml.
    assert settings.templates == root / "tpl"
    assert settings.regions == root / "conf" / "regions"
    assert settings.staff == root / "people" / "staff.yaml"
    assert settings.samples == root / "data" / "customers.csv"


def test_defaults_without_brief_yaml(tmp, monkeypatch):
    start = tmp / "work"
    start.mkdir()
    monkeypatch.chdir(start)
    assert load_settings() == Settings(
        root=start,
        config=None,
        templates=Path("templates"),
        regions=Path("regions"),
        staff=Path("staff.yaml"),
        samples=Path("examples/customers.csv"),
    )


def test_defaults_elsewhere_are_relative_to_start(tmp, monkeypatch):
    start = tmp / "work"
    (tmp / "other").mkdir()
    start.mkdir()
    monkeypatch.chdir(tmp / "other")
    settings = load_settings(start)
    assert (settings.root, settings.config) == (start, None)
    assert settings.regions == start / "regions"
    assert settings.staff == start / "staff.yaml"


@pytest.mark.parametrize("text", ["", "# nothing set\n", "{}\n"])
def test_empty_brief_yaml_uses_defaults(tmp, monkeypatch, text):
    write(tmp / "brief.yaml", text)
    monkeypatch.chdir(tmp)
    settings = load_settings()
    assert settings.config == tmp / "brief.yaml"
    assert (settings.templates, settings.regions, settings.staff, settings.samples) == (
        Path("templates"),
        Path("regions"),
        Path("staff.yaml"),
        Path("examples/customers.csv"),
    )


def test_some_keys_set_others_default(tmp, monkeypatch):
    write(tmp / "brief.yaml", "staff: examples/staff.yaml\n")
    monkeypatch.chdir(tmp)
    settings = load_settings()
    assert settings.staff == Path("examples/staff.yaml")
    assert settings.regions == Path("regions")


def test_absolute_path_in_brief_yaml(tmp, monkeypatch):
    elsewhere = tmp / "shared" / "staff.yaml"
    write(tmp / "proj" / "brief.yaml", f"staff: {elsewhere}\n")
    monkeypatch.chdir(tmp / "proj")
    assert load_settings().staff == elsewhere


def test_unknown_key_in_brief_yaml(tmp):
    config = write(tmp / "brief.yaml", "templates: tpl\n\nroster: staff.yaml\n")
    assert settings_error(tmp) == (
        f"{config}:3: field 'roster': unknown field "
        "(known: do_not_send, followup, journal, limits, regions, sample_history, samples, smtp, staff, "
        "templates)"
    )


def test_brief_yaml_must_be_a_mapping(tmp):
    config = write(tmp / "brief.yaml", "- templates\n- regions\n")
    assert settings_error(tmp) == f"{config}:1: brief.yaml must be a mapping"


def test_brief_yaml_value_must_be_text(tmp):
    config = write(tmp / "brief.yaml", "templates: tpl\nregions: [zuid, noord]\n")
    assert settings_error(tmp) == f"{config}:2: field 'regions': must be text, not a list"


def test_brief_yaml_syntax_error(tmp):
    config = write(tmp / "brief.yaml", "templates: tpl\nregions: 'regions\n")
    assert settings_error(tmp) == (f"{config}:3: invalid YAML: found unexpected end of stream")


def test_brief_yaml_duplicate_key(tmp):
    config = write(tmp / "brief.yaml", "staff: a.yaml\ntemplates: tpl\nstaff: b.yaml\n")
    assert settings_error(tmp) == f"{config}:3: duplicate key 'staff'"


# --- Project ----------------------------------------------------------------------------


def test_project_profiles_load(tmp, monkeypatch):
    root = project_dir(tmp)
    monkeypatch.chdir(root)
    project = Project.discover(root / "sub")
    assert project.regions_dir == Path("conf/regions")
    assert project.staff_path == Path("people/staff.yaml")
    assert project.templates_dir == Path("tpl")

    assert [m.id for m in project.roster] == ["ineke"]
    assert project.roster is project.roster  # loaded once
    assert sorted(project.profiles) == ["zuid"]
    zuid = project.profile("zuid")
    assert zuid is not None
    assert zuid.name == "Zuid"
    assert zuid.contacts == ("ineke",)
    assert zuid.path == str(Path("conf/regions/zuid.yaml"))
    assert project.profile("noord") is None
    assert project.known_regions() == "zuid"


def test_project_overrides(tmp, monkeypatch):
    root = project_dir(tmp)
    other = write(tmp / "other" / "staff.yaml", ROSTER.replace("ineke", "carina"))
    write(tmp / "other" / "regions" / "west.yaml", REGION.replace("ineke", "carina"))
    monkeypatch.chdir(root)
    project = Project(load_settings(), staff=other, regions=tmp / "other" / "regions")
    assert project.staff_path == other
    assert [m.id for m in project.roster] == ["carina"]
    assert sorted(project.profiles) == ["west"]
    assert project.templates_dir == Path("tpl")  # not overridden


def test_project_roster_missing_file(tmp, monkeypatch):
    root = project_dir(tmp)
    (root / "people" / "staff.yaml").unlink()
    monkeypatch.chdir(root)
    assert project_error(Project.discover(), "roster") == (
        "people/staff.yaml: staff roster not found (set 'staff:' in brief.yaml or pass --staff)"
    )


def test_project_roster_missing_without_brief_yaml(tmp, monkeypatch):
    monkeypatch.chdir(tmp)
    assert project_error(Project.discover(), "profiles") == (
        "staff.yaml: staff roster not found (set 'staff:' in brief.yaml or pass --staff)"
    )


def test_project_profiles_missing_regions_folder(tmp, monkeypatch):
    root = project_dir(tmp, config="staff: people/staff.yaml\nregions: rayons\n")
    monkeypatch.chdir(root)
    assert project_error(Project.discover(), "profiles") == "rayons: regions folder not found"


def test_project_profiles_checked_against_its_roster(tmp, monkeypatch):
    root = project_dir(tmp)
    write(root / "conf" / "regions" / "noord.yaml", REGION.replace("[ineke]", "[piet]"))
    monkeypatch.chdir(root)
    assert project_error(Project.discover(), "profiles") == (
        "conf/regions/noord.yaml:2: field 'contacts': unknown staff id 'piet' "
        "(not in people/staff.yaml; known: ineke)"
    )


def test_limits_in_brief_yaml(tmp):
    from brief.limits import Limits
    from brief.project import load_settings

    write(tmp / "brief.yaml", "limits:\n  render_seconds: 0.5\n  letter_size: 20000\n")
    assert load_settings(tmp).limits == Limits(seconds=0.5, size=20000)
    config = write(tmp / "brief.yaml", "limits:\n  render_seconds: 0\n")
    assert settings_error(tmp) == (
        f"{config}:2: field 'render_seconds': must be between 0.01 and 3600, not 0"
    )
