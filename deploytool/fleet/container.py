"""Systemd-mode hosts: an overlay of the cached image per host, booted by systemd-nspawn in its netns.

Per-host files go into the overlay's upper layer; the image below is shared and never written.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from deploytool.fleet import keys, mounts, net, procs

SSHD_DROP_IN = "etc/ssh/sshd_config.d/zz-deploytool-fleet.conf"


def nspawn(rootfs: Path, machine: str, netns: str, srv: Path) -> list[str]:
    """Boot the host. `--register=no --keep-unit` because this machine's PID 1 is not systemd."""
    return [
        "systemd-nspawn", "-q", "--boot", "-D", str(rootfs), f"--machine={machine}",
        "--register=no", "--keep-unit", f"--network-namespace-path=/run/netns/{netns}",
        f"--bind={srv}:/srv",
    ]  # fmt: skip


def nsenter(pid: int, argv: list[str]) -> list[str]:
    """Run a command inside the container whose init is `pid` (used when its sshd is down)."""
    return ["nsenter", f"--target={pid}", "--mount", "--uts", "--ipc", "--net", "--pid", "--", *argv]


def etc_hosts(hostname: str, address: str) -> str:
    return f"127.0.0.1\tlocalhost\n{address}\t{hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"


def _owner(rootfs: Path, user: str) -> tuple[int, int]:
    for line in (rootfs / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise LookupError(f"no user {user} in {rootfs}/etc/passwd")


def write(path: Path, text: str, mode: int = 0o644, owner: tuple[int, int] = (0, 0)) -> None:
    """Write a file of a host; never through a symlink planted where the file should be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chown(path, *owner)
    os.chmod(path, mode)


def mount_root(image: Path, hostdir: Path, source: str) -> Path:
    """Mount the host's overlay root (image below, hostdir/upper above) and return it."""
    rootfs = hostdir / "rootfs"
    for sub in ("upper", "work", "rootfs"):
        (hostdir / sub).mkdir(parents=True, exist_ok=True)
    if str(rootfs) not in mounts.under(rootfs):
        procs.run(mounts.overlay(image, hostdir / "upper", hostdir / "work", rootfs, source))
    return rootfs


def provision(rootfs: Path, hostname: str, address: str, host_key: Path, client_pub: str) -> None:
    """Make the host itself: name, identity, its own ssh host key, the client key for `deploy`."""
    write(rootfs / "etc/hostname", hostname + "\n")
    write(rootfs / "etc/hosts", etc_hosts(hostname, address))
    write(rootfs / "etc/machine-id", uuid.uuid4().hex + "\n", 0o444)
    write(rootfs / "etc/ssh/ssh_host_ed25519_key", host_key.read_text(), 0o600)
    write(rootfs / "etc/ssh/ssh_host_ed25519_key.pub", Path(f"{host_key}.pub").read_text())
    write(rootfs / SSHD_DROP_IN, keys.sshd_drop_in())
    owner = _owner(rootfs, keys.USER)
    home = rootfs / "home" / keys.USER
    (home / ".ssh").mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chown(home / ".ssh", *owner)
    write(home / ".ssh/authorized_keys", client_pub + "\n", 0o600, owner)


def leader(netns: str) -> int | None:
    """The container's PID 1 as the root namespace sees it (its NSpid ends in 1), if it runs."""
    for pid in netns_pids(netns):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and len(line.split()) == 3 and line.split()[-1] == "1":
                return pid
    return None


def netns_pids(netns: str) -> list[int]:
    proc = procs.run(net.netns_pids(netns), check=False)
    return [int(p) for p in proc.stdout.split() if p.isdigit()]
