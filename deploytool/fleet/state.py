"""The fleet's state file (/var/lib/deploytool/fleet/NAME/state.json) and the folders around it.

Written before each thing is made, so `fleet down` can undo a crashed `fleet up` from it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploytool.errors import FleetError
from deploytool.fleet.faults import Faults
from deploytool.fleet.net import Layout
from deploytool.fleet.procs import Proc

STATE_ROOT = Path("/var/lib/deploytool/fleet")
VERSION = 1


@dataclass
class HostState:
    """One host: what it is, where it lives, which processes are it, which faults it carries."""

    name: str
    index: int
    address: str
    roles: list[str]
    netns: str
    veth: str
    host_key: str = ""
    procs: dict[str, Proc] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "index": self.index, "address": self.address, "roles": self.roles,
            "netns": self.netns, "veth": self.veth, "host_key": self.host_key,
            "procs": {k: p.to_json() for k, p in self.procs.items()}, "faults": self.faults.to_json(),
        }  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> HostState:
        return cls(
            name=d["name"], index=d["index"], address=d["address"], roles=list(d["roles"]),
            netns=d["netns"], veth=d["veth"], host_key=d.get("host_key", ""),
            procs={k: Proc.from_json(v) for k, v in d.get("procs", {}).items()},
            faults=Faults.from_json(d.get("faults", {})),
        )  # fmt: skip


@dataclass
class FleetState:
    """A whole fleet. `phase` is "creating" until every host answered, then "up"."""

    name: str
    mode: str
    subnet: int
    srv_size: str
    image: str | None = None
    phase: str = "creating"
    hosts: list[HostState] = field(default_factory=list)
    project_files: list[str] = field(default_factory=list)
    root: Path = STATE_ROOT

    @property
    def layout(self) -> Layout:
        return Layout(self.name, self.subnet)

    @property
    def dir(self) -> Path:
        return self.root / self.name

    def host_dir(self, host: str) -> Path:
        return self.dir / "hosts" / host

    @property
    def client_key(self) -> Path:
        return self.dir / "client_key"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        return self.dir / "ssh_config"

    def host(self, name: str) -> HostState:
        for host in self.hosts:
            if name in (host.name, host.address):
                return host
        known = ", ".join(h.name for h in self.hosts)
        raise FleetError(f"fleet {self.name!r} has no host {name!r}", hint=f"its hosts are {known}")

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION, "name": self.name, "mode": self.mode, "subnet": self.subnet,
            "srv_size": self.srv_size, "image": self.image, "phase": self.phase,
            "project_files": self.project_files, "hosts": [h.to_json() for h in self.hosts],
        }  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any], root: Path) -> FleetState:
        if d.get("version") != VERSION:
            raise FleetError(f"state file version {d.get('version')!r} is not {VERSION}")
        return cls(
            name=d["name"], mode=d["mode"], subnet=d["subnet"], srv_size=d["srv_size"],
            image=d.get("image"), phase=d.get("phase", "creating"),
            hosts=[HostState.from_json(h) for h in d["hosts"]],
            project_files=list(d.get("project_files", [])), root=root,
        )  # fmt: skip


def state_file(name: str, root: Path = STATE_ROOT) -> Path:
    return root / name / "state.json"


def load(name: str, root: Path = STATE_ROOT) -> FleetState | None:
    path = state_file(name, root)
    try:
        return FleetState.from_json(json.loads(path.read_text()), root)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise FleetError(
            f"{path} is unreadable ({exc})", hint=f"`deploytool fleet down --name {name}` still cleans up"
        ) from exc


def save(state: FleetState) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    state.dir.mkdir(parents=True, exist_ok=True)
    path = state_file(state.name, state.root)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.to_json(), indent=2) + "\n")
    os.replace(tmp, path)


def all_states(root: Path = STATE_ROOT) -> list[FleetState]:
    """Every fleet with a readable state file (other fleets' subnets are taken)."""
    found = []
    for path in sorted(root.glob("*/state.json")):
        with contextlib.suppress(FleetError):
            state = load(path.parent.name, root)
            if state is not None:
                found.append(state)
    return found


@contextlib.contextmanager
def locked(root: Path = STATE_ROOT) -> Iterator[None]:
    """One fleet change at a time on this machine (subnets and names are shared)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield
