from __future__ import annotations

import copy
import pickle

import pytest

from deploytool.config.struct import FrozenDict, Struct, freeze, to_plain


def test_struct_gives_attribute_and_item_access_at_every_depth() -> None:
    s = Struct({"db": {"path": "x.db", "pool": {"size": 5}}})
    assert s.db.path == "x.db"
    assert s["db"]["pool"].size == 5
    assert "db" in s and len(s) == 1 and list(s) == ["db"]


def test_struct_turns_lists_into_tuples_of_frozen_values() -> None:
    s = Struct({"queues": ["a", {"name": "b"}]})
    assert s.queues[0] == "a"
    assert s.queues[1].name == "b"
    assert isinstance(s.queues, tuple)


def test_struct_refuses_assignment_and_deletion() -> None:
    s = Struct({"a": 1})
    with pytest.raises(AttributeError, match="read-only"):
        s.a = 2
    with pytest.raises(AttributeError, match="read-only"):
        s.b = 2
    with pytest.raises(AttributeError, match="read-only"):
        del s.a
    with pytest.raises(TypeError):
        s["a"] = 2  # type: ignore[index]


def test_struct_names_the_known_keys_when_an_attribute_is_missing() -> None:
    with pytest.raises(AttributeError, match=r"no key 'pth' here \(keys: path\)"):
        _ = Struct({"path": 1}).pth


def test_struct_keys_named_like_mapping_methods_are_still_attributes() -> None:
    s = Struct({"items": [1], "keys": "k", "get": 3})
    assert s.items == (1,)
    assert s.keys == "k"
    assert s.get == 3


def test_struct_equals_a_dict_with_the_same_content_and_is_hashable() -> None:
    s = Struct({"a": {"b": [1]}})
    assert s == Struct({"a": {"b": [1]}})
    assert s == {"a": Struct({"b": (1,)})}
    assert hash(s) == hash(Struct({"a": {"b": [1]}}))


def test_struct_survives_copy_and_pickle() -> None:
    s = Struct({"a": {"b": 1}})
    assert copy.deepcopy(s) == s
    assert copy.copy(s) == s
    assert pickle.loads(pickle.dumps(s)) == s


def test_to_plain_gives_back_ordinary_dicts_and_lists() -> None:
    data = {"a": {"b": [1, {"c": 2}]}, "d": FrozenDict({"e": 1})}
    assert to_plain(freeze(data)) == {"a": {"b": [1, {"c": 2}]}, "d": {"e": 1}}


def test_frozen_dict_refuses_every_change() -> None:
    d: FrozenDict[str, int] = FrozenDict({"a": 1})
    for change in (
        lambda: d.__setitem__("b", 2),
        lambda: d.__delitem__("a"),
        lambda: d.update(b=2),
        lambda: d.pop("a"),
        lambda: d.setdefault("b", 2),
        d.clear,
        d.popitem,
    ):
        with pytest.raises(TypeError, match="read-only"):
            change()
    assert d == {"a": 1}
    assert copy.deepcopy(d) == d and pickle.loads(pickle.dumps(d)) == d
