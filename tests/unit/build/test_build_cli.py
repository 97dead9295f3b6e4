"""`deploytool build` and `deploytool box build` as a user meets them: help, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from deploytool.cli import build as build_cli
from deploytool.cli import root
from deploytool.config.example import example_text
from deploytool.errors import UsageError


def app() -> typer.Typer:
    cli = typer.Typer(rich_markup_mode="rich", pretty_exceptions_show_locals=False)
    cli.callback()(root)
    build_cli.register(cli)
    return cli


def test_build_help_shows_its_options_and_examples() -> None:
    result = CliRunner().invoke(app(), ["build", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for text in ("--plan", "--builder", "--force", "Examples", "deploytool build --plan"):
        assert text in result.output


def test_box_build_help_shows_examples() -> None:
    result = CliRunner().invoke(app(), ["box", "build", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "deploytool box build" in result.output


def project(folder: Path) -> Path:
    """A project whose config is the documented example (which needs no requirements file)."""
    (folder / "etc").mkdir()
    (folder / "etc" / "config.json").write_text(example_text())
    return folder


def test_an_unknown_builder_is_an_input_error(tmp_path: Path) -> None:
    project(tmp_path)
    result = CliRunner().invoke(app(), ["-C", str(tmp_path), "build", "--builder", "docker"])
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == 2
    assert "unknown builder 'docker'" in result.exception.message


def test_a_missing_requirements_file_is_an_input_error_that_says_which(tmp_path: Path) -> None:
    project(tmp_path)
    result = CliRunner().invoke(app(), ["-C", str(tmp_path), "build", "--plan"])
    assert isinstance(result.exception, UsageError)
    assert (
        result.exception.message == f"requirements file not found: {tmp_path.resolve() / 'requirements.txt'}"
    )
    assert result.exception.hint is not None


@pytest.mark.parametrize("distro", ["jessie"])
def test_box_build_refuses_an_unknown_distro(distro: str) -> None:
    result = CliRunner().invoke(app(), ["box", "build", "--distro", distro])
    assert isinstance(result.exception, UsageError)
    assert "unknown distro 'jessie'" in result.exception.message
