"""`deploytool push`, `releases` and `lock`: the fleet verbs. Thin: options -> library -> output."""

from __future__ import annotations

from typing import Any

import typer

from deploytool.cli.state import examples, state
from deploytool.errors import UsageError
from deploytool.release import bundle as bundle_mod
from deploytool.release import inspect
from deploytool.release.dryrun import PlanRunner
from deploytool.release.push import push as run_push
from deploytool.release.session import select
from deploytool.remote.runner import RecordingRunner
from deploytool.remote.ssh import SshRunner

ROLE = typer.Option(None, "--role", "-r", help="Only the hosts of this role.")
HOSTS = typer.Option([], "--host", help="Only this host (repeatable).")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "deploytool push --role shard --yes",
            "deploytool push --role shard --dry-run",
            "deploytool push --host h2 --release e5ddfd7e3f2deb7d --reason 'hotfix 42' --yes",
            "deploytool --json push --yes > report.json",
        )
    )(push)
    app.command(epilog=examples("deploytool releases", "deploytool --json releases --role shard"))(releases)
    lock_app = typer.Typer(help="See or release the deploy lock on hosts.", no_args_is_help=True)
    lock_app.command("status", epilog=examples("deploytool lock status --role shard"))(lock_status)
    lock_app.command("release", epilog=examples("deploytool lock release --host h2 --yes"))(lock_release)
    app.add_typer(lock_app, name="lock")


def push(
    ctx: typer.Context,
    role: str | None = ROLE,
    host: list[str] = HOSTS,
    release: str | None = typer.Option(
        None, "--release", help="A built release id (default: the newest build)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Probe the hosts, print every command, change nothing."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask; required when not in a terminal."),
    parallel: int | None = typer.Option(None, "--parallel", min=1, help="Hosts staged at once."),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1, help="Hosts switched per batch."),
    canary: int | None = typer.Option(None, "--canary", min=0, help="Hosts in the first batch."),
    lock_wait: float = typer.Option(
        0.0, "--lock-wait", min=0, help="Seconds to wait for another deploy's lock."
    ),
    reason: str = typer.Option("deploytool push", "--reason", help="Recorded in the lock and the journal."),
) -> None:
    """Ship the built release to hosts, switch it in atomically in batches, health-check, roll back on failure."""
    st = state(ctx)
    sel = select(
        st.project,
        st.overrides,
        role=role,
        hosts=tuple(host),
        resolve_secrets=not dry_run,
        parallel=parallel,
        batch_size=batch_size,
        canary=canary,
        lock_wait=lock_wait,
        reason=reason,
    )
    base = sel.project.base.deploy
    bundle = bundle_mod.load(base.root, base.app, release)
    names = ", ".join(t.name for t in sel.targets)
    if dry_run:
        plans: dict[str, PlanRunner] = {}

        def connect(t: Any) -> PlanRunner:
            plans[t.name] = PlanRunner(SshRunner(t.endpoint), bundle)
            return plans[t.name]

        local = RecordingRunner("local")
        run_push(sel.targets, bundle, sel.layout, sel.settings, st.out, connect=connect, local=local)
        for t in sel.targets:
            st.out.info(f"\n[bold]{t.name}[/bold] ({t.endpoint.address})")
            for line in [*(x for x in local.lines if t.endpoint.address + ":" in x), *plans[t.name].lines]:
                st.out.info(f"  $ {line}")
        st.out.result(
            {"dry_run": True, "release": bundle.release_id, "hosts": {n: p.lines for n, p in plans.items()}}
        )
        return
    if not yes:
        if not st.out.interactive:
            raise UsageError("push asks for confirmation and this is not a terminal", hint="add --yes")
        typer.confirm(f"Push {bundle.release_id} to {names}?", abort=True)
    report = run_push(sel.targets, bundle, sel.layout, sel.settings, st.out)
    st.out.info(
        f"[green]pushed {report.release_id} to {len(report.hosts)} host(s) in {report.seconds:.1f}s[/green]"
    )
    st.out.result(report.__dict__)


def releases(ctx: typer.Context, role: str | None = ROLE, host: list[str] = HOSTS) -> None:
    """Per host: the current release, the kept ones, and who deployed them when (from the hosts' journals)."""
    st = state(ctx)
    sel = select(st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=False)
    rows = inspect.releases(sel.targets, sel.layout, parallel=sel.settings.parallel)
    for row in rows:
        if "error" in row:
            st.out.info(f"[bold]{row['host']}[/bold]  [red]{row['error']}[/red]")
            continue
        st.out.info(f"[bold]{row['host']}[/bold]  current: {row['current'] or '(none)'}")
        for kept in reversed(row["kept"]):
            mark = "*" if kept["release"] == row["current"] else " "
            who = (
                f"{kept.get('deployed_by', '?')} at {kept.get('deployed_at', '?')}"
                if "deployed_by" in kept
                else ""
            )
            st.out.info(f"  {mark} {kept['release']}  env {kept['env']}  {who}")
    st.out.result(rows)


def lock_status(ctx: typer.Context, role: str | None = ROLE, host: list[str] = HOSTS) -> None:
    """Who holds the deploy lock on each host, since when, and why."""
    st = state(ctx)
    sel = select(st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=False)
    rows = inspect.lock_status(sel.targets, sel.layout)
    for row in rows:
        holder = row.get("holder")
        text = row.get("error") or (
            "free"
            if not holder
            else f"held by {holder['who']}@{holder['where']} since {holder['since']} ({holder['reason']}), expires {holder['expires']}"
        )
        st.out.info(f"{row['host']}: {text}")
    st.out.result(rows)


def lock_release(
    ctx: typer.Context,
    role: str | None = ROLE,
    host: list[str] = HOSTS,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
) -> None:
    """Remove the deploy lock (only when the deploy holding it is dead)."""
    st = state(ctx)
    sel = select(st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=False)
    if not yes:
        if not st.out.interactive:
            raise UsageError(
                "lock release asks for confirmation and this is not a terminal", hint="add --yes"
            )
        typer.confirm(f"Remove the deploy lock on {', '.join(t.name for t in sel.targets)}?", abort=True)
    rows = inspect.lock_release(sel.targets, sel.layout)
    for row in rows:
        st.out.info(
            f"{row['host']}: " + (row.get("error") or ("released" if row["released"] else "was not locked"))
        )
    st.out.result(rows)
