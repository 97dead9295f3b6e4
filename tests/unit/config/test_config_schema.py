"""The deploy schema: defaults, recipes, names that cannot carry shell metacharacters, references."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from deploytool.config.schema import Celery, Deploy, Gunicorn, Redis, Uwsgi


def deploy(base: dict[str, Any], **changes: Any) -> Deploy:
    return Deploy.model_validate({**base["deploy"], **changes})


def first_error(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        deploy(base, **changes)
    error: dict[str, Any] = dict(caught.value.errors()[0])
    return error


def test_root_and_run_as_default_from_the_app_name(base: dict[str, Any]) -> None:
    d = deploy(base)
    assert (d.root, d.run_as) == ("/srv/demo", "demo")
    assert deploy(base, root="/opt/demo", run_as="svc").root == "/opt/demo"


def test_unset_sections_get_their_documented_defaults(base: dict[str, Any]) -> None:
    d = deploy(base)
    assert d.keep_releases == 5
    assert (d.ssh.port, d.ssh.connect_timeout, d.ssh.jump) == (22, 10.0, None)
    assert (d.batch.canary, d.batch.size, d.batch.parallel) == (1, 1, 10)
    assert (d.health is not None and d.health.path, d.build.builder, d.build.python) == (
        "/health",
        "vagrant",
        "3.11",
    )
    assert d.secrets == {}


def test_each_recipe_validates_into_its_own_type(base: dict[str, Any]) -> None:
    services = {
        "web": {"recipe": "gunicorn"},
        "api": {"recipe": "uwsgi", "bind": "unix:/run/demo/api.sock"},
        "worker": {"recipe": "celery", "queues": ["a"]},
        "cache": {"recipe": "redis"},
    }
    d = deploy(base, services=services)
    assert [type(s) for s in d.services.values()] == [Gunicorn, Uwsgi, Celery, Redis]
    assert isinstance(d.services["worker"], Celery) and d.services["worker"].queues == ("a",)


def test_unknown_keys_are_reported_per_recipe(base: dict[str, Any]) -> None:
    error = first_error(base, services={"worker": {"recipe": "celery", "workers": 2}})
    assert (error["type"], error["loc"]) == ("extra_forbidden", ("services", "worker", "celery", "workers"))


def test_values_are_strict_no_string_to_number_coercion(base: dict[str, Any]) -> None:
    assert first_error(base, keep_releases="5")["type"] == "int_type"
    assert first_error(base, keep_releases=True)["type"] == "int_type"
    assert first_error(base, keep_releases=5.0)["type"] == "int_type"


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"keep_releases": 1}, ("keep_releases",)),
        ({"ssh": {"user": "deploy", "port": 0}}, ("ssh", "port")),
        ({"ssh": {"user": "deploy", "port": 65536}}, ("ssh", "port")),
        ({"ssh": {"user": "deploy", "connect_timeout": 0}}, ("ssh", "connect_timeout")),
        ({"batch": {"canary": -1}}, ("batch", "canary")),
        ({"batch": {"size": 0}}, ("batch", "size")),
        ({"batch": {"parallel": 100000}}, ("batch", "parallel")),
        ({"health": {"service": "web", "status": 99}}, ("health", "status")),
        ({"health": {"service": "web", "status": 600}}, ("health", "status")),
        ({"health": {"service": "web", "timeout": 0}}, ("health", "timeout")),
        ({"health": {"service": "web", "path": "health"}}, ("health", "path")),
        ({"build": {"builder": "docker"}}, ("build", "builder")),
        ({"build": {"python": "3"}}, ("build", "python")),
        ({"build": {"requirements": "/abs/req.txt"}}, ("build", "requirements")),
        ({"build": {"requirements": "../req.txt"}}, ("build", "requirements")),
        ({"build": {"overrides": {"psycopg2": "venv"}}}, ("build", "overrides", "psycopg2")),
        ({"roles": {}}, ("roles",)),
        ({"services": {}}, ("services",)),
    ],
)
def test_out_of_range_values_are_rejected(
    base: dict[str, Any], changes: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    assert first_error(base, **changes)["loc"] == loc


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"app": "demo; rm -rf /"}, ("app",)),
        ({"app": "Demo"}, ("app",)),
        ({"app": "de mo"}, ("app",)),
        ({"root": "/srv/../etc"}, ("root",)),
        ({"root": "/srv/demo dir"}, ("root",)),
        ({"root": "/srv/$(id)"}, ("root",)),
        ({"root": "srv/demo"}, ("root",)),
        ({"root": "/"}, ("root",)),
        ({"run_as": "root;id"}, ("run_as",)),
        ({"run_as": "a\nb"}, ("run_as",)),
        ({"ssh": {"user": "deploy`id`"}}, ("ssh", "user")),
        ({"ssh": {"user": "deploy", "jump": "ops@bastion;id"}}, ("ssh", "jump")),
        ({"ssh": {"user": "deploy", "identity": "key\x00"}}, ("ssh", "identity")),
        (
            {"hosts": {"h1": {"address": "1.2.3.4 -oProxyCommand=x", "roles": ["master"]}}},
            ("hosts", "h1", "address"),
        ),
        ({"hosts": {"../h1": {"address": "1.2.3.4", "roles": ["master"]}}}, ("hosts", "../h1", "[key]")),
        ({"hosts": {"h 1": {"address": "1.2.3.4", "roles": ["master"]}}}, ("hosts", "h 1", "[key]")),
        ({"roles": {"ma$ter": {"services": ["web"]}}}, ("roles", "ma$ter", "[key]")),
        ({"services": {"we|b": {"recipe": "redis"}}}, ("services", "we|b", "[key]")),
        (
            {"services": {"web": {"recipe": "gunicorn", "env": {"A B": "x"}}}},
            ("services", "web", "gunicorn", "env", "A B", "[key]"),
        ),
        (
            {"services": {"web": {"recipe": "gunicorn", "env": {"A": "x\ny"}}}},
            ("services", "web", "gunicorn", "env", "A"),
        ),
        (
            {"services": {"web": {"recipe": "gunicorn", "bind": "0.0.0.0"}}},
            ("services", "web", "gunicorn", "bind"),
        ),
        (
            {"services": {"web": {"recipe": "gunicorn", "bind": "host:99999"}}},
            ("services", "web", "gunicorn", "bind"),
        ),
        ({"services": {"w": {"recipe": "celery", "app": "tasks; id"}}}, ("services", "w", "celery", "app")),
        (
            {"services": {"w": {"recipe": "celery", "queues": ["a b"]}}},
            ("services", "w", "celery", "queues", 0),
        ),
    ],
)
def test_names_and_paths_cannot_carry_shell_metacharacters_whitespace_or_dotdot(
    base: dict[str, Any], changes: dict[str, Any], loc: tuple[Any, ...]
) -> None:
    assert first_error(base, **changes)["loc"] == loc


@pytest.mark.parametrize(
    "jump", ["bastion", "bastion.example.com", "ops@bastion:2222", "10.0.0.1", "ops@[::1]:22", "h1"]
)
def test_jump_accepts_user_host_port_forms_and_host_names(base: dict[str, Any], jump: str) -> None:
    assert deploy(base, ssh={"user": "deploy", "jump": jump}).ssh.jump == jump


@pytest.mark.parametrize(
    "bind", ["127.0.0.1:8000", "0.0.0.0:80", "[::1]:8000", "localhost:8000", "unix:/run/a.sock"]
)
def test_web_bind_accepts_host_port_and_unix_sockets(base: dict[str, Any], bind: str) -> None:
    d = deploy(
        base,
        services={"web": {"recipe": "gunicorn", "bind": bind}},
        roles={"m": {"services": ["web"]}},
        hosts={},
    )
    assert isinstance(d.services["web"], Gunicorn) and d.services["web"].bind == bind


def test_a_role_must_name_services_that_exist(base: dict[str, Any]) -> None:
    error = first_error(base, roles={"master": {"services": ["web", "wrker"]}})
    assert error["ctx"]["at"] == ("roles", "master", "services", 1)
    assert error["ctx"]["suggest"] == "worker"


def test_health_service_must_exist_and_be_a_web_service(base: dict[str, Any]) -> None:
    assert first_error(base, health={"service": "api"})["ctx"]["at"] == ("health", "service")
    error = first_error(base, health={"service": "worker"})
    assert "a web service (gunicorn or uwsgi)" in error["msg"]


def test_a_host_must_name_roles_that_exist(base: dict[str, Any]) -> None:
    error = first_error(base, hosts={"h1": {"address": "10.0.0.1", "roles": ["mastr"]}})
    assert error["ctx"]["at"] == ("hosts", "h1", "roles", 0)
    assert error["ctx"]["suggest"] == "master"


def test_hosts_and_roles_cannot_share_names_or_use_reserved_ones(base: dict[str, Any]) -> None:
    assert first_error(base, hosts={"shard": {"address": "10.0.0.1", "roles": ["shard"]}})["ctx"]["at"] == (
        "hosts",
        "shard",
    )
    assert first_error(base, hosts={"hosts": {"address": "10.0.0.1", "roles": ["shard"]}})["ctx"]["at"] == (
        "hosts",
        "hosts",
    )
    roles = {"config": {"services": ["web"]}}
    assert first_error(base, roles=roles, hosts={})["ctx"]["at"] == ("roles", "config")


def test_the_ssh_builder_needs_a_build_host(base: dict[str, Any]) -> None:
    assert first_error(base, build={"builder": "ssh"})["ctx"]["at"] == ("host",)
    assert deploy(base, build={"builder": "ssh", "host": "build@10.0.0.5"}).build.host == "build@10.0.0.5"


def test_the_deploy_model_is_frozen_all_the_way_down(base: dict[str, Any]) -> None:
    d = deploy(base)
    with pytest.raises(ValidationError, match="frozen"):
        d.keep_releases = 3
    with pytest.raises(ValidationError, match="frozen"):
        d.ssh.port = 2222
    with pytest.raises(TypeError, match="read-only"):
        d.services["new"] = d.services["web"]  # type: ignore[index]
    assert isinstance(d.roles["master"].services, tuple)
    assert hash(d) == hash(deploy(base))
