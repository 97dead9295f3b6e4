"""Read-only views of a fleet: which release each host runs, what it keeps, who deployed what, locks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from deploytool.release import lock, probe
from deploytool.release.plan import Layout, Target
from deploytool.remote import fleet
from deploytool.remote.commands import journal
from deploytool.remote.runner import Runner
from deploytool.remote.ssh import SshRunner


def _each(
    targets: Sequence[Target],
    step: Callable[[Runner, Target], dict[str, Any]],
    connect: Callable[[Target], Runner],
    parallel: int,
) -> list[dict[str, Any]]:
    """One row per host; an unreachable host gets a row with its error instead of failing the rest."""

    def one(t: Target) -> dict[str, Any]:
        runner = connect(t)
        try:
            return {"host": t.name, **step(runner, t)}
        finally:
            runner.close()

    outcomes = fleet.each(targets, one, name=lambda t: t.name, parallel=parallel)
    return [o.value if o.value is not None else {"host": o.host, "error": str(o.error)} for o in outcomes]


def releases(
    targets: Sequence[Target],
    layout: Layout,
    *,
    connect: Callable[[Target], Runner] = lambda t: SshRunner(t.endpoint),
    parallel: int = 10,
    history: int = 10,
) -> list[dict[str, Any]]:
    def step(runner: Runner, t: Target) -> dict[str, Any]:
        facts = probe.parse_facts(runner.run(probe.facts_command(layout.root, [])).stdout)
        entries = journal.parse(runner.run(journal.read(layout.journal, history), check=False).stdout)
        deployed = {e.get("to"): e for e in entries if e.get("result") == "ok"}
        return {
            "current": facts.current_release,
            "kept": [
                {"release": r, "env": facts.release_envs.get(r), **_who(deployed.get(r))}
                for r in facts.releases
            ],
            "journal": entries,
            "lock": facts.lock,
        }

    return _each(targets, step, connect, parallel)


def _who(entry: dict[str, Any] | None) -> dict[str, Any]:
    if not entry:
        return {}
    return {
        "deployed_by": entry.get("who"),
        "deployed_at": entry.get("when"),
        "deploy_id": entry.get("deploy_id"),
    }


def lock_status(
    targets: Sequence[Target],
    layout: Layout,
    *,
    connect: Callable[[Target], Runner] = lambda t: SshRunner(t.endpoint),
    parallel: int = 10,
) -> list[dict[str, Any]]:
    def step(runner: Runner, t: Target) -> dict[str, Any]:
        holder = lock.status(runner, layout.lock)
        return {"locked": holder is not None, "holder": holder.__dict__ if holder else None}

    return _each(targets, step, connect, parallel)


def lock_release(
    targets: Sequence[Target],
    layout: Layout,
    *,
    connect: Callable[[Target], Runner] = lambda t: SshRunner(t.endpoint),
    parallel: int = 10,
) -> list[dict[str, Any]]:
    def step(runner: Runner, t: Target) -> dict[str, Any]:
        holder = lock.force_release(runner, layout.lock)
        return {"released": holder.__dict__ if holder else None}

    return _each(targets, step, connect, parallel)


def status(
    targets: Sequence[Target],
    layout: Layout,
    *,
    connect: Callable[[Target], Runner] = lambda t: SshRunner(t.endpoint),
    parallel: int = 10,
    timeout: float = 5.0,
) -> list[dict[str, Any]]:
    """What runs on each host: its current release, each service's state, and what /health answers."""

    def step(runner: Runner, t: Target) -> dict[str, Any]:
        units = sorted(name for svc in t.services for name in svc.files)
        facts = probe.parse_facts(runner.run(probe.facts_command(layout.root, units)).stdout)
        services = []
        for svc in t.services:
            row: dict[str, Any] = {
                "service": svc.name,
                "unit": svc.main_unit,
                "state": facts.active.get(svc.main_unit),
            }
            if svc.health_url:
                health = probe.parse_health(
                    runner.run(probe.health_command(svc.health_url, 200, None, timeout)).stdout
                )
                row["health"] = health.describe()
                row["release"] = health.release
            services.append(row)
        return {"current": facts.current_release, "services": services, "lock": facts.lock}

    return _each(targets, step, connect, parallel)
