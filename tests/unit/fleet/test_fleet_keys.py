"""known_hosts, ssh_config and sshd configs of a fleet."""

from pathlib import Path

from deploytool.fleet import keys


def test_keygen_argv_makes_an_ed25519_key_without_passphrase() -> None:
    assert keys.keygen(Path("/var/lib/x/key"), "h1@fleet") == [
        "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "h1@fleet", "-f", "/var/lib/x/key",
    ]  # fmt: skip


def test_known_hosts_lists_the_address_and_the_name_with_the_hosts_own_key() -> None:
    text = keys.known_hosts(
        [("h1", "198.18.0.11", "ssh-ed25519 AAAA1"), ("h2", "198.18.0.12", "ssh-ed25519 AAAA2")]
    )
    assert text == "198.18.0.11,h1 ssh-ed25519 AAAA1\n198.18.0.12,h2 ssh-ed25519 AAAA2\n"


def test_known_hosts_line_brackets_a_non_default_port() -> None:
    assert (
        keys.known_hosts_line(["198.18.0.11"], "ssh-ed25519 K", port=2222)
        == "[198.18.0.11]:2222 ssh-ed25519 K"
    )


def test_ssh_config_is_strict_and_names_every_host() -> None:
    text = keys.ssh_config("t", [("h1", "198.18.2.11")], Path("/s/client_key"), Path("/s/known_hosts"))
    lines = [line.strip() for line in text.splitlines()]
    assert lines[lines.index("Host h1") + 1] == "HostName 198.18.2.11"
    for wanted in (
        "StrictHostKeyChecking yes", "BatchMode yes", "IdentitiesOnly yes", "IdentityFile /s/client_key",
        "UserKnownHostsFile /s/known_hosts", "GlobalKnownHostsFile /dev/null", "User deploy",
    ):  # fmt: skip
        assert wanted in lines
    assert "no" not in {line.split()[-1] for line in lines if line.startswith("StrictHostKeyChecking")}


def test_light_sshd_config_runs_without_pam_on_its_own_address_and_key() -> None:
    text = keys.sshd_config_light("198.18.2.11", "/etc/ssh/k")
    assert "ListenAddress 198.18.2.11\n" in text
    assert "HostKey /etc/ssh/k\n" in text
    assert "UsePAM no\n" in text
    assert "PasswordAuthentication no\n" in text


def test_systemd_drop_in_leaves_debians_subsystem_line_alone() -> None:
    text = keys.sshd_drop_in()
    assert "Subsystem" not in text and "HostKey" not in text
    assert "PasswordAuthentication no" in text
