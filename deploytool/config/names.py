"""The constrained strings of the deploy schema: names, addresses, paths.

Every name that can reach a command line, a file name or a unit file is checked here, so shell
metacharacters, whitespace, control characters and `..` never get past loading. Each check raises
ValueError with what is expected; the loader prints it as `file: key.path: expected ...`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field

from deploytool.deb.version import EXPECTED as DEBIAN_VERSION_EXPECTED
from deploytool.deb.version import problem as debian_version_problem

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS = re.compile(rf"{_LABEL}(?:\.{_LABEL})*", re.ASCII)
_PORT = re.compile(r"[0-9]{1,5}", re.ASCII)


def _matching(pattern: str, expected: str) -> AfterValidator:
    regex = re.compile(pattern, re.ASCII)

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(expected)
        return value

    return AfterValidator(check)


def _checked(test: Callable[[str], bool], expected: str) -> AfterValidator:
    def check(value: str) -> str:
        if not test(value):
            raise ValueError(expected)
        return value

    return AfterValidator(check)


def is_address(value: str) -> bool:
    """An IP address or a DNS name."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return len(value) <= 253 and bool(_DNS.fullmatch(value))
    return True


def is_port(value: str) -> bool:
    return bool(_PORT.fullmatch(value)) and 1 <= int(value) <= 65535


def _host_port(value: str) -> tuple[str, str] | None:
    """`host:port` or `[v6]:port`, split; None when there is no port."""
    if value.startswith("["):
        host, sep, port = value[1:].partition("]:")
        return (host, port) if sep and ":" in host else None
    host, sep, port = value.rpartition(":")
    return (host, port) if sep else None


def is_bind(value: str) -> bool:
    """`host:port` (IPv4, [IPv6] or a DNS name) or `unix:/absolute/path`."""
    if value.startswith("unix:"):
        return is_remote_path(value[len("unix:") :])
    split = _host_port(value)
    return split is not None and is_address(split[0]) and is_port(split[1])


_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}", re.ASCII)


def is_jump(value: str) -> bool:
    """`[user@]host[:port]`, where host may also be the name of an entry in deploy.hosts."""
    user, sep, rest = value.rpartition("@")
    if sep and not _USER.fullmatch(user):
        return False
    split = _host_port(rest)
    if split is None:
        return is_address(rest)
    return is_address(split[0]) and is_port(split[1])


_SEGMENT = re.compile(r"[A-Za-z0-9._@+-]+", re.ASCII)


def is_remote_path(value: str) -> bool:
    """An absolute path of plain segments (no `.`, `..`, spaces or shell characters), not `/` itself."""
    if not value.startswith("/"):
        return False
    parts = value[1:].split("/")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # a trailing slash
    return all(_SEGMENT.fullmatch(p) and p not in {".", ".."} for p in parts)


def is_relative_path(value: str) -> bool:
    parts = value.split("/")
    return not value.startswith("/") and all(_SEGMENT.fullmatch(p) and p != ".." for p in parts)


def is_local_path(value: str) -> bool:
    """A path on the machine running deploytool: anything printable (it is never put in a shell)."""
    return 0 < len(value) <= 4096 and value.isprintable()


def is_text(value: str) -> bool:
    """A value that is safe on one line of a unit or env file: no control characters."""
    return len(value) <= 4096 and value.isprintable()


APP_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}", re.ASCII)
AppName = Annotated[
    str, _matching(APP_NAME.pattern, "an app name: a lowercase letter, then up to 30 of a-z, 0-9, '-'")
]
Name = Annotated[
    str,
    _matching(r"[a-z][a-z0-9_-]{0,62}", "a name: a lowercase letter, then up to 62 of a-z, 0-9, '-', '_'"),
]
HostName = Annotated[
    str,
    _matching(
        r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
        "a host name: one DNS label of a-z, 0-9 and inner '-' (put dotted names in `address`)",
    ),
]
UnixUser = Annotated[
    str, _matching(_USER.pattern, "a Unix user name: a-z or '_', then up to 31 of a-z, 0-9, '-', '_'")
]
EnvName = Annotated[
    str, _matching(r"[A-Za-z_][A-Za-z0-9_]{0,127}", "an environment variable name: letters, digits, '_'")
]
Address = Annotated[str, _checked(is_address, "an IP address or a DNS name")]
Port = Annotated[int, Field(ge=1, le=65535)]
Bind = Annotated[str, _checked(is_bind, "host:port (e.g. 127.0.0.1:8000, [::1]:8000) or unix:/absolute/path")]
Jump = Annotated[str, _checked(is_jump, "[user@]host[:port], or the name of a host in deploy.hosts")]
RemotePath = Annotated[
    str, _checked(is_remote_path, "an absolute path of letters, digits and ._-+@, no '..' (e.g. /srv/app)")
]
RelativePath = Annotated[
    str,
    _checked(
        is_relative_path, "a relative path of letters, digits and ._-+@, no '..' (e.g. requirements.txt)"
    ),
]
LocalPath = Annotated[str, _checked(is_local_path, "a file path without control characters")]
Text = Annotated[str, _checked(is_text, "text without control characters (newlines, tabs, NUL)")]
UrlPath = Annotated[str, _matching(r"/[\x21-\x7e]{0,2047}", "a URL path starting with '/', no spaces")]
DebianVersion = Annotated[str, _checked(lambda v: debian_version_problem(v) is None, DEBIAN_VERSION_EXPECTED)]
Maintainer = Annotated[
    str,
    _matching(
        r"[^<>@\x00-\x1f]+ <[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>",
        "a name and mail address: Ops Team <ops@example.com>",
    ),
]
PythonVersion = Annotated[str, _matching(r"3\.[0-9]{1,2}", "a Python version like 3.11")]
Distro = Annotated[str, _matching(r"[a-z][a-z0-9.-]{0,31}", "a distribution codename like bookworm")]
PackageName = Annotated[
    str,
    _matching(
        r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", "a Python package name (PEP 508), e.g. psycopg2"
    ),
]
PythonObject = Annotated[
    str,
    _matching(
        r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::[A-Za-z_][A-Za-z0-9_]*)?",
        "a Python module path like tasks or app.tasks:celery",
    ),
]
QueueName = Annotated[
    str, _matching(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", "a queue name: letters, digits, '.', '-', '_'")
]
