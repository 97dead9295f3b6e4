"""A validated view as `key = value (source)` rows: what `config show` prints.

Rows come from the validated objects, so defaults appear (source "default") and secrets are `***`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from deploytool.config.layers import KeyPath, dotted
from deploytool.config.load import View
from deploytool.config.secret import MASK, Secret
from deploytool.config.struct import Struct

DEFAULT = "default"


@dataclass(frozen=True)
class Row:
    key: str
    value: Any  # JSON-ready; secrets are "***"
    source: str  # etc/<file>.json, --set or default


def rows(view: View) -> list[Row]:
    """Every leaf of the view in file order (the deploy section in schema order)."""
    return [Row(dotted(path), value, _source(view, path)) for path, value in _leaves((), view.config)]


def _source(view: View, path: KeyPath) -> str:
    """The layer that set `path` or an ancestor; for a leaf made of several keys (a secret reference),
    the last layer that set one of them."""
    for end in range(len(path), 0, -1):
        if path[:end] in view.provenance:
            return view.provenance[path[:end]].label
    under = [layer for key, layer in view.provenance.items() if key[: len(path)] == path]
    if under:
        return max(under, key=view.layers.index).label
    return DEFAULT


def _leaves(at: KeyPath, value: Any) -> Iterator[tuple[KeyPath, Any]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _leaves((*at, name), getattr(value, name))
    elif isinstance(value, Struct | Mapping) and len(value):
        for key in value:
            yield from _leaves((*at, key), value[key])
    else:
        yield at, plain(value)


def plain(value: Any) -> Any:
    """JSON-ready data with every secret masked."""
    if isinstance(value, Secret):
        return MASK
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Struct | Mapping):
        return {key: plain(value[key]) for key in value}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
