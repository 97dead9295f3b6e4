"""`fleet down` leaves nothing behind: after a clean up, twice in a row, and after `up` was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from deploytool.fleet import Fleet, FleetSpec, teardown
from deploytool.fleet.down import leftovers, mentioning
from deploytool.fleet.state import STATE_ROOT

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


def _nothing_left(name: str) -> None:
    left = leftovers(name)
    assert not any(left.values()), left


def test_down_removes_everything_and_is_safe_to_repeat(fleet_name: Callable[[str], str]) -> None:
    name = fleet_name("d")
    fleet = Fleet.up(FleetSpec.make(name=name, hosts=2, mode="systemd"), recreate=True)
    pids = [int(p) for p in fleet.remaining()["processes"]]
    assert pids and all(leftovers(name)[kind] for kind in ("netns", "links", "mounts", "files"))
    assert mentioning(fleet.state_dir)  # each nspawn, found by its command line too
    removed = fleet.down()
    assert any(line.startswith(f"netns dt-{name}-h") for line in removed)
    _nothing_left(name)
    assert not fleet.remaining()["processes"]
    assert all(not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
               for pid in pids)  # fmt: skip
    assert teardown(name) == []  # a second down finds nothing and does not fail


def test_down_cleans_up_after_an_up_that_was_killed_halfway(
    wait_for: Callable[..., object], fleet_name: Callable[[str], str]
) -> None:
    name = fleet_name("c")
    code = f"from deploytool.fleet import Fleet, FleetSpec; Fleet.up(FleetSpec.make(name={name!r}, hosts=4))"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    state = STATE_ROOT / name / "state.json"

    def started_a_host() -> bool:
        try:
            return any(h["procs"] for h in json.loads(state.read_text())["hosts"])
        except (OSError, ValueError):
            return False

    try:
        wait_for(started_a_host, timeout=60, what="the first host started")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert any(leftovers(name).values())
    removed = teardown(name)
    assert removed
    _nothing_left(name)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "deploytool", "--no-color", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_cli_brings_a_fleet_up_writes_the_project_config_and_takes_it_all_down(
    tmp_path: Path, fleet_name: Callable[[str], str]
) -> None:
    name = fleet_name("i")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "config.json").write_text("{}\n")
    up = _cli(
        "fleet",
        "up",
        "--name",
        name,
        "--mode",
        "light",
        "--hosts",
        "2",
        "--project",
        str(tmp_path),
        "--recreate",
    )
    assert up.returncode == 0, up.stderr
    hosts = json.loads((tmp_path / "etc" / "hosts.json").read_text())["deploy"]
    assert sorted(hosts["hosts"]) == ["h1", "h2"]
    assert hosts["hosts"]["h1"]["roles"] == ["master"]
    assert Path(hosts["ssh"]["known_hosts"]).read_text().count("ssh-ed25519") == 2

    status = _cli("--json", "fleet", "status", "--name", name)
    assert [h["sshd"] for h in json.loads(status.stdout)["status"]] == [True, True]
    assert _cli("fleet", "ssh", "--name", name, "h2", "hostname").stdout == "h2\n"
    assert _cli("fleet", "fault", "h1", "cut", "--name", name).returncode == 0
    assert "cut" in _cli("fleet", "status", "--name", name).stdout
    again = _cli("fleet", "up", "--name", name, "--mode", "light", "--no-project")
    assert again.returncode == 2 and "already up" in again.stderr
    same = _cli("fleet", "up", "--name", name, "--mode", "light", "--hosts", "2", "--no-project")
    assert same.returncode == 0 and "already up" in same.stdout + same.stderr  # idempotent: nothing remade

    assert _cli("fleet", "down", "--name", name).returncode == 0
    assert not (tmp_path / "etc" / "hosts.json").exists()
    _nothing_left(name)
    gone = _cli("fleet", "status", "--name", name)
    assert gone.returncode == 1 and "not up" in gone.stderr
