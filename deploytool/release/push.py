"""A push, start to end: preflight, lock, stage, switch in batches behind a health gate, commit or roll back.

Reads like the table of contents of a deploy; each step lives in steps.py (one host) and runs
across hosts through remote.fleet.
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
class PushReport:
    deploy_id: str
    release_id: str
    ok: bool = False
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    rolled_back: list[str] = field(default_factory=list)
    seconds: float = 0.0


def push(
    targets: Sequence[Target],
    bundle: Bundle,
    layout: Layout,
    settings: Settings,
    out: Output,
    *,
    connect: Callable[[Target], Runner] = lambda t: SshRunner(t.endpoint),
    local: Runner | None = None,
) -> PushReport:
    started = time.monotonic()
    local = local or LocalRunner()
    deploy_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    report = PushReport(deploy_id, bundle.release_id)
    runs = [steps.HostRun(t, connect(t)) for t in targets]
    par = settings.parallel

    def phase(
        name: str, step: Callable[[steps.HostRun], object], which: Sequence[steps.HostRun] = runs
    ) -> None:
        t0 = time.monotonic()
        out.event("phase", phase=name, hosts=[r.name for r in which])
        fleet.require_all(name, fleet.each(which, step, name=lambda r: r.name, parallel=par))
        out.info(f"  {name:<10} {len(which)} host(s) ok  ({time.monotonic() - t0:.1f}s)")

    try:
        out.info(f"push {bundle.release_id} to {len(runs)} host(s): {', '.join(r.name for r in runs)}")
        phase("preflight", lambda r: steps.preflight(r, bundle, layout, settings))
        phase("setup", lambda r: steps.setup(r, layout, settings))
        holder = lock.Holder.new(deploy_id, settings.reason, timedelta(minutes=settings.lock_ttl_minutes))
        lock.acquire_all([r.runner for r in runs], layout.lock, holder, wait=settings.lock_wait)
        try:
            phase("stage", lambda r: steps.stage(r, bundle, layout, local))
            _switch_in_batches(runs, bundle, layout, settings, out, report, phase)
            report.ok = True
        finally:
            _journal(runs, layout, report, settings)
            for r in runs:
                lock.release(r.runner, layout.lock, deploy_id)
        phase("prune", lambda r: _prune(r, bundle, layout, settings))
        for r in runs:
            report.hosts[r.name] = {
                "previous": r.previous,
                "current": bundle.release_id,
                "env_shipped": r.env_shipped,
            }
        return report
    finally:
        report.seconds = time.monotonic() - started
        for r in runs:
            r.runner.close()


def _switch_in_batches(
    runs: list[steps.HostRun],
    bundle: Bundle,
    layout: Layout,
    settings: Settings,
    out: Output,
    report: PushReport,
    phase: Callable[..., None],
) -> None:
    switched: list[steps.HostRun] = []
    for number, batch in enumerate(batches(runs, settings.canary, settings.batch_size), 1):
        label = "canary" if number == 1 and settings.canary else f"batch {number}"
        try:
            try:
                phase(f"switch ({label})", lambda r: steps.switch(r, bundle, layout), batch)
            finally:
                switched += [r for r in batch if r.switched]
            phase(f"gate ({label})", lambda r: _require_healthy(r, bundle.release_id, settings), batch)
        except (FleetStepFailed, DeploytoolError) as exc:
            out.info(f"  [red]{label} failed[/red]: rolling back {len(switched)} switched host(s)")
            outcomes = fleet.each(
                switched,
                lambda r: restore(r, layout, settings),
                name=lambda r: r.name,
                parallel=settings.parallel,
            )
            report.rolled_back = [r.name for r in switched]
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


def _require_healthy(run: steps.HostRun, release_id: str, settings: Settings) -> None:
    problems = steps.gate(run, release_id, settings)
    if problems:
        raise steps.HealthGateFailed(f"{run.name}: " + "; ".join(problems))


def _journal(runs: list[steps.HostRun], layout: Layout, report: PushReport, settings: Settings) -> None:
    for r in runs:
        entry = {
            "deploy_id": report.deploy_id,
            "who": getpass.getuser(),
            "from_host": socket.gethostname(),
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "action": "push",
            "from": r.previous,
            "to": report.release_id,
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
