"""`fleet up`: take a subnet, make the bridge and every host, wait for each sshd, write the ssh files.

The state file is saved before each thing is made, so a crash at any point leaves `fleet down` a map.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from deploytool.errors import UsageError
from deploytool.fleet import deps, host, image, keys, net, procs
from deploytool.fleet.down import teardown
from deploytool.fleet.spec import FleetSpec, Report, quiet
from deploytool.fleet.state import STATE_ROOT, FleetState, HostState, all_states, load, locked, save


def pick_subnet(name: str, taken: set[int]) -> int:
    """`default` gets 198.18.0.0/24; other names a stable-looking free /24 from their hash on."""
    if name == "default" and 0 not in taken:
        return 0
    start = 2 + zlib.crc32(name.encode()) % 250
    for step in range(510):
        index = 2 + (start - 2 + step) % 510
        if index not in taken and index not in net.RESERVED_SUBNETS:
            return index
    raise UsageError(
        "every /24 of 198.18.0.0/15 is taken by a fleet", hint="take one down: deploytool fleet down"
    )


def taken_subnets(root: Path, parsed_addrs: list[dict[str, Any]]) -> set[int]:
    """Subnets in use: other fleets' (from their state) and any address on this machine within 198.18/15."""
    taken = {s.subnet for s in all_states(root)} | set(net.RESERVED_SUBNETS)
    for link in parsed_addrs:
        for info in link.get("addr_info") or []:
            parts = str(info.get("local", "")).split(".")
            if len(parts) == 4 and parts[0] == "198" and parts[1] in ("18", "19"):
                taken.add((int(parts[1]) - 18) * 256 + int(parts[2]))
    return taken


def _same(old: FleetState, spec: FleetSpec) -> bool:
    """`old` is a running fleet exactly as `spec` asks (so `up` again is a no-op)."""
    wanted = [(name, list(roles)) for name, roles in spec.host_roles()]
    running = all(Path("/run/netns", h.netns).exists() for h in old.hosts)
    return (
        old.phase == "up"
        and running
        and old.mode == spec.mode
        and old.srv_size == spec.srv_size
        and [(h.name, list(h.roles)) for h in old.hosts] == wanted
    )


def up(
    spec: FleetSpec,
    *,
    report: Report = quiet,
    recreate: bool = False,
    install_deps: bool = False,
    mirror: str | None = None,
    root: Path = STATE_ROOT,
) -> FleetState:
    """Bring fleet `spec.name` up and return its state. On failure, remove what was made and re-raise."""
    deps.require_root()
    deps.check(spec.mode, install=install_deps)
    rootfs = image.ensure(report, mirror) if spec.mode == "systemd" else None
    with locked(root):
        old = load(spec.name, root)
        if old is not None and not recreate and _same(old, spec):
            report(f"fleet {spec.name!r} is already up: {len(old.hosts)} {old.mode} hosts")
            return old
        if old is not None or (root / spec.name).exists():
            if not recreate:
                raise UsageError(
                    f"fleet {spec.name!r} is already up",
                    hint=f"`deploytool fleet down --name {spec.name}` first, or pass --recreate",
                )
            report(f"removing the old fleet {spec.name!r} first")
            teardown(spec.name, root=root, report=report, locked_already=True)
        addrs = json.loads(procs.run(net.addr_list()).stdout or "[]")
        layout = net.Layout(spec.name, pick_subnet(spec.name, taken_subnets(root, addrs)))
        state = FleetState(
            spec.name, spec.mode, layout.index, spec.srv_size, image=str(rootfs) if rootfs else None
        )
        state.root = root
        for i, (name, roles) in enumerate(spec.host_roles(), start=1):
            state.hosts.append(HostState(name, i, layout.address(i), roles, layout.netns(i), layout.veth(i)))
        save(state)
    try:
        _make(state, report)
    except BaseException:
        report("fleet up failed: removing what it made")
        teardown(spec.name, root=root)
        raise
    return state


def _make(state: FleetState, report: Report) -> None:
    layout = state.layout
    client_pub = keys.make_key(state.client_key, f"deploytool-fleet-{state.name}")
    report(f"network: bridge {layout.bridge} {layout.gateway}/24")
    for argv in net.bridge_up(layout):
        procs.run(argv)
    for h in state.hosts:
        for argv in net.host_up(layout, h.index):
            procs.run(argv)
        host.create(state, h, client_pub)
        save(state)
    report(f"starting {len(state.hosts)} {state.mode} hosts")
    for h in state.hosts:
        host.start(state, h)
        save(state)
    host.wait_ready(state, state.hosts)
    write_ssh_files(state)
    state.phase = "up"
    save(state)
    if len(state.hosts) <= 6:
        for h in state.hosts:
            report(f"{h.name} {h.address} {','.join(h.roles)}: ready")
    else:
        first, last = state.hosts[0], state.hosts[-1]
        report(f"{first.name}..{last.name} {first.address}..{last.address}: ready")


def write_ssh_files(state: FleetState) -> None:
    state.known_hosts.write_text(keys.known_hosts([(h.name, h.address, h.host_key) for h in state.hosts]))
    config = keys.ssh_config(
        state.name, [(h.name, h.address) for h in state.hosts], state.client_key, state.known_hosts
    )
    state.ssh_config.write_text(config)
