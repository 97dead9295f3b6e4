"""Bad input to `deploytool build`: exit 2, one line naming the problem (and a hint), nothing left in the cache.

Real uv and pip resolve against a local folder index (deploy.build.index_url); no network is used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from build_fakes import make_wheel

from deploytool.cli import main

CONFIG = """{"deploy": {"app": "tinyapp", "root": "/srv/tinyapp", "ssh": {"user": "deploy"},
  "build": {"builder": "nspawn", "index_url": "index"},
  "services": {"web": {"recipe": "gunicorn"}}, "roles": {"web": {"services": ["web"]}}}}
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app needing `tiny` (one pure wheel in its local index folder); the cache is tmp_path/cache."""
    folder = tmp_path / "app"
    (folder / "etc").mkdir(parents=True)
    (folder / "etc" / "config.json").write_text(CONFIG)
    (folder / "requirements.txt").write_text("tiny==1.0\n")
    (folder / "app.py").write_text("import tiny\n")
    make_wheel(folder / "index")
    monkeypatch.setenv("DEPLOYTOOL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DEPLOYTOOL_MACHINES", str(tmp_path / "machines"))
    monkeypatch.setenv("NO_COLOR", "1")
    return folder


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str
) -> tuple[int, list[str]]:
    """Exit code and stderr lines of `deploytool ARGV` through the real entry point."""
    monkeypatch.setattr(sys, "argv", ["deploytool", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return int(exited.value.code or 0), err.splitlines()


def half_written(cache: Path) -> list[str]:
    """Anything a failed input check must not leave: parts, manifests, scratch or temporary files."""
    if not cache.exists():
        return []
    found = [
        str(p.relative_to(cache))
        for p in cache.glob("*/*")
        if p.parent.name in ("env", "lib", "app", "releases")
    ]
    found += [
        str(p.relative_to(cache)) for p in cache.rglob(".*") if p.name not in (".lock", ".work", ".built")
    ]
    found += [str(p.relative_to(cache)) for p in (cache / ".work").glob("*")]
    return found


def error_lines(lines: list[str]) -> tuple[str, str | None]:
    assert lines and lines[0].startswith("error: "), lines
    assert len(lines) in (1, 2), lines
    hint = lines[1] if len(lines) == 2 else None
    assert hint is None or hint.startswith("  hint: ")
    return lines[0].removeprefix("error: "), hint.removeprefix("  hint: ") if hint else None


def test_a_missing_requirements_file_exits_2_naming_it(
    app: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (app / "requirements.txt").unlink()
    code, lines = run(capsys, monkeypatch, "-C", str(app), "build")
    message, hint = error_lines(lines)
    assert code == 2
    assert message == f"requirements file not found: {app.resolve() / 'requirements.txt'}"
    assert hint == "create it, or set deploy.build.requirements to the app's requirements file"
    assert half_written(app.parent / "cache") == []


@pytest.mark.parametrize(
    ("requirements", "because"),
    [
        ("tiny>=2\n", "Because only tiny==1.0 is available and you require tiny>=2"),
        ("tiny==1.0\ntiny>=1.5\n", "Because you require tiny==1.0 and tiny>=1.5"),
        ("no-such-package\n", "Because no-such-package was not found"),
    ],
    ids=["unresolvable", "conflicting", "unknown"],
)
def test_a_requirement_that_cannot_be_resolved_exits_2_with_the_resolver_s_reason(
    app: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    requirements: str,
    because: str,
) -> None:
    (app / "requirements.txt").write_text(requirements)
    code, lines = run(capsys, monkeypatch, "-C", str(app), "build")
    message, hint = error_lines(lines)
    assert code == 2
    assert message.startswith("the requirements cannot be resolved for Python 3.11 on bookworm: ")
    assert because in message
    assert hint == "fix the conflicting or missing requirement in the requirements file"
    assert half_written(app.parent / "cache") == []


def test_a_builder_that_does_not_exist_exits_2_before_touching_the_cache(
    app: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines = run(capsys, monkeypatch, "-C", str(app), "build", "--builder", "docker")
    assert code == 2
    assert error_lines(lines) == ("unknown builder 'docker'", "use one of: vagrant, nspawn, ssh")
    assert not (app.parent / "cache").exists()


def path_with(folder: Path, **programs: str) -> str:
    """A PATH of `folder` holding git and the given fake programs (name -> shell script body), and python."""
    folder.mkdir()
    (folder / "git").symlink_to("/usr/bin/git")
    for name, body in programs.items():
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)
    return f"{folder}:{Path(sys.executable).parent}"  # uv looks for a python 3.11 on PATH


def test_vagrant_not_installed_exits_2_saying_what_to_install_and_builds_no_part(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin"))
    code, lines = run(capsys, monkeypatch, "-C", str(app), "build", "--builder", "vagrant")
    assert code == 2
    assert error_lines(lines) == (
        "vagrant is not installed",
        "apt-get install vagrant vagrant-lxc lxc (or use --builder nspawn)",
    )
    assert half_written(tmp_path / "cache") == []


def test_a_missing_vagrant_box_exits_2_naming_the_command_that_builds_it(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A vagrant that knows no box (`vagrant box list` prints nothing), and no box file built.
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin", vagrant="exit 0"))
    code, lines = run(capsys, monkeypatch, "-C", str(app), "build", "--builder", "vagrant")
    message, hint = error_lines(lines)
    assert code == 2
    assert message.startswith("the Vagrant box deploytool/bookworm-") and message.endswith(
        " is not installed"
    )
    assert hint == "deploytool box build (a few minutes, once)"
    assert half_written(tmp_path / "cache") == []
    assert not (tmp_path / "machines" / "boxes").exists()


def test_a_missing_index_folder_exits_2_naming_it(
    app: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines = run(
        capsys, monkeypatch, "-C", str(app), "--set", "deploy.build.index_url=/nowhere", "build"
    )
    assert code == 2
    assert error_lines(lines) == (
        "package index folder not found: /nowhere",
        "set deploy.build.index_url to an http(s) simple index or an existing folder",
    )


def test_the_local_index_builds_the_plan_without_any_network(
    app: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # any attempt to reach PyPI would fail
    monkeypatch.setenv("http_proxy", os.environ["HTTPS_PROXY"])
    monkeypatch.setattr(sys, "argv", ["deploytool", "-C", str(app), "--json", "build", "--plan"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code in (0, None)
    assert '"dest": "lib"' in capsys.readouterr().out
