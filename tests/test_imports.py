"""The library stands on its own: no module under src/brief imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from brief import __version__
from brief.commands.lint import ReportFormat
from brief.report import RENDERERS

SRC = Path(__file__).parents[1] / "src" / "brief"
ENTRY = {"cli.py", "__main__.py", "entry.py"}  # the CLI: ``brief``, ``python -m brief``
LIBRARY = sorted(
    p
    for p in SRC.rglob("*.py")
    if p.relative_to(SRC).as_posix() not in ENTRY and "commands" not in p.relative_to(SRC).parts
)
CLI = ("brief.cli", "brief.commands")


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved (``from . import cli`` too)."""
    package = ["brief", *path.relative_to(SRC).parent.parts]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_the_walk_sees_the_library_and_resolves_relative_imports() -> None:
    assert {p.name for p in LIBRARY} >= {"batch.py", "project.py", "send.py", "base.py"}
    assert "brief.errors.BriefError" in _imported(SRC / "batch.py")
    assert "brief.checks.base.RULES" in _imported(SRC / "checks" / "__init__.py")
    assert "brief.commands.common" in _imported(SRC / "commands" / "lint.py")


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(SRC)))
def test_no_library_module_imports_the_cli(path: Path) -> None:
    bad = sorted(
        n for n in _imported(path) if n in CLI or n.startswith(tuple(c + "." for c in CLI))
    )
    assert bad == []


def test_lint_formats_are_the_report_renderers() -> None:
    assert [f.value for f in ReportFormat] == list(RENDERERS)


def test_brief_version_loads_none_of_the_heavy_parts() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.argv = ['brief', '--version']\n"
        "from brief.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'jinja2', 'yaml', 'rich', 'babel', 'sqlite3', 'textstat'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == f"brief {__version__}\n[]\n"
