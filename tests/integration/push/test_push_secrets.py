"""Secrets reach the hosts only as 0600 root files: never in a process's argv, never in any output."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import PushKit

pytestmark = pytest.mark.integration

# Runs as root on a host: every distinct argv seen under /proc until the stop file appears
# (or five minutes pass); prints "ready" first and the argvs (hex) last.
SAMPLER = r"""
import json, os, sys, time
stop, seen = sys.argv[1], set()
deadline = time.monotonic() + 300
print("ready", flush=True)
while not os.path.exists(stop) and time.monotonic() < deadline:
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    seen.add(f.read())
            except OSError:
                pass
    time.sleep(0.005)
print(json.dumps(sorted(c.hex() for c in seen)))
"""


class LocalSampler(threading.Thread):
    """The same sampling on this machine (the push's own ssh and rsync argvs)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: set[bytes] = set()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for proc in Path("/proc").iterdir():
                if proc.name.isdigit():
                    with contextlib.suppress(OSError):
                        self.seen.add((proc / "cmdline").read_bytes())
            self.done.wait(0.005)


def test_the_secret_is_a_0600_root_file_on_each_host_and_never_in_argv_or_output(kit: PushKit) -> None:
    secret = kit.secret.encode()
    target = kit.other(kit.deploy("A", "B"))
    kit.forget(kit.release(target))  # so that the push ships, switches and restarts while we watch
    stop = f"/tmp/dt-sampler-{uuid.uuid4().hex}"
    samplers = {
        h: subprocess.Popen(
            kit.fleet.ssh_argv(h, "sudo", "python3", "-c", SAMPLER, stop),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for h in kit.hosts
    }
    local = LocalSampler()
    try:
        for host, proc in samplers.items():
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready", host
        local.start()

        run = kit.dt(
            "-v", "-v", "push", "--yes", "--release", kit.release(target), json=True, sets=kit.ONE_BATCH
        )
    finally:
        local.done.set()
        for host in samplers:
            kit.ssh(host, f"touch {stop}")
        seen = {h: p.communicate(timeout=60) for h, p in samplers.items()}
        if local.is_alive():
            local.join(timeout=10)
        for host in kit.hosts:
            kit.ssh(host, f"rm -f {stop}")

    assert run.code == 0, run
    for host, (out, _err) in seen.items():
        argvs = [bytes.fromhex(x) for x in json.loads(out.strip().splitlines()[-1])]
        assert any(b"rsync" in a and b"--server" in a for a in argvs), f"{host}: sampling missed the push"
        leaked = [a.replace(b"\0", b" ")[:200] for a in argvs if secret in a]
        assert not leaked, f"{host}: the secret is in the argv of {leaked}"
    assert any(b"rsync" in a for a in local.seen), "sampling here missed the push"
    leaked_here = [a.replace(b"\0", b" ")[:200] for a in local.seen if secret in a]
    assert not leaked_here, f"the secret is in the argv of {leaked_here}"
    assert kit.secret not in run.out, "the secret is in push's stdout (--json)"
    assert kit.secret not in run.err, "the secret is in push's stderr"

    for host in kit.hosts:
        listing = kit.must(host, "sudo find /srv/sample/shared/env -type f -printf '%m %u %g %p\\n'")
        files = listing.splitlines()
        assert files, f"{host}: no env files"
        for line in files:
            mode, user, group, _path = line.split(" ", 3)
            assert (mode, user, group) == ("600", "root", "root"), f"{host}: {line}"
        web = kit.must(host, "sudo cat /srv/sample/shared/env/web.env")
        assert kit.secret in web, f"{host}: web.env lacks the secret"
        # Nowhere else on the host (the secret goes to grep on stdin, not in its argv).
        found = subprocess.run(
            kit.fleet.ssh_argv(
                host,
                script="sudo grep -rlF -f - /srv/sample/releases /srv/sample/.deploytool "
                "/srv/sample/shared/etc /etc/systemd/system",
            ),
            input=kit.secret + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert found.returncode == 1, f"{host}: the secret is also in {found.stdout or found.stderr}"
