"""Every error deploytool expects, typed by where its fix lives; each carries a hint.

The CLI prints an expected error as one line (plus its hint) with no traceback and exits with
`exit_code`. Anything that is not a DeploytoolError is a bug and prints a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class DeploytoolError(Exception):
    """Base of every expected failure. `hint` says how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(DeploytoolError):
    """The command line or environment is wrong before anything runs (bad option value, not root)."""

    exit_code = 2


class ConfigError(UsageError):
    """A config file is wrong. The message names the file, the key path and what is expected."""

    def __init__(
        self,
        file: str | Path | None,
        key: str | None,
        expected: str,
        hint: str | None = None,
    ) -> None:
        where = str(file) if file is not None else "<command line>"
        if key:
            where = f"{where}: {key}"
        super().__init__(f"{where}: {expected}", hint)
        self.file = None if file is None else str(file)
        self.key = key
        self.expected = expected


class MissingDependency(UsageError):
    """A program or apt package this command needs is not installed."""


class NotBuiltYet(DeploytoolError):
    """A verb whose issue has not landed yet."""

    def __init__(self, verb: str) -> None:
        super().__init__(
            f"`deploytool {verb}` is not built yet",
            hint="see README.md for what works today",
        )


class BuildError(DeploytoolError):
    """Building the lib/env/app artifact failed."""


class PackageError(DeploytoolError):
    """Building or checking a .deb failed."""


class FleetError(DeploytoolError):
    """Bringing the local test fleet up or down failed."""


class RemoteCommandFailed(DeploytoolError):
    """A command on a host exited non-zero."""

    def __init__(
        self, host: str, argv: Sequence[str], status: int, stderr: str = "", hint: str | None = None
    ) -> None:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        cmd = " ".join(argv)
        super().__init__(f"{host}: `{cmd}` exited {status}" + (f": {tail}" if tail else ""), hint)
        self.host = host
        self.argv = list(argv)
        self.status = status
        self.stderr = stderr


class HostKeyError(DeploytoolError):
    """A host's SSH key is unknown or changed. Never worked around, only reported."""

    exit_code = 4


class DeployLocked(DeploytoolError):
    """Another deploy holds the lock on a host."""

    exit_code = 3


class HostUnreachable(DeploytoolError):
    """A host did not answer on SSH (timeout, refused, no route, authentication failed)."""

    exit_code = 4


class RollbackFailed(DeploytoolError):
    """A deploy failed AND putting some host back failed too: the fleet needs a person."""

    exit_code = 5


class FleetStepFailed(DeploytoolError):
    """A step failed on one or more hosts; every failed host is listed, once (fabric's GroupResult)."""

    def __init__(self, step: str, failures: dict[str, BaseException], hint: str | None = None) -> None:
        detail = "; ".join(f"{host}: {_one_line(exc)}" for host, exc in sorted(failures.items()))
        super().__init__(f"{step} failed on {len(failures)} host(s): {detail}", hint)
        self.step = step
        self.failures = failures
        codes = {getattr(exc, "exit_code", 1) for exc in failures.values()}
        self.exit_code = codes.pop() if len(codes) == 1 else 1


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    host_prefix = text.split(": ", 1)
    return host_prefix[1] if len(host_prefix) == 2 and " " not in host_prefix[0] else text
