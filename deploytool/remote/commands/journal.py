"""The deploy journal on a host: one JSON object per line, appended, never rewritten."""

from __future__ import annotations

import json
from typing import Any

from deploytool.remote import shell
from deploytool.remote.shell import Argv


def append(path: str) -> Argv:
    """Append stdin (one JSON line) to the journal."""
    return shell.sh_redirect(["cat"], path, append=True)


def entry(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n").encode()


def read(path: str, last: int = 200) -> Argv:
    return shell.sh(["test", "-f", path], ["tail", "-n", str(last), "--", path])


def parse(stdout: str) -> list[dict[str, Any]]:
    """Entries, oldest first; a torn last line (a crash mid-append) is skipped, not fatal."""
    entries = []
    for line in stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            entries.append(item)
    return entries
