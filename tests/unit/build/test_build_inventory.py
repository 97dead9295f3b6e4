"""`deploytool artifacts list|prune`: the cached releases, and pruning to the newest without half-removed parts."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from build_fakes import FakeBuilder

from deploytool.build import inventory
from deploytool.build.cache import ArtifactCache
from deploytool.build.pipeline import BuildResult, build
from deploytool.build.plan import BuildInputs
from deploytool.cli import main
from deploytool.errors import BuildError


def three_releases(project: BuildInputs, cache: ArtifactCache) -> list[BuildResult]:
    """Three app-only changes, oldest first: one env and lib shared by all, three app parts."""
    results = []
    for n in range(3):
        (project.app_dir / "app.py").write_text(f"import tiny  # v{n}\n")
        result = build(project, cache, builder_factory=lambda *a: FakeBuilder())
        os.utime(result.manifest_path, (1_800_000_000 + n, 1_800_000_000 + n))  # built in this order
        results.append(result)
    return results


def test_the_list_shows_releases_most_recently_built_first_with_their_part_sizes(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    built = three_releases(project, cache)
    found = inventory.releases(cache)
    assert [r.id for r in found] == [b.release_id for b in reversed(built)]
    newest = found[0]
    assert newest.app == "demo"
    assert newest.builder == "fake"
    assert newest.created == built[-1].manifest["timestamps"]["finished"]
    for part, info in newest.parts.items():
        assert info.present
        assert info.size == cache.tarball(part, info.hash).stat().st_size
    assert newest.as_dict()["last_built"] == "2027-01-15T08:00:02+00:00"


def test_prune_keeps_the_newest_releases_and_the_parts_they_share(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    old1, old2, new = three_releases(project, cache)
    done = inventory.prune(cache, keep=1)
    assert [r.id for r in done.kept] == [new.release_id]
    assert sorted(r.id for r in done.removed) == sorted([old1.release_id, old2.release_id])
    assert sorted(h for _, h, _ in done.parts) == sorted(
        [old1.manifest["parts"]["app"]["hash"], old2.manifest["parts"]["app"]["hash"]]
    )
    assert cache.release_ids() == [new.release_id]
    for part in ("env", "lib", "app"):
        assert cache.hashes(part) == [new.manifest["parts"][part]["hash"]]
        assert cache.has(part, new.manifest["parts"][part]["hash"])
    assert done.freed > 0


def test_a_dry_run_reports_the_same_and_removes_nothing(project: BuildInputs, tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    three_releases(project, cache)
    before = sorted(str(p) for p in cache.root.rglob("*"))
    dry = inventory.prune(cache, keep=1, dry_run=True)
    assert sorted(str(p) for p in cache.root.rglob("*")) == before
    assert dry.as_dict() == inventory.prune(cache, keep=1).as_dict()


def test_keep_counts_per_app(project: BuildInputs, tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    three_releases(project, cache)
    other = build(
        replace(project, app="other", root="/srv/other"), cache, builder_factory=lambda *a: FakeBuilder()
    )
    os.utime(other.manifest_path, (1_700_000_000, 1_700_000_000))  # older than all of demo's
    done = inventory.prune(cache, keep=1)
    assert other.release_id in [r.id for r in done.kept]
    assert len(done.kept) == 2


def test_parts_no_release_references_are_pruned_even_without_facts(
    project: BuildInputs, tmp_path: Path
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    (kept,) = three_releases(project, cache)[-1:]
    orphan = cache.tarball("env", "00000000deadbeef")
    orphan.write_bytes(b"left by a crash before its facts were written")
    done = inventory.prune(cache, keep=5)
    assert done.removed == []
    assert ("env", "00000000deadbeef", 45) in done.parts
    assert not orphan.exists()
    assert kept.release_id in cache.release_ids()


def test_a_part_is_removed_facts_first_so_it_never_counts_half_removed(
    project: BuildInputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    three_releases(project, cache)
    order: list[str] = []
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self.parent.name in ("env", "lib", "app", "releases"):
            order.append(f"{self.parent.name}/{self.name}")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    inventory.prune(cache, keep=1)
    apps = [name for name in order if name.startswith("app/")]
    assert [n.split(".", 1)[1] for n in apps] == ["json", "tar.gz", "json", "tar.gz"]
    assert all(n.startswith("releases/") for n in order[:2])  # manifests go before their parts


def test_prune_is_refused_while_a_build_holds_the_cache(project: BuildInputs, tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    three_releases(project, cache)
    with cache.lock(), pytest.raises(BuildError, match="is in use by a running build"):
        inventory.prune(cache, keep=1)
    assert len(cache.release_ids()) == 3


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "argv", ["deploytool", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out, out.err


def test_the_cli_lists_as_a_table_or_json_and_prunes(
    project: BuildInputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    monkeypatch.setenv("DEPLOYTOOL_CACHE", str(cache.root))
    old1, old2, new = three_releases(project, cache)
    code, out, _ = run_cli(monkeypatch, capsys, "artifacts", "list")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["release", "app", "created", "builder", "env", "lib", "app"]
    assert [row.split()[0] for row in rows] == [new.release_id, old2.release_id, old1.release_id]
    assert rows[0].split()[1:4] == ["demo", new.manifest["timestamps"]["finished"], "fake"]

    code, out, _ = run_cli(monkeypatch, capsys, "--json", "artifacts", "list")
    listed = json.loads(out)
    assert listed["cache"] == str(cache.root)
    assert [r["id"] for r in listed["releases"]] == [new.release_id, old2.release_id, old1.release_id]

    code, out, _ = run_cli(monkeypatch, capsys, "artifacts", "prune", "--keep", "2", "--dry-run")
    assert (code, out.splitlines()[-1].split(",")[0]) == (0, "would remove 1 release(s) and 1 part(s)")
    assert len(cache.release_ids()) == 3
    code, out, _ = run_cli(monkeypatch, capsys, "--json", "artifacts", "prune", "--keep", "2")
    assert json.loads(out)["removed"] == [old1.release_id]
    assert sorted(cache.release_ids()) == sorted([old2.release_id, new.release_id])


def test_the_cli_refuses_a_negative_keep(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "artifacts", "prune", "--keep", "-1")
    assert code == 2
    assert "Invalid value for '--keep'" in err
