"""A local test fleet: hosts in network namespaces with real sshd (and real systemd in nspawn).

Public API: `Fleet` (up, open, faults, reset, down), `FleetSpec`, `teardown` (down from the state file).
"""

from deploytool.fleet.down import teardown
from deploytool.fleet.fleet import Fleet, Host, HostStatus
from deploytool.fleet.spec import FleetSpec

__all__ = ["Fleet", "FleetSpec", "Host", "HostStatus", "teardown"]
