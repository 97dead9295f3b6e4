"""Build benchmark on the sample app: cold build, warm rebuild (a cache hit), app-only change.

Run as root: `python bench/build.py [--builder nspawn|vagrant] [--warm-runs N]`. Each case runs the real
CLI (`python -m deploytool --json build`) against a fresh cache folder; warm and app-only are also timed
in-process (the library call, without the interpreter's start). Writes bench/results/build.json and
prints a Markdown table. Speeds are measured and reported against the targets, never asserted; what
each case built is asserted (warm: nothing; app-only: only `app`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_app"
RESULTS = ROOT / "bench" / "results" / "build.json"
WARM_TARGET_S = 0.5


def copy_app(dest: Path) -> Path:
    """The sample app's git-tracked files, copied (so the app-only change never touches the checkout)."""
    names = subprocess.run(
        ["git", "-C", str(SAMPLE), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in names)):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE / name, dest / name)
    return dest


def cli_build(app: Path, cache: Path, builder: str) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """(seconds, the build event, the manifest) of one `deploytool --json build`."""
    env = {**os.environ, "DEPLOYTOOL_CACHE": str(cache), "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "deploytool", "-C", str(app), "--json", "build", "--builder", builder]
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, cwd=ROOT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"build failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    event, manifest = (json.loads(line) for line in proc.stdout.splitlines()[:2])
    assert event["event"] == "build", event
    return seconds, event, manifest


def in_process(app: Path, cache: Path, builder: str, runs: int) -> tuple[list[float], list[list[str]]]:
    """Seconds and parts built of `runs` library builds (plan + cache check), the interpreter already up."""
    sys.path.insert(0, str(ROOT))
    from deploytool.build.cache import ArtifactCache
    from deploytool.build.pipeline import build
    from deploytool.build.plan import BuildInputs

    inputs = BuildInputs(
        app="sample",
        root="/srv/sample",
        app_dir=app,
        requirements_file=app / "requirements.txt",
        builder=builder,
    )
    times, built = [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = build(inputs, ArtifactCache(cache))
        times.append(time.perf_counter() - started)
        built.append(list(result.built))
    return times, built


def run(builder: str, warm_runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="deploytool-bench-") as tmp:
        app, cache = copy_app(Path(tmp) / "app"), Path(tmp) / "cache"
        cold_s, cold_event, cold = cli_build(app, cache, builder)
        assert cold_event["built"] == ["env", "lib", "app"], cold_event

        warm = [cli_build(app, cache, builder) for _ in range(warm_runs)]
        for _, event, manifest in warm:
            assert event["built"] == [], f"a warm rebuild did work: {event}"
            assert manifest == cold, "a warm rebuild changed the manifest"
        warm_lib, warm_built = in_process(app, cache, builder, warm_runs)
        assert warm_built == [[]] * warm_runs

        (app / "app.py").write_text((app / "app.py").read_text() + "# an app-only change\n")
        app_s, app_event, app_manifest = cli_build(app, cache, builder)
        assert app_event["built"] == ["app"], app_event
        for part in ("env", "lib"):
            assert app_manifest["parts"][part]["hash"] == cold["parts"][part]["hash"]
        assert app_manifest["parts"]["app"]["hash"] != cold["parts"]["app"]["hash"]
        (app / "app.py").write_text((app / "app.py").read_text() + "# and another\n")
        app_lib, app_built = in_process(app, cache, builder, 1)
        assert app_built == [["app"]]

    warm_cli = [s for s, _, _ in warm]
    return {
        "builder": builder,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
        },
        "cold": {
            "seconds": round(cold_s, 2),
            "built": cold_event["built"],
            "env_seconds": cold["parts"]["env"]["seconds"],
        },
        "warm": {
            "cli_seconds": [round(s, 3) for s in warm_cli],
            "cli_median": round(statistics.median(warm_cli), 3),
            "library_median": round(statistics.median(warm_lib), 4),
            "built": [],
            "target_seconds": WARM_TARGET_S,
            "cli_meets_target": statistics.median(warm_cli) <= WARM_TARGET_S,
        },
        "app_only": {
            "cli_seconds": round(app_s, 3),
            "library_seconds": round(app_lib[0], 4),
            "built": ["app"],
        },
        "ratios": {
            "cold_over_warm_cli": round(cold_s / statistics.median(warm_cli), 1),
            "cold_over_app_only_cli": round(cold_s / app_s, 1),
        },
    }


def table(r: dict[str, Any]) -> str:
    warm, app, cold = r["warm"], r["app_only"], r["cold"]
    target = f"≤ {warm['target_seconds']} s: {'met' if warm['cli_meets_target'] else 'not met'}"
    rows = [
        "| case | built | CLI wall time | library call | note |",
        "|---|---|---|---|---|",
        f"| cold (fresh cache) | env, lib, app | {cold['seconds']:.1f} s | - | env build {cold['env_seconds']} s ({r['builder']}) |",
        f"| warm rebuild | nothing (cache hit) | {warm['cli_median']:.3f} s (median of {len(warm['cli_seconds'])}) "
        f"| {warm['library_median'] * 1000:.0f} ms | target {target} |",
        f"| app-only change | app | {app['cli_seconds']:.3f} s | {app['library_seconds'] * 1000:.0f} ms | "
        f"cold/app-only = {r['ratios']['cold_over_app_only_cli']}x |",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builder", default="nspawn", choices=["nspawn", "vagrant"])
    parser.add_argument("--warm-runs", type=int, default=5)
    args = parser.parse_args()
    result = run(args.builder, args.warm_runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(table(result))
    print(f"\nresults: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
