"""The deploy lock on a host: a directory made atomically by `mkdir`, with a JSON note of its holder."""

from __future__ import annotations

import json
from typing import Any

from deploytool.remote import shell
from deploytool.remote.shell import Argv


def acquire(lock_dir: str) -> Argv:
    """Make the lock and write the holder note from stdin; fails (exit 1) if the lock exists."""
    return shell.sh(
        ["mkdir", "--", lock_dir], ["install", "-m", "0644", "/dev/stdin", f"{lock_dir}/holder.json"]
    )


def read(lock_dir: str) -> Argv:
    """The holder note, or nothing (exit non-zero) when unlocked."""
    return ["cat", "--", f"{lock_dir}/holder.json"]


def parse_holder(stdout: str) -> dict[str, Any] | None:
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def release(lock_dir: str, deploy_id: str) -> Argv:
    """Remove the lock only if `deploy_id` still holds it (a rename first, so two breakers cannot both win)."""
    stale = f"{lock_dir}.released-{deploy_id}"
    return shell.sh(
        ["grep", "-qF", json.dumps(deploy_id), f"{lock_dir}/holder.json"],
        ["mv", "-T", lock_dir, stale],
        ["rm", "-rf", "--", stale],
    )


def break_lock(lock_dir: str, holder_deploy_id: str) -> Argv:
    """Break an expired lock held by `holder_deploy_id` (the same compare-then-rename as release)."""
    return release(lock_dir, holder_deploy_id)
