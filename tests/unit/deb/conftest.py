"""deb test fixtures: a project and an artifact cache holding one tiny built release of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from deb_fakes import make_project, make_release

from deploytool.build.cache import ArtifactCache


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    return make_project(tmp_path / "app")


@pytest.fixture
def cache(tmp_path: Path, project_dir: Path) -> ArtifactCache:
    """A cache with release 0123456789abcdef of `sample`, built from project_dir."""
    cache = ArtifactCache(tmp_path / "cache")
    make_release(cache.root, project_dir)
    return cache
