"""Each host keeps a journal of every push and rollback; `releases` reads it back per host."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import PushKit

pytestmark = pytest.mark.integration


def test_the_journal_on_each_host_records_every_push_and_rollback(kit: PushKit) -> None:
    before = kit.deploy("A", "B")
    old, new = kit.release(before), kit.release(kit.other(before))

    push = kit.push(kit.other(before), sets=kit.ONE_BATCH)
    rollback = kit.dt("rollback", "--yes", json=True, sets=kit.ONE_BATCH)

    assert push.code == 0, push
    assert rollback.code == 0, rollback
    assert push.deploy_id and rollback.deploy_id and push.deploy_id != rollback.deploy_id
    for host in kit.hosts:
        entries = {e.get("deploy_id"): e for e in kit.journal(host)}
        pushed, undone = entries.get(push.deploy_id), entries.get(rollback.deploy_id)
        assert pushed is not None and undone is not None, f"{host}: {list(entries.values())[-3:]}"
        assert (pushed["action"], pushed["from"], pushed["to"], pushed["result"]) == ("push", old, new, "ok")
        assert (undone["action"], undone["from"], undone["to"], undone["result"]) == (
            "rollback",
            new,
            old,
            "ok",
        )
        for entry in (pushed, undone):
            assert entry["who"] == getpass.getuser(), entry
            assert datetime.fromisoformat(entry["when"]).tzinfo is not None, entry
        assert datetime.fromisoformat(pushed["when"]) <= datetime.fromisoformat(undone["when"])


def test_releases_shows_the_current_and_kept_releases_of_every_host_from_the_journals(kit: PushKit) -> None:
    now = kit.deploy("A", "B")
    kit.keep(kit.other(now), then=now)
    current, kept_too = kit.release(now), kit.release(kit.other(now))

    run = kit.dt("releases", json=True)

    assert run.code == 0, run
    rows = {row["host"]: row for row in run.result}
    assert sorted(rows) == sorted(kit.hosts), rows
    for host, row in rows.items():
        assert row["current"] == current, row
        kept = {k["release"]: k for k in row["kept"]}
        assert {current, kept_too} <= set(kept), f"{host}: kept {sorted(kept)}"
        last_ok = [e for e in kit.journal(host) if e.get("to") == current and e.get("result") == "ok"][-1]
        assert kept[current]["deploy_id"] == last_ok["deploy_id"], (kept[current], last_ok)
        assert kept[current]["deployed_by"] == getpass.getuser(), kept[current]
        assert kept[current]["deployed_at"] == last_ok["when"], kept[current]
