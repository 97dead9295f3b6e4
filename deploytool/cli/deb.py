"""`deploytool deb`: the built release and one role's systemd units as a Debian package.

Thin: options -> config -> deploytool.deb.package.build -> output. The library is imported inside
the command (tests/unit/cli/test_startup.py keeps `deploytool --help` light).
"""

from __future__ import annotations

from pathlib import Path

import typer

from deploytool.cli.state import examples, state

COMPRESSIONS = ("xz", "zstd", "gzip", "none")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "deploytool deb --role shard",
            "deploytool deb --role master --version 1.2.0 --out dist/",
            "deploytool deb --role shard --release e5ddfd7e3f2deb7d",
            "deploytool --json deb --role shard --out dist/",
        )
    )(deb)


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"


def deb(
    ctx: typer.Context,
    role: str | None = typer.Option(
        None, "--role", "-r", help="The role whose services the package runs (needed when there are several)."
    ),
    version: str | None = typer.Option(
        None,
        "--version",
        help="The package version (a Debian version). Default: deploy.version, else "
        "0.0~<build time>+<release id>, which sorts by build time.",
    ),
    out: Path = typer.Option(Path("."), "--out", "-o", help="The folder the .deb is written to."),
    release: str | None = typer.Option(
        None, "--release", help="A built release id (default: the newest build of this project)."
    ),
    compression: str = typer.Option(
        "xz", "--compression", help=f"dpkg-deb's compression: {', '.join(COMPRESSIONS)} (xz: smallest)."
    ),
    lintian: bool = typer.Option(
        True, "--lintian/--no-lintian", help="Check the package with lintian (when installed)."
    ),
) -> None:
    """Package the built release (app, lib, env) and a role's systemd units as <app>-<role>_<version>_<arch>.deb.

    Installing it makes the service user, switches /srv/<app>/current and (re)starts the services;
    removing it stops them and keeps the data; purging removes everything. Secrets are not packaged:
    each service's /etc/<app>/<service>.env (a conffile) names them for the admin to fill in.
    """
    from deploytool.config import load_project
    from deploytool.deb import package

    st = state(ctx)
    project = load_project(st.project, st.overrides)
    result = package.build(
        project,
        role=role,
        version_text=version,
        out=out,
        release=release,
        lint=lintian,
        compression=compression,
    )
    st.out.info(f"[bold]{result.path}[/bold]  ({_size(result.size)}, {result.seconds:.1f}s)")
    st.out.info(f"  package {result.package} {result.version} ({result.arch}), release {result.release_id}")
    st.out.info(f"  depends {', '.join(result.depends)}")
    if not result.linted:
        st.out.info("  lintian: not run (--no-lintian, or lintian is not installed)")
    else:
        st.out.info(
            "  lintian: no errors or warnings" + (f" ({len(result.lintian)} notes)" if result.lintian else "")
        )
    st.out.result(result.as_dict())
