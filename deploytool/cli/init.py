"""`deploytool init`: start an etc/ for an app (the full scaffold lands with the CI issue)."""

from __future__ import annotations

import typer

from deploytool.cli.state import examples, state
from deploytool.errors import NotBuiltYet


def register(app: typer.Typer) -> None:
    @app.command(epilog=examples("deploytool init", "deploytool -C myapp init --app myapp --role shard"))
    def init(ctx: typer.Context) -> None:
        """Scaffold etc/config.json and role files for an existing app in the seed layout."""
        state(ctx)
        raise NotBuiltYet("init")
