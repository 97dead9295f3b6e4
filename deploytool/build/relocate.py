"""After an env build: fail on any leftover build path, and record what the env needs from a host.

Venvs are not relocatable, so env is built at its install path; this proves nothing else leaked in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from deploytool.errors import BuildError

SYSTEM_BIN = ("/usr/bin/", "/bin/", "/usr/local/bin/")
_EXEC_FORM = re.compile(rb"^'''exec' (\S+)")
_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_")
_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


@dataclass(frozen=True)
class Leftover:
    file: str  # relative to the env
    kind: str
    found: str

    def __str__(self) -> str:
        return f"{self.file} ({self.kind}): {self.found}"


def _interpreter(head: bytes) -> str | None:
    lines = head.split(b"\n", 2)
    if not lines[0].startswith(b"#!"):
        return None
    words = lines[0][2:].split()
    if words and words[0] == b"/bin/sh" and len(lines) > 1 and (m := _EXEC_FORM.match(lines[1])):
        return m.group(1).decode(errors="replace")
    return words[0].decode(errors="replace") if words else None


def _kinds(env: Path) -> Iterator[tuple[Path, str]]:
    bin_dir = env / "bin"
    if bin_dir.is_dir():
        for f in sorted(bin_dir.iterdir()):
            if f.is_file() and not f.is_symlink():
                yield f, "activate script" if f.name.lower().startswith("activate") else "script"
    if (env / "pyvenv.cfg").is_file():
        yield env / "pyvenv.cfg", "pyvenv.cfg"
    for f in sorted(env.rglob("*")):
        if f.is_symlink() or not f.is_file():
            continue
        if f.suffix == ".pth":
            yield f, ".pth"
        elif f.name in ("RECORD", "direct_url.json") and f.parent.name.endswith(".dist-info"):
            yield f, f.name


def find_leftovers(env: Path, install_path: str, build_paths: Sequence[str]) -> list[Leftover]:
    """Every file of a checked kind that names a build path, or a script run by a foreign python."""
    needles = [p.encode() for p in build_paths if p and p != install_path]
    found: list[Leftover] = []
    for f, kind in _kinds(env):
        rel = str(f.relative_to(env))
        data = f.read_bytes()
        if b"\0" in data[:1024]:
            continue  # a compiled program in bin/ (none in a venv, but harmless)
        for needle in needles:
            if needle in data:
                found.append(Leftover(rel, kind, needle.decode()))
        if kind == "script":
            interp = _interpreter(data[:4096])
            if interp and not interp.startswith((install_path.rstrip("/") + "/", *SYSTEM_BIN)):
                found.append(Leftover(rel, "shebang", interp))
        if kind == "pyvenv.cfg":
            for line in data.decode(errors="replace").splitlines():
                key, _, value = (s.strip() for s in line.partition("="))
                if key == "command" and not value.endswith(" " + install_path):
                    found.append(Leftover(rel, "pyvenv.cfg command", value))
    return found


def check(env: Path, install_path: str, build_paths: Sequence[str]) -> None:
    leftovers = find_leftovers(env, install_path, build_paths)
    if leftovers:
        listing = "\n".join(f"  {item}" for item in leftovers[:20])
        raise BuildError(
            f"env at {install_path} still names its build location in {len(leftovers)} place(s):\n{listing}",
            hint="the env must be built at its install path (a builder must bind-mount it there)",
        )


def _glibc_needs(path: Path) -> tuple[set[tuple[int, int]], set[str]]:
    versions: set[tuple[int, int]] = set()
    needed: set[str] = set()
    try:
        with path.open("rb") as f:
            elf = ELFFile(f)
            for section in elf.iter_sections():
                if isinstance(section, GNUVerNeedSection):
                    for _, auxes in section.iter_versions():
                        for aux in auxes:
                            m = re.match(r"GLIBC_(\d+)\.(\d+)", aux.name)
                            if m:
                                versions.add((int(m.group(1)), int(m.group(2))))
            dynamic = elf.get_section_by_name(".dynamic")
            if isinstance(dynamic, DynamicSection):
                needed.update(str(getattr(t, "needed", "")) for t in dynamic.iter_tags("DT_NEEDED"))
    except ELFError:
        pass
    return versions, needed


def _wheel_tags(env: Path) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for wheel in sorted(env.glob("lib/python*/site-packages/*.dist-info/WHEEL")):
        lines = wheel.read_text(errors="replace").splitlines()
        tags[wheel.parent.name] = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("Tag:")]
    return tags


def _manylinux_level(platform: str) -> tuple[int, int] | None:
    m = _MANYLINUX.match(platform)
    if m:
        return int(m.group(1)), int(m.group(2))
    return next((v for k, v in _LEGACY.items() if platform.startswith(k + "_")), None)


def describe(env: Path) -> dict[str, Any]:
    """Python version/ABI, the highest glibc and manylinux the compiled files need, their libraries."""
    cfg = {}
    if (env / "pyvenv.cfg").is_file():
        for line in (env / "pyvenv.cfg").read_text().splitlines():
            key, _, value = (s.strip() for s in line.partition("="))
            cfg[key] = value
    version = cfg.get("version") or cfg.get("version_info", "")
    glibc: set[tuple[int, int]] = set()
    needed: set[str] = set()
    elf_files = []
    for f in sorted(env.rglob("*")):
        if f.is_file() and not f.is_symlink() and f.stat().st_size > 4:
            with f.open("rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
            v, n = _glibc_needs(f)
            glibc |= v
            needed |= n
            elf_files.append(str(f.relative_to(env)))
    shipped = {f.rsplit("/", 1)[-1] for f in elf_files}
    tags = _wheel_tags(env)
    manylinux: set[tuple[int, int]] = set()
    for tag_list in tags.values():
        # A wheel with several platform tags runs where any of them does: it needs the lowest.
        levels = [lvl for lvl in (_manylinux_level(t.split("-")[-1]) for t in tag_list) if lvl]
        if levels:
            manylinux.add(min(levels))
    top = max(glibc) if glibc else None
    top_ml = max(manylinux) if manylinux else None
    minor = ".".join(version.split(".")[:2])
    return {
        "python": {"version": version, "abi": "cp" + minor.replace(".", "") if minor else None},
        "glibc_required": f"{top[0]}.{top[1]}" if top else None,
        "manylinux": f"manylinux_{top_ml[0]}_{top_ml[1]}" if top_ml else None,
        "compiled_files": elf_files,
        "needs_libraries": sorted(needed - shipped),
        "wheel_tags": tags,
    }
