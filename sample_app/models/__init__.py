"""Data stores: Peewee models on the one database that db.py opens."""
