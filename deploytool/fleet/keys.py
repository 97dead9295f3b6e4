"""SSH material of a fleet: key generation argv, `known_hosts` lines and the strict `ssh_config`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from deploytool.fleet import procs

SSH_PORT = 22
USER = "deploy"


def keygen(path: Path, comment: str) -> list[str]:
    """An ed25519 key pair at `path` and `path`.pub, no passphrase."""
    return ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)]


def make_key(path: Path, comment: str) -> str:
    """Create the key pair (replacing an old one) and return the public key line."""
    for old in (path, path.with_name(path.name + ".pub")):
        old.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    procs.run(keygen(path, comment))
    return public_key(path)


def public_key(path: Path) -> str:
    """`ssh-ed25519 AAAA...` (without the comment) from `path`.pub."""
    kind, blob, *_ = path.with_name(path.name + ".pub").read_text().split()
    return f"{kind} {blob}"


def known_hosts_line(names: Sequence[str], pubkey: str, port: int = SSH_PORT) -> str:
    """One known_hosts line: every name the host is reached by, then its key."""
    patterns = [n if port == SSH_PORT else f"[{n}]:{port}" for n in names]
    return f"{','.join(patterns)} {pubkey}"


def known_hosts(entries: Sequence[tuple[str, str, str]]) -> str:
    """known_hosts for (name, address, pubkey) entries; the host name is an alias of its address."""
    return "".join(known_hosts_line([address, name], key) + "\n" for name, address, key in entries)


def ssh_config(fleet: str, hosts: Sequence[tuple[str, str]], identity: Path, known: Path) -> str:
    """`ssh -F THIS h1` reaches h1 as deploy, trusting only the fleet's known_hosts, never asking."""
    lines = [
        f"# written by `deploytool fleet up` for fleet {fleet!r}; `deploytool fleet down` removes it",
        "# host-key checking is strict: a host whose key is not in known_hosts is refused",
        "",
    ]
    for name, address in hosts:
        lines += [f"Host {name}", f"  HostName {address}", ""]
    lines += [
        "Host *",
        f"  User {USER}",
        f"  Port {SSH_PORT}",
        f"  IdentityFile {identity}",
        "  IdentitiesOnly yes",
        f"  UserKnownHostsFile {known}",
        "  GlobalKnownHostsFile /dev/null",
        "  StrictHostKeyChecking yes",
        "  UpdateHostKeys no",
        "  BatchMode yes",
        "  ConnectTimeout 5",
        "  LogLevel ERROR",
        "",
    ]
    return "\n".join(lines)


COMMON_SSHD = (
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin no",
    "MaxStartups 100:30:200",
    "MaxSessions 50",
)


def sshd_drop_in() -> str:
    """/etc/ssh/sshd_config.d/ file for systemd hosts: Debian's sshd_config does the rest."""
    return "\n".join(["# written by `deploytool fleet up`", *COMMON_SSHD, ""])


def sshd_config_light(address: str, host_key: str) -> str:
    """The whole sshd config of a light host (the machine's sshd, run by hand, without PAM)."""
    return "\n".join(
        [
            "# written by `deploytool fleet up`",
            f"ListenAddress {address}",
            f"HostKey {host_key}",
            "UsePAM no",
            "PidFile none",
            "AuthorizedKeysFile .ssh/authorized_keys",
            *COMMON_SSHD,
            "PrintMotd no",
            "AcceptEnv LANG LC_*",
            "Subsystem sftp /usr/lib/openssh/sftp-server",
            "",
        ]
    )
