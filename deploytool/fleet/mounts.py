"""Mounts the fleet makes in the root namespace (/srv tmpfs, overlay roots) and finding them again."""

from __future__ import annotations

from pathlib import Path

from deploytool.fleet import procs


def tmpfs(target: Path, size: str, source: str, mode: str = "0755") -> list[str]:
    """A size-limited tmpfs: a host's /srv, so filling it is a real ENOSPC and cheap to undo."""
    return ["mount", "-t", "tmpfs", "-o", f"size={size},mode={mode}", source, str(target)]


def overlay(lower: Path, upper: Path, work: Path, target: Path, source: str) -> list[str]:
    opts = f"lowerdir={lower},upperdir={upper},workdir={work}"
    return ["mount", "-t", "overlay", "-o", opts, source, str(target)]


def umount(target: str, lazy: bool = False) -> list[str]:
    return ["umount", *(["--lazy"] if lazy else []), target]


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as \\ooo octal."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[str]:
    """Mount points, in mount order, from /proc/PID/mountinfo text."""
    return [_unescape(line.split()[4]) for line in text.splitlines() if line.strip()]


def under(folder: Path, mountinfo: str | None = None) -> list[str]:
    """Mount points at or below `folder`, deepest and latest first (the order to unmount them in)."""
    text = mountinfo if mountinfo is not None else Path("/proc/self/mountinfo").read_text()
    base = str(folder).rstrip("/")
    found = [m for m in parse_mountinfo(text) if m == base or m.startswith(base + "/")]
    return list(reversed(found))


def unmount_all(folder: Path) -> list[str]:
    """Unmount everything below `folder`; lazily when busy. Returns what was unmounted."""
    done: list[str] = []
    for _ in range(5):  # stacked mounts on one point come off one per pass
        points = under(folder)
        if not points:
            break
        for point in points:
            if procs.run(umount(point), check=False).returncode != 0:
                procs.run(umount(point, lazy=True), check=False)
            done.append(point)
    return done
