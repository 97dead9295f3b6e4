"""Helpers for the sample_app tests: polling, free ports, stopping our processes, editing configs."""

import json
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

APP_DIR = Path(__file__).resolve().parents[2] / "sample_app"


def wait_for(ready: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll `ready()` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = ready()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """SIGTERM the process we started (by its PID), then SIGKILL if it outstays `timeout`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def write_config(path: Path, **sections: dict[str, Any]) -> None:
    """Merge `sections` into the JSON config at `path`."""
    data = json.loads(path.read_text())
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    path.write_text(json.dumps(data))
