"""etc/hosts.json: its shape, and never replacing or removing a file a person wrote."""

import json
from pathlib import Path

import pytest

from deploytool.errors import FleetError
from deploytool.fleet import project
from deploytool.fleet.state import FleetState, HostState


def _state(root: Path, name: str = "t") -> FleetState:
    s = FleetState(name, "systemd", 2, "512M", root=root)
    s.hosts = [
        HostState("h1", 1, "198.18.2.11", ["master"], "dt-t-h1", "dt-t-1"),
        HostState("h2", 2, "198.18.2.12", ["shard"], "dt-t-h2", "dt-t-2"),
    ]
    return s


def _project(tmp_path: Path) -> Path:
    (tmp_path / "app" / "etc").mkdir(parents=True)
    (tmp_path / "app" / "etc" / "config.json").write_text("{}")
    return tmp_path / "app"


def test_hosts_json_names_the_ssh_material_and_each_host_with_its_roles(tmp_path: Path) -> None:
    data = project.hosts_json(_state(tmp_path / "state"))
    assert data["//"].startswith("written by deploytool fleet up")
    assert data["deploy"]["ssh"] == {
        "user": "deploy",
        "identity": str(tmp_path / "state" / "t" / "client_key"),
        "known_hosts": str(tmp_path / "state" / "t" / "known_hosts"),
    }
    assert data["deploy"]["hosts"] == {
        "h1": {"address": "198.18.2.11", "roles": ["master"]},
        "h2": {"address": "198.18.2.12", "roles": ["shard"]},
    }


def test_write_then_remove(tmp_path: Path) -> None:
    state, app = _state(tmp_path / "state"), _project(tmp_path)
    path = project.write(state, app)
    assert json.loads(path.read_text())["deploy"]["hosts"]["h1"]["address"] == "198.18.2.11"
    assert state.project_files == [str(path.resolve())]
    project.write(state, app)  # its own file may be replaced
    assert project.remove(state) == [str(path.resolve())]
    assert not path.exists()
    assert project.remove(state) == []


def test_a_hosts_json_a_person_wrote_is_never_replaced_nor_removed(tmp_path: Path) -> None:
    state, app = _state(tmp_path / "state"), _project(tmp_path)
    mine = app / "etc" / "hosts.json"
    mine.write_text('{"deploy": {}}')
    with pytest.raises(FleetError, match="was not written by"):
        project.write(state, app)
    state.project_files.append(str(mine))
    assert project.remove(state) == []
    assert mine.read_text() == '{"deploy": {}}'


def test_another_fleets_hosts_json_is_not_removed(tmp_path: Path) -> None:
    app = _project(tmp_path)
    other, mine = _state(tmp_path / "state", "other"), _state(tmp_path / "state", "t")
    path = project.write(other, app)
    mine.project_files.append(str(path.resolve()))
    assert project.remove(mine) == []
    assert path.exists()


def test_a_folder_without_etc_config_json_is_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(FleetError, match="not a deploytool project"):
        project.write(_state(tmp_path), tmp_path)
