"""The build above the builders, with the index and the build machine replaced by fakes.

Checks what is built when (everything, nothing, only app), and what the manifest records.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from build_fakes import FakeBuilder, FakeSession

from deploytool.build.builders.base import Builder, CommandFailed, Mount, Session
from deploytool.build.cache import ArtifactCache
from deploytool.build.fetch import sha256_file
from deploytool.build.pipeline import build, compiler_tail
from deploytool.build.plan import BuildInputs
from deploytool.errors import BuildError


def test_a_first_build_makes_all_three_parts_and_a_complete_manifest(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    builder = FakeBuilder()
    result = build(project, cache, builder_factory=lambda *a: builder)
    assert result.built == ["env", "lib", "app"]
    m = result.manifest
    assert m["release_id"] == result.release_id
    assert set(m["parts"]) == {"env", "lib", "app"}
    env = m["parts"]["env"]
    assert env["install_path"] == f"/srv/demo/envs/{env['hash']}"
    assert env["python"] == {"version": "3.11.2", "abi": "cp311"}
    assert env["builder"] == {"name": "fake"}
    assert env["builder_packages"] == ["python3=3.11.2-1+b1"]
    assert m["parts"]["lib"]["packages"] == ["tiny==1.0"]
    assert m["inputs"]["requirements"] == "tiny\n"
    assert m["inputs"]["lock"].startswith("tiny==1.0 --hash=sha256:")
    assert m["inputs"]["target"]["distro"] == "bookworm"
    assert m["split"][0]["dest"] == "lib"
    assert set(m["tools"]) == {"deploytool", "python", "pip", "uv"}
    assert set(m["timestamps"]) == {"started", "finished"}
    for part in ("env", "lib", "app"):
        assert sha256_file(cache.root / m["parts"][part]["file"]) == m["parts"][part]["sha256"]
    with tarfile.open(cache.root / m["parts"]["lib"]["file"]) as tar:
        assert "lib/tiny/__init__.py" in tar.getnames()
    # No venv-only command ran: with no compiled packages env is a bare venv of the target python.
    assert builder.sessions[0].ran[0] == ["/usr/bin/python3", "-m", "venv", env["install_path"]]


def test_a_second_build_with_unchanged_inputs_starts_no_builder(project: BuildInputs, tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = build(project, cache, builder_factory=lambda *a: FakeBuilder())

    def no_builder(*args: Any) -> Builder:
        raise AssertionError("a cache hit must not start a builder")

    second = build(project, cache, builder_factory=no_builder)
    assert second.built == []
    assert second.release_id == first.release_id
    assert second.manifest == first.manifest


def test_changing_only_app_code_rebuilds_only_the_app_part(project: BuildInputs, tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = build(project, cache, builder_factory=lambda *a: FakeBuilder())
    (project.app_dir / "app.py").write_text("import tiny  # v2\n")

    def no_builder(*args: Any) -> Builder:
        raise AssertionError("an app-only change must not rebuild env")

    second = build(project, cache, builder_factory=no_builder)
    assert second.built == ["app"]
    assert second.release_id != first.release_id
    for part in ("env", "lib"):
        assert second.manifest["parts"][part]["hash"] == first.manifest["parts"][part]["hash"]
    assert second.manifest["parts"]["app"]["hash"] != first.manifest["parts"]["app"]["hash"]


def test_a_leftover_build_path_fails_the_build_and_leaves_no_env_part(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    with pytest.raises(BuildError, match="bin/tool"):
        build(project, cache, builder_factory=lambda *a: FakeBuilder(leak="/var/tmp/elsewhere"))
    assert list((cache.root / "env").glob("*")) == []
    assert list((cache.root / ".work").iterdir()) == []
    assert not (cache.root / "releases").exists()


def test_an_app_lib_file_that_shadows_a_vendored_package_is_refused(
    project: BuildInputs, tmp_path: Path
) -> None:
    (project.app_dir / "lib" / "tiny").mkdir(parents=True)
    (project.app_dir / "lib" / "tiny" / "__init__.py").write_text("")
    with pytest.raises(BuildError, match="the app's own lib/ has tiny"):
        build(project, ArtifactCache(tmp_path / "cache"), builder_factory=lambda *a: FakeBuilder())


class FailingSession(FakeSession):
    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        if "pip" in argv:
            output = "Building wheel for tiny (pyproject.toml): started\nsrc/tiny.c:1:10: fatal error: pq.h: No such file\n"
            raise CommandFailed(argv, 1, output, "fake machine")
        return super().run(argv, env)


class FailingBuilder(FakeBuilder):
    @contextmanager
    def _session(self, mounts: Sequence[Mount]) -> Iterator[Session]:
        yield FailingSession(mounts, None)


def test_a_package_that_fails_to_compile_is_named_with_the_end_of_the_compiler_output(
    project: BuildInputs, tmp_path: Path
) -> None:
    compiled = replace(project, overrides={"tiny": "env"})
    cache = ArtifactCache(tmp_path / "cache")
    with pytest.raises(BuildError) as exc:
        build(compiled, cache, builder_factory=lambda *a: FailingBuilder())
    assert exc.value.exit_code == 1
    assert exc.value.message.startswith("tiny failed to build in the fake build machine")
    assert "fatal error: pq.h: No such file" in exc.value.message
    assert exc.value.hint is not None and str(cache.root / "logs") in exc.value.hint
    assert list((cache.root / "env").glob("*")) == []


PIP_FAILURE = """\
  Building wheel for broken (pyproject.toml): started
  \x1b[1;31merror\x1b[0m: \x1b[1msubprocess-exited-with-error\x1b[0m
  \u00d7 Building wheel for broken (pyproject.toml) did not run successfully.
  \u2570\u2500> [6 lines of output]
      running build_ext
      building 'broken._speedups' extension
      broken/_speedups.c: In function \u2018answer\u2019:
      broken/_speedups.c:2:29: error: expected \u2018;\u2019 before \u2018}\u2019 token
      error: command '/usr/bin/x86_64-linux-gnu-gcc' failed with exit code 1
      [end of output]
  note: This error originates from a subprocess, and is likely not a problem with pip.
  ERROR: Failed building wheel for broken
"""


def test_the_failure_tail_is_the_compiler_s_error_lines_without_colours() -> None:
    assert (
        compiler_tail(PIP_FAILURE)
        == "broken/_speedups.c:2:29: error: expected \u2018;\u2019 before \u2018}\u2019 token"
    )
    assert compiler_tail("Error: pg_config executable not found.\nmore\n") == (
        "Error: pg_config executable not found."
    )
    assert compiler_tail("one\ntwo\nthree\nfour\n") == "two | three | four"
