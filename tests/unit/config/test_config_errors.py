"""Validation errors become one line: `file: key.path: what is expected`, from the file that set the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deploytool.config import load_project
from deploytool.errors import ConfigError

MakeProject = Callable[..., Path]  # the make_project fixture (conftest.py)


def error_for(project: Path, overrides: tuple[str, ...] = ()) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_project(project, overrides).check_all()
    assert "\n" not in str(caught.value)
    assert "pydantic" not in str(caught.value) and "validation error" not in str(caught.value)
    return caught.value


def where(error: ConfigError) -> str:
    return str(Path(str(error.file)).relative_to(Path(str(error.file)).parents[1]))


@pytest.mark.parametrize(
    ("edit", "key", "expected"),
    [
        ({"keep_releases": "five"}, "deploy.keep_releases", 'expected an integer, got "five"'),
        ({"keep_releases": 1}, "deploy.keep_releases", "expected a number >= 2, got 1"),
        ({"ssh": 5}, "deploy.ssh", "expected an object, got 5"),
        ({"ssh": {"user": "deploy", "port": "22"}}, "deploy.ssh.port", 'expected an integer, got "22"'),
        ({"ssh": {"port": 22}}, "deploy.ssh.user", "required, but missing"),
        (
            {"build": {"builder": "docker"}},
            "deploy.build.builder",
            "expected one of 'vagrant', 'nspawn' or 'ssh', got \"docker\"",
        ),
        (
            {"roles": {"master": {"services": "web"}}},
            "deploy.roles.master.services",
            'expected a list, got "web"',
        ),
        ({"roles": {}}, "deploy.roles", "expected at least 1 entry, got 0"),
        (
            {"run_as": "root;id"},
            "deploy.run_as",
            "expected a Unix user name: a-z or '_', then up to 31 of a-z, 0-9, '-', '_', got \"root;id\"",
        ),
        (
            {"health": {"service": "wbe"}},
            "deploy.health.service",
            'expected a service defined in deploy.services, got "wbe"',
        ),
        (
            {"services": {"web": {"bind": "x:1"}}},
            "deploy.services.web.recipe",
            "required, but missing: the service's recipe (gunicorn, uwsgi, celery or redis)",
        ),
        (
            {"services": {"web": {"recipe": "flask"}}},
            "deploy.services.web.recipe",
            "expected a recipe: one of 'gunicorn', 'uwsgi', 'celery', 'redis', got \"flask\"",
        ),
        (
            {"services": {"web": {"recipe": "gunicorn", "workers": 0}}},
            "deploy.services.web.workers",
            "expected a number >= 1, got 0",
        ),
        (
            {"secrets": {"TOKEN": {"envv": "X"}}},
            "deploy.secrets.TOKEN.envv",
            "unknown key 'envv'; expected a secret reference",
        ),
        (
            {"hosts": {"web;1": {"address": "10.0.0.1", "roles": ["master"]}}},
            "deploy.hosts.web;1",
            "expected a host name",
        ),
    ],
)
def test_each_validation_error_is_one_line_naming_the_key_path_and_the_expectation(
    make_project: MakeProject, base: dict[str, Any], edit: dict[str, Any], key: str, expected: str
) -> None:
    base["deploy"].update(edit)
    if "roles" in edit or "services" in edit:
        base["deploy"]["hosts"] = {}
        base["deploy"].pop("health")
    if edit.get("health"):
        base["deploy"]["health"] = edit["health"]
    error = error_for(make_project(base))
    assert (where(error), error.key) == ("etc/config.json", key)
    assert error.expected.startswith(expected)


def test_an_unknown_key_suggests_the_nearest_valid_key(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["deploy"]["keep_relases"] = 3
    error = error_for(make_project(base))
    assert (error.key, error.expected, error.hint) == (
        "deploy.keep_relases",
        "unknown key",
        "did you mean 'keep_releases'?",
    )


def test_an_unknown_key_with_no_near_match_lists_the_valid_keys_of_its_recipe(
    make_project: MakeProject,
) -> None:
    error = error_for(make_project(master={"deploy": {"services": {"worker": {"threads": 4}}}}))
    assert where(error) == "etc/master.json"
    assert (error.key, error.expected) == ("deploy.services.worker.threads", "unknown key")
    assert error.hint == "valid keys here: recipe, app, concurrency, queues, env"


def test_the_error_names_the_file_that_set_the_bad_key_not_config_json(make_project: MakeProject) -> None:
    error = error_for(make_project(h2={"deploy": {"services": {"web": {"bind": "nowhere"}}}}))
    assert (where(error), error.key) == ("etc/h2.json", "deploy.services.web.bind")


def test_a_missing_key_is_blamed_on_the_file_that_wrote_its_object(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["deploy"]["hosts"] = {}
    error = error_for(make_project(base, hosts={"deploy": {"hosts": {"h5": {"roles": ["shard"]}}}}))
    assert (where(error), error.key, error.expected) == (
        "etc/hosts.json",
        "deploy.hosts.h5.address",
        "required, but missing",
    )


def test_a_bad_set_value_is_blamed_on_the_command_line(make_project: MakeProject) -> None:
    error = error_for(make_project(), ("deploy.keep_releases=abc",))
    assert (error.file, error.key) == ("--set", "deploy.keep_releases")
    assert str(error) == '--set: deploy.keep_releases: expected an integer, got "abc"'


def test_several_errors_report_the_first_and_count_the_rest(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["deploy"].update(keep_releases=0, batch={"size": 0, "parallel": 0})
    error = error_for(make_project(base))
    assert error.key == "deploy.keep_releases"
    assert error.expected == "expected a number >= 2, got 0 (and 2 more)"


def test_a_missing_app_is_reported_once_not_with_its_defaults(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    del base["deploy"]["app"]
    error = error_for(make_project(base))
    assert str(error).endswith("etc/config.json: deploy.app: required, but missing")


def test_long_or_structured_bad_values_are_summarised_not_dumped(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["deploy"]["app"] = "x" * 200
    assert error_for(make_project(base)).expected.endswith('got "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."')
    base["deploy"]["app"] = {"deeply": {"nested": [1, 2, 3]}}
    assert error_for(make_project(base)).expected == "expected a string, got an object"


def test_env_text_with_control_characters_is_rejected_without_echoing_it(make_project: MakeProject) -> None:
    error = error_for(
        make_project(master={"deploy": {"services": {"web": {"env": {"PASSWORD": "hunter2\n"}}}}})
    )
    assert error.key == "deploy.services.web.env.PASSWORD"
    assert "hunter2" not in str(error)
