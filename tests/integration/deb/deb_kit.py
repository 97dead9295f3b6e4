"""What every deb test needs: the sample app built (nspawn) in two variants, its .debs built by the real
CLI, and one systemd host of its own fleet to install them on with apt.

Releases and packages are made lazily, once per session, in a per-session artifact cache seeded (by
hard links) from the user's cache, so a warm machine builds only the small app part.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploytool.build.cache import default_root
from deploytool.fleet import Fleet

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "sample_app"
SEED_PARTS = ("wheels", "env", "lib", "plans", "locks")
HOST = "h1"
UNITS = ("sample-web.socket", "sample-web.service", "sample-worker.service", "sample-redis.service")
VARIANTS = {
    "A": None,
    # one file changed (a template): a new release, same env
    "B": ("views/index.tpl", "<!-- release B: one changed file -->\n"),
}


@dataclass(repr=False)
class Run:
    argv: list[str]
    code: int
    out: str
    err: str

    @property
    def result(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out.strip().splitlines()[-1])
        return data

    def __repr__(self) -> str:
        return f"$ {shlex.join(self.argv[2:])}\nexit {self.code}\n--- stderr\n{self.err[-3000:]}\n--- stdout\n{self.out[-2000:]}"


class DebKit:
    def __init__(self, fleet: Fleet, root: Path) -> None:
        self.fleet = fleet
        self.root = root
        self.cache = root / "cache"
        self.env = {
            **os.environ,
            "DEPLOYTOOL_CACHE": str(self.cache),
            "CI": "true",
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        self._releases: dict[str, str] = {}
        self._debs: dict[tuple[str, str, tuple[str, ...]], dict[str, Any]] = {}
        self.cache.mkdir(parents=True)
        for part in SEED_PARTS:
            if (default_root() / part).is_dir():
                shutil.copytree(default_root() / part, self.cache / part, copy_function=os.link)
        self.project = self.copy_app(root / "project" / "sample_app")
        fleet.write_project(self.project)  # etc/hosts.json: this fleet's host, redis url

    # ---- the app, its releases and packages
    @staticmethod
    def copy_app(dest: Path) -> Path:
        """The sample app's tracked files (never etc/hosts.json, which `fleet up` writes) under dest."""
        proc = subprocess.run(
            ["git", "-C", str(SAMPLE), "ls-files", "-z", "--", "."], capture_output=True, check=True
        )
        for name in (n.decode() for n in proc.stdout.split(b"\0") if n):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(SAMPLE / name, dest / name)
        return dest

    def dt(self, *args: str, project: Path | None = None, timeout: float = 900) -> Run:
        argv = [sys.executable, "-m", "deploytool", "-C", str(project or self.project), *args]
        proc = subprocess.run(
            argv, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=timeout, check=False, cwd=self.root,
        )  # fmt: skip
        return Run(argv, proc.returncode, proc.stdout, proc.stderr)

    def release(self, variant: str) -> str:
        """The release id of a variant of the sample app, built with the nspawn builder once."""
        if variant not in self._releases:
            app = self.copy_app(self.root / "build" / variant / "sample_app")
            edit = VARIANTS[variant]
            if edit:
                with (app / edit[0]).open("a") as f:
                    f.write(edit[1])
            run = self.dt("--json", "build", "--builder", "nspawn", project=app)
            assert run.code == 0, f"building variant {variant}\n{run}"
            self._releases[variant] = str(run.result["release_id"])
        return self._releases[variant]

    def deb(self, variant: str, role: str = "master", *options: str) -> dict[str, Any]:
        """`deploytool --json deb --role ROLE --release ID OPTIONS` of a variant, built once: its result."""
        key = (variant, role, options)
        if key not in self._debs:
            out = self.root / "debs" / f"{variant}-{role}-{len(self._debs)}"
            run = self.dt(
                "--json",
                "deb",
                "--role",
                role,
                "--release",
                self.release(variant),
                "--out",
                str(out),
                *options,
            )
            assert run.code == 0, f"packaging variant {variant} ({role})\n{run}"
            self._debs[key] = run.result
        return self._debs[key]

    # ---- the host
    def ssh(self, script: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return self.fleet.ssh(HOST, script=script, timeout=timeout)

    def must(self, script: str) -> str:
        proc = self.ssh(script)
        assert proc.returncode == 0, (
            f"{script!r} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
        return proc.stdout

    def upload(self, deb: Path) -> str:
        """Copy a package to the host's /tmp (scp with the fleet's ssh config); its path there."""
        subprocess.run(
            ["scp", "-q", "-F", str(self.fleet.ssh_config), str(deb), f"{HOST}:/tmp/{deb.name}"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return f"/tmp/{deb.name}"

    def apt(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`apt-get -y ARGS` as root on the host, from /tmp (where uploads land)."""
        return self.ssh("cd /tmp && sudo DEBIAN_FRONTEND=noninteractive apt-get -y " + shlex.join(args))

    def install(self, result: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        """`apt-get install ./<name>.deb` of a package the CLI built."""
        path = Path(result["path"])
        self.upload(path)
        return self.apt("install", f"./{path.name}")

    def installed(self, package: str) -> str | None:
        """The installed version of `package`, or None (not installed, or only its conffiles left)."""
        proc = self.ssh(f"dpkg-query -W -f='${{Status}} ${{Version}}' {shlex.quote(package)}")
        status = proc.stdout.split()
        return status[3] if proc.returncode == 0 and status[:3] == ["install", "ok", "installed"] else None

    def ensure(self, result: dict[str, Any]) -> None:
        """This exact package installed and serving (a known starting state, not the thing tested)."""
        if self.installed(result["package"]) != result["version"]:
            self.fleet.reset(wipe=True)
            proc = self.install(result)
            assert proc.returncode == 0, proc.stdout + proc.stderr

    def active(self, *units: str) -> dict[str, str]:
        out = self.ssh("systemctl is-active " + " ".join(units)).stdout.split()
        return dict(zip(units, out, strict=True))

    def main_pids(self, *units: str) -> dict[str, str]:
        out = self.must("systemctl show -p MainPID --value " + " ".join(units)).split()
        return dict(zip(units, out, strict=True))

    def exists(self, path: str) -> bool:
        return (
            self.ssh(f"sudo test -e {shlex.quote(path)} || sudo test -L {shlex.quote(path)}").returncode == 0
        )

    def health(self, timeout: float = 5) -> dict[str, Any] | None:
        """GET /health on the host from this machine: its JSON plus "_status"; None if no answer."""
        url = f"http://{self.fleet.host(HOST).address}:8000/health"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=timeout) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except OSError:
            return None
        try:
            return {"_status": status, **json.loads(body)}
        except ValueError:
            return {"_status": status, "body": body[:200].decode("utf-8", "replace")}

    def serving(self) -> str | None:
        h = self.health()
        return str(h.get("release")) if h and h["_status"] == 200 else None
