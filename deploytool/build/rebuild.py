"""`build --from-manifest`: rebuild a past release from the inputs its manifest records, and verify it.

Hashes are checked before any work (a changed app or recipe is named), then each rebuilt part's bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploytool.build import artifact, box, manifest
from deploytool.build.cache import PARTS, ArtifactCache, Part, write_json
from deploytool.build.fetch import sha256_file
from deploytool.build.lock import parse_lock
from deploytool.build.pipeline import BuilderFactory, PartCheck, make_builder, make_parts
from deploytool.build.plan import ENV_STEPS_VERSION, BuildInputs, Pinned, Plan, make_plan
from deploytool.build.progress import NullProgress, Progress
from deploytool.errors import BuildError, UsageError


@dataclass(frozen=True)
class RebuildResult:
    release_id: str
    manifest: dict[str, Any]
    manifest_path: Path  # the release's manifest in the cache
    rebuilt: list[Part]  # parts made again (the others were in the cache and checked)


def inputs_from(data: Mapping[str, Any], builder: str | None = None) -> BuildInputs:
    given = data["inputs"]
    return BuildInputs(
        app=given["app"],
        root=given["root"],
        app_dir=Path(given["app_dir"]),
        requirements_file=Path(given.get("requirements_file", "requirements.txt")),
        python=given["python"],
        distro=given["distro"],
        builder=builder or given["builder"],
        overrides=dict(given.get("overrides", {})),
        index_url=given.get("index_url", "https://pypi.org/simple"),
    )


def _changed_files(recorded: Mapping[str, str], now: Mapping[str, str]) -> str:
    changed = sorted(f for f in recorded.keys() & now.keys() if recorded[f] != now[f])
    groups = [
        ("changed", changed),
        ("missing", sorted(recorded.keys() - now.keys())),
        ("new", sorted(now.keys() - recorded.keys())),
    ]
    shown = [
        f"{label} {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}"
        for label, names in groups
        if names
    ]
    return "; ".join(shown)


def check_app(data: Mapping[str, Any], plan: Plan) -> None:
    """The app's tracked files must be the ones the release was built from; else say which differ."""
    want, inputs = data["parts"]["app"]["hash"], data["inputs"]
    detail = ""
    if isinstance(inputs.get("app_files"), dict):  # which files differ, not only whether
        now = artifact.file_digests(plan.inputs.app_dir, plan.app_files)
        if now == inputs["app_files"]:
            return  # the files are the release's: a different hash is check_hashes' to report
        detail = f": {_changed_files(inputs['app_files'], now)}"
    elif plan.app_hash == want:
        return
    commit = inputs.get("app_commit")
    raise BuildError(
        f"the app's tracked files in {plan.inputs.app_dir} no longer match release {data['release_id']} "
        f"(app hash {want} recorded, {plan.app_hash} now){detail}",
        hint=f"check out the app at commit {commit} and run again"
        if commit
        else "restore the app's files as they were",
    )


def _why_env(data: Mapping[str, Any], plan: Plan) -> str:
    inputs = data["inputs"]
    recipe = {**box.build_recipe(plan.inputs.distro), "steps": ENV_STEPS_VERSION}
    if inputs.get("env_recipe", recipe) != recipe:
        return "this deploytool builds env with another recipe"
    if inputs.get("target", plan.target.as_dict()) != plan.target.as_dict():
        return "the target differs (architecture or glibc)"
    return "its recorded inputs give another hash"


def check_hashes(data: Mapping[str, Any], plan: Plan) -> None:
    """Every part hash and the release id must be what the manifest says."""
    for part in ("app", "lib", "env"):
        want, got = data["parts"][part]["hash"], plan.hashes()[part]
        if want != got:
            why = _why_env(data, plan) if part == "env" else "its recorded inputs give another hash"
            raise BuildError(
                f"{part} hash mismatch for release {data['release_id']}: manifest says {want}, rebuilt {got} ({why})",
                hint="the manifest was edited, or this deploytool hashes differently",
            )
    if data["release_id"] != plan.release_id:
        raise BuildError(
            f"release id mismatch: manifest says {data['release_id']}, its part hashes give {plan.release_id}",
            hint="the manifest was edited, or this deploytool hashes differently",
        )


