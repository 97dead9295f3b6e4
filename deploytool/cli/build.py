"""`deploytool build [--plan]` and `deploytool box build`: options in, one core call, the result out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from deploytool.cli.state import State, examples, state
from deploytool.errors import UsageError

if TYPE_CHECKING:
    from deploytool.build.plan import BuildInputs
    from deploytool.build.progress import Progress

# The library is imported inside the commands: `deploytool --help` (and every other verb) must not pay
# for the config schema, packaging or the build pipeline (tests/unit/cli/test_startup.py checks this).

BUILDERS = ("vagrant", "nspawn", "ssh")

box_app = typer.Typer(
    help="The build machines' images: the vagrant-lxc box (and the nspawn root), built from debootstrap.",
    epilog=examples("deploytool box build", "deploytool box build --distro bookworm"),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)


def inputs(st: State, builder: str | None) -> BuildInputs:
    """BuildInputs from the project's config (deploy.app, deploy.root, deploy.build.*)."""
    from deploytool.build.plan import BuildInputs
    from deploytool.config import load_project

    deploy = load_project(st.project, st.overrides).base.deploy
    cfg = deploy.build
    chosen = builder or cfg.builder
    if chosen not in BUILDERS:
        raise UsageError(f"unknown builder {chosen!r}", hint=f"use one of: {', '.join(BUILDERS)}")
    return BuildInputs(
        app=deploy.app,
        root=str(deploy.root),
        app_dir=st.project.resolve(),
        requirements_file=(st.project / str(cfg.requirements)).resolve(),
        python=str(cfg.python),
        distro=str(cfg.distro),
        builder=chosen,
        overrides={str(k): v for k, v in cfg.overrides.items()},
        index_url=_index(st, cfg.index_url),
    )


def _index(st: State, value: str | None) -> str:
    """deploy.build.index_url: PyPI when unset; a relative folder is the app folder's."""
    from deploytool.build.lock import DEFAULT_INDEX

    if value is None:
        return DEFAULT_INDEX
    if value.startswith(("http://", "https://", "file://", "/")):
        return value
    return str((st.project / value).resolve())


def _progress(st: State) -> Progress:
    from deploytool.build.progress import for_console

    console = st.out.err if st.out.json_mode else st.out.console
    return for_console(console, st.out.interactive, verbose=st.out.verbosity >= 1)


