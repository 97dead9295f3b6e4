"""The build above the builders, with the index and the build machine replaced by fakes.

Checks what is built when (everything, nothing, only app), and what the manifest records.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from deploytool.build import fetch, plan
from deploytool.build.builders.base import Builder, CommandFailed, LineSink, Mount, Session
from deploytool.build.cache import ArtifactCache
from deploytool.build.fetch import sha256_file
from deploytool.build.lock import parse_lock
from deploytool.build.pipeline import build
from deploytool.build.plan import BuildInputs
from deploytool.build.split import Dist
from deploytool.build.target import Target
from deploytool.errors import BuildError


class FakeSession:
    """Plays the build machine: `python3 -m venv PATH` makes a small venv in the mounted folder."""

    def __init__(self, mounts: Sequence[Mount], leak: str | None) -> None:
        self.mounts = {m.guest: m.host for m in mounts}
        self.leak = leak
        self.ran: list[list[str]] = []

    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        self.ran.append(list(argv))
        if argv[:3] == ["/usr/bin/python3", "-m", "venv"]:
            path = argv[3]
            host = self.mounts[path]
            (host / "bin").mkdir()
            (host / "pyvenv.cfg").write_text(
                f"home = /usr/bin\nversion = 3.11.2\ncommand = /usr/bin/python3 -m venv {path}\n"
            )
            (host / "bin" / "tool").write_text(f"#!{self.leak or path}/bin/python\n")
        if argv[0] == "dpkg-query":
            return "python3=3.11.2-1+b1\n"
        return ""


class FakeBuilder(Builder):
    name = "fake"

    def __init__(self, leak: str | None = None) -> None:
        self.leak = leak
        self.sessions: list[FakeSession] = []

    @contextmanager
    def _session(self, mounts: Sequence[Mount]) -> Iterator[Session]:
        session = FakeSession(mounts, self.leak)
        self.sessions.append(session)
        yield session

    def session(
        self, mounts: Sequence[Mount], sink: LineSink | None = None
    ) -> AbstractContextManager[Session]:
        return self._session(mounts)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheel_maker: Callable[..., Path]) -> BuildInputs:
    """An app needing one pure package, with resolution and download answered locally."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("import tiny\n")
    (app / "requirements.txt").write_text("tiny\n")
    wheelhouse = tmp_path / "cache" / "wheels"
    wheel = wheel_maker(wheelhouse)
    lock_text = f"tiny==1.0 --hash=sha256:{sha256_file(wheel)}\n"

    def resolve_text(requirements: str, target: Target, index_url: str, workdir: Path) -> Any:
        return parse_lock(lock_text)

    def fake_fetch(*args: Any, **kwargs: Any) -> list[Dist]:
        return [Dist("tiny", "1.0", wheel.name, sha256_file(wheel), pure=True)]

    monkeypatch.setattr(plan, "resolve_text", resolve_text)
    monkeypatch.setattr(fetch, "fetch", fake_fetch)
    return BuildInputs(
        app="demo", root="/srv/demo", app_dir=app, requirements_file=app / "requirements.txt", builder="fake"
    )


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
