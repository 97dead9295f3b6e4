"""`deploytool config show|check|example`: load the project's config, print it, check it, explain it."""

from __future__ import annotations

import json

import typer

from deploytool.cli.state import examples, state

app = typer.Typer(
    help="Show, check and explain the merged JSON config.",
    epilog=examples(
        "deploytool config check",
        "deploytool config show --host h2",
        "deploytool config example > etc/config.json",
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)

_WIDEST_KEY_COLUMN = 60


@app.command(
    epilog=examples(
        "deploytool config show",
        "deploytool -C sample_app config show --role shard",
        "deploytool --set deploy.batch.size=4 config show --host h2",
        "deploytool --json config show --host h2",
    )
)
def show(
    ctx: typer.Context,
    role: str | None = typer.Option(None, "--role", help="Show one role's view (config + its role file)."),
    host: str | None = typer.Option(
        None, "--host", help="Show one host's view (config + its roles + its file)."
    ),
) -> None:
    """Print the merged config, one key per line, with the file (or --set, or default) each value came from.

    Secrets print as ***.
    """
    from deploytool.config import load_project
    from deploytool.config.listing import rows

    st = state(ctx)
    view = load_project(st.project, st.overrides).view(role=role, host=host)
    listing = rows(view)
    if st.out.json_mode:
        st.out.result({row.key: {"value": row.value, "source": row.source} for row in listing})
        return
    lines = [(f"{row.key} = {_text(row.value)}", f"({row.source})") for row in listing]
    width = min(max((len(left) for left, _ in lines), default=0), _WIDEST_KEY_COLUMN)
    for left, source in lines:
        st.out.console.print(f"{left.ljust(width)}   {source}", markup=False, highlight=False)


@app.command(
    epilog=examples(
        "deploytool config check",
        "deploytool -C sample_app config check",
        "deploytool --set deploy.keep_releases=1 config check   # exits 2",
    )
)
def check(ctx: typer.Context) -> None:
    """Validate etc/config.json and every role's and host's view; exit 2 at the first error."""
    from deploytool.config import load_project

    st = state(ctx)
    scopes = [scope for scope, _ in load_project(st.project, st.overrides).check_all()]
    for scope in scopes:
        st.out.info(f"ok  {scope}")
    st.out.result({"ok": True, "scopes": scopes})


@app.command(
    epilog=examples(
        "deploytool config example",
        "deploytool config example > etc/config.json",
    )
)
def example() -> None:
    """Print a fully commented example etc/config.json (strict JSON; keys starting with // are comments)."""
    from deploytool.config.example import example_text

    typer.echo(example_text(), nl=False)


def _text(value: object) -> str:
    return "***" if value == "***" else json.dumps(value, ensure_ascii=False)
