"""Where one host is and how to reach it: plain data, importable without paramiko or fabric."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Endpoint:
    """Everything needed to reach one host."""

    name: str
    address: str
    known_hosts: Path
    port: int = 22
    user: str = "deploy"
    identity: Path | None = None
    jump: Endpoint | None = None
    connect_timeout: float = 10.0

    @property
    def known_hosts_name(self) -> str:
        """How this host appears in known_hosts (OpenSSH's `[addr]:port` for non-22 ports)."""
        return self.address if self.port == 22 else f"[{self.address}]:{self.port}"
