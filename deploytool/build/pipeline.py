"""The one build above every builder: plan, then make each missing part (lib, app, env), then the manifest.

A part whose hash is already in the cache is not made again; with every part cached, no builder starts.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploytool import __version__
from deploytool.build import artifact, box
from deploytool.build.builders.base import Builder, CommandFailed, Mount
from deploytool.build.cache import PARTS, ArtifactCache, Part, write_json
from deploytool.build.plan import ENV_STEPS_VERSION, BuildInputs, Plan, make_plan
from deploytool.build.progress import NullProgress, Progress
from deploytool.build.target import Target
from deploytool.errors import BuildError, UsageError

GUEST_WHEELS = "/var/tmp/deploytool/wheels"
BuilderFactory = Callable[[str, Target, Path, Progress], Builder]
_FAILED_PKG = re.compile(
    r"(?:Building wheel for|Failed to build|Running setup.py install for) ([A-Za-z0-9_.\-]+)"
)


@dataclass(frozen=True)
class BuildResult:
    release_id: str
    manifest: dict[str, Any]
    manifest_path: Path
    built: list[Part]  # parts made by this run (empty: a cache hit, no builder started)
    plan: Plan


def make_builder(name: str, target: Target, log: Path, progress: Progress) -> Builder:
    """The builder called `name`, its machine made ready (the nspawn root is built when missing)."""
    if name == "nspawn":
        from deploytool.build.builders.nspawn import NspawnBuilder

        if not box.root_ready(target.distro):
            with progress.step(f"making the {target.distro} build root (once, about a minute)"):
                box.ensure_root(target.distro, progress.line)
        return NspawnBuilder(box.ensure_root(target.distro), log)
    if name == "vagrant":
        from deploytool.build.builders.vagrant import VagrantBuilder

        box_name, box_file = box.box_name(target.distro)
        return VagrantBuilder(box_name, box.cache_base() / "vagrant" / target.distro, box_file, log)
    if name == "ssh":
        raise UsageError(
            "the ssh builder is not available yet", hint="use --builder vagrant or --builder nspawn"
        )
    raise UsageError(f"unknown builder {name!r}", hint="use one of: vagrant, nspawn")


def env_commands(install_path: str, has_packages: bool) -> list[list[str]]:
    """What runs in the build machine: a venv at its final path from the distro's python3, then pip."""
    steps = [["/usr/bin/python3", "-m", "venv", install_path]]
    if has_packages:
        steps.append(
            [
                f"{install_path}/bin/python",
                "-m",
                "pip",
                "install",
                "--no-index",
                "--find-links",
                GUEST_WHEELS,
                "--no-deps",
                "--require-hashes",
                "--use-pep517",
                "-r",
                f"{GUEST_WHEELS}/env-lock.txt",
            ]
        )
    return steps


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _stage_wheels(plan: Plan, cache: ArtifactCache, dest: Path) -> None:
    """Only the files env needs, hard-linked from the wheelhouse, and the env lock."""
    dest.mkdir(parents=True)
    for name in sorted({e.dist.filename for e in plan.split.of("env")} | set(plan.build_files)):
        os.link(cache.wheelhouse / name, dest / name)
    (dest / "env-lock.txt").write_text(plan.env_lock().text())


def build_env(
    plan: Plan, cache: ArtifactCache, builder: Builder, progress: Progress, log: Path
) -> dict[str, Any]:
    from deploytool.build import relocate  # only when building: a cache hit stays fast to start

    started = time.monotonic()
    install_path = plan.install_path
    env_vars = {
        "SOURCE_DATE_EPOCH": str(artifact.source_date_epoch()),
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # No debug info: it names pip's random build folder, making compiled files differ build to build.
        "CFLAGS": "-g0",
        "LC_ALL": "C.UTF-8",
        "HOME": "/root",
        "PYTHONHASHSEED": "0",
    }
    with cache.workdir("env") as work:
        _stage_wheels(plan, cache, work / "wheels")
        (work / "env").mkdir()
        mounts = [Mount(work / "wheels", GUEST_WHEELS), Mount(work / "env", install_path, output=True)]
        with (
            progress.step(f"building env with {builder.name} at {install_path}"),
            builder.session(mounts, progress.line) as session,
        ):
            try:
                for argv in env_commands(install_path, bool(plan.env_lock().packages)):
                    session.run(argv, env_vars)
            except CommandFailed as exc:
                found = _FAILED_PKG.findall(exc.output)
                what = f"{found[-1]} failed to build" if found else "building env failed"
                raise BuildError(
                    f"{what} in the {builder.name} build machine:\n{exc.message.split(':', 1)[-1].strip()}",
                    hint=f"the full output is in {log}",
                ) from exc
            packages = session.run(
                ["dpkg-query", "-W", "-f=${Package}=${Version}\\n", "python3", "libc6", "gcc", "libpq-dev"]
            )
        env_dir = work / "env"
        build_paths = [
            p for p in (str(work), GUEST_WHEELS, str(cache.root)) if not install_path.startswith(p)
        ]
        relocate.check(env_dir, install_path, build_paths)
        facts = relocate.describe(env_dir)
        tmp = work / "env.tar.gz"
        sha = artifact.write_tarball(tmp, env_dir)
        facts.update(
            install_path=install_path,
            sha256=sha,
            size=tmp.stat().st_size,
            builder=builder.describe(),
            builder_packages=sorted(ln for ln in packages.splitlines() if "=" in ln),
            built_at=_now(),
            seconds=round(time.monotonic() - started, 1),
        )
        cache.store("env", plan.env_hash, tmp, facts)
    return facts


