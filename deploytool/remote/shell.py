"""The one place that turns argv lists into shell text. Nothing else in deploytool quotes.

Builders return argv lists; the runner calls `join` once. Shell operators (&&, |, >) only enter
through `sh`, which quotes every part it is given.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

Argv = list[str]


def join(argv: Sequence[str]) -> str:
    """One command line, each argument quoted for a POSIX shell."""
    if not argv:
        raise ValueError("empty command")
    return shlex.join(argv)


def sh(*commands: Sequence[str], op: str = "&&") -> Argv:
    """`sh -c` running several argv lists joined by `op` (&&, ||, ;, |), each one quoted."""
    if op not in {"&&", "||", ";", "|"}:
        raise ValueError(f"unsupported shell operator {op!r}")
    return ["sh", "-c", f" {op} ".join(join(c) for c in commands)]


def sh_redirect(argv: Sequence[str], path: str, *, append: bool = False) -> Argv:
    """`sh -c` running argv with stdout written to `path` (quoted)."""
    return ["sh", "-c", f"{join(argv)} {'>>' if append else '>'} {shlex.quote(path)}"]


def sudo(argv: Sequence[str], *, user: str | None = None) -> Argv:
    """argv run through non-interactive sudo (fails instead of prompting)."""
    prefix = ["sudo", "-n"] + (["-u", user] if user else []) + ["--"]
    return prefix + list(argv)


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret value replaced by ***, for logs and errors."""
    for value in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(value, "***")
    return text
