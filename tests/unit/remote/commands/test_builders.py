"""Pure builders: exact argv, and (run locally on a temp folder) that they do what they claim."""

import json
from pathlib import Path

from deploytool.remote.commands import fs, journal, lock, rsync, systemd
from deploytool.remote.runner import LocalRunner

RUN = LocalRunner()


def test_switch_symlink_renames_a_new_link_over_the_old_one() -> None:
    assert fs.switch_symlink("/srv/a/current", "releases/r2") == [
        "sh",
        "-c",
        "ln -sfn releases/r2 /srv/a/current.deploytool-new && mv -Tf /srv/a/current.deploytool-new /srv/a/current",
    ]


def test_switch_symlink_replaces_current_and_keeps_paths_with_spaces_intact(tmp_path: Path) -> None:
    root = tmp_path / "app $x; y"
    (root / "releases" / "r 1").mkdir(parents=True)
    (root / "releases" / "r2").mkdir()
    current = str(root / "current")
    RUN.run(fs.switch_symlink(current, "releases/r 1"))
    RUN.run(fs.switch_symlink(current, "releases/r2"))
    assert fs.parse_readlink(RUN.run(fs.readlink(current)).stdout) == "releases/r2"
    assert sorted(p.name for p in root.iterdir()) == ["current", "releases"]


def test_write_file_installs_stdin_with_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "env" / "web.env"
    target.parent.mkdir()
    RUN.run(fs.write_file(str(target), "0600"), stdin=b"SECRET=x\n")
    assert target.read_text() == "SECRET=x\n"
    assert target.stat().st_mode & 0o777 == 0o600


def test_list_dir_is_empty_for_a_missing_folder_and_lists_entries(tmp_path: Path) -> None:
    assert RUN.run(fs.list_dir(str(tmp_path / "nope")), check=False).exit_code != 0
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    assert fs.parse_list(RUN.run(fs.list_dir(str(tmp_path))).stdout) == ["a", "b"]


def test_parse_disk_free_reads_available_kib() -> None:
    out = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/x 1000 400 600 40% /srv\n"
    assert fs.parse_disk_free_kib(out) == 600


def test_systemd_builders_end_option_parsing_before_unit_names() -> None:
    assert systemd.restart("sample-web", "sample-worker") == [
        "systemctl",
        "restart",
        "--",
        "sample-web",
        "sample-worker",
    ]
    assert systemd.is_active("a") == ["systemctl", "is-active", "--", "a"]
    assert systemd.show("a", "MainPID", "ActiveState") == [
        "systemctl", "show", "--property", "MainPID,ActiveState", "--", "a",
    ]  # fmt: skip


def test_systemd_parsers_read_states_and_properties() -> None:
    assert systemd.parse_is_active("active\ninactive\nfailed\n") == [True, False, False]
    assert systemd.parse_show("MainPID=42\nActiveState=active\n") == {
        "MainPID": "42",
        "ActiveState": "active",
    }


def test_rsync_uses_checksums_link_dest_and_the_strict_ssh_options() -> None:
    argv = rsync.push_tree(
        "/cache/rel",
        "deploy@198.18.0.11",
        "/srv/a/releases/r2",
        ["-o", "StrictHostKeyChecking=yes"],
        link_dest="../r1",
    )
    assert argv[0] == "rsync"
    assert "--checksum" in argv and "--delete" in argv
    assert argv[argv.index("--rsh") + 1] == "ssh -o StrictHostKeyChecking=yes"
    assert argv[argv.index("--link-dest") + 1] == "../r1"
    assert argv[-3:] == ["--", "/cache/rel/", "deploy@198.18.0.11:/srv/a/releases/r2/"]


def test_rsync_stats_are_parsed() -> None:
    out = "Number of regular files transferred: 3\nTotal bytes sent: 1,234 bytes\n"
    assert rsync.parse_stats(out) == {"Number of regular files transferred": 3, "Total bytes sent": 1234}


def test_lock_is_taken_once_and_released_only_by_its_holder(tmp_path: Path) -> None:
    lock_dir = str(tmp_path / "lock")
    note = json.dumps({"deploy_id": "d1", "holder": "ana"}).encode()
    assert RUN.run(lock.acquire(lock_dir), stdin=note, check=False).ok
    assert not RUN.run(lock.acquire(lock_dir), stdin=b"{}", check=False).ok
    holder = lock.parse_holder(RUN.run(lock.read(lock_dir)).stdout)
    assert holder == {"deploy_id": "d1", "holder": "ana"}
    assert not RUN.run(lock.release(lock_dir, "d2"), check=False).ok
    assert Path(lock_dir).is_dir()
    assert RUN.run(lock.release(lock_dir, "d1"), check=False).ok
    assert list(tmp_path.iterdir()) == []


def test_lock_holder_that_is_not_json_reads_as_none() -> None:
    assert lock.parse_holder("garbage") is None
    assert lock.parse_holder("[1]") is None


def test_journal_appends_lines_and_skips_a_torn_last_line(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.jsonl")
    RUN.run(journal.append(path), stdin=journal.entry({"to": "r1", "result": "ok"}))
    RUN.run(journal.append(path), stdin=journal.entry({"to": "r2", "result": "ok"}))
    with open(path, "a") as fh:
        fh.write('{"to": "r3"')
    entries = journal.parse(RUN.run(journal.read(path)).stdout)
    assert [e["to"] for e in entries] == ["r1", "r2"]
