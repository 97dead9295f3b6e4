"""The entry points run as real processes: dev.py on Bottle's server, app.py under gunicorn."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_app_support import APP_DIR, free_port, stop, wait_for


def health_of(proc: subprocess.Popen[bytes], port: int, log: Path) -> dict | None:
    assert proc.poll() is None, f"server exited early:\n{log.read_text()}"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as res:
            return json.load(res)
    except (urllib.error.URLError, ConnectionError):
        return None


@pytest.fixture
def serve(app_env: dict[str, str], tmp_path: Path) -> Iterator:
    started: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str], port: int) -> dict:
        log = tmp_path / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, cwd=APP_DIR, env=app_env, stdout=out, stderr=subprocess.STDOUT)
        started.append(proc)
        return wait_for(lambda: health_of(proc, port, log), what=f"{argv[1]} on port {port}")

    yield start
    for proc in started:
        stop(proc)


def test_dev_py_serves_the_app_on_the_port_given_in_argv(serve, tmp_path: Path) -> None:
    (tmp_path / "RELEASE").write_text("dev-run")
    port = free_port()
    report = serve([sys.executable, "dev.py", str(port)], port)
    assert report == {"app": "sample", "status": "ok", "release": "dev-run", "db": "ok"}


def test_app_py_serves_the_app_under_gunicorn_from_the_app_folder(serve, tmp_path: Path) -> None:
    (tmp_path / "RELEASE").write_text("gunicorn-run")
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(APP_DIR),
        "--workers",
        "2",
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "app:application",
    ]
    assert serve(argv, port)["release"] == "gunicorn-run"
