"""One step on many hosts: bounded parallelism, one outcome per host, one error listing every failure."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from deploytool.errors import FleetStepFailed

H = TypeVar("H")
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    host: str
    value: T | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def each(
    hosts: Iterable[H],
    step: Callable[[H], T],
    *,
    name: Callable[[H], str],
    parallel: int = 10,
) -> list[Outcome[T]]:
    """Run `step` on every host, at most `parallel` at once; outcomes in the hosts' order.

    An exception on one host becomes that host's outcome; the others carry on. KeyboardInterrupt and
    SystemExit are not caught.
    """
    items = list(hosts)

    def one(host: H) -> Outcome[T]:
        try:
            return Outcome(name(host), value=step(host))
        except Exception as exc:
            return Outcome(name(host), error=exc)

    if len(items) <= 1 or parallel <= 1:
        return [one(h) for h in items]
    with ThreadPoolExecutor(max_workers=min(parallel, len(items)), thread_name_prefix="host") as pool:
        return list(pool.map(one, items))


def require_all(step: str, outcomes: list[Outcome[T]], hint: str | None = None) -> dict[str, T | None]:
    """Host -> value when every host succeeded; else FleetStepFailed listing every failure."""
    failures = {o.host: o.error for o in outcomes if o.error is not None}
    if failures:
        raise FleetStepFailed(step, failures, hint)
    return {o.host: o.value for o in outcomes}
