"""Network faults on one host: cut, packet loss (nftables in its netns) and slowness (tc tbf).

This kernel has no netem: loss is an nft `numgen random` drop, slowness is a tbf rate limit on both
ends of the host's veth (queueing adds the latency). Pure builders here; `Fleet` runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deploytool.errors import UsageError

TABLE = "deploytool_fault"
_RATE = re.compile(r"[0-9]+(\.[0-9]+)?(bit|kbit|mbit|gbit|bps|kbps|mbps)")
_TIME = re.compile(r"[0-9]+(us|ms|s)")


@dataclass(frozen=True)
class Faults:
    """The faults a host carries now; recorded in the state file, re-applied as a whole."""

    cut: bool = False
    loss: int = 0
    rate: str | None = None
    latency: str = "200ms"

    def to_json(self) -> dict[str, object]:
        return {"cut": self.cut, "loss": self.loss, "rate": self.rate, "latency": self.latency}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Faults:
        rate = data.get("rate")
        return cls(
            cut=bool(data.get("cut", False)),
            loss=int(str(data.get("loss", 0))),
            rate=None if rate is None else str(rate),
            latency=str(data.get("latency", "200ms")),
        )


def check_loss(percent: int) -> int:
    if not 0 <= percent <= 100:
        raise UsageError(f"packet loss {percent}% is not between 0 and 100")
    return percent


def check_rate(rate: str, latency: str) -> tuple[str, str]:
    if not _RATE.fullmatch(rate):
        raise UsageError(f"rate {rate!r} is not a tc rate", hint="e.g. 1mbit, 512kbit")
    if not _TIME.fullmatch(latency):
        raise UsageError(f"latency {latency!r} is not a tc time", hint="e.g. 200ms")
    return rate, latency


def nft_ruleset(faults: Faults) -> str | None:
    """The host's fault table (replacing any old one), or None when it needs no table at all.

    Loopback is never touched: a cut host still talks to itself. ARP is not in the inet family,
    so a cut host stays resolvable and connections time out instead of failing fast.
    """
    if not faults.cut and faults.loss == 0:
        return None
    verdict = "drop" if faults.cut else f"numgen random mod 100 < {faults.loss} drop"
    return (
        f"table inet {TABLE}\n"
        f"delete table inet {TABLE}\n"
        f"table inet {TABLE} {{\n"
        f"  chain input {{\n"
        f'    type filter hook input priority -10; policy accept;\n    iifname "lo" accept\n    {verdict}\n'
        f"  }}\n"
        f"  chain output {{\n"
        f'    type filter hook output priority -10; policy accept;\n    oifname "lo" accept\n    {verdict}\n'
        f"  }}\n"
        f"}}\n"
    )


def nft_apply(ns: str) -> list[str]:
    """Load a ruleset (given on stdin) inside the host's netns."""
    return ["ip", "netns", "exec", ns, "nft", "-f", "-"]


def nft_clear(ns: str) -> tuple[list[str], str]:
    """Remove the fault table, present or not (declaring it first makes the delete always valid)."""
    return nft_apply(ns), f"table inet {TABLE}\ndelete table inet {TABLE}\n"


def tbf_burst(rate: str) -> str:
    """tbf's bucket in bytes: 1/50 s worth of traffic, and never below a few full-size packets."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise UsageError(f"rate {rate!r} is not a tc rate", hint="e.g. 1mbit, 512kbit")
    number, unit = float(rate[: match.start(2)]), match.group(2)
    scale = {"bit": 1, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "bps": 8, "kbps": 8e3, "mbps": 8e6}[unit]
    return str(max(8192, int(number * scale / 8 / 50)))


def tc_shape(ns: str, veth: str, rate: str, latency: str) -> list[list[str]]:
    """Rate-limit both directions: the root end (traffic to the host) and eth0 (traffic from it)."""
    tbf = ["root", "tbf", "rate", rate, "burst", tbf_burst(rate), "latency", latency]
    return [
        ["tc", "qdisc", "replace", "dev", veth, *tbf],
        ["ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", "eth0", *tbf],
    ]


def tc_unshape(ns: str, veth: str) -> list[list[str]]:
    """Back to the default qdisc on both ends (exits non-zero when there was none: ignore that)."""
    return [
        ["tc", "qdisc", "del", "dev", veth, "root"],
        ["ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", "eth0", "root"],
    ]
