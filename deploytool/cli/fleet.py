"""`deploytool fleet up|down|status|ssh|fault` (placeholder until the fleet helper lands)."""

import typer

from deploytool.errors import NotBuiltYet

app = typer.Typer(help="A local test fleet: real sshd and systemd hosts in network namespaces.", no_args_is_help=True)


@app.command()
def up() -> None:
    """Bring the local fleet up."""
    raise NotBuiltYet("fleet up")
