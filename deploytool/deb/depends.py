"""The package's Depends: the Python minor the env was built for, the Debian packages that ship the
shared libraries its compiled files link (found in the build machine's dpkg database, not a hand
list), what the role's recipes run from, and adduser for the maintainer scripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from deploytool.deb.dpkg import is_library_path
from deploytool.errors import PackageError

GLIBC_PACKAGES = frozenset({"libc6", "libc6.1", "libc0.1", "libc0.3"})
SCRIPTS_NEED = ("adduser",)  # postinst runs adduser, postrm deluser


class PackageLookup(Protocol):
    """What derivation needs from a dpkg database (DpkgDatabase; a fake in tests)."""

    @property
    def where(self) -> str: ...

    def architecture(self) -> str:
        """The Debian architecture of the build machine (amd64): the package's."""
        ...

    def providers(self, soname: str) -> list[tuple[str, str]]:
        """(package[:arch], path) of every installed file whose path ends in /soname."""
        ...

    def shlibs(self, package: str, soname: str) -> str | None:
        """The dependency the package's shlibs file declares for soname, if it has one."""
        ...


def python_range(version: str) -> list[str]:
    """The exact minor the env was built for: `python3 (>= 3.11), python3 (<< 3.12)`.

    The venv's python is a link to /usr/bin/python3, and its compiled files are for one ABI.
    """
    major, minor = version.split(".")[:2]
    return [f"python3 (>= {major}.{minor})", f"python3 (<< {major}.{int(minor) + 1})"]


def _same_arch(package: str, arch: str) -> bool:
    _, colon, qualifier = package.partition(":")
    return not colon or qualifier == arch


def library_packages(
    sonames: Iterable[str], lookup: PackageLookup, arch: str, glibc_required: str | None
) -> list[str]:
    """One relation per library: `libpq5 (>= 15)`, `libc6 (>= 2.14)`; alternatives when several
    installed packages ship the same library."""
    relations: list[str] = []
    for soname in sorted(set(sonames)):
        names = sorted(
            {
                pkg.split(":")[0]
                for pkg, path in lookup.providers(soname)
                if is_library_path(path, soname) and _same_arch(pkg, arch)
            }
        )
        if not names:
            raise PackageError(
                f"no package in {lookup.where} ships {soname}, which the env's compiled files link",
                hint="install the library's package in the build machine and build again",
            )
        choices = [_versioned(name, soname, lookup, arch, glibc_required) for name in names]
        relation = " | ".join(choices)
        if relation not in relations:
            relations.append(relation)
    return relations


def _versioned(package: str, soname: str, lookup: PackageLookup, arch: str, glibc: str | None) -> str:
    if package in GLIBC_PACKAGES and glibc:
        # the env's symbol versions say exactly which glibc it needs (the build records it)
        return f"{package} (>= {glibc})"
    declared = lookup.shlibs(f"{package}:{arch}", soname)
    return declared or package


def recipe_packages(packages: Iterable[Sequence[str]]) -> list[str]:
    """What the role's services run from (uwsgi-core, redis-server), from their recipes."""
    return sorted({p for group in packages for p in group})


def depends(python: str, libraries: Sequence[str], recipes: Sequence[str]) -> list[str]:
    """The Depends list: the Python range first, then everything else sorted and without repeats."""
    rest = sorted({*libraries, *recipes, *SCRIPTS_NEED})
    return [*python_range(python), *rest]
