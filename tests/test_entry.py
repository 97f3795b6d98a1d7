"""The ``brief`` executable answers ``--version`` before the command line is built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from brief import __version__

from conftest import BRIEF, run_brief


def test_version_from_the_installed_command(tmp_path: Path) -> None:
    result = run_brief("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"brief {__version__}\n", "")


def test_version_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "brief", "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"brief {__version__}\n", "")


def test_version_does_not_import_the_command_line(tmp_path: Path) -> None:
    probe = (
        "import sys; sys.argv = ['brief', '--version']\n"
        "from brief.entry import main; main()\n"
        "print(sorted(m for m in ('typer', 'click', 'rich', 'brief.cli', 'jinja2', 'yaml')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.stdout == f"brief {__version__}\n[]\n"


def test_anything_else_goes_to_the_command_line(tmp_path: Path) -> None:
    result = run_brief("--version", "--help", cwd=tmp_path)  # typer's eager --version
    assert result.stdout == f"brief {__version__}\n"
    result = run_brief("history", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: brief history [OPTIONS]")


def test_the_console_script_is_the_entry_module() -> None:
    assert "from brief.entry import main" in Path(BRIEF).read_text("utf-8")
