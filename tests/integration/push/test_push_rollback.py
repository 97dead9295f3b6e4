"""A failed health gate puts every switched host back; `rollback` goes back on purpose.

Each test starts from whichever good release (A or B) the hosts run and switches to the other, so
the tests need few pushes to set up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import PushKit

pytestmark = pytest.mark.integration

FAST_GATE = "deploy.health.timeout=5"  # a broken release fails its gate after this many seconds


def test_a_release_whose_health_fails_on_the_canary_is_rolled_back_everywhere(kit: PushKit) -> None:
    good = kit.release(kit.deploy("A", "B"))
    master, shards = kit.role_hosts("master")[0], kit.role_hosts("shard")
    shard_pids = {h: kit.main_pids(h) for h in shards}

    run = kit.push("broken", "--canary", "1", "--batch-size", "2", sets=[FAST_GATE])

    assert run.code == 1, run
    error = run.err
    assert master in error and "500" in error, error  # the canary, and why
    for host in kit.hosts:
        assert kit.current(host) == good, host
        assert kit.serving(host) == good, f"{host}: {kit.health(host)}"
    for host in shards:  # never switched: not even restarted
        assert kit.main_pids(host) == shard_pids[host], host
    entry = kit.journal(master)[-1]
    assert entry["deploy_id"] == run.deploy_id and entry["to"] == kit.release("broken"), entry
    assert entry["result"] != "ok", entry


def test_a_failure_in_the_second_batch_rolls_back_the_canary_too(kit: PushKit) -> None:
    good = kit.release(kit.deploy("A", "B"))

    # canary h1, then h2+h3: h3 fails its gate; h1 and h2 had switched and must go back too
    run = kit.push("broken_on_h3", "--canary", "1", "--batch-size", "2", sets=[FAST_GATE])

    assert run.code == 1, run
    error = run.err
    for host in kit.hosts:
        assert host in error, f"{host} is not named in the report:\n{error}"
        assert kit.current(host) == good, host
        assert kit.serving(host) == good, f"{host}: {kit.health(host)}"
    assert "503" in error, error
    rolled = {e.get("host") for e in run.events("host") if e.get("phase") == "rollback"}
    assert rolled == set(kit.hosts), f"rollback events for {rolled}"


def test_rollback_returns_every_host_to_the_previous_release_and_health_confirms_it(kit: PushKit) -> None:
    before = kit.deploy("A", "B")
    pushed = kit.push(kit.other(before), sets=kit.ONE_BATCH)
    assert pushed.code == 0, pushed

    run = kit.dt("rollback", "--yes", json=True, sets=kit.ONE_BATCH)

    assert run.code == 0, run
    for host in kit.hosts:
        assert kit.current(host) == kit.release(before), host
        assert kit.serving(host) == kit.release(before), f"{host}: {kit.health(host)}"


def test_rollback_to_a_named_release_switches_every_host_to_it(kit: PushKit) -> None:
    now = kit.deploy("A", "B")
    target = kit.other(now)
    kit.keep(target, then=now)

    run = kit.dt("rollback", "--to", kit.release(target), "--yes", json=True, sets=kit.ONE_BATCH)

    assert run.code == 0, run
    for host in kit.hosts:
        assert kit.current(host) == kit.release(target), host
        assert kit.serving(host) == kit.release(target), f"{host}: {kit.health(host)}"


def test_rollback_after_a_repeated_push_of_the_same_release_still_returns_to_the_release_before(
    kit: PushKit,
) -> None:
    before = kit.deploy("A", "B")
    for _ in range(2):  # the second push changes nothing: it must not make the release its own "previous"
        pushed = kit.push(kit.other(before), sets=kit.ONE_BATCH)
        assert pushed.code == 0, pushed

    run = kit.dt("rollback", "--yes", json=True, sets=kit.ONE_BATCH)

    assert run.code == 0, run
    for host in kit.hosts:
        assert kit.serving(host) == kit.release(before), f"{host}: {kit.health(host)} on {kit.current(host)}"
