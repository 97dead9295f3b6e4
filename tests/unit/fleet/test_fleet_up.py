"""Choosing a fleet's subnet."""

from pathlib import Path

from deploytool.fleet import state as st
from deploytool.fleet.up import pick_subnet, taken_subnets


def test_default_gets_198_18_0_and_others_never_the_reserved_one() -> None:
    assert pick_subnet("default", set()) == 0
    assert pick_subnet("default", {0}) != 0
    for name in ("test", "bench", "a", "zz9"):
        index = pick_subnet(name, {1})
        assert index >= 2 and index != 1


def test_a_name_gets_the_same_subnet_while_it_is_free_and_another_when_taken() -> None:
    first = pick_subnet("test", set())
    assert pick_subnet("test", set()) == first
    assert pick_subnet("test", {first}) not in {first, 0, 1}


def test_taken_subnets_come_from_other_fleets_and_from_addresses_on_the_machine(tmp_path: Path) -> None:
    st.save(st.FleetState("other", "light", 42, "512M", root=tmp_path))
    addrs: list[dict[str, object]] = [
        {"ifname": "eth0", "addr_info": [{"local": "192.0.2.2"}]},
        {"ifname": "br", "addr_info": [{"local": "198.19.3.1"}, {"local": "198.18.77.5"}]},
        {"ifname": "lo"},
    ]
    assert taken_subnets(tmp_path, addrs) == {1, 42, 256 + 3, 77}
