"""Reading one config file: every way it can be wrong is one ConfigError naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploytool.config.jsonfile import parse_json, read_object, strip_comments
from deploytool.errors import ConfigError


def read_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        read_object(path)
    assert caught.value.file == str(path)
    assert caught.value.exit_code == 2
    return caught.value


def test_comment_keys_are_dropped_at_every_depth_including_inside_lists(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"//": "top", "a": {"// why": "x", "b": [{"//": 1, "c": 2}]}, "d/": 3}')
    assert read_object(path) == {"a": {"b": [{"c": 2}]}, "d/": 3}


def test_repeated_comment_keys_are_allowed_but_repeated_keys_are_not(tmp_path: Path) -> None:
    assert parse_json("f", '{"//": 1, "//": 2, "a": 1}') == {"//": 2, "a": 1}
    with pytest.raises(ConfigError, match='f: invalid JSON: the key "a" appears twice in one object'):
        parse_json("f", '{"a": 1, "a": 2}')


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{\n  "a": 1,\n}\n')
    error = read_error(path)
    assert "invalid JSON at line 3, column 1" in error.message


def test_nan_and_infinity_are_not_json(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NaN is not a JSON value"):
        parse_json("f", '{"a": NaN}')


def test_a_top_level_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    for text, kind in [("[1]", "a list"), ('"x"', '"x"'), ("3", "3"), ("null", "null")]:
        path.write_text(text)
        assert f"the top level is {kind}; expected a JSON object" in read_error(path).message


def test_an_empty_or_blank_file_is_an_error_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    for text in ["", "  \n\t\n"]:
        path.write_text(text)
        error = read_error(path)
        assert "the file is empty" in error.message
        assert error.hint == "write {} for a layer that sets nothing"


def test_a_non_utf8_file_reports_the_byte_and_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b'{\n  "a": "caf\xe9"\n}\n')
    assert "not UTF-8 text (byte 0xe9 at line 2, column 12)" in read_error(path).message


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": "caf\xc3\xa9"}')
    assert read_object(path) == {"a": "café"}


def test_a_directory_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.mkdir()
    assert read_error(path).message.endswith("is a directory; expected a JSON file")


def test_a_dangling_symlink_is_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.symlink_to(tmp_path / "gone.json")
    assert "cannot read the file: it is a symlink to a missing file" in read_error(path).message


def test_a_fifo_is_refused_without_blocking_on_it(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    os.mkfifo(path)
    assert "is not a regular file" in read_error(path).message


def test_a_file_the_os_refuses_to_read_reports_the_os_reason(tmp_path: Path) -> None:
    # Root reads mode-000 files, so make the OS refuse another way: a path through a regular file
    # fails stat() with ENOTDIR, the same OSError branch EACCES takes.
    (tmp_path / "etc").write_text("")
    error = read_error(tmp_path / "etc" / "c.json")
    assert error.message.endswith("cannot read the file: Not a directory")


def test_strip_comments_leaves_the_input_untouched() -> None:
    data = {"//": 1, "a": {"//": 2}}
    assert strip_comments(data) == {"a": {}}
    assert data == {"//": 1, "a": {"//": 2}}
