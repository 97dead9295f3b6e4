"""What a push works on, as plain data: the host layout, the targets, the staged release, batches.

Pure: nothing here connects or runs. push.py turns these into remote steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from deploytool.recipes import Recipe
from deploytool.remote.endpoint import Endpoint


@dataclass(frozen=True)
class Layout:
    """Where things live under an app's root on a host (DESIGN §3)."""

    root: str

    @property
    def releases(self) -> str:
        return f"{self.root}/releases"

    @property
    def envs(self) -> str:
        return f"{self.root}/envs"

    @property
    def shared(self) -> str:
        return f"{self.root}/shared"

    @property
    def current(self) -> str:
        return f"{self.root}/current"

    @property
    def state(self) -> str:
        return f"{self.root}/.deploytool"

    @property
    def lock(self) -> str:
        return f"{self.state}/lock"

    @property
    def journal(self) -> str:
        return f"{self.state}/journal.jsonl"

    def release(self, release_id: str) -> str:
        return f"{self.releases}/{release_id}"

    def env(self, env_hash: str) -> str:
        return f"{self.envs}/{env_hash}"

    def env_file(self, service: str) -> str:
        return f"{self.shared}/env/{service}.env"

    @property
    def inventory(self) -> str:
        """The inventory's app keys (etc/hosts.json without `deploy`); releases link etc/hosts.json here."""
        return f"{self.shared}/etc/hosts.json"

    @staticmethod
    def link_target(release_id: str) -> str:
        """What `current` points at: relative, so the tree can be moved or inspected in a chroot."""
        return f"releases/{release_id}"


@dataclass(frozen=True)
class Service:
    name: str
    unit: str  # systemd unit name without suffix, e.g. sample-web
    recipe: Recipe
    files: Mapping[str, str]  # unit file name -> rendered text
    health_url: str | None = None  # on the host, e.g. http://127.0.0.1:8000/health

    @property
    def main_unit(self) -> str:
        return f"{self.unit}.service"


@dataclass(frozen=True)
class Target:
    """One host to deploy to, with what it runs."""

    name: str
    endpoint: Endpoint
    roles: tuple[str, ...]
    services: tuple[Service, ...]
    env_files: Mapping[str, bytes] = field(default_factory=dict)  # service name -> file content
    secret_values: tuple[str, ...] = ()  # to redact from anything printed
    shared_files: Mapping[str, bytes] = field(default_factory=dict)  # host path -> content, mode 0644


@dataclass(frozen=True)
class Bundle:
    """A built release, unpacked locally, ready to rsync."""

    release_id: str
    env_hash: str
    release_tree: Path  # app + lib/ + RELEASE + env -> ../../envs/<env_hash>
    env_tree: Path
    python: str  # "3.11"
    abi: str  # e.g. cpython-311-x86_64-linux-gnu
    glibc: str | None  # the highest glibc the compiled files need, None when pure
    release_digest: str
    env_digest: str


@dataclass(frozen=True)
class Settings:
    app: str
    run_as: str
    ssh_user: str
    keep_releases: int = 5
    canary: int = 1
    batch_size: int = 2
    parallel: int = 10
    health_status: int = 200
    health_timeout: float = 30.0
    lock_wait: float = 0.0
    lock_ttl_minutes: float = 30.0
    reason: str = "deploytool push"
    min_free_kib: int = 100 * 1024


T = TypeVar("T")


def batches(targets: Sequence[T], canary: int, size: int) -> list[list[T]]:
    """The canary batch (the first `canary` hosts) first, then batches of `size`."""
    ordered = list(targets)
    head, rest = ordered[:canary], ordered[canary:]
    groups = [head] if head else []
    groups += [rest[i : i + size] for i in range(0, len(rest), max(1, size))]
    return groups


def releases_to_prune(ordered: Sequence[str], keep: int, protect: Sequence[str | None]) -> list[str]:
    """Oldest releases beyond `keep`, never one in `protect` (current and previous)."""
    protected = {p for p in protect if p}
    candidates = [r for r in ordered if r not in protected]
    room = max(0, keep - len(protected))
    return candidates[: max(0, len(candidates) - room)]
