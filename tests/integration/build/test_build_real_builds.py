"""Real builds of the fixture requirements (a pure wheel, a manylinux wheel, an sdist) with nspawn.

The vagrant builder builds the sample app in test_build_sample_app.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from build_support import planned_cache, run_env_python

from deploytool.build.artifact import extract
from deploytool.build.builders.base import Builder
from deploytool.build.cache import ArtifactCache
from deploytool.build.pipeline import BuildResult, build
from deploytool.build.plan import BuildInputs
from deploytool.build.relocate import find_leftovers

pytestmark = [pytest.mark.integration, pytest.mark.slow]
Inputs = Callable[[str], BuildInputs]

CHECK = (
    "import sys, bottle, markupsafe._speedups, psycopg2, psycopg2._psycopg as c;"
    "print('RESULT', sys.prefix, bottle.__file__, markupsafe._speedups.__file__, c.__file__, psycopg2.__version__)"
)


def no_builder(*args: Any) -> Builder:
    raise AssertionError("a build with unchanged inputs must not start a builder")


def check_env(result: BuildResult, cache: ArtifactCache, root: Path, work: Path) -> None:
    env = result.manifest["parts"]["env"]
    install = env["install_path"]
    assert install == f"/srv/buildapp/envs/{env['hash']}"
    assert env["python"]["abi"] == "cp311"
    assert env["python"]["version"].startswith("3.11.")
    assert env["manylinux"] == "manylinux_2_17"  # markupsafe's wheel
    assert env["glibc_required"] is not None
    assert "libpq.so.5" in env["needs_libraries"]  # psycopg2, compiled in the machine
    unpacked = work / "unpacked"
    extract(cache.root / env["file"], unpacked)
    assert find_leftovers(unpacked, install, [str(cache.root), "/var/tmp/deploytool"]) == []
    output = run_env_python(root, result.manifest, cache, CHECK, work / "run")
    out = next(line for line in output.splitlines() if line.startswith("RESULT ")).split()[1:]
    assert out[0] == install
    assert out[1] == "/srv/buildapp/releases/r1/lib/bottle.py"
    assert out[2].startswith(f"{install}/lib/python3.11/site-packages/markupsafe/_speedups.cpython-311-")
    assert out[3].startswith(f"{install}/lib/python3.11/site-packages/psycopg2/_psycopg.cpython-311-")
    assert out[4].startswith("2.9.10")


@pytest.fixture(scope="module")
def nspawn_build(
    seed_cache: ArtifactCache, inputs: Inputs, tmp_path_factory: pytest.TempPathFactory
) -> tuple[BuildResult, ArtifactCache]:
    cache = planned_cache(seed_cache, tmp_path_factory.mktemp("nspawn-cache"))
    return build(inputs("nspawn"), cache), cache


def test_nspawn_builds_a_working_env_at_its_install_path(
    nspawn_build: tuple[BuildResult, ArtifactCache], build_root: Path, tmp_path: Path
) -> None:
    result, cache = nspawn_build
    assert result.built == ["env", "lib", "app"]
    assert result.manifest["builder"] == "nspawn"
    assert [e["dest"] for e in result.manifest["split"]] == ["lib", "env", "env"]
    check_env(result, cache, build_root, tmp_path)


def test_a_second_nspawn_build_is_a_cache_hit_and_a_rebuilt_env_is_byte_identical(
    nspawn_build: tuple[BuildResult, ArtifactCache], inputs: Inputs
) -> None:
    first, cache = nspawn_build
    again = build(inputs("nspawn"), cache, builder_factory=no_builder)
    assert again.built == []
    assert again.release_id == first.release_id
    env_hash = first.manifest["parts"]["env"]["hash"]
    cache.facts_path("env", env_hash).unlink()  # forget env only: the next build makes it again
    rebuilt = build(inputs("nspawn"), cache)
    assert rebuilt.built == ["env"]
    assert rebuilt.manifest["parts"]["env"]["sha256"] == first.manifest["parts"]["env"]["sha256"]
