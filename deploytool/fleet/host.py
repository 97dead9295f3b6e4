"""One host's life in either mode: make it, start it, wait for its sshd, stop it, drive its sshd."""

from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

from deploytool.errors import FleetError
from deploytool.fleet import container, keys, light, mounts, net, procs
from deploytool.fleet.procs import Proc
from deploytool.fleet.state import FleetState, HostState

READY_TIMEOUT = 60.0


def key_path(state: FleetState, host: HostState) -> Path:
    return state.host_dir(host.name) / "ssh_host_ed25519_key"


def srv(state: FleetState, host: HostState) -> Path:
    return state.host_dir(host.name) / "srv"


def create(state: FleetState, host: HostState, client_pub: str) -> None:
    """Folders, a fresh host key, the size-limited /srv, then the mode's own files."""
    hostdir = state.host_dir(host.name)
    hostdir.mkdir(parents=True, exist_ok=True)
    host.host_key = keys.make_key(key_path(state, host), f"{host.name}@deploytool-fleet-{state.name}")
    srv(state, host).mkdir(exist_ok=True)
    if not mounts.under(srv(state, host)):
        procs.run(mounts.tmpfs(srv(state, host), state.srv_size, f"dtsrv-{state.name}-{host.name}"))
    provision(state, host, client_pub)


def provision(state: FleetState, host: HostState, client_pub: str) -> None:
    hostdir, key = state.host_dir(host.name), key_path(state, host)
    if state.mode == "systemd":
        assert state.image is not None
        rootfs = container.mount_root(Path(state.image), hostdir, f"dtroot-{state.name}-{host.name}")
        container.provision(rootfs, host.name, host.address, key, client_pub)
    else:
        light.provision(hostdir, host.name, host.address, key, client_pub)


def start(state: FleetState, host: HostState) -> None:
    """Start the host's processes (not waiting for sshd: see `wait_ready`)."""
    hostdir = state.host_dir(host.name)
    procs.run(net.link_set(host.veth, up=True))
    if state.mode == "systemd":
        argv = container.nspawn(hostdir / "rootfs", host.netns, host.netns, srv(state, host))
        host.procs = {"main": procs.spawn(argv, hostdir / "console.log")}
        return
    holder = procs.spawn(light.holder(host.netns, host.name, hostdir), hostdir / "host.log")
    host.procs = {"main": holder}
    deadline = time.monotonic() + 10
    while _comm(holder.pid) != "sleep":  # its mounts are made once it has become `sleep`
        if not procs.alive(holder) or time.monotonic() > deadline:
            raise FleetError(
                f"{host.name}: its namespace holder did not start", hint=_tail(hostdir / "host.log")
            )
        time.sleep(0.005)
    host.procs["sshd"] = procs.spawn(light.sshd(holder.pid), hostdir / "sshd.log")


def stop(host: HostState, grace: float = 10.0) -> None:
    """Stop the whole host: its main process first (nspawn powers off), then anything left in its netns.

    Its link goes down too, so its address stops answering at all, as a powered-off machine's would.
    """
    procs.run(net.link_set(host.veth, up=False), check=False)
    main = [p for k, p in host.procs.items() if k == "main"]
    procs.stop(main, grace)
    for _ in range(3):  # a process may fork while we kill
        left = netns_procs(host.netns)
        if not left:
            break
        procs.stop(left, grace=2.0)
    host.procs = {}


def running(host: HostState) -> bool:
    main = host.procs.get("main")
    return main is not None and procs.alive(main)


def stop_sshd(state: FleetState, host: HostState) -> None:
    if state.mode == "systemd":
        procs.run(container.nsenter(_leader(host), ["systemctl", "stop", "ssh.service"]))
    elif "sshd" in host.procs:
        procs.stop([host.procs.pop("sshd")])


def start_sshd(state: FleetState, host: HostState) -> None:
    if state.mode == "systemd":
        procs.run(container.nsenter(_leader(host), ["systemctl", "start", "ssh.service"]))
    elif not ("sshd" in host.procs and procs.alive(host.procs["sshd"])):
        log = state.host_dir(host.name) / "sshd.log"
        host.procs["sshd"] = procs.spawn(light.sshd(_main(host).pid), log)


def wipe(state: FleetState, host: HostState, client_pub: str) -> None:
    """Back to a just-made host (same address and host key): a stopped host loses every change."""
    hostdir = state.host_dir(host.name)
    stop(host)
    mounts.unmount_all(hostdir / "rootfs")
    for sub in ("upper", "work", "etc-upper", "etc-work", "home", "root", "tmp", "var-tmp"):
        shutil.rmtree(hostdir / sub, ignore_errors=True)
    for child in srv(state, host).iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    provision(state, host, client_pub)


def answers(address: str, port: int = keys.SSH_PORT, timeout: float = 0.5) -> bool:
    """True when an SSH server greets on address:port."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(8).startswith(b"SSH-")
    except OSError:
        return False


def logins_allowed(state: FleetState, host: HostState) -> bool:
    """systemd keeps /run/nologin until late in boot, and PAM refuses the deploy user until it goes."""
    if state.mode != "systemd":
        return True
    pid = container.leader(host.netns)
    return pid is not None and not Path(f"/proc/{pid}/root/run/nologin").exists()


def wait_ready(state: FleetState, hosts: list[HostState], timeout: float = READY_TIMEOUT) -> None:
    """Poll every host until its sshd greets and it accepts logins; fail early if a host died."""
    pending = list(hosts)
    deadline = time.monotonic() + timeout
    while pending:
        for host in list(pending):
            if answers(host.address, timeout=0.2) and logins_allowed(state, host):
                pending.remove(host)
            elif not running(host):
                raise FleetError(f"{host.name} stopped while starting", hint=_tail(_log(state, host)))
        if pending and time.monotonic() > deadline:
            names = ", ".join(h.name for h in pending)
            raise FleetError(
                f"sshd did not answer within {timeout:g} s on {names}", hint=_tail(_log(state, pending[0]))
            )
        if pending:
            time.sleep(0.02)


def netns_procs(netns: str) -> list[Proc]:
    return procs.by_pid(container.netns_pids(netns))


def _main(host: HostState) -> Proc:
    main = host.procs.get("main")
    if main is None or not procs.alive(main):
        raise FleetError(
            f"{host.name} is stopped", hint=f"start it: deploytool fleet fault {host.name} start"
        )
    return main


def _leader(host: HostState) -> int:
    _main(host)
    pid = container.leader(host.netns)
    if pid is None:
        raise FleetError(f"{host.name}: found no systemd (PID 1) in its netns")
    return pid


def _log(state: FleetState, host: HostState) -> Path:
    name = "console.log" if state.mode == "systemd" else "host.log"
    return state.host_dir(host.name) / name


def _tail(log: Path, lines: int = 5) -> str:
    try:
        tail = log.read_text(errors="replace").strip().splitlines()[-lines:]
    except FileNotFoundError:
        return f"no log at {log}"
    return f"last lines of {log}: " + " | ".join(tail)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return ""
