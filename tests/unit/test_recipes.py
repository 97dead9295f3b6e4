"""Recipes render the units push and deb install; golden files pin every byte.

Regenerate after an intended change with: UPDATE_GOLDEN=1 pytest tests/unit/test_recipes.py
"""

import os
from pathlib import Path

import jinja2
import pytest

from deploytool import recipes
from deploytool.errors import ConfigError
from deploytool.render import systemd_quote

GOLDEN = Path(__file__).parent / "golden" / "recipes"
CONTEXT = {
    "app": "sample",
    "run_as": "sample",
    "root": "/srv/sample",
    "current": "/srv/sample/current",
    "shared": "/srv/sample/shared",
    "s": {
        "bind": "0.0.0.0:8000",
        "workers": 2,
        "timeout": 30,
        "app": "tasks",
        "concurrency": 2,
        "queues": ["default", "mail"],
        "port": 6379,
    },
}


@pytest.mark.parametrize("name", ["gunicorn", "uwsgi", "celery", "redis"])
def test_bundled_recipe_renders_exactly_its_golden_files(name: str) -> None:
    service = {"gunicorn": "web", "uwsgi": "web", "celery": "worker", "redis": "redis"}[name]
    ctx = {**CONTEXT, "service": service, "env_file": f"/srv/sample/shared/env/{service}.env"}
    if name == "redis":
        ctx["s"] = {"bind": "127.0.0.1", "port": 6379}
    files = recipes.load(name).render(f"sample-{service}", ctx)
    for filename, text in files.items():
        golden = GOLDEN / name / filename
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text)
        assert text == golden.read_text(), f"{golden} differs"
    assert sorted(files) == sorted(p.name for p in (GOLDEN / name).iterdir())


def test_a_missing_template_variable_fails_instead_of_rendering_empty() -> None:
    with pytest.raises(jinja2.UndefinedError):
        recipes.load("gunicorn").render("sample-web", {"app": "sample"})


def test_systemd_quote_escapes_what_systemd_would_expand() -> None:
    assert systemd_quote("/srv/a b") == '"/srv/a b"'
    assert systemd_quote('say "hi"') == '"say \\"hi\\""'
    assert systemd_quote("$(id) ${HOME} %h") == '"$$(id) $${HOME} %%h"'
    assert systemd_quote("a\\b") == '"a\\\\b"'


def test_systemd_quote_refuses_line_breaks_that_would_add_directives() -> None:
    with pytest.raises(ValueError, match="line break"):
        systemd_quote("x\nExecStartPre=/bin/sh -c 'id'")


def test_a_hostile_setting_stays_one_quoted_argument_in_the_unit() -> None:
    ctx = {**CONTEXT, "service": "web", "env_file": "/e"}
    ctx["s"] = {**CONTEXT["s"], "bind": "0.0.0.0:8000 --config $(id)"}
    text = recipes.load("uwsgi").render("sample-web", ctx)["sample-web.service"]
    assert '--http-socket "0.0.0.0:8000 --config $$(id)"' in text


def test_a_project_recipe_overrides_the_bundled_one(tmp_path: Path) -> None:
    own = tmp_path / "recipes" / "gunicorn"
    own.mkdir(parents=True)
    (own / "recipe.json").write_text('{"files": {"x.j2": "{unit}.service"}, "reload": "reload"}')
    (own / "x.j2").write_text("custom {{ app }}\n")
    recipe = recipes.load("gunicorn", tmp_path)
    assert recipe.reload == "reload"
    assert recipe.render("sample-web", {"app": "sample"}) == {"sample-web.service": "custom sample\n"}


def test_an_unknown_recipe_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="known: celery, gunicorn, redis, uwsgi"):
        recipes.load("nginx")


def test_a_recipe_with_a_bad_reload_mode_is_refused(tmp_path: Path) -> None:
    own = tmp_path / "recipes" / "odd"
    own.mkdir(parents=True)
    (own / "recipe.json").write_text('{"files": {}, "reload": "kick"}')
    with pytest.raises(ConfigError, match="reload: expected 'restart' or 'reload'"):
        recipes.load("odd", tmp_path)
