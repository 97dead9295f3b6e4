"""`Fleet`: a handle on a fleet that is up. Hosts, ssh files, faults, reset, down.

Every change reloads the state file under the lock and saves it after, so the CLI and a test
process can drive the same fleet.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from deploytool.errors import FleetError
from deploytool.fleet import faults, host, keys, procs, project
from deploytool.fleet.down import remaining, teardown
from deploytool.fleet.faults import Faults
from deploytool.fleet.spec import FleetSpec, Report, quiet
from deploytool.fleet.state import STATE_ROOT, FleetState, HostState, load, locked, save
from deploytool.fleet.up import up as bring_up

FILL_FILE = ".deploytool-disk-fill"


@dataclass(frozen=True)
class Host:
    """What a test or a config needs to reach one host."""

    name: str
    address: str
    roles: tuple[str, ...]
    port: int
    netns: str


@dataclass(frozen=True)
class HostStatus:
    name: str
    address: str
    roles: tuple[str, ...]
    running: bool
    sshd: bool
    faults: Faults


class Fleet:
    """A fleet that is up. Make one with `Fleet.up(spec)`, or `Fleet.open(name)` for an existing one."""

    def __init__(self, state: FleetState) -> None:
        self._state = state

    @classmethod
    def up(
        cls,
        spec: FleetSpec | None = None,
        *,
        report: Report = quiet,
        recreate: bool = False,
        install_deps: bool = False,
        mirror: str | None = None,
        project_dir: Path | None = None,
        root: Path = STATE_ROOT,
    ) -> Fleet:
        if project_dir is not None:
            project.check(project_dir)  # before anything is made
        state = bring_up(
            spec or FleetSpec.make(), report=report, recreate=recreate, install_deps=install_deps,
            mirror=mirror, root=root,
        )  # fmt: skip
        fleet = cls(state)
        if project_dir is not None:
            report(f"wrote {fleet.write_project(project_dir)}")
        return fleet

    @classmethod
    def open(cls, name: str = "default", root: Path = STATE_ROOT) -> Fleet:
        state = load(name, root)
        if state is None:
            raise FleetError(f"fleet {name!r} is not up", hint=f"deploytool fleet up --name {name}")
        if state.phase != "up":
            raise FleetError(
                f"fleet {name!r} was never fully made (an interrupted `fleet up`?)",
                hint=f"deploytool fleet down --name {name}, then up again",
            )
        return cls(state)

    # what it is
    @property
    def name(self) -> str:
        return self._state.name

    @property
    def mode(self) -> str:
        return self._state.mode

    @property
    def hosts(self) -> list[Host]:
        return [self._view(h) for h in self._state.hosts]

    def host(self, name: str) -> Host:
        return self._view(self._state.host(name))

    @property
    def state_dir(self) -> Path:
        return self._state.dir

    @property
    def client_key(self) -> Path:
        return self._state.client_key

    @property
    def known_hosts(self) -> Path:
        return self._state.known_hosts

    @property
    def ssh_config(self) -> Path:
        return self._state.ssh_config

    def srv(self, name: str) -> Path:
        """The host's /srv as this machine sees it (a tmpfs of --srv-size)."""
        return host.srv(self._state, self._state.host(name))

    def _view(self, h: HostState) -> Host:
        return Host(h.name, h.address, tuple(h.roles), keys.SSH_PORT, h.netns)

    # reaching hosts
    def ssh_argv(
        self, name: str, *command: str, script: str | None = None, options: dict[str, str] | None = None
    ) -> list[str]:
        """`ssh -F ssh_config [-o K=V...] HOST -- COMMAND`: argv `command` is quoted once, here;
        `script` is a shell command line passed on as written (what `ssh HOST 'a | b'` does)."""
        opts = [arg for k, v in (options or {}).items() for arg in ("-o", f"{k}={v}")]
        line = shlex.join(command) if command else script
        remote = ["--", line] if line else []
        return ["ssh", "-F", str(self.ssh_config), *opts, self._state.host(name).name, *remote]

    def ssh(
        self,
        name: str,
        *command: str,
        script: str | None = None,
        timeout: float = 60,
        options: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command on a host over ssh and return the result (never raises on exit status)."""
        argv = self.ssh_argv(name, *command, script=script, options=options)
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    def status(self) -> list[HostStatus]:
        self._reload()
        return [
            HostStatus(h.name, h.address, tuple(h.roles), host.running(h), host.answers(h.address), h.faults)
            for h in self._state.hosts
        ]

    def write_project(self, project_dir: Path) -> Path:
        """Write PROJECT/etc/hosts.json for this fleet (removed again by `down`)."""
        with self._changing():
            return project.write(self._state, project_dir)

    # faults
    def cut(self, name: str) -> None:
        """Drop every packet to and from the host (not loopback): connections time out."""
        self._set_faults(name, lambda f: Faults(True, f.loss, f.rate, f.latency))

    def restore(self, name: str) -> None:
        """Undo `cut` (loss and slowness stay)."""
        self._set_faults(name, lambda f: Faults(False, f.loss, f.rate, f.latency))

    def lossy(self, name: str, percent: int) -> None:
        """Drop `percent`% of the host's packets, in and out, at random."""
        faults.check_loss(percent)
        self._set_faults(name, lambda f: Faults(f.cut, percent, f.rate, f.latency))

    def slow(self, name: str, rate: str = "1mbit", latency: str = "200ms") -> None:
        """Limit the host's link to `rate` each way; queueing up to `latency` adds delay."""
        faults.check_rate(rate, latency)
        self._set_faults(name, lambda f: Faults(f.cut, f.loss, rate, latency))

    def clear_faults(self, name: str) -> None:
        self._set_faults(name, lambda f: Faults())

    def _set_faults(self, name: str, change: Callable[[Faults], Faults]) -> None:
        with self._changing():
            h = self._state.host(name)
            h.faults = change(h.faults)
            _apply_faults(h)

    def stop_sshd(self, name: str) -> None:
        with self._changing():
            host.stop_sshd(self._state, self._state.host(name))

    def start_sshd(self, name: str) -> None:
        with self._changing():
            h = self._state.host(name)
            host.start_sshd(self._state, h)
            host.wait_ready(self._state, [h])

    def fill_disk(self, name: str) -> None:
        """Fill the host's /srv to the last byte: writes there fail with ENOSPC until `free_disk`."""
        path = self.srv(name) / FILL_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fs = os.statvfs(path)
            free = fs.f_bavail * fs.f_frsize
            if free:
                os.posix_fallocate(fd, os.fstat(fd).st_size, free)
            with contextlib.suppress(OSError):  # top up whatever allocation granularity left
                while os.write(fd, b"\0" * 4096):
                    pass
        finally:
            os.close(fd)

    def free_disk(self, name: str) -> None:
        (self.srv(name) / FILL_FILE).unlink(missing_ok=True)

    def stop_host(self, name: str) -> None:
        """Stop the host entirely (systemd hosts power off); its address stops answering."""
        with self._changing():
            host.stop(self._state.host(name))

    def start_host(self, name: str) -> None:
        """Boot a stopped host again (same disk, key and faults) and wait for its sshd."""
        with self._changing():
            h = self._state.host(name)
            if not host.running(h):
                host.start(self._state, h)
            host.wait_ready(self._state, [h])

    # between tests
    def reset(self, *, wipe: bool = False) -> None:
        """Every host running, sshd up, no faults, /srv not full. `wipe`: also back to a fresh host."""
        with self._changing():
            client_pub = keys.public_key(self.client_key)
            for h in self._state.hosts:
                h.faults = Faults()
                _apply_faults(h)
                host.srv(self._state, h).joinpath(FILL_FILE).unlink(missing_ok=True)
                if wipe:
                    host.wipe(self._state, h, client_pub)
                if not host.running(h):
                    host.start(self._state, h)
                elif not host.answers(h.address):
                    host.start_sshd(self._state, h)
            host.wait_ready(self._state, self._state.hosts)

    def down(self, report: Report = quiet) -> list[str]:
        return teardown(self.name, root=self._state.root, report=report)

    def remaining(self) -> dict[str, list[str]]:
        """What of this fleet still exists on the machine (all empty after `down`)."""
        return remaining(self._state)

    def _reload(self) -> None:
        fresh = load(self.name, self._state.root)
        if fresh is None:
            raise FleetError(f"fleet {self.name!r} is not up any more")
        self._state = fresh

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        with locked(self._state.root):
            self._reload()
            try:
                yield
            finally:
                save(self._state)


def _apply_faults(h: HostState) -> None:
    ruleset = faults.nft_ruleset(h.faults)
    if ruleset is None:
        argv, text = faults.nft_clear(h.netns)
        procs.run(argv, input=text)
    else:
        procs.run(faults.nft_apply(h.netns), input=ruleset)
    if h.faults.rate:
        for argv in faults.tc_shape(h.netns, h.veth, h.faults.rate, h.faults.latency):
            procs.run(argv)
    else:
        for argv in faults.tc_unshape(h.netns, h.veth):
            procs.run(argv, check=False)  # exits 2 when no qdisc was set: fine
