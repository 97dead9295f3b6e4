"""The sample app's .deb on a real systemd host, with apt: install, upgrade, remove, purge, another role.

The host has no network: apt resolves the package's Depends from what its image already has (python3,
libpq5, redis-server, uwsgi-core, uwsgi-plugin-python3, adduser).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from deb_kit import DebKit

pytestmark = pytest.mark.integration

APP = "/srv/sample"
SERVICES = ("sample-web.service", "sample-worker.service", "sample-redis.service")


def test_the_deb_installs_with_apt_starts_its_services_and_serves_its_release(
    debkit: DebKit, wait_for: Callable[..., object]
) -> None:
    debkit.fleet.reset(wipe=True)
    deb = debkit.deb("A")
    release = debkit.release("A")

    proc = debkit.install(deb)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert debkit.installed("sample-master") == deb["version"]
    wait_for(lambda: debkit.serving() == release, timeout=60, what=f"/health answering {release}")
    assert set(debkit.active("sample-web.socket", *SERVICES).values()) == {"active"}
    assert debkit.must(f"readlink {APP}/current").strip() == f"releases/{release}"
    assert debkit.must(f"cat {APP}/current/RELEASE").strip() == release
    assert debkit.must("getent passwd sample").split(":")[5] == f"{APP}/shared"
    assert debkit.must("sudo stat -c '%a %U' /etc/sample/web.env").split() == ["600", "root"]
    assert "EnvironmentFile=-/etc/sample/web.env" in debkit.must("systemctl cat sample-web.service")
    enabled = debkit.ssh("systemctl is-enabled sample-web.socket " + " ".join(SERVICES)).stdout.split()
    assert enabled == ["enabled"] * 4


def test_an_upgrade_to_a_newer_deb_restarts_the_services_on_the_new_release(
    debkit: DebKit, wait_for: Callable[..., object]
) -> None:
    old, new = debkit.deb("A"), debkit.deb("B")
    debkit.ensure(old)
    wait_for(lambda: debkit.serving() == debkit.release("A"), timeout=60, what="A serving")
    before = debkit.main_pids(*SERVICES)

    proc = debkit.install(new)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"over ({old['version']})" in proc.stdout  # dpkg: an upgrade of the installed package
    release = debkit.release("B")
    wait_for(lambda: debkit.serving() == release, timeout=60, what=f"/health answering {release}")
    after = debkit.main_pids(*SERVICES)
    assert all(after[u] not in ("0", before[u]) for u in SERVICES), (before, after)
    assert debkit.must(f"ls {APP}/releases").split() == [release]  # dpkg removed the old release's files
    assert debkit.must(f"readlink {APP}/current").strip() == f"releases/{release}"
    assert "release B: one changed file" in debkit.must(f"cat {APP}/current/views/index.tpl")


def test_remove_stops_the_services_and_keeps_the_data_and_the_conffiles(
    debkit: DebKit, wait_for: Callable[..., object]
) -> None:
    deb = debkit.deb("A")
    debkit.ensure(deb)
    wait_for(lambda: debkit.serving() == debkit.release("A"), timeout=60, what="A serving")
    debkit.must(f"sudo -u sample sh -c 'echo keep > {APP}/shared/data/notes.txt'")

    proc = debkit.apt("remove", "sample-master")

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert debkit.installed("sample-master") is None
    assert "rc " in debkit.must("dpkg -l sample-master | tail -1")  # removed, config files kept
    assert set(debkit.active("sample-web.socket", *SERVICES).values()) <= {"inactive", "failed", "unknown"}
    assert debkit.health(timeout=2) is None
    assert debkit.must(f"sudo cat {APP}/shared/data/notes.txt").strip() == "keep"
    assert debkit.exists(f"{APP}/shared/data/sample.db")
    assert debkit.exists("/etc/sample/web.env") and debkit.exists("/etc/sample/hosts.json")
    assert not debkit.exists(f"{APP}/releases/{debkit.release('A')}")
    assert not debkit.exists(f"{APP}/current")
    assert debkit.ssh("getent passwd sample").returncode == 0


def test_purge_removes_the_release_the_data_the_config_the_units_and_the_user(
    debkit: DebKit, wait_for: Callable[..., object]
) -> None:
    deb = debkit.deb("A")
    debkit.ensure(deb)
    wait_for(lambda: debkit.serving() == debkit.release("A"), timeout=60, what="A serving")

    proc = debkit.apt("purge", "sample-master")

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert debkit.ssh("dpkg-query -W sample-master").returncode != 0  # not even config files
    for path in (APP, "/etc/sample", *(f"/lib/systemd/system/{u}" for u in ("sample-web.socket", *SERVICES))):
        assert not debkit.exists(path), path
    assert (
        debkit.must("ls /etc/systemd/system /etc/systemd/system/*.wants | grep -c sample || true").strip()
        == "0"
    )
    assert debkit.ssh("getent passwd sample").returncode != 0
    assert debkit.ssh("getent group sample").returncode != 0
    assert debkit.health(timeout=2) is None


def test_another_roles_package_replaces_the_installed_one_and_keeps_the_data(
    debkit: DebKit, wait_for: Callable[..., object]
) -> None:
    """sample-master and sample-shard both provide and conflict with `sample`: apt swaps them."""
    master = debkit.deb("A")
    shard = debkit.deb("A", "shard", "--compression", "zstd", "--no-lintian")
    debkit.ensure(master)
    release = debkit.release("A")
    wait_for(lambda: debkit.serving() == release, timeout=60, what="master serving")
    debkit.must(f"sudo -u sample sh -c 'echo keep > {APP}/shared/data/notes.txt'")

    proc = debkit.install(shard)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Removing sample-master" in proc.stdout
    assert debkit.installed("sample-shard") == shard["version"]
    assert debkit.installed("sample-master") is None
    assert "uwsgi-core" in shard["depends"] and "redis-server" not in shard["depends"]
    wait_for(lambda: debkit.serving() == release, timeout=60, what="shard (uwsgi) serving")
    assert "uwsgi-core" in debkit.must("systemctl show -p ExecStart --value sample-web.service")
    assert debkit.active("sample-redis.service")["sample-redis.service"] != "active"
    assert debkit.must(f"sudo cat {APP}/shared/data/notes.txt").strip() == "keep"
