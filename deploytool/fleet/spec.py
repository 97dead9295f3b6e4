"""What a fleet is asked to be: name, host count, roles, mode, /srv size; parsed and checked here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from deploytool.errors import UsageError

Mode = Literal["systemd", "light"]
MODES: tuple[Mode, ...] = ("systemd", "light")
Report = Callable[[str], None]
"""Where the library says what it is doing (one line per step); the CLI decides how to show it."""

MAX_HOSTS = 200
_NAME = re.compile(r"[a-z0-9]{1,8}")
_SIZE = re.compile(r"[1-9][0-9]*[KMG]")


def quiet(_: str) -> None:
    """A Report that shows nothing."""


def check_name(name: str) -> str:
    """Fleet names end up in interface names (15 characters at most), so they stay short."""
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"fleet name {name!r} is not 1-8 lowercase letters or digits",
            hint="e.g. --name test (the name goes into interface names, which are short)",
        )
    return name


def parse_roles(text: str) -> dict[str, int]:
    """`master=1,shard=2` -> {"master": 1, "shard": 2}, in the order given."""
    roles: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, sep, count = part.partition("=")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_-]*", role) or not count.isdigit():
            raise UsageError(f"--roles: {part!r} is not ROLE=COUNT", hint="e.g. --roles master=1,shard=2")
        if role in roles:
            raise UsageError(f"--roles: {role!r} is given twice")
        roles[role] = int(count)
    if not roles or sum(roles.values()) == 0:
        raise UsageError("--roles names no host", hint="e.g. --roles master=1,shard=2")
    return roles


def default_roles(hosts: int) -> dict[str, int]:
    """One master; every other host is a shard."""
    return {"master": 1} if hosts == 1 else {"master": 1, "shard": hosts - 1}


@dataclass(frozen=True)
class FleetSpec:
    """A checked request for a fleet. Build it with `FleetSpec.make`."""

    name: str
    roles: tuple[tuple[str, int], ...]
    mode: Mode
    srv_size: str

    @property
    def hosts(self) -> int:
        return sum(count for _, count in self.roles)

    def host_roles(self) -> list[tuple[str, list[str]]]:
        """[("h1", ["master"]), ("h2", ["shard"]), ...]: roles handed out in the order given."""
        names: list[tuple[str, list[str]]] = []
        for role, count in self.roles:
            for _ in range(count):
                names.append((f"h{len(names) + 1}", [role]))
        return names

    @classmethod
    def make(
        cls,
        name: str = "default",
        hosts: int | None = None,
        roles: str | dict[str, int] | None = None,
        mode: str = "systemd",
        srv_size: str = "512M",
    ) -> FleetSpec:
        if mode not in MODES:
            raise UsageError(f"--mode {mode!r} is not one of {', '.join(MODES)}")
        if not _SIZE.fullmatch(srv_size):
            raise UsageError(f"--srv-size {srv_size!r} is not a size", hint="e.g. 512M or 2G")
        if hosts is not None and not 1 <= hosts <= MAX_HOSTS:
            raise UsageError(f"--hosts {hosts} is not between 1 and {MAX_HOSTS}")
        parsed = parse_roles(roles) if isinstance(roles, str) else roles
        if parsed is None:
            parsed = default_roles(hosts if hosts is not None else 3)
        total = sum(parsed.values())
        if hosts is not None and total != hosts:
            raise UsageError(
                f"--roles names {total} hosts but --hosts is {hosts}",
                hint="give only one of them, or make the role counts add up to --hosts",
            )
        if total > MAX_HOSTS:
            raise UsageError(f"--roles names {total} hosts; at most {MAX_HOSTS}")
        return cls(check_name(name), tuple(parsed.items()), mode, srv_size)
