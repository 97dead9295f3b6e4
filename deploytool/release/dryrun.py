"""--dry-run: the read-only probe runs for real, every other command is recorded, not run.

The plan printed is then exactly the commands a real push would send, for the hosts as they are now.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from deploytool.release.plan import Bundle
from deploytool.remote.runner import RecordingRunner, Result, Runner


class PlanRunner(RecordingRunner):
    """Answers the facts probe from the real host; records everything else and pretends it worked."""

    def __init__(self, real: Runner, bundle: Bundle | None) -> None:
        super().__init__(real.host)
        self.real = real
        self.bundle = bundle

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = True,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> Result:
        op = _probe_op(argv)
        if op == "facts":
            return self.real.run(argv, check=check, stdin=stdin, timeout=timeout)
        result = super().run(argv, check=check, stdin=stdin, timeout=timeout)
        if op == "digests" and self.bundle is not None:
            paths = json.loads(argv[-1])["paths"]
            fake = {p: self.bundle.env_digest if "/envs/" in p else self.bundle.release_digest for p in paths}
            return Result(self.host, result.argv, 0, json.dumps(fake))
        if op == "health":
            args = json.loads(argv[-1])
            answer = {
                "ok": True,
                "status": args["status"],
                "release": args["release"],
                "body": "",
                "attempts": 0,
            }
            return Result(self.host, result.argv, 0, json.dumps(answer))
        return result

    def close(self) -> None:
        self.real.close()


def _probe_op(argv: Sequence[str]) -> str | None:
    if list(argv[:3]) == ["sudo", "-n", "--"]:
        argv = argv[3:]
    if len(argv) == 4 and argv[1] == "-c" and argv[3].startswith("{"):
        try:
            op = json.loads(argv[3]).get("op")
        except ValueError:
            return None
        return op if isinstance(op, str) else None
    return None
