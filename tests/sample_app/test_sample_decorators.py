"""sample_app/lib/decorators.py on a tiny Bottle app of its own."""

import decorators
import pytest
import webtest
from bottle import Bottle


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(decorators.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def counted() -> tuple[webtest.TestApp, list[str]]:
    calls: list[str] = []
    app = Bottle()

    @app.get("/items/<name>")
    @decorators.jsonp
    @decorators.cache(30)
    def item(name: str) -> dict:
        calls.append(name)
        return {"name": name, "call": len(calls)}

    return webtest.TestApp(app), calls


def test_cache_answers_repeated_calls_from_memory_within_its_ttl(counted, clock) -> None:
    client, calls = counted
    first = client.get("/items/a").json
    clock[0] += 29
    assert client.get("/items/a").json == first
    assert calls == ["a"]


def test_cache_calls_again_after_the_ttl(counted, clock) -> None:
    client, calls = counted
    client.get("/items/a")
    clock[0] += 31
    assert client.get("/items/a").json["call"] == 2
    assert calls == ["a", "a"]


def test_cache_keys_on_route_arguments_and_query_but_not_the_jsonp_callback(counted, clock) -> None:
    client, calls = counted
    client.get("/items/a")
    client.get("/items/b")
    client.get("/items/a?page=2")
    assert calls == ["a", "b", "a"]
    assert client.get("/items/a?callback=cb").text == 'cb({"name": "a", "call": 1});'
    assert len(calls) == 3


def test_cache_clear_forgets_everything(counted, clock) -> None:
    client, calls = counted
    client.get("/items/a")
    client.app.routes[0].callback.cache_clear()
    client.get("/items/a")
    assert calls == ["a", "a"]


def test_auth_lets_through_only_what_the_check_accepts() -> None:
    app = Bottle()

    @app.post("/admin")
    @decorators.auth(lambda request: request.get_header("X-Admin") == "yes")
    def admin() -> str:
        return "done"

    client = webtest.TestApp(app)
    assert client.post("/admin", headers={"X-Admin": "yes"}).text == "done"
    assert client.post("/admin", status=401).json == {"error": "authentication required"}


def test_errors_maps_exception_classes_to_statuses_and_lets_others_through() -> None:
    class Missing(LookupError):
        pass

    app = Bottle()

    @app.get("/<what>")
    @decorators.errors({Missing: 404, ValueError: 400})
    def fail(what: str) -> str:
        raise {"missing": Missing("gone"), "bad": ValueError("bad input")}.get(what, RuntimeError("boom"))

    client = webtest.TestApp(app)
    assert client.get("/missing", status=404).json == {"error": "gone"}
    assert client.get("/bad", status=400).json == {"error": "bad input"}
    client.get("/other", status=500, expect_errors=True)


def test_jsonp_leaves_strings_alone() -> None:
    app = Bottle()
    app.get("/")(decorators.jsonp(lambda: "plain"))
    res = webtest.TestApp(app).get("/")
    assert res.text == "plain" and res.content_type == "text/html"
