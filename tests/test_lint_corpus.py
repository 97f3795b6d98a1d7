"""The labelled corpus of broken templates (tests/data/broken/index.yaml), linted by the
installed ``brief`` in every output format."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import DATA, run_brief

CORPUS = DATA / "broken"
CASES = yaml.safe_load((CORPUS / "index.yaml").read_text("utf-8"))["cases"]
Key = tuple[str, str, str, int]

TEXT_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+): (?:error|warning) \[(?P<rule>[\w-]+)\] (?P<rest>.*)$"
)
GITHUB_LINE = re.compile(
    r"^::(?:error|warning) file=(?P<path>[^,]+),line=(?P<line>\d+),title=brief (?P<rule>[\w-]+)::"
    r"(?P<rest>.*)$"
)


def test_the_corpus_is_big_enough_and_every_case_has_its_folder() -> None:
    assert len(CASES) >= 25
    ids = [case["id"] for case in CASES]
    assert len(set(ids)) == len(ids)
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()} - {"project"}
    assert folders == set(ids)
    for case in CASES:
        assert case["expect"], case["id"]


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One project with every case in a templates folder of its own (each folder is a
    templates folder to brief: cases do not see each other), linted once per format by
    the installed ``brief``."""
    root = tmp_path_factory.mktemp("corpus") / "project"
    shutil.copytree(CORPUS / "project", root)
    clean = root / "templates"
    for case in CASES:
        folder = clean / case["id"]
        shutil.copytree(CORPUS / "project" / "templates", folder)
        for name in case.get("remove", ()):
            (folder / name).unlink()
        for file in (CORPUS / case["id"]).iterdir():
            shutil.copy(file, folder / file.name)
    out = {}
    for fmt in ("text", "json", "github", "sarif"):
        result = run_brief("lint", "--format", fmt, cwd=root)
        assert result.returncode == 1, (fmt, result.stdout, result.stderr)
        assert result.stderr == ""
        out[fmt] = result.stdout
    return root, out


def test_the_clean_project_is_clean() -> None:
    result = run_brief("lint", "--fail-on", "warning", cwd=CORPUS / "project")

    assert result.returncode == 0, result.stdout
    assert result.stdout == "0 errors, 0 warnings in 2 templates (2 letters checked)\n"


def _expected(case: dict) -> set[Key]:
    folder = f"templates/{case['id']}"
    return {(e["rule"], e["part"], f"{folder}/{e['file']}", e["line"]) for e in case["expect"]}


def _part(rest: str) -> str:
    return "html" if "(html part" in rest else "text"


def _mine(case: dict, path: str) -> bool:
    return path.startswith(f"templates/{case['id']}/")


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case_in_every_format(case: dict, linted: tuple[Path, dict[str, str]]) -> None:
    root, out = linted
    expected = _expected(case)

    findings = [f for f in json.loads(out["json"])["findings"] if _mine(case, f["path"])]
    assert {(f["rule"], f["part"], f["path"], f["line"]) for f in findings} == expected
    errors = any(f["severity"] == "error" for f in findings)
    assert case["exit"] == (1 if errors else 0)  # what `brief lint` alone on it exits with

    text = [TEXT_LINE.match(line) for line in out["text"].splitlines()[:-1]]
    assert all(text), out["text"]
    mine = [m for m in text if m and _mine(case, m["path"])]
    assert {(m["rule"], _part(m["rest"]), m["path"], int(m["line"])) for m in mine} == expected
    assert len(mine) == len(findings)

    github = [GITHUB_LINE.match(line) for line in out["github"].splitlines()]
    assert all(github), out["github"]
    mine = [m for m in github if m and _mine(case, m["path"])]
    assert {(m["rule"], _part(m["rest"]), m["path"], int(m["line"])) for m in mine} == expected
    assert len(mine) == len(findings)

    (run,) = json.loads(out["sarif"])["runs"]
    located = []
    for res in run["results"]:
        where = res["locations"][0]["physicalLocation"]
        if _mine(case, where["artifactLocation"]["uri"]):
            located.append(
                (
                    res["ruleId"],
                    res["properties"]["part"],
                    where["artifactLocation"]["uri"],
                    where["region"]["startLine"],
                )
            )
    assert set(located) == expected
    assert len(located) == len(findings)

    # No finding points past the end of its file (or before its start).
    for finding in findings:
        lines = (root / finding["path"]).read_text("utf-8").splitlines()
        assert 1 <= finding["line"] <= len(lines), finding


def test_no_finding_of_the_corpus_is_past_the_end_of_its_file(
    linted: tuple[Path, dict[str, str]],
) -> None:
    root, out = linted
    findings = json.loads(out["json"])["findings"]
    assert len(findings) >= 2 * len(CASES)
    for finding in findings:
        assert finding["line"] is not None, finding
        lines = (root / finding["path"]).read_text("utf-8").splitlines()
        assert 1 <= finding["line"] <= len(lines), finding
