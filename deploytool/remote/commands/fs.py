"""Files and folders on a host: layout, the atomic `current` switch, pruning."""

from __future__ import annotations

from collections.abc import Sequence

from deploytool.remote import shell
from deploytool.remote.shell import Argv


def mkdirs(*paths: str, mode: str | None = None) -> Argv:
    return ["mkdir", "-p", *(["-m", mode] if mode else []), "--", *paths]


def switch_symlink(link: str, target: str) -> Argv:
    """Point `link` at `target` atomically: a new symlink renamed over the old one (rename(2))."""
    tmp = f"{link}.deploytool-new"
    return shell.sh(["ln", "-sfn", target, tmp], ["mv", "-Tf", tmp, link])


def readlink(link: str) -> Argv:
    return ["readlink", "-q", "--", link]


def parse_readlink(stdout: str) -> str | None:
    target = stdout.strip()
    return target or None


def list_dir(path: str) -> Argv:
    """Entries of `path`, one per line (nothing when it does not exist)."""
    return shell.sh(["test", "-d", path], ["ls", "-1A", "--", path])


def parse_list(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line]


def remove_trees(paths: Sequence[str]) -> Argv:
    return ["rm", "-rf", "--", *paths]


def remove_partials(folders: Sequence[str]) -> Argv:
    """Remove `.NAME.partial` folders an interrupted stage left behind (after a deploy committed)."""
    return [
        "find",
        *folders,
        "-mindepth",
        "1",
        "-maxdepth",
        "1",
        "-name",
        ".*.partial",
        "-exec",
        "rm",
        "-rf",
        "--",
        "{}",
        "+",
    ]


def write_file(path: str, mode: str = "0644") -> Argv:
    """Write stdin to `path` atomically (temp file + rename), with `mode`."""
    tmp = f"{path}.deploytool-tmp"
    return shell.sh(
        ["install", "-m", mode, "/dev/stdin", tmp],
        ["mv", "-f", tmp, path],
    )


def disk_free_kib(path: str) -> Argv:
    return ["df", "-Pk", "--", path]


def parse_disk_free_kib(stdout: str) -> int:
    """Available KiB from `df -Pk` output (the 4th column of the last line)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    return int(lines[-1].split()[3])
