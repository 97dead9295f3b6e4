"""REST routes for notes under /api/v1/notes: reads are open, writes need the API token."""

from typing import Any

from bottle import Bottle, HTTPError, request, response
from controllers.notes import InvalidNote, NotesController, NotFound
from decorators import auth, cache, errors, json_error, jsonp

from api import PREFIX, has_token

routes = Bottle()


@routes.get(PREFIX + "/notes")
@jsonp
@cache(5)
def list_notes() -> list[dict[str, Any]]:
    try:
        limit = int(request.query.get("limit", 50))
    except ValueError:
        raise json_error(400, "limit must be an integer") from None
    if not 1 <= limit <= 500:
        raise json_error(400, "limit must be between 1 and 500")
    return list(NotesController().list(limit=limit))


@routes.get(PREFIX + "/notes/<note_id:int>")
@jsonp
@errors({NotFound: 404})
@cache(5)
def get_note(note_id: int) -> dict[str, Any]:
    return NotesController().get(note_id)


@routes.post(PREFIX + "/notes")
@auth(has_token)
@jsonp
@errors({InvalidNote: 400})
def create_note() -> dict[str, Any]:
    try:
        data = request.json
    except HTTPError:
        raise json_error(400, "body is not valid JSON") from None
    if not isinstance(data, dict):
        raise json_error(400, 'expected a JSON object: {"title": ..., "body": ...}')
    note = NotesController().create(data.get("title"), data.get("body", ""))
    _forget_cached()
    response.status = 201
    return note


@routes.delete(PREFIX + "/notes/<note_id:int>")
@auth(has_token)
@jsonp
@errors({NotFound: 404})
def delete_note(note_id: int) -> dict[str, Any]:
    NotesController().delete(note_id)
    _forget_cached()
    return {"deleted": note_id}


def _forget_cached() -> None:
    # Only this process forgets; other workers' copies expire with their TTL.
    list_notes.cache_clear()  # type: ignore[attr-defined]
    get_note.cache_clear()  # type: ignore[attr-defined]
