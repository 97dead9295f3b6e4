"""Debian package versions: the syntax check (Debian policy 5.6.12) and the default version of a release.

Pure: no dpkg needed. The default sorts by build time, so a newer build is an upgrade to apt.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from deploytool.errors import UsageError

_EPOCH = re.compile(r"[0-9]+")
_REVISION = re.compile(r"[A-Za-z0-9.+~]+")
_UPSTREAM = re.compile(r"[0-9][A-Za-z0-9.+~]*")
_UPSTREAM_WITH_HYPHENS = re.compile(r"[0-9][A-Za-z0-9.+~-]*")  # allowed only when there is a revision

EXPECTED = (
    "a Debian version: [epoch:]upstream[-revision], upstream starting with a digit, e.g. 1.2.0 or 2:1.0~rc1-3"
)


def problem(version: str) -> str | None:
    """Why `version` is not a valid Debian version, or None when it is (dpkg's own rules)."""
    if not version:
        return "it is empty"
    if any(c.isspace() for c in version) or not version.isascii():
        return "it contains whitespace or non-ASCII characters"
    rest = version
    epoch, colon, after = version.partition(":")
    if colon:
        if not _EPOCH.fullmatch(epoch):
            return f"the epoch {epoch!r} is not a number"
        rest = after
    upstream, hyphen, revision = rest.rpartition("-")
    if not hyphen:
        upstream, revision = rest, ""
    elif not revision or not _REVISION.fullmatch(revision):
        return f"the revision {revision!r} has characters other than letters, digits and . + ~"
    if not upstream:
        return "the upstream version is empty"
    if not upstream[0].isdigit():
        return f"the upstream version {upstream!r} does not start with a digit"
    pattern = _UPSTREAM_WITH_HYPHENS if hyphen else _UPSTREAM
    if not pattern.fullmatch(upstream):
        return f"the upstream version {upstream!r} has characters other than letters, digits and . + ~ -"
    return None


def check(version: str, where: str = "--version") -> str:
    """`version` itself, or a one-line input error saying what is wrong with it."""
    why = problem(version)
    if why is not None:
        raise UsageError(f"{where}: {version!r} is not a Debian version: {why}", hint=f"expected {EXPECTED}")
    return version


def built_at(manifest: dict[str, Any]) -> datetime:
    """When the release was built (the manifest's finish time), in UTC."""
    stamps = manifest.get("timestamps") or {}
    text = str(stamps.get("finished") or stamps.get("started") or "")
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise UsageError(
            f"release {manifest.get('release_id')}: its manifest has no build time",
            hint="give the package a version: --version 1.0 (or deploy.version)",
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def default(manifest: dict[str, Any]) -> str:
    """`0.0~YYYYMMDD.HHMMSS+<release id>`: newer builds sort higher; any real version (0.0, 1.0) is higher
    still, so an app can move to its own versions later and apt sees an upgrade."""
    return f"0.0~{built_at(manifest):%Y%m%d.%H%M%S}+{manifest['release_id']}"
