"""Vendoring pure wheels into lib/ with pypa/installer: no pip, no interpreter, no bytecode."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile


def vendor(wheels: Sequence[Path], work: Path) -> Path:
    """Unpack `wheels` into `work/lib` (their scripts and data go to siblings that are not shipped)."""
    lib = work / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    scheme = {
        "purelib": str(lib),
        "platlib": str(lib),
        "scripts": str(work / "bin"),
        "headers": str(work / "include"),
        "data": str(work / "data"),
    }
    # Scripts are not shipped (lib/ is a folder on sys.path); the interpreter only fills their shebangs.
    destination = SchemeDictionaryDestination(
        scheme, interpreter="/usr/bin/python3", script_kind="posix", bytecode_optimization_levels=()
    )
    for wheel in sorted(wheels):
        with WheelFile.open(wheel) as source:
            install(source, destination, additional_metadata={"INSTALLER": b"deploytool\n"})
    return lib
