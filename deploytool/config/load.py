"""A project's etc/*.json -> merged, validated, frozen views, each with the provenance of its keys.

Merge order: config.json < hosts.json < role file(s) < host file < `--set`. The role and host names
come from the base view (config.json + hosts.json + --set); any other etc/*.json is an error.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from deploytool.config.explain import explain
from deploytool.config.jsonfile import describe, printable, read_object
from deploytool.config.layers import KeyPath, Layer, Provenance, dotted, leaf_values, merge, parse_overrides
from deploytool.config.schema import Deploy
from deploytool.config.struct import Struct
from deploytool.errors import ConfigError, UsageError

CONFIG = "etc/config.json"
HOSTS = "etc/hosts.json"
_MEMBERSHIP = (("deploy", "roles"), ("deploy", "hosts"))  # only config.json and hosts.json say who is who


class Config(Struct):
    """One validated view. `cfg.deploy` is the typed `Deploy` model; every other top-level key is the
    app's own section as a frozen Struct (`cfg.db.path`)."""

    __slots__ = ()

    @property
    def deploy(self) -> Deploy:
        return cast(Deploy, self["deploy"])


@dataclass(frozen=True)
class View:
    """A validated config and where each of its keys came from."""

    scope: str  # "config", "role NAME" or "host NAME"
    config: Config
    provenance: Provenance
    layers: tuple[Layer, ...]

    def sources(self) -> dict[str, str]:
        """Dotted leaf key path -> the file (or --set) that set it."""
        return {dotted(path): layer.label for path, layer in self.provenance.items()}


