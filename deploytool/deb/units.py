"""A role's systemd units, rendered from the same recipes as push, and its env files as conffiles.

The one difference from push: a service's EnvironmentFile is /etc/<app>/<service>.env, a conffile the
admin owns, holding the non-secret environment; secrets are named in its comments, never baked in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from deploytool.config import Config, Project, Secret
from deploytool.errors import UsageError
from deploytool.recipes import load as load_recipe
from deploytool.release.plan import Layout
from deploytool.render import env_file

UNIT_DIR = "/lib/systemd/system"


@dataclass(frozen=True)
class Unit:
    name: str  # sample-web.service
    text: str
    main: bool  # the service's own unit (restarted), not a helper such as its socket


@dataclass(frozen=True)
class RoleUnits:
    """What a role runs, ready to be packaged."""

    role: str
    services: tuple[str, ...]  # deploy.services names, in role order
    units: tuple[Unit, ...]
    env_files: Mapping[str, bytes]  # /etc/<app>/<service>.env -> content
    packages: tuple[tuple[str, ...], ...]  # per service: the Debian packages its recipe runs from


def conffile_dir(app: str) -> str:
    return f"/etc/{app}"


def env_path(app: str, service: str) -> str:
    return f"{conffile_dir(app)}/{service}.env"


def choose_role(project: Project, role: str | None) -> str:
    """The role asked for, or the only one there is; an input error naming the choices otherwise."""
    if role is not None:
        project.view(role=role)  # an unknown role fails here, with a suggestion
        return role
    if len(project.roles) == 1:
        return project.roles[0]
    raise UsageError(
        f"this app has {len(project.roles)} roles ({', '.join(project.roles)}): which one is the package for?",
        hint=f"add --role {project.roles[0]} (one package per role)",
    )


def render(project: Project, role: str) -> RoleUnits:
    cfg: Config = project.for_role(role)
    deploy = cfg.deploy
    names = tuple(dict.fromkeys(deploy.roles[role].services))
    if not names:
        raise UsageError(
            f"role {role!r} has no services: there is nothing to package",
            hint=f"list its services in deploy.roles.{role}.services",
        )
    layout = Layout(deploy.root)
    units: list[Unit] = []
    env_files: dict[str, bytes] = {}
    packages = []
    for name in names:
        spec = deploy.services[name]
        recipe = load_recipe(spec.recipe, project.root)
        unit = f"{deploy.app}-{name}"
        context = {
            "app": deploy.app,
            "service": name,
            "run_as": deploy.run_as,
            "root": layout.root,
            "current": layout.current,
            "shared": layout.shared,
            "env_file": env_path(deploy.app, name),
            "s": spec.model_dump(mode="python"),
        }
        for filename, text in recipe.render(unit, context).items():
            units.append(Unit(filename, text, main=filename == f"{unit}.service"))
        env_files[env_path(deploy.app, name)] = _env_conffile(deploy.app, role, name, unit, cfg)
        packages.append(recipe.packages)
    return RoleUnits(role, names, tuple(units), env_files, tuple(packages))


def _env_conffile(app: str, role: str, service: str, unit: str, cfg: Config) -> bytes:
    deploy = cfg.deploy
    spec = deploy.services[service]
    refs: dict[str, object] = {**deploy.secrets, **dict(getattr(spec, "env", {}))}
    values = {"APP_ROLES": role}
    secrets = []
    for key, ref in sorted(refs.items()):
        if isinstance(ref, Secret):
            secrets.append(f'#{key}=""    # a secret ({ref.reference} when deploytool pushes)')
        else:
            values[key] = str(ref)
    head = [
        f"# {unit}: the environment of {app}'s {service!r} service (systemd EnvironmentFile=).",
        "# A conffile: your changes here are kept on upgrades. Only root can read it (mode 0600).",
        "# APP_HOST is not set: the app then uses the host name.",
    ]
    if secrets:
        head += ["# Secrets are not in the package. Set each one here, then restart the service:", *secrets]
    return ("\n".join(head) + "\n").encode() + env_file(values)
