"""Resolving requirements into a lock with hashes (uv), and reading a lock back.

uv resolves for the *target* (its Python and manylinux platform), not for the machine it runs on.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from deploytool.build.target import Target
from deploytool.errors import BuildError, MissingDependency, UsageError

DEFAULT_INDEX = "https://pypi.org/simple"
# Environment variables that would silently change which index or files pip/uv use.
_INDEX_VARS = re.compile(r"^(PIP|UV)_(INDEX_URL|EXTRA_INDEX_URL|FIND_LINKS|NO_INDEX|CONFIG_FILE|INDEX)$")


@dataclass(frozen=True)
class Locked:
    name: NormalizedName
    version: str
    hashes: tuple[str, ...]  # "sha256:..."

    def line(self) -> str:
        """The requirement line pip accepts in --require-hashes mode."""
        return " ".join([f"{self.name}=={self.version}", *(f"--hash={h}" for h in self.hashes)])


@dataclass(frozen=True)
class Lock:
    packages: tuple[Locked, ...]

    def text(self) -> str:
        return "".join(p.line() + "\n" for p in self.packages)

    def sha256(self) -> str:
        return hashlib.sha256(self.text().encode()).hexdigest()

    def subset(self, names: Iterable[str]) -> Lock:
        wanted = {canonicalize_name(n) for n in names}
        return Lock(tuple(p for p in self.packages if p.name in wanted))

    def by_name(self) -> dict[NormalizedName, Locked]:
        return {p.name: p for p in self.packages}


def parse_lock(text: str) -> Lock:
    """Read uv/pip-compile output (comments, continuation lines, `--hash` options)."""
    joined = re.sub(r"\\\n", " ", text)
    packages: list[Locked] = []
    for raw in joined.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        hashes = tuple(sorted(p.removeprefix("--hash=") for p in parts[1:] if p.startswith("--hash=")))
        try:
            req = Requirement(parts[0])
        except InvalidRequirement as exc:
            raise BuildError(f"lock line not understood: {line!r}: {exc}") from exc
        pins = [s.version for s in req.specifier if s.operator == "=="]
        if len(pins) != 1 or not hashes:
            raise BuildError(f"lock line is not a pin with hashes: {line!r}")
        packages.append(Locked(canonicalize_name(req.name), pins[0], hashes))
    return Lock(tuple(sorted(packages, key=lambda p: p.name)))


def index_args(index_url: str) -> list[str]:
    """pip/uv options for `index_url`: a simple index (http/https), or a local folder used as find-links."""
    if index_url.startswith(("http://", "https://")):
        return ["--index-url", index_url]
    folder = Path(index_url.removeprefix("file://"))
    if not folder.is_dir():
        raise UsageError(
            f"package index folder not found: {folder}",
            hint="set deploy.build.index_url to an http(s) simple index or an existing folder",
        )
    return ["--no-index", "--find-links", str(folder)]


_DECORATION = " \u00d7\u2570\u2500\u25b6\u2502\u2503"  # the marks uv draws its error tree with


def one_line(output: str, limit: int = 400) -> str:
    """A tool's error output on one line: box-drawing and blank lines gone, whitespace squeezed."""
    text = " ".join(ln.strip(_DECORATION) for ln in output.strip().splitlines() if ln.strip(_DECORATION))
    text = re.sub(r"\s+", " ", re.sub(r"^(error|ERROR): ", "", text)).replace(" cause: ", ": ")
    return text if len(text) <= limit else "..." + text[-limit:]


def index_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for pip and uv: no index, find-links or config file but the one we pass."""
    env = {k: v for k, v in (base if base is not None else os.environ).items() if not _INDEX_VARS.match(k)}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def uv_bin() -> str:
    try:
        from uv import find_uv_bin
    except ImportError as exc:
        raise MissingDependency("uv is not installed", hint="pip install uv") from exc
    return str(find_uv_bin())


def resolve_text(requirements: str, target: Target, index_url: str, workdir: Path) -> Lock:
    """Resolve requirement lines (text) into a Lock for `target`."""
    workdir.mkdir(parents=True, exist_ok=True)
    req_file = workdir / "requirements.in"
    req_file.write_text(requirements)
    argv = [
        uv_bin(),
        "pip",
        "compile",
        str(req_file),
        "--generate-hashes",
        "--no-header",
        "--no-annotate",
        "--no-config",
        "--quiet",
        "--python-version",
        target.python,
        "--python-platform",
        target.uv_platform(),
        *index_args(index_url),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, env=index_env(), check=False)
    if proc.returncode != 0:
        raise UsageError(
            f"the requirements cannot be resolved for Python {target.python} on {target.distro}: "
            + one_line(proc.stderr),
            hint="fix the conflicting or missing requirement in the requirements file",
        )
    return parse_lock(proc.stdout)


def read_requirements(path: Path) -> str:
    if not path.is_file():
        raise UsageError(
            f"requirements file not found: {path}",
            hint="create it, or set deploy.build.requirements to the app's requirements file",
        )
    return path.read_text()


def lock_key(requirements: str, target: Target, index_url: str) -> str:
    """The cache key of a resolution: what was asked, for which target, from which index."""
    parts = [requirements, repr(sorted(target.as_dict().items())), index_url, "uv-compile-1"]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
