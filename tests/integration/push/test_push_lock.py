"""One deploy at a time: the lock on each host, who holds it, waiting for it, and locks that expire."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import PushKit

pytestmark = pytest.mark.integration


@pytest.fixture
def unlocked(kit: PushKit) -> Iterator[None]:
    """No lock before or after (a failed test must not leave one for the next)."""
    kit.drop_locks()
    yield
    kit.drop_locks()


def _note(who: str, *, expires_in: timedelta) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "deploy_id": f"{now:%Y%m%dT%H%M%SZ}-{who[:2]}dead",
        "who": who,
        "where": "laptop",
        "reason": "fixing things by hand",
        "since": (now - timedelta(minutes=5)).isoformat(timespec="seconds"),
        "expires": (now + expires_in).isoformat(timespec="seconds"),
    }


def _finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _start_push(kit: PushKit, variant: str, *args: str) -> subprocess.Popen[str]:
    return kit.popen("push", "--yes", "--release", kit.release(variant), *args)


def test_a_second_push_while_one_runs_fails_with_exit_3_naming_the_holder(
    kit: PushKit, unlocked: None, wait_for: Callable[..., object]
) -> None:
    now = kit.deploy("A", "B")
    first = _start_push(kit, kit.other(now))
    try:
        wait_for(lambda: kit.lock_note(kit.hosts[-1]), timeout=60, what="the first push holds every lock")
        holder = kit.lock_note(kit.hosts[-1])
        assert holder is not None

        second = kit.push(now)

        assert second.code == 3, second
        assert holder["deploy_id"] in second.err, second.err
        assert f"{getpass.getuser()}@{socket.gethostname()}" in second.err, second.err
    finally:
        code, _out, err = _finish(first)
    assert code == 0, f"the first push failed: {err[-2000:]}"
    assert all(kit.serving(h) == kit.release(kit.other(now)) for h in kit.hosts)


def test_a_second_push_with_lock_wait_waits_for_the_first_and_then_succeeds(
    kit: PushKit, unlocked: None, wait_for: Callable[..., object]
) -> None:
    now = kit.deploy("A", "B")
    first_to, then_to = kit.release(kit.other(now)), kit.release(now)
    first = _start_push(kit, kit.other(now))
    try:
        wait_for(lambda: kit.lock_note(kit.hosts[-1]), timeout=60, what="the first push holds every lock")
        holder = kit.lock_note(kit.hosts[-1])
        assert holder is not None

        second = kit.push(now, "--lock-wait", "180", sets=["deploy.health.timeout=10"])
    finally:
        code, _out, err = _finish(first)

    assert code == 0, f"the first push failed: {err[-2000:]}"
    assert second.code == 0, second
    for host in kit.hosts:
        assert kit.serving(host) == then_to, host  # the waiting push ran last
        entries = [
            e for e in kit.journal(host) if e.get("deploy_id") in (holder["deploy_id"], second.deploy_id)
        ]
        assert [(e["to"], e["result"]) for e in entries] == [(first_to, "ok"), (then_to, "ok")], entries


def test_a_killed_pushs_lock_expires_and_the_next_push_takes_over(
    kit: PushKit, unlocked: None, wait_for: Callable[..., object]
) -> None:
    now = kit.deploy("A", "B")
    target = kit.other(now)
    kit.forget(kit.release(target))  # so that it has to stage, and is killed while staging
    first = kit.hosts[0]
    kit.fleet.slow(first, rate="100kbit")
    try:
        doomed = _start_push(kit, target, "--lock-ttl", "0.05")  # 3 seconds
        try:
            wait_for(lambda: kit.lock_note(first), timeout=60, what="the push holds the first lock")
        finally:
            os.killpg(doomed.pid, signal.SIGKILL)  # the push and its ssh/rsync children, mid-stage
            _finish(doomed, timeout=30)
    finally:
        kit.fleet.clear_faults(first)
    note = kit.lock_note(first)
    assert note is not None, "a SIGKILLed push cannot have released its lock"
    assert all(kit.serving(h) == kit.release(now) for h in kit.hosts), "the push was killed after staging"

    status = kit.dt("lock", "status", json=True)

    assert status.code == 0, status
    rows = {row["host"]: row for row in status.result}
    assert rows[first]["locked"] is True
    assert rows[first]["holder"]["deploy_id"] == note["deploy_id"]

    expires = datetime.fromisoformat(note["expires"])
    wait_for(lambda: datetime.now(UTC) > expires, timeout=120, what="the killed push's lock expired")
    run = kit.push(target, sets=kit.ONE_BATCH)  # what the killed push was doing, again

    assert run.code == 0, run
    for host in kit.hosts:
        assert kit.lock_note(host) is None, host
        assert kit.serving(host) == kit.release(target), host


def test_a_push_after_one_killed_between_switch_and_restart_restarts_the_hosts_onto_its_release(
    kit: PushKit, unlocked: None
) -> None:
    now = kit.deploy("A", "B")
    target = kit.release(kit.other(now))
    kit.keep(kit.other(now), then=now)  # staged on every host, as a killed push would have left it
    canary = kit.hosts[0]
    # What a push SIGKILLed right after switching its canary leaves there (catching that moment by
    # killing a real push is a race; this is the same state, made on purpose): `current` renamed to
    # the new release, the services still running the old one, and its lock, now expired.
    kit.must(
        canary,
        f"ln -sfn releases/{target} /srv/sample/current.killed && "
        "mv -Tf /srv/sample/current.killed /srv/sample/current",
    )
    kit.write_lock(canary, _note("carol", expires_in=-timedelta(seconds=1)))
    assert kit.current(canary) == target and kit.serving(canary) == kit.release(now)

    try:
        run = kit.push(kit.other(now), sets=[*kit.ONE_BATCH, "deploy.health.timeout=10"])

        assert run.code == 0, run
        for host in kit.hosts:
            assert kit.serving(host) == target, (
                f"{host}: {kit.health(host)} with current on {kit.current(host)}"
            )
            assert kit.lock_note(host) is None, host
    finally:  # whatever happened, the canary runs what `current` says again (for the next test)
        kit.must(canary, "sudo systemctl restart " + " ".join(f"{u}.service" for u in kit.units(canary)))


def test_a_lock_held_by_someone_else_stops_a_push_with_exit_3_until_lock_release(
    kit: PushKit, unlocked: None
) -> None:
    now = kit.deploy("A", "B")
    locked = kit.hosts[1]
    kit.write_lock(locked, _note("alice", expires_in=timedelta(hours=1)))

    run = kit.push(kit.other(now))

    assert run.code == 3, run
    assert "alice@laptop" in run.err and locked in run.err, run.err
    assert all(kit.serving(h) == kit.release(now) for h in kit.hosts)

    status = kit.dt("lock", "status", json=True)

    assert status.code == 0, status
    rows = {row["host"]: row for row in status.result}
    assert rows[locked]["locked"] is True and rows[locked]["holder"]["who"] == "alice", rows
    assert not any(rows[h]["locked"] for h in kit.hosts if h != locked), rows
    human = kit.dt("lock", "status")
    assert "alice@laptop" in human.out + human.err, human

    released = kit.dt("lock", "release", "--host", locked, "--yes")

    assert released.code == 0, released
    assert kit.lock_note(locked) is None
    again = kit.push(kit.other(now), sets=kit.ONE_BATCH)
    assert again.code == 0, again
    assert all(kit.serving(h) == kit.release(kit.other(now)) for h in kit.hosts)


def test_an_expired_lock_left_by_a_dead_push_is_broken_by_the_next_push(kit: PushKit, unlocked: None) -> None:
    now = kit.deploy("A", "B")
    stale = kit.hosts[-1]
    kit.write_lock(stale, _note("bob", expires_in=-timedelta(minutes=1)))

    run = kit.push(kit.other(now), sets=kit.ONE_BATCH)

    assert run.code == 0, run
    assert kit.lock_note(stale) is None
    assert all(kit.serving(h) == kit.release(kit.other(now)) for h in kit.hosts)
