"""sample_app/lib/config.py: Struct and the etc/ layering."""

import json
from pathlib import Path

import config
import pytest
from sample_app_support import APP_DIR


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(
        tmp_path / "etc" / "config.json", {"app": {"name": "a", "tags": ["x", "y"]}, "db": {"path": "a.db"}}
    )
    write(tmp_path / "etc" / "master.json", {"app": {"tags": ["m"]}, "db": {"engine": "postgres"}})
    write(tmp_path / "etc" / "h1.json", {"db": {"path": "h1.db"}})
    return tmp_path


def test_struct_gives_attribute_access_to_nested_dicts_and_dicts_in_lists() -> None:
    s = config.Struct({"a": {"b": 1}, "hosts": [{"c": 2}]})
    assert s.a.b == 1
    assert s.hosts[0].c == 2
    s.d = {"e": 3}
    assert s.d.e == 3 and s["d"]["e"] == 3


def test_struct_raises_attribute_error_for_a_missing_key() -> None:
    s = config.Struct()
    with pytest.raises(AttributeError):
        _ = s.missing
    assert not hasattr(s, "missing")


def test_merge_merges_dicts_deeply_and_replaces_lists() -> None:
    merged = config.merge({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}


def test_role_file_then_host_file_are_merged_over_config_json(root: Path) -> None:
    s = config.read(str(root), environ={"APP_ROLE": "master"}, hostname="h1.example.org")
    assert s.app == {"name": "a", "tags": ["m"]}
    assert s.db == {"path": "h1.db", "engine": "postgres"}


def test_only_config_json_is_read_when_no_role_or_host_file_matches(root: Path) -> None:
    s = config.read(str(root), environ={}, hostname="elsewhere")
    assert s.db == {"path": "a.db"}


def test_sample_config_names_a_merged_file_that_replaces_the_layers(root: Path, tmp_path: Path) -> None:
    write(tmp_path / "merged.json", {"app": {"name": "merged"}})
    s = config.read(str(root), environ={"SAMPLE_CONFIG": "merged.json", "APP_ROLE": "master"}, hostname="h1")
    assert s == {"app": {"name": "merged"}}


def test_load_updates_the_shared_settings_in_place(root: Path) -> None:
    shared = config.settings
    config.load(str(root), environ={}, hostname="h1")
    assert shared is config.settings
    assert shared.db.path == "h1.db"


def test_the_bundled_config_has_the_sections_the_app_reads() -> None:
    s = config.read(str(APP_DIR), environ={}, hostname="no-such-host")
    assert {"app", "db", "redis", "deploy"} <= s.keys()
    assert s.app.release_file == "RELEASE"
    assert s.redis.url.startswith("redis://")


def test_the_layers_deploytool_names_in_the_env_file_are_merged_in_its_order(root: Path) -> None:
    write(root / "etc" / "hosts.json", {"redis": {"url": "redis://198.18.0.11:6379/0"}})
    write(
        root / "etc" / "shard.json", {"db": {"engine": "sqlite", "path": "shard.db"}, "app": {"tags": ["s"]}}
    )
    s = config.read(str(root), environ={"APP_ROLES": "master,shard", "APP_HOST": "h9"}, hostname="ignored")
    assert s.redis.url == "redis://198.18.0.11:6379/0"
    assert s.app.tags == ["s"]  # shard.json comes after master.json
    assert s.db == {"path": "shard.db", "engine": "sqlite"}
