"""What the global options decide, handed to every command through typer's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from deploytool.output import Output


@dataclass
class State:
    project: Path
    out: Output
    overrides: list[str] = field(default_factory=list)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    obj = root.obj
    if not isinstance(obj, State):  # a command invoked without the root callback (tests)
        obj = State(project=Path.cwd(), out=Output())
        root.obj = obj
    return obj


def examples(*lines: str) -> str:
    """An epilog of examples for --help, one command per line."""
    body = "\n\n".join(f"  [bold]$ {line}[/bold]" for line in lines)
    return f"[bold]Examples[/bold]\n\n{body}"
