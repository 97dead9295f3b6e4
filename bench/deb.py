"""deb benchmark on the sample app: `deploytool deb` against a plain `dpkg-deb --build` of the same tree.

Run as root: `python bench/deb.py [--runs N] [--role master]`. Builds the sample app once (nspawn, a
cache hit on a warm machine) into a scratch cache seeded from yours, then times, as medians of N runs:
the real CLI with and without lintian, per compression (xz, the default, and zstd); a plain
`dpkg-deb --root-owner-group --build` of the very tree the CLI packs (unpacked from its .deb with
`dpkg-deb -R`); and lintian alone. Writes bench/results/deb.json and prints a Markdown table. Speeds
are reported, never asserted; what is asserted is that the plain build of the same tree gives the
same bytes (so the comparison is like for like).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_app"
RESULTS = ROOT / "bench" / "results" / "deb.json"
SEED_PARTS = ("wheels", "env", "lib", "plans", "locks")
EPOCH = "315532800"


def copy_app(dest: Path) -> Path:
    names = subprocess.run(["git", "-C", str(SAMPLE), "ls-files", "-z"], capture_output=True, check=True)
    for name in filter(None, (n.decode() for n in names.stdout.split(b"\0"))):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE / name, dest / name)
    return dest


def run(argv: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"$ {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc.stdout


def timed(runs: int, step: Callable[[int], object]) -> tuple[float, list[float]]:
    seconds = []
    for i in range(runs):
        started = time.perf_counter()
        step(i)
        seconds.append(round(time.perf_counter() - started, 3))
    return statistics.median(seconds), seconds


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Runs per case (lintian cases: 1 + runs // 2).")
    parser.add_argument("--role", default="master")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="deb-bench-", dir="/var/tmp"))
    try:
        report = bench(work, args.runs, args.role)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print_table(report)


def bench(work: Path, runs: int, role: str) -> dict[str, Any]:
    cache = work / "cache"
    cache.mkdir()
    from deploytool.build.cache import default_root

    for part in SEED_PARTS:
        if (default_root() / part).is_dir():
            shutil.copytree(default_root() / part, cache / part, copy_function=os.link)
    env = {**os.environ, "DEPLOYTOOL_CACHE": str(cache), "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    app = copy_app(work / "sample_app")
    cli = [sys.executable, "-m", "deploytool", "-C", str(app)]
    built = json.loads(run([*cli, "--json", "build", "--builder", "nspawn"], env).splitlines()[0])
    release = built["release_id"]

    def deb(out: str, *options: str) -> dict[str, Any]:
        argv = [
            *cli,
            "--json",
            "deb",
            "--role",
            role,
            "--release",
            release,
            "--out",
            str(work / out),
            *options,
        ]
        result: dict[str, Any] = json.loads(run(argv, env).splitlines()[-1])
        return result

    cases: dict[str, Any] = {}
    results: dict[str, dict[str, Any]] = {}
    lint_runs = 1 + runs // 2
    for name, options, n in (
        ("deploytool deb (xz, lintian)", (), lint_runs),
        ("deploytool deb --no-lintian (xz)", ("--no-lintian",), runs),
        ("deploytool deb --no-lintian --compression zstd", ("--no-lintian", "--compression", "zstd"), runs),
    ):

        def step(i: int, name: str = name, options: tuple[str, ...] = options) -> None:
            results[name] = deb(f"{name}-{i}", *options)

        median, each = timed(n, step)
        cases[name] = {"median_s": median, "runs_s": each, "size": results[name]["size"]}
    os.environ["DEPLOYTOOL_CACHE"] = str(cache)  # the library call reads the same cache
    sys.path.insert(0, str(ROOT))
    from deploytool.config import load_project
    from deploytool.deb import package

    project = load_project(app)
    median, each = timed(
        runs,
        lambda i: package.build(
            project, role=role, release=release, out=work / f"lib-{i}", lint=False, compression="zstd"
        ),
    )
    cases["library call, no lintian, zstd (no interpreter start)"] = {"median_s": median, "runs_s": each}
    xz = Path(results["deploytool deb --no-lintian (xz)"]["path"])
    tree = work / "tree"
    subprocess.run(["dpkg-deb", "-R", str(xz), str(tree)], check=True)
    plain_env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    for compression in ("xz", "zstd"):
        name = f"plain dpkg-deb -Z{compression} (same tree)"
        out = work / f"plain-{compression}.deb"
        argv = ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(tree), str(out)]

        def plain_build(i: int, argv: list[str] = argv) -> None:
            run(argv, plain_env)

        median, each = timed(runs, plain_build)
        cases[name] = {"median_s": median, "runs_s": each, "size": out.stat().st_size}
    assert sha(work / "plain-xz.deb") == sha(xz), "the plain build of the same tree must give the same bytes"
    median, each = timed(
        lint_runs, lambda i: run(["lintian", "--allow-root", "--fail-on", "error,warning", str(xz)], env)
    )
    cases["lintian alone"] = {"median_s": median, "runs_s": each}
    files = sum(1 for p in tree.rglob("*") if p.is_file() and "DEBIAN" not in p.parts)
    fields = run(["dpkg-deb", "-f", str(xz), "Installed-Size"], env).split(":")[-1].strip()
    # zstd takes compression (xz: ~95% of the time, and noisy on a shared machine) out of the comparison
    ours = cases["deploytool deb --no-lintian --compression zstd"]
    plain = cases["plain dpkg-deb -Zzstd (same tree)"]
    xz_ours, xz_plain = cases["deploytool deb --no-lintian (xz)"], cases["plain dpkg-deb -Zxz (same tree)"]
    return {
        "release": release,
        "role": role,
        "package": xz.name,
        "files": files,
        "installed_kib": int(fields),
        "cases": cases,
        "overhead_s": round(ours["median_s"] - plain["median_s"], 3),
        "ratio_vs_plain": round(ours["median_s"] / plain["median_s"], 2),
        "xz_ratio_vs_plain": round(xz_ours["median_s"] / xz_plain["median_s"], 2),
        "reproducible": len({r["sha256"] for k, r in results.items() if "zstd" not in k}) == 1,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()[0]},
    }


def print_table(report: dict[str, Any]) -> None:
    print(
        f"deb bench: {report['package']} ({report['files']} files, {report['installed_kib']} KiB installed)\n"
    )
    print("| case | median s | runs s | .deb size |\n|---|---:|---|---:|")
    for name, case in report["cases"].items():
        size = f"{case['size'] / 1e6:.1f} MB" if "size" in case else ""
        print(
            f"| {name} | {case['median_s']:.2f} | {', '.join(f'{s:.2f}' for s in case['runs_s'])} | {size} |"
        )
    print(
        f"\ndeploytool deb vs plain dpkg-deb of the same tree (zstd, no lintian): {report['ratio_vs_plain']}x "
        f"(+{report['overhead_s']:.2f} s, interpreter start included); with xz: "
        f"{report['xz_ratio_vs_plain']}x; builds byte-identical: {report['reproducible']}"
    )


if __name__ == "__main__":
    main()
