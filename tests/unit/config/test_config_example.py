"""The shipped example is strict JSON, loads as a project, and documents every key of the schema."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from deploytool.config import load_project
from deploytool.config.example import example_text
from deploytool.config.schema import (
    Batch,
    Build,
    Celery,
    Deploy,
    Gunicorn,
    Health,
    Host,
    Redis,
    Role,
    Ssh,
    Uwsgi,
)


def test_the_example_is_strict_json_with_comment_keys() -> None:
    data = json.loads(example_text())
    assert any(key.startswith("//") for key in data)
    assert any(key.startswith("//") for key in data["deploy"])


def test_the_example_loads_and_every_role_and_host_view_validates(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "config.json").write_text(example_text())
    project = load_project(tmp_path)
    scopes = [scope for scope, _ in project.check_all()]
    assert scopes == ["config", "role master", "role shard", "host h1", "host h2", "host h3"]
    assert project.base.db.engine == "sqlite"
    assert not any("//" in key for key in project.provenance())


def test_the_example_mentions_every_key_of_the_deploy_schema() -> None:
    text = example_text()
    models: list[type[BaseModel]] = [
        Deploy,
        Ssh,
        Batch,
        Health,
        Build,
        Gunicorn,
        Uwsgi,
        Celery,
        Redis,
        Role,
        Host,
    ]
    missing = [
        f"{m.__name__}.{name}"
        for m in models
        for name in m.model_fields
        if f'"{name}"' not in text and f'"// {name}"' not in text
    ]
    assert missing == []
