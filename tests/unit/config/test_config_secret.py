"""Secrets are references that print as *** and are read only by an explicit resolve()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deploytool.config.schema import Deploy
from deploytool.config.secret import Secret
from deploytool.errors import UsageError


def with_secrets(base: dict[str, Any]) -> Deploy:
    d = dict(base["deploy"])
    d["secrets"] = {"API_TOKEN": {"env": "DEMO_API_TOKEN"}, "SMTP": {"file": "etc/smtp"}}
    d["services"] = {
        "web": {"recipe": "gunicorn", "env": {"MODE": "prod", "TOKEN": {"env": "DEMO_API_TOKEN"}}},
        "worker": {"recipe": "celery"},
    }
    return Deploy.model_validate(d)


def test_secrets_print_as_stars_in_str_repr_format_and_model_repr(base: dict[str, Any]) -> None:
    d = with_secrets(base)
    token = d.secrets["API_TOKEN"]
    assert (str(token), repr(token), f"{token}") == ("***", "***", "***")
    assert "DEMO_API_TOKEN" not in repr(d.secrets)
    assert "DEMO_API_TOKEN" not in repr(d)


def test_secrets_dump_as_stars_in_json_but_stay_objects_in_python(base: dict[str, Any]) -> None:
    d = with_secrets(base)
    dumped = d.model_dump(mode="json")
    assert dumped["secrets"] == {"API_TOKEN": "***", "SMTP": "***"}
    assert dumped["services"]["web"]["env"] == {"MODE": "prod", "TOKEN": "***"}
    assert "DEMO_API_TOKEN" not in d.model_dump_json()
    assert d.model_dump()["secrets"]["API_TOKEN"] == Secret(env="DEMO_API_TOKEN")


def test_env_values_are_text_or_secret_references(base: dict[str, Any]) -> None:
    env = with_secrets(base).services["web"].env  # type: ignore[union-attr]
    assert env["MODE"] == "prod"
    assert env["TOKEN"] == Secret(env="DEMO_API_TOKEN")
    assert env["TOKEN"].reference == "env DEMO_API_TOKEN"  # type: ignore[union-attr]


def test_resolve_reads_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_API_TOKEN", "s3cret")
    assert Secret(env="DEMO_API_TOKEN").resolve() == "s3cret"


def test_resolve_fails_clearly_when_the_variable_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_API_TOKEN", raising=False)
    with pytest.raises(UsageError, match="DEMO_API_TOKEN: the environment variable is not set") as caught:
        Secret(env="DEMO_API_TOKEN").resolve()
    assert caught.value.hint == "export DEMO_API_TOKEN=... before running deploytool"


def test_resolve_reads_a_0600_file_relative_to_the_project(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "smtp"
    path.parent.mkdir()
    path.write_text("pa ss\n")
    path.chmod(0o600)
    assert Secret(file="etc/smtp").resolve(tmp_path) == "pa ss"


def test_resolve_refuses_a_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "smtp"
    path.write_text("x")
    path.chmod(0o644)
    with pytest.raises(UsageError, match="mode 0644 lets others read it") as caught:
        Secret(file=str(path)).resolve()
    assert caught.value.hint == f"chmod 600 {path}"


def test_resolve_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read it: No such file or directory"):
        Secret(file="nope").resolve(tmp_path)


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [
        ("hunter2", "expected a secret reference"),
        ({"env": "A", "file": "b"}, "expected a secret reference"),
        ({}, "expected a secret reference"),
        ({"envv": "A"}, "unknown key 'envv'"),
        ({"env": 5}, "expected a string"),
        ({"env": "A-B"}, "expected an environment variable name"),
        ({"file": "a\nb"}, "expected a file path without control characters"),
    ],
)
def test_a_secret_must_be_a_reference_never_a_literal(base: dict[str, Any], ref: Any, fragment: str) -> None:
    with pytest.raises(Exception, match=fragment) as caught:
        Deploy.model_validate({**base["deploy"], "secrets": {"S": ref}})
    assert "hunter2" not in str(caught.value).replace("input_value='hunter2'", "")
