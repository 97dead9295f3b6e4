"""The lib/env split: which locked package is pure Python (vendored in lib/) and which is compiled (env).

Pure decisions only; fetch.py finds the files they are made from.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from packaging.utils import canonicalize_name, parse_wheel_filename

from deploytool.errors import UsageError

Dest = Literal["lib", "env"]


def is_pure_wheel(filename: str) -> bool:
    """True for a wheel every tag of which is `none-any` (py3-none-any, py2.py3-none-any)."""
    _, _, _, tags = parse_wheel_filename(filename)
    return all(t.abi == "none" and t.platform == "any" for t in tags)


@dataclass(frozen=True)
class Dist:
    """The file pip picks for one locked package on the target, and what it is."""

    name: str
    version: str
    filename: str  # the downloaded file (wheel or sdist)
    sha256: str
    pure: bool  # a pure wheel, or an sdist that built to one
    built: str | None = None  # for a pure sdist: the wheel built from it (installed into lib/)
    built_sha256: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Entry:
    name: str
    version: str
    dest: Dest
    reason: str
    dist: Dist

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(dist: Dist, override: Dest | None) -> Entry:
    kind = "wheel" if dist.filename.endswith(".whl") else "sdist"
    if dist.pure:
        natural: Dest = "lib"
        why = "pure wheel" if kind == "wheel" and not dist.built else "sdist builds to a pure wheel"
    else:
        natural = "env"
        why = dist.note or ("compiled wheel" if kind == "wheel" else "sdist with compiled code")
    if override is None or override == natural:
        return Entry(dist.name, dist.version, natural, why, dist)
    if override == "lib":
        raise UsageError(
            f"{dist.name} {dist.version} is overridden into lib/ but has no pure wheel ({why})",
            hint=f"remove the override for {dist.name}: compiled code must be built into env",
        )
    return Entry(dist.name, dist.version, override, f"override (would be {natural}: {why})", dist)


def check_overrides(overrides: Mapping[str, Dest], locked: Sequence[str]) -> dict[str, Dest]:
    """Overrides keyed by canonical name; an unknown package is an input error with a suggestion."""
    names = {canonicalize_name(n) for n in locked}
    checked: dict[str, Dest] = {}
    for raw, dest in overrides.items():
        name = canonicalize_name(raw)
        if dest not in ("lib", "env"):
            raise UsageError(f'override for {raw!r} must be "lib" or "env", not {dest!r}')
        if name not in names:
            close = difflib.get_close_matches(name, sorted(names), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "overrides name packages in the resolved lock"
            raise UsageError(
                f"deploy.build.overrides: {raw!r} is not in the resolved requirements", hint=hint
            )
        checked[str(name)] = dest
    return checked


@dataclass(frozen=True)
class Split:
    entries: tuple[Entry, ...]

    def names(self, dest: Dest) -> list[str]:
        return [e.name for e in self.entries if e.dest == dest]

    def of(self, dest: Dest) -> list[Entry]:
        return [e for e in self.entries if e.dest == dest]

    def as_list(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.entries]

    @classmethod
    def from_list(cls, rows: Sequence[Mapping[str, Any]]) -> Split:
        return cls(
            tuple(Entry(r["name"], r["version"], r["dest"], r["reason"], Dist(**r["dist"])) for r in rows)
        )


def split(dists: Sequence[Dist], overrides: Mapping[str, Dest]) -> Split:
    checked = check_overrides(overrides, [d.name for d in dists])
    entries = [decide(d, checked.get(str(canonicalize_name(d.name)))) for d in dists]
    return Split(tuple(sorted(entries, key=lambda e: e.name)))
