"""Turns a pydantic ValidationError on the deploy section into one `file: key.path: expected ...` line.

The pydantic location becomes a dotted key path (recipe tags dropped), the file is the layer that set
that key (provenance), and an unknown key gets the nearest valid key as a hint (as pypa/build's
`_find_typo` does).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from deploytool.config.jsonfile import describe
from deploytool.config.layers import KeyPath, Layer, Provenance, dotted, source_of
from deploytool.config.schema import Deploy
from deploytool.errors import ConfigError

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "mapping_type": "an object",
    "tuple_type": "a list",
    "list_type": "a list",
}
_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}


def explain(
    exc: ValidationError, provenance: Provenance, fallback: Layer, section: str = "deploy"
) -> ConfigError:
    """The first error of `exc` as a ConfigError, with "(and N more)" when there are others."""
    errors = exc.errors(include_url=False)
    error = errors[0]
    ctx = error.get("ctx") or {}
    loc = (*error["loc"], *ctx.get("at", ()))
    keys, _ = walk(loc)
    path: KeyPath = (section, *keys)
    hint = None
    if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        path = (*path, "recipe")
    if error["type"] == "extra_forbidden":
        hint = typo_hint(str(loc[-1]), valid_keys(walk(loc[:-1])[1]))
    elif ctx.get("suggest"):
        hint = f"did you mean {ctx['suggest']!r}?"
    message = expected(error)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    layer = source_of(path, provenance) or fallback
    return ConfigError(layer.where, dotted(path), message, hint=hint)


def expected(error: ErrorDetails) -> str:
    """What the key should be, in words, with the offending value when it is safe to show."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = describe(error.get("input"))
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "union_tag_invalid":
        return f"expected a recipe: one of {ctx['expected_tags']}, got {describe(ctx['tag'])}"
    if kind == "union_tag_not_found":
        return "required, but missing: the service's recipe (gunicorn, uwsgi, celery or redis)"
    if kind == "value_error":
        return f"expected {ctx['error']}, got {got}"
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return f"expected a number {_BOUNDS[kind]} {bound}, got {got}"
    if kind == "too_short":
        noun = "entry" if ctx.get("min_length") == 1 else "entries"
        return f"expected at least {ctx.get('min_length')} {noun}, got {ctx.get('actual_length')}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} entries, got {ctx.get('actual_length')}"
    if kind == "literal_error":
        return f"expected one of {ctx['expected']}, got {got}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind.startswith(("reference", "secret", "env_")):  # ours: already phrased, and never echo env text
        return error["msg"]
    return f"{error['msg'].replace('Input should be', 'expected')}, got {got}"


def walk(loc: Sequence[int | str]) -> tuple[list[str], Any]:
    """The key path for a pydantic location (recipe tags dropped) and the schema type found there."""
    node: Any = Deploy
    keys: list[str] = []
    for part in loc:
        node = _unwrap(node)
        if part == "[key]":
            continue
        members = _models_in_union(node)
        if members:  # a discriminated union: the location names the tag, not a key
            node = next((m for m in members if part in _recipes(m)), None)
            continue
        keys.append(str(part))
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(str(part))
            node = field.annotation if field is not None else None
        elif typing.get_origin(node) in {dict, Mapping, tuple, list}:
            args = typing.get_args(node)
            node = args[-1] if typing.get_origin(node) in {dict, Mapping} else args[0]
        else:
            node = None
    return keys, _unwrap(node)


def valid_keys(node: Any) -> list[str]:
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def typo_hint(key: str, valid: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if valid:
        return "valid keys here: " + ", ".join(valid)
    return None


def _unwrap(node: Any) -> Any:
    while True:
        if typing.get_origin(node) is typing.Annotated:
            node = typing.get_args(node)[0]
            continue
        if _is_union(node):
            rest = [arg for arg in typing.get_args(node) if arg is not type(None)]
            if len(rest) == 1:
                node = rest[0]
                continue
        return node


def _is_union(node: Any) -> bool:
    return typing.get_origin(node) in {typing.Union, types.UnionType}


def _models_in_union(node: Any) -> list[type[BaseModel]]:
    if not _is_union(node):
        return []
    return [arg for arg in typing.get_args(node) if isinstance(arg, type) and issubclass(arg, BaseModel)]


def _recipes(model: type[BaseModel]) -> tuple[Any, ...]:
    field = model.model_fields.get("recipe")
    return typing.get_args(field.annotation) if field is not None else ()
