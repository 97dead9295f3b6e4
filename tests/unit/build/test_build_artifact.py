"""Content hashes (same inputs, same id; any change, a new one) and deterministic tarballs."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from deploytool.build import artifact

TARGET = {"distro": "bookworm", "python": "3.11", "arch": "x86_64", "glibc": "2.36"}


def test_the_env_hash_is_stable_and_changes_with_each_of_its_inputs_install_root_included() -> None:
    base = artifact.env_hash(
        "psycopg2==2.9.10 --hash=sha256:a\n", "setuptools==80 --hash=sha256:b\n", TARGET, "r1", "/srv/a"
    )
    assert base == artifact.env_hash(
        "psycopg2==2.9.10 --hash=sha256:a\n", "setuptools==80 --hash=sha256:b\n", TARGET, "r1", "/srv/a"
    )
    changed = [
        artifact.env_hash(
            "psycopg2==2.9.11 --hash=sha256:a\n", "setuptools==80 --hash=sha256:b\n", TARGET, "r1", "/srv/a"
        ),
        artifact.env_hash(
            "psycopg2==2.9.10 --hash=sha256:a\n", "setuptools==81 --hash=sha256:b\n", TARGET, "r1", "/srv/a"
        ),
        artifact.env_hash(
            "psycopg2==2.9.10 --hash=sha256:a\n",
            "setuptools==80 --hash=sha256:b\n",
            {**TARGET, "distro": "trixie"},
            "r1",
            "/srv/a",
        ),
        artifact.env_hash(
            "psycopg2==2.9.10 --hash=sha256:a\n", "setuptools==80 --hash=sha256:b\n", TARGET, "r1", "/srv/b"
        ),
        artifact.env_hash(
            "psycopg2==2.9.10 --hash=sha256:a\n", "setuptools==80 --hash=sha256:b\n", TARGET, "r2", "/srv/a"
        ),
    ]
    assert base not in changed
    assert len(set(changed)) == len(changed)
    assert len(base) == artifact.HASH_LEN


def test_the_release_id_combines_the_three_part_hashes() -> None:
    rid = artifact.release_id("e", "l", "a")
    assert rid == artifact.release_id("e", "l", "a")
    assert (
        len(
            {
                rid,
                artifact.release_id("E", "l", "a"),
                artifact.release_id("e", "L", "a"),
                artifact.release_id("e", "l", "A"),
            }
        )
        == 4
    )


def test_the_lib_hash_follows_the_pure_lock_and_wheels_built_here() -> None:
    assert artifact.lib_hash("bottle==1 --hash=sha256:a\n", {}) == artifact.lib_hash(
        "bottle==1 --hash=sha256:a\n", {}
    )
    assert artifact.lib_hash("bottle==1 --hash=sha256:a\n", {}) != artifact.lib_hash(
        "bottle==2 --hash=sha256:a\n", {}
    )
    assert artifact.lib_hash("x==1 --hash=sha256:a\n", {"x": "1"}) != artifact.lib_hash(
        "x==1 --hash=sha256:a\n", {"x": "2"}
    )


def make_app(root: Path) -> Path:
    (root / "lib").mkdir(parents=True)
    (root / "app.py").write_text("import bottle\n")
    (root / "lib" / "config.py").write_text("CONFIG = {}\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    return root


def test_the_app_hash_follows_content_names_and_exec_bits(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    files = artifact.app_files(app)
    first = artifact.app_hash(app, files)
    assert first == artifact.app_hash(app, files)
    (app / "run.sh").chmod(0o644)
    assert artifact.app_hash(app, files) != first
    (app / "run.sh").chmod(0o755)
    assert artifact.app_hash(app, files) == first
    (app / "app.py").write_text("import bottle  # changed\n")
    assert artifact.app_hash(app, files) != first


def test_app_files_are_the_git_tracked_ones_when_the_app_is_in_git(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "app/app.py", "app/lib/config.py"], check=True)
    (app / "scratch.log").write_text("not tracked\n")
    assert artifact.app_files(app) == ["app.py", "lib/config.py"]


def test_app_files_outside_git_are_every_file_but_caches(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    (app / "__pycache__").mkdir()
    (app / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (app / "env").mkdir()
    (app / "env" / "pyvenv.cfg").write_text("")
    assert artifact.app_files(app) == ["app.py", "lib/config.py", "run.sh"]


def test_a_tarball_is_byte_identical_when_made_twice_and_carries_no_owner_or_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    app = make_app(tmp_path / "app")
    (app / "link").symlink_to("app.py")
    one = artifact.write_tarball(tmp_path / "one.tar.gz", app, prefix="x/")
    for f in app.rglob("*"):  # new mtimes must not matter
        if not f.is_symlink():
            f.touch()
    two = artifact.write_tarball(tmp_path / "two.tar.gz", app, prefix="x/")
    assert one == two
    assert (tmp_path / "one.tar.gz").read_bytes() == (tmp_path / "two.tar.gz").read_bytes()
    with tarfile.open(tmp_path / "one.tar.gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["x/app.py", "x/lib", "x/lib/config.py", "x/link", "x/run.sh"]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {(0, 0, "", "", 1700000000)}
    assert {m.name: m.mode for m in members}["x/run.sh"] == 0o755
    assert {m.name: m.linkname for m in members}["x/link"] == "app.py"


def test_without_source_date_epoch_the_mtime_is_a_fixed_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert artifact.source_date_epoch() == artifact.DEFAULT_EPOCH
