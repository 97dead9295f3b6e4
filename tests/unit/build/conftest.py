"""Build test fixtures: a tiny pure wheel made on the spot (no index needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from build_fakes import fake_project, make_wheel

from deploytool.build.plan import BuildInputs


@pytest.fixture
def wheel_maker() -> Callable[..., Path]:
    """`wheel_maker(folder, name="tiny", version="1.0")` -> the path of a valid pure wheel."""
    return make_wheel


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BuildInputs:
    """An app needing one pure package (tiny), its resolution and download answered locally."""
    return fake_project(tmp_path, monkeypatch, make_wheel)
