"""systemctl and journalctl on a host, with parsers for what they answer."""

from __future__ import annotations

from deploytool.remote.shell import Argv


def daemon_reload() -> Argv:
    return ["systemctl", "daemon-reload"]


def enable_now(*units: str) -> Argv:
    return ["systemctl", "enable", "--now", "--", *units]


def restart(*units: str) -> Argv:
    return ["systemctl", "restart", "--", *units]


def reload(*units: str) -> Argv:
    return ["systemctl", "reload", "--", *units]


def stop(*units: str) -> Argv:
    return ["systemctl", "stop", "--", *units]


def is_active(*units: str) -> Argv:
    return ["systemctl", "is-active", "--", *units]


def parse_is_active(stdout: str) -> list[bool]:
    """One bool per unit asked, in order (`is-active` prints one state per line)."""
    return [line.strip() == "active" for line in stdout.splitlines() if line.strip()]


def show(unit: str, *props: str) -> Argv:
    return ["systemctl", "show", "--property", ",".join(props), "--", unit]


def parse_show(stdout: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in stdout.splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def journal_tail(unit: str, lines: int = 20) -> Argv:
    return ["journalctl", "--no-pager", "--output", "cat", "-n", str(lines), "-u", unit]
