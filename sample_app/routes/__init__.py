"""The web app: HTML pages, /health and the API merged into one Bottle application."""

from api import notes
from bottle import Bottle
from config import settings
from models import db

from routes import health, pages


def make_app() -> Bottle:
    """Open the configured database and assemble the routes (config.load() must have run)."""
    db.setup(settings.db)
    app = Bottle()
    for part in (health.routes, notes.routes, pages.routes):
        app.merge(part)
    return app
