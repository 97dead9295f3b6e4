"""From a built release in the artifact cache to a Bundle: the trees rsync ships, unpacked once.

The release tree is the app's files + lib/ + RELEASE + `env -> ../../envs/<env-hash>`; the env tree
is the virtualenv. Both are unpacked under the cache's stage/ folder and reused by later pushes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from deploytool.build.artifact import extract
from deploytool.build.cache import ArtifactCache
from deploytool.errors import UsageError
from deploytool.release.plan import Bundle
from deploytool.release.probe import tree_digest

EPOCH = 315532800  # the build's fixed mtime, for the files added here too


def _manifest(cache: ArtifactCache, release_id: str | None, app: str, app_dir: Path | None) -> dict[str, Any]:
    """The named release, or the one last built from `app_dir` (another checkout's builds are not ours)."""
    if release_id is None and app_dir is not None:
        release_id = cache.last_build(app_dir)
        if release_id is None:
            raise UsageError(
                f"nothing built from {app_dir} yet (cache {cache.root})", hint="run `deploytool build` first"
            )
    if release_id is None:
        folder = cache.root / "releases"
        found = (
            [p for p in folder.glob("*.json") if json.loads(p.read_text()).get("app") == app]
            if folder.is_dir()
            else []
        )
        if not found:
            raise UsageError(
                f"no built release of {app!r} in {cache.root}", hint="run `deploytool build` first"
            )
        return dict(json.loads(max(found, key=lambda p: p.stat().st_mtime).read_text()))
    manifest = cache.manifest(release_id)
    if manifest is None:
        raise UsageError(
            f"release {release_id} is not in {cache.root}", hint="see `deploytool artifacts list`"
        )
    return manifest


def load(
    root: str,
    app: str,
    release_id: str | None = None,
    cache: ArtifactCache | None = None,
    app_dir: Path | None = None,
) -> Bundle:
    """The named release, or the newest one built from `app_dir`, unpacked and digested, ready to push."""
    cache = cache or ArtifactCache()
    manifest = _manifest(cache, release_id, app, app_dir)
    rid, parts = manifest["release_id"], manifest["parts"]
    env = parts["env"]
    built_for = env["install_path"].rsplit("/envs/", 1)[0]
    if built_for != root:
        raise UsageError(
            f"release {rid} was built for {built_for} but deploy.root is {root}",
            hint="virtualenvs are not relocatable: run `deploytool build` again for this root",
        )
    stage = cache.root / "stage"
    env_tree = _stage(stage / "envs" / env["hash"], lambda d: extract(cache.root / env["file"], d))

    def fill_release(d: Path) -> None:
        extract(cache.root / parts["app"]["file"], d)
        extract(cache.root / parts["lib"]["file"], d)
        (d / "RELEASE").write_text(rid + "\n")
        os.utime(d / "RELEASE", (EPOCH, EPOCH))
        os.symlink(f"../../envs/{env['hash']}", d / "env")
        if (d / "etc").is_dir() and not (d / "etc" / "hosts.json").exists():
            # the inventory's app keys live on the host (push writes them), not in the release
            os.symlink("../../../shared/etc/hosts.json", d / "etc" / "hosts.json")

    release_tree = _stage(stage / "releases" / rid, fill_release)
    version = env["python"]["version"]
    return Bundle(
        release_id=rid,
        env_hash=env["hash"],
        release_tree=release_tree,
        env_tree=env_tree,
        python=".".join(version.split(".")[:2]),
        abi=env["python"]["abi"],
        glibc=env.get("glibc_required"),
        release_digest=_digest(release_tree),
        env_digest=_digest(env_tree),
    )


def _stage(dest: Path, fill: Any) -> Path:
    """`dest` filled once: built in a temporary sibling and renamed, so a crash leaves no half tree."""
    if dest.is_dir():
        return dest
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        fill(tmp)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _digest(tree: Path) -> str:
    """The tree digest, computed once per staged tree and kept beside it."""
    stamp = tree.with_name(f".{tree.name}.digest")
    if stamp.is_file():
        return stamp.read_text().strip()
    value = tree_digest(tree)
    stamp.write_text(value + "\n")
    return value
