"""Downloading the locked files pip would install on the target (hash-checked) and classifying them.

Files land in a shared wheelhouse; an sdist is built here once to learn whether it is pure.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from deploytool.build.lock import Lock, index_args, index_env, one_line
from deploytool.build.split import Dest, Dist, is_pure_wheel
from deploytool.build.target import Target
from deploytool.errors import BuildError, UsageError

# pip's own fallback for an sdist without [build-system] (pip < 24 adds `wheel`, which is harmless).
DEFAULT_BUILD_REQUIRES = ("setuptools>=40.8.0", "wheel")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dist_name(filename: str) -> str:
    if filename.endswith(".whl"):
        return str(parse_wheel_filename(filename)[0])
    return str(parse_sdist_filename(filename)[0])


def pip_download(lock: Lock, options: Sequence[str], index_url: str, wheelhouse: Path) -> dict[str, Path]:
    """pip download every package of `lock` (no deps, hashes required) into the wheelhouse."""
    if not lock.packages:
        return {}
    wheelhouse.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=wheelhouse, prefix=".dl-") as tmp:
        req = Path(tmp) / "lock.txt"
        req.write_text(lock.text())
        out = Path(tmp) / "files"
        argv = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--require-hashes",
            "--quiet",
            *index_args(index_url),
            "-r",
            str(req),
            "-d",
            str(out),
            *options,
        ]
        proc = subprocess.run(argv, capture_output=True, text=True, env=index_env(), check=False)
        if proc.returncode != 0:
            raise BuildError(f"downloading the locked packages failed: {one_line(proc.stderr)}")
        found: dict[str, Path] = {}
        for file in sorted(out.iterdir()):
            dest = wheelhouse / file.name
            file.replace(dest)
            found[str(canonicalize_name(dist_name(file.name)))] = dest
    return found


def classify_sdist(sdist: Path, index_url: str, built_dir: Path) -> Dist:
    """Build the sdist here once: a pure wheel means lib/, anything else (or a failure) means env."""
    digest = sha256_file(sdist)
    name, version = parse_sdist_filename(sdist.name)
    cache = built_dir / digest
    if not cache.is_dir():
        tmp = Path(tempfile.mkdtemp(dir=built_dir.parent, prefix=".build-"))
        argv = [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            *index_args(index_url),
            "-w",
            str(tmp),
            str(sdist),
        ]
        proc = subprocess.run(argv, capture_output=True, text=True, env=index_env(), check=False)
        wheels = sorted(tmp.glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            (tmp / "failed").write_text(proc.stderr[-4000:])
        built_dir.mkdir(parents=True, exist_ok=True)
        tmp.replace(cache)
    wheels = sorted(cache.glob("*.whl"))
    common = {"name": str(name), "version": str(version), "filename": sdist.name, "sha256": digest}
    if not wheels:
        return Dist(**common, pure=False, note="sdist did not build here: built in the build machine")
    if is_pure_wheel(wheels[0].name):
        # The built wheel is ours, not the index's: it lives beside the other files.
        shutil.copy2(wheels[0], sdist.parent / wheels[0].name)
        return Dist(**common, pure=True, built=wheels[0].name, built_sha256=sha256_file(wheels[0]))
    return Dist(**common, pure=False, note="sdist with compiled code")


def fetch(
    lock: Lock, target: Target, index_url: str, wheelhouse: Path, overrides: Mapping[str, Dest]
) -> list[Dist]:
    """The file pip picks on the target for every locked package, classified pure or compiled."""
    files = pip_download(lock, target.pip_args(), index_url, wheelhouse)
    missing = sorted({p.name for p in lock.packages} - set(files))
    if missing:
        raise BuildError(f"pip downloaded no file for: {', '.join(missing)}")
    want_pure = [
        n
        for n, d in overrides.items()
        if d == "lib" and n in files and not (files[n].name.endswith(".whl") and is_pure_wheel(files[n].name))
    ]
    if want_pure:
        try:
            files.update(pip_download(lock.subset(want_pure), target.pure_pip_args(), index_url, wheelhouse))
        except BuildError as exc:
            raise UsageError(
                f"overridden into lib/ but no pure wheel exists: {', '.join(want_pure)}",
                hint="remove the override: compiled code must be built into env",
            ) from exc
    dists = []
    for name in sorted(files):
        path = files[name]
        if path.name.endswith(".whl"):
            _, version, _, _ = parse_wheel_filename(path.name)
            dists.append(Dist(name, str(version), path.name, sha256_file(path), is_pure_wheel(path.name)))
        else:
            dists.append(classify_sdist(path, index_url, wheelhouse / ".built"))
    return dists


def build_requires(sdist: Path) -> list[str]:
    """The [build-system] requires of an sdist, or pip's fallback for setup.py-only projects."""
    data: bytes | None = None
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as zf:
            names = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith("/pyproject.toml")]
            data = zf.read(names[0]) if names else None
    else:
        with tarfile.open(sdist) as tf:
            members = [
                m for m in tf.getmembers() if m.name.count("/") == 1 and m.name.endswith("/pyproject.toml")
            ]
            f = tf.extractfile(members[0]) if members else None
            data = f.read() if f else None
    if data is None:
        return list(DEFAULT_BUILD_REQUIRES)
    system = tomllib.loads(data.decode()).get("build-system", {})
    requires = system.get("requires")
    return [str(r) for r in requires] if isinstance(requires, list) else list(DEFAULT_BUILD_REQUIRES)
