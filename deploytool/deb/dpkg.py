"""The Debian tools `deploytool deb` runs: argv builders and output parsers (pure), and the build root's
dpkg database, which says which package ships each shared library the env's compiled files link.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deploytool.errors import MissingDependency, PackageError, UsageError

# Where the dynamic linker finds a library: /lib, /usr/lib, or their multiarch folders.
_LIBRARY_DIR = re.compile(r"(?:/usr)?/lib(?:/[a-z0-9_]+-linux-[a-z0-9_]+)?")


COMPRESSIONS = ("xz", "zstd", "gzip", "none")


def build_argv(root: Path, deb: Path, compression: str = "xz") -> list[str]:
    """dpkg-deb of a package tree: owner root:root whatever the files' owners, one file out.

    dpkg-deb sorts the members and, with SOURCE_DATE_EPOCH, clamps their mtimes and fixes the ar
    times; its xz output is the same whatever the thread count (checked in the tests).
    """
    return ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(deb)]


def lintian_argv(deb: Path) -> list[str]:
    """lintian with the package's own overrides; exits non-zero on any error or warning left."""
    return ["lintian", "--allow-root", "--tag-display-limit", "0", "--fail-on", "error,warning", str(deb)]


def search_argv(admindir: Path, soname: str) -> list[str]:
    """Which installed packages ship a file named `soname` (a glob, matched against full paths)."""
    return ["dpkg-query", f"--admindir={admindir}", "--search", f"*/{soname}"]


def architecture_argv(admindir: Path) -> list[str]:
    """The database's native architecture: dpkg's own package is always native."""
    return ["dpkg-query", f"--admindir={admindir}", "--show", "--showformat=${Architecture}", "dpkg"]


def parse_search(text: str) -> list[tuple[str, str]]:
    """`pkg[:arch][, pkg2]: /path` lines -> (package, path) pairs; diversion notes are skipped."""
    found = []
    for line in text.splitlines():
        if line.startswith("diversion by") or ": " not in line:
            continue
        packages, _, path = line.partition(": ")
        found += [(p.strip(), path.strip()) for p in packages.split(",") if p.strip()]
    return found


def is_library_path(path: str, soname: str) -> bool:
    """True for `soname` in a folder the dynamic linker searches (not a debug or gdb file)."""
    folder, _, name = path.rpartition("/")
    return name == soname and bool(_LIBRARY_DIR.fullmatch(folder))


def soname_key(soname: str) -> tuple[str, str] | None:
    """`libpq.so.5` -> ("libpq", "5"); `libfoo-1.2.so` -> ("libfoo", "1.2"): how shlibs files name it."""
    m = re.fullmatch(r"(.+)\.so\.(.+)", soname) or re.fullmatch(r"(.+)-([0-9][^-]*)\.so", soname)
    return (m.group(1), m.group(2)) if m else None


def parse_shlibs(text: str, soname: str) -> str | None:
    """The dependency a shlibs file declares for `soname` (`libpq 5 libpq5 (>= 15)`), if any."""
    key = soname_key(soname)
    for line in text.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and not parts[0].endswith(":") and key == (parts[0], parts[1]):
            return parts[2].strip()
    return None


def run(argv: Sequence[str], what: str, env: dict[str, str] | None = None) -> str:
    """Run a local tool; a missing one is an input error (with the package to install), a failure a
    PackageError with its output's tail."""
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, check=False, env=env, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        package = {"lintian": "lintian", "dpkg-deb": "dpkg", "dpkg-query": "dpkg"}.get(argv[0], argv[0])
        raise MissingDependency(f"{argv[0]} is not installed", hint=f"apt-get install {package}") from None
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise PackageError(f"{what}: `{argv[0]}` exited {proc.returncode}: {tail}")
    return proc.stdout


@dataclass(frozen=True)
class DpkgDatabase:
    """An installed system's dpkg database (a build root's /var/lib/dpkg), read without chroot or root."""

    admindir: Path

    @property
    def where(self) -> str:
        return str(self.admindir)

    def architecture(self) -> str:
        return run(architecture_argv(self.admindir), f"reading {self.admindir}").strip()

    def providers(self, soname: str) -> list[tuple[str, str]]:
        proc = subprocess.run(search_argv(self.admindir, soname), capture_output=True, text=True, check=False)
        return parse_search(proc.stdout)  # exit 1 is "not found": an empty answer

    def shlibs(self, package: str, soname: str) -> str | None:
        """What the package's shlibs file says a binary linking `soname` must depend on."""
        info = self.admindir / "info"
        for name in (f"{package}.shlibs", f"{package.split(':')[0]}.shlibs"):
            path = info / name
            if path.is_file():
                return parse_shlibs(path.read_text(errors="replace"), soname)
        return None


def os_codename(os_release: Path = Path("/etc/os-release")) -> str | None:
    """This machine's distribution codename (bookworm), from os-release."""
    try:
        text = os_release.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key == "VERSION_CODENAME":
            return value.strip().strip('"') or None
    return None


def find_database(builder_root: str | None, distro: str, nspawn_root: Path | None) -> DpkgDatabase:
    """The dpkg database of the machine the env was built in, or of one just like it.

    The nspawn builder's root (named in the manifest) first; then the nspawn root of the same distro;
    then this machine's, when it runs that distro. A Vagrant or ssh build machine is not reachable here.
    """
    candidates = [Path(builder_root) if builder_root else None, nspawn_root]
    if os_codename() == distro:
        candidates.append(Path("/"))
    for root in candidates:
        if root is not None and (root / "var/lib/dpkg/status").is_file():
            return DpkgDatabase(root / "var/lib/dpkg")
    raise UsageError(
        f"no dpkg database of a {distro} build machine here, to find the packages the env's libraries come from",
        hint="build once with `deploytool build --builder nspawn` (it keeps its root), then run deploytool deb again",
    )


def environ_for_build(epoch: int) -> dict[str, str]:
    """dpkg-deb's environment: SOURCE_DATE_EPOCH fixes the ar member times and clamps tar mtimes."""
    return {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
