"""The release manifest: inputs, hashes, tool versions, builder and times of one build; and reading one back.

It records enough to rebuild the release years later and verify it (rebuild.py).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploytool import __version__
from deploytool.build import artifact, box
from deploytool.build.cache import PARTS, ArtifactCache
from deploytool.build.plan import ENV_STEPS_VERSION, Plan
from deploytool.errors import UsageError

SCHEMA = 1
_RELEASE_ID = re.compile(rf"[0-9a-f]{{{artifact.HASH_LEN}}}")
_INPUTS = ("app", "root", "app_dir", "python", "distro", "builder", "requirements", "lock", "build_lock")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def make(plan: Plan, cache: ArtifactCache, started: str) -> dict[str, Any]:
    """The manifest of the release `plan` describes, whose parts are all in `cache`."""
    from importlib import metadata

    parts = {}
    for part in PARTS:
        h = plan.hashes()[part]
        parts[part] = {
            "hash": h,
            "file": str(cache.tarball(part, h).relative_to(cache.root)),
            **cache.facts(part, h),
        }
    return {
        "schema": SCHEMA,
        "release_id": plan.release_id,
        "app": plan.inputs.app,
        "parts": parts,
        "inputs": {
            **plan.inputs.as_dict(),
            "requirements": plan.requirements,
            "lock": plan.lock.text(),
            "build_lock": plan.build_lock.text(),
            "target": plan.target.as_dict(),
            "env_recipe": {**box.build_recipe(plan.inputs.distro), "steps": ENV_STEPS_VERSION},
            "source_date_epoch": artifact.source_date_epoch(),
            "app_commit": artifact.git_commit(plan.inputs.app_dir),
            "app_files": artifact.file_digests(plan.inputs.app_dir, plan.app_files),
        },
        "split": [
            {
                "name": e.name,
                "version": e.version,
                "dest": e.dest,
                "reason": e.reason,
                "file": e.dist.filename,
                "sha256": e.dist.sha256,
            }
            for e in plan.split.entries
        ],
        "builder": parts["env"].get("builder", {}).get("name"),
        "tools": {
            "deploytool": __version__,
            "python": sys.version.split()[0],
            "pip": metadata.version("pip"),
            "uv": metadata.version("uv"),
        },
        "timestamps": {"started": started, "finished": now()},
    }


def _problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["not a JSON object"]
    missing = [k for k in ("release_id", "app", "parts", "inputs") if k not in data]
    parts, inputs = data.get("parts"), data.get("inputs")
    if isinstance(parts, dict):
        missing += [
            f"parts.{p}.hash" for p in PARTS if not isinstance(parts.get(p), dict) or "hash" not in parts[p]
        ]
    if isinstance(inputs, dict):
        missing += [f"inputs.{k}" for k in _INPUTS if k not in inputs]
    return [f"missing {', '.join(missing)}"] if missing else []


def load(ref: str, cache: ArtifactCache) -> tuple[dict[str, Any], Path]:
    """A manifest from a file path or a release id in the cache; an input error when neither."""
    path = Path(ref)
    if not path.is_file() and _RELEASE_ID.fullmatch(ref) and cache.manifest_path(ref).is_file():
        path = cache.manifest_path(ref)
    if not path.is_file():
        raise UsageError(
            f"no manifest file and no cached release named {ref!r}",
            hint="give a manifest's path, or a release id from `deploytool artifacts list`",
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path}: not a JSON manifest: {exc}") from exc
    problems = _problems(data)
    if problems:
        raise UsageError(f"{path}: not a deploytool release manifest: {problems[0]}")
    result: dict[str, Any] = data
    return result, path
