"""Depends: derived from the env's libraries through a (faked) dpkg database, the recipes and Python."""

from __future__ import annotations

from pathlib import Path

import pytest
from deb_fakes import BOOKWORM, FakeDpkg

from deploytool.deb import depends, dpkg
from deploytool.errors import PackageError


def test_python_is_pinned_to_the_exact_minor_the_env_was_built_for() -> None:
    assert depends.python_range("3.11") == ["python3 (>= 3.11)", "python3 (<< 3.12)"]
    assert depends.python_range("3.9.2") == ["python3 (>= 3.9)", "python3 (<< 3.10)"]


def test_each_library_maps_to_the_package_that_ships_it_with_its_declared_minimum() -> None:
    found = depends.library_packages(["libpq.so.5", "libc.so.6"], BOOKWORM, "amd64", "2.14")
    assert found == ["libc6 (>= 2.14)", "libpq5 (>= 15.18)"]


def test_glibc_is_bound_by_what_the_env_needs_not_by_the_build_roots_version() -> None:
    """The build records the highest glibc symbol version the compiled files use; the shlibs file
    would demand the build root's own glibc (2.36)."""
    assert depends.library_packages(["libc.so.6"], BOOKWORM, "amd64", "2.17") == ["libc6 (>= 2.17)"]
    assert depends.library_packages(["libc.so.6"], BOOKWORM, "amd64", None) == ["libc6 (>= 2.36)"]


def test_libraries_of_one_package_give_one_relation() -> None:
    db = FakeDpkg(
        files={
            "libc.so.6": [("libc6:amd64", "/lib/x86_64-linux-gnu/libc.so.6")],
            "libpthread.so.0": [("libc6:amd64", "/lib/x86_64-linux-gnu/libpthread.so.0")],
        }
    )
    assert depends.library_packages(["libpthread.so.0", "libc.so.6"], db, "amd64", "2.14") == [
        "libc6 (>= 2.14)"
    ]


def test_a_library_two_installed_packages_ship_becomes_alternatives() -> None:
    db = FakeDpkg(
        files={
            "libssl.so.3": [
                ("libssl3:amd64", "/usr/lib/x86_64-linux-gnu/libssl.so.3"),
                ("libssl3t64:amd64", "/usr/lib/x86_64-linux-gnu/libssl.so.3"),
            ]
        }
    )
    assert depends.library_packages(["libssl.so.3"], db, "amd64", None) == ["libssl3 | libssl3t64"]


def test_other_architectures_debug_files_and_private_copies_are_not_providers() -> None:
    db = FakeDpkg(
        files={
            "libz.so.1": [
                ("zlib1g:i386", "/lib/i386-linux-gnu/libz.so.1"),
                ("zlib1g-dbg:amd64", "/usr/lib/debug/.build-id/libz.so.1"),
                ("someapp:amd64", "/opt/someapp/lib/libz.so.1"),
                ("zlib1g:amd64", "/lib/x86_64-linux-gnu/libz.so.1"),
            ]
        }
    )
    assert depends.library_packages(["libz.so.1"], db, "amd64", None) == ["zlib1g"]


def test_a_library_no_package_ships_is_an_error_naming_it_and_where_it_looked() -> None:
    with pytest.raises(PackageError) as caught:
        depends.library_packages(["libmissing.so.2"], BOOKWORM, "amd64", None)
    assert "libmissing.so.2" in caught.value.message
    assert "the fake build root" in caught.value.message


def test_the_depends_list_is_python_first_then_everything_else_sorted_once() -> None:
    recipes = depends.recipe_packages([(), ("uwsgi-core", "uwsgi-plugin-python3"), ("redis-server",), ()])
    assert recipes == ["redis-server", "uwsgi-core", "uwsgi-plugin-python3"]
    assert depends.depends("3.11", ["libpq5 (>= 15.18)", "libc6 (>= 2.14)"], [*recipes, "redis-server"]) == [
        "python3 (>= 3.11)",
        "python3 (<< 3.12)",
        "adduser",
        "libc6 (>= 2.14)",
        "libpq5 (>= 15.18)",
        "redis-server",
        "uwsgi-core",
        "uwsgi-plugin-python3",
    ]


def test_dpkg_query_search_output_is_parsed_into_package_and_path() -> None:
    text = (
        "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6\n"
        "diversion by foo from: /usr/lib/x/libq.so.1\n"
        "libq1, libq1-compat: /usr/lib/x/libq.so.1\n"
    )
    assert dpkg.parse_search(text) == [
        ("libc6:amd64", "/lib/x86_64-linux-gnu/libc.so.6"),
        ("libq1", "/usr/lib/x/libq.so.1"),
        ("libq1-compat", "/usr/lib/x/libq.so.1"),
    ]


def test_shlibs_lines_are_matched_by_library_name_and_soversion() -> None:
    text = "libpq 5 libpq5 (>= 15)\nudeb: libpq 5 libpq5-udeb\nlibfoo 1.2 libfoo1.2 (>= 1.2.3)\n"
    assert dpkg.parse_shlibs(text, "libpq.so.5") == "libpq5 (>= 15)"
    assert dpkg.parse_shlibs(text, "libfoo-1.2.so") == "libfoo1.2 (>= 1.2.3)"
    assert dpkg.parse_shlibs(text, "libpq.so.6") is None


def test_the_dpkg_database_of_this_machine_says_libc6_ships_libc() -> None:
    """The real lookup, against this Debian machine's own database (read-only, no root needed)."""
    db = dpkg.DpkgDatabase(Path("/var/lib/dpkg"))
    arch = db.architecture()
    assert arch
    assert depends.library_packages(["libc.so.6"], db, arch, "2.14") == ["libc6 (>= 2.14)"]
