"""Real builds of the fixture requirements with the nspawn and the vagrant (vagrant-lxc) builders."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deploytool.build import box
from deploytool.build.builders.base import Builder
from deploytool.build.builders.vagrant import VagrantBuilder
from deploytool.build.cache import ArtifactCache
from deploytool.build.pipeline import BuildResult, build, make_builder
from deploytool.build.plan import BuildInputs
from deploytool.build.relocate import find_leftovers

pytestmark = [pytest.mark.integration, pytest.mark.slow]
Inputs = Callable[[str], BuildInputs]

CHECK = (
    "import sys, bottle, markupsafe._speedups, psycopg2, psycopg2._psycopg as c;"
    "print('RESULT', sys.prefix, bottle.__file__, markupsafe._speedups.__file__, c.__file__, psycopg2.__version__)"
)


def planned_cache(seed: ArtifactCache, dest: Path) -> ArtifactCache:
    for folder in ("wheels", "locks", "plans"):
        shutil.copytree(seed.root / folder, dest / folder, copy_function=os.link)
    return ArtifactCache(dest)


def run_env_python(
    root: Path, manifest: dict[str, object], cache: ArtifactCache, code: str, work: Path
) -> str:
    """Unpack env at its install path and lib/ beside it in the bookworm root; run env's python there."""
    parts = manifest["parts"]
    assert isinstance(parts, dict)
    env_dir, release = work / "env", work / "release"
    env_dir.mkdir(parents=True)
    release.mkdir(parents=True)
    with tarfile.open(cache.root / parts["env"]["file"]) as tar:
        tar.extractall(env_dir, filter="tar")
    with tarfile.open(cache.root / parts["lib"]["file"]) as tar:
        tar.extractall(release, filter="tar")
    install = parts["env"]["install_path"]
    argv = [
        "systemd-nspawn",
        "--quiet",
        f"--directory={root}",
        "--register=no",
        "--keep-unit",
        "--volatile=overlay",
        "--private-network",
        f"--bind-ro={env_dir}:{install}",
        f"--bind-ro={release}:/srv/buildapp/releases/r1",
        "--setenv=PYTHONPATH=/srv/buildapp/releases/r1/lib",
        "--",
        f"{install}/bin/python",
        "-c",
        code,
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


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
    with tarfile.open(cache.root / env["file"]) as tar:
        tar.extractall(unpacked, filter="tar")
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


@pytest.fixture(scope="module")
def vagrant_box() -> str:
    """The locally built lxc box, added to Vagrant (cached; about 2 minutes the first time)."""
    made = box.build_box("bookworm")
    box.add_box(made)
    return made.name


def test_vagrant_builds_the_same_env_in_a_real_lxc_machine_on_its_own_bridge(
    vagrant_box: str,
    seed_cache: ArtifactCache,
    inputs: Inputs,
    build_root: Path,
    tmp_path: Path,
    nspawn_build: tuple[BuildResult, ArtifactCache],
) -> None:
    cache = planned_cache(seed_cache, tmp_path / "cache")
    made: list[VagrantBuilder] = []

    def vagrant_factory(*args: Any) -> Builder:
        builder = make_builder(*args)
        assert isinstance(builder, VagrantBuilder)
        made.append(builder)
        return builder

    try:
        result = build(inputs("vagrant"), cache, builder_factory=vagrant_factory)
        assert result.built == ["env", "lib", "app"]
        assert result.manifest["builder"] == "vagrant"
        assert result.manifest["parts"]["env"]["builder"]["box"] == vagrant_box
        check_env(result, cache, build_root, tmp_path)
        assert build(inputs("vagrant"), cache, builder_factory=no_builder).built == []
        nspawn_env = nspawn_build[0].manifest["parts"]["env"]
        vagrant_env = result.manifest["parts"]["env"]
        assert vagrant_env["hash"] == nspawn_env["hash"]  # the builder is not an input of env
        if vagrant_env["builder_packages"] == nspawn_env["builder_packages"]:
            assert vagrant_env["sha256"] == nspawn_env["sha256"]
    finally:
        for builder in made:
            builder.destroy()
