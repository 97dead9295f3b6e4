"""Push benchmark: deploytool against the floor (plain parallel rsync + one ssh per host), same run.

Run as root: `python bench/push.py [--hosts 3,10] [--repeats 3]`. For each fleet size it brings up a
systemd fleet of its own (`bench<N>`), builds the sample app (release A) and a one-file change (B) with
the nspawn builder, then times, alternating deploytool and the floor:
- cold: hosts without any release or env (units already installed);
- one file changed: A -> B;
- nothing changed: B -> B (the floor for this is one parallel `ssh host true`).
The floor does the same work a hand-written script would: rsync env and release (content checksums,
--link-dest to the previous release), then one ssh per host that switches `current`, restarts the web
service and checks /health. Writes bench/results/push.json and prints a Markdown table of medians and
ratios. Timings are reported, never asserted.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_app"
RESULTS = ROOT / "bench" / "results" / "push.json"
sys.path.insert(0, str(ROOT))

from deploytool.fleet import Fleet, FleetSpec  # noqa: E402
from deploytool.release import bundle as bundle_mod  # noqa: E402
from deploytool.remote import shell  # noqa: E402

APP_ROOT = "/srv/sample"
ENV = {**os.environ, "CI": "true", "SAMPLE_SECRET_KEY": "bench-secret"}


def dt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "deploytool", "-C", str(project), *args]
    proc = subprocess.run(
        argv, capture_output=True, text=True, env=ENV, stdin=subprocess.DEVNULL, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc


def copy_app(dest: Path) -> Path:
    names = subprocess.run(
        ["git", "-C", str(SAMPLE), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    for name in filter(None, (n.decode() for n in names.split(b"\0"))):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE / name, dest / name)
    return dest


def build(project: Path) -> str:
    dt(project, "build", "--builder", "nspawn")
    return bundle_mod.load(APP_ROOT, "sample", app_dir=project).release_id


class Floor:
    """What a careful hand-written script does, with the same ssh trust settings as the fleet."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.ssh = ["ssh", "-F", str(fleet.ssh_config)]

    def _each(self, step: Callable[[str], None]) -> None:
        names = [h.name for h in self.fleet.hosts]
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            list(pool.map(step, names))

    def _rsync(self, host: str, src: Path, dest: str, link: str | None) -> None:
        argv = ["rsync", "-a", "--checksum", "--whole-file", "--rsh", shell.join(self.ssh)]
        argv += ["--link-dest", link] if link else []
        subprocess.run([*argv, f"{src}/", f"{host}:{dest}/"], check=True, capture_output=True)

    def _switch(self, host: str, release_dir: str) -> None:
        script = shell.sh(
            ["ln", "-sfn", release_dir, f"{APP_ROOT}/current.tmp"],
            ["mv", "-Tf", f"{APP_ROOT}/current.tmp", f"{APP_ROOT}/current"],
            ["sudo", "-n", "systemctl", "restart", "sample-web.service"],
            [
                "curl",
                "-fsS",
                "--retry",
                "30",
                "--retry-connrefused",
                "--retry-delay",
                "1",
                "http://127.0.0.1:8000/health",
            ],
        )
        subprocess.run([*self.ssh, host, shell.join(script)], check=True, capture_output=True)

    def deploy(self, bundle: bundle_mod.Bundle, name: str, link: str | None) -> None:
        def one(host: str) -> None:
            self._rsync(host, bundle.env_tree, f"{APP_ROOT}/envs/{bundle.env_hash}", None)
            self._rsync(host, bundle.release_tree, f"{APP_ROOT}/releases/{name}", link)
            self._switch(host, f"releases/{name}")

        self._each(one)

    def round_trip(self) -> None:
        self._each(lambda host: subprocess.run([*self.ssh, host, "true"], check=True))


def wipe(fleet: Fleet) -> None:
    """Hosts back to 'units installed, no release': what a cold push meets."""
    for host in fleet.hosts:
        fleet.ssh(
            host.name,
            "sudo",
            "sh",
            "-c",
            f"systemctl stop sample-web.service sample-web.socket sample-worker.service 2>/dev/null; rm -rf {APP_ROOT}/releases/* {APP_ROOT}/envs/* {APP_ROOT}/current",
        )


def timed(action: Callable[..., object]) -> float:
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def bench_size(n: int, repeats: int, work: Path) -> dict[str, Any]:
    fleet = Fleet.up(FleetSpec.make(name=f"bench{n}", roles=f"master=1,shard={n - 1}"), recreate=True)
    try:
        project = copy_app(work / f"app{n}")
        fleet.write_project(project)
        a = build(project)
        (project / "views" / "index.tpl").write_text(
            (project / "views" / "index.tpl").read_text() + "\n<!-- B -->\n"
        )
        b = build(project)
        bundle_a = bundle_mod.load(APP_ROOT, "sample", a)
        bundle_b = bundle_mod.load(APP_ROOT, "sample", b)
        floor = Floor(fleet)
        dt(project, "push", "--yes", "--release", a)  # installs units and the service user (not timed)
        times: dict[str, list[float]] = {k: [] for k in ("cold", "one_file", "nothing")}
        floors: dict[str, list[float]] = {k: [] for k in times}
        for i in range(repeats):
            wipe(fleet)
            times["cold"].append(timed(lambda: dt(project, "push", "--yes", "--release", a)))
            wipe(fleet)
            floors["cold"].append(timed(lambda: floor.deploy(bundle_a, a, None)))
            dt(project, "push", "--yes", "--release", a)  # A on every host, as deploytool knows it
            times["one_file"].append(timed(lambda: dt(project, "push", "--yes", "--release", b)))
            times["nothing"].append(timed(lambda: dt(project, "push", "--yes", "--release", b)))
            floors["one_file"].append(timed(lambda i=i: floor.deploy(bundle_b, f"{b}-floor{i}", f"../{a}")))
            floors["nothing"].append(timed(floor.round_trip))
        rows = {}
        for case in times:
            ours, base = statistics.median(times[case]), statistics.median(floors[case])
            rows[case] = {"deploytool_s": round(ours, 3), "floor_s": round(base, 3), "ratio": round(ours / base, 2),
                          "deploytool_runs": times[case], "floor_runs": floors[case]}  # fmt: skip
        return rows
    finally:
        fleet.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="3,10", help="fleet sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": platform.node(), "cpus": os.cpu_count(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        for n in (int(x) for x in args.hosts.split(",")):
            results["sizes"][str(n)] = bench_size(n, args.repeats, Path(tmp))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print("| hosts | case | deploytool (s) | floor (s) | ratio |\n|---|---|---|---|---|")
    for n, rows in results["sizes"].items():
        for case, row in rows.items():
            print(
                f"| {n} | {case} | {row['deploytool_s']:.2f} | {row['floor_s']:.2f} | {row['ratio']:.2f}x |"
            )


if __name__ == "__main__":
    main()
