"""Finds files deploytool ships (recipes, the example config) from a wheel, a one-file binary, or a checkout."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def recipes_dir() -> Path:
    """The bundled `recipes/` folder.

    Installed wheels and PyInstaller binaries carry it as `deploytool/_recipes`; a source checkout
    (or editable install) has it at the top of the repository.
    """
    candidates = [_PACKAGE / "_recipes", _PACKAGE.parent / "recipes"]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.insert(0, Path(frozen) / "deploytool" / "_recipes")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("deploytool's recipes folder is missing from this installation")


def source_root() -> Path | None:
    """The repository root when running from a checkout, else None."""
    root = _PACKAGE.parent
    return root if (root / "pyproject.toml").is_file() else None
