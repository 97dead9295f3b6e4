"""`deploytool config show|check|example` through the real entry point, and every bad-config fixture.

Most cases call `deploytool.cli.main()` in-process (same handlers as a user gets); a few run
`python -m deploytool` in a subprocess to prove no traceback reaches stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploytool.cli import main
from deploytool.config import load_project
from deploytool.config.example import example_text

TESTS = Path(__file__).resolve().parents[2]
BAD = TESTS / "fixtures" / "bad_config"
SAMPLE = TESTS.parent / "sample_app"


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `deploytool ARGV`."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "argv", ["deploytool", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def assert_one_error_line(err: str, *fragments: str, hint: str | None = None) -> None:
    lines = err.splitlines()
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    if hint is None:
        assert len(lines) == 1, err
    else:
        assert len(lines) == 2 and lines[1] == f"  hint: {hint}", err


# case -> (file, key path or line/column, what is expected, hint)
CASES: dict[str, tuple[str, str, str, str | None]] = {
    "malformed_json": ("etc/config.json", "line 19, column 7", "invalid JSON", None),
    "not_an_object": ("etc/config.json", "top level is a list", "expected a JSON object", None),
    "wrong_type": ("etc/config.json", "deploy.keep_releases", 'expected an integer, got "five"', None),
    "unknown_key": (
        "etc/shard.json",
        "deploy.services.web.workres",
        "unknown key",
        "did you mean 'workers'?",
    ),
    "unknown_recipe_key": (
        "etc/config.json",
        "deploy.services.worker.workers",
        "unknown key",
        "valid keys here: recipe, app, concurrency, queues, env",
    ),
    "unknown_recipe": ("etc/config.json", "deploy.services.web.recipe", "expected a recipe: one of", None),
    "missing_required_key": ("etc/config.json", "deploy.app", "required, but missing", None),
    "role_file_for_unknown_role": (
        "etc/shrad.json",
        '"shrad"',
        "is not a role or a host (roles: master, shard; hosts: h1, h2)",
        "did you mean etc/shard.json?",
    ),
    "host_in_two_roles_with_conflicting_settings": (
        "etc/master.json",
        "deploy.services.web.workers",
        "set to 3 here and to 4 in etc/shard.json, and host h1 is in both roles",
        "set deploy.services.web.workers in etc/h1.json (or make the role files agree)",
    ),
    "not_utf8": (
        "etc/shard.json",
        "line 1, column 58",
        "not UTF-8 text (byte 0xe9",
        "save the file as UTF-8",
    ),
    "empty_file": (
        "etc/shard.json",
        "the file is empty",
        "expected a JSON object",
        "write {} for a layer that sets nothing",
    ),
    "file_is_a_directory": ("etc/master.json", "is a directory", "expected a JSON file", None),
    "unreadable_file": ("etc/master.json", "cannot read the file", "a symlink to a missing file", None),
    "service_missing_for_role": (
        "etc/config.json",
        "deploy.roles.shard.services.1",
        'expected a service defined in deploy.services, got "wrker"',
        "did you mean 'worker'?",
    ),
    "health_service_missing": (
        "etc/config.json",
        "deploy.health.service",
        'expected a service defined in deploy.services, got "api"',
        None,
    ),
    "unsafe_host_name": ("etc/config.json", "deploy.hosts.h3;reboot", "expected a host name", None),
    "role_file_sets_hosts": (
        "etc/shard.json",
        "deploy.hosts",
        "can only be set in etc/config.json or etc/hosts.json",
        "role and host files change settings; which roles and hosts exist is decided in one place",
    ),
    "literal_secret": ("etc/config.json", "deploy.secrets.API_TOKEN", "expected a secret reference", None),
    "duplicate_key": ("etc/config.json", '"app" appears twice', "invalid JSON", None),
    "missing_config": (
        "etc/config.json",
        "missing",
        "a project needs etc/config.json",
        "pass the app's folder with -C, or start one with `deploytool config example`",
    ),
}


def test_every_fixture_project_has_a_case_and_every_case_a_fixture() -> None:
    assert sorted(path.name for path in BAD.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_check_on_a_bad_fixture_exits_2_with_one_line_naming_file_key_and_expectation(
    case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file, key, expected, hint = CASES[case]
    code, out, err = run(monkeypatch, capsys, "-C", str(BAD / case), "config", "check")
    assert code == 2
    assert out == ""
    assert_one_error_line(err, f"{BAD / case / file}: ", key, expected, hint=hint)
    assert case != "literal_secret" or "hunter2" not in err


def test_a_fifo_in_etc_is_refused_without_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(BAD / "wrong_type", tmp_path, dirs_exist_ok=True)
    (tmp_path / "etc" / "config.json").write_text((BAD / "unknown_key" / "etc" / "config.json").read_text())
    os.mkfifo(tmp_path / "etc" / "shard.json")
    code, _, err = run(monkeypatch, capsys, "-C", str(tmp_path), "config", "check")
    assert code == 2
    assert_one_error_line(err, "etc/shard.json: is not a regular file (a FIFO, socket or device)")


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (
            "deploy..x=1",
            '--set: expected a dotted key path (parts separated by single dots, no spaces or control characters), got "deploy..x"',
        ),
        ("deploy.keep_releases", "--set: expected KEY.PATH=VALUE, got 'deploy.keep_releases'"),
        ("deploy.keep_releases=abc", '--set: deploy.keep_releases: expected an integer, got "abc"'),
        ("deploy.ssh.port=70000", "--set: deploy.ssh.port: expected a number <= 65535, got 70000"),
        ("deploy.keep_relases=3", "--set: deploy.keep_relases: unknown key"),
    ],
)
def test_a_bad_set_option_exits_2_naming_the_command_line(
    option: str, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(monkeypatch, capsys, "-C", str(SAMPLE), "--set", option, "config", "check")
    assert code == 2
    assert err.splitlines()[0] == f"error: {expected}"
    assert "Traceback" not in err and len(err.splitlines()) <= 2


@pytest.mark.parametrize("case", ["malformed_json", "unknown_key", "unreadable_file", "not_utf8"])
def test_python_m_deploytool_prints_one_line_and_no_traceback(case: str) -> None:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "error"}
    result = subprocess.run(
        [sys.executable, "-m", "deploytool", "-C", str(BAD / case), "config", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=TESTS.parent,
        timeout=60,
        check=False,
    )
    file, key, expected, hint = CASES[case]
    assert result.returncode == 2
    assert result.stdout == ""
    assert_one_error_line(result.stderr, file, key, expected, hint=hint)


def test_sample_app_passes_config_check_as_a_user_runs_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deploytool", "-C", "sample_app", "config", "check"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=TESTS.parent,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == ["ok  config", "ok  role master", "ok  role shard"]


def test_check_with_json_prints_only_json_on_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(monkeypatch, capsys, "-C", str(SAMPLE), "--json", "config", "check")
    assert code == 0
    result = json.loads(out)
    assert result["ok"] is True and result["scopes"][:3] == ["config", "role master", "role shard"]
    assert "ok  config" in err


def test_show_prints_each_key_with_its_value_and_the_file_it_came_from(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(monkeypatch, capsys, "-C", str(SAMPLE), "config", "show", "--role", "master")
    assert code == 0
    lines = {line.split(" = ")[0]: line for line in out.splitlines()}
    assert lines["deploy.keep_releases"].split() == ["deploy.keep_releases", "=", "5", "(etc/config.json)"]
    assert lines["deploy.services.web.workers"].split() == [
        "deploy.services.web.workers",
        "=",
        "3",
        "(etc/master.json)",
    ]
    assert lines["deploy.services.web.timeout"].endswith("(default)")
    assert lines["db.path"].split()[2] == '"../../shared/data/sample.db"'
    column = lines["deploy.app"].index("(etc/")
    short = [line for line in out.splitlines() if len(line.split("   (")[0].rstrip()) + 3 <= column]
    assert len(short) > 20 and all(line.index("   (") + 3 == column for line in short)  # one source column


def test_show_prints_secrets_as_stars_in_text_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "config.json").write_text(example_text())
    monkeypatch.setenv("NOTES_SECRET_KEY", "the-real-value")
    _, text, _ = run(monkeypatch, capsys, "-C", str(tmp_path), "config", "show")
    _, as_json, _ = run(monkeypatch, capsys, "-C", str(tmp_path), "--json", "config", "show")
    for out in (text, as_json):
        assert "the-real-value" not in out
    assert "deploy.services.web.env.NOTES_SECRET_KEY = ***" in text
    shown = json.loads(as_json)
    assert shown["deploy.secrets.SMTP_PASSWORD"] == {"value": "***", "source": "etc/config.json"}


def test_show_with_json_gives_value_and_source_for_every_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        monkeypatch,
        capsys,
        "-C",
        str(SAMPLE),
        "--json",
        "--set",
        "deploy.batch.size=4",
        "config",
        "show",
        "--role",
        "shard",
    )
    assert code == 0
    shown = json.loads(out)
    assert shown["deploy.batch.size"] == {"value": 4, "source": "--set"}
    assert shown["deploy.services.web.recipe"] == {"value": "uwsgi", "source": "etc/shard.json"}
    assert shown["deploy.roles.master.services"]["value"] == ["web", "worker", "redis"]
    assert shown["deploy.build.overrides"] == {"value": {}, "source": "default"}
    for key in load_project(SAMPLE).provenance(role="shard"):  # every key a file set is shown
        assert key in shown or key.rpartition(".")[0] in shown


def test_show_for_an_unknown_role_exits_2_with_a_suggestion(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(monkeypatch, capsys, "-C", str(SAMPLE), "config", "show", "--role", "shrd")
    assert code == 2
    assert_one_error_line(
        err, "no role 'shrd' in deploy.roles (known: master, shard)", hint="did you mean 'shard'?"
    )


def test_example_prints_exactly_the_shipped_example_and_it_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(monkeypatch, capsys, "config", "example")
    assert (code, err) == (0, "")
    assert out == example_text()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "config.json").write_text(out)
    assert len(load_project(tmp_path).check_all()) == 6


@pytest.mark.parametrize("command", ["show", "check", "example"])
def test_every_config_command_has_examples_in_its_help(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(monkeypatch, capsys, "config", command, "--help")
    assert code == 0
    assert "Examples" in out and f"deploytool config {command}" in out.replace("-C sample_app ", "")
