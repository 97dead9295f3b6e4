"""The relocation check: a leftover build path in any kind of venv file fails the build, naming it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploytool.build.relocate import check, describe, find_leftovers
from deploytool.errors import BuildError

INSTALL = "/srv/app/envs/0123456789abcdef"
BUILD = "/var/cache/deploytool/.work/env-x1y2"
SITE = "lib/python3.11/site-packages"


def make_env(root: Path, python: str = INSTALL) -> Path:
    """A clean venv tree as the build leaves it at INSTALL."""
    (root / "bin").mkdir(parents=True)
    (root / SITE / "pkg-1.0.dist-info").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text(
        "home = /usr/bin\nversion = 3.11.2\nexecutable = /usr/bin/python3.11\n"
        f"command = /usr/bin/python3 -m venv {INSTALL}\n"
    )
    (root / "bin" / "gunicorn").write_text(f"#!{python}/bin/python3\nimport sys\n")
    (root / "bin" / "activate").write_text(f'VIRTUAL_ENV="{INSTALL}"\nexport VIRTUAL_ENV\n')
    (root / "bin" / "python3").symlink_to("/usr/bin/python3")
    (root / SITE / "distutils-precedence.pth").write_text("import os\n")
    (root / SITE / "pkg-1.0.dist-info" / "RECORD").write_text(
        "pkg/__init__.py,sha256=x,1\n../../../bin/gunicorn,,\n"
    )
    (root / SITE / "pkg-1.0.dist-info" / "WHEEL").write_text(
        "Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux_2_28_x86_64\n"
    )
    return root


def test_a_clean_env_built_at_its_install_path_passes(tmp_path: Path) -> None:
    env = make_env(tmp_path / "env")
    assert find_leftovers(env, INSTALL, [BUILD, str(tmp_path)]) == []
    check(env, INSTALL, [BUILD])


PLANTS = {
    "script shebang": ("bin/gunicorn", f"#!{BUILD}/bin/python3\nimport sys\n"),
    "exec-form shebang": (
        "bin/long",
        f"#!/bin/sh\n'''exec' {BUILD}/bin/python3 \"$0\" \"$@\"\n' '''\nimport sys\n",
    ),
    "activate": ("bin/activate", f'VIRTUAL_ENV="{BUILD}"\n'),
    "activate.fish": ("bin/activate.fish", f'set -gx VIRTUAL_ENV "{BUILD}"\n'),
    "pyvenv.cfg": ("pyvenv.cfg", f"home = /usr/bin\ncommand = /usr/bin/python3 -m venv {BUILD}\n"),
    ".pth": (f"{SITE}/extra.pth", f"{BUILD}/src\n"),
    "RECORD": (f"{SITE}/pkg-1.0.dist-info/RECORD", f"{BUILD}/bin/tool,,\n"),
    "direct_url.json": (f"{SITE}/pkg-1.0.dist-info/direct_url.json", f'{{"url": "file://{BUILD}/pkg.whl"}}'),
}


@pytest.mark.parametrize("kind", sorted(PLANTS))
def test_a_leftover_build_path_fails_the_build_and_names_the_file(tmp_path: Path, kind: str) -> None:
    env = make_env(tmp_path / "env")
    rel, text = PLANTS[kind]
    (env / rel).write_text(text)
    with pytest.raises(BuildError) as exc:
        check(env, INSTALL, [BUILD])
    assert rel in exc.value.message
    assert exc.value.hint is not None and "install path" in exc.value.hint


def test_a_script_run_by_a_python_outside_the_env_and_the_system_is_a_leftover(tmp_path: Path) -> None:
    env = make_env(tmp_path / "env")
    (env / "bin" / "tool").write_text("#!/home/dev/.pyenv/versions/3.11.7/bin/python\n")
    found = find_leftovers(env, INSTALL, [])
    assert [(f.file, f.kind) for f in found] == [("bin/tool", "shebang")]


def test_a_venv_made_for_another_path_is_a_leftover_even_without_known_build_paths(tmp_path: Path) -> None:
    env = make_env(tmp_path / "env")
    assert [f.kind for f in find_leftovers(env, "/srv/other/envs/1", [])] == ["shebang", "pyvenv.cfg command"]


def test_the_description_gives_python_abi_the_lowest_manylinux_per_wheel_and_glibc_of_elf_files(
    tmp_path: Path,
) -> None:
    env = make_env(tmp_path / "env")
    so = Path("/usr/bin/true")  # any ELF file linked against glibc with versioned symbols
    shutil.copy(so, env / SITE / so.name)
    facts = describe(env)
    assert facts["python"] == {"version": "3.11.2", "abi": "cp311"}
    assert facts["manylinux"] == "manylinux_2_17"
    assert facts["compiled_files"] == [f"{SITE}/{so.name}"]
    major, minor = (int(x) for x in facts["glibc_required"].split("."))
    assert (major, minor) >= (2, 2)
    assert "libc.so.6" in facts["needs_libraries"]
