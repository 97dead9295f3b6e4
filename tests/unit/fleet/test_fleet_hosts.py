"""Per-mode host argv and files: nspawn for systemd hosts, holder + sshd for light ones."""

from pathlib import Path

from deploytool.fleet import container, light


def test_nspawn_boots_in_the_hosts_netns_with_its_srv() -> None:
    assert container.nspawn(Path("/h/rootfs"), "dt-t-h1", "dt-t-h1", Path("/h/srv")) == [
        "systemd-nspawn", "-q", "--boot", "-D", "/h/rootfs", "--machine=dt-t-h1", "--register=no",
        "--keep-unit", "--network-namespace-path=/run/netns/dt-t-h1", "--bind=/h/srv:/srv",
    ]  # fmt: skip


def test_nsenter_enters_the_containers_namespaces() -> None:
    assert container.nsenter(42, ["systemctl", "start", "ssh.service"]) == [
        "nsenter", "--target=42", "--mount", "--uts", "--ipc", "--net", "--pid", "--",
        "systemctl", "start", "ssh.service",
    ]  # fmt: skip


def test_light_holder_passes_names_as_arguments_never_inside_the_script() -> None:
    argv = light.holder("dt-t-h1", "h1", Path("/var/lib/x; rm -rf $HOME"))
    assert argv[:8] == ["ip", "netns", "exec", "dt-t-h1", "unshare", "--uts", "--", "sh"]
    assert argv[8:] == ["-c", light.HOLDER, "sh", "h1", "/var/lib/x; rm -rf $HOME"]
    assert "exec sleep infinity" in light.HOLDER
    assert "/var/lib/deploytool" in light.HOLDER  # hidden from the host: keys of other hosts live there


def test_light_sshd_runs_in_the_holders_namespaces() -> None:
    assert light.sshd(42) == [
        "nsenter", "--target=42", "--mount", "--uts", "--net", "--", "/usr/sbin/sshd", "-D", "-e", "-f",
        "/etc/ssh/deploytool_sshd_config",
    ]  # fmt: skip


def test_light_user_gets_a_free_id_its_own_group_sudo_and_no_password() -> None:
    passwd = "root:x:0:0::/root:/bin/bash\nme:x:2000:2000::/home/me:/bin/sh\n"
    group = "root:x:0:\nsudo:x:27:\nme:x:2000:\nx:x:2001:\n"
    uid = light.free_id(passwd, group)
    assert uid == 2002
    files = light.with_user(
        {"passwd": passwd, "group": group, "shadow": "root:*:1::::::\n", "gshadow": "sudo:*::me\n"},
        "deploy",
        uid,
    )
    assert files["passwd"].endswith("deploy:x:2002:2002::/home/deploy:/bin/bash\n")
    assert "sudo:x:27:deploy\n" in files["group"]
    assert files["group"].endswith("deploy:x:2002:\n")
    assert files["shadow"].endswith("deploy:*:19000:0:99999:7:::\n")
    assert "sudo:*::me,deploy\n" in files["gshadow"]


def test_etc_hosts_resolves_the_hosts_own_name() -> None:
    assert "198.18.0.11\th1\n" in container.etc_hosts("h1", "198.18.0.11")


def test_write_never_follows_a_planted_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("keep")
    (tmp_path / "root" / "etc").mkdir(parents=True)
    (tmp_path / "root" / "etc" / "hostname").symlink_to(outside)
    container.write(tmp_path / "root" / "etc" / "hostname", "h1\n", owner=(0, 0))
    assert outside.read_text() == "keep"
    assert (tmp_path / "root" / "etc" / "hostname").read_text() == "h1\n"
