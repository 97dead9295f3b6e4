"""Processes by PID: spawn, alive (zombies are dead), stop."""

import os
import sys
from pathlib import Path

from deploytool.fleet import procs


def test_a_spawned_daemon_is_alive_until_stopped_and_its_output_is_logged(tmp_path: Path) -> None:
    log = tmp_path / "d.log"
    proc = procs.spawn([sys.executable, "-c", "import time; print('hello', flush=True); time.sleep(60)"], log)
    assert procs.alive(proc)
    assert os.getsid(proc.pid) == proc.pid  # its own session
    procs.stop([proc], grace=5)
    assert not procs.alive(proc)
    assert "hello" in log.read_text()


def test_a_recycled_pid_is_not_the_same_process() -> None:
    me = procs.by_pid([os.getpid()])[0]
    assert procs.alive(me)
    assert not procs.alive(procs.Proc(me.pid, me.start + 1))
    assert not procs.alive(procs.Proc(2**22 + 1, 0))
