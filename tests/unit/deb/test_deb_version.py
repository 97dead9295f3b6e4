"""Debian versions: the check agrees with dpkg, and the default version sorts by build time."""

from __future__ import annotations

import subprocess

import pytest

from deploytool.deb import version
from deploytool.errors import UsageError

VALID = ["0", "1.2.0", "2:1.0~rc1-3", "1.0-1+deb12u1", "1-2-3", "1.0+git20200101", "0.0~20261124.222134+0f52"]
INVALID = {
    "": "empty",
    "v1.0": "does not start with a digit",
    "1.0 beta": "whitespace",
    "a:1.0": "epoch 'a' is not a number",
    "1.0:1": "epoch '1.0' is not a number",
    "1:": "upstream version is empty",
    "1.0-": "revision '' has characters",
    "1.0_1": "upstream version '1.0_1' has characters",
    "1.0-1_2": "revision '1_2' has characters",
    "~1": "does not start with a digit",
    "1.0é": "non-ASCII",
}


@pytest.mark.parametrize("text", VALID)
def test_valid_debian_versions_pass_the_check(text: str) -> None:
    assert version.problem(text) is None
    assert version.check(text) == text


@pytest.mark.parametrize(("text", "why"), INVALID.items())
def test_an_invalid_version_is_an_input_error_saying_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(UsageError) as caught:
        version.check(text)
    assert caught.value.exit_code == 2
    assert why in caught.value.message
    assert caught.value.message.startswith(f"--version: {text!r} is not a Debian version")
    assert "\n" not in caught.value.message


@pytest.mark.parametrize("text", [*VALID, *INVALID])
def test_the_check_agrees_with_dpkg_validate_version(text: str) -> None:
    proc = subprocess.run(["dpkg", "--validate-version", text], capture_output=True, check=False)
    assert (version.problem(text) is None) == (proc.returncode == 0), proc.stderr


def _newer(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b], check=False).returncode == 0


def test_the_default_version_names_the_build_time_and_the_release() -> None:
    manifest = {"release_id": "0f5235ef3e5d8ad0", "timestamps": {"finished": "2026-11-24T23:21:34+01:00"}}
    assert version.default(manifest) == "0.0~20261124.222134+0f5235ef3e5d8ad0"
    assert version.problem(version.default(manifest)) is None


def test_a_later_build_is_an_upgrade_and_any_real_version_is_newer_still() -> None:
    def built(when: str, rid: str) -> str:
        return version.default({"release_id": rid, "timestamps": {"finished": when}})

    first = built("2026-11-24T22:21:34+00:00", "ffff000000000000")
    second = built("2026-11-24T22:21:35+00:00", "0000000000000000")
    next_day = built("2026-11-25T01:00:00+00:00", "aaaa000000000000")
    assert _newer(second, first)
    assert _newer(next_day, second)
    assert _newer("0.0", next_day)
    assert _newer("1.0", next_day)


def test_a_manifest_without_a_build_time_asks_for_a_version() -> None:
    with pytest.raises(UsageError) as caught:
        version.default({"release_id": "abc", "timestamps": {}})
    assert "--version" in (caught.value.hint or "")
