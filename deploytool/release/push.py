"""A deploy, start to end: preflight, lock, stage, switch in batches behind a health gate, commit or roll back.

Reads like the table of contents of a deploy; each step lives in steps.py (one host) and runs
across hosts through remote.fleet. `push` ships a built release; `rollback` switches to one the
hosts already keep.
"""

from __future__ import annotations

import getpass
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from deploytool.errors import DeploytoolError, FleetStepFailed, RollbackFailed
from deploytool.output import Output
from deploytool.release import lock, steps
from deploytool.release.plan import Bundle, Layout, Settings, Target, batches, releases_to_prune
from deploytool.release.rollback import restore
from deploytool.remote import fleet
from deploytool.remote.commands import fs, journal
from deploytool.remote.runner import LocalRunner, Runner
from deploytool.remote.ssh import SshRunner


class DeployFailed(DeploytoolError):
    """The health gate failed; every switched host was rolled back (the message says how that went)."""


@dataclass
class Report:
    deploy_id: str
    action: str
    release_id: str | None
    ok: bool = False
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    rolled_back: list[str] = field(default_factory=list)
    seconds: float = 0.0


Connect = Callable[[Target], Runner]


def _ssh(t: Target) -> Runner:
    return SshRunner(t.endpoint)


def push(
    targets: Sequence[Target],
    bundle: Bundle,
    layout: Layout,
    settings: Settings,
    out: Output,
    *,
    connect: Connect = _ssh,
    local: Runner | None = None,
    dry_run: bool = False,
) -> Report:
    """Ship `bundle` to every target and switch it in."""
    return _deploy(
        "push", targets, layout, settings, out, lambda r: bundle.release_id, bundle, connect, local, dry_run
    )


def rollback(
    targets: Sequence[Target],
    layout: Layout,
    settings: Settings,
    out: Output,
    *,
    to: str | None = None,
    connect: Connect = _ssh,
    dry_run: bool = False,
) -> Report:
    """Switch every target to `to`, or to the release each had before its current one."""

    def choose(run: steps.HostRun) -> str:
        assert run.facts is not None
        return to or run.facts.previous_release() or ""

    return _deploy("rollback", targets, layout, settings, out, choose, None, connect, None, dry_run)


def _deploy(
    action: str,
    targets: Sequence[Target],
    layout: Layout,
    settings: Settings,
    out: Output,
    choose: Callable[[steps.HostRun], str],
    bundle: Bundle | None,
    connect: Connect,
    local: Runner | None,
    dry_run: bool,
) -> Report:
    started = time.monotonic()
    local = local or LocalRunner()
    deploy_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    report = Report(deploy_id, action, bundle.release_id if bundle else None)
    runs = [steps.HostRun(t, connect(t)) for t in targets]

    def phase(
        name: str, step: Callable[[steps.HostRun], object], which: Sequence[steps.HostRun] = runs
    ) -> None:
        t0 = time.monotonic()
        pending = {r.name for r in which}
        with out.status(f"{name}: {', '.join(sorted(pending))}") as show:

            def timed(run: steps.HostRun) -> object:
                begun = time.monotonic()
                try:
                    return step(run)
                finally:
                    steps.timed(run, name, begun)
                    pending.discard(run.name)
                    show(f"{name}: waiting for {', '.join(sorted(pending)) or 'nothing'}")

            outcomes = fleet.each(which, timed, name=lambda r: r.name, parallel=settings.parallel)
        for o, run in zip(outcomes, which, strict=True):
            out.event(
                "host", host=run.name, phase=name, seconds=run.seconds.get(name), outcome="ok" if o.ok else "failed",
                error=None if o.ok else str(o.error), bytes=run.bytes_sent if name == "stage" else None,
            )  # fmt: skip
        fleet.require_all(name, outcomes)
        out.info(f"  {name:<18} {len(which)} host(s) ok  ({time.monotonic() - t0:.1f}s)")

    try:
        what = bundle.release_id if bundle else "the previous release" if action == "rollback" else ""
        out.info(f"{action} {what} on {len(runs)} host(s): {', '.join(r.name for r in runs)}")
        out.event(
            "start",
            action=action,
            deploy_id=deploy_id,
            release=report.release_id,
            hosts=[r.name for r in runs],
        )

        def pre(run: steps.HostRun) -> None:
            run.facts = steps.probe_host(run, layout)
            run.release = choose(run)
            steps.preflight(run, bundle, layout, settings)

        phase("preflight", pre)
        if all(steps.unchanged(r, layout) for r in runs) and not dry_run:
            # every host already runs exactly this: nothing to lock, ship, switch or record
            out.info("  nothing to do: every host already runs this release with these units and settings")
            report.ok = True
            return report
        if dry_run:
            if bundle is not None:
                phase("stage (dry run)", lambda r: steps.stage(r, bundle, layout, local, dry_run=True))
            for run in runs:
                steps.switch(run, layout)
            report.ok = True
            return report
        phase("setup", lambda r: steps.setup(r, layout, settings))
        holder = lock.Holder.new(deploy_id, settings.reason, timedelta(minutes=settings.lock_ttl_minutes))
        lock.acquire_all([r.runner for r in runs], layout.lock, holder, wait=settings.lock_wait)
        try:
            # what preflight saw may be stale (another deploy may have finished while we waited)
            phase("refresh", lambda r: steps.probe_host(r, layout))
            if bundle is not None:
                phase("stage", lambda r: steps.stage(r, bundle, layout, local))
            _switch_in_batches(runs, layout, settings, out, report, phase)
            report.ok = True
        finally:
            _journal(runs, layout, report, settings)
            for r in runs:
                lock.release(r.runner, layout.lock, deploy_id)
        if bundle is not None:
            phase("prune", lambda r: _prune(r, bundle, layout, settings))
        return report
    finally:
        report.seconds = round(time.monotonic() - started, 3)
        for r in runs:
            report.hosts[r.name] = {
                "previous": r.previous,
                "current": r.release if r.switched or report.ok else r.previous,
                "env_shipped": r.env_shipped,
                "bytes_sent": dict(r.bytes_sent),
                "units_changed": r.units_changed,
                "restarted": r.restarted,
                "seconds": r.seconds,
            }
            r.runner.close()


