"""The fully commented example config that `deploytool config example` prints (strict JSON)."""

from __future__ import annotations

from importlib import resources


def example_text() -> str:
    """The example etc/config.json, comments included, exactly as shipped."""
    return resources.files("deploytool.config").joinpath("example.json").read_text(encoding="utf-8")
