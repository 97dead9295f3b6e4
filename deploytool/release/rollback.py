"""Putting a host back after a failed switch: its release, unit files and running services as they were.

(Env files are not restored: the probe saw only their hashes. They are rendered from the same config,
so they change only when the config or a secret changed between deploys.)
"""

from __future__ import annotations

from dataclasses import replace

from deploytool.release.plan import Layout, Settings
from deploytool.release.steps import HostRun, gate
from deploytool.remote import shell
from deploytool.remote.commands import fs, systemd


def restore(run: HostRun, layout: Layout, settings: Settings) -> list[str]:
    """Undo `switch` on one host; returns problems seen while checking it (empty when healthy)."""
    facts = run.facts
    assert facts is not None
    units = run.unit_files()
    previous = run.previous
    if previous is None:  # a first deploy: nothing to go back to, so take it all away again
        names = sorted(units)
        run.runner.run(shell.sudo(["systemctl", "disable", "--now", "--", *names]), check=False)
        run.runner.run(shell.sudo(["rm", "-f", "--", *(f"/etc/systemd/system/{u}" for u in names)]))
        run.runner.run(shell.sudo(systemd.daemon_reload()))
        run.runner.run(fs.remove_trees([layout.current]))
        run.switched = False
        return []
    changed = {n: old for n, old in facts.units.items() if old != units.get(n)}
    for name, old in sorted(changed.items()):
        if old is None:
            run.runner.run(shell.sudo(["systemctl", "disable", "--now", "--", name]), check=False)
            run.runner.run(shell.sudo(["rm", "-f", "--", f"/etc/systemd/system/{name}"]))
        else:
            run.runner.run(shell.sudo(fs.write_file(f"/etc/systemd/system/{name}")), stdin=old.encode())
    if changed:
        run.runner.run(shell.sudo(systemd.daemon_reload()))
    run.runner.run(fs.switch_symlink(layout.current, Layout.link_target(previous)))
    run.switched = False
    was_running = [s for s in run.target.services if facts.active.get(s.main_unit) == "active"]
    for svc in run.target.services:
        verb = systemd.restart if svc in was_running else systemd.stop
        run.runner.run(shell.sudo(verb(svc.main_unit)), check=False)
    check = HostRun(replace(run.target, services=tuple(was_running)), run.runner, previous, facts)
    return gate(check, previous, settings)
