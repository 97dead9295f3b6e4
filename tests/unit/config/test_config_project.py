"""load_project: the file layers of a project, merged in order, validated per view, with provenance."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from deploytool.config import Config, Struct, load_project
from deploytool.errors import ConfigError, UsageError

MakeProject = Callable[..., Path]  # the make_project fixture (conftest.py)


def config_error(project: Path, overrides: list[str] | None = None, check: bool = True) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        loaded = load_project(project, overrides or [])
        if check:
            loaded.check_all()
    return caught.value


def test_role_file_overrides_config_and_host_file_overrides_role(make_project: MakeProject) -> None:
    project = load_project(
        make_project(
            shard={"deploy": {"keep_releases": 3, "batch": {"size": 3}}},
            h2={"deploy": {"keep_releases": 4}},
        )
    )
    assert project.base.deploy.keep_releases == 5
    assert project.for_role("shard").deploy.keep_releases == 3
    assert project.for_host("h2").deploy.keep_releases == 4
    assert project.for_host("h2").deploy.batch.size == 3  # from the role, not undone by the host file
    assert project.for_host("h1").deploy.keep_releases == 5  # h1 is not a shard


def test_hosts_json_sits_between_config_and_the_role_files(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["deploy"]["hosts"] = {}
    hosts = {
        "deploy": {"hosts": {"h7": {"address": "198.18.0.17", "roles": ["shard"]}}, "ssh": {"user": "ops"}}
    }
    project = load_project(make_project(base, hosts=hosts, shard={"deploy": {"ssh": {"user": "shardops"}}}))
    assert project.hosts == ("h7",)
    assert project.base.deploy.ssh.user == "ops"
    assert project.for_host("h7").deploy.ssh.user == "shardops"
    assert project.provenance()["deploy.ssh.user"] == "etc/hosts.json"
    assert project.provenance(host="h7")["deploy.ssh.user"] == "etc/shard.json"


def test_set_overrides_every_file_in_every_view(make_project: MakeProject) -> None:
    project = load_project(
        make_project(shard={"deploy": {"keep_releases": 3}}, h2={"deploy": {"keep_releases": 4}}),
        ["deploy.keep_releases=9", "db.path=other.db"],
    )
    assert [cfg.deploy.keep_releases for _, cfg in project.check_all()] == [9] * 5
    assert project.for_host("h2").db.path == "other.db"
    assert project.provenance(host="h2")["deploy.keep_releases"] == "--set"


def test_dicts_merge_deep_and_lists_replace_across_files(make_project: MakeProject) -> None:
    project = load_project(
        make_project(
            master={
                "db": {"pool": {"size": 20}},
                "deploy": {"services": {"worker": {"queues": ["bulk"]}, "web": {"workers": 8}}},
            }
        )
    )
    cfg = project.for_role("master")
    assert cfg.db.pool.size == 20 and cfg.db.pool.timeout == 10 and cfg.db.path == "data.db"
    web, worker = cfg.deploy.services["web"], cfg.deploy.services["worker"]
    assert worker.recipe == "celery" and worker.queues == ("bulk",)
    assert web.recipe == "gunicorn" and (web.workers, web.bind) == (8, "127.0.0.1:8000")


def test_a_role_file_may_change_a_services_recipe(make_project: MakeProject) -> None:
    project = load_project(make_project(shard={"deploy": {"services": {"web": {"recipe": "uwsgi"}}}}))
    assert project.for_role("shard").deploy.services["web"].recipe == "uwsgi"
    assert project.for_host("h2").deploy.services["web"].recipe == "uwsgi"
    assert project.for_host("h1").deploy.services["web"].recipe == "gunicorn"


def test_provenance_names_a_file_for_every_leaf_key(make_project: MakeProject) -> None:
    project = load_project(make_project(master={"deploy": {"services": {"web": {"workers": 3}}}}))
    sources = project.provenance(host="h1")
    assert sources["deploy.services.web.workers"] == "etc/master.json"
    assert sources["deploy.services.web.bind"] == "etc/config.json"
    assert sources["db.pool.size"] == "etc/config.json"
    assert sources["deploy.roles.master.services"] == "etc/config.json"  # a list is one leaf
    assert "deploy.batch.size" not in sources  # a default: no file set it


def test_app_sections_pass_through_unvalidated_as_frozen_structs(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["anything"] = {"Goes Here": [1, {"x": None}], "ok": True}
    cfg = load_project(make_project(base)).base
    assert isinstance(cfg, Config) and isinstance(cfg.anything, Struct)
    assert cfg.anything["Goes Here"][1].x is None
    with pytest.raises(AttributeError, match="read-only"):
        cfg.db.path = "x"
    with pytest.raises(AttributeError, match="read-only"):
        cfg.deploy = None  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        cfg.deploy.keep_releases = 3


def test_comment_keys_are_dropped_from_every_file_and_never_validated(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["//"] = "top"
    base["deploy"]["// keep_releases"] = {"not": "validated"}
    base["deploy"]["ssh"]["//"] = ["why", "we", "use", "deploy"]
    base["db"]["// pool"] = "explained"
    project = load_project(make_project(base, shard={"//": "role", "deploy": {"//": 1, "keep_releases": 3}}))
    cfg = project.for_host("h2")
    assert "//" not in cfg and "// pool" not in cfg.db
    assert not any("//" in key for key in project.provenance(host="h2"))
    assert cfg.deploy.keep_releases == 3


def test_check_all_validates_the_base_every_role_and_every_host(make_project: MakeProject) -> None:
    project = load_project(make_project())
    assert [scope for scope, _ in project.check_all()] == [
        "config",
        "role master",
        "role shard",
        "host h1",
        "host h2",
    ]


def test_a_role_file_error_is_found_by_check_all_and_names_the_role_file(make_project: MakeProject) -> None:
    project_dir = make_project(shard={"deploy": {"keep_releases": 1}})
    load_project(project_dir)  # the base view does not include shard.json
    error = config_error(project_dir)
    assert error.file == str(project_dir / "etc" / "shard.json")
    assert error.key == "deploy.keep_releases"


def test_a_file_for_an_unknown_role_or_host_is_an_error_suggesting_the_nearest(
    make_project: MakeProject,
) -> None:
    error = config_error(make_project(mastr={"deploy": {}}), check=False)
    assert error.file is not None and error.file.endswith("etc/mastr.json")
    assert error.expected == '"mastr" is not a role or a host (roles: master, shard; hosts: h1, h2)'
    assert error.hint == "did you mean etc/master.json?"


def test_editor_lock_and_hidden_files_in_etc_are_ignored(make_project: MakeProject) -> None:
    project_dir = make_project()
    (project_dir / "etc" / ".#config.json").symlink_to("root@host.1234")
    (project_dir / "etc" / "keys").mkdir()
    assert load_project(project_dir).roles == ("master", "shard")


def test_a_host_in_two_roles_that_disagree_is_an_error_naming_both_files(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["deploy"]["hosts"]["h1"]["roles"] = ["master", "shard"]
    project_dir = make_project(
        base,
        master={"deploy": {"services": {"web": {"workers": 3}}}},
        shard={"deploy": {"services": {"web": {"workers": 4}}}},
    )
    project = load_project(project_dir)
    project.for_role("master"), project.for_role("shard")  # each role alone is fine
    with pytest.raises(ConfigError) as caught:
        project.for_host("h1")
    error = caught.value
    assert (
        error.file == str(project_dir / "etc" / "master.json") and error.key == "deploy.services.web.workers"
    )
    assert error.expected == "set to 3 here and to 4 in etc/shard.json, and host h1 is in both roles"
    assert error.hint == "set deploy.services.web.workers in etc/h1.json (or make the role files agree)"


def test_the_host_file_or_set_settles_a_conflict_between_its_roles(
    make_project: MakeProject, base: dict[str, Any]
) -> None:
    base["deploy"]["hosts"]["h1"]["roles"] = ["master", "shard"]
    roles = {
        "master": {"deploy": {"services": {"web": {"workers": 3}}, "keep_releases": 3}},
        "shard": {"deploy": {"services": {"web": {"workers": 4}}, "keep_releases": 3}},  # agreeing is fine
    }
    settled = load_project(make_project(base, h1={"deploy": {"services": {"web": {"workers": 6}}}}, **roles))
    assert settled.for_host("h1").deploy.services["web"].workers == 6
    (settled.root / "etc" / "h1.json").unlink()
    by_set = load_project(settled.root, ['deploy.services.web={"workers": 7}'])
    assert by_set.for_host("h1").deploy.services["web"].workers == 7


def test_role_and_host_files_cannot_change_who_is_who(make_project: MakeProject) -> None:
    for key, value in [("hosts", {}), ("roles", {"master": {"services": ["web"]}})]:
        error = config_error(make_project(h1={"deploy": {key: value}}), check=False)
        assert (error.key, error.expected) == (
            f"deploy.{key}",
            "can only be set in etc/config.json or etc/hosts.json",
        )
        (Path(str(error.file))).unlink()


def test_unknown_role_or_host_names_are_usage_errors_with_a_suggestion(make_project: MakeProject) -> None:
    project = load_project(make_project())
    with pytest.raises(
        UsageError, match=r"no role 'shrd' in deploy.roles \(known: master, shard\)"
    ) as caught:
        project.for_role("shrd")
    assert caught.value.hint == "did you mean 'shard'?"
    with pytest.raises(UsageError, match="no host 'h9'"):
        project.for_host("h9")
    with pytest.raises(UsageError, match="not both"):
        project.view(role="master", host="h1")


def test_a_project_without_config_json_says_how_to_start_one(tmp_path: Path) -> None:
    error = config_error(tmp_path)
    assert error.expected == "missing; a project needs etc/config.json"
    assert error.hint is not None and "deploytool config example" in error.hint


def test_a_config_without_a_deploy_section_is_an_error(make_project: MakeProject) -> None:
    error = config_error(make_project({"db": {}}))
    assert (error.key, error.expected) == ("deploy", "required section is missing")