def _packages_changed(recorded: list[str], now: list[str]) -> str:
    old = dict(p.split("=", 1) for p in recorded)
    new = dict(p.split("=", 1) for p in now)
    diffs = [
        f"{n} {old.get(n, '-')} -> {new.get(n, '-')}"
        for n in sorted(old.keys() | new.keys())
        if old.get(n) != new.get(n)
    ]
    return ", ".join(diffs)


def part_check(data: Mapping[str, Any]) -> PartCheck:
    """A pipeline PartCheck: a rebuilt part's sha256 must be the recorded one."""

    def check(part: Part, facts: dict[str, Any]) -> None:
        recorded = data["parts"][part]
        want = recorded.get("sha256")
        if want is None or facts["sha256"] == want:
            return
        hint = "the part was rebuilt from the same inputs but its bytes differ"
        if part == "env":
            changed = _packages_changed(
                recorded.get("builder_packages", []), facts.get("builder_packages", [])
            )
            if changed:
                hint = f"the build machine's packages changed since: {changed}"
        raise BuildError(
            f"{part} {recorded['hash']} rebuilt with sha256 {facts['sha256'][:16]}, manifest says {want[:16]}",
            hint=hint,
        )

    return check


@contextmanager
def _epoch(value: int) -> Iterator[None]:
    """SOURCE_DATE_EPOCH as the release recorded it, for this rebuild only."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(value)
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def _verify_cached(data: Mapping[str, Any], cache: ArtifactCache, part: Part) -> None:
    h, want = data["parts"][part]["hash"], data["parts"][part].get("sha256")
    got = sha256_file(cache.tarball(part, h))
    if want is not None and got != want:
        raise BuildError(
            f"cached {part} {h} has sha256 {got[:16]}, manifest says {want[:16]}",
            hint="rebuild it: deploytool build --from-manifest ... --force",
        )


def rebuild(
    ref: str,
    cache: ArtifactCache | None = None,
    progress: Progress | None = None,
    builder: str | None = None,
    force: bool = False,
    builder_factory: BuilderFactory = make_builder,
) -> RebuildResult:
    """Rebuild the parts of release `ref` (file or id) missing from the cache (all with `force`); verify all."""
    cache = cache or ArtifactCache()
    progress = progress or NullProgress()
    data, _ = manifest.load(ref, cache)
    inputs = inputs_from(data, builder)
    if not inputs.app_dir.is_dir():
        raise UsageError(
            f"the app folder the release was built from is gone: {inputs.app_dir}",
            hint=f"check out the app there at commit {data['inputs'].get('app_commit') or '(not recorded)'}",
        )
    given = data["inputs"]
    pinned = Pinned(given["requirements"], parse_lock(given["lock"]), parse_lock(given["build_lock"]))
    epoch = int(given.get("source_date_epoch", artifact.source_date_epoch()))
    with cache.lock(), _epoch(epoch):
        plan = make_plan(inputs, cache, progress, pinned=pinned)
        check_app(data, plan)
        check_hashes(data, plan)
        todo: list[Part] = [p for p in PARTS if force or not cache.has(p, plan.hashes()[p])]
        make_parts(plan, cache, todo, progress, builder_factory, part_check(data))
        for part in PARTS:
            if part not in todo:
                _verify_cached(data, cache, part)
        path = cache.manifest_path(plan.release_id)
        if not path.is_file():
            write_json(path, data)  # the release as it was recorded, now listed in the cache again
    progress.note(f"release {plan.release_id}: rebuilt {', '.join(todo) or 'nothing'}; every hash verified")
    return RebuildResult(plan.release_id, dict(data), path, todo)
