"""`push` puts the sample app on the hosts it names, with real gunicorn/uwsgi, Celery and Redis."""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import PushKit

pytestmark = pytest.mark.integration

# Run on the master as the app's user, from the current release: queue a ping through the broker the
# master runs, wait for its answer, then ask every worker that is up how many tasks it has run.
CELERY_ON_MASTER = r"""
import json, tasks
result = tasks.app.send_task("batch.ping.ping")
answer = result.get(timeout=30)
stats = tasks.app.control.inspect(timeout=5).stats() or {}
print(json.dumps({"answer": answer, "totals": {w: s.get("total", {}) for w, s in stats.items()}}))
"""


def test_push_role_shard_deploys_to_the_shards_only_and_they_answer_health_with_the_new_release(
    kit: PushKit,
) -> None:
    kit.fresh()
    release = kit.release("A")

    run = kit.push("A", "--role", "shard")

    assert run.code == 0, run
    assert sorted(run.result["hosts"]) == sorted(kit.role_hosts("shard")), run
    for host in kit.role_hosts("shard"):
        assert kit.serving(host) == release, f"{host}: {kit.health(host)}"
        assert kit.current(host) == release
        assert "uwsgi-core" in kit.exec_start(host, "sample-web")  # etc/shard.json: uwsgi
    master = kit.role_hosts("master")[0]
    assert kit.ssh(master, "test -e /srv/sample").returncode == 1, "the master got /srv/sample"
    assert kit.ssh(master, "ls /etc/systemd/system/sample-*").returncode != 0, "the master got units"
    assert kit.health(master) is None, "something answers on the master's port 8000"


def test_a_celery_task_queued_on_the_master_runs_on_a_shard_worker(kit: PushKit) -> None:
    kit.deploy("A", "B")
    master = kit.role_hosts("master")[0]
    shards = kit.role_hosts("shard")
    # Only shard workers consume while the master's own worker is stopped.
    kit.must(master, "sudo systemctl stop sample-worker.service")
    try:
        proc = kit.ssh(
            master,
            f"cd /srv/sample/current && sudo -u sample env APP_HOST={master} APP_ROLES=master "
            f"env/bin/python -c {shlex.quote(CELERY_ON_MASTER)}",
            timeout=90,
        )
    finally:
        kit.must(master, "sudo systemctl start sample-worker.service")
    last = proc.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
    assert proc.returncode == 0, f"queueing a task on {master} failed: {last[0][:600]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["answer"] == "pong"
    ran = {w: t.get("batch.ping.ping", 0) for w, t in report["totals"].items()}
    assert any(ran.get(f"worker@{h}", 0) >= 1 for h in shards), f"no shard worker ran the ping: {ran}"
    assert f"worker@{master}" not in ran


SWITCH_GATE = "deploy.health.timeout=10"


def test_switching_the_master_from_gunicorn_to_uwsgi_by_config_and_pushing_serves_the_same(
    kit: PushKit,
) -> None:
    now = kit.deploy("A", "B")
    release = kit.release(now)
    master = kit.role_hosts("master")[0]
    assert "gunicorn" in kit.exec_start(master, "sample-web")

    run = kit.push(now, "--role", "master", sets=["deploy.services.web.recipe=uwsgi", SWITCH_GATE])

    assert run.code == 0, run
    assert kit.serving(master) == release, kit.health(master)
    assert "uwsgi-core" in kit.exec_start(master, "sample-web")
    assert kit.ssh(master, "pgrep -f '[g]unicorn'").returncode == 1, "gunicorn still runs on the master"
    socket = kit.ssh(master, "systemctl is-active sample-web.socket").stdout.strip()
    assert socket != "active", "gunicorn's socket unit is still active on the master"

    back = kit.push(now, "--role", "master", sets=[SWITCH_GATE])  # the project's own config again

    assert back.code == 0, back
    assert "gunicorn" in kit.exec_start(master, "sample-web")
    assert kit.serving(master) == release


def test_switching_the_shards_from_uwsgi_to_gunicorn_by_config_and_pushing_serves_the_same(
    kit: PushKit,
) -> None:
    now = kit.deploy("A", "B")
    release = kit.release(now)
    shards = kit.role_hosts("shard")
    assert all("uwsgi-core" in kit.exec_start(h, "sample-web") for h in shards)

    run = kit.push(now, "--role", "shard", sets=["deploy.services.web.recipe=gunicorn", SWITCH_GATE])

    assert run.code == 0, run
    for host in shards:
        assert kit.serving(host) == release, f"{host}: {kit.health(host)}"
        start = kit.exec_start(host, "sample-web")
        assert "gunicorn" in start and "uwsgi" not in start, f"{host}: {start}"
        assert kit.ssh(host, "pgrep -x uwsgi-core").returncode == 1, f"{host}: uwsgi still runs"

    back = kit.push(now, "--role", "shard", sets=[SWITCH_GATE])  # the project's own config again

    assert back.code == 0, back
    assert all("uwsgi-core" in kit.exec_start(h, "sample-web") for h in shards)
    assert all(kit.serving(h) == release for h in shards)
