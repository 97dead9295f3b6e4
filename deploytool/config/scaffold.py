"""`deploytool init`: a commented etc/config.json (and role files) for an app in the seed layout."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deploytool.config.example import example_text
from deploytool.config.load import load_project
from deploytool.errors import UsageError


def default_app_name(folder: Path) -> str:
    """A valid app name from a folder name: lowercase, a-z0-9 and '-', starting with a letter."""
    name = re.sub(r"[^a-z0-9-]+", "-", folder.resolve().name.lower()).strip("-")
    name = re.sub(r"^[^a-z]+", "", name)[:31]
    return name or "app"


def config_for(app: str, roles: Sequence[str]) -> dict[str, Any]:
    """The commented example, made this app's: its name, root, user and roles; no hosts yet."""
    data: dict[str, Any] = json.loads(example_text())
    deploy = data["deploy"]
    deploy.update(app=app, root=f"/srv/{app}", run_as=app, hosts={})
    known = deploy["roles"]
    deploy["roles"] = {r: known.get(r, {"services": ["web", "worker"]}) for r in roles}
    return data


def scaffold(project: Path, app: str, roles: Sequence[str], *, force: bool = False) -> list[Path]:
    """Write etc/config.json and etc/<role>.json, validated first; refuse to overwrite unless `force`."""
    if not roles:
        raise UsageError("init needs at least one role", hint="e.g. --role master --role shard")
    etc = project / "etc"
    files = {"config.json": config_for(app, roles)}
    files.update(
        {
            f"{r}.json": {"//": f"Overrides for the hosts of role {r} (merged over config.json)."}
            for r in roles
        }
    )
    existing = [etc / name for name in files if (etc / name).exists()]
    if existing and not force:
        raise UsageError(
            f"{existing[0]} already exists; init writes only new files", hint="pass --force to replace them"
        )
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp)
        (trial / "etc").mkdir()
        for name, data in files.items():
            (trial / "etc" / name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        load_project(trial).check_all()  # what init writes must pass `config check`
        etc.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copyfile(trial / "etc" / name, etc / name)
    return [etc / name for name in files]
