"""`deploytool deb`, start to end: a built release and one role's units -> `<package>_<version>_<arch>.deb`.

Everything that can be wrong with the input is found before any work; the package is built and
checked (lintian) in a scratch folder, and only a finished, clean package is moved into `out`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploytool.build import box
from deploytool.build.cache import ArtifactCache
from deploytool.config import Project
from deploytool.deb import control, depends, dpkg, units, version
from deploytool.deb.depends import PackageLookup
from deploytool.deb.lintian import check as lintian_check
from deploytool.deb.tree import Tree
from deploytool.errors import UsageError
from deploytool.release import bundle as bundle_mod
from deploytool.release.plan import Bundle
from deploytool.release.targets import inventory_for_app

DEFAULT_MAINTAINER = "{app} operators <ops@{app}.invalid>"  # .invalid: set deploy.maintainer


@dataclass(frozen=True)
class DebResult:
    path: Path
    package: str
    version: str
    arch: str
    role: str
    release_id: str
    depends: tuple[str, ...]
    size: int
    sha256: str
    seconds: float
    lintian: list[str] = field(default_factory=list)  # what lintian still says (informational tags)
    linted: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "path": str(self.path), "depends": list(self.depends)}


def build(
    project: Project,
    *,
    role: str | None = None,
    version_text: str | None = None,
    out: Path = Path("."),
    release: str | None = None,
    cache: ArtifactCache | None = None,
    lookup: PackageLookup | None = None,
    lint: bool = True,
    compression: str = "xz",
) -> DebResult:
    """Build the package of `role` from `release` (default: the newest build of this project)."""
    started = time.monotonic()
    if version_text is not None:
        version.check(version_text)
    if compression not in dpkg.COMPRESSIONS:
        raise UsageError(f"--compression {compression!r} is not one of {', '.join(dpkg.COMPRESSIONS)}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder")
    chosen = units.choose_role(project, role)
    deploy = project.for_role(chosen).deploy
    package = control.package_name(deploy.app, chosen)
    rendered = units.render(project, chosen)
    cache = cache or ArtifactCache()
    bundle = bundle_mod.load(deploy.root, deploy.app, release, cache, app_dir=project.root)
    manifest = cache.manifest(bundle.release_id) or {}
    env = manifest["parts"]["env"]
    needs = env.get("needs_libraries") or []
    db = lookup or _database(manifest)
    arch = db.architecture() if db is not None else _local_arch()
    epoch = int(manifest.get("inputs", {}).get("source_date_epoch") or bundle_mod.EPOCH)
    libraries = []
    if needs:
        assert db is not None  # _database raises when a library needs one and there is none
        libraries = depends.library_packages(needs, db, arch, env.get("glibc_required"))
    spec = control.Spec(
        package=package,
        app=deploy.app,
        role=chosen,
        version=version_text or deploy.version or version.default(manifest),
        arch=arch,
        maintainer=deploy.maintainer or DEFAULT_MAINTAINER.format(app=deploy.app),
        depends=tuple(depends.depends(bundle.python, libraries, depends.recipe_packages(rendered.packages))),
        release_id=bundle.release_id,
        env_hash=bundle.env_hash,
        python=bundle.python,
        built=_built(manifest, epoch),
        root=deploy.root,
        run_as=deploy.run_as,
        services=rendered.services,
        units=tuple(sorted((u.name for u in rendered.units), key=lambda n: (not n.endswith(".socket"), n))),
        restart=tuple(u.name for u in rendered.units if u.main),
    )
    with cache.workdir("deb") as work:
        deb = work / spec.deb_name
        _fill(Tree(work / "root", epoch), spec, bundle, rendered, inventory_for_app(project))
        dpkg.run(
            dpkg.build_argv(work / "root", deb, compression), "dpkg-deb", env=dpkg.environ_for_build(epoch)
        )
        linted = lint and shutil.which("lintian") is not None
        notes = lintian_check(deb) if linted else []
        final = _publish(deb, out)
    data = final.read_bytes()
    return DebResult(
        final, package, spec.version, arch, chosen, bundle.release_id, spec.depends, len(data),
        hashlib.sha256(data).hexdigest(), round(time.monotonic() - started, 3), notes, linted,
    )  # fmt: skip


def _fill(
    tree: Tree, spec: control.Spec, bundle: Bundle, rendered: units.RoleUnits, inventory: bytes
) -> None:
    root, pkg = spec.root, spec.package
    tree.root.mkdir()
    os.chmod(tree.root, 0o755)
    tree.mirror(bundle.release_tree, f"{root}/releases/{spec.release_id}")
    tree.mirror(bundle.env_tree, f"{root}/envs/{spec.env_hash}")
    for unit in rendered.units:
        tree.write(f"{units.UNIT_DIR}/{unit.name}", unit.text.encode())
    for path, content in rendered.env_files.items():
        tree.write(path, content, 0o600)  # secrets go here, by hand: root only
    inventory_path = f"{units.conffile_dir(spec.app)}/hosts.json"
    tree.write(inventory_path, inventory)
    tree.write(f"/usr/share/doc/{pkg}/copyright", control.copyright_text(spec).encode())
    tree.write(f"/usr/share/doc/{pkg}/changelog.gz", control.changelog_gz(spec))
    tree.write(f"/usr/share/lintian/overrides/{pkg}", control.lintian_overrides(spec).encode())
    confs = [*rendered.env_files, inventory_path]
    summed = {p: f for p, f in tree.files.items() if p not in confs}
    size = control.installed_size(tree.sizes(), tree.others)
    files: dict[str, tuple[str | bytes, int]] = {
        "control": (control.control(spec, size), 0o644),
        "conffiles": (control.conffiles(confs), 0o644),
        "md5sums": (control.md5sums(summed), 0o644),
    }
    files.update({name: (text, 0o755) for name, text in control.scripts(spec).items()})
    tree.control(files)
    tree.fix_times()


def _publish(deb: Path, out: Path) -> Path:
    """Copy the finished package into `out` under a temporary name, then rename it into place."""
    out.mkdir(parents=True, exist_ok=True)
    final = out / deb.name
    tmp = out / f".{deb.name}.tmp-{os.getpid()}"
    try:
        shutil.copyfile(deb, tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _database(manifest: dict[str, Any]) -> dpkg.DpkgDatabase | None:
    env = manifest["parts"]["env"]
    distro = str(manifest.get("inputs", {}).get("distro") or "bookworm")
    builder_root = (env.get("builder") or {}).get("root")
    try:
        return dpkg.find_database(builder_root, distro, box.root_path(distro))
    except UsageError:
        if env.get("needs_libraries"):
            raise
        return None  # a pure env links no library: nothing to look up


def _built(manifest: dict[str, Any], epoch: int) -> datetime:
    """The build time for the changelog; the fixed epoch when an old manifest does not say."""
    try:
        return version.built_at(manifest)
    except UsageError:
        return datetime.fromtimestamp(epoch, UTC)


def _local_arch() -> str:
    return dpkg.run(["dpkg", "--print-architecture"], "dpkg").strip()
