"""Build machines made from debootstrap: the nspawn root and the vagrant-lxc box, cached by recipe hash.

No box can be downloaded here, so `deploytool box build` makes one; both share the build recipe.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploytool.build.artifact import digest
from deploytool.build.builders.base import LineSink, run_logged
from deploytool.errors import BuildError, MissingDependency

# What compiling a requirement needs on the target; part of every env hash (see build_recipe).
BUILD_PACKAGES = ("build-essential", "ca-certificates", "libpq-dev", "python3", "python3-dev", "python3-venv")
BOX_PACKAGES = ("iproute2", "openssh-server", "rsync", "sudo", "systemd-sysv")
BOX_USER = "vagrant"
LXC_CONFIG = """\
lxc.include = /usr/share/lxc/config/debian.common.conf
lxc.apparmor.profile = unconfined
lxc.net.0.type = veth
lxc.net.0.flags = up
"""
SSH_KEYGEN_DROPIN = """\
[Service]
# Host keys are removed from the box: make them on first boot, before sshd checks its config.
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
"""


def cache_base() -> Path:
    return Path(os.environ.get("DEPLOYTOOL_MACHINES", "/var/cache/deploytool"))


def mirror() -> str:
    return os.environ.get("DEPLOYTOOL_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def build_recipe(distro: str) -> dict[str, Any]:
    """The part of a build machine that can change a compiled env."""
    return {"distro": distro, "packages": list(BUILD_PACKAGES)}


def root_recipe(distro: str) -> dict[str, Any]:
    return {"kind": "nspawn-root", "build": build_recipe(distro), "variant": "minbase", "version": 1}


def box_recipe(distro: str) -> dict[str, Any]:
    return {
        "kind": "lxc-box",
        "build": build_recipe(distro),
        "variant": "minbase",
        "extra": list(BOX_PACKAGES),
        "user": BOX_USER,
        "lxc_config": LXC_CONFIG,
        "sshd": SSH_KEYGEN_DROPIN,
        "version": 1,
    }


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def debootstrap(distro: str, packages: tuple[str, ...], dest: Path, sink: LineSink | None, log: Path) -> None:
    if shutil.which("debootstrap") is None:
        raise MissingDependency("debootstrap is not installed", hint="apt-get install debootstrap")
    debs = cache_base() / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    argv = [
        "debootstrap",
        "--variant=minbase",
        f"--cache-dir={debs}",
        f"--include={','.join(packages)}",
        distro,
        str(dest),
        mirror(),
    ]
    run_logged(argv, log, sink, argv, "debootstrap")


def _chroot(rootfs: Path, *argv: str) -> None:
    subprocess.run(["chroot", str(rootfs), *argv], check=True, capture_output=True)


def _trim(rootfs: Path) -> None:
    for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_Packages", "var/log/*.log"):
        for path in glob.glob(str(rootfs / pattern)):
            os.unlink(path)


def root_path(distro: str) -> Path:
    """Where the nspawn root of `distro` is (or will be): `<roots>/<recipe-hash>/rootfs`."""
    return cache_base() / "roots" / digest(root_recipe(distro)) / "rootfs"


def root_ready(distro: str) -> bool:
    return (root_path(distro).parent / "recipe.json").is_file()


def ensure_root(distro: str, sink: LineSink | None = None, force: bool = False) -> Path:
    """The nspawn build root for `distro`, made once (about a minute) and cached by recipe hash."""
    recipe = root_recipe(distro)
    rootfs = root_path(distro)
    home = rootfs.parent
    with _flock(cache_base() / "roots" / ".lock"):
        if (home / "recipe.json").is_file() and rootfs.is_dir() and not force:
            return rootfs
        tmp = home.with_name(home.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        debootstrap(distro, BUILD_PACKAGES, tmp / "rootfs", sink, tmp / "debootstrap.log")
        _trim(tmp / "rootfs")
        (tmp / "recipe.json").write_text(json.dumps(recipe, indent=2, sort_keys=True) + "\n")
        shutil.rmtree(home, ignore_errors=True)
        tmp.rename(home)
    return rootfs


@dataclass(frozen=True)
class Box:
    name: str  # as `vagrant box add` knows it
    path: Path  # the .box file
    recipe_hash: str


def vagrant_public_key() -> Path:
    found = sorted(glob.glob("/usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub"))
    found += sorted(glob.glob("/opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant.pub"))
    if not found:
        raise MissingDependency("Vagrant's insecure public key was not found", hint="apt-get install vagrant")
    return Path(found[-1])


def _provision_box_root(rootfs: Path) -> None:
    """The vagrant user, NOPASSWD sudo, no host keys (made at boot), no ifupdown (LXC sets the IP)."""
    _chroot(rootfs, "useradd", "--create-home", "--shell", "/bin/bash", BOX_USER)
    _chroot(rootfs, "usermod", "--password", "*", BOX_USER)
    ssh_dir = rootfs / "home" / BOX_USER / ".ssh"
    ssh_dir.mkdir(mode=0o700)
    shutil.copyfile(vagrant_public_key(), ssh_dir / "authorized_keys")
    (ssh_dir / "authorized_keys").chmod(0o600)
    _chroot(rootfs, "chown", "-R", f"{BOX_USER}:{BOX_USER}", f"/home/{BOX_USER}/.ssh")
    sudoers = rootfs / "etc" / "sudoers.d" / BOX_USER
    sudoers.write_text(f"{BOX_USER} ALL=(ALL) NOPASSWD:ALL\nDefaults:{BOX_USER} !requiretty\n")
    sudoers.chmod(0o440)
    for key in glob.glob(str(rootfs / "etc/ssh/ssh_host_*")):
        os.unlink(key)
    dropin = rootfs / "etc/systemd/system/ssh.service.d"
    dropin.mkdir(parents=True, exist_ok=True)
    (dropin / "10-host-keys.conf").write_text(SSH_KEYGEN_DROPIN)
    os.symlink("/dev/null", rootfs / "etc/systemd/system/networking.service")
    (rootfs / "etc/hostname").write_text("deploytool-build\n")
    _trim(rootfs)


def box_name(distro: str) -> tuple[str, Path]:
    """The name Vagrant knows the box by, and where its file is cached."""
    h = digest(box_recipe(distro))
    return f"deploytool/{distro}-{h[:12]}", cache_base() / "boxes" / h / f"deploytool-{distro}.box"


def build_box(distro: str, sink: LineSink | None = None, force: bool = False) -> Box:
    """The lxc box file for `distro` (made once): `<boxes>/<recipe-hash>/<name>.box`."""
    recipe = box_recipe(distro)
    h = digest(recipe)
    name, path = box_name(distro)
    home = path.parent
    box = Box(name, path, h)
    with _flock(cache_base() / "boxes" / ".lock"):
        if box.path.is_file() and not force:
            return box
        tmp = home.with_name(home.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        log = tmp / "build.log"
        debootstrap(distro, BUILD_PACKAGES + BOX_PACKAGES, tmp / "rootfs", sink, log)
        _provision_box_root(tmp / "rootfs")
        pack = tmp / "pack"
        pack.mkdir()
        compress = ["--use-compress-program=pigz"] if shutil.which("pigz") else ["-z"]
        tar = [
            "tar",
            "--numeric-owner",
            "--xattrs",
            "--xattrs-include=*",
            *compress,
            "-cf",
            str(pack / "rootfs.tar.gz"),
            "-C",
            str(tmp),
            "./rootfs",
        ]
        run_logged(tar, log, sink, tar, "packing the box")
        (pack / "metadata.json").write_text(
            json.dumps({"provider": "lxc", "version": "1.0.0", "recipe": h}, sort_keys=True) + "\n"
        )
        (pack / "lxc-config").write_text(LXC_CONFIG)
        box_tmp = tmp / box.path.name
        argv = ["tar", "-cf", str(box_tmp), "-C", str(pack), "metadata.json", "lxc-config", "rootfs.tar.gz"]
        run_logged(argv, log, sink, argv, "packing the box")
        shutil.rmtree(tmp / "rootfs")
        shutil.rmtree(pack)
        (tmp / "recipe.json").write_text(json.dumps(recipe, indent=2, sort_keys=True) + "\n")
        shutil.rmtree(home, ignore_errors=True)
        tmp.rename(home)
    if not box.path.is_file():
        raise BuildError(f"box build left no {box.path}")
    return box


def add_box(box: Box, force: bool = False) -> None:
    """`vagrant box add` the box file (python-vagrant), unless Vagrant has it already."""
    from deploytool.build.builders.vagrant import VagrantBuilder

    vagrant = VagrantBuilder(box.name, cache_base() / "vagrant").vagrant()
    if force or not any(b.name == box.name for b in vagrant.box_list()):
        vagrant.box_add(box.name, str(box.path), provider="lxc", force=True)
