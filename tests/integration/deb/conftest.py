"""The deb tests' own fleet (one systemd host, so they never collide with the push tests' hosts) and
the kit that builds and installs the sample app's packages on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from deb_kit import DebKit

from deploytool.fleet import Fleet, FleetSpec


@pytest.fixture(scope="session")
def debkit(fleet_name: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[DebKit]:
    up = Fleet.up(FleetSpec.make(name=fleet_name("d"), hosts=1, mode="systemd"), recreate=True)
    try:
        yield DebKit(up, tmp_path_factory.mktemp("deb"))
    finally:
        up.down()
    left = up.remaining()
    assert not any(left.values()), f"fleet down left {left}"
