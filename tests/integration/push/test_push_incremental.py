"""A push ships only what changed: one changed file is one file's bytes, an unchanged env stays put,
and a push with nothing changed restarts nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import PushKit

pytestmark = pytest.mark.integration

# rsync's "total bytes sent" for a release counts its file list too (about 35 KB for the sample app's
# ~900 files); the whole release is about 11 MB. A bound well under the release, well over the list.
ONE_FILE_BUDGET = 64 * 1024


def test_a_second_push_with_one_changed_file_ships_only_that_file_and_not_env(kit: PushKit) -> None:
    now = kit.deploy("A", "B")  # A and B differ in one file (views/index.tpl), either way round
    new = kit.release(kit.other(now))
    kit.forget(new)

    run = kit.push(kit.other(now), sets=kit.ONE_BATCH)

    assert run.code == 0, run
    for host in kit.hosts:
        info = run.result["hosts"][host]
        assert info["env_shipped"] is False, f"{host}: {info}"
        assert not info["bytes_sent"].get("env"), f"{host} shipped env: {info['bytes_sent']}"
        sent = info["bytes_sent"].get("release")
        assert sent is not None and 0 < sent < ONE_FILE_BUDGET, f"{host}: release bytes {sent}"
        # What really crossed the wire: every file but the changed ones is a hard link into the old release.
        new_files = kit.must(host, f"find /srv/sample/releases/{new} -type f -links 1 -printf '%P\\n'")
        assert sorted(new_files.split()) == ["RELEASE", "views/index.tpl"], f"{host}: {new_files}"
        assert kit.serving(host) == new


def test_a_push_with_nothing_changed_restarts_nothing(kit: PushKit) -> None:
    now = kit.deploy("A", "B")
    pids = {h: kit.main_pids(h) for h in kit.hosts}
    assert all(pid != "0" for p in pids.values() for pid in p.values()), pids

    run = kit.push(now)

    assert run.code == 0, run
    for host in kit.hosts:
        info = run.result["hosts"][host]
        assert info["restarted"] == [], f"{host}: {info}"
        assert info["env_shipped"] is False
        assert not any(info["bytes_sent"].values()), f"{host}: {info['bytes_sent']}"
        assert kit.main_pids(host) == pids[host], host
        assert kit.serving(host) == kit.release(now)


def test_a_push_whose_env_is_new_to_the_hosts_ships_env_and_serves_it(kit: PushKit) -> None:
    fresh = kit.release("newenv")
    kit.deploy("A", "B")
    kit.forget(fresh)
    envs_before = {h: kit.must(h, "ls /srv/sample/envs").split() for h in kit.hosts}

    run = kit.push("newenv", sets=kit.ONE_BATCH)

    assert run.code == 0, run
    for host in kit.hosts:
        info = run.result["hosts"][host]
        assert info["env_shipped"] is True, f"{host}: {info}"
        assert info["bytes_sent"].get("env", 0) > 0
        envs = kit.must(host, "ls /srv/sample/envs").split()
        assert len(envs) == len(envs_before[host]) + 1, f"{host}: {envs_before[host]} -> {envs}"
        assert kit.serving(host) == fresh
