"""Development server: the app on Bottle's built-in server at 127.0.0.1:PORT (argv[1], $PORT or 8080)."""

import os
import sys

ROOT = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(ROOT, "lib"))  # the app's pinned pure-Python dependencies come first

import bottle  # noqa: E402
import config  # noqa: E402
from routes import make_app  # noqa: E402

if __name__ == "__main__":
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "8080"))
    config.load(ROOT)
    bottle.run(make_app(), host="127.0.0.1", port=port, debug=True)
