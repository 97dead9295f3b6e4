"""Note tasks: count a note's words and store the count."""

from celery import shared_task
from controllers.notes import NotesController


@shared_task
def count_words(note_id: int) -> int:
    """Count the words of note `note_id`, record the count on the note and return it."""
    notes = NotesController()
    words = len(notes.get(note_id)["body"].split())
    notes.record_words(note_id, words)
    return words
