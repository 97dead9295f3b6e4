"""A whole push against recording runners: the ordered steps, and rollback when the canary fails."""

import hashlib
import json
from pathlib import Path

import pytest

from deploytool import recipes
from deploytool.errors import DeployLocked, FleetStepFailed
from deploytool.output import Output
from deploytool.release.plan import Bundle, Layout, Service, Settings, Target
from deploytool.release.push import DeployFailed, push
from deploytool.remote.runner import RecordingRunner, Result
from deploytool.remote.ssh import Endpoint

LAYOUT = Layout("/srv/sample")
BUNDLE = Bundle(
    release_id="r2",
    env_hash="e2",
    release_tree=Path("/cache/r2"),
    env_tree=Path("/cache/e2"),
    python="3.11",
    abi="cp311",
    glibc="2.17",
    release_digest="D-r2",
    env_digest="D-e2",
)
SETTINGS = Settings(app="sample", run_as="sample", ssh_user="deploy", health_timeout=1)


def _target(name: str) -> Target:
    recipe = recipes.load("gunicorn")
    files = {"sample-web.service": "unit v2\n", "sample-web.socket": "socket\n"}
    svc = Service("web", "sample-web", recipe, files, health_url="http://127.0.0.1:8000/health")
    ep = Endpoint(name, "198.18.0.11", Path("/k/known_hosts"))
    return Target(
        name,
        ep,
        ("shard",),
        (svc,),
        env_files={"web": b"APP_HOST=" + name.encode() + b"\n"},
        shared_files={"/srv/sample/shared/etc/hosts.json": b"{}\n"},
    )


def _host(name: str, *, healthy: bool = True, lock: dict[str, str] | None = None) -> RecordingRunner:
    facts = {
        "python": "3.11.2",
        "abi": "cpython-311-x86_64-linux-gnu",
        "glibc": "2.36",
        "machine": "x86_64",
        "root_exists": True,
        "current": "releases/r1",
        "releases": ["r0", "r1"],
        "envs": ["e1"],
        "release_envs": {"r0": "e1", "r1": "e1"},
        "units": {"sample-web.service": "unit v1\n", "sample-web.socket": "socket\n"},
        "active": {"sample-web.service": "active", "sample-web.socket": "active"},
        "sudo": True,
        "disk_free_kib": 10**7,
        "lock": lock,
    }

    def answer(argv: tuple[str, ...]) -> Result | None:
        if _unsudo(argv)[0] != "python3":
            return None
        args = json.loads(argv[-1])
        if args["op"] == "facts":
            return Result(name, argv, 0, json.dumps(facts))
        if args["op"] == "digests":
            digests = {p: ("D-e2" if "/envs/" in p else "D-r2") for p in args["paths"]}
            return Result(name, argv, 0, json.dumps(digests))
        ok = healthy or args["release"] != "r2"
        body = {
            "ok": ok,
            "status": 200,
            "release": args["release"] if ok else "r1",
            "body": "",
            "attempts": 1,
        }
        return Result(name, argv, 0, json.dumps(body))

    return RecordingRunner(name, responders=[answer])


def _unsudo(argv: tuple[str, ...]) -> tuple[str, ...]:
    return argv[3:] if argv[:3] == ("sudo", "-n", "--") else argv


def _run(hosts: dict[str, RecordingRunner], local: RecordingRunner | None = None):  # type: ignore[no-untyped-def]
    targets = [_target(n) for n in hosts]
    return push(
        targets, BUNDLE, LAYOUT, SETTINGS, Output(verbosity=-1), connect=lambda t: hosts[t.name], local=local
    )


def _verbs(runner: RecordingRunner) -> list[str]:
    names = []
    for line in runner.lines:
        if _unsudo(runner.calls[runner.lines.index(line)])[0] == "python3":
            names.append("probe:" + json.loads(runner.calls[runner.lines.index(line)][-1])["op"])
        elif "mkdir --" in line and "holder.json" in line:
            names.append("lock")
        elif "ln -sfn" in line:
            names.append("switch:" + line.split("ln -sfn ")[1].split(" ")[0])
        elif "journal.jsonl" in line:
            names.append("journal")
        elif "systemctl" in line:
            names.append(
                " ".join(w for w in line.split() if w not in {"sudo", "-n", "--"})[len("systemctl ") :]
            )
        elif "/etc/systemd/system/" in line and "install" in line:
            names.append("unit:" + line.split("/etc/systemd/system/")[1].split(".deploytool-tmp")[0])
        elif "holder.json" in line and "grep" in line:
            names.append("unlock")
        elif line.startswith("rm -rf"):
            names.append("prune:" + " ".join(sorted(p.rsplit("/", 1)[1] for p in line.split()[3:])))
    return names


def test_push_runs_preflight_lock_stage_switch_gate_journal_unlock_prune_in_order() -> None:
    hosts = {"h1": _host("h1"), "h2": _host("h2")}
    local = RecordingRunner("local")
    report = _run(hosts, local)
    assert report.ok and report.release_id == "r2" and report.rolled_back == []
    assert _verbs(hosts["h1"]) == [
        "probe:facts",
        "lock",
        "probe:facts",  # again under the lock: another deploy may have finished meanwhile
        "probe:digests",
        "unit:sample-web.service",
        "daemon-reload",
        "switch:releases/r2",
        "restart sample-web.service",
        "probe:health",
        "journal",
        "unlock",
    ]
    # env e2 is new to the hosts: shipped once per host, with --link-dest to the env it has
    rsyncs = [c for c in local.calls if c[0] == "rsync"]
    assert len(rsyncs) == 4
    assert any(c[-1].endswith("/srv/sample/envs/.e2.partial/") and "../e1" in c for c in rsyncs)
    assert any(c[-1].endswith("/srv/sample/releases/.r2.partial/") and "../r1" in c for c in rsyncs)
    h1 = report.hosts["h1"]
    assert (h1["previous"], h1["current"], h1["env_shipped"]) == ("r1", "r2", True)
    assert h1["units_changed"] == ["sample-web.service"]
    assert h1["restarted"] == ["sample-web.service (restart)"]
    assert set(h1["bytes_sent"]) == {"env", "release"}


