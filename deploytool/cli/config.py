"""`deploytool config show|check|example` (placeholder until the config helper lands)."""

import typer

app = typer.Typer(help="Show, check and explain the merged JSON config.", no_args_is_help=True)
