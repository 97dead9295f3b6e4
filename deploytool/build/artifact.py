"""The three content hashes (env, lib, app), the release id, and deterministic tarballs.

Same inputs give the same hashes and byte-identical tarballs: sorted entries, fixed mtime, owner 0.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import subprocess
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

HASH_LEN = 16  # hex digits in directory names (envs/<hash>, releases/<id>)
DEFAULT_EPOCH = 315532800  # 1980-01-01: the oldest time zip and every tar reader accept
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".vagrant",
    ".venv",
    "env",
    ".pytest_cache",
    ".mypy_cache",
}


def digest(*parts: Any) -> str:
    """A stable hash of JSON-able parts (dict keys sorted)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:HASH_LEN]


def env_hash(env_lock: str, build_lock: str, target: Mapping[str, str], recipe: str, root: str) -> str:
    """`root` too: env is built at <root>/envs/<hash> and venvs are not relocatable."""
    return digest("env", env_lock, build_lock, dict(target), recipe, root.rstrip("/"))


def lib_hash(lib_lock: str, built: Mapping[str, str]) -> str:
    """The pure lock, plus the sha256 of any wheel built here from a pure sdist."""
    return digest("lib", lib_lock, dict(built))


def release_id(env: str, lib: str, app: str) -> str:
    return digest("release", env, lib, app)


def source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else DEFAULT_EPOCH


def app_files(app_dir: Path) -> list[str]:
    """The app's tracked files (git), relative and sorted; every file but caches outside git."""
    proc = subprocess.run(
        ["git", "-C", str(app_dir), "ls-files", "-z", "--cached", "--", "."], capture_output=True, check=False
    )
    if proc.returncode == 0:
        names = [n.decode() for n in proc.stdout.split(b"\0") if n]
        return sorted(n for n in names if (app_dir / n).is_file() or (app_dir / n).is_symlink())
    found = []
    for dirpath, dirnames, filenames in os.walk(app_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            if not name.endswith((".pyc", ".pyo")):
                found.append(os.path.relpath(os.path.join(dirpath, name), app_dir))
    return sorted(found)


def _file_entry(path: Path) -> tuple[bytes, bytes]:
    """(kind, body) of one app file: a link's target, or the sha256 of a file's content."""
    if path.is_symlink():
        return b"l", os.readlink(path).encode()
    kind = b"x" if path.stat().st_mode & stat.S_IXUSR else b"f"
    return kind, hashlib.sha256(path.read_bytes()).digest()


def tree_hash(root: Path, files: Iterable[str]) -> str:
    """Hash of paths, exec bits and contents (or link targets)."""
    h = hashlib.sha256()
    for rel in sorted(files):
        kind, body = _file_entry(root / rel)
        h.update(rel.encode() + b"\0" + kind + b"\0" + body + b"\0")
    return h.hexdigest()[:HASH_LEN]


def file_digests(root: Path, files: Iterable[str]) -> dict[str, str]:
    """Each file's kind and content hash (`f:`, `x:` or `l:` + hex): what the manifest records of the app."""
    out = {}
    for rel in sorted(files):
        kind, body = _file_entry(root / rel)
        out[rel] = f"{kind.decode()}:{hashlib.sha256(body).hexdigest()[:HASH_LEN]}"
    return out


def git_commit(app_dir: Path) -> str | None:
    """The commit the app's folder is checked out at, or None outside git."""
    proc = subprocess.run(
        ["git", "-C", str(app_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def app_hash(app_dir: Path, files: list[str]) -> str:
    return digest("app", tree_hash(app_dir, files))


def _entries(root: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            out.append(name if rel == "." else f"{rel}/{name}")
    return sorted(out)


def write_tarball(
    dest: Path, root: Path, files: list[str] | None = None, prefix: str = "", mtime: int | None = None
) -> str:
    """A deterministic .tar.gz of `files` (default: everything) under `root`; returns its sha256."""
    mtime = source_date_epoch() if mtime is None else mtime
    names = sorted(files) if files is not None else _entries(root)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with (
        dest.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for rel in names:
            path = root / rel
            info = tarfile.TarInfo(f"{prefix}{rel}")
            info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, os.readlink(path), 0o777
                tar.addfile(info)
            elif stat.S_ISDIR(st.st_mode):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.mode = 0o755 if st.st_mode & stat.S_IXUSR else 0o644
                info.size = st.st_size
                with path.open("rb") as f:
                    tar.addfile(info, f)
    h = hashlib.sha256()
    with dest.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract(tarball: Path, dest: Path) -> None:
    """Unpack one of our tarballs; uses tarfile's "tar" filter where Python has it (>= 3.11.4)."""
    with tarfile.open(tarball) as tar:
        if hasattr(tarfile, "tar_filter"):
            tar.extractall(dest, filter="tar")
        else:  # Debian bookworm's 3.11.2: our own tarballs, built without absolute or .. paths
            tar.extractall(dest)
