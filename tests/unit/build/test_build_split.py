"""The lib/env split: pure wheels (or sdists that build to one) go to lib/, anything compiled to env."""

from __future__ import annotations

import pytest

from deploytool.build.split import Dist, Split, decide, is_pure_wheel, split
from deploytool.errors import UsageError


def dist(name: str, filename: str, pure: bool, **kw: object) -> Dist:
    return Dist(name, "1.0", filename, "0" * 64, pure, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filename", "pure"),
    [
        ("six-1.17.0-py2.py3-none-any.whl", True),
        ("bottle-0.13.4-py3-none-any.whl", True),
        ("markupsafe-3.0.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", False),
        ("cryptography-46.0.0-cp311-abi3-manylinux_2_28_x86_64.whl", False),
        ("weird-1.0-cp311-none-linux_x86_64.whl", False),
    ],
)
def test_a_wheel_is_pure_only_when_every_tag_is_none_any(filename: str, pure: bool) -> None:
    assert is_pure_wheel(filename) is pure


def test_a_pure_wheel_goes_to_lib_and_a_compiled_one_to_env() -> None:
    result = split(
        [
            dist("markupsafe", "markupsafe-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", False),
            dist("bottle", "bottle-1.0-py3-none-any.whl", True),
        ],
        {},
    )
    assert [(e.name, e.dest, e.reason) for e in result.entries] == [
        ("bottle", "lib", "pure wheel"),
        ("markupsafe", "env", "compiled wheel"),
    ]


def test_an_sdist_that_builds_to_a_pure_wheel_goes_to_lib_and_a_compiled_sdist_to_env() -> None:
    pure_sdist = dist(
        "tiny", "tiny-1.0.tar.gz", True, built="tiny-1.0-py3-none-any.whl", built_sha256="1" * 64
    )
    compiled = dist("psycopg2", "psycopg2-1.0.tar.gz", False, note="sdist with compiled code")
    assert decide(pure_sdist, None).dest == "lib"
    assert decide(pure_sdist, None).reason == "sdist builds to a pure wheel"
    assert decide(compiled, None).dest == "env"
    assert decide(compiled, None).reason == "sdist with compiled code"


def test_an_override_moves_a_pure_package_into_env_and_says_so() -> None:
    entry = decide(dist("gunicorn", "gunicorn-1.0-py3-none-any.whl", True), "env")
    assert entry.dest == "env"
    assert entry.reason == "override (would be lib: pure wheel)"


def test_an_override_into_lib_of_compiled_code_is_an_input_error() -> None:
    with pytest.raises(UsageError, match="has no pure wheel") as exc:
        decide(dist("psycopg2", "psycopg2-1.0.tar.gz", False), "lib")
    assert exc.value.exit_code == 2


def test_an_override_naming_an_unknown_package_suggests_the_nearest_one() -> None:
    with pytest.raises(UsageError, match="'gunicron' is not in the resolved requirements") as exc:
        split([dist("gunicorn", "gunicorn-1.0-py3-none-any.whl", True)], {"gunicron": "env"})
    assert exc.value.hint == "did you mean 'gunicorn'?"


def test_override_names_are_compared_canonically() -> None:
    result = split(
        [dist("zope-interface", "zope.interface-1.0-py3-none-any.whl", True)], {"Zope.Interface": "env"}
    )
    assert result.names("env") == ["zope-interface"]


def test_a_split_survives_its_json_round_trip() -> None:
    result = split([dist("bottle", "bottle-1.0-py3-none-any.whl", True)], {})
    assert Split.from_list(result.as_list()) == result
