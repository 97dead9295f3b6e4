"""The one build above every builder: plan, then make each missing part (lib, app, env), then the manifest.

A part whose hash is already in the cache is not made again; with every part cached, no builder starts.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploytool.build import artifact, box
from deploytool.build.builders.base import Builder, CommandFailed, Mount
from deploytool.build.cache import PARTS, ArtifactCache, Part, write_json
from deploytool.build.manifest import make as make_manifest
from deploytool.build.manifest import now
from deploytool.build.plan import BuildInputs, Plan, make_plan
from deploytool.build.progress import NullProgress, Progress
from deploytool.build.target import Target
from deploytool.errors import BuildError, UsageError

GUEST_WHEELS = "/var/tmp/deploytool/wheels"
BuilderFactory = Callable[[str, Target, Path, Progress], Builder]
# Called with a part and its facts before the part is stored: a rebuild refuses one that differs.
PartCheck = Callable[[Part, dict[str, Any]], None]
_FAILED_PKG = re.compile(
    r"(?:Building wheel for|Failed to build|Running setup.py install for) ([A-Za-z0-9_.\-]+)"
)
_OUTPUT_BLOCK = re.compile(r"\[\d+ lines? of output\]\n(.*?)\n\s*\[end of output\]", re.S)
_ERROR_LINE = re.compile(r"\berror\b", re.I)
_COMPILER_ERROR = re.compile(r":\d+(?::\d+)?: (?:fatal )?error: ")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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


def compiler_tail(output: str, count: int = 3) -> str:
    """The compiler's last error lines of a failed package build (else any error lines), on one line."""
    text = _ANSI.sub("", output)
    blocks = _OUTPUT_BLOCK.findall(text)
    lines = [ln.strip() for ln in (blocks[-1] if blocks else text).splitlines() if ln.strip()]
    compiler = [ln for ln in lines if _COMPILER_ERROR.search(ln)]
    picked = compiler or [ln for ln in lines if _ERROR_LINE.search(ln)] or lines
    return " | ".join(picked[-count:])


def _store(
    cache: ArtifactCache, part: Part, h: str, tmp: Path, facts: dict[str, Any], check: PartCheck | None
) -> None:
    if check is not None:
        check(part, facts)
    cache.store(part, h, tmp, facts)


def _stage_wheels(plan: Plan, cache: ArtifactCache, dest: Path) -> None:
    """Only the files env needs, hard-linked from the wheelhouse, and the env lock."""
    dest.mkdir(parents=True)
    for name in sorted({e.dist.filename for e in plan.split.of("env")} | set(plan.build_files)):
        os.link(cache.wheelhouse / name, dest / name)
    (dest / "env-lock.txt").write_text(plan.env_lock().text())


def build_env(
    plan: Plan,
    cache: ArtifactCache,
    builder: Builder,
    progress: Progress,
    log: Path,
    check: PartCheck | None = None,
) -> dict[str, Any]:
    """Compile env in `builder` at its install path, check it for leftover paths, store it."""
    from deploytool.build import relocate  # only when building: a cache hit stays fast to start

    started = time.monotonic()
    install_path = plan.install_path
    env_vars = {
        "SOURCE_DATE_EPOCH": str(artifact.source_date_epoch()),
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_COLOR": "1",
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
                    f"{what} in the {builder.name} build machine: {compiler_tail(exc.output)}",
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
            built_at=now(),
            seconds=round(time.monotonic() - started, 1),
        )
        _store(cache, "env", plan.env_hash, tmp, facts, check)
    return facts


def build_lib(plan: Plan, cache: ArtifactCache, check: PartCheck | None = None) -> dict[str, Any]:
    """Vendor the pure packages into lib/ and store its tarball."""
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
            "built_at": now(),
            "packages": [f"{e.name}=={e.version}" for e in plan.split.of("lib")],
        }
        _store(cache, "lib", plan.lib_hash, tmp, facts, check)
    return facts


def build_app(plan: Plan, cache: ArtifactCache, check: PartCheck | None = None) -> dict[str, Any]:
    """Pack the app's tracked files and store the tarball."""
    with cache.workdir("app") as work:
        tmp = work / "app.tar.gz"
        sha = artifact.write_tarball(tmp, plan.inputs.app_dir, files=plan.app_files)
        facts = {"sha256": sha, "size": tmp.stat().st_size, "files": len(plan.app_files), "built_at": now()}
        _store(cache, "app", plan.app_hash, tmp, facts, check)
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


def make_parts(
    plan: Plan,
    cache: ArtifactCache,
    parts: Sequence[Part],
    progress: Progress,
    builder_factory: BuilderFactory = make_builder,
    check: PartCheck | None = None,
) -> None:
    """Make `parts` of the plan's release; the builder is made ready first, so bad input touches nothing."""
    builder, log = None, cache.root / "logs" / f"env-{plan.env_hash}.log"
    if "env" in parts:
        log.parent.mkdir(parents=True, exist_ok=True)
        builder = builder_factory(plan.inputs.builder, plan.target, log, progress)
        builder.preflight()
        log.write_text("")
    if "lib" in parts:
        with progress.step(f"vendoring {len(plan.split.of('lib'))} pure packages into lib/"):
            build_lib(plan, cache, check)
    _check_lib_collisions(plan, cache.facts("lib", plan.lib_hash))
    if "app" in parts:
        with progress.step(f"packing {len(plan.app_files)} app files"):
            build_app(plan, cache, check)
    if builder is not None:
        build_env(plan, cache, builder, progress, log, check)


def build(
    inputs: BuildInputs,
    cache: ArtifactCache | None = None,
    progress: Progress | None = None,
    builder_factory: BuilderFactory = make_builder,
    force: bool = False,
) -> BuildResult:
    """Plan, then make the parts not in the cache and write the manifest; unchanged inputs do nothing."""
    cache = cache or ArtifactCache()
    progress = progress or NullProgress()
    started = now()
    with cache.lock():
        plan = make_plan(inputs, cache, progress, force=force)
        path = cache.manifest_path(plan.release_id)
        missing = [p for p in PARTS if force or not cache.has(p, plan.hashes()[p])]
        if not missing and path.is_file():
            os.utime(path)  # the newest release of the app is the one built last (push, prune)
            cache.record_build(inputs.app_dir, plan.release_id)
            progress.note(f"release {plan.release_id}: unchanged inputs, nothing to build (cache hit)")
            return BuildResult(plan.release_id, cache.manifest(plan.release_id) or {}, path, [], plan)
        make_parts(plan, cache, missing, progress, builder_factory)
        manifest = make_manifest(plan, cache, started)
        write_json(path, manifest)
        cache.record_build(inputs.app_dir, plan.release_id)
    progress.note(f"release {plan.release_id}: built {', '.join(missing) or 'its manifest'}")
    return BuildResult(plan.release_id, manifest, path, missing, plan)
