"""A whole `deploytool deb` on a tiny built release: real dpkg-deb and lintian, a faked dpkg database.

Checks what the package holds, that it is reproducible to the byte, and that bad input writes nothing.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from deb_fakes import BOOKWORM, ENV_HASH, EPOCH, RELEASE, make_project

from deploytool.build.cache import ArtifactCache
from deploytool.config import load_project
from deploytool.deb import package
from deploytool.deb.package import DebResult
from deploytool.errors import UsageError

REPO = Path(__file__).resolve().parents[3]


def build(project_dir: Path, cache: ArtifactCache, out: Path, **options: object) -> DebResult:
    options = {"role": "master", "lookup": BOOKWORM, "lint": False, **options}
    return package.build(load_project(project_dir), out=out, cache=cache, **options)  # type: ignore[arg-type]


def members(deb: Path, which: str) -> list[tarfile.TarInfo]:
    """The members of control.tar or data.tar, in archive order."""
    flag = "--ctrl-tarfile" if which == "control" else "--fsys-tarfile"
    raw = subprocess.run(["dpkg-deb", flag, str(deb)], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        return tar.getmembers()


def ar_members(deb: Path) -> list[str]:
    return subprocess.run(
        ["ar", "tv", str(deb)], capture_output=True, text=True, check=True
    ).stdout.splitlines()


def test_two_builds_of_the_same_release_are_byte_identical(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path
) -> None:
    first = build(project_dir, cache, tmp_path / "one")
    # a second build from a fresh stage, under another umask, later in time: still the same bytes
    for staged in (cache.root / "stage").iterdir():
        subprocess.run(["rm", "-rf", str(staged)], check=True)
    old = os.umask(0o002)
    try:
        second = build(project_dir, cache, tmp_path / "two")
    finally:
        os.umask(old)
    assert first.path.name == second.path.name
    assert first.path.read_bytes() == second.path.read_bytes()


def test_archive_members_are_sorted_root_owned_and_carry_the_build_time(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path
) -> None:
    deb = build(project_dir, cache, tmp_path).path
    for which in ("control", "data"):
        found = members(deb, which)
        # dpkg-deb walks the tree with each folder sorted, and puts symlinks last (so that what they
        # point to is unpacked first)
        links = [m.name for m in found if m.issym()]
        names = [m.name for m in found if not m.issym()]
        assert names == sorted(names, key=lambda n: n.split("/")), which
        assert [m.name for m in found] == names + sorted(links, key=lambda n: n.split("/")), which
        assert {m.mtime for m in found} == {EPOCH}, which
        assert {(m.uid, m.gid, m.uname, m.gname) for m in found} == {(0, 0, "root", "root")}, which
    for line in ar_members(deb):
        assert line.startswith("rw-r--r-- 0/0") and "Jan  1 00:00 1980" in line, line


def test_the_package_holds_the_release_the_env_the_units_and_the_conffiles(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path
) -> None:
    result = build(project_dir, cache, tmp_path)
    data = {m.name: m for m in members(result.path, "data")}
    release, env = f"./srv/sample/releases/{RELEASE}", f"./srv/sample/envs/{ENV_HASH}"
    for path in (f"{release}/app.py", f"{release}/lib/bottle.py", f"{release}/RELEASE", f"{env}/pyvenv.cfg"):
        assert data[path].isfile(), path
    assert data[f"{release}/env"].linkname == f"../../envs/{ENV_HASH}"
    assert data[f"{env}/bin/python3"].linkname == "/usr/bin/python3"
    for unit in ("sample-web.service", "sample-web.socket", "sample-worker.service", "sample-redis.service"):
        assert data[f"./lib/systemd/system/{unit}"].mode == 0o644
    assert data["./etc/sample/web.env"].mode == 0o600
    assert "./srv/sample/current" not in data  # postinst makes it: it switches, dpkg does not
    assert not any(n.startswith("./srv/sample/shared") for n in data)  # data is the host's
    control = {m.name: m for m in members(result.path, "control")}
    assert sorted(control) == [
        ".",
        "./conffiles",
        "./control",
        "./md5sums",
        "./postinst",
        "./postrm",
        "./prerm",
    ]
    assert control["./postinst"].mode == 0o755
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(result.path)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Version: 0.0~20261124.222134+{RELEASE}\n" in fields
    assert (
        "Depends: python3 (>= 3.11), python3 (<< 3.12), adduser, libc6 (>= 2.14), libpq5 (>= 15.18), redis-server\n"
        in fields
    )
    conffiles = subprocess.run(
        ["dpkg-deb", "-I", str(result.path), "conffiles"], capture_output=True, text=True, check=True
    ).stdout
    assert conffiles.split() == [
        "/etc/sample/hosts.json",
        "/etc/sample/redis.env",
        "/etc/sample/web.env",
        "/etc/sample/worker.env",
    ]


def test_the_md5sums_match_the_files_dpkg_will_install(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path
) -> None:
    deb = build(project_dir, cache, tmp_path).path
    unpacked = tmp_path / "x"
    subprocess.run(["dpkg-deb", "-R", str(deb), str(unpacked)], check=True)
    check = subprocess.run(
        ["md5sum", "--check", "--quiet", "DEBIAN/md5sums"],
        cwd=unpacked,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_no_secret_value_reaches_the_package(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMPLE_SECRET_KEY", "sk-live-0123456789")
    deb = build(project_dir, cache, tmp_path).path
    payload = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout
    assert b"sk-live-0123456789" not in payload
    assert b"#SECRET_KEY=" in payload


def test_lintian_finds_no_error_or_warning_in_the_package(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path
) -> None:
    result = build(project_dir, cache, tmp_path, lint=True)
    assert result.linted
    assert not [line for line in result.lintian if line.startswith(("E:", "W:"))]
    proc = subprocess.run(
        ["lintian", "--allow-root", "--fail-on", "error,warning", str(result.path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_version_from_the_command_line_beats_the_config_which_beats_the_default(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path
) -> None:
    config = json.loads((project_dir / "etc" / "config.json").read_text())
    config["deploy"]["version"] = "1.4.2"
    config["deploy"]["maintainer"] = "Ops Team <ops@example.com>"
    (project_dir / "etc" / "config.json").write_text(json.dumps(config))
    assert build(project_dir, cache, tmp_path).version == "1.4.2"
    given = build(project_dir, cache, tmp_path, version_text="2:1.5-1")
    assert given.version == "2:1.5-1" and given.path.name == "sample-master_1.5-1_amd64.deb"
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(given.path), "Maintainer"], capture_output=True, text=True, check=True
    )
    assert fields.stdout.strip() == "Ops Team <ops@example.com>"


def test_an_old_manifest_without_a_build_time_needs_a_version_and_then_builds(
    project_dir: Path, tmp_path: Path
) -> None:
    from deb_fakes import make_release

    cache = ArtifactCache(tmp_path / "old-cache")
    make_release(cache.root, project_dir, finished="")
    with pytest.raises(UsageError) as caught:
        build(project_dir, cache, tmp_path / "out")
    assert "no build time" in caught.value.message and not (tmp_path / "out").exists()
    assert build(project_dir, cache, tmp_path / "out", version_text="1.0").version == "1.0"


# ---- as a user meets it: the real CLI, exit codes, one line, nothing written to --out


def cli(project_dir: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deploytool", "-C", str(project_dir), "deb", *args],
        capture_output=True, text=True, check=False, cwd=project_dir,
        env={**os.environ, "DEPLOYTOOL_CACHE": str(cache), "NO_COLOR": "1", "COLUMNS": "200",
             "PYTHONPATH": str(REPO)},
    )  # fmt: skip


def test_without_a_built_release_it_says_to_run_deploytool_build_and_writes_nothing(tmp_path: Path) -> None:
    project_dir = make_project(tmp_path / "app")
    out = tmp_path / "out"
    run = cli(project_dir, tmp_path / "empty-cache", "--role", "master", "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(f"error: nothing built from {project_dir} yet")
    assert "deploytool build" in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2  # the error line and its hint
    assert not out.exists()


@pytest.mark.parametrize("bad", ["v1.0", "1.0 beta", "1.0_1", ""])
def test_an_invalid_version_is_exit_2_in_one_line_and_writes_nothing(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path, bad: str
) -> None:
    out = tmp_path / "out"
    run = cli(project_dir, cache.root, "--role", "master", "--version", bad, "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines()[0].startswith(f"error: --version: {bad!r} is not a Debian version")
    assert not out.exists()


def test_a_role_without_services_is_exit_2_and_writes_nothing(
    project_dir: Path, cache: ArtifactCache, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "deploytool", "-C", str(project_dir), "--set", "deploy.roles.master.services=[]",
         "deb", "--role", "master", "--out", str(out)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "DEPLOYTOOL_CACHE": str(cache.root), "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "deploy.roles.master.services" in run.stderr.splitlines()[0]
    assert not out.exists()


def test_the_cli_writes_the_package_and_reports_it_as_json(project_dir: Path, tmp_path: Path) -> None:
    from deb_fakes import make_release

    # only libc: every Debian database ships it, whichever one answers
    cache = ArtifactCache(tmp_path / "libc-cache")
    make_release(cache.root, project_dir, needs=("libc.so.6",))
    out = tmp_path / "dist"
    run = subprocess.run(
        [sys.executable, "-m", "deploytool", "-C", str(project_dir), "--json", "deb", "--role", "shard",
         "--out", str(out), "--no-lintian"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "DEPLOYTOOL_CACHE": str(cache.root), "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    # the fake release names a build root that does not exist: another bookworm database answers
    # (the nspawn root of bookworm when there is one, else this machine's own)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["package"] == "sample-shard"
    assert "uwsgi-core" in result["depends"] and "uwsgi-plugin-python3" in result["depends"]
    assert "libc6 (>= 2.14)" in result["depends"]
    assert Path(result["path"]).is_file() and Path(result["path"]).parent == out
    assert [p.name for p in out.iterdir()] == [Path(result["path"]).name]  # no temporary left behind
