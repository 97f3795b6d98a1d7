"""Help is UI: every command has help with an example, and the README documents it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from brief.checks import RULES
from brief.cli import app

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text("utf-8")
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands if c.callback)


def test_there_are_commands() -> None:
    assert {"render", "lint"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help_with_an_example(cli, command: str) -> None:
    result = cli(command, "--help")

    assert result.exit_code == 0
    assert "Example" in result.stdout, f"brief {command} --help shows no example"


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_in_the_readme(command: str) -> None:
    assert f"## brief {command}" in README


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_an_explanation_and_is_documented(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert len(rule.explanation) > 80
    assert f"`{rule_id}`" in README


def test_pre_commit_hook_runs_brief_lint() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in hooks] == ["brief-lint"]
    assert hooks[0]["entry"] == "brief lint"
    assert hooks[0]["language"] == "python"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    commands = [line for line in README.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2, "the quick start has exactly two set-up commands"
    assert commands[1] in ci


def test_the_test_command_type_checks_with_the_test_extra() -> None:
    commands = [line for line in README.splitlines() if line.startswith("python3 -m venv .venv")]
    assert "'.[test]'" in commands[1] and " && .venv/bin/mypy src && " in commands[1]
    pyproject = (REPO / "pyproject.toml").read_text("utf-8")
    test_extra = pyproject.split("\ntest = [", 1)[1].split("]", 1)[0]
    assert '"mypy' in test_extra and '"types-PyYAML"' in test_extra
