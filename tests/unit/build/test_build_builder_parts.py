"""Builder pieces that need no machine: argv of nspawn, the ssh wire quoting, vagrant's refusals."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from deploytool.build.builders.base import CommandFailed, Mount, RemoteSession, SshTarget
from deploytool.build.builders.nspawn import NspawnSession
from deploytool.build.builders.vagrant import VagrantBuilder, ensure_bridge
from deploytool.errors import MissingDependency, UsageError

TRICKY = ["echo", "two words", "it's", "$HOME", "a;b", "line\nbreak"]


def test_nspawn_runs_each_command_in_a_pristine_root_without_network_and_with_the_mounts(
    tmp_path: Path,
) -> None:
    session = NspawnSession(
        Path("/var/cache/deploytool/roots/abc/rootfs"),
        [
            Mount(tmp_path / "wheels", "/var/tmp/deploytool/wheels"),
            Mount(tmp_path / "env", "/srv/a/envs/h", True),
        ],
        None,
        None,
    )
    argv = session.argv(["/usr/bin/python3", "-m", "venv", "/srv/a/envs/h"], {"SOURCE_DATE_EPOCH": "1"})
    assert argv[:9] == [
        "systemd-nspawn", "--quiet", "--directory=/var/cache/deploytool/roots/abc/rootfs", "--register=no",
        "--keep-unit", "--volatile=overlay", "--private-network", argv[7], "--chdir=/",
    ]  # fmt: skip
    assert argv[7].startswith("--machine=deploytool-")
    assert argv[9:] == [
        f"--bind-ro={tmp_path / 'wheels'}:/var/tmp/deploytool/wheels",
        f"--bind={tmp_path / 'env'}:/srv/a/envs/h",
        "--setenv=SOURCE_DATE_EPOCH=1",
        "--", "/usr/bin/python3", "-m", "venv", "/srv/a/envs/h",
    ]  # fmt: skip


def test_a_remote_command_travels_as_one_quoted_string_that_the_remote_shell_splits_back(
    tmp_path: Path,
) -> None:
    # A stand-in for ssh that prints the argv it was given.
    fake_ssh = (sys.executable, "-c", "import json, sys; print(json.dumps(sys.argv[1:]))")
    target = SshTarget(tmp_path / "ssh_config", "default", ssh=fake_ssh)
    out = RemoteSession(target, None, None).run(TRICKY, {"CFLAGS": "-g0 -O2"})
    sent = json.loads(out)
    assert sent[:4] == ["-F", str(tmp_path / "ssh_config"), "default", "--"]
    assert shlex.split(sent[4]) == ["sudo", "env", "CFLAGS=-g0 -O2", *TRICKY]


def test_a_failing_command_reports_its_argv_status_and_output_tail(tmp_path: Path) -> None:
    fake_ssh = (sys.executable, "-c", "import sys; print('compiler says no'); sys.exit(3)")
    session = RemoteSession(SshTarget(tmp_path / "c", "default", ssh=fake_ssh), None, None)
    with pytest.raises(CommandFailed) as exc:
        session.run(["pip", "install", "x y"])
    assert exc.value.status == 3
    assert "`pip install 'x y'` exited 3" in exc.value.message
    assert exc.value.message.endswith("compiler says no")


class NoBoxes:
    def box_list(self) -> list[Any]:
        return []


def test_vagrant_without_the_box_says_which_command_makes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = VagrantBuilder("deploytool/bookworm-abc", tmp_path)
    monkeypatch.setattr(VagrantBuilder, "vagrant", lambda self: NoBoxes())
    with pytest.raises(MissingDependency) as exc:
        builder.start(None)
    assert exc.value.exit_code == 2
    assert "deploytool/bookworm-abc is not installed" in exc.value.message
    assert exc.value.hint is not None and exc.value.hint.startswith("deploytool box build")


@pytest.mark.parametrize("ip", ["10.0.3.10", "192.168.1.10", "172.16.0.5", "198.20.1.10"])
def test_the_build_machine_may_only_live_in_198_18_0_0_15(tmp_path: Path, ip: str) -> None:
    with pytest.raises(UsageError, match=r"outside 198\.18\.0\.0/15"):
        VagrantBuilder("b", tmp_path, ip=ip)


def test_the_build_machine_never_joins_lxcbr0() -> None:
    with pytest.raises(UsageError, match="may not use lxcbr0"):
        ensure_bridge("lxcbr0", "198.18.1.1")
