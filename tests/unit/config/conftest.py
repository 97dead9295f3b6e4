"""Small projects written into tmp_path, built from one valid config."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BASE: dict[str, Any] = {
    "db": {"path": "data.db", "pool": {"size": 5, "timeout": 10}},
    "deploy": {
        "app": "demo",
        "keep_releases": 5,
        "ssh": {"user": "deploy"},
        "health": {"service": "web"},
        "services": {
            "web": {"recipe": "gunicorn", "bind": "127.0.0.1:8000", "workers": 2},
            "worker": {"recipe": "celery", "app": "tasks", "queues": ["default", "mail"]},
        },
        "roles": {"master": {"services": ["web", "worker"]}, "shard": {"services": ["web"]}},
        "hosts": {
            "h1": {"address": "198.18.0.11", "roles": ["master"]},
            "h2": {"address": "198.18.0.12", "roles": ["shard"]},
        },
    },
}

MakeProject = Callable[..., Path]


@pytest.fixture
def base() -> dict[str, Any]:
    """A fresh copy of a valid etc/config.json to edit."""
    return copy.deepcopy(BASE)


@pytest.fixture
def make_project(tmp_path: Path, base: dict[str, Any]) -> MakeProject:
    """make_project(config=..., shard={...}, h1="raw text") -> the project folder.

    config defaults to BASE; values are dicts (written as JSON), str or bytes (written as is).
    """

    def make(config: Any = None, **files: Any) -> Path:
        etc = tmp_path / "etc"
        etc.mkdir(exist_ok=True)
        for name, content in {"config": base if config is None else config, **files}.items():
            path = etc / f"{name}.json"
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
        return tmp_path

    return make
