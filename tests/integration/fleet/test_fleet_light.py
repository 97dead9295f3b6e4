"""Light mode: the machine's sshd per host, with its own name, key, users, /srv and no view of the fleet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deploytool.fleet import Fleet, FleetSpec

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def light(fleet_name: Callable[[str], str]) -> Iterator[Fleet]:
    fleet = Fleet.up(
        FleetSpec.make(name=fleet_name("l"), hosts=4, mode="light", srv_size="64M"), recreate=True
    )
    yield fleet
    fleet.down()
    left = fleet.remaining()
    assert not any(left.values()), left


def test_light_hosts_answer_as_themselves_with_sudo_and_a_private_srv(light: Fleet) -> None:
    for host in light.hosts:
        script = f"hostname; id -un; sudo -n sh -c 'echo {host.name} > /srv/mine'; ls /srv"
        result = light.ssh(host.name, script="sh -c " + repr(script))
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [host.name, "deploy", "mine"]
    for host in light.hosts:
        assert light.ssh(host.name, "cat", "/srv/mine").stdout == f"{host.name}\n"


def test_light_hosts_cannot_see_the_fleet_state_nor_change_the_machines_etc(light: Fleet) -> None:
    result = light.ssh(
        "h1", script="ls -A /var/lib/deploytool; sudo touch /etc/deploytool-light-test && echo written"
    )
    assert result.stdout.split() == ["written"]  # an empty /var/lib/deploytool, a private /etc
    assert not Path("/etc/deploytool-light-test").exists()


def test_light_hosts_refuse_a_wrong_host_key(light: Fleet, tmp_path: Path) -> None:
    lines = light.known_hosts.read_text().splitlines()
    wrong = tmp_path / "known_hosts"
    wrong.write_text(lines[0].split()[0] + " " + " ".join(lines[1].split()[1:]) + "\n")
    result = light.ssh("h1", "true", options={"UserKnownHostsFile": str(wrong)})
    assert result.returncode == 255 and "Host key verification failed" in result.stderr


def test_light_sshd_and_host_stop_and_start(light: Fleet) -> None:
    light.stop_sshd("h2")
    assert "Connection refused" in light.ssh("h2", "true", options={"ConnectTimeout": "2"}).stderr
    light.start_sshd("h2")
    assert light.ssh("h2", "true").returncode == 0
    light.stop_host("h3")
    assert light.ssh("h3", "true", options={"ConnectTimeout": "2"}).returncode == 255
    light.start_host("h3")
    assert light.ssh("h3", "cat", "/srv/mine").stdout == "h3\n"  # /srv outlives a stop
