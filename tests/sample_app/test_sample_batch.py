"""Celery tasks in batch/: run eagerly in-process, and by a real worker over a real Redis."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import config
import pytest
import redis
from batch import make_celery
from batch.notes import count_words
from batch.ping import ping
from controllers.notes import NotesController, NotFound
from models import db
from sample_app_support import APP_DIR, free_port, stop, wait_for, write_config


@pytest.fixture
def eager(settings):
    db.setup(settings.db)
    app = make_celery()
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield app
    app.close()


def test_count_words_runs_eagerly_and_stores_the_count_on_the_note(eager) -> None:
    notes = NotesController()
    note = notes.create("Essay", "the quick  brown\nfox")
    assert count_words.delay(note["id"]).get() == 4
    assert notes.get(note["id"])["words"] == 4


def test_count_words_of_a_missing_note_raises_the_controllers_not_found(eager) -> None:
    with pytest.raises(NotFound):
        count_words.delay(999)


def test_ping_answers_pong(eager) -> None:
    assert ping.delay().get() == "pong"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of our own on a free loopback port, without persistence."""
    port = free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)

    def answers() -> bool:
        assert proc.poll() is None, "redis-server exited"
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_for(answers, what=f"redis-server on port {port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        stop(proc)


@pytest.fixture
def worker(redis_url: str, config_file: Path, app_env: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    """`celery -A tasks worker --pool solo` started from the app folder, as a deploy would; yields its log."""
    write_config(config_file, redis={"url": redis_url})
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tasks",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                "test@%h",
            ],
            cwd=APP_DIR,
            env=app_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        stop(proc)


def test_a_real_worker_on_a_real_redis_runs_the_tasks(worker: Path, config_file: Path) -> None:
    settings = config.load(environ={"SAMPLE_CONFIG": str(config_file)})
    db.setup(settings.db)  # the same SQLite file the worker uses
    note = NotesController().create("Report", "one two three")
    app = make_celery()
    try:
        # The task waits in Redis until the worker is up: get() is the readiness poll, with a deadline.
        assert app.send_task("batch.ping.ping").get(timeout=60) == "pong", worker.read_text()
        assert app.send_task("batch.notes.count_words", args=[note["id"]]).get(timeout=30) == 3
    finally:
        app.close()
    assert NotesController().get(note["id"])["words"] == 3
