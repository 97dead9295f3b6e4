"""Root and apt packages: what is missing is named, with the command that installs it."""

import pytest

from deploytool.errors import MissingDependency, UsageError
from deploytool.fleet import deps


def test_not_root_is_a_usage_error_that_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(UsageError) as info:
        deps.require_root()
    assert info.value.exit_code == 2
    assert "needs root" in info.value.message
    assert "sudo deploytool fleet up" in str(info.value.hint)


def test_missing_programs_name_their_apt_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = {"systemd-nspawn", "debootstrap", "nft"}
    monkeypatch.setattr(
        "shutil.which", lambda prog, path=None: None if prog in absent else f"/usr/bin/{prog}"
    )
    assert deps.missing("systemd") == ["debootstrap", "nftables", "systemd-container"]
    assert deps.missing("light") == ["nftables"]
    with pytest.raises(MissingDependency) as info:
        deps.check("systemd")
    assert "debootstrap nftables systemd-container" in info.value.message
    assert (
        info.value.hint is not None
        and "apt-get install debootstrap nftables systemd-container" in info.value.hint
    )
    assert info.value.exit_code == 2
    monkeypatch.setattr("os.path.exists", lambda path: False)
    assert "debian-archive-keyring" in deps.missing("systemd")  # a file, not a program


def test_nothing_missing_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda prog, path=None: f"/usr/bin/{prog}")
    assert deps.check("systemd") == []


def test_install_argv_is_non_interactive_and_waits_for_the_apt_lock() -> None:
    assert deps.install_argv(["nftables"]) == [
        "apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", "nftables",
    ]  # fmt: skip


def test_the_cli_exits_2_when_not_root(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from deploytool import cli

    monkeypatch.setattr("os.geteuid", lambda: 1000)
    monkeypatch.setattr("sys.argv", ["deploytool", "--no-color", "fleet", "up"])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    assert "deploytool fleet needs root" in capsys.readouterr().err
