"""The one quoting module: what reaches a shell is exactly the argv we built."""

import subprocess

import pytest

from deploytool.remote import shell

HOSTILE = ["a b", "it's", '"q"', "$(touch /tmp/pwned)", "`id`", "x; rm -rf /", "line\nbreak", "", "*"]


def test_join_quotes_every_hostile_argument_so_sh_sees_it_unchanged() -> None:
    line = "set -- " + shell.join(["cmd", *HOSTILE])
    out = subprocess.run(
        ["sh", "-c", line + '; for a in "$@"; do printf "%s\\0" "$a"; done'], capture_output=True, check=True
    )
    assert out.stdout.decode().split("\0")[:-1] == ["cmd", *HOSTILE]


def test_join_refuses_an_empty_command() -> None:
    with pytest.raises(ValueError, match="empty command"):
        shell.join([])


def test_sh_joins_quoted_commands_with_the_operator() -> None:
    argv = shell.sh(["mkdir", "-p", "/srv/a b"], ["touch", "/srv/a b/$x"])
    assert argv == ["sh", "-c", "mkdir -p '/srv/a b' && touch '/srv/a b/$x'"]


def test_sh_runs_both_commands_and_injects_nothing(tmp_path: object) -> None:
    import pathlib

    base = pathlib.Path(str(tmp_path))
    target = base / "x; touch pwned"
    subprocess.run(shell.sh(["mkdir", "-p", str(target)], ["touch", str(target / "$(id)")]), check=True)
    assert (target / "$(id)").exists()
    assert not (base / "pwned").exists()
    assert not pathlib.Path("pwned").exists()


def test_sh_rejects_an_unknown_operator() -> None:
    with pytest.raises(ValueError, match="unsupported shell operator"):
        shell.sh(["true"], op="&")


def test_sh_redirect_quotes_the_target_path() -> None:
    assert shell.sh_redirect(["echo", "hi"], "/srv/a b/RELEASE") == [
        "sh",
        "-c",
        "echo hi > '/srv/a b/RELEASE'",
    ]


def test_sudo_is_non_interactive_and_ends_option_parsing() -> None:
    assert shell.sudo(["systemctl", "restart", "web"]) == ["sudo", "-n", "--", "systemctl", "restart", "web"]
    assert shell.sudo(["id"], user="sample") == ["sudo", "-n", "-u", "sample", "--", "id"]


def test_redact_replaces_longest_secrets_first() -> None:
    assert shell.redact("token=abc abcdef", ["abc", "abcdef"]) == "token=*** ***"
    assert shell.redact("nothing", [""]) == "nothing"
