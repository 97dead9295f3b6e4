"""The project side of a fleet: `etc/hosts.json`, the host entries a project's config merges in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploytool.errors import FleetError
from deploytool.fleet import keys
from deploytool.fleet.state import FleetState

MARKER = "written by deploytool fleet up"


def hosts_json(state: FleetState, app_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """etc/hosts.json for a fleet: the ssh settings and one entry per host with its roles.

    An app whose config has `redis.url` (the sample app's Celery broker) gets it pointed at the
    fleet's first master, since the other hosts cannot reach a master's loopback.
    """
    extra: dict[str, Any] = {}
    masters = [h for h in state.hosts if "master" in h.roles]
    redis = (app_config or {}).get("redis")
    if masters and isinstance(redis, dict) and "url" in redis:
        extra["redis"] = {"url": f"redis://{masters[0].address}:6379/0"}
    return {
        **extra,
        "//": f"{MARKER} (fleet {state.name!r}); `deploytool fleet down --name {state.name}` removes it",
        "deploy": {
            "ssh": {
                "user": keys.USER,
                "identity": str(state.client_key),
                "known_hosts": str(state.known_hosts),
            },
            "hosts": {h.name: {"address": h.address, "roles": list(h.roles)} for h in state.hosts},
        },
    }


def ours(path: Path, fleet: str | None = None) -> bool:
    """True if `path` is a hosts.json that `fleet up` wrote (for `fleet`, when given)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    note = str(data.get("//", "")) if isinstance(data, dict) else ""
    return note.startswith(MARKER) and (fleet is None or f"(fleet {fleet!r})" in note)


def target(project: Path) -> Path:
    return project / "etc" / "hosts.json"


def write(state: FleetState, project: Path) -> Path:
    """Write PROJECT/etc/hosts.json; refuse to replace one that a person wrote."""
    path = check(project)
    tmp = path.with_suffix(".json.tmp")
    try:
        app_config = json.loads((project / "etc" / "config.json").read_text())
    except (OSError, ValueError):
        app_config = None
    tmp.write_text(
        json.dumps(hosts_json(state, app_config if isinstance(app_config, dict) else None), indent=2) + "\n"
    )
    tmp.replace(path)
    resolved = str(path.resolve())
    if resolved not in state.project_files:
        state.project_files.append(resolved)
    return path


def check(project: Path) -> Path:
    """PROJECT/etc/hosts.json if `fleet up` may write it: a project, and no hosts.json a person wrote."""
    if not (project / "etc" / "config.json").is_file():
        raise FleetError(
            f"{project} is not a deploytool project (no etc/config.json)",
            hint="pass --project DIR of an app, e.g. --project sample_app",
        )
    path = target(project)
    if path.exists() and not ours(path):
        raise FleetError(
            f"{path} exists and was not written by `deploytool fleet up`", hint="move it away first"
        )
    return path


def remove(state: FleetState) -> list[str]:
    """Remove every hosts.json this fleet wrote that still carries the marker."""
    removed = []
    for name in state.project_files:
        path = Path(name)
        if ours(path, state.name):
            path.unlink()
            removed.append(name)
    return removed
