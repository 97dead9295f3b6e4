"""Each fault control does what it says, and `reset` undoes every one of them."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import pytest

from deploytool.fleet import Fleet

pytestmark = pytest.mark.integration

QUICK = {"ConnectTimeout": "2"}


def _ok(fleet: Fleet, host: str) -> bool:
    return fleet.ssh(host, "true", options=QUICK, timeout=20).returncode == 0


def test_a_cut_link_makes_ssh_time_out_and_restore_brings_it_back(fleet: Fleet) -> None:
    fleet.cut("h1")
    began = time.monotonic()
    result = fleet.ssh("h1", "true", options=QUICK, timeout=20)
    assert result.returncode == 255
    assert "timed out" in result.stderr
    assert time.monotonic() - began >= 1.5  # a timeout, not a quick refusal
    assert _ok(fleet, "h2")  # the others are untouched
    fleet.restore("h1")
    assert _ok(fleet, "h1")


def _upload_seconds(fleet: Fleet, host: str, size: int = 1_000_000) -> float:
    began = time.monotonic()
    argv = fleet.ssh_argv(host, "wc", "-c")
    result = subprocess.run(argv, input=b"x" * size, capture_output=True, timeout=60, check=True)
    assert result.stdout.strip() == str(size).encode()
    return time.monotonic() - began


def test_a_slowed_link_makes_a_transfer_measurably_slower(fleet: Fleet) -> None:
    fast = _upload_seconds(fleet, "h2")
    fleet.slow("h2", rate="4mbit")
    slow = _upload_seconds(fleet, "h2")  # 1 MB at 4 Mbit/s: about 2 s
    assert slow > 1.0
    assert slow > 3 * fast, (fast, slow)
    fleet.clear_faults("h2")
    assert _upload_seconds(fleet, "h2") < slow / 2


def _connect_failures(address: str, attempts: int = 30) -> int:
    failures = 0
    for _ in range(attempts):
        try:
            socket.create_connection((address, 22), timeout=0.25).close()
        except OSError:
            failures += 1
    return failures


def test_a_lossy_host_drops_some_packets_but_not_all(fleet: Fleet) -> None:
    h3 = fleet.host("h3")
    assert _connect_failures(h3.address) == 0
    fleet.lossy("h3", 30)  # a connect needs SYN in and SYN-ACK out: about half fail
    failures = _connect_failures(h3.address)
    assert 0 < failures < 30
    fleet.clear_faults("h3")
    assert _connect_failures(h3.address) == 0


def test_a_stopped_sshd_refuses_connections_while_the_host_runs_on(fleet: Fleet) -> None:
    fleet.stop_sshd("h2")
    result = fleet.ssh("h2", "true", options=QUICK)
    assert result.returncode == 255
    assert "Connection refused" in result.stderr
    assert [s.running for s in fleet.status() if s.name == "h2"] == [True]
    fleet.start_sshd("h2")
    assert _ok(fleet, "h2")


def test_a_full_disk_makes_writes_to_srv_fail_with_enospc(fleet: Fleet) -> None:
    fleet.fill_disk("h3")
    write = ("sudo", "dd", "if=/dev/zero", "of=/srv/more", "bs=4k", "count=1")
    result = fleet.ssh("h3", *write)
    assert result.returncode != 0
    assert "No space left on device" in result.stderr
    fleet.free_disk("h3")
    assert fleet.ssh("h3", *write).returncode == 0
    fleet.ssh("h3", "sudo", "rm", "/srv/more")


def test_a_stopped_host_is_unreachable_and_comes_back_with_its_disk(
    fleet: Fleet, wait_for: Callable[..., object]
) -> None:
    assert fleet.ssh("h3", "sh", "-c", "echo kept > ~/marker").returncode == 0
    fleet.stop_host("h3")
    assert [s.running for s in fleet.status() if s.name == "h3"] == [False]
    result = fleet.ssh("h3", "true", options=QUICK)
    assert result.returncode == 255
    fleet.start_host("h3")
    assert fleet.ssh("h3", "cat", "marker").stdout == "kept\n"
    assert fleet.ssh("h3", "ps", "-p", "1", "-o", "comm=").stdout.strip() == "systemd"


def test_reset_undoes_every_fault(fleet: Fleet) -> None:
    fleet.cut("h1")
    fleet.slow("h2")
    fleet.lossy("h2", 20)
    fleet.stop_sshd("h3")
    fleet.fill_disk("h1")
    fleet.reset()
    assert all(_ok(fleet, h.name) for h in fleet.hosts)
    for status in fleet.status():
        assert (status.running, status.sshd, status.faults.cut, status.faults.loss, status.faults.rate) == (
            True, True, False, 0, None,
        )  # fmt: skip
    assert fleet.ssh("h1", "sudo", "sh", "-c", "echo x > /srv/x && rm /srv/x").returncode == 0
