"""The host probe runs the same static script here as on hosts; its input never becomes code."""

import os
from pathlib import Path

from deploytool.release import probe
from deploytool.remote.runner import LocalRunner

RUN = LocalRunner()


def _tree(base: Path) -> Path:
    (base / "lib" / "pkg").mkdir(parents=True)
    (base / "lib" / "pkg" / "__init__.py").write_text("x = 1\n")
    (base / "app.py").write_text("print('hi')\n")
    (base / "run").write_text("#!/bin/sh\n")
    (base / "run").chmod(0o755)
    os.symlink("../../envs/abc", base / "env")
    return base


def test_tree_digest_is_the_same_for_equal_trees_and_changes_with_content_mode_or_link(
    tmp_path: Path,
) -> None:
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert probe.tree_digest(a) == probe.tree_digest(b)
    (b / "app.py").write_text("print('ho')\n")
    assert probe.tree_digest(a) != probe.tree_digest(b)
    c = _tree(tmp_path / "c")
    (c / "run").chmod(0o644)
    assert probe.tree_digest(a) != probe.tree_digest(c)
    d = _tree(tmp_path / "d")
    os.unlink(d / "env")
    os.symlink("../../envs/def", d / "env")
    assert probe.tree_digest(a) != probe.tree_digest(d)


def test_the_digest_command_run_by_a_python3_agrees_with_the_local_digest(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "rel ease $(id)")
    out = RUN.run(probe.digests_command([str(tree), str(tmp_path / "missing")])).stdout
    assert probe.parse_digests(out) == {str(tree): probe.tree_digest(tree), str(tmp_path / "missing"): None}


def test_facts_report_layout_lock_units_and_python(tmp_path: Path) -> None:
    root = tmp_path / "srv" / "app"
    (root / "releases" / "r1").mkdir(parents=True)
    (root / "releases" / "r2").mkdir()
    os.symlink("../../envs/e1", root / "releases" / "r2" / "env")
    os.utime(root / "releases" / "r1", (1, 1))
    (root / "envs" / "e1").mkdir(parents=True)
    os.symlink("releases/r2", root / "current")
    (root / ".deploytool" / "lock").mkdir(parents=True)
    (root / ".deploytool" / "lock" / "holder.json").write_text('{"deploy_id": "d9"}')
    facts = probe.parse_facts(RUN.run(probe.facts_command(str(root), ["no-such.service"])).stdout)
    assert facts.root_exists and facts.current == "releases/r2" and facts.current_release == "r2"
    assert facts.releases == ["r1", "r2"] and facts.envs == ["e1"]
    assert facts.release_envs == {"r1": None, "r2": "e1"}
    assert facts.lock == {"deploy_id": "d9"}
    assert facts.units == {"no-such.service": None}
    assert set(facts.active) == {"no-such.service"}
    assert facts.python.count(".") == 2 and facts.disk_free_kib > 0


def test_facts_for_a_host_never_deployed_to(tmp_path: Path) -> None:
    facts = probe.parse_facts(RUN.run(probe.facts_command(str(tmp_path / "srv" / "new"), [])).stdout)
    assert not facts.root_exists and facts.current is None and facts.releases == [] and facts.lock is None


def _serve(body: bytes, status: int = 200):  # type: ignore[no-untyped-def]
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_health_passes_when_the_service_reports_the_expected_release() -> None:
    server = _serve(b'{"status": "ok", "release": "r2"}')
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        result = probe.parse_health(RUN.run(probe.health_command(url, 200, "r2", 5)).stdout)
        assert result.ok and result.release == "r2" and result.attempts == 1
    finally:
        server.shutdown()
        server.server_close()


def test_health_fails_at_the_deadline_when_the_old_release_still_answers() -> None:
    server = _serve(b'{"status": "ok", "release": "r1"}')
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        result = probe.parse_health(RUN.run(probe.health_command(url, 200, "r2", 0.6)).stdout)
        assert not result.ok and result.release == "r1" and result.attempts >= 2
        assert result.describe() == "HTTP 200, release 'r1'"
    finally:
        server.shutdown()
        server.server_close()


def test_health_reports_a_refused_connection_and_a_wrong_status() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    refused = probe.parse_health(
        RUN.run(probe.health_command(f"http://127.0.0.1:{port}/", 200, None, 0.3)).stdout
    )
    assert not refused.ok and refused.status is None and "refused" in refused.describe().lower()
    server = _serve(b'{"release": "r2"}', status=503)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/health"
        result = probe.parse_health(RUN.run(probe.health_command(url, 200, "r2", 0.3)).stdout)
        assert not result.ok and result.status == 503
    finally:
        server.shutdown()
        server.server_close()


def test_the_previous_release_is_where_the_last_move_to_current_came_from() -> None:
    journal = [
        '{"from": null, "to": "r1", "result": "ok"}',
        '{"from": "r1", "to": "r2", "result": "ok"}',
        '{"from": "r2", "to": "r2", "result": "ok"}',  # a push that changed nothing
        '{"from": "r2", "to": "r3", "result": "rolled-back"}',
        "torn{",
    ]
    facts = probe.HostFacts(
        "3.11.2", None, None, "x86_64", True, "releases/r2", ["r1", "r2", "r3"], journal=journal
    )
    assert facts.previous_release() == "r1"
    # no journal: the next-newest kept release
    bare = probe.HostFacts("3.11.2", None, None, "x86_64", True, "releases/r2", ["r0", "r1", "r2"])
    assert bare.previous_release() == "r1"
    assert (
        probe.HostFacts("3.11.2", None, None, "x86_64", True, "releases/r2", ["r2"]).previous_release()
        is None
    )
