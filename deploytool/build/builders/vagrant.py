"""The `vagrant` builder: python-vagrant drives the top-level Vagrantfile (vagrant-lxc here).

The machine joins our own bridge (198.18.1.0/24, never lxcbr0); inputs go in and the env comes back
by rsync over the ssh config Vagrant reports. The machine is halted after each build, not destroyed.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
import shutil
import subprocess
from pathlib import Path
from typing import IO, Any

from deploytool.build.builders.base import LineSink, RemoteBuilder, SshTarget
from deploytool.errors import BuildError, MissingDependency, UsageError
from deploytool.resources import source_root

ALLOWED_NET = ipaddress.ip_network("198.18.0.0/15")
DEFAULT_BRIDGE = "dtbuild0"
DEFAULT_IP = "198.18.1.10"


def vagrantfile_dir() -> Path:
    """The folder of the Vagrantfile: the checkout's top level, or the copy shipped in the package."""
    override = os.environ.get("DEPLOYTOOL_VAGRANTFILE_DIR")
    candidates = [Path(override)] if override else []
    root = source_root()
    if root is not None:
        candidates.append(root)
    candidates.append(Path(__file__).resolve().parents[2] / "_vagrant")
    for folder in candidates:
        if (folder / "Vagrantfile").is_file():
            return folder
    raise MissingDependency("deploytool's Vagrantfile is missing from this installation")


def ensure_bridge(name: str, host_ip: str) -> None:
    """Create `name` with `host_ip`/24 unless it exists (LXC joins it; nothing routes it out)."""
    if name == "lxcbr0":
        raise UsageError(
            "the build machine may not use lxcbr0", hint=f"use a bridge of your own, e.g. {DEFAULT_BRIDGE}"
        )
    if subprocess.run(["ip", "link", "show", name], capture_output=True, check=False).returncode != 0:
        subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True, capture_output=True)
    shown = subprocess.run(
        ["ip", "-o", "-4", "addr", "show", "dev", name], capture_output=True, text=True, check=True
    )
    if f" {host_ip}/" not in shown.stdout:
        subprocess.run(["ip", "addr", "add", f"{host_ip}/24", "dev", name], check=True, capture_output=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True, capture_output=True)


class VagrantBuilder(RemoteBuilder):
    name = "vagrant"

    def __init__(
        self,
        box: str,
        state_dir: Path,
        box_file: Path | None = None,
        log: Path | None = None,
        provider: str | None = None,
        bridge: str | None = None,
        ip: str | None = None,
    ) -> None:
        self.box = box
        self.state_dir = state_dir
        self.box_file = box_file
        self.log = log
        self.provider = provider or os.environ.get("DEPLOYTOOL_VAGRANT_PROVIDER", "lxc")
        self.bridge = bridge or os.environ.get("DEPLOYTOOL_BRIDGE", DEFAULT_BRIDGE)
        self.ip = ip or os.environ.get("DEPLOYTOOL_BUILD_IP", DEFAULT_IP)
        address = ipaddress.ip_address(self.ip)
        if address not in ALLOWED_NET:
            raise UsageError(f"build machine address {self.ip} is outside {ALLOWED_NET}")
        self.host_ip = str(next(ipaddress.ip_network(f"{self.ip}/24", strict=False).hosts()))
        self._lock: IO[str] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "box": self.box,
            "provider": self.provider,
            "vagrantfile": str(vagrantfile_dir()),
        }

    def vagrant(self) -> Any:
        if shutil.which("vagrant") is None:
            raise MissingDependency(
                "vagrant is not installed",
                hint="apt-get install vagrant vagrant-lxc lxc (or use --builder nspawn)",
            )
        import vagrant  # python-vagrant; imported late so other builders work without it

        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            DEPLOYTOOL_BOX=self.box,
            DEPLOYTOOL_BRIDGE=self.bridge,
            DEPLOYTOOL_BUILD_IP=self.ip,
            DEPLOYTOOL_CONTAINER=f"deploytool-build-{self.box.rsplit('/', 1)[-1]}",
            VAGRANT_DOTFILE_PATH=str(self.state_dir / ".vagrant"),
            VAGRANT_DEFAULT_PROVIDER=self.provider,
        )
        log = self.log
        out_cm = vagrant.make_file_cm(str(log), "a") if log else None  # type: ignore[no-untyped-call]
        return vagrant.Vagrant(root=str(vagrantfile_dir()), env=env, out_cm=out_cm, err_cm=out_cm)  # type: ignore[no-untyped-call]

    def has_box(self) -> bool:
        return any(b.name == self.box for b in self.vagrant().box_list())

    def preflight(self) -> None:
        """Vagrant is installed, and the box is added or at least built (start() adds it)."""
        if not self.has_box() and (self.box_file is None or not self.box_file.is_file()):
            raise MissingDependency(
                f"the Vagrant box {self.box} is not installed",
                hint="deploytool box build (a few minutes, once)",
            )

    def start(self, sink: LineSink | None) -> SshTarget:
        v = self.vagrant()
        if not self.has_box():
            self.preflight()
            assert self.box_file is not None
            v.box_add(self.box, str(self.box_file), provider="lxc", force=True)  # built, not yet added
        if self.provider == "lxc":
            ensure_bridge(self.bridge, self.host_ip)
        # One build at a time per machine: a second build waits here until the first halts it.
        self._lock = (self.state_dir / "lock").open("w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            for line in v.up(provider=self.provider, stream_output=True):
                if sink:
                    sink(line.rstrip())
            config = self.state_dir / "ssh_config"
            config.write_text(v.ssh_config())
        except subprocess.CalledProcessError as exc:
            tail = self._log_tail()
            with contextlib.suppress(subprocess.CalledProcessError):
                v.halt()  # a machine that came up half-way is not left running
            self._unlock()
            raise BuildError(
                f"`vagrant up` failed (exit {exc.returncode}){tail}",
                hint="see `vagrant status` in the Vagrantfile's folder",
            ) from exc
        host = config.read_text().split()[1]  # "Host <name>"
        return SshTarget(config, host)

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file releases the flock
            self._lock = None

    def stop(self, sink: LineSink | None) -> None:
        try:
            self.vagrant().halt()
        except subprocess.CalledProcessError as exc:
            raise BuildError(f"`vagrant halt` failed (exit {exc.returncode}){self._log_tail()}") from exc
        finally:
            self._unlock()

    def destroy(self) -> None:
        """Remove the machine, once no build is using it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / "lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.vagrant().destroy()

    def _log_tail(self) -> str:
        if self.log and self.log.is_file():
            return ":\n" + "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])
        return ""
