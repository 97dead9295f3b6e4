"""Names, addresses and argv builders for the fleet's network: one bridge, one netns + veth per host.

Pure functions only; `Layout` turns a fleet name and subnet index into every name and address used.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_HOST = 11  # host i (1-based) is .(10+i); .1 is the bridge
RESERVED_SUBNETS = frozenset({1})  # 198.18.1.0/24 belongs to the Vagrant build machine


def subnet_prefix(index: int) -> str:
    """Subnet index 0..511 -> "198.18.0" .. "198.19.255" (all inside 198.18.0.0/15)."""
    if not 0 <= index < 512:
        raise ValueError(f"subnet index {index} is outside 198.18.0.0/15")
    return f"198.{18 + index // 256}.{index % 256}"


@dataclass(frozen=True)
class Layout:
    """Every name and address of fleet `name` on subnet `index` (interface names stay <= 15 chars)."""

    name: str
    index: int

    @property
    def prefix(self) -> str:
        return subnet_prefix(self.index)

    @property
    def subnet(self) -> str:
        return f"{self.prefix}.0/24"

    @property
    def bridge(self) -> str:
        return f"dtbr-{self.name}"

    @property
    def gateway(self) -> str:
        return f"{self.prefix}.1"

    def address(self, i: int) -> str:
        return f"{self.prefix}.{FIRST_HOST - 1 + i}"

    def netns(self, i: int) -> str:
        return f"dt-{self.name}-h{i}"

    def veth(self, i: int) -> str:
        """The root-namespace end of host i's link; the other end is `eth0` inside its netns."""
        return f"dt-{self.name}-{i}"

    @property
    def netns_prefix(self) -> str:
        return f"dt-{self.name}-h"

    @property
    def veth_prefix(self) -> str:
        return f"dt-{self.name}-"


def bridge_up(layout: Layout) -> list[list[str]]:
    return [
        ["ip", "link", "add", layout.bridge, "type", "bridge"],
        ["ip", "addr", "add", f"{layout.gateway}/24", "dev", layout.bridge],
        ["ip", "link", "set", layout.bridge, "up"],
    ]


def host_up(layout: Layout, i: int) -> list[list[str]]:
    """Host i's netns, its veth pair (eth0 inside), its address; no default route, so no way out."""
    ns, veth = layout.netns(i), layout.veth(i)
    return [
        ["ip", "netns", "add", ns],
        ["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns],
        ["ip", "link", "set", veth, "master", layout.bridge, "up"],
        ["ip", "-n", ns, "addr", "add", f"{layout.address(i)}/24", "dev", "eth0"],
        ["ip", "-n", ns, "link", "set", "lo", "up"],
        ["ip", "-n", ns, "link", "set", "eth0", "up"],
    ]


def link_set(dev: str, up: bool) -> list[str]:
    return ["ip", "link", "set", dev, "up" if up else "down"]


def netns_del(ns: str) -> list[str]:
    return ["ip", "netns", "del", ns]


def link_del(dev: str) -> list[str]:
    return ["ip", "link", "del", dev]


def netns_pids(ns: str) -> list[str]:
    return ["ip", "netns", "pids", ns]


def netns_list() -> list[str]:
    return ["ip", "-j", "netns", "list"]


def link_list() -> list[str]:
    return ["ip", "-j", "link", "show"]


def addr_list() -> list[str]:
    return ["ip", "-j", "-4", "addr", "show"]


def in_netns(ns: str, argv: list[str]) -> list[str]:
    return ["ip", "netns", "exec", ns, *argv]
