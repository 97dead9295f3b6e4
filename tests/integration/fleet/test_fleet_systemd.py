"""Systemd-mode hosts run real systemd as PID 1: units start, reload, and restart after a crash."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest

from deploytool.fleet import Fleet

pytestmark = pytest.mark.integration

UNIT = "dt-fleet-test.service"
UNIT_TEXT = """\
[Unit]
Description=deploytool fleet test unit

[Service]
ExecStart=/usr/bin/python3 -u -c "import signal, time; signal.signal(signal.SIGHUP, lambda *_: print('reloaded', flush=True)); print('started', flush=True); [time.sleep(3600) for _ in iter(int, 1)]"
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=100ms
"""


def test_systemd_is_pid_1_on_every_host(fleet: Fleet, wait_for: Callable[..., object]) -> None:
    for host in fleet.hosts:
        assert fleet.ssh(host.name, "ps", "-p", "1", "-o", "comm=").stdout.strip() == "systemd"

        def booted(name: str = host.name) -> str:
            state = fleet.ssh(name, "systemctl", "is-system-running").stdout.strip()
            return "" if state in ("initializing", "starting") else state

        state = wait_for(booted, what=f"{host.name} booted")
        failed = fleet.ssh(host.name, "systemctl", "--failed", "--no-legend").stdout
        assert state == "running", failed


@pytest.fixture
def unit(fleet: Fleet) -> Iterator[str]:
    install = fleet.ssh_argv(
        "h2", script=f"sudo tee /etc/systemd/system/{UNIT} >/dev/null && sudo systemctl daemon-reload"
    )
    subprocess.run(install, input=UNIT_TEXT, text=True, check=True, timeout=30)
    yield UNIT
    fleet.ssh(
        "h2",
        "sh",
        "-c",
        f"sudo systemctl stop {UNIT}; sudo rm -f /etc/systemd/system/{UNIT}; sudo systemctl daemon-reload",
    )


def _main_pid(fleet: Fleet) -> int:
    out = fleet.ssh("h2", "systemctl", "show", "-p", "MainPID", "--value", UNIT).stdout.strip()
    return int(out or 0)


def _journal(fleet: Fleet) -> str:
    return fleet.ssh("h2", "sudo", "journalctl", "-u", UNIT, "-o", "cat", "--no-pager").stdout


def test_a_unit_starts_reloads_and_is_restarted_by_systemd_after_kill_9(
    fleet: Fleet, unit: str, wait_for: Callable[..., object]
) -> None:
    assert fleet.ssh("h2", "sudo", "systemctl", "start", unit).returncode == 0
    first = wait_for(lambda: _main_pid(fleet), what="the unit's main PID")
    wait_for(lambda: "started" in _journal(fleet), what="the unit's first output")

    assert fleet.ssh("h2", "sudo", "systemctl", "reload", unit).returncode == 0
    wait_for(lambda: "reloaded" in _journal(fleet), what="the unit handled its reload")
    assert _main_pid(fleet) == first

    assert fleet.ssh("h2", "sudo", "kill", "-9", str(first)).returncode == 0
    second = wait_for(
        lambda: _main_pid(fleet) not in (0, first) and _main_pid(fleet), what="a restarted main PID"
    )
    assert second != first
    assert fleet.ssh("h2", "systemctl", "show", "-p", "NRestarts", "--value", unit).stdout.strip() == "1"
    assert fleet.ssh("h2", "systemctl", "is-active", unit).stdout.strip() == "active"


def test_the_hosts_own_redis_and_uwsgi_are_there_for_deploys(fleet: Fleet) -> None:
    result = fleet.ssh(
        "h1",
        "sh",
        "-c",
        "command -v redis-server uwsgi && ls /usr/lib/uwsgi/plugins/ && python3 -m venv --help >/dev/null && echo ok",
    )
    assert result.returncode == 0, result.stderr
    assert "python3_plugin.so" in result.stdout and result.stdout.strip().endswith("ok")
