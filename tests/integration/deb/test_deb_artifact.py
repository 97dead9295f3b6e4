"""The sample app's real .deb as a file: reproducible to the byte, lintian-clean, and depending on what
its env links and its role runs."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from deb_kit import DebKit

pytestmark = pytest.mark.integration

# The tags the package overrides (each with its reason, in the package's overrides file).
OVERRIDDEN = {
    "dir-or-file-in-srv",
    "wrong-path-for-interpreter",
    "package-installs-python-pycache-dir",
    "unstripped-binary-or-object",
    "unusual-interpreter",
    "script-not-executable",
    "executable-not-elf-or-script",
    "non-standard-file-perm",
}


def _members(deb: Path, flag: str) -> list[tarfile.TarInfo]:
    raw = subprocess.run(["dpkg-deb", flag, str(deb)], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        return tar.getmembers()


def test_two_builds_of_the_sample_release_are_byte_identical(debkit: DebKit) -> None:
    first = debkit.deb("A")  # the default build: xz, lintian
    second = debkit.deb("A", "master", "--no-lintian")  # into another folder, from the same release

    assert Path(first["path"]) != Path(second["path"])
    assert Path(first["path"]).read_bytes() == Path(second["path"]).read_bytes()
    assert first["sha256"] == second["sha256"]
    for flag in ("--ctrl-tarfile", "--fsys-tarfile"):
        found = _members(Path(first["path"]), flag)
        assert {m.mtime for m in found} == {315532800}  # SOURCE_DATE_EPOCH of the build
        assert {(m.uid, m.gid) for m in found} == {(0, 0)}
        plain = [m.name for m in found if not m.issym()]
        assert plain == sorted(plain, key=lambda n: n.split("/"))  # a tree walk, each folder sorted


def test_lintian_passes_on_the_sample_apps_deb_with_only_the_reasoned_overrides(debkit: DebKit) -> None:
    deb = debkit.deb("A")
    assert deb["linted"] is True  # the CLI ran lintian itself, and it passed

    proc = subprocess.run(
        ["lintian", "--allow-root", "--tag-display-limit", "0", "--show-overrides", deb["path"]],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    lines = proc.stdout.splitlines()
    assert not [ln for ln in lines if ln.startswith(("E:", "W:"))], proc.stdout[-3000:]
    used = {ln.split()[2] for ln in lines if ln.startswith("O:")}
    assert "dir-or-file-in-srv" in used
    assert used <= OVERRIDDEN, used - OVERRIDDEN


def test_the_package_depends_on_the_python_minor_the_libraries_the_env_links_and_the_recipes(
    debkit: DebKit,
) -> None:
    master = debkit.deb("A")
    depends = master["depends"]
    assert depends[:2] == ["python3 (>= 3.11)", "python3 (<< 3.12)"]
    names = {d.split()[0] for d in depends}
    # psycopg2's _psycopg links libpq.so.5 and libc.so.6: found in the nspawn build root's dpkg database
    assert {"libpq5", "libc6", "redis-server", "adduser"} <= names
    assert any(d.startswith("libc6 (>= 2.") for d in depends)
    fields = subprocess.run(
        ["dpkg-deb", "-f", master["path"], "Depends"], capture_output=True, text=True, check=True
    )
    assert fields.stdout.strip() == ", ".join(depends)