def _switch_in_batches(
    runs: list[steps.HostRun],
    layout: Layout,
    settings: Settings,
    out: Output,
    report: Report,
    phase: Callable[..., None],
) -> None:
    switched: list[steps.HostRun] = []
    for number, batch in enumerate(batches(runs, settings.canary, settings.batch_size), 1):
        label = "canary" if number == 1 and settings.canary else f"batch {number}"
        try:
            try:
                phase(f"switch ({label})", lambda r: steps.switch(r, layout), batch)
            finally:
                switched += [r for r in batch if r.switched]
            phase(f"gate ({label})", lambda r: _require_healthy(r, settings), batch)
        except (FleetStepFailed, DeploytoolError) as exc:
            out.info(f"  [red]{label} failed[/red]: rolling back {len(switched)} switched host(s)")
            outcomes = fleet.each(
                switched,
                lambda r: restore(r, layout, settings),
                name=lambda r: r.name,
                parallel=settings.parallel,
            )
            report.rolled_back = [r.name for r in switched]
            for o in outcomes:
                out.event(
                    "host", host=o.host, phase="rollback", outcome="ok" if o.ok and not o.value else "failed"
                )
            after = "; ".join(
                f"{o.host}: {_restored(r) if o.ok and not o.value else 'ROLLBACK PROBLEM: ' + str(o.error or o.value)}"
                for o, r in zip(outcomes, switched, strict=True)
            )
            message = f"{exc} -- rolled back {len(switched)} host(s): {after or 'none had switched'}"
            if not all(o.ok and not o.value for o in outcomes):
                raise RollbackFailed(
                    message, hint="check those hosts (deploytool status), then push or rollback again"
                ) from None
            raise DeployFailed(
                message, hint="fix the cause, then push again (the release stays staged on the hosts)"
            ) from None


def _restored(run: steps.HostRun) -> str:
    return f"back on {run.previous}" if run.previous else "services removed (it had no release before)"


def _require_healthy(run: steps.HostRun, settings: Settings) -> None:
    problems = steps.gate(run, run.release, settings)
    if problems:
        raise steps.HealthGateFailed(f"{run.name}: " + "; ".join(problems))


def _journal(runs: list[steps.HostRun], layout: Layout, report: Report, settings: Settings) -> None:
    for r in runs:
        entry = {
            "deploy_id": report.deploy_id,
            "who": getpass.getuser(),
            "from_host": socket.gethostname(),
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "action": report.action,
            "from": r.previous,
            "to": r.release,
            "result": "ok" if report.ok else "rolled-back",
            "reason": settings.reason,
        }
        r.runner.run(journal.append(layout.journal), stdin=journal.entry(entry), check=False)


def _prune(run: steps.HostRun, bundle: Bundle, layout: Layout, settings: Settings) -> None:
    facts = run.facts
    assert facts is not None
    ordered = [r for r in facts.releases if r != bundle.release_id] + [bundle.release_id]
    old = releases_to_prune(ordered, settings.keep_releases, [bundle.release_id, run.previous])
    kept = [r for r in ordered if r not in old]
    kept_envs = {facts.release_envs.get(r) for r in kept} | {bundle.env_hash}
    old_envs = [e for e in facts.envs if e not in kept_envs]
    paths = [layout.release(r) for r in old] + [layout.env(e) for e in old_envs]
    if paths:
        run.runner.run(fs.remove_trees(paths))
    run.runner.run(fs.remove_partials([layout.releases, layout.envs]), check=False)
