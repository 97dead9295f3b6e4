"""GET /health (release id, database check) and the HTML side: index page and static files."""

import os
from pathlib import Path

import config
import webtest
from routes import make_app
from sample_app_support import write_config


def test_health_reports_ok_the_dev_release_and_a_working_database(web: webtest.TestApp) -> None:
    res = web.get("/health")
    assert res.json == {"app": "sample", "status": "ok", "release": "dev", "db": "ok"}
    assert res.headers["Cache-Control"] == "no-store"


def test_health_reports_the_release_id_the_deploy_wrote(web: webtest.TestApp, tmp_path: Path) -> None:
    (tmp_path / "RELEASE").write_text("20261124-abc123\n")
    assert web.get("/health").json["release"] == "20261124-abc123"


def test_health_notices_when_the_release_file_changes(web: webtest.TestApp, tmp_path: Path) -> None:
    release = tmp_path / "RELEASE"
    release.write_text("r1")
    assert web.get("/health").json["release"] == "r1"
    release.write_text("r2-longer")
    assert web.get("/health").json["release"] == "r2-longer"
    # Same size, and an mtime forced equal to the old one: a new inode still counts as a change.
    stat = release.stat()
    replacement = tmp_path / "RELEASE.new"
    replacement.write_text("r3-longer")
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    replacement.replace(release)
    assert web.get("/health").json["release"] == "r3-longer"
    release.unlink()
    assert web.get("/health").json["release"] == "dev"


def test_a_relative_release_file_is_read_from_the_app_folder(settings) -> None:
    settings.app.release_file = "NO-SUCH-RELEASE-FILE"
    assert webtest.TestApp(make_app()).get("/health").json["release"] == "dev"


def test_health_is_503_with_the_database_error_when_the_database_fails(
    config_file: Path, tmp_path: Path
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    write_config(config_file, db={"path": str(tmp_path / "not-a-folder" / "sample.db")})
    config.load(environ={"SAMPLE_CONFIG": str(config_file)})
    res = webtest.TestApp(make_app()).get("/health", status=503)
    assert res.json["status"] == "error"
    assert res.json["release"] == "dev"
    assert res.json["db"].startswith("error: ") and "unable to open database file" in res.json["db"]


def test_the_index_page_renders_the_layout_and_the_notes(web: webtest.TestApp, auth_headers) -> None:
    web.post_json("/api/v1/notes", {"title": "<b>bold</b>"}, headers=auth_headers)
    page = web.get("/")
    assert page.content_type == "text/html"
    assert "<title>Test notes</title>" in page.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.text  # templates escape what they are given
    assert '<script src="/static/js/app.js">' in page.text


def test_static_files_are_served_from_static(web: webtest.TestApp) -> None:
    assert "body" in web.get("/static/css/app.css").text
    assert web.get("/static/js/app.js").text.startswith("//")
    web.get("/static/..%2Fapp.py", status=403)  # nothing outside static/
