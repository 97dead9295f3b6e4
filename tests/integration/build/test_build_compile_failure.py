"""An sdist whose C extension does not compile: exit 1, the package and the compiler's error on one line.

The sdist is made here and served from a local folder (deploy.build.index_url) with the setuptools
wheel it builds with; the build runs in the real nspawn root.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

from deploytool.build.cache import ArtifactCache
from deploytool.cli import main

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FILES = {
    "PKG-INFO": "Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n",
    "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
    "setup.py": (
        "from setuptools import Extension, setup\n"
        'setup(name="broken", version="1.0", packages=["broken"],\n'
        '      ext_modules=[Extension("broken._speedups", ["broken/_speedups.c"])])\n'
    ),
    "broken/__init__.py": "",
    "broken/_speedups.c": "#include <Python.h>\nint answer(void) { return 42 }\n",  # no ';'
}
CONFIG = """{"deploy": {"app": "brokenapp", "root": "/srv/brokenapp", "ssh": {"user": "deploy"},
  "build": {"builder": "nspawn", "index_url": "index"},
  "services": {"web": {"recipe": "gunicorn"}}, "roles": {"web": {"services": ["web"]}}}}
"""


def make_sdist(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "broken-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in FILES.items():
            data = text.encode()
            info = tarfile.TarInfo(f"broken-1.0/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def broken_app(tmp_path: Path, sample_seed_cache: ArtifactCache, build_root: Path) -> Path:
    app = tmp_path / "app"
    (app / "etc").mkdir(parents=True)
    (app / "etc" / "config.json").write_text(CONFIG)
    (app / "requirements.txt").write_text("broken==1.0\n")
    (app / "app.py").write_text("import broken\n")
    make_sdist(app / "index")
    (setuptools,) = sample_seed_cache.wheelhouse.glob("setuptools-*.whl")  # psycopg2 builds with it too
    shutil.copy(setuptools, app / "index")
    return app


def test_an_sdist_that_fails_to_compile_names_the_package_and_the_compiler_error(
    broken_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("DEPLOYTOOL_CACHE", str(cache))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys, "argv", ["deploytool", "-C", str(broken_app), "build"])
    with pytest.raises(SystemExit) as exited:
        main()
    lines = capsys.readouterr().err.splitlines()
    assert exited.value.code == 1
    error = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    message, hint = lines[error:]  # one line, and the hint
    assert message.startswith("error: broken failed to build in the nspawn build machine: ")
    # gcc quotes with typographic quotes under a UTF-8 locale
    assert re.search(r"broken/_speedups\.c:2:\d+: error: expected .;. before .}. token$", message), message
    log = next(cache.glob("logs/env-*.log"))
    assert hint == f"  hint: the full output is in {log}"
    assert re.search(r"error: expected .;. before .}. token", log.read_text())
    # Nothing half-written: no env, no release; what was stored (lib, app) is complete.
    assert list((cache / "env").glob("*")) == []
    assert not (cache / "releases").exists()
    assert list((cache / ".work").iterdir()) == []
    for part in ("lib", "app"):
        stored = sorted(p.name for p in (cache / part).iterdir())
        assert len(stored) == 2 and stored[0].endswith(".json") and stored[1].endswith(".tar.gz")
