"""The state file: round trip, atomic save, a missing or broken file."""

from pathlib import Path

import pytest

from deploytool.errors import FleetError
from deploytool.fleet import state as st
from deploytool.fleet.faults import Faults
from deploytool.fleet.procs import Proc


def _state(root: Path) -> st.FleetState:
    s = st.FleetState("t", "systemd", 4, "512M", image="/img/rootfs", root=root)
    s.hosts.append(st.HostState("h1", 1, "198.18.4.11", ["master"], "dt-t-h1", "dt-t-1", "ssh-ed25519 K"))
    s.hosts[0].procs["main"] = Proc(123, 456)
    s.hosts[0].faults = Faults(cut=True)
    return s


def test_state_round_trips_through_its_file(tmp_path: Path) -> None:
    s = _state(tmp_path)
    st.save(s)
    loaded = st.load("t", tmp_path)
    assert loaded is not None
    assert loaded.to_json() == s.to_json()
    assert loaded.hosts[0].procs["main"] == Proc(123, 456)
    assert loaded.client_key == tmp_path / "t" / "client_key"
    assert loaded.host_dir("h1") == tmp_path / "t" / "hosts" / "h1"
    assert not list((tmp_path / "t").glob("*.tmp"))


def test_a_missing_state_file_is_none_and_a_broken_one_says_how_to_clean_up(tmp_path: Path) -> None:
    assert st.load("t", tmp_path) is None
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "state.json").write_text("{not json")
    with pytest.raises(FleetError) as info:
        st.load("t", tmp_path)
    assert "fleet down --name t" in str(info.value.hint)
    assert st.all_states(tmp_path) == []


def test_hosts_are_found_by_name_or_address(tmp_path: Path) -> None:
    s = _state(tmp_path)
    assert s.host("198.18.4.11").name == "h1"
    with pytest.raises(FleetError, match="no host 'h9'"):
        s.host("h9")
