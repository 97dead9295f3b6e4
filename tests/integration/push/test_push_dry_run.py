"""`push --dry-run` probes the hosts, prints per host what it would do, and changes nothing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import PushKit

pytestmark = pytest.mark.integration


def _plan_per_host(text: str, hosts: list[str]) -> dict[str, list[str]]:
    """Per host: the lines that start with its name (its summary row, its heading) and the
    `$ command` lines printed under its heading."""
    plans: dict[str, list[str]] = {h: [] for h in hosts}
    current = None
    for line in text.splitlines():
        heading = re.match(r"(\S+)", line) if line and not line[0].isspace() else None
        if heading and heading.group(1) in plans:
            current = heading.group(1)
            plans[current].append(line)
        elif current and line.strip().startswith("$ "):
            plans[current].append(line.strip())
    return plans


def test_push_dry_run_changes_nothing_and_prints_each_hosts_commands(kit: PushKit) -> None:
    b = kit.release(kit.other(kit.deploy("A", "B")))
    kit.forget(b)  # so that the plan has a release to ship
    before = kit.snapshot()

    run = kit.dt("push", "--dry-run", "--release", b)

    assert run.code == 0, run
    after = kit.snapshot()
    assert after == before, "hosts changed:\n" + kit.diff(before, after)
    assert kit.secret not in run.out + run.err
    plans = _plan_per_host(run.out, kit.hosts)
    for host in kit.hosts:
        address = kit.fleet.host(host).address
        plan = plans[host]
        shown = "\n".join(plan) or run.out
        commands = [line[2:] for line in plan if line.startswith("$ ")]
        # what ships: the rsync to the host, or its size in the host's summary row
        ships = any("rsync" in c and address in c for c in commands) or any(
            re.search(r"release [\d.]+ ?[kMG]?B", line) for line in plan if not line.startswith("$ ")
        )
        assert ships, f"{host}: the plan does not say what ships:\n{shown}"
        assert any(f"releases/{b}" in c and "/srv/sample/current" in c for c in commands), f"{host}:\n{shown}"
        web = [c for c in commands if "systemctl" in c and "sample-web" in c]
        assert web and any(how in web[0] for how in ("restart", "reload")), f"{host}: {web}\n{shown}"


def test_push_dry_run_json_gives_the_plan_per_host_and_changes_nothing(kit: PushKit) -> None:
    b = kit.release(kit.other(kit.deploy("A", "B")))
    kit.forget(b)
    before = kit.snapshot()

    run = kit.dt("push", "--dry-run", "--release", b, json=True)

    assert run.code == 0, run
    after = kit.snapshot()
    assert after == before, "hosts changed:\n" + kit.diff(before, after)
    result = run.result
    assert result.get("dry_run") is True, result
    assert sorted(result["hosts"]) == sorted(kit.hosts), result
    for host in kit.hosts:
        assert result["hosts"][host], f"{host}: an empty plan"
