"""The steps of a deploy on one host. Each takes a HostRun and raises a DeploytoolError on failure."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from deploytool.errors import DeployLocked, DeploytoolError, RemoteCommandFailed
from deploytool.release import probe
from deploytool.release.lock import Holder
from deploytool.release.plan import Bundle, Layout, Service, Settings, Target
from deploytool.remote import shell
from deploytool.remote.commands import fs, rsync, systemd
from deploytool.remote.runner import Runner
from deploytool.remote.ssh import openssh_options


class PreflightFailed(DeploytoolError):
    """A host cannot take this release; nothing was changed on it."""


class HealthGateFailed(DeploytoolError):
    """A switched host did not report the new release as healthy in time."""


@dataclass
class HostRun:
    """One host during one deploy: what it gets, what preflight saw, what was changed and shipped."""

    target: Target
    runner: Runner
    release: str = ""  # the release this host is switched to
    facts: probe.HostFacts | None = None
    switched: bool = False
    env_shipped: bool = False
    bytes_sent: dict[str, int] = field(default_factory=dict)
    units_changed: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def previous(self) -> str | None:
        """The release `current` pointed at before this deploy."""
        return self.facts.current_release if self.facts else None

    def unit_files(self) -> dict[str, str]:
        return {name: text for svc in self.target.services for name, text in svc.files.items()}

    def probe_units(self) -> list[str]:
        """Every unit a service may have on the host (another recipe may have left a socket)."""
        names = set(self.unit_files())
        for svc in self.target.services:
            names |= {f"{svc.unit}.service", f"{svc.unit}.socket"}
        return sorted(names)

    def stale_units(self) -> list[str]:
        """Units on the host that the services' recipes no longer have (e.g. gunicorn's socket after uwsgi)."""
        assert self.facts is not None
        wanted = self.unit_files()
        return sorted(
            n for n in self.probe_units() if self.facts.units.get(n) is not None and n not in wanted
        )

    @property
    def finished(self) -> bool:
        """The last deploy to `current` completed (a push killed after its switch did not)."""
        assert self.facts is not None
        entries = self.facts.entries()
        last = entries[-1] if entries else None
        return bool(last and last.get("to") == self.facts.current_release and last.get("result") == "ok")

    def host_files(self, layout: Layout) -> dict[str, tuple[bytes, str]]:
        """Files written at switch: path -> (content, mode): env files (0600) and shared files."""
        files = {layout.env_file(s): (c, "0600") for s, c in self.target.env_files.items()}
        files.update({p: (c, "0644") for p, c in self.target.shared_files.items()})
        return files

    def changed_files(self, layout: Layout) -> dict[str, tuple[bytes, str]]:
        assert self.facts is not None
        return {
            path: (data, mode)
            for path, (data, mode) in self.host_files(layout).items()
            if self.facts.hashes.get(path) != hashlib.sha256(data).hexdigest()
        }


def unchanged(run: HostRun, layout: Layout) -> bool:
    """The host already runs run.release with these exact units and files, every service active."""
    facts = run.facts
    assert facts is not None
    units = run.unit_files()
    return (
        facts.current_release == run.release
        and all(facts.units.get(n) == t for n, t in units.items())
        and all(facts.active.get(n) == "active" for n in units)
        and not run.changed_files(layout)
        and not run.stale_units()
        and run.finished
    )


def _sudo(argv: list[str]) -> list[str]:
    return shell.sudo(argv)


def probe_host(run: HostRun, layout: Layout) -> probe.HostFacts:
    """One read-only round trip (through sudo, to hash the root-only env files)."""
    cmd = probe.facts_command(layout.root, run.probe_units(), sorted(run.host_files(layout)))
    result = run.runner.run(_sudo(cmd), check=False)
    if not result.ok:
        if "password" in result.stderr or "sudo" in result.stderr:
            raise PreflightFailed(
                f"{run.name}: user {run.target.endpoint.user} cannot run sudo without a password",
                hint="give the deploy user NOPASSWD sudo (deploytool installs units and runs systemctl)",
            )
        result.check()
    run.facts = probe.parse_facts(result.stdout)
    return run.facts


def preflight(run: HostRun, bundle: Bundle | None, layout: Layout, settings: Settings) -> probe.HostFacts:
    """Read-only: reachable with a known key, sudo, disk, Python ABI and glibc, lock."""
    facts = run.facts if run.facts is not None else probe_host(run, layout)
    problems = []
    if bundle is not None:
        major, minor = facts.python.split(".")[:2]
        if f"{major}.{minor}" != bundle.python or f"cp{major}{minor}" != bundle.abi:
            problems.append(
                f"its python is {facts.python} but the env was built for {bundle.python} ({bundle.abi})"
            )
        if bundle.glibc and not _at_least(facts.glibc, bundle.glibc):
            problems.append(
                f"its glibc is {facts.glibc or 'unknown'} but the env needs glibc >= {bundle.glibc}"
            )
        if facts.disk_free_kib < settings.min_free_kib:
            problems.append(f"only {facts.disk_free_kib // 1024} MiB free under {layout.root}")
    elif run.release not in facts.releases:
        kept = ", ".join(facts.releases) or "none"
        problems.append(f"release {run.release or '(previous)'} is not on the host (kept: {kept})")
    if problems:
        raise PreflightFailed(f"{run.name}: " + "; ".join(problems))
    holder = Holder.parse(facts.lock)
    if facts.lock is not None and settings.lock_wait <= 0 and not (holder and holder.expired()):
        described = holder.describe() if holder else "held (unreadable note)"
        raise DeployLocked(
            f"{run.name}: deploy lock {described}",
            hint=f"wait for it (--lock-wait SECONDS), or if that deploy is dead: deploytool lock release --host {run.name}",
        )
    return facts


def _at_least(have: str | None, need: str) -> bool:
    try:
        return have is not None and Version(have) >= Version(need)
    except InvalidVersion:
        return False


def setup(run: HostRun, layout: Layout, settings: Settings) -> None:
    """Idempotent: the service user and the folders, owned so rsync needs no sudo."""
    user, owner = settings.run_as, run.target.endpoint.user
    add_user = [
        "useradd",
        "--system",
        "--user-group",
        "--home-dir",
        layout.shared,
        "--shell",
        "/usr/sbin/nologin",
        user,
    ]
    run.runner.run(
        _sudo(
            shell.sh(
                shell.sh(["id", "-u", user], add_user, op="||"),
                [
                    "install",
                    "-d",
                    "-m",
                    "0755",
                    "-o",
                    owner,
                    "-g",
                    owner,
                    layout.root,
                    layout.releases,
                    layout.envs,
                    layout.state,
                ],
                [
                    "install",
                    "-d",
                    "-m",
                    "0750",
                    "-o",
                    user,
                    "-g",
                    user,
                    layout.shared,
                    f"{layout.shared}/data",
                    f"{layout.shared}/log",
                    f"{layout.shared}/redis",
                ],
                ["install", "-d", "-m", "0700", "-o", "root", "-g", "root", f"{layout.shared}/env"],
                ["install", "-d", "-m", "0755", "-o", "root", "-g", "root", f"{layout.shared}/etc"],
            )
        )
    )


def stage(
    run: HostRun, bundle: Bundle, layout: Layout, local: Runner, timeout: float = 1800, dry_run: bool = False
) -> None:
    """rsync env (only when new to the host) and the release into partial folders, verify, rename."""
    facts = run.facts
    assert facts is not None
    ep = run.target.endpoint
    ssh = openssh_options(ep)
    moves: list[list[str]] = []
    partials: dict[str, str] = {}

    def ship(part: str, tree: str, partial: str, link: str | None) -> None:
        argv = rsync.push_tree(tree, ep.address, partial, ssh, link_dest=link, stats=True, dry_run=dry_run)
        out = local.run(argv, timeout=timeout).stdout
        # a dry run sends only the file list: what it predicts is the size of the files it would send
        key = "Total transferred file size" if dry_run else "Total bytes sent"
        run.bytes_sent[part] = rsync.parse_stats(out).get(key, 0)

    if bundle.env_hash not in facts.envs:
        partial = f"{layout.envs}/.{bundle.env_hash}.partial"
        others = [e for e in facts.envs if e != bundle.env_hash]
        ship("env", str(bundle.env_tree), partial, f"../{others[-1]}" if others else None)
        partials[partial] = bundle.env_digest
        moves.append(["mv", "-T", partial, layout.env(bundle.env_hash)])
        run.env_shipped = True
    if bundle.release_id not in facts.releases:
        partial = f"{layout.releases}/.{bundle.release_id}.partial"
        ship("release", str(bundle.release_tree), partial, f"../{run.previous}" if run.previous else None)
        partials[partial] = bundle.release_digest
        moves.append(["mv", "-T", partial, layout.release(bundle.release_id)])
    if not partials:
        return
    got = probe.parse_digests(run.runner.run(probe.digests_command(sorted(partials))).stdout)
    wrong = [p for p, want in partials.items() if got.get(p) != want]
    if wrong:
        raise RemoteCommandFailed(run.name, ["verify", *wrong], 1, "content digest differs from the artifact")
    run.runner.run(shell.sh(*moves))


def switch(run: HostRun, layout: Layout) -> None:
    """Install changed units and files, point `current` at run.release, restart what must restart.

    Nothing changed (same release, units and files, every service running): nothing is run.
    """
    facts = run.facts
    assert facts is not None
    changed = {n: t for n, t in run.unit_files().items() if facts.units.get(n) != t}
    run.units_changed = sorted(changed)
    stale = run.stale_units()
    regrouped = [svc.main_unit for svc in run.target.services if _units_changed_shape(svc, facts)]
    if stale or regrouped:  # another recipe's units: stop them first, so the new ones can take the port
        run.runner.run(_sudo(["systemctl", "disable", "--now", "--", *stale, *regrouped]), check=False)
        if stale:
            run.runner.run(_sudo(["rm", "-f", "--", *(f"/etc/systemd/system/{u}" for u in stale)]))
        facts.active.update({u: "inactive" for u in [*stale, *regrouped]})
    for name, text in sorted(changed.items()):
        run.runner.run(_sudo(fs.write_file(f"/etc/systemd/system/{name}")), stdin=text.encode())
    if changed or stale:
        run.runner.run(_sudo(systemd.daemon_reload()))
    files = run.changed_files(layout)
    for path, (data, mode) in sorted(files.items()):
        run.runner.run(_sudo(fs.write_file(path, mode)), stdin=data)
    moved = facts.current_release != run.release
    if moved:
        run.runner.run(fs.switch_symlink(layout.current, Layout.link_target(run.release)))
    moved = moved or not run.finished  # a killed deploy may have switched without restarting
    run.switched = True
    env_changed = {p for p in files if p.startswith(f"{layout.shared}/env/")}
    _start_services(
        run, changed, force=moved or (bool(files) and not env_changed), env_changed=env_changed, layout=layout
    )


def _units_changed_shape(svc: Service, facts: probe.HostFacts) -> bool:
    """The service had units before, and its recipe now has a different set (e.g. uwsgi -> gunicorn + socket)."""
    before = {n for n in (f"{svc.unit}.service", f"{svc.unit}.socket") if facts.units.get(n) is not None}
    return bool(before) and before != set(svc.files)


def _start_services(
    run: HostRun,
    changed: dict[str, str],
    *,
    force: bool,
    env_changed: set[str] | None = None,
    layout: Layout | None = None,
) -> None:
    """Start what is not running; restart or reload (per recipe) what runs and has something new."""
    facts = run.facts
    assert facts is not None
    inactive = [u for u in run.unit_files() if facts.active.get(u) != "active"]
    if inactive:
        ordered = sorted(run.unit_files(), key=lambda u: (not u.endswith(".socket"), u))
        run.runner.run(_sudo(systemd.enable_now(*ordered)))
    for svc in run.target.services:
        if facts.active.get(svc.main_unit) != "active":
            run.restarted.append(f"{svc.main_unit} (started)")
            continue  # enable --now just started it on the new release
        unit_changed = any(name in changed for name in svc.files)
        own_env = layout is not None and layout.env_file(svc.name) in (env_changed or set())
        if not (force or unit_changed or own_env):
            continue
        if svc.recipe.reload == "reload" and not unit_changed and not own_env:
            run.runner.run(_sudo(systemd.reload(svc.main_unit)))
            run.restarted.append(f"{svc.main_unit} (reload)")
        else:
            run.runner.run(_sudo(systemd.restart(svc.main_unit)))
            run.restarted.append(f"{svc.main_unit} (restart)")


def gate(run: HostRun, release_id: str | None, settings: Settings) -> list[str]:
    """Problems (empty when healthy): every HTTP service must answer with `release_id`."""
    problems = []
    for svc in run.target.services:
        if svc.health_url is None:
            state = run.runner.run(systemd.is_active(svc.main_unit), check=False).stdout.strip()
            if state != "active":
                problems.append(f"{svc.unit} is {state or 'not running'}")
            continue
        cmd = probe.health_command(
            svc.health_url, settings.health_status, release_id, settings.health_timeout
        )
        health = probe.parse_health(run.runner.run(cmd, timeout=settings.health_timeout + 30).stdout)
        if not health.ok:
            problems.append(
                f"{svc.unit} {svc.health_url}: {health.describe()} after {settings.health_timeout:g}s"
            )
    return problems


def timed(run: HostRun, phase: str, started: float) -> None:
    run.seconds[phase] = round(time.monotonic() - started, 3)
