"""GET /health: the running release id and a database check, for the deploy's health gate."""

import os
from typing import Any

from bottle import Bottle, response
from config import APP_ROOT, settings
from controllers.health import HealthController
from decorators import jsonp

routes = Bottle()


@routes.get("/health")
@jsonp
def health() -> dict[str, Any]:
    release_path = os.path.join(APP_ROOT, settings.app.get("release_file", "RELEASE"))
    healthy, report = HealthController(release_path).check()
    response.set_header("Cache-Control", "no-store")
    if not healthy:
        response.status = 503
    return {"app": settings.app.get("name", ""), **report}
