"""The Peewee database (SQLite by default, Postgres when db.engine is "postgres") and the base model."""

import logging
import os
from collections.abc import Mapping
from typing import Any

import peewee
from config import APP_ROOT
from playhouse.pool import PooledPostgresqlDatabase

log = logging.getLogger(__name__)

# Models bind to the proxy at import time; setup() points it at the configured database later.
database = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    class Meta:
        database = database


def open_database(db: Mapping[str, Any], root: str = APP_ROOT) -> peewee.Database:
    """Build (without connecting) the database that the `db` config section describes."""
    engine = db.get("engine", "sqlite")
    if engine == "sqlite":
        path = os.path.join(root, db.get("path", "data/app.db"))  # an absolute path stays as it is
        # journal_mode=wal is set once, in setup(): it sticks to the file, and setting it on every
        # connect made each /health hit about 9x slower.
        return peewee.SqliteDatabase(path, pragmas={"busy_timeout": 5000})
    if engine == "postgres":
        # psycopg2 through PostgresqlDatabase; pooled so that /health does not open a connection per hit.
        return PooledPostgresqlDatabase(
            db["name"],
            host=db.get("host", "127.0.0.1"),
            port=db.get("port", 5432),
            user=db.get("user"),
            password=os.environ.get(db.get("password_env", "SAMPLE_DB_PASSWORD")),
            max_connections=db.get("max_connections", 8),
            stale_timeout=300,
        )
    raise ValueError(f"db.engine: expected 'sqlite' or 'postgres', got {engine!r}")


def setup(db: Mapping[str, Any], root: str = APP_ROOT) -> peewee.Database:
    """Point the models at the configured database and create missing tables.

    A database that cannot be reached here is logged, not raised: the app still starts and /health
    reports the error, rather than workers dying in a restart loop.
    """
    from models.notes import Note  # here, not at the top: models.notes imports this module

    target = open_database(db, root)
    database.initialize(target)
    if isinstance(target, peewee.SqliteDatabase):
        try:
            os.makedirs(os.path.dirname(target.database), exist_ok=True)
        except OSError as exc:
            log.warning("cannot create the folder of %s: %s", target.database, exc)
    try:
        with database.connection_context():
            if isinstance(target, peewee.SqliteDatabase):
                # WAL: web readers and the worker's writes do not block each other.
                target.pragma("journal_mode", "wal")
            database.create_tables([Note], safe=True)
    except peewee.DatabaseError as exc:
        log.warning("database not ready: %s", exc)
    return target


def ping() -> None:
    """The cheapest round trip to the database; raises peewee.DatabaseError when it is down."""
    with database.connection_context():
        database.execute_sql("SELECT 1")
