"""Reads one config file into a dict, turning every way a file can be wrong into one ConfigError.

Keys starting with `//` are comments: they are dropped here, anywhere in the document.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from deploytool.errors import ConfigError

COMMENT = "//"


class _Rejected(Exception):
    """Valid to Python's json module, not to strict JSON."""


def read_object(path: Path) -> dict[str, Any]:
    """The JSON object in `path`, comments dropped. Raises ConfigError naming `path` as given."""
    data = _read_bytes(path)
    text = _decode(path, data)
    if not text.strip():
        raise ConfigError(
            _shown(path),
            None,
            "the file is empty; expected a JSON object",
            hint="write {} for a layer that sets nothing",
        )
    value = parse_json(_shown(path), text)
    if not isinstance(value, dict):
        raise ConfigError(
            _shown(path), None, f"the top level is {describe(value)}; expected a JSON object {{...}}"
        )
    stripped: dict[str, Any] = strip_comments(value)
    return stripped


def parse_json(where: str | Path, text: str) -> Any:
    """Strict JSON: no NaN/Infinity, no repeated keys (except `//` comments)."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            where, None, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except _Rejected as exc:
        raise ConfigError(where, None, f"invalid JSON: {exc}") from None


def strip_comments(value: Any) -> Any:
    """A copy of `value` without the keys that start with `//`, at every depth."""
    if isinstance(value, dict):
        return {key: strip_comments(item) for key, item in value.items() if not is_comment(key)}
    if isinstance(value, list):
        return [strip_comments(item) for item in value]
    return value


def is_comment(key: str) -> bool:
    return key.startswith(COMMENT)


def describe(value: Any) -> str:
    """A short, safe description of a JSON value for error messages."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = json.dumps(value)
        return shown if len(shown) <= 42 else shown[:38] + '..."'
    return str(value)


def printable(text: str) -> str:
    """`text` with control characters escaped, so an error stays on one line."""
    return text if text.isprintable() else json.dumps(text, ensure_ascii=False)[1:-1]


def _read_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
    except FileNotFoundError:
        kind = "a symlink to a missing file" if path.is_symlink() else "missing"
        raise ConfigError(_shown(path), None, f"cannot read the file: it is {kind}") from None
    except OSError as exc:
        raise ConfigError(_shown(path), None, f"cannot read the file: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(_shown(path), None, "is a directory; expected a JSON file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            _shown(path), None, "is not a regular file (a FIFO, socket or device); expected a JSON file"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(_shown(path), None, f"cannot read the file: {exc.strerror}") from None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            _shown(path),
            None,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}, column {column})",
            hint="save the file as UTF-8",
        ) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result and not is_comment(key):
            raise _Rejected(f"the key {json.dumps(key)} appears twice in one object")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise _Rejected(f"{name} is not a JSON value")


def _shown(path: Path) -> str:
    return printable(str(path))