class Project:
    """The config of one app folder. Build it with `load_project`."""

    def __init__(self, root: Path, files: Mapping[str, Layer], overrides: Layer) -> None:
        self.root = root
        self._files = dict(files)
        self._overrides = overrides
        self._views: dict[str, View] = {}
        base = self._view("config", self._stack())
        self.base: Config = base.config
        self.roles: tuple[str, ...] = tuple(base.config.deploy.roles)
        self.hosts: tuple[str, ...] = tuple(base.config.deploy.hosts)
        self._check_file_names()
        for name in (*self.roles, *self.hosts):
            if name in self._files:
                self._refuse_membership(self._files[name])

    def for_role(self, name: str) -> Config:
        return self.view(role=name).config

    def for_host(self, name: str) -> Config:
        return self.view(host=name).config

    def provenance(self, *, role: str | None = None, host: str | None = None) -> dict[str, str]:
        """Dotted leaf key path -> the file (or --set) that set it, in one view."""
        return self.view(role=role, host=host).sources()

    def check_all(self) -> list[tuple[str, Config]]:
        """Validate the base view and every role and host view; the first error raises."""
        views = [self.view()]
        views += [self.view(role=role) for role in self.roles]
        views += [self.view(host=host) for host in self.hosts]
        return [(view.scope, view.config) for view in views]

    def view(self, *, role: str | None = None, host: str | None = None) -> View:
        """The base view, or one role's, or one host's (which includes the files of all its roles)."""
        if role is not None and host is not None:
            raise UsageError(
                "choose a role or a host, not both", hint="a host's view already includes its roles"
            )
        if role is not None:
            _known("role", role, self.roles)
            return self._view(f"role {role}", self._stack(role))
        if host is not None:
            _known("host", host, self.hosts)
            roles = self.base.deploy.hosts[host].roles
            self._check_role_conflicts(host, roles)
            return self._view(f"host {host}", self._stack(*roles, host))
        return self._view("config", self._stack())

    def _stack(self, *names: str) -> list[Layer]:
        layers = [self._files["config"]]
        layers += [self._files[name] for name in ("hosts", *names) if name in self._files]
        return [*layers, self._overrides]

    def _view(self, scope: str, layers: list[Layer]) -> View:
        if scope not in self._views:
            merged, provenance = merge(layers)
            deploy = merged.get("deploy")
            if deploy is None:
                raise ConfigError(
                    layers[0].where,
                    "deploy",
                    "required section is missing",
                    hint="see `deploytool config example`",
                )
            try:
                model = Deploy.model_validate(deploy)
            except ValidationError as exc:
                raise explain(exc, provenance, layers[0]) from None
            config = Config({**merged, "deploy": model})
            self._views[scope] = View(scope, config, provenance, tuple(layers))
        return self._views[scope]

    def _check_file_names(self) -> None:
        names = (*self.roles, *self.hosts)
        for stem, layer in self._files.items():
            if stem in {"config", "hosts"} or stem in names:
                continue
            close = difflib.get_close_matches(stem, names, n=1, cutoff=0.6)
            known = f"roles: {', '.join(self.roles)}; hosts: {', '.join(self.hosts) or 'none'}"
            raise ConfigError(
                layer.where,
                None,
                f"{describe(stem)} is not a role or a host ({known})",
                hint=f"did you mean etc/{close[0]}.json?"
                if close
                else "add it to deploy.roles or deploy.hosts in etc/config.json, or remove the file",
            )

    def _refuse_membership(self, layer: Layer) -> None:
        for path in _MEMBERSHIP:
            if (
                path[0] in layer.data
                and isinstance(layer.data[path[0]], dict)
                and path[1] in layer.data[path[0]]
            ):
                raise ConfigError(
                    layer.where,
                    dotted(path),
                    f"can only be set in {CONFIG} or {HOSTS}",
                    hint="role and host files change settings; which roles and hosts exist is decided in one place",
                )

    def _check_role_conflicts(self, host: str, roles: Sequence[str]) -> None:
        """Two role files of one host may not disagree on a key unless the host file or --set decides it."""
        files = [self._files[role] for role in roles if role in self._files]
        deciders = [layer for layer in (self._files.get(host), self._overrides) if layer is not None]
        decided = {path for layer in deciders for path in leaf_values(layer.data)}
        seen: dict[KeyPath, tuple[Layer, Any]] = {}
        for layer in files:
            for path, value in leaf_values(layer.data).items():
                for other_path, (other, other_value) in seen.items():
                    overlap = path[: len(other_path)] == other_path or other_path[: len(path)] == path
                    if (
                        not overlap
                        or (path == other_path and value == other_value)
                        or {} in (value, other_value)
                    ):
                        continue
                    key = min(path, other_path, key=len)
                    if any(key[: len(d)] == d or d[: len(key)] == key for d in decided):
                        continue
                    raise ConfigError(
                        other.where,
                        dotted(key),
                        f"set to {describe(other_value)} here and to {describe(value)} in {layer.label}, "
                        f"and host {host} is in both roles",
                        hint=f"set {dotted(key)} in etc/{host}.json (or make the role files agree)",
                    )
            seen.update({path: (layer, value) for path, value in leaf_values(layer.data).items()})


def load_project(project: Path, overrides: Sequence[str] = ()) -> Project:
    """Read every etc/*.json of `project`, merge and validate the base view. Raises ConfigError."""
    etc = project / "etc"
    if not (etc / "config.json").exists() and not (etc / "config.json").is_symlink():
        raise ConfigError(
            etc / "config.json",
            None,
            "missing; a project needs etc/config.json",
            hint="pass the app's folder with -C, or start one with `deploytool config example`",
        )
    paths = sorted(
        etc.glob("*.json"), key=lambda p: (p.stem not in {"config", "hosts"}, p.stem != "config", p.name)
    )
    files: dict[str, Layer] = {}
    for path in paths:
        if path.name.startswith("."):
            continue  # editor lock and backup files (emacs' .#config.json is a dangling symlink)
        files[path.stem] = Layer(printable(f"etc/{path.name}"), printable(str(path)), read_object(path))
    return Project(project, files, parse_overrides(overrides))


def _known(kind: str, name: str, names: Sequence[str]) -> None:
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        listed = ", ".join(names) or "none"
        raise UsageError(
            f"no {kind} {name!r} in deploy.{kind}s (known: {listed})",
            hint=f"did you mean {close[0]!r}?" if close else None,
        )
