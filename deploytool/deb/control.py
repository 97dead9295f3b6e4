"""The package's control data and its few generated files, rendered from deploytool/deb/templates/.

Pure: a Spec in, text out. Golden-file tests pin every byte.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from deploytool.errors import UsageError
from deploytool.render import environment, render

TEMPLATES = Path(__file__).parent / "templates"
SCRIPTS = ("postinst", "prerm", "postrm")
SHARED_DIRS = ("data", "log", "redis")  # made by postinst, owned by the service user (as push makes them)
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")


@dataclass(frozen=True)
class Spec:
    """Everything the control files say about one package."""

    package: str  # sample-master
    app: str
    role: str
    version: str
    arch: str
    maintainer: str
    depends: tuple[str, ...]
    release_id: str
    env_hash: str
    python: str  # 3.11
    built: datetime
    root: str  # /srv/sample
    run_as: str
    services: tuple[str, ...]  # deploy.services names
    units: tuple[str, ...]  # every unit file name, sockets first
    restart: tuple[str, ...]  # the services' own units, (re)started by postinst

    @property
    def sockets(self) -> tuple[str, ...]:
        return tuple(u for u in self.units if u.endswith(".socket"))

    @property
    def deb_name(self) -> str:
        """<package>_<version>_<arch>.deb, the epoch left out as Debian tools do."""
        return f"{self.package}_{self.version.split(':', 1)[-1]}_{self.arch}.deb"

    def context(self) -> dict[str, Any]:
        root = self.root
        return {
            **asdict(self),
            "sockets": self.sockets,
            "current": f"{root}/current",
            "shared": f"{root}/shared",
            "shared_dirs": (f"{root}/shared", *(f"{root}/shared/{d}" for d in SHARED_DIRS)),
            "inventory": f"/etc/{self.app}/hosts.json",
            "link_target": f"releases/{self.release_id}",
            "release_dir": f"{root}/releases/{self.release_id}",
            "env_dir": f"{root}/envs/{self.env_hash}",
            "root_rel": root.lstrip("/"),
            "env_rel": f"{root}/envs/{self.env_hash}".lstrip("/"),
            "built_iso": self.built.isoformat(timespec="seconds"),
            "built_rfc2822": format_datetime(self.built),
        }


def package_name(app: str, role: str) -> str:
    """`<app>-<role>`: one package per role; each Provides and Conflicts with `<app>`, so a host has one."""
    name = f"{app}-{role}"
    if not _PACKAGE_NAME.fullmatch(name):
        raise UsageError(
            f"role {role!r} of {app!r} makes {name!r}, which is not a Debian package name",
            hint="Debian package names take a-z, 0-9, '+', '-' and '.' only: rename the role",
        )
    return name


def _env() -> Any:
    env = environment([TEMPLATES])
    env.filters["shq"] = shlex.quote
    return env


def control(spec: Spec, installed_size: int) -> str:
    return render(_env(), "control.j2", {**spec.context(), "installed_size": installed_size})


def scripts(spec: Spec) -> dict[str, str]:
    """postinst, prerm, postrm."""
    env = _env()
    return {name: render(env, f"{name}.j2", spec.context()) for name in SCRIPTS}


def copyright_text(spec: Spec) -> str:
    return render(_env(), "copyright.j2", spec.context())


def changelog_gz(spec: Spec) -> bytes:
    """changelog.gz of a native package: one entry for this release; no name or time in the gzip header."""
    text = render(_env(), "changelog.j2", spec.context()).encode()
    return gzip.compress(text, compresslevel=9, mtime=0)


def conffiles(paths: Iterable[str]) -> str:
    return "".join(f"{p}\n" for p in sorted(paths))


def md5sums(files: Mapping[str, Path]) -> str:
    """`<md5>  <path without leading />` for every regular file, sorted by path (as dh_md5sums writes)."""
    lines = []
    for rel in sorted(files):
        digest = hashlib.md5(files[rel].read_bytes(), usedforsecurity=False).hexdigest()
        lines.append(f"{digest}  {rel.lstrip('/')}\n")
    return "".join(lines)


def installed_size(sizes: Iterable[int], others: int) -> int:
    """Installed-Size in KiB as dpkg-gencontrol counts: each file rounded up to 1 KiB, plus 1 KiB for
    every directory and symlink."""
    return sum(-(-size // 1024) for size in sizes) + others


def lintian_overrides(spec: Spec) -> str:
    return render(_env(), "overrides.j2", spec.context())
