"""`deploytool init` writes a config that passes `config check`, and never overwrites by surprise."""

import json
import subprocess
import sys
from pathlib import Path


def _init(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploytool", "-C", str(project), "init", *args],
        capture_output=True,
        text=True,
        env={"CI": "true", "PATH": "/usr/bin:/bin"},
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_init_from_flags_writes_a_config_that_config_check_accepts(tmp_path: Path) -> None:
    result = _init(tmp_path, "--app", "notes", "--role", "web", "--role", "worker")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "etc" / "config.json").read_text())
    assert data["deploy"]["app"] == "notes" and data["deploy"]["root"] == "/srv/notes"
    assert sorted(data["deploy"]["roles"]) == ["web", "worker"]
    assert (tmp_path / "etc" / "web.json").is_file() and (tmp_path / "etc" / "worker.json").is_file()
    check = subprocess.run(
        [sys.executable, "-m", "deploytool", "-C", str(tmp_path), "config", "check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_init_without_flags_in_ci_names_the_app_after_its_folder(tmp_path: Path) -> None:
    project = tmp_path / "My_Shop 2"
    project.mkdir()
    assert _init(project).returncode == 0
    assert json.loads((project / "etc" / "config.json").read_text())["deploy"]["app"] == "my-shop-2"


def test_init_refuses_to_overwrite_without_force_and_touches_nothing(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "config.json").write_text("{}\n")
    result = _init(tmp_path, "--app", "notes")
    assert result.returncode == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "etc" / "config.json").read_text() == "{}\n"
    assert _init(tmp_path, "--app", "notes", "--force").returncode == 0


def test_init_refuses_an_invalid_app_name_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    result = _init(tmp_path, "--app", "Bad Name;rm")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "etc").exists()
