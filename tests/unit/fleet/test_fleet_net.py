"""Names, addresses and argv of the fleet's network."""

import pytest

from deploytool.fleet import net
from deploytool.fleet.net import Layout


def test_default_fleet_is_198_18_0_with_hosts_from_dot_11() -> None:
    layout = Layout("default", 0)
    assert layout.subnet == "198.18.0.0/24"
    assert layout.gateway == "198.18.0.1"
    assert [layout.address(i) for i in (1, 2, 3)] == ["198.18.0.11", "198.18.0.12", "198.18.0.13"]
    assert (layout.bridge, layout.netns(1), layout.veth(1)) == (
        "dtbr-default",
        "dt-default-h1",
        "dt-default-1",
    )


def test_subnet_indexes_cover_198_18_and_198_19_and_nothing_else() -> None:
    assert net.subnet_prefix(2) == "198.18.2"
    assert net.subnet_prefix(256) == "198.19.0"
    assert net.subnet_prefix(511) == "198.19.255"
    with pytest.raises(ValueError):
        net.subnet_prefix(512)


def test_interface_names_fit_in_15_characters_for_the_longest_name_and_index() -> None:
    layout = Layout("abcdefgh", 5)
    assert len(layout.bridge) <= 15
    assert len(layout.veth(200)) <= 15


def test_bridge_up_argv() -> None:
    assert net.bridge_up(Layout("t", 7)) == [
        ["ip", "link", "add", "dtbr-t", "type", "bridge"],
        ["ip", "addr", "add", "198.18.7.1/24", "dev", "dtbr-t"],
        ["ip", "link", "set", "dtbr-t", "up"],
    ]


def test_host_up_makes_eth0_inside_the_netns_and_adds_no_route() -> None:
    argv = net.host_up(Layout("t", 7), 2)
    assert argv == [
        ["ip", "netns", "add", "dt-t-h2"],
        ["ip", "link", "add", "dt-t-2", "type", "veth", "peer", "name", "eth0", "netns", "dt-t-h2"],
        ["ip", "link", "set", "dt-t-2", "master", "dtbr-t", "up"],
        ["ip", "-n", "dt-t-h2", "addr", "add", "198.18.7.12/24", "dev", "eth0"],
        ["ip", "-n", "dt-t-h2", "link", "set", "lo", "up"],
        ["ip", "-n", "dt-t-h2", "link", "set", "eth0", "up"],
    ]
    assert not any("route" in a for a in argv)


def test_one_fleets_prefixes_never_match_another_fleets_names() -> None:
    a, b = Layout("test", 2), Layout("test2", 3)
    assert not b.netns(1).startswith(a.netns_prefix)
    assert not b.veth(1).startswith(a.veth_prefix)


def test_small_builders() -> None:
    assert net.link_set("dt-t-1", up=False) == ["ip", "link", "set", "dt-t-1", "down"]
    assert net.netns_del("dt-t-h1") == ["ip", "netns", "del", "dt-t-h1"]
    assert net.in_netns("dt-t-h1", ["nft", "list", "ruleset"]) == [
        "ip", "netns", "exec", "dt-t-h1", "nft", "list", "ruleset",
    ]  # fmt: skip
