"""The Note model: a titled text, with a word count the batch worker fills in."""

import datetime

import peewee

from models.db import BaseModel


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class Note(BaseModel):
    title = peewee.CharField(max_length=200)
    body = peewee.TextField(default="")
    words = peewee.IntegerField(null=True)
    created = peewee.DateTimeField(default=_utcnow)  # naive UTC
