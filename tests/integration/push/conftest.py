"""What every push test needs: the sample app built once per session in a few variants, the CLI run
as a real subprocess, and read-only looks at the hosts (health over HTTP, files and units over ssh).

`kit` (session) is the one entry point; see `PushKit`. Releases are built lazily, once per session,
into the tests' own artifact cache (seeded by hard links from the user's cache and kept between
sessions), so a warm machine builds nothing. Pushes always name their release (`--release`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deploytool.build.cache import default_root
from deploytool.fleet import Fleet

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "sample_app"
APP_ROOT = "/srv/sample"
WEB_PORT = 8000
# Every host in one batch: for pushes whose subject is not batching (about half the time of the
# project's own canary-then-batches, which the canary and rollback-on-failure tests use).
ONE_BATCH = ("deploy.batch.canary=0", "deploy.batch.size=10")
# The web server each role runs with the sample app's own config (etc/shard.json: uwsgi).
DEFAULT_WEB = {"master": "gunicorn", "shard": "uwsgi-core"}
UNITS = {"master": ("sample-web", "sample-worker", "sample-redis"), "shard": ("sample-web", "sample-worker")}
# Parts of the user's cache that make a build of the sample app a cache hit (everything but app/ and
# the unpacked stage/ trees, which are cheap to make again).
SEED_PARTS = ("wheels", "env", "lib", "plans", "locks")
# Runtime data of the running app: changes by itself, so it is left out of "nothing changed" snapshots.
LIVE_PATHS = (f"{APP_ROOT}/shared/data", f"{APP_ROOT}/shared/redis", f"{APP_ROOT}/shared/log")


def artifact_cache() -> Path:
    """The artifact cache of these tests: $DEPLOYTOOL_TEST_CACHE, else a sibling of the user's cache.

    Its own folder, so nothing the user does to their cache (e.g. `artifacts prune`) pulls a release
    from under a running session; kept between sessions, so a second run builds nothing.
    """
    explicit = os.environ.get("DEPLOYTOOL_TEST_CACHE")
    user = default_root()
    path = Path(explicit) if explicit else user.with_name(f"{user.name}-push-tests")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    """An edit of one file of the app copy; fails loudly if the sample app no longer has `old`."""

    def edit(app: Path) -> None:
        path = app / rel
        text = path.read_text()
        assert old in text, f"variant edit: {rel} no longer contains {old!r}"
        path.write_text(text.replace(old, new, 1))

    return edit


def _append(rel: str, tail: str) -> Callable[[Path], None]:
    def edit(app: Path) -> None:
        with (app / rel).open("a") as f:
            f.write(tail)

    return edit


HEALTH_FAILS = "    if not healthy:\n        response.status = 503\n"
# name -> (edits of the app copy, extra --set for the build)
VARIANTS: dict[str, tuple[tuple[Callable[[Path], None], ...], tuple[str, ...]]] = {
    "A": ((), ()),
    # one file changed (a template), nothing else
    "B": ((_append("views/index.tpl", "<!-- release B: one changed file -->\n"),), ()),
    # /health answers 500 everywhere
    "broken": (
        (_replace("routes/health.py", HEALTH_FAILS, "    response.status = 500  # broken on purpose\n"),),
        (),
    ),
    # /health answers 503 on h3 only (APP_HOST comes from the env file deploytool writes)
    "broken_on_h3": (
        (
            _replace(
                "routes/health.py",
                HEALTH_FAILS,
                '    if not healthy or os.environ.get("APP_HOST") == "h3":\n        response.status = 503\n',
            ),
        ),
        (),
    ),
    # the same app with a different env (bottle moved from lib/ into env): a new env hash
    "newenv": ((), ("deploy.build.overrides.bottle=env",)),
}


@dataclass(repr=False)
class Run:
    """One finished CLI run: exit code, stdout, stderr; JSON helpers for --json runs."""

    argv: list[str]
    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        items = []
        for line in self.out.splitlines():
            line = line.strip()
            if line.startswith("{") or line.startswith("["):
                try:
                    items.append(json.loads(line))
                except ValueError:
                    continue
        return items

    @property
    def result(self) -> Any:
        """The final result: the last JSON document on stdout."""
        lines = self.json_lines()
        assert lines, f"no JSON on stdout\n{self}"
        return lines[-1]

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [
            e for e in self.json_lines() if isinstance(e, dict) and (kind is None or e.get("event") == kind)
        ]

    @property
    def deploy_id(self) -> str | None:
        for item in self.json_lines():
            if isinstance(item, dict) and item.get("deploy_id"):
                return str(item["deploy_id"])
        return None

    def __repr__(self) -> str:  # what an assertion message shows
        return str(self)

    def __str__(self) -> str:
        """The error line first (pytest -q keeps only the start of a message), then everything."""
        errors = [line for line in self.err.splitlines() if line.startswith("error:")]
        head = f"exit {self.code}: {errors[-1][:700] if errors else '(no error line)'}"
        return (
            f"{head}\n$ {' '.join(self.argv[2:])}\n--- stderr\n{self.err[-4000:]}"
            f"\n--- stdout\n{self.out[-3000:]}"
        )


class PushKit:
    """The sample app, its builds, the CLI and the hosts, for one test session."""

    ONE_BATCH = ONE_BATCH

    def __init__(self, fleet: Fleet, root: Path) -> None:
        self.fleet = fleet
        self.root = root
        self.cache = artifact_cache()
        self.secret = f"sk-{uuid.uuid4().hex}"
        self.env = {
            **os.environ,
            "DEPLOYTOOL_CACHE": str(self.cache),
            "SAMPLE_SECRET_KEY": self.secret,
            "CI": "true",
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        self._releases: dict[str, str] = {}
        self._project: Path | None = None
        self._seed_cache()

    # ---- the app and its builds
    def _seed_cache(self) -> None:
        """Hard-link what the user's cache has and ours lacks (parts are content-addressed: safe)."""
        user = default_root()

        def link(src: str, dst: str) -> None:
            if not os.path.lexists(dst):
                os.link(src, dst)

        for part in SEED_PARTS:
            if (user / part).is_dir() and user != self.cache:
                shutil.copytree(user / part, self.cache / part, copy_function=link, dirs_exist_ok=True)

    def copy_app(self, dest: Path) -> Path:
        """The sample app's tracked files (never etc/hosts.json, which `fleet up` writes) under dest."""
        proc = subprocess.run(
            ["git", "-C", str(SAMPLE), "ls-files", "-z", "--", "."], capture_output=True, check=False
        )
        names = [n.decode() for n in proc.stdout.split(b"\0") if n] if proc.returncode == 0 else []
        if not names:
            names = [
                str(p.relative_to(SAMPLE))
                for p in SAMPLE.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.name != "hosts.json"
            ]
        for name in names:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(SAMPLE / name, target)
        return dest

    def release(self, variant: str) -> str:
        """The release id of a variant of the sample app, built (nspawn) the first time it is asked for."""
        if variant not in self._releases:
            edits, sets = VARIANTS[variant]
            app = self.copy_app(self.root / "build" / variant / "sample_app")
            for edit in edits:
                edit(app)
            run = self.dt("build", "--builder", "nspawn", project=app, json=True, sets=sets, timeout=900)
            assert run.code == 0, f"building variant {variant}\n{run}"
            rid = next(e["release_id"] for e in run.json_lines() if isinstance(e, dict) and "release_id" in e)
            self._releases[variant] = str(rid)
        return self._releases[variant]

    def project(self) -> Path:
        """The project pushes run in: a copy of the sample app with this fleet's etc/hosts.json."""
        if self._project is None:
            self._project = self.copy_app(self.root / "project" / "sample_app")
            self.fleet.write_project(self._project)
        return self._project

    # ---- the CLI
    def argv(
        self, *args: str, project: Path | None = None, json: bool = False, sets: Sequence[str] = ()
    ) -> list[str]:
        head = [sys.executable, "-m", "deploytool", "-C", str(project or self.project())]
        if json:
            head.append("--json")
        for item in sets:
            head += ["--set", item]
        return [*head, *args]

    def dt(
        self,
        *args: str,
        project: Path | None = None,
        json: bool = False,
        sets: Sequence[str] = (),
        timeout: float = 300,
    ) -> Run:
        """`python -m deploytool -C PROJECT [--json] [--set ...] ARGS`, no stdin, CI=true."""
        argv = self.argv(*args, project=project, json=json, sets=sets)
        proc = subprocess.run(
            argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        return Run(argv, proc.returncode, proc.stdout, proc.stderr)

    def popen(self, *args: str, json: bool = True, sets: Sequence[str] = ()) -> subprocess.Popen[str]:
        """The CLI started in its own process group (so a test can kill it and its ssh/rsync children)."""
        return subprocess.Popen(
            self.argv(*args, json=json, sets=sets),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=self.root,
            start_new_session=True,
        )

    def push(self, variant: str, *args: str, sets: Sequence[str] = (), timeout: float = 300) -> Run:
        """`push --yes --json --release ID ARGS` of a variant."""
        return self.dt(
            "push", "--yes", "--release", self.release(variant), *args, json=True, sets=sets, timeout=timeout
        )

    def deploy(self, variant: str, *alternatives: str) -> str:
        """Set up a known state: every host on one variant with the project's own config, healthy,
        unlocked. Returns which: one of `alternatives` if the hosts are settled on it, else `variant`.

        Not the thing under test, so it is quick: nothing when the hosts are in such a state already,
        else one push to all hosts in a single batch. If that push fails (an earlier test left a host
        broken or locked), the hosts are wiped and it is pushed once more.
        """
        for candidate in (variant, *alternatives):
            if self.settled(self.release(candidate)):
                return candidate
        run = self.push(variant, sets=ONE_BATCH)
        if run.code != 0:
            self.wipe()
            run = self.push(variant, sets=ONE_BATCH)
        assert run.code == 0, f"setting up: every host on {variant}\n{run}"
        return variant

    @staticmethod
    def other(variant: str) -> str:
        """A and B are the two good releases; tests switch from whichever the hosts run to the other."""
        return {"A": "B", "B": "A"}[variant]

    def keep(self, variant: str, then: str) -> None:
        """Every host keeps `variant` (pushed once if some host lacks it), then runs `then`."""
        release = self.release(variant)
        if not all(self.ssh(h, f"test -d {APP_ROOT}/releases/{release}").returncode == 0 for h in self.hosts):
            self.deploy(variant)
        self.deploy(then)

    def settled(self, release: str) -> bool:
        """Every host serves `release` with the project's own web recipe, all units active, no lock."""

        def ok(host: str) -> bool:
            if self.serving(host) != release:
                return False
            recipe = DEFAULT_WEB[self.fleet.host(host).roles[0]]
            units = " ".join(f"{u}.service" for u in self.units(host))
            script = (
                f"systemctl show -p ExecStart --value sample-web.service | grep -q -- {recipe} && "
                f"systemctl is-active -q {units} && test ! -e {APP_ROOT}/.deploytool/lock && "
                f'test "$(readlink {APP_ROOT}/current)" = releases/{release}'
            )
            return self.ssh(host, script).returncode == 0

        with ThreadPoolExecutor(len(self.hosts)) as pool:
            return all(pool.map(ok, self.hosts))

    def wipe(self) -> None:
        """Every host back to freshly made: no /srv/sample, no units, no lock."""
        self.fleet.reset(wipe=True)

    def fresh(self) -> None:
        """Every host as if never deployed to (wiped unless that is so already: a new fleet is)."""
        if any(
            self.ssh(h, f"test -e {APP_ROOT} || ls /etc/systemd/system/sample-*").returncode == 0
            for h in self.hosts
        ):
            self.wipe()

    # ---- the hosts
    @property
    def hosts(self) -> list[str]:
        return [h.name for h in self.fleet.hosts]

    def role_hosts(self, role: str) -> list[str]:
        return [h.name for h in self.fleet.hosts if role in h.roles]

    def units(self, host: str) -> tuple[str, ...]:
        roles = self.fleet.host(host).roles
        return tuple(dict.fromkeys(u for r in roles for u in UNITS[r]))

    def ssh(self, host: str, script: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return self.fleet.ssh(host, script=script, timeout=timeout)

    def must(self, host: str, script: str) -> str:
        proc = self.ssh(host, script)
        assert proc.returncode == 0, f"{host}: {script!r} exited {proc.returncode}: {proc.stderr}"
        return proc.stdout

    def health(self, host: str, timeout: float = 5) -> dict[str, Any] | None:
        """GET /health on the host's address from this machine: its JSON plus "_status"; None if no answer."""
        url = f"http://{self.fleet.host(host).address}:{WEB_PORT}/health"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=timeout) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except OSError:
            return None
        try:
            data = json.loads(body)
        except ValueError:
            data = {"body": body[:200].decode("utf-8", "replace")}
        return {"_status": status, **(data if isinstance(data, dict) else {"body": data})}

    def serving(self, host: str) -> str | None:
        """The release id the host's web service answers /health with (status 200), else None."""
        h = self.health(host)
        return str(h.get("release")) if h and h["_status"] == 200 else None

    def current(self, host: str) -> str | None:
        link = self.ssh(host, f"readlink {APP_ROOT}/current").stdout.strip()
        return link.rsplit("/", 1)[-1] if link else None

    def main_pids(self, host: str, units: Iterable[str] | None = None) -> dict[str, str]:
        names = list(units or self.units(host))
        out = self.must(host, "systemctl show -p MainPID --value " + " ".join(f"{u}.service" for u in names))
        return dict(zip(names, out.split(), strict=True))

    def exec_start(self, host: str, unit: str) -> str:
        return self.must(host, f"systemctl show -p ExecStart --value {unit}.service")

    def journal(self, host: str) -> list[dict[str, Any]]:
        out = self.ssh(host, f"sudo cat {APP_ROOT}/.deploytool/journal.jsonl").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def lock_note(self, host: str) -> dict[str, Any] | None:
        proc = self.ssh(host, f"cat {APP_ROOT}/.deploytool/lock/holder.json")
        return json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else None

    def write_lock(self, host: str, note: dict[str, Any]) -> None:
        """A lock left by someone else (as the deploy user, as a push would make it)."""
        path = f"{APP_ROOT}/.deploytool/lock"
        proc = subprocess.run(
            self.fleet.ssh_argv(
                host, script=f"mkdir -p {APP_ROOT}/.deploytool && mkdir {path} && cat > {path}/holder.json"
            ),
            input=json.dumps(note),
            text=True,
            capture_output=True,
            timeout=30,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr

    def forget(self, release: str) -> None:
        """Make `release` new to every host again (an earlier test may have left it kept there):
        its tree goes, and its env too unless the current release uses it."""
        for host in self.hosts:
            assert self.current(host) != release, f"{host} runs {release}"
            self.must(
                host,
                f"r={APP_ROOT}/releases/{release}; e=$(readlink -f $r/env 2>/dev/null); "
                f'c=$(readlink -f {APP_ROOT}/current/env); rm -rf "$r"; '
                'if [ -n "$e" ] && [ "$e" != "$c" ]; then rm -rf "$e"; fi',
            )

    def drop_locks(self) -> None:
        for host in self.hosts:
            self.ssh(host, f"sudo rm -rf {APP_ROOT}/.deploytool/lock")

    @staticmethod
    def diff(before: dict[str, str], after: dict[str, str]) -> str:
        """The snapshot lines that differ, per host (for assertion messages)."""
        out = []
        for host in before:
            old, new = set(before[host].splitlines()), set(after.get(host, "").splitlines())
            out += [f"{host} - {line}" for line in sorted(old - new)]
            out += [f"{host} + {line}" for line in sorted(new - old)]
        return "\n".join(out[:60])

    def snapshot(self) -> dict[str, str]:
        """Per host: every path under /srv and the unit folder (size, mtime, link target), and the
        sample units' main PIDs. Equal snapshots: nothing was touched (runtime data left out)."""
        prune = " -o ".join(f"-path {p}" for p in LIVE_PATHS)
        script = (
            f"sudo find /srv /etc/systemd/system \\( {prune} \\) -prune -o -printf '%p %s %T@ %l\\n' | sort; "
            "systemctl show -p Id -p MainPID -p ActiveState sample-web.service sample-worker.service "
            "sample-redis.service sample-web.socket"
        )
        return {h: self.must(h, script) for h in self.hosts}


@pytest.fixture(scope="session")
def kit(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> PushKit:
    return PushKit(fleet, tmp_path_factory.mktemp("push"))
