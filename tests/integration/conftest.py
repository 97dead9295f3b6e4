"""The local fleet every integration test deploys to: up once per session, reset between tests.

`fleet` is a deploytool.fleet.Fleet: `.hosts` (name, address, roles, port), `.client_key`,
`.known_hosts`, `.ssh_config`, `.ssh(host, *argv)`, fault controls, `.reset()`. Needs root.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deploytool.fleet import Fleet, FleetSpec, teardown
from deploytool.fleet.state import STATE_ROOT

TEST_FLEET = re.compile(r"[tldci](\d{1,7})")


def test_fleet_name(kind: str = "t") -> str:
    """`t12345`: a fleet name of this test process. Concurrent sessions and xdist workers never share
    a fleet, and a user's `default` fleet is never touched. DEPLOYTOOL_TEST_FLEET overrides the main one."""
    if kind == "t" and os.environ.get("DEPLOYTOOL_TEST_FLEET"):
        return os.environ["DEPLOYTOOL_TEST_FLEET"]
    return f"{kind}{os.getpid()}"


def _sweep_crashed_sessions() -> None:
    """Take down test fleets whose test process is gone (a session that was killed)."""
    for folder in STATE_ROOT.glob("*"):
        match = TEST_FLEET.fullmatch(folder.name)
        if match and not _started_before(int(match.group(1)), folder.stat().st_mtime):
            teardown(folder.name)


def _started_before(pid: int, when: float) -> bool:
    """True if process `pid` runs and started before `when` (so it is not a recycled PID)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
    except (OSError, StopIteration):
        return False
    ticks = int(stat[stat.rindex(")") + 2 :].split()[19])
    return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK") <= when + 1


@pytest.fixture(scope="session")
def fleet() -> Iterator[Fleet]:
    """Three systemd hosts: h1 (master), h2 and h3 (shard). Taken down, and checked gone, at the end."""
    _sweep_crashed_sessions()
    up = Fleet.up(FleetSpec.make(name=test_fleet_name(), hosts=3, mode="systemd"), recreate=True)
    yield up
    up.down()
    left = up.remaining()
    assert not any(left.values()), f"fleet down left {left}"


@pytest.fixture(scope="session")
def fleet_name() -> Callable[[str], str]:
    """`fleet_name("l")` -> "l12345": a name for a test's own extra fleet (kinds: l, d, c, i)."""
    return test_fleet_name


@pytest.fixture(autouse=True)
def _reset_fleet(request: pytest.FixtureRequest) -> None:
    """Before each test that uses the fleet: every host up, sshd up, no faults, /srv not full."""
    if "fleet" in request.fixturenames:
        request.getfixturevalue("fleet").reset()


def until(check: Callable[[], object], timeout: float = 30.0, what: str = "the condition") -> object:
    """Poll `check` until it returns something truthy (returned); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: still not true after {timeout:g} s (last: {value!r})")
        time.sleep(0.05)


@pytest.fixture
def wait_for() -> Callable[..., object]:
    """`wait_for(check, timeout=30, what="...")`: poll until `check()` is truthy, never a fixed sleep."""
    return until
