"""The versioned REST API: route modules per model, and the access checks they share."""

import hmac
import os

from bottle import LocalRequest
from config import settings

PREFIX = "/api/v1"


def has_token(request: LocalRequest) -> bool:
    """`Authorization: Bearer <token>` matching $SAMPLE_API_TOKEN (or app.api_token); none set: no one."""
    expected = os.environ.get("SAMPLE_API_TOKEN") or settings.app.get("api_token") or ""
    # The raw WSGI header (bytes as latin-1): bottle's get_header() raises on bytes that are not UTF-8.
    header = request.environ.get("HTTP_AUTHORIZATION", "").encode("latin-1")
    scheme, _, given = header.partition(b" ")
    return bool(expected) and scheme.lower() == b"bearer" and hmac.compare_digest(given, expected.encode())
