"""Route decorators: access control (auth), in-process TTL caching (cache), JSON/JSONP output (jsonp)."""

import functools
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from bottle import HTTPResponse, LocalRequest, request, response

_CALLBACK = re.compile(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*")


def json_error(status: int, message: str, **headers: str) -> HTTPResponse:
    """A JSON error response to raise from a route: {"error": message}."""
    headers["Content-Type"] = "application/json"
    return HTTPResponse(json.dumps({"error": message}), status, headers)


def jsonp(func: Callable[..., Any]) -> Callable[..., Any]:
    """Dicts and lists become JSON, wrapped in `callback(...)` when the request names one."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        if not isinstance(result, dict | list):
            return result
        body = json.dumps(result)
        callback = request.query.get("callback")
        if not callback:
            response.content_type = "application/json"
            return body
        if not _CALLBACK.fullmatch(callback):
            raise json_error(400, "callback must be a JavaScript identifier")
        response.content_type = "application/javascript"
        return f"{callback}({body});"

    return wrapper


def auth(check: Callable[[LocalRequest], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Answer 401 unless `check(request)` says the caller may go on."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not check(request):
                raise json_error(401, "authentication required", **{"WWW-Authenticate": "Bearer"})
            return func(*args, **kwargs)

        return wrapper

    return decorate


def errors(statuses: Mapping[type[Exception], int]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn the named exceptions into JSON errors with their HTTP status; others propagate."""
    caught = tuple(statuses)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except caught as exc:
                status = next(code for kind, code in statuses.items() if isinstance(exc, kind))
                raise json_error(status, str(exc)) from exc

        return wrapper

    return decorate


def cache(seconds: float, max_entries: int = 1024) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Keep a route's result for `seconds` per (arguments, query string) in this process.

    `wrapper.cache_clear()` forgets everything (functools.wraps carries it to outer decorators).
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        entries: dict[tuple[Any, ...], tuple[float, Any]] = {}

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())), _query_key())
            now = time.monotonic()
            hit = entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
            value = func(*args, **kwargs)
            if len(entries) >= max_entries:  # bounded: odd query strings must not grow it forever
                entries.clear()
            entries[key] = (now + seconds, value)
            return value

        wrapper.cache_clear = entries.clear  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _query_key() -> tuple[tuple[str, str], ...]:
    # `callback` only changes the wrapping jsonp adds outside the cache, so it is not part of the key.
    return tuple(sorted((k, v) for k, v in request.query.allitems() if k != "callback"))
