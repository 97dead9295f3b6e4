"""Putting a host back: the release, unit files and running services it had before this push."""

from __future__ import annotations

from deploytool.release.plan import Layout, Settings
from deploytool.release.steps import HostRun, _start_services, gate
from deploytool.remote import shell
from deploytool.remote.commands import fs, systemd


def restore(run: HostRun, layout: Layout, settings: Settings) -> list[str]:
    """Undo `switch` on one host; returns problems seen while checking it (empty when healthy)."""
    facts = run.facts
    assert facts is not None
    changed = {n: old for n, old in facts.units.items() if old != run.unit_files().get(n)}
    previous = run.previous
    if previous is None:
        units = sorted(run.unit_files())
        run.runner.run(shell.sudo(["systemctl", "disable", "--now", "--", *units]), check=False)
        run.runner.run(shell.sudo(["rm", "-f", "--", *(f"/etc/systemd/system/{u}" for u in units)]))
        run.runner.run(shell.sudo(systemd.daemon_reload()))
        run.runner.run(fs.remove_trees([layout.current]))
        run.switched = False
        return []
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
    was_running = {
        svc.main_unit for svc in run.target.services if facts.active.get(svc.main_unit) == "active"
    }
    for svc in run.target.services:
        if svc.main_unit in was_running:
            run.runner.run(shell.sudo(systemd.restart(svc.main_unit)), check=False)
    if not was_running:
        _start_services(run, {})
    return gate(run, previous, settings)
