"""The deploy lock, exercised for real on local folders through LocalRunner."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploytool.errors import DeployLocked
from deploytool.release import lock
from deploytool.remote.runner import LocalRunner


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.now += seconds


def test_a_second_deploy_is_refused_with_who_holds_the_lock_and_how_to_release_it(tmp_path: Path) -> None:
    runner, lock_dir = LocalRunner("h1"), str(tmp_path / "lock")
    lock.acquire(runner, lock_dir, lock.Holder.new("d1", "ship v2", timedelta(minutes=30)))
    with pytest.raises(DeployLocked) as info:
        lock.acquire(runner, lock_dir, lock.Holder.new("d2", "ship v3", timedelta(minutes=30)))
    assert "h1: deploy lock held by" in info.value.message
    assert "deploy d1: ship v2" in info.value.message
    assert info.value.hint is not None and "deploytool lock release --host h1" in info.value.hint


def test_waiting_for_a_lock_gives_up_at_the_deadline(tmp_path: Path) -> None:
    runner, lock_dir, clock = LocalRunner("h1"), str(tmp_path / "lock"), Clock()
    lock.acquire(runner, lock_dir, lock.Holder.new("d1", "x", timedelta(minutes=30)))
    with pytest.raises(DeployLocked):
        lock.acquire(
            runner,
            lock_dir,
            lock.Holder.new("d2", "y", timedelta(minutes=30)),
            wait=3,
            clock=clock,
            pause=clock.pause,
        )
    assert clock.now >= 3


def test_an_expired_lock_is_broken_and_taken(tmp_path: Path) -> None:
    runner, lock_dir = LocalRunner("h1"), str(tmp_path / "lock")
    old = lock.Holder.new("d1", "x", timedelta(minutes=5), now=datetime.now(UTC) - timedelta(hours=1))
    lock.acquire(runner, lock_dir, old)
    lock.acquire(runner, lock_dir, lock.Holder.new("d2", "y", timedelta(minutes=30)))
    current = lock.status(runner, lock_dir)
    assert current is not None and current.deploy_id == "d2"


def test_release_only_frees_our_own_lock(tmp_path: Path) -> None:
    runner, lock_dir = LocalRunner("h1"), str(tmp_path / "lock")
    lock.acquire(runner, lock_dir, lock.Holder.new("d1", "x", timedelta(minutes=30)))
    assert not lock.release(runner, lock_dir, "d2")
    assert lock.status(runner, lock_dir) is not None
    assert lock.release(runner, lock_dir, "d1")
    assert lock.status(runner, lock_dir) is None


def test_acquire_all_takes_hosts_in_name_order_and_gives_back_what_it_took_on_failure(tmp_path: Path) -> None:
    runners = [LocalRunner(name) for name in ("h3", "h1", "h2")]
    dirs = {r.host: tmp_path / r.host for r in runners}
    for d in dirs.values():
        d.mkdir()
    # one lock dir per host is modelled by the per-host folder: the runner's host picks it
    blocker = lock.Holder.new("other", "busy", timedelta(minutes=30))
    lock.acquire(LocalRunner("h2"), str(dirs["h2"] / "lock"), blocker)

    taken: list[str] = []

    class PerHost(LocalRunner):
        def run(self, argv, **kw):  # type: ignore[no-untyped-def, override]
            taken.append(self.host) if argv[0] == "sh" and "mkdir" in argv[2] else None
            return super().run([a.replace("@LOCK@", str(dirs[self.host] / "lock")) for a in argv], **kw)

    with pytest.raises(DeployLocked):
        lock.acquire_all(
            [PerHost(r.host) for r in runners], "@LOCK@", lock.Holder.new("d1", "x", timedelta(minutes=30))
        )
    assert taken[:2] == ["h1", "h2"]
    assert not (dirs["h1"] / "lock").exists()  # released again
    assert (dirs["h2"] / "lock").exists()  # the other deploy's lock is untouched
    assert not (dirs["h3"] / "lock").exists()  # never reached


def test_holder_round_trips_through_its_note_and_reports_expiry() -> None:
    import json

    holder = lock.Holder.new("d1", "r", timedelta(seconds=-1))
    assert lock.Holder.parse(json.loads(holder.note())) == holder
    assert holder.expired()
    assert lock.Holder.parse({"deploy_id": "x"}) is None
