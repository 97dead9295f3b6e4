"""The production target a build is for: distro, its Python and glibc, and the tags that match it."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from deploytool.errors import UsageError

# Debian release -> (python3 minor, glibc). The venv is made with the distro's /usr/bin/python3, so the
# target Python is the distro's; glibc bounds the manylinux tags the target can load.
DISTROS: dict[str, tuple[str, tuple[int, int]]] = {
    "bullseye": ("3.9", (2, 31)),
    "bookworm": ("3.11", (2, 36)),
    "trixie": ("3.13", (2, 41)),
}
_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


@dataclass(frozen=True)
class Target:
    distro: str
    python: str  # "3.11"
    arch: str = "x86_64"

    @classmethod
    def for_distro(cls, distro: str, python: str, arch: str | None = None) -> Target:
        if distro not in DISTROS:
            raise UsageError(
                f"unknown target distro {distro!r}", hint=f"use one of: {', '.join(sorted(DISTROS))}"
            )
        expected = DISTROS[distro][0]
        if python != expected:
            raise UsageError(
                f"{distro}'s python3 is {expected}, not {python}",
                hint=f'set deploy.build.python to "{expected}" (env is built with the distro\'s python3)',
            )
        return cls(distro, python, arch or platform.machine())

    @property
    def glibc(self) -> tuple[int, int]:
        return DISTROS[self.distro][1]

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")

    def manylinux_platforms(self) -> list[str]:
        """Every platform tag the target accepts, best first (pip's --platform does not expand them)."""
        major, top = self.glibc
        tags: list[str] = []
        for minor in range(top, 4, -1):
            tags.append(f"manylinux_{major}_{minor}_{self.arch}")
            legacy = _LEGACY_MANYLINUX.get((major, minor))
            if legacy:
                tags.append(f"{legacy}_{self.arch}")
        tags.append(f"linux_{self.arch}")
        return tags

    def pip_args(self) -> list[str]:
        """pip download options that pick the files pip would install on the target."""
        args = ["--python-version", self.python, "--implementation", "cp"]
        for abi in (self.abi, "abi3", "none"):
            args += ["--abi", abi]
        for tag in self.manylinux_platforms():
            args += ["--platform", tag]
        return args

    def pure_pip_args(self) -> list[str]:
        """pip download options that accept only pure wheels (for a package overridden into lib/)."""
        return [
            "--python-version",
            self.python,
            "--implementation",
            "py",
            "--abi",
            "none",
            "--platform",
            "any",
            "--only-binary",
            ":all:",
        ]

    def uv_platform(self) -> str:
        major, minor = self.glibc
        return f"{self.arch}-manylinux_{major}_{minor}"

    def as_dict(self) -> dict[str, str]:
        major, minor = self.glibc
        return {"distro": self.distro, "python": self.python, "arch": self.arch, "glibc": f"{major}.{minor}"}
