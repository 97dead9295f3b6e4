"""What every builder offers: run argv in a production-like place where host folders appear at given paths.

Local builders bind-mount the folders; remote ones (vagrant, ssh) copy inputs in and outputs back.
"""

from __future__ import annotations

import shlex
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from deploytool.errors import BuildError

LineSink = Callable[[str], None]


@dataclass(frozen=True)
class Mount:
    host: Path
    guest: str
    output: bool = False  # written by the build: bound read-write, or copied back after the session


class CommandFailed(BuildError):
    def __init__(self, argv: Sequence[str], status: int, output: str, where: str) -> None:
        tail = "\n".join(output.rstrip().splitlines()[-25:])
        super().__init__(f"{where}: `{shlex.join(argv)}` exited {status}:\n{tail}")
        self.argv = list(argv)
        self.status = status
        self.output = output


def run_logged(
    argv: Sequence[str], log: Path | None, sink: LineSink | None, shown: Sequence[str], where: str
) -> str:
    """Run argv, stream its merged output to `sink` and `log`; raise CommandFailed naming `shown`."""
    lines: list[str] = []
    with subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        logf = log.open("a") if log else None
        try:
            if logf:
                logf.write(f"$ {shlex.join(shown)}\n")
            for line in proc.stdout:
                lines.append(line)
                if logf:
                    logf.write(line)
                if sink:
                    sink(line.rstrip("\n"))
        finally:
            if logf:
                logf.close()
        status = proc.wait()
    output = "".join(lines)
    if status != 0:
        raise CommandFailed(shown, status, output, where)
    return output


class Session(Protocol):
    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        """Run argv as root in the build place; returns its output, raises CommandFailed."""
        ...


class Builder(ABC):
    name: ClassVar[str]

    @abstractmethod
    def session(
        self, mounts: Sequence[Mount], sink: LineSink | None = None
    ) -> AbstractContextManager[Session]:
        """Make the build place ready with `mounts` in place; outputs are on the host when it exits."""

    def describe(self) -> dict[str, Any]:
        """What the manifest records about this builder."""
        return {"name": self.name}

    def preflight(self) -> None:  # noqa: B027 (most builders have nothing to check)
        """Fail with the fix (an input error) when this builder cannot start; before any work."""


@dataclass(frozen=True)
class SshTarget:
    """How to reach a remote build place with OpenSSH: a config file and the host alias in it."""

    config: Path
    host: str
    ssh: tuple[str, ...] = field(default=("ssh",))

    def ssh_argv(self) -> list[str]:
        return [*self.ssh, "-F", str(self.config)]


class RemoteSession:
    def __init__(self, target: SshTarget, sink: LineSink | None, log: Path | None) -> None:
        self.target, self.sink, self.log = target, sink, log

    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        full = ["sudo", "env", *(f"{k}={v}" for k, v in (env or {}).items()), *argv]
        # The one place a remote command is quoted: ssh sends a single string to the remote shell.
        wire = [*self.target.ssh_argv(), self.target.host, "--", shlex.join(full)]
        return run_logged(wire, self.log, self.sink, argv, f"build machine {self.target.host}")

    def rsync(self, src: str, dest: str) -> None:
        ssh = shlex.join(self.target.ssh_argv())
        argv = [
            "rsync",
            "-a",
            "--delete",
            "--numeric-ids",
            "--rsync-path",
            "sudo rsync",
            "-e",
            ssh,
            src,
            dest,
        ]
        run_logged(argv, self.log, self.sink, argv, "rsync")


class RemoteBuilder(Builder):
    """A builder reached over SSH: subclasses say how to start, reach and stop the machine."""

    log: Path | None = None

    @abstractmethod
    def start(self, sink: LineSink | None) -> SshTarget: ...

    @abstractmethod
    def stop(self, sink: LineSink | None) -> None: ...

    @contextmanager
    def _session(self, mounts: Sequence[Mount], sink: LineSink | None) -> Iterator[Session]:
        target = self.start(sink)
        try:
            remote = RemoteSession(target, sink, self.log)
            outputs = [m.guest for m in mounts if m.output]
            if outputs:  # a machine keeps its disk between builds: start outputs empty
                remote.run(["rm", "-rf", *outputs])
            remote.run(["mkdir", "-p", *(m.guest for m in mounts)])
            for m in mounts:
                if not m.output:
                    remote.rsync(f"{m.host}/", f"{target.host}:{m.guest}/")
            yield remote
            for m in mounts:
                if m.output:
                    remote.rsync(f"{target.host}:{m.guest}/", f"{m.host}/")
        finally:
            self.stop(sink)

    def session(
        self, mounts: Sequence[Mount], sink: LineSink | None = None
    ) -> AbstractContextManager[Session]:
        return self._session(mounts, sink)
