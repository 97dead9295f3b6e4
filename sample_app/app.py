"""WSGI entry point (gunicorn/uwsgi app:application): lib/ first on sys.path, the config, the Bottle app."""

import os
import sys

ROOT = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(ROOT, "lib"))  # the app's pinned pure-Python dependencies come first

import config  # noqa: E402
from routes import make_app  # noqa: E402

config.load(ROOT)
application = make_app()
