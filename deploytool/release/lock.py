"""The deploy lock on each host: who holds it, since when, why, until when; taken in host order.

Taking locks in one global order (host name) means two deploys over overlapping hosts cannot
deadlock: one of them waits or fails on the first host they share.
"""

from __future__ import annotations

import getpass
import json
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from deploytool.errors import DeployLocked
from deploytool.remote.commands import lock as lock_cmd
from deploytool.remote.runner import Runner


@dataclass(frozen=True)
class Holder:
    deploy_id: str
    who: str
    where: str
    reason: str
    since: str  # ISO 8601, UTC
    expires: str

    @classmethod
    def new(cls, deploy_id: str, reason: str, ttl: timedelta, now: datetime | None = None) -> Holder:
        now = now or datetime.now(UTC)
        return cls(
            deploy_id=deploy_id,
            who=getpass.getuser(),
            where=socket.gethostname(),
            reason=reason,
            since=now.isoformat(timespec="seconds"),
            expires=(now + ttl).isoformat(timespec="seconds"),
        )

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> Holder | None:
        if not data:
            return None
        try:
            return cls(**{k: str(data[k]) for k in cls.__dataclass_fields__})
        except KeyError:
            return None

    def expired(self, now: datetime | None = None) -> bool:
        try:
            return datetime.fromisoformat(self.expires) <= (now or datetime.now(UTC))
        except ValueError:
            return False

    def describe(self) -> str:
        return f"held by {self.who}@{self.where} since {self.since} (deploy {self.deploy_id}: {self.reason}), expires {self.expires}"

    def note(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()


def status(runner: Runner, lock_dir: str) -> Holder | None:
    result = runner.run(lock_cmd.read(lock_dir), check=False)
    if not result.ok:
        return None
    return Holder.parse(lock_cmd.parse_holder(result.stdout)) or Holder(
        "unknown", "unknown", "unknown", "unreadable holder note", "unknown", "1970-01-01T00:00:00+00:00"
    )


def acquire(
    runner: Runner,
    lock_dir: str,
    holder: Holder,
    *,
    wait: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> None:
    """Take the lock, waiting up to `wait` seconds; an expired lock is broken (and said so)."""
    deadline = clock() + wait
    while True:
        if runner.run(lock_cmd.acquire(lock_dir), stdin=holder.note(), check=False).ok:
            return
        current = status(runner, lock_dir)
        if current is None:
            continue  # released between our mkdir and our read: try again at once
        if current.expired():
            runner.run(lock_cmd.break_lock(lock_dir, current.deploy_id), check=False)
            continue
        if clock() >= deadline:
            raise DeployLocked(
                f"{runner.host}: deploy lock {current.describe()}",
                hint=f"wait for it (--lock-wait SECONDS), or if that deploy is dead: deploytool lock release --host {runner.host}",
            )
        pause(min(1.0, max(0.05, deadline - clock())))


def release(runner: Runner, lock_dir: str, deploy_id: str) -> bool:
    """Release the lock if `deploy_id` holds it; False when someone else does (or nobody)."""
    return runner.run(lock_cmd.release(lock_dir, deploy_id), check=False).ok


def force_release(runner: Runner, lock_dir: str) -> Holder | None:
    """Remove whatever lock is there (an operator's decision); returns who held it."""
    current = status(runner, lock_dir)
    if current is not None:
        runner.run(lock_cmd.break_lock(lock_dir, current.deploy_id), check=False)
    return current


def acquire_all(
    runners: Sequence[Runner], lock_dir: str, holder: Holder, *, wait: float = 0.0
) -> list[Runner]:
    """Lock every host in name order; on any failure release the ones taken and re-raise."""
    taken: list[Runner] = []
    try:
        for runner in sorted(runners, key=lambda r: r.host):
            acquire(runner, lock_dir, holder, wait=wait)
            taken.append(runner)
    except BaseException:
        for runner in taken:
            release(runner, lock_dir, holder.deploy_id)
        raise
    return taken
