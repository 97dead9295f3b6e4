"""Service recipes: which files a service kind renders and how a new release is taken in.

Bundled recipes live in the top-level `recipes/`; a project's own `recipes/<name>/` overrides one
of the same name or adds a new kind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from deploytool.errors import ConfigError
from deploytool.render import environment, render
from deploytool.resources import recipes_dir

# A Debian package relation: a name, optionally versioned, e.g. `redis-server` or `libpq5 (>= 15)`.
_DEBIAN_RELATION = re.compile(r"[a-z0-9][a-z0-9+.-]+(?: \((?:<<|<=|=|>=|>>) [A-Za-z0-9.+~:-]+\))?")


@dataclass(frozen=True)
class Recipe:
    name: str
    folder: Path
    files: Mapping[str, str]  # template -> installed name, with {unit}
    reload: Literal["restart", "reload"]
    health: Literal["http", "none"]
    packages: tuple[str, ...] = ()  # Debian packages the service runs from (a .deb depends on them)

    def render(self, unit: str, context: Mapping[str, Any]) -> dict[str, str]:
        """The recipe's files for one service: installed file name -> text."""
        env = environment([self.folder])
        return {
            target.format(unit=unit): render(env, template, {**context, "unit": unit})
            for template, target in sorted(self.files.items())
        }


def search_path(project: Path | None) -> list[Path]:
    paths = [project / "recipes"] if project is not None else []
    return [*paths, recipes_dir()]


def load(name: str, project: Path | None = None) -> Recipe:
    """The recipe called `name`, from the project's recipes/ first, then deploytool's."""
    for base in search_path(project):
        spec = base / name / "recipe.json"
        if spec.is_file():
            return _parse(name, spec)
    known = sorted(
        {p.name for base in search_path(project) if base.is_dir() for p in base.iterdir() if p.is_dir()}
    )
    raise ConfigError(
        None,
        f"recipe {name!r}",
        f"no such recipe (known: {', '.join(known)})",
        hint="add recipes/<name>/recipe.json",
    )


def _parse(name: str, spec: Path) -> Recipe:
    try:
        data = json.loads(spec.read_text(encoding="utf-8"))
        files = {str(k): str(v) for k, v in data["files"].items()}
        reload, health = data.get("reload", "restart"), data.get("health", "none")
        packages = data.get("packages", [])
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise ConfigError(spec, None, f"not a valid recipe.json ({exc})") from None
    if reload not in ("restart", "reload"):
        raise ConfigError(spec, "reload", f"expected 'restart' or 'reload', got {reload!r}")
    if health not in ("http", "none"):
        raise ConfigError(spec, "health", f"expected 'http' or 'none', got {health!r}")
    if not isinstance(packages, list) or not all(
        isinstance(p, str) and _DEBIAN_RELATION.fullmatch(p) for p in packages
    ):
        raise ConfigError(
            spec, "packages", f'expected a list of Debian packages like ["redis-server"], got {packages!r}'
        )
    return Recipe(name, spec.parent, files, reload, health, tuple(packages))
