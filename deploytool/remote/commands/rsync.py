"""rsync from this machine to a host, over the same ssh options (and trust) as the SSH runner."""

from __future__ import annotations

from collections.abc import Sequence

from deploytool.remote import shell
from deploytool.remote.shell import Argv


def push_tree(
    source: str,
    host: str,
    dest: str,
    ssh_options: Sequence[str],
    *,
    link_dest: str | None = None,
    rsync_path: str | None = None,
    delete: bool = True,
    stats: bool = False,
    dry_run: bool = False,
) -> Argv:
    """Copy the folder `source` to `host:dest`.

    Content checksums, not size+mtime: with --link-dest, the quick check hard-links a changed file
    of the same size and mtime from the old release (PLATFORM.md). --link-dest is relative to dest.
    --whole-file: unchanged files are hard-linked anyway; changed ones are sent whole, which skips
    the delta path that fails verification between some rsync versions (3.5 here, 3.2.7 on hosts).
    """
    argv = [
        "rsync",
        "--recursive", "--links", "--perms", "--times", "--checksum", "--whole-file",
        "--omit-dir-times", "--no-owner", "--no-group", "--protect-args",
        "--rsh", shell.join(["ssh", *ssh_options]),
    ]  # fmt: skip
    if delete:
        argv.append("--delete")
    if link_dest:
        argv += ["--link-dest", link_dest]
    if rsync_path:
        argv += ["--rsync-path", rsync_path]
    if stats:
        argv.append("--stats")
    if dry_run:
        argv.append("--dry-run")
    return [*argv, "--", source.rstrip("/") + "/", f"{host}:{dest.rstrip('/')}/"]


def parse_stats(stdout: str) -> dict[str, int]:
    """Numbers from `--stats` output (files transferred, bytes sent)."""
    stats: dict[str, int] = {}
    for line in stdout.splitlines():
        key, _, value = line.partition(":")
        digits = value.strip().split(" ")[0].replace(",", "")
        if key.strip() and digits.isdigit():
            stats[key.strip()] = int(digits)
    return stats
