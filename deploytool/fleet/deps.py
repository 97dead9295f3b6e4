"""What `deploytool fleet` needs from the machine: root, and the programs of a few apt packages."""

from __future__ import annotations

import os
import shutil
import subprocess

from deploytool.errors import MissingDependency, UsageError
from deploytool.fleet import procs

# program (or file) -> the Debian package that ships it
COMMON = {
    "ip": "iproute2", "tc": "iproute2", "nft": "nftables", "ssh": "openssh-client",
    "ssh-keygen": "openssh-client", "nsenter": "util-linux", "mount": "mount",
}  # fmt: skip
SYSTEMD = {
    "systemd-nspawn": "systemd-container", "debootstrap": "debootstrap",
    "/usr/share/keyrings/debian-archive-keyring.gpg": "debian-archive-keyring",  # debootstrap only recommends it
}  # fmt: skip
LIGHT = {"sshd": "openssh-server", "unshare": "util-linux", "sudo": "sudo", "rsync": "rsync"}


def required(mode: str) -> dict[str, str]:
    return {**COMMON, **(SYSTEMD if mode == "systemd" else LIGHT)}


def missing(mode: str) -> list[str]:
    """The apt packages to install, sorted, for the programs of `mode` that are not on PATH."""
    path = procs.env()["PATH"]
    return sorted({pkg for prog, pkg in required(mode).items() if not _present(prog, path)})


def _present(program_or_file: str, path: str) -> bool:
    if program_or_file.startswith("/"):
        return os.path.exists(program_or_file)
    return shutil.which(program_or_file, path=path) is not None


def install_argv(packages: list[str]) -> list[str]:
    return ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", *packages]


def require_root() -> None:
    if os.geteuid() != 0:
        raise UsageError(
            "deploytool fleet needs root: it makes network namespaces, bridges, mounts and containers",
            hint="run it as root, e.g. `sudo deploytool fleet up`",
        )


def check(mode: str, install: bool = False) -> list[str]:
    """Raise MissingDependency naming the packages, or install them (`install`); return what was installed."""
    packages = missing(mode)
    if not packages:
        return []
    if not install:
        raise MissingDependency(
            f"deploytool fleet --mode {mode} needs these apt packages: {' '.join(packages)}",
            hint=f"apt-get install {' '.join(packages)}   (or pass --install-deps)",
        )
    env = {**procs.env(), "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(install_argv(packages), env=env, check=False)
    if result.returncode != 0:
        raise MissingDependency(
            f"`apt-get install {' '.join(packages)}` exited {result.returncode}",
            hint="run `apt-get update` and try again",
        )
    return packages
