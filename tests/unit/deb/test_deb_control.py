"""Control files and maintainer scripts: golden files pin every byte.

Regenerate after an intended change with: UPDATE_GOLDEN=1 pytest tests/unit/deb/test_deb_control.py
"""

from __future__ import annotations

import gzip
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deploytool.deb import control
from deploytool.errors import UsageError

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "deb"
SPEC = control.Spec(
    package="sample-master",
    app="sample",
    role="master",
    version="0.0~20261124.222134+0f5235ef3e5d8ad0",
    arch="amd64",
    maintainer="sample operators <ops@sample.invalid>",
    depends=("python3 (>= 3.11)", "python3 (<< 3.12)", "adduser", "libc6 (>= 2.14)", "libpq5 (>= 15.18)"),
    release_id="0f5235ef3e5d8ad0",
    env_hash="d595e1697fd4b154",
    python="3.11",
    built=datetime(2026, 11, 24, 22, 21, 34, tzinfo=UTC),
    root="/srv/sample",
    run_as="sample",
    services=("web", "worker", "redis"),
    units=("sample-web.socket", "sample-redis.service", "sample-web.service", "sample-worker.service"),
    restart=("sample-web.service", "sample-worker.service", "sample-redis.service"),
)


def rendered() -> dict[str, str]:
    return {
        "control": control.control(SPEC, installed_size=40016),
        **control.scripts(SPEC),
        "copyright": control.copyright_text(SPEC),
        "changelog": gzip.decompress(control.changelog_gz(SPEC)).decode(),
        "lintian-overrides": control.lintian_overrides(SPEC),
    }


@pytest.mark.parametrize(
    "name", ["control", "postinst", "prerm", "postrm", "copyright", "changelog", "lintian-overrides"]
)
def test_the_package_files_render_exactly_their_golden_files(name: str) -> None:
    text = rendered()[name]
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text(), f"{golden} differs (UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("name", control.SCRIPTS)
def test_every_maintainer_script_is_valid_posix_shell(name: str, tmp_path: Path) -> None:
    script = tmp_path / name
    script.write_text(control.scripts(SPEC)[name])
    proc = subprocess.run(["dash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_postinst_switches_current_by_renaming_a_new_symlink_over_it() -> None:
    postinst = control.scripts(SPEC)["postinst"]
    link = postinst.index("ln -sfn releases/0f5235ef3e5d8ad0 /srv/sample/.current.new")
    move = postinst.index("mv -T /srv/sample/.current.new /srv/sample/current")
    restart = postinst.index(
        "deb-systemd-invoke restart sample-web.service sample-worker.service sample-redis.service"
    )
    assert link < move < restart


def test_prerm_stops_the_units_only_on_remove() -> None:
    prerm = control.scripts(SPEC)["prerm"]
    assert '[ "$1" = remove ]' in prerm
    assert "deb-systemd-invoke stop sample-web.socket sample-redis.service" in prerm


def test_postrm_removes_data_only_on_purge() -> None:
    postrm = control.scripts(SPEC)["postrm"]
    remove, purge = postrm.split("purge)\n", 1)[0], postrm.split("purge)\n", 1)[1].split(";;")[0]
    assert "/srv/sample/shared" not in remove.split("remove)")[1]
    assert "rm -rf /srv/sample/shared" in purge
    assert "deluser --system" in purge


def test_the_changelog_is_the_same_bytes_every_time() -> None:
    assert control.changelog_gz(SPEC) == control.changelog_gz(SPEC)
    assert control.changelog_gz(SPEC)[4:8] == b"\0\0\0\0"  # no time in the gzip header


def test_the_file_name_is_package_version_arch_without_the_epoch() -> None:
    assert SPEC.deb_name == "sample-master_0.0~20261124.222134+0f5235ef3e5d8ad0_amd64.deb"
    assert control.Spec(**{**SPEC.__dict__, "version": "2:1.0-1"}).deb_name == "sample-master_1.0-1_amd64.deb"


def test_the_package_is_named_after_the_app_and_the_role() -> None:
    assert control.package_name("sample", "master") == "sample-master"
    with pytest.raises(UsageError) as caught:
        control.package_name("sample", "big_shard")
    assert "not a Debian package name" in caught.value.message


def test_installed_size_counts_each_file_rounded_up_and_each_directory() -> None:
    assert control.installed_size([0, 1, 1024, 1025], others=3) == 0 + 1 + 1 + 2 + 3


def test_md5sums_and_conffiles_are_sorted_and_relative(tmp_path: Path) -> None:
    (tmp_path / "b").write_text("b")
    (tmp_path / "a").write_text("a")
    files = {"/srv/x/b": tmp_path / "b", "/etc/x/a": tmp_path / "a"}
    assert control.md5sums(files) == (
        "0cc175b9c0f1b6a831c399e269772661  etc/x/a\n92eb5ffee6ae2fec3ad71c777531578f  srv/x/b\n"
    )
    assert control.conffiles(["/etc/x/web.env", "/etc/x/hosts.json"]) == "/etc/x/hosts.json\n/etc/x/web.env\n"
