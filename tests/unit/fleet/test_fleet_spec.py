"""What `fleet up` is asked: names, host counts, roles, modes."""

import pytest

from deploytool.errors import UsageError
from deploytool.fleet.spec import FleetSpec, parse_roles


def test_default_is_three_systemd_hosts_one_master_two_shards() -> None:
    spec = FleetSpec.make()
    assert (spec.name, spec.mode, spec.hosts, spec.srv_size) == ("default", "systemd", 3, "512M")
    assert spec.host_roles() == [("h1", ["master"]), ("h2", ["shard"]), ("h3", ["shard"])]


def test_hosts_alone_gives_one_master_and_shards() -> None:
    assert FleetSpec.make(hosts=5).roles == (("master", 1), ("shard", 4))
    assert FleetSpec.make(hosts=1).roles == (("master", 1),)


def test_roles_are_handed_out_in_the_order_given() -> None:
    spec = FleetSpec.make(roles="shard=2,master=1")
    assert spec.host_roles() == [("h1", ["shard"]), ("h2", ["shard"]), ("h3", ["master"])]


def test_roles_parse_and_reject_nonsense() -> None:
    assert parse_roles("master=1, shard=2") == {"master": 1, "shard": 2}
    for bad in ("master", "master=x", "=1", "master=1,master=2", "master=0", "Master=1"):
        with pytest.raises(UsageError):
            parse_roles(bad)


def test_roles_and_hosts_must_agree() -> None:
    with pytest.raises(UsageError, match="names 3 hosts but --hosts is 4"):
        FleetSpec.make(hosts=4, roles="master=1,shard=2")


@pytest.mark.parametrize("name", ["", "Default", "toolongname", "a-b", "a b", "../x"])
def test_fleet_names_are_short_lowercase_words(name: str) -> None:
    with pytest.raises(UsageError):
        FleetSpec.make(name=name)


@pytest.mark.parametrize(("option", "value"), [("mode", "docker"), ("srv_size", "lots"), ("hosts", 0)])
def test_bad_options_are_usage_errors(option: str, value: object) -> None:
    with pytest.raises(UsageError) as info:
        FleetSpec.make(**{option: value})  # type: ignore[arg-type]
    assert info.value.exit_code == 2
