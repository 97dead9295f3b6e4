"""LocalRunner and RecordingRunner: the same interface the SSH runner has."""

from pathlib import Path

import pytest

from deploytool.errors import RemoteCommandFailed
from deploytool.remote.runner import LocalRunner, RecordingRunner, Result
from deploytool.remote.ssh import Endpoint, openssh_options


def test_local_runner_passes_argv_without_a_shell() -> None:
    result = LocalRunner().run(["printf", "%s", "$(id); `x`"])
    assert result.stdout == "$(id); `x`"


def test_local_runner_feeds_stdin_and_reports_exit_codes() -> None:
    assert LocalRunner().run(["cat"], stdin=b"hello").stdout == "hello"
    assert LocalRunner().run(["sh", "-c", "exit 3"], check=False).exit_code == 3


def test_local_runner_raises_with_host_argv_status_and_stderr_tail() -> None:
    with pytest.raises(RemoteCommandFailed) as info:
        LocalRunner("h1").run(["sh", "-c", "echo boom >&2; exit 4"])
    assert info.value.host == "h1"
    assert info.value.status == 4
    assert "boom" in str(info.value)


def test_local_runner_reports_a_missing_program_as_127() -> None:
    assert LocalRunner().run(["/nonexistent/prog"], check=False).exit_code == 127


def test_recording_runner_records_in_order_and_answers_from_responders() -> None:
    def inactive(argv: tuple[str, ...]) -> Result | None:
        return Result("h1", argv, 3, "inactive\n") if argv[:2] == ("systemctl", "is-active") else None

    runner = RecordingRunner("h1", responders=[inactive])
    runner.run(["mkdir", "-p", "/srv/a b"])
    answer = runner.run(["systemctl", "is-active", "web"], check=False)
    assert answer.exit_code == 3 and answer.stdout == "inactive\n"
    assert runner.lines == ["mkdir -p '/srv/a b'", "systemctl is-active web"]
    with pytest.raises(RemoteCommandFailed):
        runner.run(["systemctl", "is-active", "web"])


def test_openssh_options_check_host_keys_strictly_against_the_given_file() -> None:
    ep = Endpoint("h1", "198.18.0.11", Path("/k/known hosts"), port=2222, identity=Path("/k/id"))
    opts = openssh_options(ep)
    assert opts == [
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "UserKnownHostsFile=/k/known hosts",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "ConnectTimeout=10",
        "-F", "/dev/null",
        "-p", "2222",
        "-l", "deploy",
        "-o", "IdentitiesOnly=yes",
        "-i", "/k/id",
    ]  # fmt: skip
    assert ep.known_hosts_name == "[198.18.0.11]:2222"


def test_openssh_options_send_the_jump_host_through_a_proxycommand_with_the_same_trust() -> None:
    jump = Endpoint("bastion", "198.18.0.2", Path("/k/kh"))
    ep = Endpoint("h1", "198.18.0.11", Path("/k/kh"), jump=jump)
    proxy = [o for o in openssh_options(ep) if o.startswith("ProxyCommand=")]
    assert len(proxy) == 1
    assert "StrictHostKeyChecking=yes" in proxy[0]
    assert "UserKnownHostsFile=/k/kh" in proxy[0]
    assert proxy[0].endswith("-W %h:%p 198.18.0.2")
