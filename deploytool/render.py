"""The one jinja2 Environment: StrictUndefined, so a missing variable fails instead of rendering empty."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2


def systemd_quote(value: object) -> str:
    """One word of a systemd Exec*= line: double-quoted, with \\, ", $ and % escaped.

    systemd's command-line syntax is not a shell's: it expands `$VAR` and `%x` specifiers even in
    quotes, so those are doubled; only backslash and double quote need a backslash.
    """
    text = str(value)
    if any(c in text for c in "\n\r\0"):
        raise ValueError(f"a systemd command argument cannot contain a line break or NUL: {text!r}")
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%")
    return f'"{text}"'


def env_file(values: Mapping[str, str]) -> bytes:
    """A systemd EnvironmentFile: NAME="value" lines, values double-quoted with \\ " ` $ escaped."""
    lines = []
    for name, value in sorted(values.items()):
        if any(c in value for c in "\n\r\0"):
            raise ValueError(f"environment value of {name} cannot contain a line break or NUL")
        escaped = "".join("\\" + c if c in '\\"`$' else c for c in value)
        lines.append(f'{name}="{escaped}"\n')
    return "".join(lines).encode()


def environment(search_path: Sequence[Path]) -> jinja2.Environment:
    """An Environment looking up templates in `search_path`, first match wins."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # systemd units and config files, not HTML
    )
    env.filters["sdq"] = systemd_quote
    return env


def render(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> str:
    return env.get_template(template).render(**context)
