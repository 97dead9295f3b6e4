"""What a build will make, before any builder starts: lock, lib/env split, build deps and the hashes.

Everything here is cached by its inputs, so an unchanged app plans in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploytool.build import artifact, box
from deploytool.build.cache import ArtifactCache, write_json, write_text
from deploytool.build.lock import DEFAULT_INDEX, Lock, lock_key, parse_lock, read_requirements, resolve_text
from deploytool.build.progress import NullProgress, Progress
from deploytool.build.split import Dest, Split, split
from deploytool.build.target import Target
from deploytool.errors import UsageError

# Bump when the commands that build env change (see pipeline.env_commands): it is part of env's hash.
ENV_STEPS_VERSION = 1


@dataclass(frozen=True)
class BuildInputs:
    """What a build needs from the project config (deploy.app, deploy.root, deploy.build.*)."""

    app: str
    root: str  # e.g. /srv/sample: env is built at <root>/envs/<env-hash>
    app_dir: Path
    requirements_file: Path
    python: str = "3.11"
    distro: str = "bookworm"
    builder: str = "vagrant"
    overrides: Mapping[str, Dest] = field(default_factory=dict)
    index_url: str = DEFAULT_INDEX

    def as_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "root": self.root,
            "app_dir": str(self.app_dir),
            "requirements_file": str(self.requirements_file),
            "python": self.python,
            "distro": self.distro,
            "builder": self.builder,
            "overrides": dict(sorted(self.overrides.items())),
            "index_url": self.index_url,
        }


@dataclass(frozen=True)
class Pinned:
    """What a past release recorded: a rebuild uses these instead of resolving again."""

    requirements: str
    lock: Lock
    build_lock: Lock


@dataclass(frozen=True)
class Plan:
    inputs: BuildInputs
    target: Target
    requirements: str
    lock: Lock
    split: Split
    build_lock: Lock  # build requirements of the sdists compiled into env
    build_files: tuple[str, ...]  # their files in the wheelhouse
    app_files: list[str]
    env_hash: str
    lib_hash: str
    app_hash: str
    release_id: str

    @property
    def install_path(self) -> str:
        return f"{self.inputs.root.rstrip('/')}/envs/{self.env_hash}"

    def env_lock(self) -> Lock:
        return self.lock.subset(self.split.names("env"))

    def lib_lock(self) -> Lock:
        return self.lock.subset(self.split.names("lib"))

    def hashes(self) -> dict[str, str]:
        return {"env": self.env_hash, "lib": self.lib_hash, "app": self.app_hash}


def env_recipe(distro: str) -> str:
    return artifact.digest(box.build_recipe(distro), ENV_STEPS_VERSION)


def _resolve(
    requirements: str,
    target: Target,
    inputs: BuildInputs,
    cache: ArtifactCache,
    force: bool,
    progress: Progress,
) -> Lock:
    path = cache.lock_path(lock_key(requirements, target, inputs.index_url))
    if path.is_file() and not force:
        return parse_lock(path.read_text())
    title = f"resolving requirements for Python {target.python} on {target.distro}"
    with progress.step(title), cache.workdir("lock") as work:
        lock = resolve_text(requirements, target, inputs.index_url, work)
    write_text(path, lock.text())
    return lock


def _split(
    lock: Lock,
    target: Target,
    inputs: BuildInputs,
    cache: ArtifactCache,
    force: bool,
    progress: Progress,
    pinned_build: Lock | None = None,
) -> tuple[Split, Lock, list[str]]:
    key = artifact.digest("plan", lock.text(), target.as_dict(), dict(inputs.overrides), inputs.index_url, 1)
    path = cache.plan_path(key)
    if path.is_file() and not force:
        data = json.loads(path.read_text())
        known = Split.from_list(data["split"])
        files = [e.dist.filename for e in known.entries] + data["build_files"]
        same_build = pinned_build is None or pinned_build.text() == parse_lock(data["build_lock"]).text()
        if same_build and all((cache.wheelhouse / f).is_file() for f in files):
            return known, parse_lock(data["build_lock"]), list(data["build_files"])
    from deploytool.build import fetch  # only on a miss: a cache hit never downloads

    with progress.step(f"downloading {len(lock.packages)} locked packages and splitting them"):
        dists = fetch.fetch(lock, target, inputs.index_url, cache.wheelhouse, inputs.overrides)
    result = split(dists, inputs.overrides)
    requires: set[str] = set()
    for entry in result.of("env"):
        if not entry.dist.filename.endswith(".whl"):
            requires.update(fetch.build_requires(cache.wheelhouse / entry.dist.filename))
    build_lock, build_files = Lock(()), list[str]()
    if pinned_build is not None:
        build_lock = pinned_build  # a rebuild uses the recorded build requirements, not today's
    elif requires:
        with cache.workdir("lock") as work:
            build_lock = resolve_text(
                "".join(f"{r}\n" for r in sorted(requires)), target, inputs.index_url, work
            )
    if build_lock.packages:
        got = fetch.pip_download(build_lock, target.pip_args(), inputs.index_url, cache.wheelhouse)
        build_files = sorted(p.name for p in got.values())
    if pinned_build is None or not path.is_file():  # a rebuild never replaces today's plan
        write_json(
            path, {"split": result.as_list(), "build_lock": build_lock.text(), "build_files": build_files}
        )
    return result, build_lock, build_files


def make_plan(
    inputs: BuildInputs,
    cache: ArtifactCache,
    progress: Progress | None = None,
    force: bool = False,
    pinned: Pinned | None = None,
) -> Plan:
    """Lock (or the pinned one), split and hash; `force` resolves and downloads again."""
    progress = progress or NullProgress()
    app_files = artifact.app_files(inputs.app_dir)
    if not app_files:
        raise UsageError(
            f"{inputs.app_dir}: no app files to ship (git tracks none of them)",
            hint="deploytool ships the files git tracks: `git add` the app's files first",
        )
    target = Target.for_distro(inputs.distro, inputs.python)
    if pinned is None:
        requirements = read_requirements(inputs.requirements_file)
        lock = _resolve(requirements, target, inputs, cache, force, progress)
    else:
        requirements, lock = pinned.requirements, pinned.lock
    build_pin = pinned.build_lock if pinned else None
    result, build_lock, build_files = _split(lock, target, inputs, cache, force, progress, build_pin)
    env_lock = lock.subset(result.names("env"))
    env_h = artifact.env_hash(
        env_lock.text(), build_lock.text(), target.as_dict(), env_recipe(inputs.distro), inputs.root
    )
    built = {e.name: e.dist.built_sha256 or "" for e in result.of("lib") if e.dist.built}
    lib_h = artifact.lib_hash(lock.subset(result.names("lib")).text(), built)
    app_h = artifact.app_hash(inputs.app_dir, app_files)
    return Plan(
        inputs,
        target,
        requirements,
        lock,
        result,
        build_lock,
        tuple(build_files),
        app_files,
        env_h,
        lib_h,
        app_h,
        artifact.release_id(env_h, lib_h, app_h),
    )


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    """The plan as `deploytool build --plan --json` shows it."""
    return {
        "release_id": plan.release_id,
        "hashes": plan.hashes(),
        "install_path": plan.install_path,
        "target": plan.target.as_dict(),
        "packages": [
            {
                "name": e.name,
                "version": e.version,
                "dest": e.dest,
                "reason": e.reason,
                "file": e.dist.filename,
            }
            for e in plan.split.entries
        ],
        "build_requirements": [f"{p.name}=={p.version}" for p in plan.build_lock.packages],
        "app_files": len(plan.app_files),
    }
