"""HealthController: which release is running and whether the database answers, cheaply."""

import functools
import os
from typing import Any

from models import db


class ReleaseFile:
    """The release id the deploy wrote into the app folder; re-read only when the file changes."""

    def __init__(self, path: str) -> None:
        self.path = path
        # (inode, mtime, size) -> id, swapped as one tuple so threads never see a half-updated pair.
        self._cached: tuple[tuple[int, int, int], str] | None = None

    def read(self) -> str:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return "dev"
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._cached
        if cached is None or cached[0] != stamp:
            with open(self.path, encoding="utf-8") as f:
                cached = self._cached = (stamp, f.read().strip() or "dev")
        return cached[1]


@functools.cache
def release_file(path: str) -> ReleaseFile:
    """One ReleaseFile per path for the life of the process, so its cache outlives a request."""
    return ReleaseFile(path)


class HealthController:
    def __init__(self, release_path: str) -> None:
        self.release = release_file(release_path)

    def check(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, report): the report always names the release; "db" is "ok" or "error: ..."."""
        report: dict[str, Any] = {"status": "ok", "release": self.release.read(), "db": "ok"}
        try:
            db.ping()
        except Exception as exc:  # whatever stops the query (driver, pool, disk) makes the host unhealthy
            report["status"], report["db"] = "error", f"error: {exc}"
            return False, report
        return True, report
