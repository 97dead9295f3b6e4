"""sample_app/models/db.py: which database the config opens (nothing here needs a running Postgres)."""

from pathlib import Path

import peewee
import pytest
from models import db
from playhouse.pool import PooledPostgresqlDatabase


def test_sqlite_is_the_default_with_its_path_relative_to_the_app_folder(tmp_path: Path) -> None:
    database = db.open_database({"path": "../shared/data/app.db"}, root=str(tmp_path / "app"))
    assert isinstance(database, peewee.SqliteDatabase)
    assert database.database == str(tmp_path / "app" / "../shared/data/app.db")


def test_setup_creates_the_sqlite_folder_and_the_tables_in_wal_mode(tmp_path: Path) -> None:
    db.setup({"engine": "sqlite", "path": "deep/er/app.db"}, root=str(tmp_path))
    assert (tmp_path / "deep" / "er" / "app.db").is_file()
    with db.database.connection_context():
        assert "note" in db.database.get_tables()
        assert db.database.pragma("journal_mode") == "wal"


def test_postgres_engine_builds_a_psycopg2_postgres_database_without_connecting(monkeypatch) -> None:
    monkeypatch.setenv("NOTES_PG_PASSWORD", "s3cret")
    conf = {
        "engine": "postgres",
        "name": "notes",
        "host": "db.internal",
        "port": 6432,
        "user": "app",
        "password_env": "NOTES_PG_PASSWORD",
    }
    database = db.open_database(conf)
    assert isinstance(database, peewee.PostgresqlDatabase)
    assert isinstance(database, PooledPostgresqlDatabase)
    assert database.database == "notes"
    assert database.connect_params == {
        "host": "db.internal",
        "port": 6432,
        "user": "app",
        "password": "s3cret",
    }
    assert database.is_closed()


def test_an_unknown_engine_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'mysql'"):
        db.open_database({"engine": "mysql"})
