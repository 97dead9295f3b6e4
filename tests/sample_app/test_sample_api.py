"""The notes REST API under /api/v1, through the whole WSGI app."""

import pytest
import webtest

pytestmark = pytest.mark.usefixtures("web")


def create(
    web: webtest.TestApp, headers: dict[str, str], title: str = "First", body: str = "one two"
) -> dict:
    return web.post_json("/api/v1/notes", {"title": title, "body": body}, headers=headers, status=201).json


def test_a_created_note_can_be_listed_fetched_and_deleted(web: webtest.TestApp, auth_headers) -> None:
    note = create(web, auth_headers)
    assert note["title"] == "First" and note["words"] is None
    assert [n["id"] for n in web.get("/api/v1/notes").json] == [note["id"]]
    assert web.get(f"/api/v1/notes/{note['id']}").json == note
    assert web.delete(f"/api/v1/notes/{note['id']}", headers=auth_headers).json == {"deleted": note["id"]}
    web.get(f"/api/v1/notes/{note['id']}", status=404)
    assert web.get("/api/v1/notes").json == []


def test_responses_are_json(web: webtest.TestApp) -> None:
    assert web.get("/api/v1/notes").content_type == "application/json"


def test_writes_without_a_token_are_refused_with_401(web: webtest.TestApp, auth_headers) -> None:
    note = create(web, auth_headers)
    res = web.post_json("/api/v1/notes", {"title": "x"}, status=401)
    assert res.json == {"error": "authentication required"}
    assert res.headers["WWW-Authenticate"] == "Bearer"
    web.delete(f"/api/v1/notes/{note['id']}", status=401)
    web.delete(f"/api/v1/notes/{note['id']}", headers={"Authorization": "Bearer wrong"}, status=401)


def test_reads_need_no_token(web: webtest.TestApp, auth_headers) -> None:
    note = create(web, auth_headers)
    web.get(f"/api/v1/notes/{note['id']}", status=200)


def test_the_token_can_come_from_the_config_instead_of_the_environment(
    web: webtest.TestApp, settings, monkeypatch
) -> None:
    monkeypatch.delenv("SAMPLE_API_TOKEN")
    web.post_json("/api/v1/notes", {"title": "x"}, headers={"Authorization": "Bearer cfg"}, status=401)
    settings.app.api_token = "cfg"
    web.post_json("/api/v1/notes", {"title": "x"}, headers={"Authorization": "Bearer cfg"}, status=201)


def test_writes_are_refused_when_no_token_is_configured_at_all(web: webtest.TestApp, monkeypatch) -> None:
    monkeypatch.delenv("SAMPLE_API_TOKEN")
    web.post_json("/api/v1/notes", {"title": "x"}, headers={"Authorization": "Bearer "}, status=401)


def test_the_controllers_not_found_maps_to_404_with_a_json_error(web: webtest.TestApp, auth_headers) -> None:
    assert web.get("/api/v1/notes/4242", status=404).json == {"error": "note 4242 not found"}
    assert web.delete("/api/v1/notes/4242", headers=auth_headers, status=404).json["error"]


def test_the_controllers_invalid_note_maps_to_400(web: webtest.TestApp, auth_headers) -> None:
    res = web.post_json("/api/v1/notes", {"title": "  "}, headers=auth_headers, status=400)
    assert res.json == {"error": "title must be a non-empty string"}
    web.post_json("/api/v1/notes", {"title": "x" * 201}, headers=auth_headers, status=400)


def test_a_body_that_is_not_a_json_object_is_a_400(web: webtest.TestApp, auth_headers) -> None:
    web.post_json("/api/v1/notes", ["a list"], headers=auth_headers, status=400)
    headers = {**auth_headers, "Content-Type": "application/json"}
    res = web.post("/api/v1/notes", "{not json", headers=headers, status=400)
    assert res.json == {"error": "body is not valid JSON"}


def test_a_bad_limit_is_a_400(web: webtest.TestApp) -> None:
    web.get("/api/v1/notes?limit=lots", status=400)
    web.get("/api/v1/notes?limit=0", status=400)


def test_list_honours_limit_and_puts_newest_first(web: webtest.TestApp, auth_headers) -> None:
    ids = [create(web, auth_headers, title=f"n{i}")["id"] for i in range(3)]
    assert [n["id"] for n in web.get("/api/v1/notes?limit=2").json] == ids[::-1][:2]


def test_a_callback_parameter_wraps_the_json_for_jsonp(web: webtest.TestApp) -> None:
    res = web.get("/api/v1/notes?callback=app.show")
    assert res.content_type == "application/javascript"
    assert res.text == "app.show([]);"


def test_a_callback_that_is_not_an_identifier_is_refused(web: webtest.TestApp) -> None:
    web.get("/api/v1/notes?callback=alert(1)//", status=400)


def test_a_write_makes_this_process_forget_cached_reads(web: webtest.TestApp, auth_headers) -> None:
    assert web.get("/api/v1/notes").json == []
    create(web, auth_headers)
    assert len(web.get("/api/v1/notes").json) == 1


def test_a_token_with_non_ascii_characters_is_refused_not_a_crash(web: webtest.TestApp) -> None:
    web.post_json("/api/v1/notes", {"title": "x"}, headers={"Authorization": "Bearer tëst"}, status=401)
