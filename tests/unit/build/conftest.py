"""Build test fixtures: a tiny pure wheel made on the spot (no index needed)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from build_fakes import fake_project

from deploytool.build.plan import BuildInputs


def make_wheel(folder: Path, name: str = "tiny", version: str = "1.0") -> Path:
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{name}-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={digest},{len(data)}\n"
    record += f"{name}-{version}.dist-info/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
        zf.writestr(f"{name}-{version}.dist-info/RECORD", record)
    return wheel


@pytest.fixture
def wheel_maker() -> Callable[..., Path]:
    """`wheel_maker(folder, name="tiny", version="1.0")` -> the path of a valid pure wheel."""
    return make_wheel


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BuildInputs:
    """An app needing one pure package (tiny), its resolution and download answered locally."""
    return fake_project(tmp_path, monkeypatch, make_wheel)
