"""The local artifact cache: part tarballs by hash, their facts, release manifests, locks and files.

Every write goes to a temporary name and is renamed into place, so a failed build leaves nothing
half-written; a part counts as present only when its facts file (written last) is there.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from deploytool.errors import BuildError

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

    def hashes(self, part: Part) -> list[str]:
        """Every hash of `part` with a file in the cache (complete or not), sorted."""
        folder = self.root / part
        names = {p.name.split(".", 1)[0] for p in folder.glob("*.json")} | {
            p.name.removesuffix(".tar.gz") for p in folder.glob("*.tar.gz")
        }
        return sorted(n for n in names if not n.startswith("."))

    def size(self, part: Part, h: str) -> int:
        path = self.tarball(part, h)
        return path.stat().st_size if path.is_file() else 0

    def remove_part(self, part: Part, h: str) -> None:
        """Facts first, so the part stops counting, then the tarball: never a half-present part."""
        self.facts_path(part, h).unlink(missing_ok=True)
        self.tarball(part, h).unlink(missing_ok=True)
        (self.root / "logs" / f"{part}-{h}.log").unlink(missing_ok=True)

    def release_ids(self) -> list[str]:
        return sorted(p.name.removesuffix(".json") for p in (self.root / "releases").glob("[!.]*.json"))

    @contextmanager
    def lock(self, exclusive: bool = False) -> Iterator[None]:
        """Builds share the cache; prune holds it alone, and gives up at once while a build runs."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
            except BlockingIOError as exc:
                raise BuildError(
                    f"the artifact cache {self.root} is in use by a running build",
                    hint="run this again when the build has finished",
                ) from exc
            yield

    def last_build_path(self, app_dir: Path) -> Path:
        key = hashlib.sha256(str(app_dir.resolve()).encode()).hexdigest()[:16]
        return self.root / "projects" / f"{key}.json"

    def record_build(self, app_dir: Path, release: str) -> None:
        """Remember the release last built from `app_dir` (a cache hit counts): what push ships by default."""
        write_json(self.last_build_path(app_dir), {"app_dir": str(app_dir.resolve()), "release_id": release})

    def last_build(self, app_dir: Path) -> str | None:
        path = self.last_build_path(app_dir)
        if not path.is_file():
            return None
        release = json.loads(path.read_text()).get("release_id")
        return release if isinstance(release, str) and self.manifest_path(release).is_file() else None

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
