"""The host image recipe: its hash, its argv, and finding the machine's Debian mirror."""

from pathlib import Path

import pytest

from deploytool.errors import FleetError
from deploytool.fleet import image
from deploytool.fleet.image import Recipe


def test_the_recipe_hash_is_stable_and_changes_with_what_goes_in() -> None:
    assert Recipe().digest() == Recipe().digest()
    assert len(Recipe().digest()) == 16
    assert Recipe(packages=(*image.PACKAGES, "vim")).digest() != Recipe().digest()
    assert Recipe(setup=image.SETUP + "true\n").digest() != Recipe().digest()
    assert Recipe(version=image.RECIPE_VERSION + 1).digest() != Recipe().digest()


def test_the_image_has_what_deploys_run_on_hosts() -> None:
    for pkg in ("systemd-sysv", "openssh-server", "python3-venv", "redis-server", "uwsgi-plugin-python3"):
        assert pkg in image.PACKAGES
    assert "rm -f /etc/ssh/ssh_host_*" in image.SETUP


def test_debootstrap_argv() -> None:
    argv = image.debootstrap_argv(Recipe(packages=("a", "b")), Path("/c/.build/rootfs"), "http://m/debian")
    assert argv == ["debootstrap", "--variant=minbase", "--include=a,b", "bookworm", "/c/.build/rootfs",
                    "http://m/debian"]  # fmt: skip


def test_setup_runs_in_a_container_without_network() -> None:
    argv = image.setup_argv(Recipe(setup="echo hi"), Path("/r"))
    assert argv[:2] == ["systemd-nspawn", "-q"]
    assert "--private-network" in argv
    assert argv[-3:] == ["/bin/sh", "-c", "echo hi"]


def test_mirror_comes_from_a_deb822_sources_file(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "other.sources").write_text(
        "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n"
    )
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
    )
    assert image.find_mirror("bookworm", tmp_path) == "http://mirror.example/debian"


def test_mirror_comes_from_a_one_line_sources_list(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "# deb http://old/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n"
    )
    assert image.find_mirror("bookworm", tmp_path) == "http://m.example/debian"


def test_no_mirror_says_how_to_give_one(tmp_path: Path) -> None:
    with pytest.raises(FleetError) as info:
        image.find_mirror("bookworm", tmp_path)
    assert "--mirror" in str(info.value.hint)


def test_a_cached_image_is_found_only_once_it_is_complete(tmp_path: Path) -> None:
    recipe = Recipe()
    assert image.cached(recipe, tmp_path) is None
    (tmp_path / recipe.digest() / "rootfs").mkdir(parents=True)
    assert image.cached(recipe, tmp_path) is None
    (tmp_path / recipe.digest() / "recipe.json").write_text("{}")
    assert image.cached(recipe, tmp_path) == tmp_path / recipe.digest() / "rootfs"
    assert image.ensure(lambda _: None, root=tmp_path) == tmp_path / recipe.digest() / "rootfs"