def test_a_push_with_nothing_changed_restarts_nothing_and_runs_one_command_per_host() -> None:
    host = _host("h1")
    answer = host.responders[0]

    def same(argv: tuple[str, ...]) -> Result | None:
        result = answer(argv)
        if result is not None and json.loads(argv[-1])["op"] == "facts":
            data = json.loads(result.stdout)
            data.update(current="releases/r2", releases=["r1", "r2"], envs=["e1", "e2"])
            data["journal"] = ['{"from": "r1", "to": "r2", "result": "ok"}']
            data["units"] = dict(_target("h1").services[0].files)
            data["hashes"] = {
                "/srv/sample/shared/env/web.env": hashlib.sha256(b"APP_HOST=h1\n").hexdigest(),
                "/srv/sample/shared/etc/hosts.json": hashlib.sha256(b"{}\n").hexdigest(),
            }
            return Result("h1", argv, 0, json.dumps(data))
        return result

    host.responders[0] = same
    local = RecordingRunner("local")
    report = _run({"h1": host}, local)
    assert report.ok and report.hosts["h1"]["restarted"] == [] and report.hosts["h1"]["units_changed"] == []
    assert local.calls == []  # nothing shipped
    assert host.calls == [host.calls[0]] and _verbs(host) == ["probe:facts"]  # one remote command per host


def test_push_rolls_back_every_switched_host_when_the_canary_health_fails() -> None:
    hosts = {"h1": _host("h1", healthy=False), "h2": _host("h2")}
    with pytest.raises(DeployFailed) as info:
        _run(hosts, RecordingRunner("local"))
    message = str(info.value)
    assert "gate (canary) failed on 1 host(s): h1: sample-web" in message
    assert "rolled back 1 host(s): h1: back on r1" in message
    h1 = _verbs(hosts["h1"])
    assert h1[h1.index("switch:releases/r2") :] == [
        "switch:releases/r2",
        "restart sample-web.service",
        "probe:health",
        "unit:sample-web.service",  # the old unit text goes back
        "daemon-reload",
        "switch:releases/r1",
        "restart sample-web.service",
        "probe:health",
        "journal",
        "unlock",
    ]
    assert "switch:releases/r2" not in _verbs(hosts["h2"])  # h2 was never switched
    assert "journal" in _verbs(hosts["h2"]) and "unlock" in _verbs(hosts["h2"])


def test_preflight_refuses_a_locked_host_before_touching_anything() -> None:
    held = {
        "deploy_id": "d0",
        "who": "ana",
        "where": "ci",
        "reason": "x",
        "since": "2026-11-24T00:00:00+00:00",
        "expires": "2999-01-01T00:00:00+00:00",
    }
    hosts = {"h1": _host("h1"), "h2": _host("h2", lock=held)}
    with pytest.raises(FleetStepFailed) as info:
        _run(hosts)
    assert list(info.value.failures) == ["h2"]
    assert isinstance(info.value.failures["h2"], DeployLocked)
    assert info.value.exit_code == DeployLocked.exit_code
    assert "held by ana@ci" in str(info.value)
    for runner in hosts.values():
        assert _verbs(runner) == ["probe:facts"]


def test_preflight_refuses_a_host_with_another_python() -> None:
    host = _host("h1")
    facts_answer = host.responders[0]

    def older(argv: tuple[str, ...]) -> Result | None:
        result = facts_answer(argv)
        if result is not None and json.loads(argv[-1])["op"] == "facts":
            data = json.loads(result.stdout) | {"python": "3.9.2", "abi": "cpython-39-x86_64-linux-gnu"}
            return Result("h1", argv, 0, json.dumps(data))
        return result

    host.responders[0] = older
    with pytest.raises(
        Exception, match=r"h1: its python is 3\.9\.2 but the env was built for 3\.11 \(cp311\)"
    ):
        _run({"h1": host})
    assert _verbs(host) == ["probe:facts"]


def test_the_next_push_prunes_beyond_keep_but_never_current_or_previous() -> None:
    host = _host("h1")
    answer = host.responders[0]

    def many(argv: tuple[str, ...]) -> Result | None:
        result = answer(argv)
        if result is not None and json.loads(argv[-1])["op"] == "facts":
            data = json.loads(result.stdout)
            data["releases"] = ["ra", "rb", "rc", "rd", "re", "r1"]
            data["envs"] = ["e0", "e1"]
            data["release_envs"] = {"ra": "e0", "rb": "e0", "rc": "e1", "rd": "e1", "re": "e1", "r1": "e1"}
            return Result("h1", argv, 0, json.dumps(data))
        return result

    host.responders[0] = many
    _run({"h1": host}, RecordingRunner("local"))
    # seven releases with keep 5: the two oldest go, and env e0 that only they used
    assert _verbs(host)[-1] == "prune:e0 ra rb"
