"""Layers of raw config (a file or the `--set` options) and their deep merge with provenance.

Dicts merge deep, anything else (lists included) replaces. Provenance maps every leaf key path of the
merged result to the layer that set it; an empty object counts as a leaf.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deploytool.config.jsonfile import describe, is_comment, printable, strip_comments
from deploytool.errors import ConfigError

KeyPath = tuple[str, ...]
SET = "--set"


@dataclass(frozen=True, eq=False)
class Layer:
    """One source of config. `label` is what `config show` prints (etc/shard.json, --set); `where` is
    what errors name (the path as the user can open it)."""

    label: str
    where: str
    data: Mapping[str, Any]


Provenance = dict[KeyPath, Layer]


def merge(layers: Iterable[Layer]) -> tuple[dict[str, Any], Provenance]:
    """Merge layers in order (later wins) and record which layer set each leaf."""
    merged: dict[str, Any] = {}
    provenance: Provenance = {}
    for layer in layers:
        _merge_into(merged, layer.data, layer, provenance, ())
    return merged, provenance


def _merge_into(
    dst: dict[str, Any], src: Mapping[str, Any], layer: Layer, prov: Provenance, at: KeyPath
) -> None:
    for key, value in src.items():
        path = (*at, key)
        if isinstance(value, dict) and isinstance(dst.get(key), dict) and value:
            prov.pop(path, None)  # it was an empty object, a leaf until now
            _merge_into(dst[key], value, layer, prov, path)
            continue
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            continue  # merging {} into an object changes nothing
        for old in [p for p in prov if p[: len(path)] == path]:
            del prov[old]
        dst[key] = copy.deepcopy(value)
        for leaf in leaves(value, path):
            prov[leaf] = layer


def leaves(value: Any, at: KeyPath = ()) -> Iterable[KeyPath]:
    """Every leaf key path under `value` (objects are walked, everything else is a leaf)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*at, key))
    elif at:  # an empty document has no leaves
        yield at


def leaf_values(value: Any, at: KeyPath = ()) -> dict[KeyPath, Any]:
    """Leaf key path -> value, for comparing layers."""
    result: dict[KeyPath, Any] = {}
    for path in leaves(value, at):
        node = value
        for key in path[len(at) :]:
            node = node[key]
        result[path] = node
    return result


def source_of(path: KeyPath, prov: Provenance) -> Layer | None:
    """The layer that set `path`: itself or its nearest ancestor, else the first layer (in merge order)
    that set anything under the nearest ancestor that has something (where a missing key belongs)."""
    for end in range(len(path), 0, -1):
        if path[:end] in prov:
            return prov[path[:end]]
    order = list(dict.fromkeys(prov.values()))
    for end in range(len(path), -1, -1):
        under = [prov[p] for p in prov if p[:end] == path[:end]]
        if under:
            return min(under, key=order.index)
    return None


def dotted(path: Sequence[object]) -> str:
    """A key path for people: `deploy.ssh.port` (control characters escaped)."""
    return ".".join(printable(str(part)) for part in path)


def parse_overrides(texts: Sequence[str]) -> Layer:
    """The `--set KEY.PATH=VALUE` options as one layer. VALUE is JSON when it parses, else a string."""
    data: dict[str, Any] = {}
    for text in texts:
        path, value = parse_override(text)
        nested: Any = value
        for key in reversed(path):
            nested = {key: nested}
        _merge_into(data, nested, Layer(SET, SET, {}), {}, ())
    return Layer(SET, SET, data)


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """`deploy.ssh.port=2222` -> (("deploy", "ssh", "port"), 2222)."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(
            SET, None, f"expected KEY.PATH=VALUE, got {text!r}", hint="e.g. --set deploy.keep_releases=3"
        )
    path = tuple(name.split("."))
    for part in path:
        if not part or not part.isprintable() or any(ch.isspace() for ch in part):
            raise ConfigError(
                SET,
                None,
                "expected a dotted key path (parts separated by single dots, no spaces or control "
                f"characters), got {describe(name)}",
            )
        if is_comment(part):
            raise ConfigError(
                SET,
                None,
                f"expected a key path without comment keys (keys starting with //), got {describe(name)}",
            )
    try:
        value: Any = json.loads(raw, parse_constant=_not_json)
    except ValueError:
        value = raw
    return path, strip_comments(value)


def _not_json(name: str) -> Any:
    raise ValueError(name)
