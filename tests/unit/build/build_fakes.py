"""Fakes for build tests: a build machine that makes a tiny venv, and an app whose index is answered locally."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from deploytool.build import fetch, plan
from deploytool.build.builders.base import Builder, LineSink, Mount, Session
from deploytool.build.fetch import sha256_file
from deploytool.build.lock import parse_lock
from deploytool.build.plan import BuildInputs
from deploytool.build.split import Dist
from deploytool.build.target import Target


class FakeSession:
    """Plays the build machine: `python3 -m venv PATH` makes a small venv in the mounted folder."""

    def __init__(
        self, mounts: Sequence[Mount], leak: str | None, packages: str = "python3=3.11.2-1+b1\n"
    ) -> None:
        self.mounts = {m.guest: m.host for m in mounts}
        self.leak = leak
        self.packages = packages
        self.ran: list[list[str]] = []

    def run(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
        self.ran.append(list(argv))
        if argv[:3] == ["/usr/bin/python3", "-m", "venv"]:
            path = argv[3]
            host = self.mounts[path]
            (host / "bin").mkdir()
            (host / "pyvenv.cfg").write_text(
                f"home = /usr/bin\nversion = 3.11.2\ncommand = /usr/bin/python3 -m venv {path}\n"
            )
            (host / "bin" / "tool").write_text(f"#!{self.leak or path}/bin/python\n")
        if argv[0] == "dpkg-query":
            return self.packages
        return ""


class FakeBuilder(Builder):
    name = "fake"

    def __init__(self, leak: str | None = None, packages: str = "python3=3.11.2-1+b1\n") -> None:
        self.leak = leak
        self.packages = packages
        self.sessions: list[FakeSession] = []

    @contextmanager
    def _session(self, mounts: Sequence[Mount]) -> Iterator[Session]:
        session = FakeSession(mounts, self.leak, self.packages)
        self.sessions.append(session)
        yield session

    def session(
        self, mounts: Sequence[Mount], sink: LineSink | None = None
    ) -> AbstractContextManager[Session]:
        return self._session(mounts)


def fake_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheel_maker: Callable[..., Path]
) -> BuildInputs:
    """An app needing one pure package, with resolution and download answered locally."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("import tiny\n")
    (app / "requirements.txt").write_text("tiny\n")
    wheelhouse = tmp_path / "cache" / "wheels"
    wheel = wheel_maker(wheelhouse)
    lock_text = f"tiny==1.0 --hash=sha256:{sha256_file(wheel)}\n"

    def resolve_text(requirements: str, target: Target, index_url: str, workdir: Path) -> Any:
        return parse_lock(lock_text)

    def fake_fetch(*args: Any, **kwargs: Any) -> list[Dist]:
        return [Dist("tiny", "1.0", wheel.name, sha256_file(wheel), pure=True)]

    monkeypatch.setattr(plan, "resolve_text", resolve_text)
    monkeypatch.setattr(fetch, "fetch", fake_fetch)
    return BuildInputs(
        app="demo", root="/srv/demo", app_dir=app, requirements_file=app / "requirements.txt", builder="fake"
    )


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
