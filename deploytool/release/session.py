"""What every fleet-facing command needs from the config: hosts chosen, targets, layout, settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deploytool.config import Project, load_project
from deploytool.errors import UsageError
from deploytool.release import targets as targets_mod
from deploytool.release.plan import Layout, Settings, Target


@dataclass(frozen=True)
class Selection:
    project: Project
    targets: list[Target]
    layout: Layout
    settings: Settings


def select(
    project_dir: Path,
    overrides: list[str],
    *,
    role: str | None = None,
    hosts: tuple[str, ...] = (),
    resolve_secrets: bool = True,
    **settings: object,
) -> Selection:
    """Load the config (validated before anything connects), choose hosts, build their targets."""
    project = load_project(project_dir, overrides)
    names = targets_mod.select_hosts(project, role, hosts)
    base = project.base.deploy
    for name in names:
        if project.for_host(name).deploy.root != base.root:
            raise UsageError(
                f"host {name}: deploy.root differs from the other hosts ({project.for_host(name).deploy.root} vs {base.root})",
                hint="one release layout per app: set deploy.root only in etc/config.json",
            )
    targets = [targets_mod.target(project, n, resolve_secrets=resolve_secrets) for n in names]
    return Selection(
        project, targets, Layout(base.root), targets_mod.settings(project, project.base, **settings)
    )
