"""The local artifact cache: part tarballs by hash, their facts, release manifests, locks and files.

Every write goes to a temporary name and is renamed into place, so a failed build leaves nothing
half-written; a part counts as present only when its facts file (written last) is there.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

Part = Literal["env", "lib", "app"]
PARTS: tuple[Part, ...] = ("env", "lib", "app")


def default_root() -> Path:
    explicit = os.environ.get("DEPLOYTOOL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deploytool" / "artifacts"


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True, default=str)
        f.write("\n")
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class ArtifactCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()

    @property
    def wheelhouse(self) -> Path:
        return self.root / "wheels"

    def tarball(self, part: Part, h: str) -> Path:
        return self.root / part / f"{h}.tar.gz"

    def facts_path(self, part: Part, h: str) -> Path:
        return self.root / part / f"{h}.json"

    def has(self, part: Part, h: str) -> bool:
        return self.facts_path(part, h).is_file() and self.tarball(part, h).is_file()

    def facts(self, part: Part, h: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.facts_path(part, h).read_text())
        return data

    def store(self, part: Part, h: str, tarball: Path, facts: dict[str, Any]) -> None:
        """Move a finished tarball in, then its facts (the marker that the part is complete)."""
        dest = self.tarball(part, h)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tarball, dest)
        write_json(self.facts_path(part, h), facts)

    def manifest_path(self, release: str) -> Path:
        return self.root / "releases" / f"{release}.json"

    def manifest(self, release: str) -> dict[str, Any] | None:
        path = self.manifest_path(release)
        if not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    def lock_path(self, key: str) -> Path:
        return self.root / "locks" / f"{key}.txt"

    def plan_path(self, key: str) -> Path:
        return self.root / "plans" / f"{key}.json"

    @contextmanager
    def workdir(self, label: str) -> Iterator[Path]:
        """A scratch folder inside the cache (same filesystem: renames are atomic), always removed."""
        base = self.root / ".work"
        base.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(dir=base, prefix=f"{label}-"))
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)
