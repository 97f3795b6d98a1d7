"""The lint result cache: an unchanged project is answered from one file, byte for byte."""

from __future__ import annotations

import marshal
import subprocess
from pathlib import Path

import pytest

from brief import lintcache

from conftest import run_brief

ANONYMOUS = "templates/betalingsherinnering.j2"
SIGNATURE = "{{ signer.name }}\n{{ signer.role }}, {{ team_name }}\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own; the lint cache inside it."""
    base = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(base))
    return base / "brief" / "lint"


def lint(demo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_brief("lint", *args, cwd=demo)


def same(a: subprocess.CompletedProcess[str], b: subprocess.CompletedProcess[str]) -> None:
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.cache"))


def rewrite(path: Path, change) -> None:
    """Change a stored entry and sign it again, as brief would have written it."""
    body = path.read_bytes().partition(b"\n")[2]
    entry = marshal.loads(body)
    change(entry)
    body = marshal.dumps(entry)
    path.write_bytes(lintcache._digest(body).encode("ascii") + b"\n" + body)


@pytest.mark.parametrize("options", [(), ("--format", "json"), ("-f", "sarif", "--fail-on=never")])
def test_cached_output_is_the_output(demo: Path, cache: Path, options: tuple[str, ...]) -> None:
    first = lint(demo, *options)
    assert first.returncode == 0, first.stderr
    [entry] = entries(cache)
    again = lint(demo, *options)
    uncached = lint(demo, *options, "--no-cache")
    same(first, again)
    same(first, uncached)
    assert entries(cache) == [entry]  # --no-cache neither read nor wrote


def test_an_unchanged_project_is_answered_from_the_cache(demo: Path, cache: Path) -> None:
    first = lint(demo)
    [entry] = entries(cache)
    rewrite(entry, lambda e: e.update(said=[("out", "from the cache\n")], code=1))
    again = lint(demo)
    assert (again.returncode, again.stdout, again.stderr) == (1, "from the cache\n", "")
    assert lint(demo, "--no-cache").stdout == first.stdout


def test_findings_and_exit_code_come_back(demo: Path, cache: Path) -> None:
    path = demo / ANONYMOUS
    path.write_text(path.read_text("utf-8").replace(SIGNATURE, "{{ team_name }}\n"), "utf-8")
    first = lint(demo)
    assert first.returncode == 1
    assert "anonymous-signoff" in first.stdout
    same(first, lint(demo))


def test_a_changed_template_is_linted_again(demo: Path, cache: Path) -> None:
    clean = lint(demo)
    assert clean.returncode == 0
    path = demo / ANONYMOUS
    path.write_text(path.read_text("utf-8").replace(SIGNATURE, "{{ team_name }}\n"), "utf-8")
    changed = lint(demo)
    assert changed.returncode == 1
    assert f"{ANONYMOUS}:" in changed.stdout
    same(changed, lint(demo, "--no-cache"))


@pytest.mark.parametrize(
    "change",
    [
        "a new variant next to a template",
        "a changed roster",
        "a changed sample record",
    ],
)
def test_what_else_counts_as_a_change(demo: Path, cache: Path, change: str) -> None:
    first = lint(demo)
    [entry] = entries(cache)
    rewrite(entry, lambda e: e.update(said=[("out", "stale\n")]))
    assert lint(demo).stdout == "stale\n"
    if change == "a new variant next to a template":
        text = (demo / "templates/bedankt.j2").read_text("utf-8")
        (demo / "templates/bedankt.oost.j2").write_text(text, "utf-8")
    elif change == "a changed roster":
        staff = demo / "examples/staff.yaml"
        staff.write_text(staff.read_text("utf-8") + "\n", "utf-8")
    elif change == "a changed sample record":
        samples = demo / "examples/customers.csv"
        samples.write_text(samples.read_text("utf-8").replace("K1011", "K1911", 1), "utf-8")
    again = lint(demo)
    templates = 20 if change.startswith("a new variant") else 19
    assert again.stdout == first.stdout.replace("19 templates", f"{templates} templates")
    same(again, lint(demo, "--no-cache"))


def test_a_nearer_brief_yaml_counts_as_a_change(demo: Path, cache: Path) -> None:
    here = demo / "templates"
    first = lint(here)  # from a sub-folder: the project is found in the parent
    assert first.returncode == 0
    [entry] = entries(cache)
    rewrite(entry, lambda e: e.update(said=[("out", "stale\n")]))
    assert lint(here).stdout == "stale\n"
    (here / "brief.yaml").write_text("templates: .\nregions: ../regions\n", "utf-8")
    again = lint(here)
    assert again.returncode == 2  # this project has no roster
    assert again.stderr.startswith("Error: ")


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"0" * 40 + b"\n" + b"\x00\x01", "truncated"],
)
def test_a_damaged_cache_file_is_ignored(demo: Path, cache: Path, damage: bytes | str) -> None:
    first = lint(demo)
    [entry] = entries(cache)
    if damage == "truncated":
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2])
    else:
        entry.write_bytes(damage)
    same(first, lint(demo))
    digest, _, body = entry.read_bytes().partition(b"\n")  # and stored whole again
    assert digest == lintcache._digest(body).encode("ascii")
    assert marshal.loads(body)["said"] == [("out", first.stdout)]


def test_report_file_is_written_from_the_cache(demo: Path, cache: Path) -> None:
    first = lint(demo, "--format", "json", "--output", "report.json")
    report = (demo / "report.json").read_text("utf-8")
    assert first.stderr == (
        "0 errors, 0 warnings in 19 templates (96 letters checked); report written to report.json\n"
    )
    (demo / "report.json").unlink()
    same(first, lint(demo, "--format", "json", "--output", "report.json"))
    assert (demo / "report.json").read_text("utf-8") == report


def test_a_failed_run_is_not_stored(demo: Path, cache: Path) -> None:
    result = lint(demo, "--format", "xml")
    assert result.returncode == 2
    assert entries(cache) == []


@pytest.mark.parametrize(
    ("arguments", "parsed"),
    [
        ([], ({**lintcache.OPTIONS}, [])),
        (
            ["templates/", "-f", "json", "--fail-on=never", "--samples", "./x.csv"],
            (
                {**lintcache.OPTIONS, "format": "json", "fail_on": "never", "samples": "x.csv"},
                ["templates"],
            ),
        ),
        (
            ["--output", "r.txt", "a.j2", "b.j2"],
            ({**lintcache.OPTIONS, "output": "r.txt"}, ["a.j2", "b.j2"]),
        ),
        (["--no-cache"], None),
        (["--help"], None),
        (["--explain", "readability"], None),
        (["-f", "json", "-f", "text"], None),  # repeated: left to the command line parser
        (["--format"], None),
        (["--format", "--fail-on"], None),
        (["-fjson"], None),
        (["--", "x.j2"], None),
        (["-"], None),
    ],
)
def test_the_quick_parser_takes_only_what_it_reads_exactly(arguments, parsed) -> None:
    assert lintcache.parse(arguments) == parsed
