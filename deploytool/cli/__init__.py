"""The `deploytool` command: global options, the verb groups, and the two error handlers."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import typer

from deploytool import __version__
from deploytool.cli import artifacts as artifacts_cli
from deploytool.cli import build as build_cli
from deploytool.cli import config as config_cli
from deploytool.cli import deb as deb_cli
from deploytool.cli import fleet as fleet_cli
from deploytool.cli import init as init_cli
from deploytool.cli import push as push_cli
from deploytool.cli.state import State, examples
from deploytool.errors import DeploytoolError
from deploytool.output import Output

app = typer.Typer(
    name="deploytool",
    help=(
        "Build and deploy small self-contained Python web services (Bottle, Peewee, Celery under "
        "gunicorn or uwsgi) to Linux servers over SSH, or as Debian packages."
    ),
    epilog=examples(
        "deploytool config check",
        "deploytool --project sample_app config show --host h2",
        "deploytool fleet up --hosts 3",
        "deploytool build && deploytool push --role shard",
    ),
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"deploytool {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    project: Path = typer.Option(
        Path("."),
        "--project",
        "-C",
        help="The app's folder (the one holding etc/config.json).",
        show_default="current folder",
    ),
    set_: list[str] = typer.Option(
        [],
        "--set",
        metavar="KEY.PATH=VALUE",
        help="Override a config value after all files are merged, e.g. --set deploy.keep_releases=3. "
        "VALUE is read as JSON when it parses, else as a string.",
    ),
    json_: bool = typer.Option(
        False, "--json", help="Machine-readable output on stdout; human text on stderr."
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail (repeat for more)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors."),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (NO_COLOR is honoured too)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    out = Output(json_mode=json_, verbosity=-1 if quiet else verbose, color=not no_color)
    ctx.obj = State(project=project, out=out, overrides=list(set_))


app.add_typer(config_cli.app, name="config")
app.add_typer(fleet_cli.app, name="fleet")
app.add_typer(artifacts_cli.app, name="artifacts")
init_cli.register(app)
build_cli.register(app)
push_cli.register(app)
deb_cli.register(app)


def main() -> None:
    """Entry point: expected errors are one line and an exit code; anything else is a bug."""
    try:
        app(standalone_mode=True)
    except DeploytoolError as exc:
        Output(color="NO_COLOR" not in __import__("os").environ).error(exc.message, exc.hint)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception:
        traceback.print_exc()
        sys.stderr.write(
            f"deploytool {__version__}: this is a bug. Please report it with the traceback above.\n"
        )
        sys.exit(70)
