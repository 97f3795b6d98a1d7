"""The pre-commit hook fires on every file a letter is made from, and on nothing else."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import DATA, REPO

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
(HOOK,) = HOOKS
FILES = re.compile(HOOK["files"])  # pre-commit matches with re.search on the repo path


def _project_files() -> list[str]:
    demo = ["brief.yaml", "examples/staff.yaml", "examples/customers.csv"]
    demo += [p.relative_to(REPO).as_posix() for p in (REPO / "templates").glob("*.j2")]
    demo += [p.relative_to(REPO).as_posix() for p in (REPO / "regions").glob("*.yaml")]
    test = [
        p.relative_to(REPO).as_posix()
        for p in (DATA / "project").rglob("*")
        if p.is_file() and p.suffix in (".j2", ".yaml", ".csv")
    ]
    return demo + test


@pytest.mark.parametrize("path", _project_files())
def test_fires_on_project_files(path: str) -> None:
    assert FILES.search(path), path


@pytest.mark.parametrize(
    "path",
    [
        "templates/_voet.j2",
        "letters/regions/noord.yml",
        "config/roster.yaml",
        "data/customers-december.jsonl",
        "samples.yaml",
        "records/records.tsv",
        "brief.yml",
    ],
)
def test_fires_on_other_layouts_of_the_same_files(path: str) -> None:
    assert FILES.search(path), path


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        ".pre-commit-config.yaml",
        ".pre-commit-hooks.yaml",
        ".github/workflows/letters.yaml",
        "src/brief/render.py",
        "tests/test_render.py",
        "examples/do-not-send.txt",
        "docs/regions.md",
        "out/manifest.jsonl",
        "brief.sqlite",
        "templates/README.md",
        "mybrief.yaml",
    ],
)
def test_does_not_fire_on_other_files(path: str) -> None:
    assert not FILES.search(path), path


def test_lints_the_whole_project_once() -> None:
    assert HOOK["entry"] == "brief lint"
    assert HOOK["pass_filenames"] is False
    assert HOOK["require_serial"] is True


def test_no_example_pins_a_release_tag() -> None:
    # brief has no release tags: an example with `rev: v0.1.0` fails for whoever copies it.
    for text in (
        (REPO / "README.md").read_text("utf-8"),
        (REPO / ".pre-commit-hooks.yaml").read_text("utf-8"),
    ):
        for rev in re.findall(r"^\s*#?\s*rev:\s*(\S+)", text, re.M):
            assert not re.match(r"v?\d+\.\d+", rev), rev


def test_the_readme_local_hook_uses_the_same_pattern() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"files: {HOOK['files']}" in readme
