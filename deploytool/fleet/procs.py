"""Local processes of the fleet: run a command, spawn a daemon by PID, and kill by PID safely.

A PID is always paired with its kernel start time, so a recycled PID is never signalled by mistake.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deploytool.errors import FleetError

SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def env() -> dict[str, str]:
    """The environment for fleet commands: the sbin dirs on PATH, no locale surprises."""
    return {**os.environ, "PATH": SBIN_PATH + ":" + os.environ.get("PATH", ""), "LC_ALL": "C"}


def run(
    argv: Sequence[str], *, input: str | None = None, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one command; a non-zero exit raises FleetError naming the command and its stderr."""
    try:
        proc = subprocess.run(
            list(argv), input=input, capture_output=True, text=True, timeout=timeout, env=env(), check=False
        )
    except FileNotFoundError as exc:
        raise FleetError(
            f"`{argv[0]}` is not installed", hint="run `deploytool fleet up --install-deps`"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise FleetError(f"`{shlex.join(argv)}` did not finish within {timeout:g} s") from exc
    if check and proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise FleetError(f"`{shlex.join(argv)}` exited {proc.returncode}" + (f": {tail}" if tail else ""))
    return proc


@dataclass(frozen=True)
class Proc:
    """A process we started: its PID and the start time that makes the PID unambiguous."""

    pid: int
    start: int

    def to_json(self) -> list[int]:
        return [self.pid, self.start]

    @classmethod
    def from_json(cls, data: Sequence[int]) -> Proc:
        return cls(int(data[0]), int(data[1]))


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time) of a PID, or None if there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])


def start_time(pid: int) -> int | None:
    st = _stat(pid)
    return None if st is None else st[1]


def alive(proc: Proc) -> bool:
    """True while the process runs. A zombie counts as dead (this machine's PID 1 reaps late)."""
    _reap(proc.pid)
    st = _stat(proc.pid)
    return st is not None and st[1] == proc.start and st[0] not in ("Z", "X")


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # not our child: its parent reaps it
        os.waitpid(pid, os.WNOHANG)


def spawn(argv: Sequence[str], log: Path) -> Proc:
    """Start a daemon in its own session, stdout and stderr appended to `log`; return it by PID.

    posix_spawn rather than Popen: nothing in this process owns the daemon, so nothing warns
    about it when this process moves on or exits.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as fh:
        fh.write(f"--- {time.strftime('%F %T')} {shlex.join(argv)}\n".encode())
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    path = shutil.which(argv[0], path=env()["PATH"])
    if path is None:
        raise FleetError(f"`{argv[0]}` is not installed", hint="run `deploytool fleet up --install-deps`")
    pid = os.posix_spawn(path, list(argv), env(), file_actions=actions, setsid=True)
    started = start_time(pid)
    if started is None:
        raise FleetError(f"`{shlex.join(argv)}` exited at once; see {log}")
    return Proc(pid, started)


def signal_all(procs: Iterable[Proc], sig: signal.Signals) -> None:
    for proc in procs:
        if alive(proc):
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, sig)


def wait_dead(procs: Iterable[Proc], timeout: float) -> list[Proc]:
    """Poll until every process is gone or `timeout` passes; return the ones still alive."""
    pending = list(procs)
    deadline = time.monotonic() + timeout
    while pending:
        pending = [p for p in pending if alive(p)]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return pending


def stop(procs: Iterable[Proc], grace: float = 5.0) -> None:
    """TERM, wait up to `grace` seconds, then KILL what is left and wait for it."""
    procs = [p for p in procs if alive(p)]
    signal_all(procs, signal.SIGTERM)
    left = wait_dead(procs, grace)
    if left:
        signal_all(left, signal.SIGKILL)
        left = wait_dead(left, 5.0)
    if left:
        raise FleetError(f"processes {[p.pid for p in left]} survived SIGKILL")


def kill(procs: Iterable[Proc]) -> None:
    """SIGKILL at once and wait for the processes to be gone (for teardown, where nothing is kept)."""
    procs = [p for p in procs if alive(p)]
    signal_all(procs, signal.SIGKILL)
    if wait_dead(procs, 5.0):
        raise FleetError(f"processes {[p.pid for p in procs if alive(p)]} survived SIGKILL")


def by_pid(pids: Iterable[int]) -> list[Proc]:
    """Procs for PIDs seen just now (for processes found, not started, e.g. `ip netns pids`)."""
    found = []
    for pid in pids:
        started = start_time(pid)
        if started is not None:
            found.append(Proc(pid, started))
    return found
