"""lintian on a built package: errors and warnings fail the build; the package carries its overrides.

Each override says why in the overrides file itself (deploytool/deb/templates/overrides.j2).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from deploytool.deb.dpkg import lintian_argv
from deploytool.errors import PackageError

FAILING = ("E", "W")


def parse(text: str) -> list[tuple[str, str]]:
    """`E: pkg: tag context` lines -> (severity letter, rest); N: (notes) and blank lines dropped."""
    found = []
    for line in text.splitlines():
        severity, sep, rest = line.partition(": ")
        if sep and severity in ("E", "W", "I", "P", "X", "O", "C"):
            found.append((severity, rest.strip()))
    return found


def check(deb: Path) -> list[str]:
    """The tags lintian leaves (informational ones); PackageError on any error or warning."""
    proc = subprocess.run(lintian_argv(deb), capture_output=True, text=True, check=False)
    tags = parse(proc.stdout)
    bad = [f"{s}: {rest}" for s, rest in tags if s in FAILING]
    if bad or proc.returncode != 0:
        detail = "; ".join(bad[:5]) or (proc.stderr.strip().splitlines() or ["no output"])[-1]
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise PackageError(
            f"lintian rejects {deb.name}: {detail}{more}",
            hint=f"run `lintian {deb.name}` on a kept copy (--no-lintian) to see every tag",
        )
    return [f"{s}: {rest}" for s, rest in tags]
