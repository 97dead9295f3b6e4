"""The `nspawn` builder: a debootstrap root of the target distro, one systemd-nspawn per command.

The root stays pristine (--volatile=overlay) and has no network (--private-network), like the
Vagrant machine; host folders are bind-mounted at their build paths.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from deploytool.build.builders.base import Builder, LineSink, Mount, Session, run_logged
from deploytool.errors import BuildError, MissingDependency

_counter = itertools.count()


class NspawnSession:
    def __init__(self, root: Path, mounts: Sequence[Mount], sink: LineSink | None, log: Path | None) -> None:
        self.root, self.mounts, self.sink, self.log = root, mounts, sink, log

    def argv(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> list[str]:
        machine = f"deploytool-{os.getpid()}-{next(_counter)}"
        full = [
            "systemd-nspawn",
            "--quiet",
            f"--directory={self.root}",
            "--register=no",
            "--keep-unit",
            "--volatile=overlay",
            "--private-network",
            f"--machine={machine}",
            "--chdir=/",
        ]
        for m in self.mounts:
            full.append(f"--bind={m.host}:{m.guest}" if m.output else f"--bind-ro={m.host}:{m.guest}")
        full += [f"--setenv={k}={v}" for k, v in (env or {}).items()]
        return [*full, "--", *argv]

    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        return run_logged(self.argv(argv, env), self.log, self.sink, argv, f"nspawn root {self.root}")


class NspawnBuilder(Builder):
    name = "nspawn"

    def __init__(self, root: Path, log: Path | None = None) -> None:
        self.root = root
        self.log = log

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "root": str(self.root)}

    @contextmanager
    def _session(self, mounts: Sequence[Mount], sink: LineSink | None) -> Iterator[Session]:
        if shutil.which("systemd-nspawn") is None:
            raise MissingDependency(
                "systemd-nspawn is not installed", hint="apt-get install systemd-container"
            )
        for m in mounts:
            if ":" in str(m.host) or ":" in m.guest:
                raise BuildError(f"a build path may not contain ':' (systemd-nspawn --bind): {m.host}")
            m.host.mkdir(parents=True, exist_ok=True)
        yield NspawnSession(self.root, mounts, sink, self.log)

    def session(
        self, mounts: Sequence[Mount], sink: LineSink | None = None
    ) -> AbstractContextManager[Session]:
        return self._session(mounts, sink)
