"""Reaching fleet hosts: the right host key only, the deploy user with sudo, a private /srv each."""

from __future__ import annotations

import subprocess
from pathlib import Path

import paramiko
import pytest

from deploytool.fleet import Fleet

pytestmark = pytest.mark.integration


def test_every_host_answers_as_itself_to_the_deploy_user_with_sudo(fleet: Fleet) -> None:
    assert [(h.name, h.roles) for h in fleet.hosts] == [
        ("h1", ("master",)),
        ("h2", ("shard",)),
        ("h3", ("shard",)),
    ]
    for host in fleet.hosts:
        result = fleet.ssh(host.name, "sh", "-c", "hostname; id -un; sudo -n id -un")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [host.name, "deploy", "root"]


def test_hosts_are_reached_by_address_too_with_the_same_known_hosts(fleet: Fleet) -> None:
    h2 = fleet.host("h2")
    argv = ["ssh", "-F", str(fleet.ssh_config), f"deploy@{h2.address}", "hostname"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "h2"), result.stderr


def _known_hosts_with(tmp_path: Path, fleet: Fleet, lines: list[str]) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_a_host_presenting_another_key_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    keys = {
        line.split()[0].split(",")[1]: " ".join(line.split()[1:])
        for line in fleet.known_hosts.read_text().splitlines()
    }
    h1 = fleet.host("h1")
    wrong = _known_hosts_with(tmp_path, fleet, [f"{h1.address},h1 {keys['h2']}"])  # h2's key for h1
    result = fleet.ssh("h1", "true", options={"UserKnownHostsFile": str(wrong)})
    assert result.returncode == 255
    assert "Host key verification failed" in result.stderr


def test_a_host_missing_from_known_hosts_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    empty = _known_hosts_with(tmp_path, fleet, [])
    result = fleet.ssh("h1", "true", options={"UserKnownHostsFile": str(empty)})
    assert result.returncode == 255
    assert "Host key verification failed" in result.stderr
    assert empty.read_text() == ""  # nothing was learned


def test_paramiko_accepts_the_known_key_and_rejects_a_wrong_one(fleet: Fleet, tmp_path: Path) -> None:
    h1 = fleet.host("h1")
    for known, ok in ((fleet.known_hosts, True), (tmp_path / "wrong", False)):
        if not ok:
            h2_key = fleet.known_hosts.read_text().splitlines()[1].split(maxsplit=1)[1]
            known.write_text(f"{h1.address} {h2_key}\n")
        client = paramiko.SSHClient()
        client.load_host_keys(str(known))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            if ok:
                client.connect(h1.address, username="deploy", key_filename=str(fleet.client_key),
                               look_for_keys=False, allow_agent=False, timeout=10)  # fmt: skip
                _, stdout, _ = client.exec_command("hostname")
                assert stdout.read().decode().strip() == "h1"
            else:
                with pytest.raises(paramiko.BadHostKeyException):
                    client.connect(h1.address, username="deploy", key_filename=str(fleet.client_key),
                                   look_for_keys=False, allow_agent=False, timeout=10)  # fmt: skip
        finally:
            client.close()


def test_each_host_sees_only_its_own_srv(fleet: Fleet) -> None:
    for host in fleet.hosts:
        result = fleet.ssh(host.name, "sudo", "sh", "-c", f"echo {host.name} > /srv/whoami-{host.name}")
        assert result.returncode == 0, result.stderr
    for host in fleet.hosts:
        listing = fleet.ssh(host.name, "ls", "/srv").stdout.split()
        assert listing == [f"whoami-{host.name}"]
        assert (fleet.srv(host.name) / f"whoami-{host.name}").read_text() == f"{host.name}\n"
    fleet.reset(wipe=True)
    assert all(fleet.ssh(h.name, "ls", "/srv").stdout == "" for h in fleet.hosts)


def test_hosts_have_no_route_out_of_their_subnet(fleet: Fleet) -> None:
    result = fleet.ssh("h1", "ip", "-4", "route")
    routes = result.stdout.strip().splitlines()
    assert len(routes) == 1 and routes[0].startswith(fleet.host("h1").address.rsplit(".", 1)[0] + ".0/24")
