"""The sample app built for real: with nspawn, with vagrant (a real `vagrant up` of the lxc machine via
python-vagrant), and rebuilt from its manifest after its parts were deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from build_support import planned_cache, run_env_python, sample_inputs

from deploytool.build.builders.base import Builder
from deploytool.build.builders.vagrant import VagrantBuilder
from deploytool.build.cache import PARTS, ArtifactCache
from deploytool.build.fetch import sha256_file
from deploytool.build.pipeline import BuildResult, build, make_builder
from deploytool.build.rebuild import rebuild

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The WSGI app loads (its config, routes and the vendored bottle/peewee), and psycopg2 runs from env.
CHECK = (
    "import sys, app, tasks, psycopg2, psycopg2._psycopg as c, bottle, peewee, celery;"
    "print('RESULT', sys.prefix, type(app.application).__name__, c.__file__, bottle.__file__, psycopg2.__version__)"
)


def no_builder(*args: Any) -> Builder:
    raise AssertionError("a build with unchanged inputs must not start a builder")


def check_sample(result: BuildResult, cache: ArtifactCache, root: Path, work: Path) -> None:
    split = {e["name"]: e["dest"] for e in result.manifest["split"]}
    assert split["psycopg2"] == "env"
    assert {split[n] for n in ("bottle", "peewee", "celery", "redis", "gunicorn", "kombu")} == {"lib"}
    env = result.manifest["parts"]["env"]
    assert env["install_path"] == f"/srv/sample/envs/{env['hash']}"
    assert "libpq.so.5" in env["needs_libraries"]
    out = run_env_python(root, result.manifest, cache, CHECK, work)
    words = next(line for line in out.splitlines() if line.startswith("RESULT ")).split()[1:]
    assert words[0] == env["install_path"]
    assert words[1] == "Bottle"
    assert words[2].startswith(f"{env['install_path']}/lib/python3.11/site-packages/psycopg2/_psycopg.")
    assert words[3] == "/srv/sample/releases/r1/lib/bottle.py"
    assert words[4].startswith("2.9.13")


@pytest.fixture(scope="module")
def sample_nspawn(
    sample_seed_cache: ArtifactCache, tmp_path_factory: pytest.TempPathFactory
) -> tuple[BuildResult, ArtifactCache]:
    cache = planned_cache(sample_seed_cache, tmp_path_factory.mktemp("sample-nspawn"))
    return build(sample_inputs("nspawn"), cache), cache


def test_the_sample_app_builds_with_nspawn_and_runs_from_its_install_path(
    sample_nspawn: tuple[BuildResult, ArtifactCache], build_root: Path, tmp_path: Path
) -> None:
    result, cache = sample_nspawn
    assert result.built == ["env", "lib", "app"]
    assert result.manifest["builder"] == "nspawn"
    assert result.manifest["inputs"]["app_commit"] is not None  # sample_app is in git
    check_sample(result, cache, build_root, tmp_path)


def test_the_sample_app_is_rebuilt_from_its_manifest_after_its_parts_were_deleted(
    sample_nspawn: tuple[BuildResult, ArtifactCache],
) -> None:
    first, cache = sample_nspawn
    for part in PARTS:
        cache.remove_part(part, first.manifest["parts"][part]["hash"])
    again = rebuild(first.release_id, cache)
    assert again.rebuilt == ["env", "lib", "app"]
    for part in PARTS:
        recorded = first.manifest["parts"][part]
        assert sha256_file(cache.tarball(part, recorded["hash"])) == recorded["sha256"]
    assert build(sample_inputs("nspawn"), cache, builder_factory=no_builder).built == []


def test_the_sample_app_builds_in_a_real_vagrant_lxc_machine_with_the_same_env(
    vagrant_box: str,
    sample_seed_cache: ArtifactCache,
    sample_nspawn: tuple[BuildResult, ArtifactCache],
    build_root: Path,
    tmp_path: Path,
) -> None:
    cache = planned_cache(sample_seed_cache, tmp_path / "cache")
    made: list[VagrantBuilder] = []

    def vagrant_factory(*args: Any) -> Builder:
        builder = make_builder(*args)
        assert isinstance(builder, VagrantBuilder)
        made.append(builder)
        return builder

    result = build(sample_inputs("vagrant"), cache, builder_factory=vagrant_factory)
    assert len(made) == 1
    assert result.built == ["env", "lib", "app"]
    assert result.manifest["builder"] == "vagrant"
    assert result.manifest["parts"]["env"]["builder"]["box"] == vagrant_box
    check_sample(result, cache, build_root, tmp_path / "run")
    assert build(sample_inputs("vagrant"), cache, builder_factory=no_builder).built == []
    nspawn_env = sample_nspawn[0].manifest["parts"]["env"]
    vagrant_env = result.manifest["parts"]["env"]
    assert vagrant_env["hash"] == nspawn_env["hash"]  # the builder is not an input of env
    if vagrant_env["builder_packages"] == nspawn_env["builder_packages"]:  # box and root made alike
        assert vagrant_env["sha256"] == nspawn_env["sha256"]
    assert result.release_id == sample_nspawn[0].release_id
