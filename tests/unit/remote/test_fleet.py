"""Many hosts, one step: every host runs, every failure is reported once."""

import threading

import pytest

from deploytool.errors import FleetStepFailed, HostKeyError, RemoteCommandFailed
from deploytool.remote.fleet import each, require_all


def test_each_runs_every_host_and_keeps_their_order() -> None:
    outcomes = each(["h1", "h2", "h3"], str.upper, name=str, parallel=3)
    assert [(o.host, o.value) for o in outcomes] == [("h1", "H1"), ("h2", "H2"), ("h3", "H3")]


def test_each_never_runs_more_than_parallel_hosts_at_once() -> None:
    running, peak, lock = 0, 0, threading.Lock()
    gate = threading.Barrier(2, timeout=5)

    def step(host: str) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        gate.wait()  # two hosts must be inside at once, or this times out
        with lock:
            running -= 1

    each([f"h{i}" for i in range(6)], step, name=str, parallel=2)
    assert peak == 2


def test_one_failing_host_does_not_stop_the_others_and_all_failures_are_listed() -> None:
    def step(host: str) -> str:
        if host in {"h1", "h3"}:
            raise RemoteCommandFailed(host, ["false"], 1, "nope")
        return host

    outcomes = each(["h1", "h2", "h3"], step, name=str, parallel=3)
    assert [o.ok for o in outcomes] == [False, True, False]
    with pytest.raises(FleetStepFailed) as info:
        require_all("stage", outcomes)
    message = str(info.value)
    assert message.startswith("stage failed on 2 host(s): h1: `false` exited 1")
    assert "h3: `false` exited 1" in message
    assert sorted(info.value.failures) == ["h1", "h3"]


def test_the_exit_code_is_the_hosts_common_code_or_one() -> None:
    same = FleetStepFailed(
        "preflight", {"h1": HostKeyError("h1: unknown"), "h2": HostKeyError("h2: unknown")}
    )
    assert same.exit_code == HostKeyError.exit_code
    mixed = FleetStepFailed("preflight", {"h1": HostKeyError("x"), "h2": RuntimeError("y")})
    assert mixed.exit_code == 1


def test_require_all_returns_values_by_host_when_all_succeed() -> None:
    assert require_all("x", each(["a", "b"], len, name=str)) == {"a": 1, "b": 1}
