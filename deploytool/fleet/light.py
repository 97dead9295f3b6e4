"""Light-mode hosts: the machine's own sshd in the host's netns, with private folders bind-mounted.

A small holder process keeps each host's mount and UTS namespaces (its /etc overlay, /srv, /home,
/root, /tmp, /run) alive, so sshd can be stopped and started inside them like a real daemon.
"""

from __future__ import annotations

import os
from pathlib import Path

from deploytool.fleet import keys
from deploytool.fleet.container import etc_hosts, write

SSHD = "/usr/sbin/sshd"
SSHD_CONFIG = "/etc/ssh/deploytool_sshd_config"
HOST_KEY = "/etc/ssh/deploytool_host_ed25519_key"
PRIVATE_DIRS = (("home", "0755"), ("root", "0700"), ("tmp", "1777"), ("var-tmp", "1777"))

# $1 = hostname, $2 = host folder. Everything here happens inside the host's own mount namespace.
HOLDER = """\
set -eu
hostname "$1"
mount -t overlay dtetc -o "lowerdir=/etc,upperdir=$2/etc-upper,workdir=$2/etc-work" /etc
mount --bind "$2/srv" /srv
mount --bind "$2/home" /home
mount --bind "$2/root" /root
mount --bind "$2/tmp" /tmp
mount --bind "$2/var-tmp" /var/tmp
mount -t tmpfs -o mode=0755,size=64m dtrun /run
mkdir -m 0755 /run/sshd
mount -t tmpfs -o mode=0755,size=1m dthide /var/lib/deploytool
exec sleep infinity
"""


def holder(netns: str, hostname: str, hostdir: Path) -> list[str]:
    """The process that is the host: new UTS + mount namespace in its netns, then `sleep`."""
    return [
        "ip",
        "netns",
        "exec",
        netns,
        "unshare",
        "--uts",
        "--",
        "sh",
        "-c",
        HOLDER,
        "sh",
        hostname,
        str(hostdir),
    ]


def sshd(holder_pid: int) -> list[str]:
    """The host's sshd, started inside the holder's namespaces."""
    return [
        "nsenter",
        f"--target={holder_pid}",
        "--mount",
        "--uts",
        "--net",
        "--",
        SSHD,
        "-D",
        "-e",
        "-f",
        SSHD_CONFIG,
    ]


def free_id(passwd: str, group: str, start: int = 2000) -> int:
    """The first id from `start` that is neither a uid nor a gid on this machine."""
    used = {
        int(line.split(":")[2])
        for text in (passwd, group)
        for line in text.splitlines()
        if line.count(":") >= 3
    }
    uid = start
    while uid in used:
        uid += 1
    return uid


def with_user(files: dict[str, str], user: str, uid: int) -> dict[str, str]:
    """passwd, group, shadow and gshadow with `user` added (own group, in sudo, password `*`)."""

    def add_to_sudo(text: str) -> str:
        lines = []
        for line in text.splitlines():
            if line.startswith("sudo:"):
                line += ("," if not line.endswith(":") else "") + user
            lines.append(line)
        return "\n".join(lines) + "\n"

    return {
        "passwd": files["passwd"] + f"{user}:x:{uid}:{uid}::/home/{user}:/bin/bash\n",
        "group": add_to_sudo(files["group"]) + f"{user}:x:{uid}:\n",
        "shadow": files["shadow"] + f"{user}:*:19000:0:99999:7:::\n",
        "gshadow": add_to_sudo(files["gshadow"]) + f"{user}:!::\n",
    }


def provision(hostdir: Path, hostname: str, address: str, host_key: Path, client_pub: str) -> None:
    """Fill the host's folders before its holder mounts them: /etc changes go to the overlay's upper."""
    etc = Path("/etc")
    machine = {name: (etc / name).read_text() for name in ("passwd", "group", "shadow", "gshadow")}
    uid = free_id(machine["passwd"], machine["group"])
    upper = hostdir / "etc-upper"
    (hostdir / "etc-work").mkdir(parents=True, exist_ok=True)
    for name, text in with_user(machine, keys.USER, uid).items():
        public = name in ("passwd", "group")
        write(upper / name, text, 0o644 if public else 0o640, (0, 0 if public else _shadow_gid()))
    write(upper / "sudoers.d/deploytool", f"{keys.USER} ALL=(ALL) NOPASSWD:ALL\n", 0o440)
    write(upper / "hostname", hostname + "\n")
    write(upper / "hosts", etc_hosts(hostname, address))
    write(upper / HOST_KEY.removeprefix("/etc/"), host_key.read_text(), 0o600)
    write(upper / SSHD_CONFIG.removeprefix("/etc/"), keys.sshd_config_light(address, HOST_KEY))
    for name, mode in PRIVATE_DIRS:
        (hostdir / name).mkdir(parents=True, exist_ok=True)
        (hostdir / name).chmod(int(mode, 8))
    home = hostdir / "home" / keys.USER
    (home / ".ssh").mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (home, home / ".ssh"):
        path.chmod(0o700 if path.name == ".ssh" else 0o755)
        os.chown(path, uid, uid)
    write(home / ".ssh/authorized_keys", client_pub + "\n", 0o600, (uid, uid))


def _shadow_gid() -> int:
    for line in Path("/etc/group").read_text().splitlines():
        if line.startswith("shadow:"):
            return int(line.split(":")[2])
    return 0