def register(app: typer.Typer) -> None:
    @app.command(
        epilog=examples(
            "deploytool build",
            "deploytool build --plan",
            "deploytool -C sample_app build --builder nspawn",
            "deploytool --json build > manifest.json",
            "deploytool --set deploy.build.overrides.gunicorn=env build --plan",
            "deploytool build --from-manifest 3f2c9a1b0d4e5f67",
            "deploytool build --from-manifest old/manifest.json --builder nspawn",
        )
    )
    def build(
        ctx: typer.Context,
        plan: bool = typer.Option(
            False, "--plan", help="Show the lock's lib/env split and the hashes; build nothing."
        ),
        builder: str | None = typer.Option(
            None, "--builder", help="vagrant (default), nspawn or ssh; overrides deploy.build.builder."
        ),
        force: bool = typer.Option(
            False, "--force", help="Resolve, download and build every part again, ignoring the cache."
        ),
        from_manifest: str | None = typer.Option(
            None,
            "--from-manifest",
            metavar="MANIFEST",
            help="Rebuild a past release from what its manifest (a file, or a release id in the cache) "
            "records, and verify every hash. Needs no config; the app's files must be the release's.",
        ),
    ) -> None:
        """Build the release: lib/ (pure Python, vendored), env (compiled, built in a production-like
        machine at its install path) and the app's tracked files, as content-addressed tarballs.

        Unchanged inputs are a cache hit: nothing is built. --json prints the manifest."""
        st = state(ctx)
        if from_manifest is not None:
            _rebuild(st, from_manifest, builder, force, plan)
            return
        from deploytool.build.cache import ArtifactCache

        build_inputs = inputs(st, builder)
        progress = _progress(st)
        if plan:
            from deploytool.build.plan import make_plan, plan_as_dict

            shown = make_plan(build_inputs, ArtifactCache(), progress, force=force)
            _show_plan(st, plan_as_dict(shown))
            return
        from deploytool.build.pipeline import build as run_build

        result = run_build(build_inputs, ArtifactCache(), progress, force=force)
        st.out.event(
            "build", release_id=result.release_id, built=result.built, manifest=str(result.manifest_path)
        )
        if st.out.json_mode:
            st.out.result(result.manifest)
            return
        parts = result.manifest["parts"]
        for part in ("env", "lib", "app"):
            where = "built" if part in result.built else "cached"
            st.out.info(f"  {part:<4} {parts[part]['hash']}  {where}")
        st.out.info(f"release [bold]{result.release_id}[/bold]  manifest: {result.manifest_path}")

    @box_app.command(
        "build",
        epilog=examples(
            "deploytool box build", "deploytool box build --nspawn-root", "deploytool box build --force"
        ),
    )
    def box_build(
        ctx: typer.Context,
        distro: str = typer.Option("bookworm", "--distro", help="The target Debian release."),
        nspawn_root: bool = typer.Option(
            False, "--nspawn-root", help="Also build the nspawn builder's root."
        ),
        force: bool = typer.Option(False, "--force", help="Build again even if cached."),
    ) -> None:
        """Build the vagrant-lxc box from debootstrap (cached by its recipe hash) and `vagrant box add` it."""
        from deploytool.build import box as boxes
        from deploytool.build.progress import for_console
        from deploytool.build.target import DISTROS

        st = state(ctx)
        if distro not in DISTROS:
            raise UsageError(f"unknown distro {distro!r}", hint=f"use one of: {', '.join(sorted(DISTROS))}")
        progress = for_console(st.out.console, st.out.interactive, verbose=st.out.verbosity >= 1)
        with progress.step(f"building the {distro} box (debootstrap, once)"):
            made = boxes.build_box(distro, progress.line, force=force)
        with progress.step(f"adding {made.name} to vagrant"):
            boxes.add_box(made, force=force)
        st.out.info(f"box [bold]{made.name}[/bold]: {made.path}")
        if nspawn_root:
            with progress.step(f"building the {distro} nspawn root"):
                root = boxes.ensure_root(distro, progress.line, force=force)
            st.out.info(f"nspawn root: {root}")

    app.add_typer(box_app, name="box")


def _rebuild(st: State, ref: str, builder: str | None, force: bool, plan: bool) -> None:
    from deploytool.build.cache import ArtifactCache
    from deploytool.build.rebuild import rebuild

    if plan:
        raise UsageError("--plan and --from-manifest do not go together", hint="the manifest is the plan")
    if builder is not None and builder not in BUILDERS:
        raise UsageError(f"unknown builder {builder!r}", hint=f"use one of: {', '.join(BUILDERS)}")
    result = rebuild(ref, ArtifactCache(), _progress(st), builder=builder, force=force)
    st.out.event(
        "rebuild",
        release_id=result.release_id,
        rebuilt=result.rebuilt,
        verified=True,
        manifest=str(result.manifest_path),
    )
    if st.out.json_mode:
        st.out.result(result.manifest)
        return
    for part in ("env", "lib", "app"):
        where = "rebuilt" if part in result.rebuilt else "cached"
        st.out.info(f"  {part:<4} {result.manifest['parts'][part]['hash']}  {where}, verified")
    st.out.info(f"release [bold]{result.release_id}[/bold] verified  manifest: {result.manifest_path}")


def _show_plan(st: State, data: dict[str, Any]) -> None:
    if st.out.json_mode:
        st.out.result(data)
        return
    rows = [(r["name"], r["version"], r["dest"], r["reason"]) for r in data["packages"]]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    st.out.info(f"[bold]release {data['release_id']}[/bold]: {len(rows)} locked packages")
    for name, version, dest, reason in rows:
        line = f"  {name:<{widths[0]}}  {version:<{widths[1]}}  -> {dest:<3}  ({reason})"
        st.out.console.print(line, markup=False, highlight=False)
    hashes = data["hashes"]
    st.out.info(f"env {hashes['env']} at {data['install_path']}")
    st.out.info(f"lib {hashes['lib']}   app {hashes['app']} ({data['app_files']} tracked files)")
