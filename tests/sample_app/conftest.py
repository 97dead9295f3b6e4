"""Fixtures for sample_app: its folders on sys.path, a throw-away config, a WSGI test client, processes."""

import json
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_app_support import APP_DIR

# As app.py does: the app folder importable, its lib/ first.
sys.path[:0] = [str(APP_DIR / "lib"), str(APP_DIR)]

with warnings.catch_warnings():
    # WebOb 1.8 imports the stdlib `cgi` module, deprecated since Python 3.11; nothing else is ignored.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    import webtest

import config  # noqa: E402
from api import notes  # noqa: E402
from routes import make_app  # noqa: E402

TOKEN = "test-token"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A complete app config whose database and RELEASE file live under tmp_path."""
    data = {
        "app": {"name": "sample", "title": "Test notes", "release_file": str(tmp_path / "RELEASE")},
        "db": {"engine": "sqlite", "path": str(tmp_path / "data" / "sample.db")},
        "redis": {"url": "redis://127.0.0.1:1/0"},
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def settings(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> config.Struct:
    monkeypatch.delenv("SAMPLE_API_TOKEN", raising=False)
    return config.load(environ={"SAMPLE_CONFIG": str(config_file)})


@pytest.fixture
def web(settings: config.Struct, monkeypatch: pytest.MonkeyPatch) -> Iterator[webtest.TestApp]:
    """The whole Bottle app behind WebTest (which also lints every request and response for WSGI)."""
    monkeypatch.setenv("SAMPLE_API_TOKEN", TOKEN)
    notes._forget_cached()  # the route caches live in the module, across tests
    yield webtest.TestApp(make_app())
    notes._forget_cached()


@pytest.fixture
def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app_env(config_file: Path) -> dict[str, str]:
    """The environment for an app process of ours: the test config, nothing from the user's app config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMPLE_", "APP_ROLE", "APP_HOST"))}
    env["SAMPLE_CONFIG"] = str(config_file)
    return env
