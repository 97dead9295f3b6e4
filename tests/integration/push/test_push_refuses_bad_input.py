"""Bad input exits 2 before any host is touched: the hosts look exactly as they did before."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import PushKit, Run

pytestmark = pytest.mark.integration

BAD_CONFIG = Path(__file__).resolve().parents[2] / "fixtures" / "bad_config"

# (extra push arguments, --set overrides, what the one error line must name)
COMMAND_LINE = {
    "unknown_role": (["--role", "nope"], [], ["nope"]),
    "unknown_host": (["--host", "h9"], [], ["h9"]),
    "missing_artifact": (["--release", "0000000000000000"], [], ["0000000000000000"]),
    "health_path_of_the_wrong_type": ([], ["deploy.health.path=5"], ["deploy.health.path"]),
}
# fixture project -> (file, key) its error must name; pushed with this fleet's etc/hosts.json added
CORPUS = {
    "wrong_type": ("etc/config.json", "deploy.keep_releases"),
    "unknown_key": ("etc/shard.json", "deploy.services.web.workres"),
    "malformed_json": ("etc/config.json", "line 19, column 7"),
    "literal_secret": ("etc/config.json", "deploy.secrets.API_TOKEN"),
    "role_file_sets_hosts": ("etc/shard.json", "deploy.hosts"),
    "service_missing_for_role": ("etc/config.json", "deploy.roles.shard.services.1"),
    "unsafe_host_name": ("etc/config.json", "deploy.hosts.h3;reboot"),
}


@pytest.fixture(scope="module")
def before(kit: PushKit) -> dict[str, str]:
    """Every host on a good release, then one snapshot that every case is compared with."""
    kit.drop_locks()
    kit.deploy("A", "B")
    return kit.snapshot()


def _assert_refused(kit: PushKit, run: Run, fragments: list[str], before: dict[str, str]) -> None:
    assert run.code == 2, run
    err = run.err
    assert "Traceback" not in err, err
    first = err.strip().splitlines()[0] if err.strip() else ""
    assert first.startswith("error: "), err
    for fragment in fragments:
        assert fragment in first, f"{fragment!r} not in {first!r}"
    after = kit.snapshot()
    assert after == before, "hosts changed:\n" + kit.diff(before, after)


@pytest.mark.parametrize("case", sorted(COMMAND_LINE))
def test_a_bad_push_command_line_exits_2_and_touches_no_host(
    case: str, kit: PushKit, before: dict[str, str]
) -> None:
    args, sets, fragments = COMMAND_LINE[case]
    if "--release" not in args:
        args = [*args, "--release", kit.release("B")]

    run = kit.dt("push", "--yes", *args, json=True, sets=sets)

    _assert_refused(kit, run, fragments, before)


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_a_push_with_a_bad_config_exits_2_and_touches_no_host(
    case: str, kit: PushKit, before: dict[str, str], tmp_path: Path
) -> None:
    project = tmp_path / case
    shutil.copytree(BAD_CONFIG / case, project, symlinks=True)
    kit.fleet.write_project(project)
    file, key = CORPUS[case]

    run = kit.dt("push", "--yes", "--release", kit.release("B"), project=project)

    _assert_refused(kit, run, [file, key], before)
