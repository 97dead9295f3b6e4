"""NotesController: create, read, list and delete notes, and record their word counts."""

from collections.abc import Iterator
from typing import Any

from models.db import database
from models.notes import Note

MAX_TITLE = 200


class NotFound(LookupError):
    """No note has that id."""


class InvalidNote(ValueError):
    """The note's fields break a rule (the message says which)."""


class NotesController:
    def list(self, limit: int = 50) -> Iterator[dict[str, Any]]:
        """Newest first."""
        with database.connection_context():
            for note in Note.select().order_by(Note.id.desc()).limit(limit):
                yield _as_dict(note)

    def get(self, note_id: int) -> dict[str, Any]:
        with database.connection_context():
            return _as_dict(self._find(note_id))

    def create(self, title: Any, body: Any = "") -> dict[str, Any]:
        if not isinstance(title, str) or not title.strip():
            raise InvalidNote("title must be a non-empty string")
        if len(title) > MAX_TITLE:
            raise InvalidNote(f"title must be at most {MAX_TITLE} characters")
        if not isinstance(body, str):
            raise InvalidNote("body must be a string")
        with database.connection_context():
            return _as_dict(Note.create(title=title.strip(), body=body))

    def delete(self, note_id: int) -> None:
        with database.connection_context():
            if not Note.delete().where(Note.id == note_id).execute():
                raise NotFound(f"note {note_id} not found")

    def record_words(self, note_id: int, words: int) -> None:
        with database.connection_context():
            if not Note.update(words=words).where(Note.id == note_id).execute():
                raise NotFound(f"note {note_id} not found")

    def _find(self, note_id: int) -> Note:
        note = Note.get_or_none(Note.id == note_id)
        if note is None:
            raise NotFound(f"note {note_id} not found")
        return note


def _as_dict(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "title": note.title,
        "body": note.body,
        "words": note.words,
        "created": note.created.isoformat(timespec="seconds") + "Z",
    }
