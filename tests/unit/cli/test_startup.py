"""Startup stays light: `--version` and `--help` load typer, rich and the CLI modules, not the library.

Each command imports the library modules it needs inside its function, so `deploytool --version`
does not pay for pydantic, paramiko/fabric/invoke (ssh), jinja2 (recipes) or the build pipeline.
These tests run the real entry point in a fresh interpreter and look at what it imported: a
regression guard on the import graph, not a timing test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# Heavy third-party packages only the commands need.
HEAVY = ("paramiko", "fabric", "invoke", "jinja2", "pydantic", "pydantic_core")
# The deploytool modules a bare start may load: the CLI layer and the two light modules it uses.
LIGHT = {"deploytool", "deploytool.errors", "deploytool.output"}

# Runs `python -m deploytool ARGV` in-process, then writes every module it imported to a file.
SCRIPT = """
import runpy, sys
out, sys.argv = sys.argv[1], ["deploytool", *sys.argv[2:]]
try:
    runpy.run_module("deploytool", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(out, "w") as f:
    f.write("\\n".join(sorted(sys.modules)))
sys.exit(code)
"""


def imported(tmp_path: Path, *argv: str) -> set[str]:
    """The modules `python -m deploytool ARGV` imports (it must exit 0)."""
    listing = tmp_path / "modules.txt"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(listing), *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(listing.read_text().split())


def heavy(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages)


def library(modules: set[str]) -> list[str]:
    """deploytool modules outside the CLI layer and the light ones."""
    return sorted(
        m
        for m in modules
        if m.split(".")[0] == "deploytool"
        and m not in LIGHT
        and m != "deploytool.cli"
        and not m.startswith("deploytool.cli.")
    )


@pytest.mark.parametrize("argv", [["--version"], ["--help"]], ids=" ".join)
def test_version_and_help_import_no_library(tmp_path: Path, argv: list[str]) -> None:
    modules = imported(tmp_path, *argv)
    assert "deploytool.cli.build" in modules  # the listing is real: every CLI module is loaded
    assert heavy(modules, HEAVY) == []
    assert library(modules) == []


@pytest.mark.parametrize(
    "argv",
    [["build", "--help"], ["push", "--help"]],
    ids=" ".join,
)
def test_a_commands_help_imports_no_library(tmp_path: Path, argv: list[str]) -> None:
    # typer itself validates option values with pydantic once a command's options are parsed, so
    # pydantic is allowed here; the library and the ssh stack are not.
    modules = imported(tmp_path, *argv)
    assert heavy(modules, ("paramiko", "fabric", "invoke", "jinja2")) == []
    assert library(modules) == []


def test_importing_the_cli_imports_no_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys, deploytool.cli; print('\\n'.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    modules = set(result.stdout.split())
    assert "deploytool.cli.push" in modules
    assert heavy(modules, HEAVY) == []
    assert library(modules) == []


def test_the_ssh_endpoint_type_needs_no_paramiko() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, deploytool.remote.endpoint, deploytool.release.plan; "
            "print('\\n'.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert heavy(set(result.stdout.split()), ("paramiko", "fabric", "invoke")) == []


def test_ssh_still_exports_endpoint() -> None:
    from deploytool.remote import endpoint, ssh

    assert ssh.Endpoint is endpoint.Endpoint
