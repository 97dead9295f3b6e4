"""`fleet down`: remove everything a fleet made, from its state file and from what is found by name.

Safe to run twice and after a crash: each step looks for its leftovers instead of trusting the state.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from deploytool.errors import FleetError
from deploytool.fleet import container, host, mounts, net, procs, project
from deploytool.fleet.spec import Report, check_name, quiet
from deploytool.fleet.state import STATE_ROOT, FleetState, load, locked


def leftovers(name: str, root: Path = STATE_ROOT) -> dict[str, list[str]]:
    """What of fleet `name` exists on this machine now (empty lists: nothing)."""
    prefix_ns, prefix_link, bridge = f"dt-{name}-h", f"dt-{name}-", f"dtbr-{name}"
    namespaces = [n["name"] for n in json.loads(procs.run(net.netns_list()).stdout or "[]")]
    links = [link["ifname"] for link in json.loads(procs.run(net.link_list()).stdout or "[]")]
    ours_ns = [n for n in namespaces if n.startswith(prefix_ns)]
    pids = {p for ns in ours_ns for p in container.netns_pids(ns)} | set(mentioning(root / name))
    return {
        "netns": ours_ns,
        "links": [n for n in links if n == bridge or n.startswith(prefix_link)],
        "mounts": mounts.under(root / name),
        "processes": [str(p) for p in sorted(pids)],
        "files": [str(root / name)] if (root / name).exists() else [],
    }


SPAWNED = frozenset({b"systemd-nspawn", b"ip", b"unshare", b"nsenter"})  # what `host.start` runs


def mentioning(folder: Path) -> list[int]:
    """PIDs of programs we spawn whose command line names `folder`. nspawn runs outside the host's
    netns: after a crash between starting it and recording it, this is how it is found."""
    needle = str(folder).encode() + b"/"
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if Path(argv[0].decode(errors="replace")).name.encode() in SPAWNED and any(
                needle in a for a in argv
            ):
                found.append(int(entry.name))
    return found


def teardown(
    name: str, *, root: Path = STATE_ROOT, report: Report = quiet, locked_already: bool = False
) -> list[str]:
    """Remove fleet `name`; return one line per thing removed."""
    check_name(name)
    if locked_already:
        return _teardown(name, root, report)
    with locked(root):
        return _teardown(name, root, report)


def _teardown(name: str, root: Path, report: Report) -> list[str]:
    try:
        state = load(name, root)
    except FleetError as exc:
        report(f"ignoring the unreadable state file: {exc}")
        state = None
    done: list[str] = []
    found = leftovers(name, root)
    namespaces = sorted(set(found["netns"]) | ({h.netns for h in state.hosts} if state else set()))
    mains = [p for h in state.hosts for k, p in h.procs.items() if k == "main"] if state else []
    mains += [p for p in procs.by_pid(mentioning(root / name)) if p not in mains]
    if mains or found["processes"]:
        report(f"stopping {len(namespaces)} hosts")
    procs.stop(mains, grace=2.0)  # TERM: nspawn powers its container off; KILL after 2 s
    for _ in range(3):  # what is left in a host's netns (sshd sessions, a container nspawn lost)
        left = [p for ns in namespaces for p in host.netns_procs(ns)]
        if not left:
            break
        procs.kill(left)
        done += [f"process {p.pid}" for p in left]
    done += [f"process {p.pid}" for p in mains]
    done += [f"mount {m}" for m in mounts.unmount_all(root / name)]
    for ns in namespaces:
        if procs.run(net.netns_del(ns), check=False).returncode == 0:
            done.append(f"netns {ns}")
    for link in leftovers(name, root)["links"]:
        if procs.run(net.link_del(link), check=False).returncode == 0:
            done.append(f"link {link}")
    if state is not None:
        done += [f"file {f}" for f in project.remove(state)]
    _remove_dir(root / name, done)
    report(f"fleet {name!r}: removed {len(done)} things" if done else f"fleet {name!r}: nothing to remove")
    return done


def _remove_dir(folder: Path, done: list[str]) -> None:
    if not folder.exists():
        return
    still = mounts.under(folder)
    if still:  # never delete through a mount (an overlay's lower layer is the shared image)
        raise FleetError(f"cannot remove {folder}: still mounted: {', '.join(still)}")
    shutil.rmtree(folder)
    done.append(f"folder {folder}")


def remaining(state: FleetState) -> dict[str, list[str]]:
    """`leftovers`, plus recorded processes still alive: what `down` should have left (nothing)."""
    found = leftovers(state.name, state.root)
    alive = [str(p.pid) for h in state.hosts for p in h.procs.values() if procs.alive(p)]
    found["processes"] = sorted(set(found["processes"]) | set(alive))
    return found
