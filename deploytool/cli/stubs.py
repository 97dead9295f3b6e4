"""Verbs whose issue has not landed yet: present in --help, failing with a clear error."""

from __future__ import annotations

import typer

from deploytool.cli.state import examples
from deploytool.errors import NotBuiltYet


def register(app: typer.Typer) -> None:
    @app.command(epilog=examples("deploytool deb --role shard", "deploytool deb --version 1.2.0 --out dist/"))
    def deb() -> None:
        """Package the built release and its systemd units as a Debian package."""
        raise NotBuiltYet("deb")
