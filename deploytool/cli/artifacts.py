"""`deploytool artifacts list|prune`: the releases in the local artifact cache, and removing old ones."""

from __future__ import annotations

import typer

from deploytool.cli.state import examples, state

app = typer.Typer(
    help="The local artifact cache: built releases (env, lib, app parts) and pruning old ones.",
    epilog=examples("deploytool artifacts list", "deploytool artifacts prune --keep 3 --dry-run"),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@app.command(
    "list",
    epilog=examples(
        "deploytool artifacts list",
        "deploytool artifacts list --app sample",
        "deploytool --json artifacts list",
    ),
)
def list_(
    ctx: typer.Context,
    app_name: str | None = typer.Option(None, "--app", help="Only the releases of this app."),
) -> None:
    """List the cached releases, the most recently built first: id, app, created, builder, part sizes.

    A part marked * is no longer in the cache (`deploytool build --from-manifest ID` makes it again)."""
    from deploytool.build import inventory
    from deploytool.build.cache import ArtifactCache

    st = state(ctx)
    cache = ArtifactCache()
    found = inventory.releases(cache, app_name)
    if st.out.json_mode:
        st.out.result({"cache": str(cache.root), "releases": [r.as_dict() for r in found]})
        return
    if not found:
        st.out.info(f"no releases in {cache.root}")
        return
    header = (
        f"{'release':<16}  {'app':<12}  {'created':<25}  {'builder':<8}  {'env':>9}  {'lib':>9}  {'app':>9}"
    )
    st.out.console.print(header, markup=False, highlight=False, style="bold")
    for r in found:
        sizes = [_size(p.size) + ("" if p.present else "*") for p in r.parts.values()]
        line = f"{r.id:<16}  {r.app:<12}  {r.created:<25}  {r.builder or '-':<8}  " + "  ".join(
            f"{s:>9}" for s in sizes
        )
        st.out.console.print(line, markup=False, highlight=False)


@app.command(
    epilog=examples(
        "deploytool artifacts prune --dry-run",
        "deploytool artifacts prune --keep 2",
        "deploytool --json artifacts prune",
    )
)
def prune(
    ctx: typer.Context,
    keep: int = typer.Option(5, "--keep", min=0, help="Releases to keep per app (the most recently built)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be removed; remove nothing."),
) -> None:
    """Remove old release manifests and every part that no kept release uses.

    Downloads (wheels, locks) stay. Refused while a build is running."""
    from deploytool.build import inventory
    from deploytool.build.cache import ArtifactCache

    st = state(ctx)
    done = inventory.prune(ArtifactCache(), keep, dry_run=dry_run)
    if st.out.json_mode:
        st.out.result({**done.as_dict(), "dry_run": dry_run})
        return
    verb = "would remove" if dry_run else "removed"
    for release in done.removed:
        st.out.info(f"{verb} release {release.id} ({release.app}, {release.created})")
    for part, h, size in done.parts:
        st.out.detail(f"{verb} {part} {h} ({_size(size)})")
    st.out.info(
        f"{verb} {len(done.removed)} release(s) and {len(done.parts)} part(s), {_size(done.freed)}; "
        f"kept {len(done.kept)} release(s)"
    )
