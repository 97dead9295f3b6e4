"""SSH to a host with fabric/paramiko, host keys checked strictly against the project's known_hosts.

Fabric's Connection accepts any unknown key (AutoAddPolicy); every connection made here replaces that
with RejectPolicy and loads only the configured known_hosts file. OpenSSH options for rsync are built
from the same Endpoint, so both paths trust exactly the same keys.
"""

from __future__ import annotations

import select
import time
from collections.abc import Sequence
from typing import Any

import paramiko
from fabric import Config, Connection

from deploytool.errors import HostKeyError, HostUnreachable
from deploytool.remote import shell
from deploytool.remote.endpoint import Endpoint as Endpoint  # re-exported: ssh.Endpoint still works
from deploytool.remote.runner import Result


def _fix_hint(ep: Endpoint) -> str:
    return (
        f"verify the key out of band, then add it: ssh-keyscan -t ed25519 -p {ep.port} {ep.address} "
        f">> {ep.known_hosts} (compare its fingerprint with `ssh-keygen -lf` on the host first)"
    )


def connect(ep: Endpoint) -> Connection:
    """An open fabric Connection to `ep` (through its jump host, if any) with strict host keys."""
    if not ep.known_hosts.is_file():
        raise HostKeyError(f"{ep.name}: known_hosts file {ep.known_hosts} does not exist", hint=_fix_hint(ep))
    connect_kwargs: dict[str, Any] = {"allow_agent": False, "look_for_keys": ep.identity is None}
    if ep.identity is not None:
        connect_kwargs["key_filename"] = [str(ep.identity)]
    conn = Connection(
        ep.address,
        user=ep.user,
        port=ep.port,
        config=Config(overrides={"load_ssh_configs": False}),
        connect_timeout=int(ep.connect_timeout),
        connect_kwargs=connect_kwargs,
        gateway=connect(ep.jump) if ep.jump else None,
    )
    conn.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    conn.client.load_host_keys(str(ep.known_hosts))
    try:
        conn.open()
    except paramiko.BadHostKeyException as exc:
        raise HostKeyError(
            f"{ep.name}: HOST KEY CHANGED for {ep.known_hosts_name} (got {exc.key.get_name()} "
            f"{exc.key.fingerprint}); refusing to connect: this may be an attack",
            hint=_fix_hint(ep).replace("then add it", "then replace the old line with the new one"),
        ) from None
    except paramiko.SSHException as exc:
        if "not found in known_hosts" in str(exc):
            raise HostKeyError(
                f"{ep.name}: {ep.known_hosts_name} is not in {ep.known_hosts}; refusing an unknown host key",
                hint=_fix_hint(ep),
            ) from None
        raise HostUnreachable(f"{ep.name}: ssh to {ep.user}@{ep.address}:{ep.port} failed: {exc}") from None
    except (TimeoutError, OSError) as exc:
        raise HostUnreachable(
            f"{ep.name}: cannot reach {ep.address}:{ep.port}: {exc}",
            hint="is the host up and sshd listening? is the address in the config right?",
        ) from None
    return conn


class SshRunner:
    """Runs argv lists on one host over one reused SSH connection."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.host = endpoint.name
        self._conn: Connection | None = None
        self.commands_run = 0

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            self._conn = connect(self.endpoint)
        return self._conn

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = True,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> Result:
        line = shell.join(argv)
        transport = self.connection.client.get_transport()
        if transport is None or not transport.is_active():
            raise HostUnreachable(f"{self.host}: the SSH connection was lost")
        self.commands_run += 1
        try:
            code, out, err = _exec(transport, line, stdin, timeout)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise HostUnreachable(
                f"{self.host}: the SSH connection broke while running a command: {exc}"
            ) from None
        result = Result(
            self.host, tuple(argv), code, out.decode(errors="replace"), err.decode(errors="replace")
        )
        return result.check() if check else result

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _exec(
    transport: paramiko.Transport, line: str, stdin: bytes | None, timeout: float | None
) -> tuple[int, bytes, bytes]:
    """Run one command line on a new channel; stdin is sent whole, then EOF."""
    chan = transport.open_session()
    try:
        chan.exec_command(line)
        if stdin:
            chan.sendall(stdin)
        chan.shutdown_write()
        out, err = bytearray(), bytearray()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if chan.recv_ready():
                out += chan.recv(65536)
                continue
            if chan.recv_stderr_ready():
                err += chan.recv_stderr(65536)
                continue
            if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
                break
            if deadline is not None and time.monotonic() > deadline:
                return 124, bytes(out), bytes(err) + f"timed out after {timeout}s".encode()
            select.select([chan], [], [], 0.5)
        return chan.recv_exit_status(), bytes(out), bytes(err)
    finally:
        chan.close()


def openssh_options(ep: Endpoint) -> list[str]:
    """`ssh` options reaching `ep` with the same keys and trust as `connect` (for rsync -e)."""
    opts = [
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", f"UserKnownHostsFile={ep.known_hosts}",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", f"ConnectTimeout={int(ep.connect_timeout)}",
        "-F", "/dev/null",
        "-p", str(ep.port),
        "-l", ep.user,
    ]  # fmt: skip
    if ep.identity is not None:
        opts += ["-o", "IdentitiesOnly=yes", "-i", str(ep.identity)]
    if ep.jump is not None:
        # -J would not apply these options to the jump host; a ProxyCommand carrying them does.
        proxy = ["ssh", *openssh_options(ep.jump), "-W", "%h:%p", ep.jump.address]
        opts += ["-o", f"ProxyCommand={shell.join(proxy)}"]
    return opts
