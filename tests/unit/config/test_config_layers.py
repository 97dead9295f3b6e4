"""Deep merge with provenance, and --set parsing."""

from __future__ import annotations

from typing import Any

import pytest

from deploytool.config.layers import Layer, leaf_values, merge, parse_override, parse_overrides, source_of
from deploytool.errors import ConfigError


def layer(name: str, data: dict[str, Any]) -> Layer:
    return Layer(name, f"/p/{name}", data)


def labels(prov: dict[tuple[str, ...], Layer]) -> dict[str, str]:
    return {".".join(path): found.label for path, found in prov.items()}


def test_later_layers_win_and_dicts_merge_key_by_key() -> None:
    merged, _ = merge(
        [
            layer("config", {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "x": 1}),
            layer("role", {"a": {"c": {"d": 20}}}),
            layer("host", {"a": {"b": 10}}),
        ]
    )
    assert merged == {"a": {"b": 10, "c": {"d": 20, "e": 3}}, "x": 1}


def test_lists_replace_instead_of_merging() -> None:
    merged, prov = merge([layer("config", {"q": [1, 2, 3]}), layer("role", {"q": [4]})])
    assert merged == {"q": [4]}
    assert labels(prov) == {"q": "role"}


def test_provenance_names_the_layer_that_set_each_leaf() -> None:
    _, prov = merge(
        [
            layer("config", {"a": {"b": 1, "c": 2}, "e": {}}),
            layer("role", {"a": {"c": 3}}),
        ]
    )
    assert labels(prov) == {"a.b": "config", "a.c": "role", "e": "config"}


def test_replacing_an_object_with_a_value_forgets_the_provenance_of_its_keys() -> None:
    merged, prov = merge([layer("config", {"a": {"b": 1, "c": 2}}), layer("set", {"a": 5})])
    assert merged == {"a": 5}
    assert labels(prov) == {"a": "set"}


def test_replacing_a_value_with_an_object_records_every_new_leaf() -> None:
    _, prov = merge([layer("config", {"a": 5}), layer("set", {"a": {"b": {"c": 1}, "d": 2}})])
    assert labels(prov) == {"a.b.c": "set", "a.d": "set"}


def test_merging_an_empty_object_changes_nothing() -> None:
    merged, prov = merge([layer("config", {"a": {"b": 1}}), layer("role", {"a": {}})])
    assert merged == {"a": {"b": 1}}
    assert labels(prov) == {"a.b": "config"}


def test_filling_an_empty_object_moves_its_provenance_to_the_new_keys() -> None:
    _, prov = merge([layer("config", {"hosts": {}}), layer("hosts", {"hosts": {"h1": {"a": 1}}})])
    assert labels(prov) == {"hosts.h1.a": "hosts"}


def test_merge_does_not_modify_the_layers() -> None:
    first = {"a": {"b": [1]}}
    merged, _ = merge([layer("config", first), layer("role", {"a": {"c": 1}})])
    merged["a"]["b"].append(2)
    assert first == {"a": {"b": [1]}}


def test_source_of_a_missing_key_is_the_first_file_that_set_its_parent() -> None:
    config, hosts = layer("config", {"d": {"x": 1}}), layer("hosts", {"d": {"h": {"addr": 1}}})
    _, prov = merge([config, hosts])
    assert source_of(("d", "x"), prov) is config
    assert source_of(("d", "h", "addr", "deeper"), prov) is hosts  # an ancestor leaf
    assert source_of(("d", "h", "port"), prov) is hosts  # missing: where its object was written
    assert source_of(("d", "app"), prov) is config
    assert source_of(("other",), prov) is config


def test_leaf_values_lists_every_leaf_of_a_document() -> None:
    assert leaf_values({"a": {"b": 1, "c": []}, "d": {}}) == {("a", "b"): 1, ("a", "c"): [], ("d",): {}}
    assert leaf_values({}) == {}


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("deploy.keep_releases=3", ("deploy", "keep_releases"), 3),
        ("deploy.ssh.user=ops", ("deploy", "ssh", "user"), "ops"),
        ('deploy.ssh.user="ops"', ("deploy", "ssh", "user"), "ops"),
        ("a.b=true", ("a", "b"), True),
        ("a.b=null", ("a", "b"), None),
        ("a.b=1.5", ("a", "b"), 1.5),
        ('a.q=["x", "y"]', ("a", "q"), ["x", "y"]),
        ('a.o={"port": 1, "//": "dropped"}', ("a", "o"), {"port": 1}),
        ("a.b=", ("a", "b"), ""),
        ("a.b=x=y", ("a", "b"), "x=y"),
        ("a.b=NaN", ("a", "b"), "NaN"),
        ("a.b={not json", ("a", "b"), "{not json"),
        ("a.b=05", ("a", "b"), "05"),
    ],
)
def test_set_value_is_json_when_it_parses_else_a_string(text: str, path: tuple[str, ...], value: Any) -> None:
    assert parse_override(text) == (path, value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deploy.keep_releases", "--set: expected KEY.PATH=VALUE, got 'deploy.keep_releases'"),
        ("=3", "--set: expected KEY.PATH=VALUE"),
        (
            "deploy..x=1",
            "--set: expected a dotted key path (parts separated by single dots, no spaces or control "
            'characters), got "deploy..x"',
        ),
        (".x=1", "--set: expected a dotted key path"),
        ("x.=1", "--set: expected a dotted key path"),
        ("a b=1", "--set: expected a dotted key path"),
        ("a.\tb\n=1", "--set: expected a dotted key path"),
        (
            "deploy.//x=1",
            '--set: expected a key path without comment keys (keys starting with //), got "deploy.//x"',
        ),
    ],
)
def test_a_bad_set_path_is_a_config_error_on_the_command_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_override(text)
    assert str(caught.value).startswith(expected)
    assert caught.value.file == "--set"
    assert "\n" not in str(caught.value) and "\t" not in str(caught.value)


def test_several_set_options_merge_in_order_into_one_layer() -> None:
    overrides = parse_overrides(["a.b=1", "a.c=2", "a.b=3", "x=[1]", "x=[2]"])
    assert overrides.label == "--set"
    assert overrides.data == {"a": {"b": 3, "c": 2}, "x": [2]}
