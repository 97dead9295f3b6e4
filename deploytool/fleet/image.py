"""The systemd-mode host image: a debootstrap bookworm root built once, cached by its recipe's hash.

Built in a temporary folder next to the cache and renamed into place, so a half-built image is never used.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from deploytool.errors import FleetError
from deploytool.fleet import procs
from deploytool.fleet.spec import Report

IMAGE_ROOT = Path("/var/cache/deploytool/images")
RECIPE_VERSION = 1

# What hosts run: PLATFORM.md's list, plus what deploys start on them (redis, uwsgi with python3).
PACKAGES = (
    "systemd", "systemd-sysv", "dbus", "openssh-server", "python3", "python3-venv", "rsync",
    "iproute2", "procps", "libpq5", "ca-certificates", "sudo", "curl", "netbase",
    "redis-server", "uwsgi-core", "uwsgi-plugin-python3",
)  # fmt: skip

# Runs once inside the fresh root. Host keys go: each host gets its own. redis is left to deploys.
SETUP = """\
set -eu
rm -f /etc/ssh/ssh_host_*
systemctl mask console-getty.service container-getty@.service getty@.service serial-getty@.service \
    apt-daily.timer apt-daily-upgrade.timer
systemctl disable redis-server.service
useradd --create-home --shell /bin/bash --groups sudo deploy
usermod --password '*' deploy
printf 'deploy ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/deploy
chmod 0440 /etc/sudoers.d/deploy
printf 'HostKey /etc/ssh/ssh_host_ed25519_key\\nPasswordAuthentication no\\nKbdInteractiveAuthentication no\\n' \
    > /etc/ssh/sshd_config.d/deploytool.conf
: > /etc/machine-id
apt-get clean
"""


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the image's content; its hash names the cache folder."""

    suite: str = "bookworm"
    variant: str = "minbase"
    packages: tuple[str, ...] = PACKAGES
    setup: str = SETUP
    version: int = RECIPE_VERSION

    def digest(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def debootstrap_argv(recipe: Recipe, target: Path, mirror: str) -> list[str]:
    return [
        "debootstrap", f"--variant={recipe.variant}", "--include=" + ",".join(recipe.packages),
        recipe.suite, str(target), mirror,
    ]  # fmt: skip


def setup_argv(recipe: Recipe, root: Path) -> list[str]:
    """Run the setup script in the new root, in a container with no network."""
    return [
        "systemd-nspawn", "-q", "-D", str(root), "--register=no", "--keep-unit", "--private-network",
        "--", "/bin/sh", "-c", recipe.setup,
    ]  # fmt: skip


def find_mirror(suite: str = "bookworm", apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt uses for `suite` (deb822 .sources or one-line .list)."""
    candidates: list[tuple[str, list[str]]] = []
    for path in sorted(apt_dir.glob("sources.list.d/*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text()):
            fields = _deb822(stanza)
            if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                candidates += [
                    (uri, fields.get("suites", "").split()) for uri in fields.get("uris", "").split()
                ]
    for path in [apt_dir / "sources.list", *sorted(apt_dir.glob("sources.list.d/*.list"))]:
        if path.is_file():
            for line in path.read_text().splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
                if len(words) >= 3 and words[0] == "deb":
                    candidates.append((words[1], [words[2]]))
    for uri, suites in candidates:
        if suite in suites:
            return uri
    raise FleetError(
        f"found no Debian {suite} mirror in {apt_dir}/sources.list(.d)",
        hint="pass --mirror http://deb.debian.org/debian (or your mirror)",
    )


def _deb822(stanza: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in stanza.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line[0].isspace() and key:
            fields[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
    return fields


def cached(recipe: Recipe, root: Path = IMAGE_ROOT) -> Path | None:
    """The cached image's root folder, if this recipe was built before."""
    rootfs = root / recipe.digest() / "rootfs"
    return rootfs if (root / recipe.digest() / "recipe.json").is_file() else None


def ensure(
    report: Report, mirror: str | None = None, recipe: Recipe | None = None, root: Path = IMAGE_ROOT
) -> Path:
    """The image for `recipe` (default: this version's), building it first if it is not cached."""
    recipe = recipe or Recipe()
    hit = cached(recipe, root)
    if hit:
        return hit
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another `fleet up` may be building the same image
        hit = cached(recipe, root)
        return hit if hit else _build(recipe, root, mirror or find_mirror(recipe.suite), report)


def _build(recipe: Recipe, root: Path, mirror: str, report: Report) -> Path:
    final = root / recipe.digest()
    work = root / f".build-{recipe.digest()}"
    if work.exists():
        shutil.rmtree(work)  # a build that crashed: start over
    (work / "rootfs").mkdir(parents=True)
    began = time.monotonic()
    report(f"building host image {recipe.digest()} (debootstrap {recipe.suite} from {mirror}); once only")
    _stream(debootstrap_argv(recipe, work / "rootfs", mirror), report, work / "build.log")
    report("image: setting up users, ssh and units")
    _stream(setup_argv(recipe, work / "rootfs"), report, work / "build.log")
    meta = {**asdict(recipe), "mirror": mirror, "seconds": round(time.monotonic() - began)}
    (work / "recipe.json").write_text(json.dumps(meta, indent=2) + "\n")
    if final.exists():
        shutil.rmtree(final)  # a folder without recipe.json is an unfinished older attempt
    work.rename(final)
    report(f"host image built in {meta['seconds']} s: {final}")
    return final / "rootfs"


def _stream(argv: list[str], report: Report, log: Path) -> None:
    """Run a long build step, passing its progress lines (debootstrap's `I: ...`) to `report`."""
    with (
        log.open("a") as fh,
        subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=procs.env()
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            fh.write(line)
            if line.startswith(("I: ", "E: ", "W: ")):
                report("image: " + line[3:].strip())
    if proc.returncode != 0:
        raise FleetError(
            f"building the host image failed (`{argv[0]}` exited {proc.returncode})", hint=f"see {log}"
        )