def build_lib(plan: Plan, cache: ArtifactCache) -> dict[str, Any]:
    from deploytool.build.vendor import vendor

    with cache.workdir("lib") as work:
        wheels = [cache.wheelhouse / (e.dist.built or e.dist.filename) for e in plan.split.of("lib")]
        lib = vendor(wheels, work)
        tmp = work / "lib.tar.gz"
        sha = artifact.write_tarball(tmp, lib, prefix="lib/")
        top = sorted(p.name for p in lib.iterdir())
        facts = {
            "sha256": sha,
            "size": tmp.stat().st_size,
            "top_level": top,
            "built_at": _now(),
            "packages": [f"{e.name}=={e.version}" for e in plan.split.of("lib")],
        }
        cache.store("lib", plan.lib_hash, tmp, facts)
    return facts


def build_app(plan: Plan, cache: ArtifactCache) -> dict[str, Any]:
    with cache.workdir("app") as work:
        tmp = work / "app.tar.gz"
        sha = artifact.write_tarball(tmp, plan.inputs.app_dir, files=plan.app_files)
        facts = {"sha256": sha, "size": tmp.stat().st_size, "files": len(plan.app_files), "built_at": _now()}
        cache.store("app", plan.app_hash, tmp, facts)
    return facts


def _check_lib_collisions(plan: Plan, lib_facts: dict[str, Any]) -> None:
    vendored = set(lib_facts.get("top_level", []))
    clash = sorted(
        {f.split("/")[1] for f in plan.app_files if f.startswith("lib/") and f.count("/") >= 1} & vendored
    )
    if clash:
        raise BuildError(
            f"the app's own lib/ has {', '.join(clash)}, which a vendored requirement also provides",
            hint="remove the app's copy (the requirement is vendored into lib/ at build time)",
        )


def _manifest(plan: Plan, cache: ArtifactCache, started: str) -> dict[str, Any]:
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
        "schema": 1,
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
        "timestamps": {"started": started, "finished": _now()},
    }


def build(
    inputs: BuildInputs,
    cache: ArtifactCache | None = None,
    progress: Progress | None = None,
    builder_factory: BuilderFactory = make_builder,
    force: bool = False,
) -> BuildResult:
    cache = cache or ArtifactCache()
    progress = progress or NullProgress()
    started = _now()
    plan = make_plan(inputs, cache, progress, force=force)
    path = cache.manifest_path(plan.release_id)
    missing = [p for p in PARTS if force or not cache.has(p, plan.hashes()[p])]
    if not missing and path.is_file():
        progress.note(f"release {plan.release_id}: unchanged inputs, nothing to build (cache hit)")
        return BuildResult(plan.release_id, cache.manifest(plan.release_id) or {}, path, [], plan)
    if "lib" in missing:
        with progress.step(f"vendoring {len(plan.split.of('lib'))} pure packages into lib/"):
            build_lib(plan, cache)
    _check_lib_collisions(plan, cache.facts("lib", plan.lib_hash))
    if "app" in missing:
        with progress.step(f"packing {len(plan.app_files)} app files"):
            build_app(plan, cache)
    if "env" in missing:
        log = cache.root / "logs" / f"env-{plan.env_hash}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        builder = builder_factory(inputs.builder, plan.target, log, progress)
        build_env(plan, cache, builder, progress, log)
    manifest = _manifest(plan, cache, started)
    write_json(path, manifest)
    progress.note(f"release {plan.release_id}: built {', '.join(missing)}")
    return BuildResult(plan.release_id, manifest, path, missing, plan)
