"""Facts about a host in one round trip, and a tree digest computed the same way here and there.

`SCRIPT` is static Python (stdlib only) run by the host's python3; its input is one JSON argv
item, so no value is ever spliced into code. The same source computes digests locally, so both
sides agree by construction.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploytool.remote.shell import Argv

SCRIPT = r'''
import hashlib, json, os, platform, shutil, subprocess, sys, sysconfig

def tree_digest(root):
    """sha256 over every path under root (sorted): kind, relative path, mode bits, content or link target."""
    h = hashlib.sha256()
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = os.path.join(base, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                h.update(b"L\0" + rel.encode() + b"\0" + os.readlink(path).encode() + b"\0")
            elif os.path.isdir(path):
                h.update(b"D\0" + rel.encode() + b"\0")
            else:
                h.update(b"F\0" + rel.encode() + b"\0" + (b"x" if st.st_mode & 0o111 else b"-") + b"\0")
                with open(path, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                h.update(b"\0")
    return h.hexdigest()

def listing(path):
    try:
        return sorted(n for n in os.listdir(path) if not n.startswith("."))
    except OSError:
        return []

def by_age(path):
    """Entries oldest first (mtime), so pruning knows which releases are old."""
    names = listing(path)
    return sorted(names, key=lambda n: (os.lstat(os.path.join(path, n)).st_mtime, n))

def env_of(release_dir):
    try:
        return os.path.basename(os.readlink(os.path.join(release_dir, "env")))
    except OSError:
        return None

def file_text(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None

def active(units):
    if not units:
        return {}
    proc = subprocess.run(["systemctl", "is-active", "--", *units], capture_output=True, text=True)
    states = proc.stdout.split()
    return dict(zip(units, states + ["unknown"] * (len(units) - len(states))))

def sha(path):
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None

def tail(path, n):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.readlines()[-n:]
    except OSError:
        return []

def facts(args):
    root = args["root"]
    glibc = platform.libc_ver()[1] or None
    out = {
        "python": platform.python_version(),
        "abi": sysconfig.get_config_var("SOABI"),
        "glibc": glibc,
        "machine": platform.machine(),
        "root_exists": os.path.isdir(root),
        "current": os.readlink(os.path.join(root, "current")) if os.path.islink(os.path.join(root, "current")) else None,
        "releases": by_age(os.path.join(root, "releases")),
        "envs": listing(os.path.join(root, "envs")),
        "units": {u: file_text(os.path.join("/etc/systemd/system", u)) for u in args.get("units", [])},
        "active": active(args.get("units", [])),
        "sudo": os.geteuid() == 0 or subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0,
        "hashes": {f: sha(f) for f in args.get("files", [])},
        "journal": [line.rstrip("\n") for line in tail(os.path.join(root, ".deploytool", "journal.jsonl"), 20)],
    }
    probe = root if os.path.isdir(root) else os.path.dirname(root.rstrip("/")) or "/"
    while not os.path.isdir(probe):
        probe = os.path.dirname(probe)
    out["release_envs"] = {r: env_of(os.path.join(root, "releases", r)) for r in out["releases"]}
    out["disk_free_kib"] = shutil.disk_usage(probe).free // 1024
    lock = os.path.join(root, ".deploytool", "lock", "holder.json")
    try:
        with open(lock) as fh:
            out["lock"] = json.load(fh)
    except (OSError, ValueError):
        out["lock"] = None
    return out

def digests(args):
    return {p: (tree_digest(p) if os.path.isdir(p) else None) for p in args["paths"]}

def health(args):
    """Poll url until it answers `status` with JSON whose "release" is `release`, or the deadline passes."""
    import time, urllib.error, urllib.request
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + args["timeout"]
    attempts = 0
    while True:
        attempts += 1
        status, body = None, ""
        try:
            with opener.open(args["url"], timeout=max(0.5, min(5.0, deadline - time.monotonic()))) as resp:
                status, body = resp.status, resp.read(65536).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(4096).decode("utf-8", "replace")
        except Exception as exc:
            body = f"{type(exc).__name__}: {exc}"
        release = None
        try:
            release = json.loads(body).get("release")
        except (ValueError, AttributeError):
            pass
        ok = status == args["status"] and (args.get("release") is None or release == args["release"])
        if ok or time.monotonic() >= deadline:
            return {"ok": ok, "status": status, "release": release, "body": body[:300], "attempts": attempts}
        time.sleep(0.2)

if __name__ == "__main__":
    args = json.loads(sys.argv[1])
    print(json.dumps({"facts": facts, "digests": digests, "health": health}[args["op"]](args)))
'''

_local: dict[str, Any] = {}


def _namespace() -> dict[str, Any]:
    if not _local:
        exec(compile(SCRIPT, "<deploytool probe>", "exec"), _local)
    return _local


def tree_digest(path: Path) -> str:
    """The digest the host computes for the same tree (used to verify a staged release)."""
    digest: str = _namespace()["tree_digest"](str(path))
    return digest


def facts_command(
    root: str, units: Sequence[str], files: Sequence[str] = (), python: str = "python3"
) -> Argv:
    """Facts about the host; `files` (e.g. root-only env files) come back as sha256 hashes, never content."""
    args = {"op": "facts", "root": root, "units": list(units), "files": list(files)}
    return [python, "-c", SCRIPT, json.dumps(args)]


def digests_command(paths: Sequence[str], python: str = "python3") -> Argv:
    return [python, "-c", SCRIPT, json.dumps({"op": "digests", "paths": list(paths)})]


def health_command(
    url: str, status: int, release: str | None, timeout: float, python: str = "python3"
) -> Argv:
    """Wait on the host until `url` answers `status` reporting `release` (None: any release)."""
    args = {"op": "health", "url": url, "status": status, "release": release, "timeout": timeout}
    return [python, "-c", SCRIPT, json.dumps(args)]


@dataclass(frozen=True)
class Health:
    ok: bool
    status: int | None
    release: str | None
    body: str
    attempts: int

    def describe(self) -> str:
        if self.status is None:
            return f"no answer ({self.body})"
        return f"HTTP {self.status}, release {self.release!r}"


def parse_health(stdout: str) -> Health:
    data = json.loads(stdout)
    return Health(**{k: data[k] for k in Health.__dataclass_fields__})


@dataclass(frozen=True)
class HostFacts:
    python: str
    abi: str | None
    glibc: str | None
    machine: str
    root_exists: bool
    current: str | None
    releases: list[str] = field(default_factory=list)
    envs: list[str] = field(default_factory=list)
    release_envs: dict[str, str | None] = field(default_factory=dict)
    units: dict[str, str | None] = field(default_factory=dict)  # unit file name -> installed text
    active: dict[str, str] = field(default_factory=dict)  # unit file name -> systemctl is-active
    sudo: bool = False
    disk_free_kib: int = 0
    lock: dict[str, Any] | None = None
    hashes: dict[str, str | None] = field(default_factory=dict)  # path -> sha256 of the file
    journal: list[str] = field(default_factory=list)  # the journal's last lines

    def entries(self) -> list[dict[str, Any]]:
        out = []
        for line in self.journal:
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
        return out

    def previous_release(self) -> str | None:
        """The release before the current one: what the last deploy to `current` came from, else the
        next-newest kept release."""
        current = self.current_release
        for entry in reversed(self.entries()):
            moved = entry.get("from") and entry.get("from") != entry.get("to")
            if entry.get("to") == current and entry.get("result") == "ok" and moved:
                if entry["from"] in self.releases:
                    return str(entry["from"])
                break
        older = [r for r in self.releases if r != current]
        return older[-1] if older else None

    @property
    def current_release(self) -> str | None:
        """The release id `current` points at (`releases/<id>`)."""
        return self.current.rstrip("/").rsplit("/", 1)[-1] if self.current else None


def parse_facts(stdout: str) -> HostFacts:
    data = json.loads(stdout)
    return HostFacts(**{k: data[k] for k in HostFacts.__dataclass_fields__ if k in data})


def parse_digests(stdout: str) -> dict[str, str | None]:
    data: dict[str, str | None] = json.loads(stdout)
    return data


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m deploytool.release.probe DIR
    print(tree_digest(Path(sys.argv[1])))
