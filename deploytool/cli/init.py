"""`deploytool init`: start an etc/ for an existing app (prompts in a terminal, flags in CI)."""

from __future__ import annotations

import typer

from deploytool.cli.state import examples, state


def register(app: typer.Typer) -> None:
    @app.command(
        epilog=examples(
            "deploytool -C myapp init",
            "deploytool -C myapp init --app notes --role master --role shard",
            "CI=true deploytool -C myapp init --app notes --role web --force",
        )
    )
    def init(
        ctx: typer.Context,
        app_name: str | None = typer.Option(
            None, "--app", help="The app's name (default: the folder's name)."
        ),
        role: list[str] = typer.Option(
            [], "--role", help="A role of the fleet (repeatable; default: master, shard)."
        ),
        force: bool = typer.Option(False, "--force", help="Replace existing files."),
    ) -> None:
        """Write a commented etc/config.json and one file per role for an app in the seed layout."""
        from deploytool.config.scaffold import default_app_name, scaffold

        st = state(ctx)
        name = app_name or default_app_name(st.project)
        roles = role or ["master", "shard"]
        if app_name is None and st.out.interactive:
            name = typer.prompt("App name", default=name)
        written = scaffold(st.project, name, roles, force=force)
        for path in written:
            st.out.info(f"wrote {path}")
        st.out.info(
            "next: add hosts (etc/hosts.json, or `deploytool fleet up --project .`), then `deploytool config check`"
        )
        st.out.result({"app": name, "roles": roles, "files": [str(p) for p in written]})
