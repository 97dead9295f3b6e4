"""`deploytool push`, `rollback`, `status`, `releases` and `lock`: the fleet verbs.

Thin: options -> config (validated before anything connects) -> one library call -> output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from deploytool.cli.state import State, examples, state
from deploytool.errors import UsageError

if TYPE_CHECKING:
    from deploytool.release import push as deploy
    from deploytool.release.dryrun import PlanRunner
    from deploytool.release.plan import Bundle, Target
    from deploytool.release.session import Selection

# The release library (and with it paramiko and fabric) is imported inside the commands, so that
# `deploytool --help` and the other verbs do not pay for it.

ROLE = typer.Option(None, "--role", "-r", help="Only the hosts of this role.")
HOSTS = typer.Option([], "--host", help="Only this host (repeatable).")
YES = typer.Option(False, "--yes", "-y", help="Do not ask; required when not in a terminal.")
DRY = typer.Option(False, "--dry-run", help="Probe the hosts and print the plan; change nothing.")
LOCK_WAIT = typer.Option(0.0, "--lock-wait", min=0, help="Seconds to wait for another deploy's lock.")
LOCK_TTL = typer.Option(
    30.0, "--lock-ttl", min=0.01, help="Minutes after which this deploy's lock counts as dead."
)


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "deploytool push --role shard --yes",
            "deploytool push --role shard --dry-run",
            "deploytool push --host h2 --release e5ddfd7e3f2deb7d --reason 'hotfix 42' --yes",
            "deploytool --json push --yes > events.ndjson",
        )
    )(push)
    app.command(
        epilog=examples(
            "deploytool rollback --role shard --yes", "deploytool rollback --to 7ed206485f218b14 --yes"
        )
    )(rollback)
    app.command(epilog=examples("deploytool status", "deploytool --json status --role shard"))(status)
    app.command(epilog=examples("deploytool releases", "deploytool --json releases --role shard"))(releases)
    lock_app = typer.Typer(
        help="See or release the deploy lock on hosts.",
        no_args_is_help=True,
        epilog=examples("deploytool lock status", "deploytool lock release --host h2 --yes"),
    )
    lock_app.command("status", epilog=examples("deploytool lock status --role shard"))(lock_status)
    lock_app.command("release", epilog=examples("deploytool lock release --host h2 --yes"))(lock_release)
    app.add_typer(lock_app, name="lock")


def _confirm(st: State, yes: bool, question: str) -> None:
    if yes:
        return
    if not st.out.interactive:
        raise UsageError(
            "this asks for confirmation and there is no terminal (or CI is set)", hint="add --yes"
        )
    typer.confirm(question, abort=True)


def _plan_connect(plans: dict[str, PlanRunner], bundle: Bundle | None) -> Any:
    from deploytool.release.dryrun import PlanRunner
    from deploytool.remote.ssh import SshRunner

    def connect(t: Target) -> PlanRunner:
        plans[t.name] = PlanRunner(SshRunner(t.endpoint), bundle)
        return plans[t.name]

    return connect


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


def _show(st: State, sel: Selection, report: deploy.Report, plans: dict[str, PlanRunner] | None) -> None:
    from rich.table import Table

    title = f"{report.action}{' (dry run)' if plans is not None else ''}: {report.seconds:.1f}s"
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for col in ("host", "release", "shipped", "restarted"):
        table.add_column(col, overflow="fold")
    for name, row in report.hosts.items():
        before, after = (str(row[k])[:12] for k in ("previous", "current"))
        sent = row["bytes_sent"]
        shipped = ", ".join(f"{part} {_size(n)}" for part, n in sorted(sent.items())) or "nothing"
        restarted = ", ".join(r.replace(".service", "") for r in row["restarted"]) or "nothing"
        table.add_row(name, after if before == after else f"{before} -> {after}", shipped, restarted)
    if st.out.verbosity >= 0:
        st.out.console.print(table)
    if plans:
        for name, plan in plans.items():
            st.out.info(f"\n[bold]{name}[/bold] would run:")
            for line in plan.lines:
                st.out.info(f"  $ {line[:300]}{' ...' if len(line) > 300 else ''}")
            if not plan.lines:
                st.out.info("  (nothing: it already runs this release, units and settings)")
    st.out.event("result", **report.__dict__, dry_run=plans is not None)


def push(
    ctx: typer.Context,
    role: str | None = ROLE,
    host: list[str] = HOSTS,
    release: str | None = typer.Option(
        None, "--release", help="A built release id (default: the newest build)."
    ),
    dry_run: bool = DRY,
    yes: bool = YES,
    parallel: int | None = typer.Option(None, "--parallel", min=1, help="Hosts worked on at once."),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1, help="Hosts switched per batch."),
    canary: int | None = typer.Option(None, "--canary", min=0, help="Hosts in the first batch."),
    lock_wait: float = LOCK_WAIT,
    lock_ttl: float = LOCK_TTL,
    reason: str = typer.Option("deploytool push", "--reason", help="Recorded in the lock and the journal."),
) -> None:
    """Ship the built release to hosts, switch it in atomically in batches, health-check, roll back on failure."""
    from deploytool.release import bundle as bundle_mod
    from deploytool.release import push as deploy
    from deploytool.release.session import select

    st = state(ctx)
    sel = select(
        st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=True, parallel=parallel,
        batch_size=batch_size, canary=canary, lock_wait=lock_wait, lock_ttl_minutes=lock_ttl, reason=reason,
    )  # fmt: skip
    base = sel.project.base.deploy
    bundle = bundle_mod.load(base.root, base.app, release, app_dir=sel.project.root)
    if not dry_run:
        _confirm(st, yes, f"Push {bundle.release_id} to {', '.join(t.name for t in sel.targets)}?")
    plans: dict[str, PlanRunner] | None = {} if dry_run else None
    connect = _plan_connect(plans, bundle) if plans is not None else deploy._ssh
    report = deploy.push(
        sel.targets, bundle, sel.layout, sel.settings, st.out, connect=connect, dry_run=dry_run
    )
    _show(st, sel, report, plans)


def rollback(
    ctx: typer.Context,
    role: str | None = ROLE,
    host: list[str] = HOSTS,
    to: str | None = typer.Option(None, "--to", help="This release (default: each host's previous one)."),
    dry_run: bool = DRY,
    yes: bool = YES,
    lock_wait: float = LOCK_WAIT,
    lock_ttl: float = LOCK_TTL,
    reason: str = typer.Option(
        "deploytool rollback", "--reason", help="Recorded in the lock and the journal."
    ),
) -> None:
    """Switch hosts back to their previous release (or --to one they keep), with the same lock and health gate."""
    from deploytool.release import push as deploy
    from deploytool.release.session import select

    st = state(ctx)
    sel = select(
        st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=True,
        lock_wait=lock_wait, lock_ttl_minutes=lock_ttl, reason=reason,
    )  # fmt: skip
    if not dry_run:
        _confirm(
            st,
            yes,
            f"Roll back {', '.join(t.name for t in sel.targets)} to {to or 'their previous release'}?",
        )
    plans: dict[str, PlanRunner] | None = {} if dry_run else None
    connect = _plan_connect(plans, None) if plans is not None else deploy._ssh
    report = deploy.rollback(
        sel.targets, sel.layout, sel.settings, st.out, to=to, connect=connect, dry_run=dry_run
    )
    _show(st, sel, report, plans)


def status(ctx: typer.Context, role: str | None = ROLE, host: list[str] = HOSTS) -> None:
    """What runs on each host: its current release, every service's state, and what /health answers."""
    from deploytool.release import inspect
    from deploytool.release.session import select

    st = state(ctx)
    sel = select(st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=False)
    rows = inspect.status(sel.targets, sel.layout, parallel=sel.settings.parallel)
    for row in rows:
        if "error" in row:
            st.out.info(f"[bold]{row['host']}[/bold]  [red]{row['error']}[/red]")
            continue
        lock = "  [yellow]LOCKED[/yellow]" if row["lock"] else ""
        st.out.info(f"[bold]{row['host']}[/bold]  release {row['current'] or '(none)'}{lock}")
        for svc in row["services"]:
            health = f"  {svc['health']}" if "health" in svc else ""
            st.out.info(f"  {svc['unit']:<28} {svc['state'] or '?':<10}{health}")
    st.out.result(rows)


