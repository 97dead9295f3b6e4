"""A role's units come from the same recipes as push; env files become conffiles without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploytool import recipes
from deploytool.config import load_project
from deploytool.deb import units
from deploytool.errors import ConfigError, UsageError


def test_the_units_are_the_recipes_own_with_the_env_file_under_etc(project_dir: Path) -> None:
    role = units.render(load_project(project_dir), "master")
    names = [u.name for u in role.units]
    assert names == [
        "sample-web.service",
        "sample-web.socket",
        "sample-worker.service",
        "sample-redis.service",
    ]
    assert [u.name for u in role.units if u.main] == [
        "sample-web.service",
        "sample-worker.service",
        "sample-redis.service",
    ]
    web = next(u for u in role.units if u.name == "sample-web.service").text
    assert "EnvironmentFile=-/etc/sample/web.env\n" in web
    pushed = recipes.load("gunicorn").render(
        "sample-web",
        {
            "app": "sample", "service": "web", "run_as": "sample", "root": "/srv/sample",
            "current": "/srv/sample/current", "shared": "/srv/sample/shared",
            "env_file": "/srv/sample/shared/env/web.env",
            "s": {"bind": "0.0.0.0:8000", "workers": 2, "timeout": 30.0},
        },
    )["sample-web.service"]  # fmt: skip
    assert web == pushed.replace("/srv/sample/shared/env/web.env", "/etc/sample/web.env")


def test_the_recipes_say_which_debian_packages_the_role_runs_from(project_dir: Path) -> None:
    project = load_project(project_dir)
    assert units.render(project, "master").packages == ((), (), ("redis-server",))
    assert units.render(project, "shard").packages == (("uwsgi-core", "uwsgi-plugin-python3"),)


def test_env_conffiles_hold_the_plain_values_and_only_name_the_secrets(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMPLE_SECRET_KEY", "s3cret-value-never-packaged")
    monkeypatch.setenv("SAMPLE_API_TOKEN", "tok-never-packaged")
    role = units.render(load_project(project_dir), "master")
    web = role.env_files["/etc/sample/web.env"].decode()
    assert 'APP_ROLES="master"\n' in web
    assert 'SAMPLE_MODE="production"\n' in web
    assert '#SECRET_KEY=""    # a secret (env SAMPLE_SECRET_KEY when deploytool pushes)' in web
    assert '#API_TOKEN=""    # a secret (env SAMPLE_API_TOKEN when deploytool pushes)' in web
    assert "never-packaged" not in web
    assert "\nSECRET_KEY=" not in web
    assert sorted(role.env_files) == [
        "/etc/sample/redis.env",
        "/etc/sample/web.env",
        "/etc/sample/worker.env",
    ]


def test_the_only_role_is_chosen_without_asking(tmp_path: Path) -> None:
    from deb_fakes import CONFIG, make_project

    config = {**CONFIG, "deploy": {**CONFIG["deploy"], "roles": {"web": {"services": ["web"]}}}}
    project = load_project(make_project(tmp_path / "one", config))
    assert units.choose_role(project, None) == "web"


def test_with_several_roles_the_role_must_be_named(project_dir: Path) -> None:
    with pytest.raises(UsageError) as caught:
        units.choose_role(load_project(project_dir), None)
    assert "2 roles (master, shard)" in caught.value.message
    assert caught.value.hint == "add --role master (one package per role)"


def test_an_unknown_role_is_an_input_error_with_a_suggestion(project_dir: Path) -> None:
    with pytest.raises(UsageError) as caught:
        units.choose_role(load_project(project_dir), "mastr")
    assert caught.value.exit_code == 2
    assert caught.value.message == "no role 'mastr' in deploy.roles (known: master, shard)"
    assert caught.value.hint == "did you mean 'master'?"


def test_a_role_without_services_is_refused_when_the_config_loads(project_dir: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_project(project_dir, ["deploy.roles.master.services=[]"])
    assert caught.value.exit_code == 2
    assert "deploy.roles.master.services" in caught.value.message
