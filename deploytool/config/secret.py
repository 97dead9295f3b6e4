"""Secrets are references (`{"env": "NAME"}` or `{"file": "path"}`), printed as `***`, read only on request."""

from __future__ import annotations

import difflib
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator
from pydantic_core import PydanticCustomError

from deploytool.config.names import is_local_path, is_text
from deploytool.errors import UsageError

MASK = "***"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}", re.ASCII)
_SHAPE = 'expected a secret reference: {"env": "VARIABLE"} or {"file": "path to a 0600 file"}'


class Secret:
    """Where a secret value lives. str() and repr() are `***`; `resolve()` reads the value.

    A plain class rather than a dataclass so no generic serializer turns it back into its fields.
    """

    __slots__ = ("env", "file")
    env: str | None
    file: str | None

    def __init__(self, *, env: str | None = None, file: str | None = None) -> None:
        if (env is None) == (file is None):
            raise ValueError("a Secret comes from exactly one of env= or file=")
        object.__setattr__(self, "env", env)
        object.__setattr__(self, "file", file)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Secret is read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and (self.env, self.file) == (other.env, other.file)

    def __hash__(self) -> int:
        return hash((self.env, self.file))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.env, self.file))

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    @property
    def reference(self) -> str:
        """Where the value comes from (not the value): `env NAME` or `file PATH`."""
        return f"env {self.env}" if self.env is not None else f"file {self.file}"

    def resolve(self, base: Path | None = None) -> str:
        """The secret's value: the environment variable, or the file's text without its final newline.

        A relative file path is taken from `base` (the project folder). The file must not be readable by
        group or others.
        """
        if self.env is not None:
            try:
                return os.environ[self.env]
            except KeyError:
                raise UsageError(
                    f"secret from env {self.env}: the environment variable is not set",
                    hint=f"export {self.env}=... before running deploytool",
                ) from None
        assert self.file is not None
        path = Path(self.file).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            with path.open("rb") as handle:
                mode = os.fstat(handle.fileno()).st_mode
                if mode & 0o077:
                    raise UsageError(
                        f"secret file {path}: mode {stat.S_IMODE(mode):04o} lets others read it",
                        hint=f"chmod 600 {path}",
                    )
                data = handle.read()
        except OSError as exc:
            raise UsageError(f"secret file {path}: cannot read it: {exc.strerror}") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"secret file {path}: not UTF-8 text") from None
        return text[:-1] if text.endswith("\n") else text


def _rebuild(env: str | None, file: str | None) -> Secret:
    return Secret(env=env, file=file)


def parse_secret(value: Any) -> Secret:
    """Validate a reference in its JSON form."""
    if isinstance(value, Secret):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        raise PydanticCustomError("secret_shape", _SHAPE)
    ((key, target),) = value.items()
    if key not in {"env", "file"}:
        close = difflib.get_close_matches(key, ["env", "file"], n=1)
        raise PydanticCustomError(
            "secret_key",
            "unknown key '{key}'; " + _SHAPE,
            {"key": key, "at": (key,), "suggest": close[0] if close else ""},
        )
    if not isinstance(target, str):
        raise PydanticCustomError("secret_type", "expected a string", {"at": (key,)})
    if key == "env" and not _ENV_NAME.fullmatch(target):
        raise PydanticCustomError("secret_env", "expected an environment variable name", {"at": (key,)})
    if key == "file" and not is_local_path(target):
        raise PydanticCustomError(
            "secret_file", "expected a file path without control characters", {"at": (key,)}
        )
    return Secret(env=target) if key == "env" else Secret(file=target)


def parse_env_value(value: Any) -> str | Secret:
    """A service environment value: plain text, or a secret reference."""
    if isinstance(value, str):
        if not is_text(value):
            raise PydanticCustomError(
                "env_text", "expected text without control characters (newlines, tabs, NUL)"
            )
        return value
    if isinstance(value, dict | Secret):
        return parse_secret(value)
    raise PydanticCustomError("env_value", 'expected a string or a secret reference {"env": "VARIABLE"}')


def _masked(value: Any) -> Any:
    return MASK if isinstance(value, Secret) else value


SecretRef = Annotated[Secret, PlainValidator(parse_secret), PlainSerializer(_masked, when_used="json")]
EnvValue = Annotated[
    str | Secret, PlainValidator(parse_env_value), PlainSerializer(_masked, when_used="json")
]
