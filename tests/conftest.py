"""Shared fixtures: real project folders in tmp_path, the CLI in-process and as a subprocess."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from brief.batch import BatchOptions, Renderer
from brief.cli import app
from brief.errors import RecordError
from brief.project import Project
from brief.records import Record, read_records
from brief.render import Letter

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
BRIEF = Path(sys.executable).parent / "brief"


@pytest.fixture(autouse=True, scope="session")
def _cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """brief's cache folder (CMU counts, lint results) in a temporary folder, not the user's."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the small test project (tests/data/project); the current folder."""
    root = tmp_path / "project"
    shutil.copytree(DATA / "project", root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's demo project; the current folder."""
    root = tmp_path / "demo"
    root.mkdir()
    shutil.copy(REPO / "brief.yaml", root)
    for folder in ("templates", "regions", "examples"):
        shutil.copytree(REPO / folder, root / folder)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def reminded(demo: Path) -> Path:
    """The demo after its first reminders (``betalingsherinnering``, dated 2026-11-06) were
    rendered into ``reminders/``: the journal holds what the 14-dagenbrief follows."""
    result = CliRunnerCall()(
        "render", "-r", "examples/customers.csv", "-t", "betalingsherinnering",
        "-o", "reminders", "--date", "2026-11-06",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return demo


@pytest.fixture
def cli() -> Iterator[CliRunnerCall]:
    yield CliRunnerCall()


class CliRunnerCall:
    """Run ``brief`` in-process and keep stdout and stderr apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input, catch_exceptions=False)


def run_brief(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``brief`` console script as a real subprocess."""
    return subprocess.run(
        [str(BRIEF), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def load_generate() -> object:
    """bench/generate.py as a module: demo-like customers for tests that need thousands."""
    spec = importlib.util.spec_from_file_location("generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_proef(root: Path, records: Path) -> tuple[Project, list[Letter]]:
    """Every readable record of ``records`` rendered with the ``proef`` template of the
    project in ``root`` (as ``brief render`` renders it, without the checks)."""
    project = Project.discover(root)
    options = BatchOptions(
        records=records, template="proef", today=dt.date(2026, 11, 22), stream=root / "x"
    )
    renderer = Renderer(project, options)
    rendered = []
    for item in read_records(records):
        if isinstance(item, Record):
            try:
                rendered.append(renderer.letter(item))
            except RecordError:
                continue
    return project, rendered
