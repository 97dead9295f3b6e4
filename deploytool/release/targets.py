"""From a validated project config to push targets: endpoints, rendered units, env files."""

from __future__ import annotations

import json
from pathlib import Path

from deploytool.config import Config, Project, Secret
from deploytool.errors import UsageError
from deploytool.output import register_secret
from deploytool.recipes import load as load_recipe
from deploytool.release.plan import Layout, Service, Settings, Target
from deploytool.remote.ssh import Endpoint
from deploytool.render import env_file


def select_hosts(project: Project, role: str | None = None, hosts: tuple[str, ...] = ()) -> list[str]:
    """Host names for --role/--host, in config order; all hosts when neither is given."""
    every = project.hosts
    if not every:
        raise UsageError(
            "no hosts in deploy.hosts",
            hint="add hosts to etc/hosts.json (or run `deploytool fleet up` for local ones)",
        )
    chosen = list(every)
    if role is not None:
        project.view(role=role)  # an unknown role fails here, with a suggestion
        chosen = [h for h in chosen if role in project.base.deploy.hosts[h].roles]
    if hosts:
        for h in hosts:
            project.view(host=h)
        chosen = [h for h in chosen if h in hosts]
    if not chosen:
        raise UsageError(f"no host has role {role!r}", hint="see `deploytool config show` for deploy.hosts")
    return chosen


def _path(value: str | None, base: Path, default: str | None = None) -> Path | None:
    raw = value or default
    if raw is None:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else base / path


def endpoint(project: Project, cfg: Config, name: str) -> Endpoint:
    deploy = cfg.deploy
    host, ssh = deploy.hosts[name], deploy.ssh
    known = _path(ssh.known_hosts, project.root, "~/.ssh/known_hosts")
    assert known is not None
    jump = None
    if (spec := host.jump or ssh.jump) is not None:
        if spec in deploy.hosts:
            jump = endpoint(project, cfg, spec)
        else:
            user, _, rest = spec.rpartition("@")
            address, _, port = rest.partition(":")
            jump = Endpoint(
                spec, address, known, int(port or 22), user or ssh.user, _path(ssh.identity, project.root)
            )
    return Endpoint(
        name=name,
        address=host.address,
        known_hosts=known,
        port=host.port or ssh.port,
        user=host.user or ssh.user,
        identity=_path(host.identity or ssh.identity, project.root),
        jump=jump,
        connect_timeout=ssh.connect_timeout,
    )


def target(project: Project, name: str, *, resolve_secrets: bool = True) -> Target:
    cfg = project.for_host(name)
    deploy = cfg.deploy
    layout = Layout(deploy.root)
    roles = tuple(deploy.hosts[name].roles)
    wanted = list(dict.fromkeys(s for r in roles for s in deploy.roles[r].services))
    services, env_files, secrets = [], {}, []
    for svc_name in wanted:
        spec = deploy.services[svc_name]
        recipe = load_recipe(spec.recipe, project.root)
        settings = spec.model_dump(mode="python")
        unit = f"{deploy.app}-{svc_name}"
        context = {
            "app": deploy.app,
            "service": svc_name,
            "run_as": deploy.run_as,
            "root": layout.root,
            "current": layout.current,
            "shared": layout.shared,
            "env_file": layout.env_file(svc_name),
            "s": settings,
        }
        health_url = None
        if recipe.health == "http" and deploy.health is not None:
            bind = str(settings["bind"])
            address, _, port = bind.rpartition(":")
            address = "127.0.0.1" if address in ("", "0.0.0.0", "*") else address
            health_url = f"http://{address}:{port}{deploy.health.path}"
        services.append(Service(svc_name, unit, recipe, recipe.render(unit, context), health_url))
        values = {"APP_HOST": name, "APP_ROLES": ",".join(roles)}
        refs: dict[str, object] = {**deploy.secrets, **dict(getattr(spec, "env", {}))}
        for key, ref in refs.items():
            if isinstance(ref, Secret):
                value = ref.resolve(project.root) if resolve_secrets else "***"
                register_secret(value)
                secrets.append(value)
            else:
                value = str(ref)
            values[key] = value
        env_files[svc_name] = env_file(values)
    shared = {layout.inventory: inventory_for_app(project)}
    return Target(
        name, endpoint(project, cfg, name), roles, tuple(services), env_files, tuple(secrets), shared
    )


def inventory_for_app(project: Project) -> bytes:
    """etc/hosts.json without its `deploy` section (key paths of this machine stay here)."""
    path = project.root / "etc" / "hosts.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    app_keys = {k: v for k, v in data.items() if k != "deploy" and not k.startswith("//")}
    return (json.dumps(app_keys, indent=2, sort_keys=True) + "\n").encode()


def settings(project: Project, cfg: Config, **overrides: object) -> Settings:
    deploy = cfg.deploy
    base = Settings(
        app=deploy.app,
        run_as=deploy.run_as,
        ssh_user=deploy.ssh.user,
        keep_releases=deploy.keep_releases,
        canary=deploy.batch.canary,
        batch_size=deploy.batch.size,
        parallel=deploy.batch.parallel,
        health_status=deploy.health.status if deploy.health else 200,
        health_timeout=deploy.health.timeout if deploy.health else 30.0,
    )
    return Settings(**{**base.__dict__, **{k: v for k, v in overrides.items() if v is not None}})
