"""The target: the distro's Python and the manylinux tags its glibc accepts."""

from __future__ import annotations

import pytest

from deploytool.build.target import Target
from deploytool.errors import UsageError


def test_bookworm_accepts_manylinux_up_to_glibc_2_36_with_legacy_aliases_best_first() -> None:
    tags = Target("bookworm", "3.11", "x86_64").manylinux_platforms()
    assert tags[0] == "manylinux_2_36_x86_64"
    assert tags.index("manylinux_2_17_x86_64") + 1 == tags.index("manylinux2014_x86_64")
    assert "manylinux1_x86_64" in tags
    assert "manylinux_2_37_x86_64" not in tags
    assert tags[-1] == "linux_x86_64"


def test_pip_is_asked_for_the_target_python_abi_and_platforms() -> None:
    args = Target("bookworm", "3.11", "x86_64").pip_args()
    assert args[:4] == ["--python-version", "3.11", "--implementation", "cp"]
    assert args[4:6] == ["--abi", "cp311"]
    assert Target("bookworm", "3.11", "x86_64").uv_platform() == "x86_64-manylinux_2_36"


def test_a_python_other_than_the_distro_s_is_an_input_error_that_names_the_right_one() -> None:
    with pytest.raises(UsageError, match=r"bookworm's python3 is 3\.11, not 3\.12") as exc:
        Target.for_distro("bookworm", "3.12")
    assert exc.value.exit_code == 2


def test_an_unknown_distro_is_an_input_error() -> None:
    with pytest.raises(UsageError, match="unknown target distro 'jessie'"):
        Target.for_distro("jessie", "3.4")
