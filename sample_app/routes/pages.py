"""HTML: the index page (Bottle templates from views/) and the files under static/."""

import os
from typing import Any

from bottle import Bottle, static_file, view
from config import APP_ROOT, settings
from controllers.notes import NotesController

routes = Bottle()
VIEWS = [os.path.join(APP_ROOT, "views")]
STATIC = os.path.join(APP_ROOT, "static")


@routes.get("/")
@view("index", template_lookup=VIEWS)
def index() -> dict[str, Any]:
    return {"title": settings.app.get("title", "Notes"), "notes": list(NotesController().list(limit=20))}


@routes.get("/static/<path:path>")
def serve_static(path: str) -> Any:
    return static_file(path, root=STATIC)
