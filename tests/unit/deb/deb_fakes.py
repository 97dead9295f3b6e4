"""A tiny built release in a real artifact-cache layout, a project to package it, and a fake dpkg
database, so `deploytool deb` runs end to end (real dpkg-deb and lintian) in a second or two."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploytool.build.cache import ArtifactCache

EPOCH = 315532800
RELEASE = "0123456789abcdef"
ENV_HASH = "e0e0e0e0e0e0e0e0"
ROOT = "/srv/sample"

CONFIG: dict[str, Any] = {
    "db": {"engine": "sqlite", "path": "../../shared/data/sample.db"},
    "deploy": {
        "app": "sample",
        "root": ROOT,
        "ssh": {"user": "deploy"},
        "health": {"service": "web", "path": "/health"},
        "services": {
            "web": {
                "recipe": "gunicorn",
                "bind": "0.0.0.0:8000",
                "env": {"SAMPLE_MODE": "production", "API_TOKEN": {"env": "SAMPLE_API_TOKEN"}},
            },
            "api": {"recipe": "uwsgi", "bind": "127.0.0.1:8001"},
            "worker": {"recipe": "celery", "app": "tasks"},
            "redis": {"recipe": "redis"},
        },
        "roles": {"master": {"services": ["web", "worker", "redis"]}, "shard": {"services": ["api"]}},
        "secrets": {"SECRET_KEY": {"env": "SAMPLE_SECRET_KEY"}},
    },
}


@dataclass
class FakeDpkg:
    """A dpkg database answering from a dict: soname -> [(package[:arch], path)]."""

    files: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    shlibs_lines: dict[str, str] = field(default_factory=dict)  # package -> shlibs file text
    arch: str = "amd64"
    asked: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return "the fake build root"

    def architecture(self) -> str:
        return self.arch

    def providers(self, soname: str) -> list[tuple[str, str]]:
        self.asked.append(soname)
        return self.files.get(soname, [])

    def shlibs(self, package: str, soname: str) -> str | None:
        from deploytool.deb.dpkg import parse_shlibs

        text = self.shlibs_lines.get(package.split(":")[0])
        return parse_shlibs(text, soname) if text else None


BOOKWORM = FakeDpkg(
    files={
        "libc.so.6": [
            ("libc6:amd64", "/lib/x86_64-linux-gnu/libc.so.6"),
            ("libc6-dev:amd64", "/usr/share/gdb/auto-load/lib/x86_64-linux-gnu/libc.so.6-gdb.py"),
        ],
        "libpq.so.5": [("libpq5:amd64", "/usr/lib/x86_64-linux-gnu/libpq.so.5")],
    },
    shlibs_lines={"libpq5": "libpq 5 libpq5 (>= 15.18)\n", "libc6": "libc 6 libc6 (>= 2.36)\n"},
)


def _tar(path: Path, members: dict[str, bytes | str], prefix: str = "") -> None:
    """A build-style tarball: sorted, fixed mtime, root-owned; a str value is a symlink target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name in sorted(members):
            value = members[name]
            info = tarfile.TarInfo(prefix + name)
            info.mtime = EPOCH
            if isinstance(value, str):
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            else:
                info.size, info.mode = len(value), 0o755 if name.startswith("bin/") else 0o644
                tar.addfile(info, io.BytesIO(value))


def make_release(
    cache: Path,
    app_dir: Path,
    *,
    release: str = RELEASE,
    needs: tuple[str, ...] = ("libc.so.6", "libpq.so.5"),
    finished: str = "2026-11-24T22:21:34+00:00",
    app_text: str = "application = None\n",
) -> str:
    """Write the parts and the manifest of a release of `sample` built from `app_dir` into `cache`."""
    install = f"{ROOT}/envs/{ENV_HASH}"
    _tar(cache / "env" / f"{ENV_HASH}.tar.gz", {
        "pyvenv.cfg": b"home = /usr/bin\nversion = 3.11.2\n",
        "bin/python": "python3",
        "bin/python3": "/usr/bin/python3",
        "lib/python3.11/site-packages/tiny.py": b"X = 1\n",
    })  # fmt: skip
    _tar(cache / "lib" / "l1.tar.gz", {"bottle.py": b"# bottle\n"}, prefix="lib/")
    _tar(cache / "app" / f"{release}.tar.gz", {"app.py": app_text.encode(), "etc/config.json": b"{}\n"})
    manifest = {
        "schema": 1,
        "release_id": release,
        "app": "sample",
        "parts": {
            "env": {
                "hash": ENV_HASH,
                "file": f"env/{ENV_HASH}.tar.gz",
                "install_path": install,
                "python": {"version": "3.11.2", "abi": "cp311"},
                "glibc_required": "2.14",
                "needs_libraries": list(needs),
                "builder": {"name": "nspawn", "root": str(cache / "no-such-root")},
            },
            "lib": {"hash": "l1", "file": "lib/l1.tar.gz"},
            "app": {"hash": release, "file": f"app/{release}.tar.gz"},
        },
        "inputs": {"app_dir": str(app_dir.resolve()), "distro": "bookworm", "source_date_epoch": EPOCH},
        "timestamps": {"started": finished, "finished": finished},
    }
    (cache / "releases").mkdir(parents=True, exist_ok=True)
    (cache / "releases" / f"{release}.json").write_text(json.dumps(manifest))
    ArtifactCache(cache).record_build(app_dir, release)  # what `deploytool build` leaves: the default release
    return release


def make_project(folder: Path, config: dict[str, Any] | None = None) -> Path:
    (folder / "etc").mkdir(parents=True)
    (folder / "etc" / "config.json").write_text(json.dumps(config or CONFIG))
    return folder
