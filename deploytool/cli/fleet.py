"""`deploytool fleet up|down|status|ssh|fault`: the local test fleet (see deploytool.fleet)."""

from __future__ import annotations

import contextlib
import enum
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from deploytool.cli.state import examples, state

if TYPE_CHECKING:
    from deploytool.fleet import Fleet
    from deploytool.fleet.spec import Report
    from deploytool.output import Output

# deploytool.fleet is imported inside the commands: only `deploytool fleet ...` pays for it.

app = typer.Typer(
    help="A local test fleet: real sshd and systemd hosts in network namespaces on this machine (needs root).",
    epilog=examples(
        "deploytool fleet up --project sample_app", "deploytool fleet status", "deploytool fleet down"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

NAME = typer.Option("default", "--name", "-n", help="Which fleet (1-8 lowercase letters or digits).")


@contextlib.contextmanager
def _progress(out: Output) -> Iterator[Report]:
    """A spinner on a terminal; plain lines (per-package image lines at most every 5 s) otherwise."""
    if out.interactive and not out.json_mode:
        with out.console.status("fleet: starting") as status:

            def live(message: str) -> None:
                status.update(f"fleet: {message}")
                if not message.startswith("image: "):
                    out.info(message)

            yield live
        return
    last = [0.0]

    def plain(message: str) -> None:
        out.event("fleet.progress", message=message)
        per_package = message.startswith(("image: Retrieving", "image: Validating", "image: Extracting",
                                           "image: Unpacking", "image: Configuring"))  # fmt: skip
        if per_package and time.monotonic() - last[0] < 5:
            out.detail(message)
            return
        last[0] = time.monotonic()
        out.info(message)

    yield plain


@app.command(
    epilog=examples(
        "deploytool fleet up",
        "deploytool fleet up --hosts 5 --roles master=1,shard=4",
        "deploytool fleet up --mode light --hosts 25 --name bench",
        "deploytool -C sample_app fleet up --recreate",
    )
)
def up(
    ctx: typer.Context,
    name: str = NAME,
    hosts: int | None = typer.Option(None, "--hosts", help="How many hosts.", show_default="3"),
    roles: str | None = typer.Option(
        None,
        "--roles",
        help="ROLE=COUNT,... handed out to h1, h2, ... in order.",
        show_default="master=1,shard=N-1",
    ),
    mode: str = typer.Option(
        "systemd", "--mode", help="systemd (nspawn, real PID 1) or light (sshd only, fast)."
    ),
    srv_size: str = typer.Option("512M", "--srv-size", help="Size of each host's /srv (a tmpfs)."),
    project: Path | None = typer.Option(
        None,
        "--project",
        help="Write DIR/etc/hosts.json for this fleet.",
        show_default="the global --project",
    ),
    no_project: bool = typer.Option(False, "--no-project", help="Write no etc/hosts.json."),
    recreate: bool = typer.Option(
        False, "--recreate", help="Take an existing fleet of this name down first."
    ),
    install_deps: bool = typer.Option(False, "--install-deps", help="apt-get install missing packages."),
    mirror: str | None = typer.Option(
        None, "--mirror", help="Debian mirror for the host image.", show_default="the machine's apt source"
    ),
) -> None:
    """Bring a fleet up: hosts h1..hN with their own address, host key, sshd, `deploy` user and /srv."""
    from deploytool.fleet import Fleet, FleetSpec
    from deploytool.fleet.deps import require_root

    st = state(ctx)
    require_root()
    spec = FleetSpec.make(name=name, hosts=hosts, roles=roles, mode=mode, srv_size=srv_size)
    target = None if no_project else _project(project, st.project)
    began = time.monotonic()
    with _progress(st.out) as report:
        fleet = Fleet.up(
            spec,
            report=report,
            recreate=recreate,
            install_deps=install_deps,
            mirror=mirror,
            project_dir=target,
        )
    seconds = time.monotonic() - began
    st.out.info(f"fleet {fleet.name!r} is up: {len(fleet.hosts)} {fleet.mode} hosts in {seconds:.1f} s")
    named = "" if fleet.name == "default" else f" --name {fleet.name}"
    st.out.info(f"  ssh -F {fleet.ssh_config} h1      (or: deploytool fleet ssh{named} h1)")
    if target is None and not no_project:
        st.out.info(f"  no etc/config.json in {st.project}: wrote no hosts.json (pass --project DIR)")
    st.out.result(_describe(fleet) | {"seconds": round(seconds, 2)})


def _project(explicit: Path | None, default: Path) -> Path | None:
    """--project DIR must be a project; the global default is used only when it is one."""
    if explicit is not None:
        return explicit.resolve()
    return default.resolve() if (default / "etc" / "config.json").is_file() else None


@app.command(epilog=examples("deploytool fleet down", "deploytool fleet down --name bench"))
def down(ctx: typer.Context, name: str = NAME) -> None:
    """Remove everything the fleet made (safe to repeat, and after a crashed `up`)."""
    from deploytool.fleet import teardown
    from deploytool.fleet.deps import require_root

    st = state(ctx)
    require_root()
    with _progress(st.out) as report:
        removed = teardown(name, report=report)
    for line in removed:
        st.out.detail(f"  removed {line}")
    st.out.result({"name": name, "removed": removed})


@app.command(epilog=examples("deploytool fleet status", "deploytool --json fleet status --name bench"))
def status(ctx: typer.Context, name: str = NAME) -> None:
    """Show each host: address, roles, running, sshd answering, faults."""
    from rich.table import Table

    from deploytool.fleet import Fleet
    from deploytool.fleet.deps import require_root

    st = state(ctx)
    require_root()
    fleet = Fleet.open(name)
    rows = fleet.status()
    table = Table(
        "host", "address", "roles", "host", "sshd", "faults", title=f"fleet {name!r} ({fleet.mode})"
    )
    for row in rows:
        f = row.faults
        faults = [
            w for w, on in (("cut", f.cut), (f"loss {f.loss}%", f.loss), (f"slow {f.rate}", f.rate)) if on
        ]
        table.add_row(row.name, row.address, ",".join(row.roles), "running" if row.running else "stopped",
                      "up" if row.sshd else "down", ", ".join(faults) or "-")  # fmt: skip
    if st.out.verbosity >= 0:
        st.out.console.print(table)
    st.out.result(
        _describe(fleet)
        | {
            "status": [
                {"host": r.name, "running": r.running, "sshd": r.sshd, **r.faults.to_json()} for r in rows
            ]
        }
    )


@app.command(
    context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
    epilog=examples(
        "deploytool fleet ssh h1",
        "deploytool fleet ssh h2 systemctl status ssh",
        "deploytool fleet ssh h1 'ls /srv | wc -l'",
    ),
)
def ssh(
    ctx: typer.Context,
    host: str = typer.Argument(..., help="h1, h2, ... or an address."),
    command: list[str] | None = typer.Argument(None, help="What to run (a shell command line, as with ssh)."),
    name: str = NAME,
) -> None:
    """Open a shell on a host (or run a command) as `deploy`, with the fleet's strict ssh settings."""
    from deploytool.fleet import Fleet
    from deploytool.fleet.deps import require_root

    state(ctx)
    require_root()
    if command and command[0] == "--":  # `fleet ssh h1 -- cmd`: the separator is ours, not the remote's
        command = command[1:]
    argv = Fleet.open(name).ssh_argv(host, script=" ".join(command) if command else None)
    os.execvp(argv[0], argv)


class Action(enum.StrEnum):
    cut = "cut"
    restore = "restore"
    slow = "slow"
    lossy = "lossy"
    clear = "clear"
    sshd_stop = "sshd-stop"
    sshd_start = "sshd-start"
    disk_fill = "disk-fill"
    disk_free = "disk-free"
    stop = "stop"
    start = "start"


@app.command(
    epilog=examples(
        "deploytool fleet fault h2 cut",
        "deploytool fleet fault h2 restore",
        "deploytool fleet fault h1 slow --rate 512kbit",
        "deploytool fleet fault h3 lossy --percent 20",
        "deploytool fleet fault h1 disk-fill",
        "deploytool fleet fault h2 stop",
    )
)
def fault(
    ctx: typer.Context,
    host: str = typer.Argument(..., help="h1, h2, ..."),
    action: Action = typer.Argument(..., help="What to break (or mend)."),
    rate: str = typer.Option("1mbit", "--rate", help="slow: the link's rate each way (tc tbf)."),
    latency: str = typer.Option("200ms", "--latency", help="slow: the most queueing delay tbf allows."),
    percent: int = typer.Option(10, "--percent", help="lossy: share of packets dropped, in and out."),
    name: str = NAME,
) -> None:
    """Break one host on purpose: cut/restore its link, slow it, drop packets, stop sshd, fill /srv, stop it."""
    from deploytool.fleet import Fleet
    from deploytool.fleet.deps import require_root

    st = state(ctx)
    require_root()
    fleet = Fleet.open(name)
    fleet.host(host)
    calls = {
        Action.cut: lambda: fleet.cut(host),
        Action.restore: lambda: fleet.restore(host),
        Action.slow: lambda: fleet.slow(host, rate, latency),
        Action.lossy: lambda: fleet.lossy(host, percent),
        Action.clear: lambda: fleet.clear_faults(host),
        Action.sshd_stop: lambda: fleet.stop_sshd(host),
        Action.sshd_start: lambda: fleet.start_sshd(host),
        Action.disk_fill: lambda: fleet.fill_disk(host),
        Action.disk_free: lambda: fleet.free_disk(host),
        Action.stop: lambda: fleet.stop_host(host),
        Action.start: lambda: fleet.start_host(host),
    }
    calls[action]()
    st.out.info(f"{host}: {action.value} done")
    st.out.result({"name": name, "host": host, "action": action.value})


def _describe(fleet: Fleet) -> dict[str, object]:
    return {
        "name": fleet.name,
        "mode": fleet.mode,
        "ssh_config": str(fleet.ssh_config),
        "known_hosts": str(fleet.known_hosts),
        "client_key": str(fleet.client_key),
        "hosts": [
            {"name": h.name, "address": h.address, "roles": list(h.roles), "port": h.port}
            for h in fleet.hosts
        ],
    }
