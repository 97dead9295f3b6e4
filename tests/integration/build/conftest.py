"""Apps to build: a small one (one pure, two compiled requirements) and the sample app, each planned
once per session (needs PyPI); the vagrant machine is made once and destroyed at the session's end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from build_support import sample_inputs

from deploytool.build import box
from deploytool.build.builders.vagrant import VagrantBuilder
from deploytool.build.cache import ArtifactCache
from deploytool.build.plan import BuildInputs, make_plan

# bottle: a pure wheel (lib/); markupsafe: a manylinux wheel (env); psycopg2: an sdist compiled against
# libpq in the build machine (env).
REQUIREMENTS = "bottle==0.13.4\nmarkupsafe==3.0.3\npsycopg2==2.9.10\n"


@pytest.fixture(scope="session")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = tmp_path_factory.mktemp("buildapp")
    (app / "requirements.txt").write_text(REQUIREMENTS)
    (app / "app.py").write_text("import bottle, psycopg2\n")
    return app


def make_inputs(app: Path, builder: str) -> BuildInputs:
    return BuildInputs(
        app="buildapp",
        root="/srv/buildapp",
        app_dir=app,
        requirements_file=app / "requirements.txt",
        builder=builder,
    )


@pytest.fixture(scope="session")
def inputs(app_dir: Path) -> Callable[[str], BuildInputs]:
    """`inputs("nspawn")`: the fixture app's BuildInputs for that builder."""
    return lambda builder: make_inputs(app_dir, builder)


@pytest.fixture(scope="session")
def seed_cache(tmp_path_factory: pytest.TempPathFactory, app_dir: Path) -> ArtifactCache:
    """Resolved, downloaded and split once; each test starts from a copy of it."""
    cache = ArtifactCache(tmp_path_factory.mktemp("seed-cache"))
    make_plan(make_inputs(app_dir, "nspawn"), cache)
    return cache


@pytest.fixture(scope="session")
def build_root() -> Path:
    """The nspawn root (cached under /var/cache/deploytool/roots; made in about a minute when missing)."""
    return box.ensure_root("bookworm")


@pytest.fixture(scope="session")
def sample_seed_cache(tmp_path_factory: pytest.TempPathFactory) -> ArtifactCache:
    """The sample app resolved, downloaded and split once; each build starts from a copy of it."""
    cache = ArtifactCache(tmp_path_factory.mktemp("sample-seed-cache"))
    make_plan(sample_inputs("nspawn"), cache)
    return cache


@pytest.fixture(scope="session")
def vagrant_box() -> Iterator[str]:
    """The locally built lxc box, added to Vagrant; the build machine made from it is destroyed at the end."""
    made = box.build_box("bookworm")
    box.add_box(made)
    yield made.name
    VagrantBuilder(made.name, box.cache_base() / "vagrant" / "bookworm").destroy()
