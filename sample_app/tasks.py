"""Celery entry point (celery -A tasks worker): lib/ first on sys.path, the config, the Celery app."""

import os
import sys

ROOT = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(ROOT, "lib"))  # the app's pinned pure-Python dependencies come first

import config  # noqa: E402
from batch import make_celery  # noqa: E402
from models import db  # noqa: E402

config.load(ROOT)
db.setup(config.settings.db)
app = make_celery()
