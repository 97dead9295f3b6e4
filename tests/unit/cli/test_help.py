"""Every command's --help teaches with at least one example."""

from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from deploytool.cli import app


def _commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    found: list[list[str]] = [[]]

    def walk(group: Any, path: list[str]) -> None:
        if hasattr(group, "commands"):  # a group (typer carries its own click, so no isinstance)
            for name, sub in group.commands.items():
                found.append([*path, name])
                walk(sub, [*path, name])

    walk(root, [])
    return found


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "deploytool")
def test_help_shows_an_example_of_the_command(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"NO_COLOR": "1", "COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Examples" in result.output, f"`deploytool {' '.join(path)} --help` has no example"
    assert "$ deploytool" in result.output


def test_every_verb_of_the_brief_is_present() -> None:
    names = {" ".join(p) for p in _commands()}
    for verb in (
        "init",
        "build",
        "push",
        "rollback",
        "releases",
        "status",
        "deb",
        "fleet",
        "config show",
        "config check",
        "config example",
    ):
        assert verb in names
