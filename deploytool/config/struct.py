"""Frozen containers for loaded config: `Struct` (attribute access, the seed post's Struct) and `FrozenDict`.

`Struct` has no public methods, so every key is reachable as an attribute (`cfg.db.items` is the key
"items", not a method); use `to_plain()` to get ordinary dicts and lists back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NoReturn, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """A dict that refuses every change; pydantic models use it for their mapping fields."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("loaded config is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return repr(dict(self))


class Struct:
    """A read-only mapping with attribute access: `cfg.db.path` is `cfg["db"]["path"]`.

    Nested objects become Structs and lists become tuples when the Struct is built.
    """

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        frozen = {str(key): freeze(value) for key, value in (data or {}).items()}
        object.__setattr__(self, "_data", frozen)

    def __getattr__(self, name: str) -> Any:
        if name == "_data":  # unpickling or copying before __init__ ran
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            known = ", ".join(self._data) or "none"
            raise AttributeError(f"no key {name!r} here (keys: {known})") from None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"loaded config is read-only; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"loaded config is read-only; cannot delete {name!r}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Struct):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {key for key in self._data if key.isidentifier()})

    def __repr__(self) -> str:
        body = ", ".join(
            f"{key}={value!r}" if key.isidentifier() else f"{key!r}: {value!r}"
            for key, value in self._data.items()
        )
        return f"{type(self).__name__}({body})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))


def freeze(value: Any) -> Any:
    """JSON-shaped data to its read-only form: dicts become Structs, lists become tuples."""
    if isinstance(value, Struct):
        return value
    if isinstance(value, Mapping):
        return Struct(value)
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def to_plain(value: Any) -> Any:
    """The inverse of `freeze`: Structs and FrozenDicts become dicts, tuples become lists."""
    if isinstance(value, Struct):
        return {key: to_plain(value[key]) for key in value}
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    return value