def releases(ctx: typer.Context, role: str | None = ROLE, host: list[str] = HOSTS) -> None:
    """Per host: the current release, the kept ones, and who deployed them when (from the hosts' journals)."""
    from deploytool.release import inspect
    from deploytool.release.session import select

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
    from deploytool.release import inspect
    from deploytool.release.session import select

    st = state(ctx)
    sel = select(st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=False)
    rows = inspect.lock_status(sel.targets, sel.layout)
    for row in rows:
        h = row.get("holder")
        held = (
            f"held by {h['who']}@{h['where']} since {h['since']} ({h['reason']}), expires {h['expires']}"
            if h
            else "free"
        )
        st.out.info(f"{row['host']}: {row.get('error') or held}")
    st.out.result(rows)


def lock_release(
    ctx: typer.Context, role: str | None = ROLE, host: list[str] = HOSTS, yes: bool = YES
) -> None:
    """Remove the deploy lock (only when the deploy holding it is dead)."""
    from deploytool.release import inspect
    from deploytool.release.session import select

    st = state(ctx)
    sel = select(st.project, st.overrides, role=role, hosts=tuple(host), resolve_secrets=False)
    _confirm(st, yes, f"Remove the deploy lock on {', '.join(t.name for t in sel.targets)}?")
    rows = inspect.lock_release(sel.targets, sel.layout)
    for row in rows:
        st.out.info(
            f"{row['host']}: " + (row.get("error") or ("released" if row["released"] else "was not locked"))
        )
    st.out.result(rows)
