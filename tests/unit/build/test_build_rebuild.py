"""`build --from-manifest`: a past release made again from its manifest, every hash verified.

The index and the build machine are fakes (build_fakes.py); the CLI cases run the real entry point.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from build_fakes import FakeBuilder

from deploytool.build.builders.base import Builder
from deploytool.build.cache import PARTS, ArtifactCache
from deploytool.build.fetch import sha256_file
from deploytool.build.pipeline import BuildResult, build
from deploytool.build.plan import BuildInputs
from deploytool.build.rebuild import rebuild
from deploytool.cli import main
from deploytool.errors import BuildError, UsageError


def first_build(project: BuildInputs, cache: ArtifactCache) -> BuildResult:
    return build(project, cache, builder_factory=lambda *a: FakeBuilder())


def forget_parts(cache: ArtifactCache, result: BuildResult) -> None:
    for part in PARTS:
        cache.remove_part(part, result.manifest["parts"][part]["hash"])


def tampered(result: BuildResult, folder: Path, *path: str, value: Any) -> Path:
    """A copy of the release's manifest with one value changed."""
    data = json.loads(result.manifest_path.read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    out = folder / "tampered.json"
    out.write_text(json.dumps(data))
    return out


def no_builder(*args: Any) -> Builder:
    raise AssertionError("no part is missing: no builder may start")


def test_a_release_whose_parts_were_deleted_is_rebuilt_from_its_manifest_byte_for_byte(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    forget_parts(cache, first)

    again = rebuild(first.release_id, cache, builder_factory=lambda *a: FakeBuilder())
    assert again.release_id == first.release_id
    assert again.rebuilt == ["env", "lib", "app"]
    for part in PARTS:
        h = first.manifest["parts"][part]["hash"]
        assert cache.has(part, h)
        assert sha256_file(cache.tarball(part, h)) == first.manifest["parts"][part]["sha256"]
    assert json.loads(first.manifest_path.read_text()) == first.manifest  # the record is not rewritten


def test_a_rebuild_with_every_part_cached_checks_their_bytes_and_starts_no_builder(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    assert rebuild(str(first.manifest_path), cache, builder_factory=no_builder).rebuilt == []
    lib = cache.tarball("lib", first.manifest["parts"]["lib"]["hash"])
    lib.write_bytes(lib.read_bytes() + b"\0")
    with pytest.raises(BuildError, match=r"cached lib [0-9a-f]{16} has sha256 [0-9a-f]{16}, manifest says"):
        rebuild(first.release_id, cache, builder_factory=no_builder)


def test_a_manifest_file_from_elsewhere_puts_the_release_back_in_the_cache(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    kept = tmp_path / "kept.json"
    kept.write_text(first.manifest_path.read_text())
    first.manifest_path.unlink()
    forget_parts(cache, first)
    again = rebuild(str(kept), cache, builder_factory=lambda *a: FakeBuilder())
    assert again.manifest_path == first.manifest_path
    assert json.loads(first.manifest_path.read_text()) == first.manifest


@pytest.mark.parametrize("part", ["env", "lib", "app"])
def test_a_tampered_part_hash_fails_naming_the_part_and_both_hashes(
    project: BuildInputs, tmp_path: Path, part: str
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    real = first.manifest["parts"][part]["hash"]
    bad = tampered(first, tmp_path, "parts", part, "hash", value="0123456789abcdef")
    with pytest.raises(BuildError) as exc:
        rebuild(str(bad), cache, builder_factory=no_builder)
    assert exc.value.message.startswith(f"{part} hash mismatch for release {first.release_id}: ")
    assert f"manifest says 0123456789abcdef, rebuilt {real}" in exc.value.message
    assert exc.value.exit_code == 1


def test_a_tampered_release_id_fails_naming_both_ids(project: BuildInputs, tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    bad = tampered(first, tmp_path, "release_id", value="fedcba9876543210")
    with pytest.raises(
        BuildError, match=f"manifest says fedcba9876543210, its part hashes give {first.release_id}"
    ):
        rebuild(str(bad), cache, builder_factory=no_builder)


def test_a_rebuilt_part_whose_bytes_differ_is_refused_and_not_stored(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    forget_parts(cache, first)
    bad = tampered(first, tmp_path, "parts", "lib", "sha256", value="ab" * 32)
    with pytest.raises(BuildError) as exc:
        rebuild(str(bad), cache, builder_factory=lambda *a: FakeBuilder())
    lib = first.manifest["parts"]["lib"]
    assert exc.value.message == (
        f"lib {lib['hash']} rebuilt with sha256 {lib['sha256'][:16]}, manifest says abababababababab"
    )
    assert not cache.has("lib", lib["hash"])
    assert list((cache.root / ".work").iterdir()) == []


def test_an_env_that_differs_because_the_build_machine_changed_names_the_changed_packages(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    forget_parts(cache, first)
    bad = tampered(first, tmp_path, "parts", "env", "sha256", value="cd" * 32)
    newer = FakeBuilder(packages="python3=3.11.2-1+b2\n")
    with pytest.raises(BuildError) as exc:
        rebuild(str(bad), cache, builder_factory=lambda *a: newer)
    assert exc.value.hint == "the build machine's packages changed since: python3 3.11.2-1+b1 -> 3.11.2-1+b2"


def test_changed_app_files_are_named_before_anything_is_built(project: BuildInputs, tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    first = first_build(project, cache)
    forget_parts(cache, first)
    (project.app_dir / "app.py").write_text("import tiny  # edited since\n")
    (project.app_dir / "notes.txt").write_text("new\n")
    with pytest.raises(BuildError) as exc:
        rebuild(first.release_id, cache, builder_factory=no_builder)
    assert exc.value.message.startswith(
        f"the app's tracked files in {project.app_dir} no longer match release {first.release_id}"
    )
    assert exc.value.message.endswith(": changed app.py; new notes.txt")
    assert exc.value.hint == "restore the app's files as they were"
    assert [p for p in PARTS if cache.has(p, first.manifest["parts"][p]["hash"])] == []


def test_a_reference_that_is_neither_a_file_nor_a_cached_release_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no manifest file and no cached release named 'abc'") as exc:
        rebuild("abc", ArtifactCache(tmp_path / "cache"))
    assert exc.value.exit_code == 2


def test_a_json_file_that_is_not_a_manifest_is_an_input_error(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"release_id": "x", "parts": {}}')
    with pytest.raises(
        UsageError, match=r"not a deploytool release manifest: missing app, inputs, parts.env"
    ):
        rebuild(str(other), ArtifactCache(tmp_path / "cache"))


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "argv", ["deploytool", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out, out.err


def test_the_cli_verifies_a_cached_release_and_prints_one_line_for_a_tampered_one(
    project: BuildInputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    monkeypatch.setenv("DEPLOYTOOL_CACHE", str(cache.root))
    first = first_build(project, cache)
    code, out, _ = run_cli(monkeypatch, capsys, "--json", "build", "--from-manifest", first.release_id)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0] == {
        "event": "rebuild",
        "release_id": first.release_id,
        "rebuilt": [],
        "verified": True,
        "manifest": str(first.manifest_path),
    }
    assert lines[1] == first.manifest

    bad = tampered(first, tmp_path, "parts", "app", "hash", value="0" * 16)
    code, _, err = run_cli(monkeypatch, capsys, "build", "--from-manifest", str(bad))
    assert code == 1
    message, hint = err.splitlines()
    assert message == (
        f"error: app hash mismatch for release {first.release_id}: manifest says {'0' * 16}, "
        f"rebuilt {first.manifest['parts']['app']['hash']} (its recorded inputs give another hash)"
    )
    assert hint.startswith("  hint: the manifest was edited")
