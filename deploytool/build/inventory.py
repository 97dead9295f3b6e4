"""What the artifact cache holds (its releases and their parts) and pruning it to the newest releases.

A part is removed facts first (it stops counting), then its tarball: a part is never half there.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from deploytool.build.cache import PARTS, ArtifactCache, Part


@dataclass(frozen=True)
class PartInfo:
    hash: str
    size: int
    present: bool


@dataclass(frozen=True)
class Release:
    id: str
    app: str
    created: str  # when it was first built (the manifest's finish time)
    last_built: float  # the manifest's mtime: a cache-hit build renews it
    builder: str | None
    parts: dict[Part, PartInfo]

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "app": self.app,
            "created": self.created,
            "last_built": datetime.fromtimestamp(self.last_built, UTC).isoformat(timespec="seconds"),
            "builder": self.builder,
            "size": self.size,
            "parts": {
                k: {"hash": v.hash, "size": v.size, "present": v.present} for k, v in self.parts.items()
            },
        }


def _release(cache: ArtifactCache, rid: str) -> Release | None:
    path = cache.manifest_path(rid)
    try:
        data = json.loads(path.read_text())
        stamp = path.stat().st_mtime
        parts = {}
        for part in PARTS:
            h = data["parts"][part]["hash"]
            present = cache.has(part, h)
            size = cache.size(part, h) if present else int(data["parts"][part].get("size", 0))
            parts[part] = PartInfo(h, size, present)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable or foreign: neither listed nor pruned
    created = str(data.get("timestamps", {}).get("finished", ""))
    return Release(rid, str(data.get("app", "?")), created, stamp, data.get("builder"), parts)


def releases(cache: ArtifactCache, app: str | None = None) -> list[Release]:
    """The cached releases (of `app`, or all), the most recently built first."""
    found = [r for r in (_release(cache, rid) for rid in cache.release_ids()) if r is not None]
    chosen = [r for r in found if app is None or r.app == app]
    return sorted(chosen, key=lambda r: (-r.last_built, r.id))


@dataclass(frozen=True)
class Pruning:
    kept: list[Release]
    removed: list[Release]
    parts: list[tuple[Part, str, int]]  # (part, hash, bytes) that no kept release references

    @property
    def freed(self) -> int:
        return sum(size for _, _, size in self.parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kept": [r.id for r in self.kept],
            "removed": [r.id for r in self.removed],
            "parts": [{"part": p, "hash": h, "size": s} for p, h, s in self.parts],
            "freed": self.freed,
        }


def plan_prune(cache: ArtifactCache, keep: int) -> Pruning:
    """Keep the `keep` most recently built releases of each app; every other part goes."""
    by_app: dict[str, list[Release]] = defaultdict(list)
    for release in releases(cache):
        by_app[release.app].append(release)
    kept = [r for app in sorted(by_app) for r in by_app[app][:keep]]
    removed = [r for app in sorted(by_app) for r in by_app[app][keep:]]
    used = {(part, info.hash) for r in kept for part, info in r.parts.items()}
    unused = [
        (part, h, cache.size(part, h)) for part in PARTS for h in cache.hashes(part) if (part, h) not in used
    ]
    return Pruning(kept, removed, unused)


def prune(cache: ArtifactCache, keep: int, dry_run: bool = False) -> Pruning:
    """Remove old manifests, then the parts only they used; waits for no build (fails if one runs)."""
    if not cache.root.is_dir():
        return Pruning([], [], [])
    with cache.lock(exclusive=True):
        plan = plan_prune(cache, keep)
        if not dry_run:
            for release in plan.removed:
                cache.manifest_path(release.id).unlink(missing_ok=True)
            for part, h, _ in plan.parts:
                cache.remove_part(part, h)
    return plan
