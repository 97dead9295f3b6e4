"""How a command reaches a host: one Runner interface, with a local, a recording and (in ssh.py) an SSH runner.

Every runner takes argv lists; only `shell.join` turns them into text. `RecordingRunner` backs
--dry-run plans and the unit tests.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from deploytool.errors import RemoteCommandFailed
from deploytool.remote import shell


@dataclass(frozen=True)
class Result:
    host: str
    argv: tuple[str, ...]
    exit_code: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def check(self) -> Result:
        if not self.ok:
            raise RemoteCommandFailed(self.host, self.argv, self.exit_code, self.stderr)
        return self


class Runner(Protocol):
    """Runs argv lists on one host."""

    host: str

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = True,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> Result: ...

    def close(self) -> None: ...


class LocalRunner:
    """Runs on this machine, without a shell (argv goes straight to exec)."""

    def __init__(self, host: str = "local") -> None:
        self.host = host

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = True,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> Result:
        shell.join(argv)  # rejects an empty argv the same way every runner does
        try:
            proc = subprocess.run(list(argv), input=stdin, capture_output=True, timeout=timeout, check=False)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        except FileNotFoundError as exc:
            code, out, err = 127, b"", str(exc).encode()
        except subprocess.TimeoutExpired as exc:
            code, out, err = 124, exc.stdout or b"", f"timed out after {timeout}s".encode()
        result = Result(
            self.host, tuple(argv), code, out.decode(errors="replace"), err.decode(errors="replace")
        )
        return result.check() if check else result

    def close(self) -> None:
        pass


Responder = Callable[[tuple[str, ...]], "Result | None"]


@dataclass
class RecordingRunner:
    """Records every command instead of running it; answers from `responses` (first match wins).

    `responses` maps a predicate over argv to a (exit_code, stdout) pair, so a test can make
    `systemctl is-active` fail on one host and see the plan react.
    """

    host: str = "recorded"
    responders: list[Responder] = field(default_factory=list)
    calls: list[tuple[str, ...]] = field(default_factory=list)
    stdins: list[bytes | None] = field(default_factory=list)

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = True,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> Result:
        shell.join(argv)
        key = tuple(argv)
        self.calls.append(key)
        self.stdins.append(stdin)
        result = Result(self.host, key, 0)
        for responder in self.responders:
            answer = responder(key)
            if answer is not None:
                result = answer
                break
        return result.check() if check else result

    def close(self) -> None:
        pass

    @property
    def lines(self) -> list[str]:
        """The recorded commands as the shell text the SSH runner would send."""
        return [shell.join(c) for c in self.calls]
