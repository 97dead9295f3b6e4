"""The steps of a push on one host. Each takes a HostRun and raises a DeploytoolError on failure."""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.version import InvalidVersion, Version

from deploytool.errors import DeployLocked, DeploytoolError, RemoteCommandFailed
from deploytool.release import probe
from deploytool.release.lock import Holder
from deploytool.release.plan import Bundle, Layout, Settings, Target
from deploytool.remote import shell
from deploytool.remote.commands import fs, rsync, systemd
from deploytool.remote.runner import Runner
from deploytool.remote.ssh import openssh_options


class PreflightFailed(DeploytoolError):
    """A host cannot take this release; nothing was changed on it."""

    exit_code = 1


class HealthGateFailed(DeploytoolError):
    """A switched host did not report the new release as healthy in time."""


@dataclass
class HostRun:
    """One host during one push: its target, connection, what preflight saw, what we changed."""

    target: Target
    runner: Runner
    facts: probe.HostFacts | None = None
    switched: bool = False
    env_shipped: bool = False
    events: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def previous(self) -> str | None:
        return self.facts.current_release if self.facts else None

    def unit_files(self) -> dict[str, str]:
        return {name: text for svc in self.target.services for name, text in svc.files.items()}


def _sudo(argv: list[str]) -> list[str]:
    return shell.sudo(argv)


def preflight(run: HostRun, bundle: Bundle, layout: Layout, settings: Settings) -> probe.HostFacts:
    """Read-only: reachable with a known key, sudo, disk, Python ABI and glibc, lock."""
    result = run.runner.run(probe.facts_command(layout.root, sorted(run.unit_files())))
    facts = run.facts = probe.parse_facts(result.stdout)
    problems = []
    major, minor = facts.python.split(".")[:2]
    if f"{major}.{minor}" != bundle.python or f"cp{major}{minor}" != bundle.abi:
        problems.append(
            f"its python is {facts.python} but the env was built for {bundle.python} ({bundle.abi})"
        )
    if bundle.glibc and not _at_least(facts.glibc, bundle.glibc):
        problems.append(f"its glibc is {facts.glibc or 'unknown'} but the env needs glibc >= {bundle.glibc}")
    if not facts.sudo:
        problems.append(f"user {run.target.endpoint.user} cannot run sudo without a password")
    if facts.disk_free_kib < settings.min_free_kib:
        problems.append(f"only {facts.disk_free_kib // 1024} MiB free under {layout.root}")
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
    run.runner.run(
        _sudo(
            shell.sh(
                ["id", "-u", user],
                [
                    "useradd",
                    "--system",
                    "--user-group",
                    "--home-dir",
                    layout.shared,
                    "--shell",
                    "/usr/sbin/nologin",
                    user,
                ],
                op="||",
            )
        )
    )
    run.runner.run(
        _sudo(
            shell.sh(
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


def stage(run: HostRun, bundle: Bundle, layout: Layout, local: Runner, timeout: float = 1800) -> None:
    """rsync env (only when new to the host) and the release into partial folders, verify, rename."""
    facts = run.facts
    assert facts is not None
    ep = run.target.endpoint
    ssh = openssh_options(ep)
    moves: list[list[str]] = []
    partials: dict[str, str] = {}
    if bundle.env_hash not in facts.envs:
        partial = f"{layout.envs}/.{bundle.env_hash}.partial"
        others = [e for e in facts.envs if e != bundle.env_hash]
        link = f"../{others[-1]}" if others else None
        local.run(
            rsync.push_tree(str(bundle.env_tree), ep.address, partial, ssh, link_dest=link), timeout=timeout
        )
        partials[partial] = bundle.env_digest
        moves.append(["mv", "-T", partial, layout.env(bundle.env_hash)])
        run.env_shipped = True
    if bundle.release_id not in facts.releases:
        partial = f"{layout.releases}/.{bundle.release_id}.partial"
        link = f"../{run.previous}" if run.previous else None
        local.run(
            rsync.push_tree(str(bundle.release_tree), ep.address, partial, ssh, link_dest=link),
            timeout=timeout,
        )
        partials[partial] = bundle.release_digest
        moves.append(["mv", "-T", partial, layout.release(bundle.release_id)])
    if not partials:
        return
    got = probe.parse_digests(run.runner.run(probe.digests_command(sorted(partials))).stdout)
    wrong = [p for p, want in partials.items() if got.get(p) != want]
    if wrong:
        raise RemoteCommandFailed(run.name, ["verify", *wrong], 1, "content digest differs from the artifact")
    run.runner.run(shell.sh(*moves))


def switch(run: HostRun, bundle: Bundle, layout: Layout) -> None:
    """Install changed units and env files, point `current` at the release, restart or reload services."""
    facts = run.facts
    assert facts is not None
    changed = {n: t for n, t in run.unit_files().items() if facts.units.get(n) != t}
    for name, text in sorted(changed.items()):
        run.runner.run(_sudo(fs.write_file(f"/etc/systemd/system/{name}")), stdin=text.encode())
    if changed:
        run.runner.run(_sudo(systemd.daemon_reload()))
    for path, data in sorted(run.target.shared_files.items()):
        run.runner.run(_sudo(fs.write_file(path)), stdin=data)
    for service, content in sorted(run.target.env_files.items()):
        run.runner.run(_sudo(fs.write_file(layout.env_file(service), "0600")), stdin=content)
    run.runner.run(fs.switch_symlink(layout.current, Layout.link_target(bundle.release_id)))
    run.switched = True
    _start_services(run, changed)


def _start_services(run: HostRun, changed: dict[str, str]) -> None:
    """Enable and start what is new; restart or reload (per recipe) what was already running."""
    facts = run.facts
    assert facts is not None
    all_units = sorted(run.unit_files(), key=lambda u: (not u.endswith(".socket"), u))
    run.runner.run(_sudo(systemd.enable_now(*all_units)))
    for svc in run.target.services:
        was_active = facts.active.get(svc.main_unit) == "active"
        if not was_active:
            continue  # enable --now just started it on the new release
        unit_changed = any(name in changed for name in svc.files)
        if svc.recipe.reload == "reload" and not unit_changed:
            run.runner.run(_sudo(systemd.reload(svc.main_unit)))
        else:
            run.runner.run(_sudo(systemd.restart(svc.main_unit)))


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
