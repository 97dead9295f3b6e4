"""Layered JSON configuration loaded into `settings`, the attribute-access dict the app shares."""

import json
import os
import socket
from collections.abc import Mapping
from typing import Any

# realpath: under /srv/APP/current this is the release folder the running code came from.
APP_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


class Struct(dict):
    """A dict whose keys are also attributes; nested dicts (in lists too) become Structs.

    Keys named like dict methods (items, keys, ...) are reached with [] only.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.update(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = _wrap(value)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = _wrap(value)

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, Struct):
        return Struct(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: dicts merge key by key, anything else (lists included) is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read(
    root: str = APP_ROOT, environ: Mapping[str, str] | None = None, hostname: str | None = None
) -> Struct:
    """etc/config.json < hosts.json < each of $APP_ROLES (comma-separated; or $APP_ROLE) < etc/$APP_HOST.json
    (default: the hostname), the same order deploytool merges them; or only the file $SAMPLE_CONFIG names."""
    environ = os.environ if environ is None else environ
    etc = os.path.join(root, "etc")
    if environ.get("SAMPLE_CONFIG"):
        # A config the deploy already merged for this host; relative paths are from the app folder.
        return Struct(_load_json(os.path.join(root, environ["SAMPLE_CONFIG"])))
    data = _load_json(os.path.join(etc, "config.json"))
    host = environ.get("APP_HOST") or hostname or socket.gethostname()
    roles = (environ.get("APP_ROLES") or environ.get("APP_ROLE", "")).split(",")
    layers = ["hosts", *roles, host, host.split(".")[0]]
    for name in dict.fromkeys(n for n in layers if n):  # ordered, without duplicates
        path = os.path.join(etc, f"{name}.json")
        if os.path.isfile(path):
            data = merge(data, _load_json(path))
    return Struct(data)


def _load_json(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level")
    return data


settings = Struct()


def load(
    root: str = APP_ROOT, environ: Mapping[str, str] | None = None, hostname: str | None = None
) -> Struct:
    """Read the config and make it the shared `settings` (updated in place, so importers see it)."""
    fresh = read(root, environ, hostname)
    settings.clear()
    settings.update(fresh)
    return settings
