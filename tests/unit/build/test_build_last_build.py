"""Push ships, by default, the release last built from the project's own folder."""

from pathlib import Path

from deploytool.build.cache import ArtifactCache, write_json


def test_the_last_build_of_each_folder_is_remembered_even_when_content_is_shared(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    for release in ("r1", "r2"):
        write_json(cache.manifest_path(release), {"release_id": release, "app": "sample"})
    one, two = tmp_path / "one", tmp_path / "two"
    cache.record_build(one, "r1")
    cache.record_build(two, "r1")  # a second checkout with the same content: a cache hit, same id
    cache.record_build(one, "r2")
    assert cache.last_build(one) == "r2"
    assert cache.last_build(two) == "r1"
    assert cache.last_build(tmp_path / "never") is None


def test_a_last_build_whose_manifest_was_pruned_counts_as_none(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache")
    cache.record_build(tmp_path / "app", "gone")
    assert cache.last_build(tmp_path / "app") is None


def test_an_app_folder_whose_files_git_does_not_track_is_refused_before_any_work(tmp_path: Path) -> None:
    import subprocess

    import pytest

    from deploytool.build.plan import BuildInputs, make_plan
    from deploytool.errors import UsageError

    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("application = None\n")
    (app / "requirements.txt").write_text("bottle==0.13.4\n")
    subprocess.run(["git", "init", "-q", str(app)], check=True)
    inputs = BuildInputs(app="x", root="/srv/x", app_dir=app, requirements_file=app / "requirements.txt")
    with pytest.raises(UsageError, match="no app files to ship"):
        make_plan(inputs, ArtifactCache(tmp_path / "cache"))
    assert not (tmp_path / "cache" / "locks").exists() or not any((tmp_path / "cache").rglob("*.json"))
