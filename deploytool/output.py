"""Where deploytool writes: human text (rich) and machine events (NDJSON on stdout with --json).

With --json, stdout carries only JSON lines; everything for humans goes to stderr. With CI=true or
no terminal, there are no colours, spinners or prompts.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape

_SECRETS: set[str] = set()


def register_secret(value: str) -> None:
    """A secret value this run resolved: from now on it is printed as *** everywhere."""
    if value:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for value in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(value, "***")
    return text


def is_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass
class Output:
    """One per command run. `verbosity`: -1 quiet, 0 normal, 1+ verbose."""

    json_mode: bool = False
    verbosity: int = 0
    color: bool = True
    console: Console = field(init=False)

    def __post_init__(self) -> None:
        no_color = not self.color or "NO_COLOR" in os.environ
        stream = sys.stderr if self.json_mode else sys.stdout
        self.console = Console(
            file=stream,
            no_color=no_color,
            highlight=False,
            force_terminal=None if not no_color else False,
            soft_wrap=True,
        )
        self.err = Console(file=sys.stderr, no_color=no_color, highlight=False, soft_wrap=True)

    @property
    def interactive(self) -> bool:
        """True when prompts and spinners are allowed."""
        return sys.stdin.isatty() and self.console.is_terminal and not is_ci()

    @contextlib.contextmanager
    def status(self, text: str) -> Iterator[Callable[[str], None]]:
        """A live spinner line in a terminal (nothing in CI or a pipe); yields a function to update it."""
        if not self.interactive or self.verbosity < 0:
            yield lambda _text: None
            return
        with self.console.status(redact(text)) as live:
            yield lambda new: live.update(redact(new))

    def info(self, text: str) -> None:
        if self.verbosity >= 0:
            self.console.print(redact(text))

    def detail(self, text: str) -> None:
        if self.verbosity >= 1:
            self.console.print(redact(text), style="dim")

    def warn(self, text: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {escape(redact(text))}")

    def error(self, text: str, hint: str | None = None) -> None:
        self.err.print(f"[bold red]error:[/bold red] {escape(redact(text))}", markup=True, highlight=False)
        if hint:
            self.err.print(f"  [cyan]hint:[/cyan] {escape(redact(hint))}")

    def event(self, kind: str, **data: Any) -> None:
        """A machine-readable event: one JSON line on stdout in --json mode, nothing otherwise."""
        if self.json_mode:
            sys.stdout.write(redact(json.dumps({"event": kind, **data}, default=str, sort_keys=True)) + "\n")
            sys.stdout.flush()

    def result(self, data: Any) -> None:
        """The command's final answer in --json mode (one JSON document on stdout)."""
        if self.json_mode:
            sys.stdout.write(redact(json.dumps(data, default=str, sort_keys=True)) + "\n")
            sys.stdout.flush()
