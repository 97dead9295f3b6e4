"""Helpers of the real-build tests: a cache seeded with a plan, and running a built env in the root."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from deploytool.build.artifact import extract
from deploytool.build.cache import ArtifactCache
from deploytool.build.plan import BuildInputs


def planned_cache(seed: ArtifactCache, dest: Path) -> ArtifactCache:
    for folder in ("wheels", "locks", "plans"):
        shutil.copytree(seed.root / folder, dest / folder, copy_function=os.link)
    return ArtifactCache(dest)


def run_env_python(
    root: Path, manifest: dict[str, object], cache: ArtifactCache, code: str, work: Path
) -> str:
    """Unpack env at its install path and the release (app + lib/) beside it in the bookworm root; run
    env's python there, in the release folder."""
    parts = manifest["parts"]
    assert isinstance(parts, dict)
    env_dir, release = work / "env", work / "release"
    env_dir.mkdir(parents=True)
    release.mkdir(parents=True)
    extract(cache.root / parts["env"]["file"], env_dir)
    for part in ("lib", "app"):
        extract(cache.root / parts[part]["file"], release)
    install = parts["env"]["install_path"]
    root_of = install.rsplit("/envs/", 1)[0]
    argv = [
        "systemd-nspawn",
        "--quiet",
        f"--directory={root}",
        "--register=no",
        "--keep-unit",
        "--volatile=overlay",
        "--private-network",
        f"--bind-ro={env_dir}:{install}",
        f"--bind-ro={release}:{root_of}/releases/r1",
        f"--setenv=PYTHONPATH={root_of}/releases/r1/lib",
        f"--chdir={root_of}/releases/r1",
        "--",
        f"{install}/bin/python",
        "-c",
        code,
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


SAMPLE_APP = Path(__file__).resolve().parents[3] / "sample_app"


def sample_inputs(builder: str) -> BuildInputs:
    """The bundled sample app as `deploytool -C sample_app build` sees it."""
    return BuildInputs(
        app="sample",
        root="/srv/sample",
        app_dir=SAMPLE_APP,
        requirements_file=SAMPLE_APP / "requirements.txt",
        builder=builder,
    )
